"""Priors of the summary reanalysis: a grid of normal priors on ψ anchored on the MCID.

Prior grid (ratio measures; ``d = |log MCID|``; benefit = ratio < 1 unless ``benefit="higher"``)

======================  ==========  =================================================================
name                    mean of ψ   SD of ψ chosen so that
======================  ==========  =================================================================
minimally_informative   0           SD = 10 (flat over any plausible range)
neutral_weak            0           P(ratio beyond MCID or 1/MCID) = 0.50  (SD = d / z₀.₇₅)
neutral_moderate        0           P(ratio beyond MCID or 1/MCID) = 0.25  (SD = d / z₀.₈₇₅)
neutral_strong          0           P(ratio beyond MCID or 1/MCID) = 0.05  (SD = d / z₀.₉₇₅)
optimistic              log MCID    P(no benefit, ratio on the harm side of 1) = 0.15
pessimistic             −log MCID   P(any benefit) = 0.15 (harm as large as the MCID is expected)
======================  ==========  =================================================================

For difference measures the same table holds with ``d = |MCID|`` and ψ on the identity scale; the
minimally informative SD is then ``100·d``. User-defined priors (:class:`Prior`) are appended.

For 2×2 counts (exact route, :mod:`bayes_iris.reanalysis.counts`) ``minimally_informative`` is
not N(0, 10²) on ψ but Jeffreys' Beta(½, ½) on each arm's risk — symmetric in the arms, and
finite where a zero cell leaves the likelihood of ψ flat in one direction (a N(0, 10²) prior
would then hand a tail of e^±20 to the prior); the other priors stay normal on ψ with a
baseline-risk prior symmetric in the arms, and ``independent_beta`` (uniform Beta(1, 1) on each
arm) is added. With ``method="normal"`` every prior of this table is used as it stands.

Merge order (later wins, :mod:`bayes_iris.priors`): :data:`DEFAULTS` (the tail probabilities in the
table) ← named set (:data:`PRIOR_SETS`; one, ``"default"``) ← the user's ``overrides``. User-defined
priors (:class:`Prior`, ``--prior NAME=MEAN,SD``) are appended to the grid; :func:`statement` gives
the prior probabilities each prior implies (the table's ``prior_p_beyond_mcid``).

References
----------
.. [1] Goligher EC, Tomlinson G, Hajage D, et al. JAMA 2018;320:2251–2259.
.. [2] Zampieri FG, Damiani LP, Bakker J, et al. Am J Respir Crit Care Med 2020;201:423–429.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

from ..errors import InputError
from ..priors import resolve
from .inputs import Benefit

__all__ = ["DEFAULTS", "PRIOR_SETS", "Prior", "PriorGrid", "prior_grid", "statement"]

#: Tail probabilities of the grid's priors (see the table above).
DEFAULTS: dict[str, dict[str, float]] = {
    "neutral_weak": {"p_beyond": 0.50},
    "neutral_moderate": {"p_beyond": 0.25},
    "neutral_strong": {"p_beyond": 0.05},
    "optimistic": {"p_wrong_side": 0.15},
    "pessimistic": {"p_wrong_side": 0.15},
}
#: Named sets of tail probabilities (partial dicts of :data:`DEFAULTS`).
PRIOR_SETS: dict[str, dict[str, Any]] = {"default": {}}


class Prior(BaseModel):
    """A normal prior on ψ (the log ratio, or the difference for difference measures)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    mean: float
    sd: float = Field(gt=0)
    description: str = ""

    @model_validator(mode="after")
    def _finite(self) -> Prior:
        if not (np.isfinite(self.mean) and np.isfinite(self.sd)):
            raise ValueError("prior mean and sd must be finite")
        return self


class PriorGrid(BaseModel):
    """The priors of one reanalysis, with the MCID and the direction of benefit they refer to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mcid: float
    measure_scale: Literal["ratio", "difference"] = "ratio"
    benefit: Benefit = "lower"
    priors: list[Prior] = Field(min_length=1)

    @property
    def mcid_psi(self) -> float:
        return float(np.log(self.mcid)) if self.measure_scale == "ratio" else float(self.mcid)

    def __iter__(self):  # type: ignore[override]
        return iter(self.priors)


def prior_grid(
    mcid: float = 0.8,
    *,
    scale: Literal["ratio", "difference"] = "ratio",
    benefit: Benefit = "lower",
    extra: Sequence[Prior] = (),
    overrides: Mapping[str, Any] | None = None,
) -> PriorGrid:
    """The standard grid of priors anchored on a minimal clinically important difference.

    Parameterisations are in the module docstring: :data:`DEFAULTS` ← :data:`PRIOR_SETS`
    ``"default"`` ← ``overrides`` (for example ``{"neutral_strong": {"p_beyond": 0.01}}``) give
    the prior probabilities of an effect beyond ±MCID for the neutral priors and of the opposite
    sign for the optimistic and pessimistic priors.

    Parameters
    ----------
    mcid : float
        The clinically important effect: a ratio (e.g. 0.8 = 20 % relative reduction) or a
        difference. Must lie on the benefit side (< 1 for ``benefit="lower"``).
    scale : {"ratio", "difference"}
    benefit : {"lower", "higher"}
    extra : sequence of Prior
        User-defined priors appended to the grid.
    overrides : mapping, optional
        Tail probabilities merged on top of the defaults; unknown keys raise
        :class:`~bayes_iris.errors.InputError` naming the known ones.

    Returns
    -------
    PriorGrid

    References
    ----------
    .. [1] Goligher et al. JAMA 2018;320:2251–2259. .. [2] Zampieri et al. AJRCCM 2020;201:423–429.

    Examples
    --------
    >>> g = prior_grid(mcid=0.8)
    >>> [p.name for p in g][:2]
    ['minimally_informative', 'neutral_weak']
    >>> round(g.priors[3].sd, 4)   # neutral_strong: P(RR < 0.8 or RR > 1.25) = 0.05
    0.1139
    """
    try:
        mcid = float(mcid)
    except (TypeError, ValueError):
        raise InputError(f"MCID must be a number, got {mcid!r}", column="mcid") from None
    if scale == "ratio":
        if not (np.isfinite(mcid) and mcid > 0 and mcid != 1):
            raise InputError(f"MCID on a ratio scale must be positive and not 1, got {mcid}",
                             column="mcid", hint="e.g. --mcid 0.8 for a 20% relative reduction")
        d_signed = float(np.log(mcid))
    else:
        if not (np.isfinite(mcid) and mcid != 0):
            raise InputError(f"MCID on a difference scale must be non-zero, got {mcid}",
                             column="mcid")
        d_signed = mcid
    if (benefit == "lower") != (d_signed < 0):
        side = "< 1" if scale == "ratio" else "< 0"
        raise InputError(
            f"MCID {mcid} is not on the benefit side (benefit = {benefit} values)", column="mcid",
            hint=f"with benefit='lower' the MCID must be {side}")
    tails = resolve(DEFAULTS, PRIOR_SETS, "default", overrides, what="prior grid setting")
    p_beyond = tuple(tails[n]["p_beyond"] for n in ("neutral_weak", "neutral_moderate",
                                                    "neutral_strong"))
    p_wrong = {n: tails[n]["p_wrong_side"] for n in ("optimistic", "pessimistic")}
    for p in (*p_beyond, *p_wrong.values()):
        if not (isinstance(p, int | float) and 0 < p < 1):
            raise InputError(f"prior tail probabilities must be in (0, 1), got {p!r}",
                             column="priors")
    d = abs(d_signed)
    unit = "log ratio" if scale == "ratio" else "difference"
    minimal_sd = 10.0 if scale == "ratio" else 100 * d
    priors = [Prior(name="minimally_informative", mean=0.0, sd=minimal_sd,
                    description=f"N(0, {minimal_sd:g}^2) on the {unit}")]
    for name, p in zip(("neutral_weak", "neutral_moderate", "neutral_strong"), p_beyond,
                       strict=True):
        sd = d / stats.norm.ppf(1 - p / 2)
        priors.append(Prior(name=name, mean=0.0, sd=float(sd),
                            description=f"centred on no effect; P(effect beyond ±MCID) = {p:g}"))
    sd_opt = d / stats.norm.ppf(1 - p_wrong["optimistic"])
    sd_pess = d / stats.norm.ppf(1 - p_wrong["pessimistic"])
    priors.append(Prior(name="optimistic", mean=d_signed, sd=float(sd_opt),
                        description="centred on the MCID; P(no benefit) = "
                                    f"{p_wrong['optimistic']:g}"))
    priors.append(Prior(name="pessimistic", mean=-d_signed, sd=float(sd_pess),
                        description="centred on harm of MCID size; P(benefit) = "
                                    f"{p_wrong['pessimistic']:g}"))
    names = {p.name for p in priors}
    for p in extra:
        if p.name in names:
            raise InputError(f"prior name {p.name!r} is used twice", column="prior")
        names.add(p.name)
        priors.append(p)
    return PriorGrid(mcid=mcid, measure_scale=scale, benefit=benefit, priors=priors)


def statement(prior: Prior, mcid_psi: float) -> dict[str, float]:
    """Prior probabilities implied by a normal prior on ψ: beyond ±MCID, and of benefit.

    Examples
    --------
    >>> g = prior_grid(0.8)
    >>> s = statement(g.priors[3], g.mcid_psi)   # neutral_strong
    >>> round(s["p_beyond_mcid"], 3)
    0.05
    """
    d = abs(mcid_psi)
    return {
        "p_beyond_mcid": float(stats.norm.cdf(-d, prior.mean, prior.sd)
                               + stats.norm.sf(d, prior.mean, prior.sd)),
        "p_below_0": float(stats.norm.cdf(0.0, prior.mean, prior.sd)),
    }
