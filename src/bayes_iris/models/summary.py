"""Bayesian reanalysis of published summary results under a grid of priors.

Input is either a published estimate with its confidence interval (:class:`Estimate`, on a ratio
scale — RR, OR, HR — or a difference scale — RD, MD) or a 2×2 table (:class:`Counts`). The analysis
is repeated under each prior of a :class:`PriorGrid` (minimally informative; neutral weak /
moderate / strong; optimistic; pessimistic; user-defined), and reports per prior the posterior
median and 95 % credible interval, P(any benefit), P(benefit at least the MCID) and P(harm), on the
ratio scale and — where a baseline risk is given — on the absolute-risk scale.

Maths
-----
Write ψ for the log ratio (ratio measures) or the difference itself (difference measures).

*Estimate + CI* (normal approximation on the log scale): the likelihood is ψ̂ ~ N(ψ, se²) with
ψ̂ = log(estimate), se = (log U − log L) / (2 z), z = Φ⁻¹(1 − (1 − level)/2) (difference scales:
no logs). With prior ψ ~ N(m₀, s₀²) the posterior is normal with precision 1/s₀² + 1/se² and mean
(m₀/s₀² + ψ̂/se²) / precision — exact, closed form.

*Counts* (x_t/n_t vs x_c/n_c): binomial likelihoods with θ_c ~ Beta(1, 1) and, for the risk ratio,
θ_t = θ_c e^ψ (zero likelihood where θ_t ≥ 1), for the odds ratio logit θ_t = logit θ_c + ψ. The
marginal posterior of ψ under each normal prior is computed by two-dimensional quadrature
(θ_c integrated out on the logit scale; exact to grid tolerance, no MCMC). A further row,
``independent_beta``, gives the exact conjugate answer with independent Beta(1, 1) priors on both
arms (:mod:`bayes_iris.models.binary`).

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

References
----------
.. [1] Goligher EC, Tomlinson G, Hajage D, et al. Extracorporeal membrane oxygenation for severe
   acute respiratory distress syndrome and posterior probability of mortality benefit in a post
   hoc Bayesian analysis of a randomized clinical trial. JAMA 2018;320:2251–2259 (prior grid
   anchored on a clinically important difference; normal approximation on the log RR scale).
.. [2] Zampieri FG, Damiani LP, Bakker J, et al. Effects of a resuscitation strategy targeting
   peripheral perfusion status versus serum lactate levels among patients with septic shock:
   a Bayesian reanalysis of the ANDROMEDA-SHOCK trial. Am J Respir Crit Care Med
   2020;201:423–429 (neutral/optimistic/pessimistic priors of stated strength).
.. [3] Spiegelhalter DJ, Abrams KR, Myles JP. Bayesian Approaches to Clinical Trials and
   Health-Care Evaluation. Wiley 2004, §3.5 and §5.5 (normal approximations; sceptical and
   enthusiastic priors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import special, stats

from ..errors import InputError, Problem
from . import binary

__all__ = [
    "BUILTIN_CASES",
    "Case",
    "Counts",
    "Estimate",
    "Prior",
    "PriorGrid",
    "ReanalysisResult",
    "builtin_case",
    "prior_grid",
    "reanalyze",
]

RATIO_MEASURES = ("RR", "OR", "HR")
DIFFERENCE_MEASURES = ("RD", "MD")
Measure = Literal["RR", "OR", "HR", "RD", "MD"]
Benefit = Literal["lower", "higher"]

TABLE_COLUMNS = [
    "case", "measure", "prior", "method", "prior_mean_log", "prior_sd_log", "prior_p_beyond_mcid",
    "mcid", "median", "lower95", "upper95", "p_benefit", "p_benefit_mcid", "p_harm",
    "log_mean", "log_sd", "baseline_risk", "ard_median", "ard_lower95", "ard_upper95",
]


def _pydantic_to_input(err: ValidationError, what: str) -> InputError:
    problems = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or None
        problems.append(Problem(f"{what}: {e['msg']}", column=loc))
    return InputError(problems)


# ----------------------------------------------------------------------------------------------
# inputs
# ----------------------------------------------------------------------------------------------
class Estimate(BaseModel):
    """A published point estimate with its confidence interval.

    Examples
    --------
    >>> e = Estimate(value=1.01, lower=0.36, upper=2.81, measure="RR")
    >>> round(e.se, 4)
    0.5242
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    lower: float
    upper: float
    measure: Measure = "RR"
    level: float = Field(default=0.95, gt=0, lt=1)
    benefit: Benefit = Field(default="lower",
                             description="'lower': a ratio < 1 (difference < 0) is a benefit")

    @model_validator(mode="after")
    def _check(self) -> Estimate:
        vals = (self.value, self.lower, self.upper)
        if not all(np.isfinite(vals)):
            raise ValueError("estimate and CI limits must be finite numbers")
        if self.measure in RATIO_MEASURES and min(vals) <= 0:
            raise ValueError(f"{self.measure} is a ratio: estimate and CI limits must be > 0")
        if not self.lower < self.value < self.upper:
            raise ValueError(f"need lower < estimate < upper, got {self.lower} / {self.value} / "
                             f"{self.upper}")
        return self

    @property
    def is_ratio(self) -> bool:
        return self.measure in RATIO_MEASURES

    def _t(self, x: float) -> float:
        return float(np.log(x)) if self.is_ratio else float(x)

    @property
    def z(self) -> float:
        return float(stats.norm.ppf(1 - (1 - self.level) / 2))

    @property
    def psi_hat(self) -> float:
        """Point estimate on the analysis scale (log for ratios)."""
        return self._t(self.value)

    @property
    def se(self) -> float:
        """Standard error on the analysis scale: (t(U) − t(L)) / (2 z)."""
        return (self._t(self.upper) - self._t(self.lower)) / (2 * self.z)


class Counts(BaseModel):
    """A 2×2 table: ``events_treated``/``n_treated`` vs ``events_control``/``n_control``.

    Examples
    --------
    >>> Counts.parse("3/15,0/6").events_treated
    3
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    events_treated: int = Field(ge=0)
    n_treated: int = Field(ge=1)
    events_control: int = Field(ge=0)
    n_control: int = Field(ge=1)
    measure: Literal["RR", "OR"] = "RR"
    benefit: Benefit = "lower"

    @model_validator(mode="after")
    def _check(self) -> Counts:
        if self.events_treated > self.n_treated:
            raise ValueError(f"treated events {self.events_treated} > n {self.n_treated}")
        if self.events_control > self.n_control:
            raise ValueError(f"control events {self.events_control} > n {self.n_control}")
        return self

    @property
    def is_ratio(self) -> bool:
        return True

    @classmethod
    def parse(cls, text: str, **kwargs) -> Counts:
        """Parse ``"xt/nt,xc/nc"`` (treated first). Bad text raises :class:`InputError`."""
        hint = "write the two arms as events/n, treated first, e.g. 3/15,0/6"
        parts = [p.strip() for p in str(text).split(",")]
        try:
            if len(parts) != 2:
                raise ValueError
            (xt, nt), (xc, nc) = (tuple(int(v) for v in p.split("/")) for p in parts)
        except ValueError:
            raise InputError(f"cannot read counts {text!r}", column="counts", hint=hint) from None
        try:
            return cls(events_treated=xt, n_treated=nt, events_control=xc, n_control=nc, **kwargs)
        except ValidationError as err:
            raise _pydantic_to_input(err, "counts") from None


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
    p_beyond: tuple[float, float, float] = (0.50, 0.25, 0.05),
    p_wrong_side: float = 0.15,
) -> PriorGrid:
    """The standard grid of priors anchored on a minimal clinically important difference.

    Parameterisations are in the module docstring; ``p_beyond`` are the prior probabilities of an
    effect beyond ±MCID for the weak, moderate and strong neutral priors, ``p_wrong_side`` the
    prior probability of the opposite sign for the optimistic and pessimistic priors.

    Parameters
    ----------
    mcid : float
        The clinically important effect: a ratio (e.g. 0.8 = 20 % relative reduction) or a
        difference. Must lie on the benefit side (< 1 for ``benefit="lower"``).
    scale : {"ratio", "difference"}
    benefit : {"lower", "higher"}
    extra : sequence of Prior
        User-defined priors appended to the grid.

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
    for p in (*p_beyond, p_wrong_side):
        if not 0 < p < 1:
            raise InputError(f"prior tail probabilities must be in (0, 1), got {p}",
                             column="p_beyond")
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
    sd_dir = d / stats.norm.ppf(1 - p_wrong_side)
    priors.append(Prior(name="optimistic", mean=d_signed, sd=float(sd_dir),
                        description=f"centred on the MCID; P(no benefit) = {p_wrong_side:g}"))
    priors.append(Prior(name="pessimistic", mean=-d_signed, sd=float(sd_dir),
                        description=f"centred on harm of MCID size; P(benefit) = {p_wrong_side:g}"))
    names = {p.name for p in priors}
    for p in extra:
        if p.name in names:
            raise InputError(f"prior name {p.name!r} is used twice", column="prior")
        names.add(p.name)
        priors.append(p)
    return PriorGrid(mcid=mcid, measure_scale=scale, benefit=benefit, priors=priors)


# ----------------------------------------------------------------------------------------------
# posterior engines
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Curve:
    """A density of ψ on a grid (for plots and grid summaries)."""

    psi: np.ndarray
    density: np.ndarray


def _summ_normal(mean: float, sd: float) -> dict[str, float]:
    return dict(psi_median=mean, psi_lower=mean - 1.959963984540054 * sd,
                psi_upper=mean + 1.959963984540054 * sd, log_mean=mean, log_sd=sd,
                cdf=lambda x: float(stats.norm.cdf(x, mean, sd)))


def _summ_grid(psi: np.ndarray, dens: np.ndarray) -> dict[str, float]:
    from scipy.integrate import cumulative_trapezoid, trapezoid

    z = trapezoid(dens, psi)
    dens = dens / z
    cdf = cumulative_trapezoid(dens, psi, initial=0.0)
    cdf /= cdf[-1]
    mean = float(trapezoid(psi * dens, psi))
    sd = float(np.sqrt(max(trapezoid((psi - mean) ** 2 * dens, psi), 0.0)))
    # strictly increasing support for interpolation
    keep = np.concatenate([[True], np.diff(cdf) > 0])
    q = lambda p: float(np.interp(p, cdf[keep], psi[keep]))  # noqa: E731
    return dict(psi_median=q(0.5), psi_lower=q(0.025), psi_upper=q(0.975), log_mean=mean,
                log_sd=sd, cdf=lambda x: float(np.interp(x, psi, cdf)))


_U_GRID = np.linspace(-25.0, 15.0, 801)       # logit θc
_PSI_GRID = np.linspace(-20.0, 20.0, 8001)    # ψ


def _loglik_counts(c: Counts, u: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """log p(x | θc = expit(u), ψ), a (len(psi), len(u)) array (−inf where θt ≥ 1)."""
    U, P = np.meshgrid(u, psi)
    log_tc = -np.logaddexp(0.0, -U)
    log_1mtc = -np.logaddexp(0.0, U)
    if c.measure == "OR":
        lt = U + P
        log_tt, log_1mtt = -np.logaddexp(0.0, -lt), -np.logaddexp(0.0, lt)
    else:
        log_tt = log_tc + P
        with np.errstate(invalid="ignore", divide="ignore"):
            log_1mtt = np.where(log_tt < 0, np.log1p(-np.exp(np.minimum(log_tt, 0.0))), -np.inf)
    xt, nt, xc, nc = c.events_treated, c.n_treated, c.events_control, c.n_control
    with np.errstate(invalid="ignore"):
        ll = (xc * log_tc + (nc - xc) * log_1mtc
              + np.where(xt > 0, xt * log_tt, 0.0)
              + np.where(nt - xt > 0, (nt - xt) * log_1mtt, 0.0))
    ll = np.where(np.isnan(ll), -np.inf, ll)
    if c.measure == "RR":
        ll = np.where(log_tt < 0, ll, -np.inf)
    return ll


def _grid_marginal(c: Counts, log_prior_2d: np.ndarray | None = None,
                   psi: np.ndarray = _PSI_GRID, u: np.ndarray = _U_GRID) -> np.ndarray:
    """∫ p(θc) p(ψ | θc) p(x | θc, ψ) dθc on the ψ grid (θc ~ Beta(1, 1) on the logit scale).

    ``log_prior_2d`` (shape (len(psi), len(u))) is an optional conditional log prior of ψ given
    θc; ``None`` means 0 (the ψ prior is applied afterwards, independent of θc).
    """
    from scipy.integrate import trapezoid

    ll = _loglik_counts(c, u, psi)
    # Beta(1,1) on θc -> density θc(1−θc) on u = logit θc
    log_jac = -np.logaddexp(0.0, -u) - np.logaddexp(0.0, u)
    lp = ll + log_jac[None, :]
    if log_prior_2d is not None:
        lp = lp + log_prior_2d
    mx = np.max(lp)
    return trapezoid(np.exp(lp - mx), u, axis=1)


# ----------------------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReanalysisResult:
    """Tidy results of :func:`reanalyze`.

    ``table`` has one row per prior with the columns ``TABLE_COLUMNS`` (``log_mean``/``log_sd`` are
    the posterior mean and SD of ψ: the log ratio, or the difference itself for RD/MD).
    ``likelihood``, ``priors_curves`` and ``posteriors`` hold densities of ψ for the triplot.
    """

    case: str
    data: Estimate | Counts
    grid: PriorGrid
    table: pd.DataFrame
    likelihood: Curve
    prior_curves: dict[str, Curve] = field(default_factory=dict)
    posteriors: dict[str, Curve] = field(default_factory=dict)
    baseline_risk: float | None = None

    @property
    def measure(self) -> str:
        return self.data.measure

    @property
    def is_ratio(self) -> bool:
        return self.data.is_ratio


def _absolute(measure: str, ratio: float, p0: float) -> float:
    """Absolute risk difference (treated − baseline) implied by a ratio at baseline risk p0."""
    if measure == "RR":
        return p0 * ratio - p0
    if measure == "OR":
        return p0 * ratio / (1 - p0 + p0 * ratio) - p0
    if measure == "HR":
        return 1 - (1 - p0) ** ratio - p0
    return float("nan")


def reanalyze(
    data: Estimate | Counts,
    priors: PriorGrid | None = None,
    *,
    baseline_risk: float | None = None,
    case: str = "user",
) -> ReanalysisResult:
    """Reanalyse a published estimate+CI or a 2×2 table under every prior of a grid.

    Parameters
    ----------
    data : Estimate or Counts
    priors : PriorGrid, optional
        Default ``prior_grid(mcid=0.8)`` for ratios (``benefit`` taken from ``data``).
    baseline_risk : float, optional
        Control-arm risk in (0, 1); when given, absolute risk differences are reported
        (``ard_*`` columns; monotone transforms of the ratio quantiles).
    case : str
        Label of the ``case`` column.

    Returns
    -------
    ReanalysisResult

    References
    ----------
    .. [1] Goligher et al. JAMA 2018;320:2251–2259. .. [2] Zampieri et al. AJRCCM 2020;201:423–429.

    Examples
    --------
    >>> res = reanalyze(Estimate(value=1.01, lower=0.36, upper=2.81, measure="RR"),
    ...                 prior_grid(mcid=0.8), case="sepsis_mortality")
    >>> row = res.table.set_index("prior").loc["minimally_informative"]
    >>> round(row["median"], 2), round(row["lower95"], 2), round(row["upper95"], 2)
    (np.float64(1.01), np.float64(0.36), np.float64(2.82))
    """
    if not isinstance(data, Estimate | Counts):
        raise InputError("reanalyze needs an Estimate or Counts", column="data")
    scale = "ratio" if data.is_ratio else "difference"
    if priors is None:
        if scale == "difference":
            raise InputError("difference measures need an explicit prior grid (MCID on the "
                             "difference scale)", column="mcid", hint="prior_grid(mcid=-0.05, "
                             "scale='difference')")
        priors = prior_grid(0.8 if data.benefit == "lower" else 1.25, benefit=data.benefit)
    if priors.measure_scale != scale:
        raise InputError(f"prior grid is on the {priors.measure_scale} scale but {data.measure} "
                         f"is a {scale} measure", column="measure")
    if priors.benefit != data.benefit:
        raise InputError("prior grid and data disagree on the direction of benefit",
                         column="benefit")
    if baseline_risk is not None:
        try:
            baseline_risk = float(baseline_risk)
        except (TypeError, ValueError):
            raise InputError(f"baseline risk must be a number, got {baseline_risk!r}",
                             column="baseline_risk") from None
        if not 0 < baseline_risk < 1:
            raise InputError(f"baseline risk must be in (0, 1), got {baseline_risk}",
                             column="baseline_risk", hint="e.g. --baseline-risk 0.35")

    lower_is_benefit = data.benefit == "lower"
    mcid_psi = priors.mcid_psi
    back = np.exp if scale == "ratio" else (lambda x: x)
    prior_curves: dict[str, Curve] = {}
    posteriors: dict[str, Curve] = {}
    rows = []

    if isinstance(data, Estimate):
        method = "normal_conjugate"
        lo = data.psi_hat - 8 * data.se
        hi = data.psi_hat + 8 * data.se
        for p in priors:
            lo, hi = min(lo, p.mean - 4 * p.sd), max(hi, p.mean + 4 * p.sd)
        lo, hi = max(lo, data.psi_hat - 30 * data.se), min(hi, data.psi_hat + 30 * data.se)
        psi = np.linspace(lo, hi, 2001)
        likelihood = Curve(psi, stats.norm.pdf(psi, data.psi_hat, data.se))
        summaries = {}
        for p in priors:
            prec = 1 / p.sd**2 + 1 / data.se**2
            m = (p.mean / p.sd**2 + data.psi_hat / data.se**2) / prec
            s = float(np.sqrt(1 / prec))
            summaries[p.name] = _summ_normal(float(m), s)
            prior_curves[p.name] = Curve(psi, stats.norm.pdf(psi, p.mean, p.sd))
            posteriors[p.name] = Curve(psi, stats.norm.pdf(psi, m, s))
    else:
        method = "grid_quadrature"
        psi = _PSI_GRID
        lik = _grid_marginal(data)
        from scipy.integrate import trapezoid

        likelihood = Curve(psi, lik / trapezoid(lik, psi))
        summaries = {}
        for p in priors:
            dens = lik * stats.norm.pdf(psi, p.mean, p.sd)
            if not np.any(dens > 0):  # pragma: no cover - prior entirely off the grid
                raise InputError(f"prior {p.name!r} puts no mass where the data are possible",
                                 column="prior")
            summaries[p.name] = _summ_grid(psi, dens)
            prior_curves[p.name] = Curve(psi, stats.norm.pdf(psi, p.mean, p.sd))
            posteriors[p.name] = Curve(psi, dens / trapezoid(dens, psi))

    for p in priors:
        sm = summaries[p.name]
        cdf = sm["cdf"]
        p_lower0 = cdf(0.0)
        p_lower_mcid = cdf(mcid_psi)
        p_benefit = p_lower0 if lower_is_benefit else 1 - p_lower0
        p_benefit_mcid = p_lower_mcid if lower_is_benefit else 1 - p_lower_mcid
        d = abs(mcid_psi)
        prior_beyond = float(stats.norm.cdf(-d, p.mean, p.sd) + stats.norm.sf(d, p.mean, p.sd))
        rows.append(dict(
            case=case, measure=data.measure, prior=p.name, method=method,
            prior_mean_log=p.mean, prior_sd_log=p.sd, prior_p_beyond_mcid=prior_beyond,
            mcid=priors.mcid, median=float(back(sm["psi_median"])),
            lower95=float(back(sm["psi_lower"])), upper95=float(back(sm["psi_upper"])),
            p_benefit=p_benefit, p_benefit_mcid=p_benefit_mcid, p_harm=1 - p_benefit,
            log_mean=sm["log_mean"], log_sd=sm["log_sd"],
        ))

    if isinstance(data, Counts):
        rows.append(_independent_beta_row(data, case, priors.mcid, lower_is_benefit))

    table = pd.DataFrame(rows)
    table["baseline_risk"] = baseline_risk if baseline_risk is not None else np.nan
    for col, src in (("ard_median", "median"), ("ard_lower95", "lower95"),
                     ("ard_upper95", "upper95")):
        if baseline_risk is not None and scale == "ratio":
            table[col] = [_absolute(data.measure, float(v), baseline_risk) for v in table[src]]
        else:
            table[col] = np.nan
    table = table[TABLE_COLUMNS]
    return ReanalysisResult(case=case, data=data, grid=priors, table=table, likelihood=likelihood,
                            prior_curves=prior_curves, posteriors=posteriors,
                            baseline_risk=baseline_risk)


def _independent_beta_row(c: Counts, case: str, mcid: float, lower_is_benefit: bool) -> dict:
    """Exact conjugate row: independent Beta(1, 1) priors on both arms (no ratio prior)."""
    res = binary.compare_two_arms(c.events_treated, c.n_treated, c.events_control, c.n_control,
                                  margins=())
    q = res.table.set_index("quantity").loc["risk_ratio" if c.measure == "RR" else "odds_ratio"]
    sf = binary.prob_ratio_greater if c.measure == "RR" else binary.prob_odds_ratio_greater
    p_gt1 = sf(res.post_treated, res.post_control, 1.0)
    p_gt_mcid = sf(res.post_treated, res.post_control, mcid)
    at, bt = res.post_treated.a[0], res.post_treated.b[0]
    ac, bc = res.post_control.a[0], res.post_control.b[0]
    # E and Var of log θ for θ ~ Beta(a, b): ψ(a) − ψ(a+b), ψ'(a) − ψ'(a+b)
    if c.measure == "RR":
        mean = (special.digamma(at) - special.digamma(at + bt)
                - special.digamma(ac) + special.digamma(ac + bc))
        var = (special.polygamma(1, at) - special.polygamma(1, at + bt)
               + special.polygamma(1, ac) - special.polygamma(1, ac + bc))
    else:  # log odds of Beta(a, b): mean ψ(a) − ψ(b), var ψ'(a) + ψ'(b)
        mean = special.digamma(at) - special.digamma(bt) - special.digamma(ac) + special.digamma(bc)
        var = (special.polygamma(1, at) + special.polygamma(1, bt)
               + special.polygamma(1, ac) + special.polygamma(1, bc))
    p_benefit = 1 - p_gt1 if lower_is_benefit else p_gt1
    p_benefit_mcid = 1 - p_gt_mcid if lower_is_benefit else p_gt_mcid
    return dict(case=case, measure=c.measure, prior="independent_beta", method="beta_exact",
                prior_mean_log=np.nan, prior_sd_log=np.nan, prior_p_beyond_mcid=np.nan,
                mcid=mcid, median=q["median"], lower95=q["lower"], upper95=q["upper"],
                p_benefit=p_benefit, p_benefit_mcid=p_benefit_mcid, p_harm=1 - p_benefit,
                log_mean=float(mean), log_sd=float(np.sqrt(var)))


# ----------------------------------------------------------------------------------------------
# built-in cases (FACTS.md; published summary-level numbers)
# ----------------------------------------------------------------------------------------------
class Case(BaseModel):
    """A built-in published case: the data, its MCID and where the numbers come from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    data: Estimate | Counts
    mcid: float
    source: str


def _builtin_cases() -> dict[str, Case]:
    """Built-in cases from :mod:`bayes_iris.data.published` (FACTS.md; cited there).

    MCID 0.8 (a 20 % relative reduction) is the toolkit's stated assumption for mortality and
    infection outcomes; for the adverse event, benefit is a lower risk on CYT107 and the MCID is
    likewise 0.8 (so P(harm) = P(RR > 1)).
    """
    from ..data import published as P

    cases: dict[str, Case] = {}
    for m in P.META_ANALYSIS:
        if m.measure != "RR":
            continue
        pop = "sepsis" if m.population == "sepsis" else "covid"
        outcome = "mortality" if m.outcome == "mortality" else "secondary_infection"
        name = f"{pop}_{outcome}"
        cases[name] = Case(name=name, mcid=0.8, source=f"{m.citation} ({m.population} subgroup)",
                           data=Estimate(value=m.estimate, lower=m.lower, upper=m.upper,
                                         measure="RR"))
    e = P.FEVER_RESPIRATORY_DISTRESS
    cases["iv_fever_respiratory_distress"] = Case(
        name="iv_fever_respiratory_distress", mcid=0.8, source=f"{e.citation}; {e.note}",
        data=Counts(events_treated=e.events_cyt107, n_treated=e.n_cyt107,
                    events_control=e.events_placebo, n_control=e.n_placebo, measure="RR"))
    return cases


#: Built-in cases: ``sepsis_mortality`` RR 1.01 (0.36–2.81), ``sepsis_secondary_infection``
#: RR 1.05 (0.48–2.30), the COVID-19 rows of the same meta-analysis (PMID 42055480), and
#: ``iv_fever_respiratory_distress`` 3/15 vs 0/6 (Daix et al., Ann Intensive Care 2023;13:17).
BUILTIN_CASES: dict[str, Case] = _builtin_cases()


def builtin_case(name: str) -> Case:
    """Look up a built-in case by name (hyphens or underscores).

    Examples
    --------
    >>> builtin_case("sepsis-mortality").data.value
    1.01
    """
    key = str(name).strip().lower().replace("-", "_")
    if key not in BUILTIN_CASES:
        raise InputError(f"unknown built-in case {name!r}", column="builtin",
                         hint="one of: " + ", ".join(k.replace("_", "-") for k in BUILTIN_CASES))
    return BUILTIN_CASES[key]
