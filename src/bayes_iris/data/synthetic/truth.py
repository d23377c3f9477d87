r"""The truth behind a synthetic trial: calibrated coefficients, estimands, and :class:`Truth`.

**Calibration.** With :math:`r_1, r_2` the time basis (:func:`~bayes_iris.data.trial.ramp_bases`) at
the calibration day :math:`c` (29), the natural change solves
:math:`\gamma_{1m} r_1(c) + \gamma_{2m} r_2(c) = \log(\text{placebo\_fold}_m)` given
:math:`\gamma_{2m}` (``placebo_post_slope``), and the CYT107 log effect :math:`\beta_m` solves
:math:`(\gamma_{1m} + \beta_m) r_1(c) + (\gamma_{2m} - \kappa\beta_m) r_2(c) = \log(\text{cyt107\_fold}_m)`
(``fold_reference="baseline"``) or :math:`\beta_m (r_1(c) - \kappa r_2(c)) = \log(\text{cyt107\_fold}_m)`
(``"placebo"``). The regimens get :math:`\beta_m \mp \Delta_m/2`. The whole model is in
:mod:`bayes_iris.data.synthetic`.

A :class:`Truth` holds these, the population SDs, the AE and outcome parameters and each enrolled
patient's realised effects; it is written to ``truth.json`` next to the trial (:func:`load_truth`).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputError
from ..trial import LAB_MARKERS, ramp_bases
from .params import GENERATOR_NAME, GENERATOR_VERSION, GROUPS, SITES, SyntheticParams

__all__ = [
    "Truth",
    "ae_truth",
    "build_truth",
    "calibrated_coefficients",
    "estimands",
    "load_truth",
]

_CORRELATION_PAIRS = ("alc_cd4", "alc_cd8", "cd4_cd8")  # order of the corr_* parameters


@dataclass(frozen=True)
class Truth:
    """The true parameters behind a synthetic trial and the estimands models estimate.

    Attributes
    ----------
    params : SyntheticParams
        Everything the generator was given.
    seed : int or None
        Generator seed.
    coefficients : pandas.DataFrame
        One row per (group, marker): ``alpha`` (log typical baseline), ``ramp`` (coefficient of
        ``r1``: natural recovery + group effect), ``post`` (coefficient of ``r2``) and ``effect``
        (the group's log effect :math:`\\beta_g` at the end of dosing; 0 for placebo). Groups:
        placebo, weekly, twice_weekly, and cyt107 (equal-weight average of the two regimens).
    estimands : pandas.DataFrame
        One row per (marker, day) over the visit schedule: ``log_gm_ratio`` and ``gm_ratio``
        (CYT107 arm vs placebo, typical patient: random effects and site at zero),
        ``fold_placebo``, ``fold_cyt107``, ``fold_weekly``, ``fold_twice_weekly`` (geometric-mean
        fold from baseline) and ``regimen_log_contrast`` (twice-weekly minus weekly, log scale).
    sds : dict
        True between-patient SDs and correlations (``sd_intercept``, ``sd_slope``, ``corr_*``),
        ``sd_site``, ``sd_residual`` and ``residual_df`` (population values).
    ae : pandas.DataFrame
        One row per AE term: ``soc``, ``term``, ``p_placebo``, ``p_cyt107``, ``log_odds_ratio``,
        ``risk_difference``.
    outcomes : dict
        True outcome parameters (log hazard ratios, baseline risks).
    patient_effects : pandas.DataFrame
        Realised effects of each enrolled patient: ``patient_id``, ``intercept_<m>``, ``slope_<m>``.
    site_effects : pandas.DataFrame
        Realised site effects: ``site``, ``alc``, ``cd4``, ``cd8``.
    """

    params: SyntheticParams
    seed: int | None
    coefficients: pd.DataFrame
    estimands: pd.DataFrame
    sds: dict[str, Any]
    ae: pd.DataFrame
    outcomes: dict[str, float]
    patient_effects: pd.DataFrame
    site_effects: pd.DataFrame
    generator: str = field(default=f"{GENERATOR_NAME} v{GENERATOR_VERSION}")

    # -- estimands as functions of any day -------------------------------------------------
    def _coef(self, group: str, marker: str, column: str) -> float:
        c = self.coefficients
        row = c[(c["group"] == group) & (c["marker"] == marker)]
        if row.empty:
            raise InputError(
                f"unknown group/marker {group!r}/{marker!r}",
                column="marker",
                hint=f"markers: {LAB_MARKERS}; groups: {(*GROUPS, 'cyt107')}",
            )
        return float(row[column].iloc[0])

    def log_mean(self, group: str, marker: str, day: float) -> float:
        """Typical patient's log count (random effects and site at zero) in ``group`` on ``day``."""
        r1, r2 = ramp_bases(day, self.params.dosing_end_day)
        return (
            self._coef(group, marker, "alpha")
            + self._coef(group, marker, "ramp") * r1
            + self._coef(group, marker, "post") * r2
        )

    def log_gm_ratio(self, marker: str, day: float, group: str = "cyt107") -> float:
        """True log ratio of geometric means ``group`` / placebo (typical patient) on ``day``."""
        return self.log_mean(group, marker, day) - self.log_mean("placebo", marker, day)

    def gm_ratio(self, marker: str, day: float, group: str = "cyt107") -> float:
        """True ratio of geometric means CYT107 (equal-weight regimen average) / placebo.

        Examples
        --------
        >>> from bayes_iris.data import simulate_trial
        >>> t = simulate_trial(1).truth
        >>> round(t.gm_ratio("alc", 0), 6)
        1.0
        >>> 2.0 < t.gm_ratio("alc", 29) < 3.0
        True
        """
        return math.exp(self.log_gm_ratio(marker, day, group))

    def fold_from_baseline(self, marker: str, day: float, group: str = "cyt107") -> float:
        """True geometric-mean fold change from day 0 of a typical patient in ``group``.

        ``group`` is placebo, cyt107 (equal-weight regimen average), weekly or twice_weekly.
        """
        return math.exp(self.log_mean(group, marker, day) - self.log_mean(group, marker, 0))

    def regimen_log_contrast(self, marker: str, day: float) -> float:
        """True log contrast twice-weekly minus weekly on ``day``."""
        return self.log_mean("twice_weekly", marker, day) - self.log_mean("weekly", marker, day)

    @property
    def alc_day29_ratio(self) -> float:
        """True CYT107 / placebo geometric-mean ALC ratio at day 29."""
        return self.gm_ratio("alc", 29)

    @property
    def alc_day29_log_ratio(self) -> float:
        """True CYT107 / placebo log geometric-mean ALC ratio at day 29."""
        return self.log_gm_ratio("alc", 29)

    # -- (de)serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (tables as lists of records)."""
        return {
            "generator": self.generator,
            "seed": self.seed,
            "params": self.params.model_dump(mode="json"),
            "coefficients": _records(self.coefficients),
            "estimands": _records(self.estimands),
            "sds": self.sds,
            "ae": _records(self.ae),
            "outcomes": self.outcomes,
            "patient_effects": _records(self.patient_effects),
            "site_effects": _records(self.site_effects),
        }

    def to_json(self) -> str:
        """Deterministic JSON text (floats rounded to 12 significant digits)."""
        return json.dumps(_round_floats(self.to_dict()), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Truth:
        """Inverse of :meth:`to_dict`."""
        return cls(
            params=SyntheticParams.model_validate(d["params"]),
            seed=d.get("seed"),
            coefficients=pd.DataFrame(d["coefficients"]),
            estimands=pd.DataFrame(d["estimands"]),
            sds=d["sds"],
            ae=pd.DataFrame(d["ae"]),
            outcomes=d["outcomes"],
            patient_effects=pd.DataFrame(d["patient_effects"]),
            site_effects=pd.DataFrame(d["site_effects"]),
            generator=d.get("generator", f"{GENERATOR_NAME} v{GENERATOR_VERSION}"),
        )

    @classmethod
    def from_json(cls, text: str) -> Truth:
        """Inverse of :meth:`to_json` (the text of ``truth.json``)."""
        return cls.from_dict(json.loads(text))


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()})
    return out


def _round_floats(obj: Any) -> Any:
    if isinstance(obj, float):
        return float(f"{obj:.12g}")
    if isinstance(obj, dict):
        return {k: _round_floats(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round_floats(v) for v in obj]
    return obj


def calibrated_coefficients(params: SyntheticParams) -> pd.DataFrame:
    """Solve the calibration for the ramp/post coefficients of every group and marker.

    Examples
    --------
    >>> c = calibrated_coefficients(SyntheticParams())
    >>> sorted(c["group"].unique())
    ['cyt107', 'placebo', 'twice_weekly', 'weekly']
    """
    p = params
    r1, r2 = ramp_bases(p.calibration_day, p.dosing_end_day)
    rows = []
    for m in LAB_MARKERS:
        g2 = p.placebo_post_slope[m]
        g1 = (math.log(p.placebo_fold[m]) - g2 * r2) / r1
        denom = r1 - p.effect_decay * r2
        if denom <= 0:
            raise InputError(
                "effect_decay too large: the effect is gone by the calibration day",
                column="effect_decay",
                hint="use a smaller effect_decay",
            )
        if p.fold_reference == "baseline":
            beta = (math.log(p.cyt107_fold[m]) - g1 * r1 - g2 * r2) / denom
        else:
            beta = math.log(p.cyt107_fold[m]) / denom
        delta = p.regimen_log_contrast[m]
        for group, eff in (
            ("placebo", 0.0),
            ("weekly", beta - delta / 2),
            ("twice_weekly", beta + delta / 2),
            ("cyt107", beta),
        ):
            rows.append(
                {
                    "group": group,
                    "marker": m,
                    "alpha": math.log(p.baseline_median[m]),
                    "ramp": g1 + eff,
                    "post": g2 - p.effect_decay * eff,
                    "effect": eff,
                }
            )
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=16)
def _estimands_of(params_json: str) -> pd.DataFrame:
    p = SyntheticParams.model_validate_json(params_json)
    return _estimands(calibrated_coefficients(p), p)


def estimands(params: SyntheticParams) -> pd.DataFrame:
    """The true estimands on every scheduled day (see :attr:`Truth.estimands`), cached per params.

    Examples
    --------
    >>> e = estimands(SyntheticParams())
    >>> float(e.loc[(e["marker"] == "alc") & (e["day"] == 0), "gm_ratio"].iloc[0])
    1.0
    """
    return _estimands_cached(params.model_dump_json())


def _estimands_cached(params_json: str) -> pd.DataFrame:
    return _estimands_of(params_json).copy()  # callers may modify their copy


def _estimands(coef: pd.DataFrame, params: SyntheticParams) -> pd.DataFrame:
    rows = []
    for m in LAB_MARKERS:
        c = {rec["group"]: rec for rec in coef[coef["marker"] == m].to_dict(orient="records")}

        def lm(group: str, day: float, c: dict = c) -> float:
            r1, r2 = ramp_bases(day, params.dosing_end_day)
            g = c[group]
            return float(g["alpha"] + g["ramp"] * r1 + g["post"] * r2)

        for day in params.visit_schedule:
            lr = lm("cyt107", day) - lm("placebo", day)
            rows.append(
                {
                    "marker": m,
                    "day": int(day),
                    "log_gm_ratio": lr,
                    "gm_ratio": math.exp(lr),
                    **{
                        f"fold_{g}": math.exp(lm(g, day) - lm(g, 0))
                        for g in ("placebo", "cyt107", "weekly", "twice_weekly")
                    },
                    "regimen_log_contrast": lm("twice_weekly", day) - lm("weekly", day),
                }
            )
    return pd.DataFrame(rows)


def ae_truth(p: SyntheticParams) -> pd.DataFrame:
    """The true incidence of each AE term in each arm (see :attr:`Truth.ae`).

    Examples
    --------
    >>> t = ae_truth(SyntheticParams()).set_index("term")
    >>> float(t.loc["Pyrexia", "risk_difference"])
    0.0
    """
    rows = []
    for s in p.ae_terms:
        lo = math.log(s.placebo_risk / (1 - s.placebo_risk))
        p1 = 1 / (1 + math.exp(-(lo + s.log_odds_ratio)))
        rows.append(
            {
                "soc": s.soc,
                "term": s.term,
                "p_placebo": s.placebo_risk,
                "p_cyt107": p1,
                "log_odds_ratio": s.log_odds_ratio,
                "risk_difference": p1 - s.placebo_risk,
            }
        )
    return pd.DataFrame(rows)


def build_truth(
    p: SyntheticParams,
    seed: int,
    coef: pd.DataFrame,
    ids: np.ndarray,
    intercept: np.ndarray,
    slopes: np.ndarray,
    site_eff: np.ndarray,
) -> Truth:
    """The :class:`Truth` of one simulated trial: the population values and the realised effects.

    Parameters
    ----------
    p : SyntheticParams
        The generator's parameters.
    seed : int
        The run seed.
    coef : pandas.DataFrame
        :func:`calibrated_coefficients` of ``p``.
    ids : numpy.ndarray
        Patient ids, in the order of the rows of ``intercept`` and ``slopes``.
    intercept, slopes : numpy.ndarray
        Realised patient intercepts and slopes, shape (patients, markers).
    site_eff : numpy.ndarray
        Realised site effects, shape (sites, markers), sites in the order of ``SITES``.
    """
    markers = LAB_MARKERS
    return Truth(
        params=p,
        seed=int(seed),
        coefficients=coef,
        estimands=estimands(p),
        sds={
            "sd_intercept": dict(p.sd_intercept),
            "sd_slope": dict(p.sd_slope),
            "corr_intercept": dict(zip(_CORRELATION_PAIRS, p.corr_intercept, strict=True)),
            "corr_slope": dict(zip(_CORRELATION_PAIRS, p.corr_slope, strict=True)),
            "sd_site": p.sd_site,
            "sd_residual": dict(p.sd_residual),
            "residual_df": p.residual_df,
        },
        ae=ae_truth(p),
        outcomes={
            "p_death_90_typical": p.p_death_90,
            "log_hr_death_cyt107": p.log_hr_death_cyt107,
            "log_hr_death_sofa": p.log_hr_death_sofa,
            "log_hr_death_alc_per_sd": p.log_hr_death_alc,
            "p_secondary_infection_28_placebo": p.p_secondary_infection_28,
            "log_hr_secondary_infection_cyt107": p.log_hr_secondary_infection_cyt107,
        },
        patient_effects=pd.DataFrame(
            {
                "patient_id": ids,
                **{f"intercept_{m}": intercept[:, j] for j, m in enumerate(markers)},
                **{f"slope_{m}": slopes[:, j] for j, m in enumerate(markers)},
            }
        ),
        site_effects=pd.DataFrame(
            {
                "site": [s for s, _ in SITES],
                **{m: site_eff[:, j] for j, m in enumerate(markers)},
            }
        ),
    )


def load_truth(path: str | Path) -> Truth | None:
    """The :class:`Truth` of a synthetic trial folder (``truth.json``); None if it has none.

    Examples
    --------
    >>> from bayes_iris.data import bundled_path
    >>> load_truth(bundled_path()).seed
    20180307
    """
    f = Path(path) / "truth.json"
    if not f.exists():
        return None
    return Truth.from_json(f.read_text(encoding="utf-8"))
