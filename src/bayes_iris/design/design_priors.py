"""Design priors: what we believe about the true effect when planning, kept apart from the
analysis prior used in the final analysis.

Sources, each labelled in every output (``source`` attribute):

(a) this toolkit's own posteriors — ``tables/design_inputs_alc.csv`` (trajectory step: day-29 ALC
    log ratio) and ``tables/reanalysis_summary.csv`` (summary reanalyses: posterior log RR of
    mortality and secondary infection); a posterior from the SYNTHETIC trial is labelled
    "synthetic trial posterior — illustration only";
(b) published facts when those files are missing (FACTS.md: pooled sepsis RR 1.01 (0.36–2.81) for
    mortality and 1.05 (0.48–2.30) for secondary infection, via a normal approximation on log RR;
    the 3–4-fold ALC rise of IRIS-7);
(c) elicited distributions (quantiles → parameters) and robustified mixtures of any of them.

The control-arm risks are *assumptions* and say so: see :data:`CONTROL_RISK_ASSUMPTIONS`.

References
----------
O'Hagan A, Stevens JW, Campbell MJ (2005). Assurance in clinical trial design. Pharmaceutical
Statistics 4:187-201.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError, Problem
from ..seeds import DEFAULT_SEED
from .distributions import BetaMix, NormMix, beta_from_quantiles, normal_from_quantiles

SYNTHETIC_NOTE = "synthetic trial posterior — illustration only"

#: Control-arm risks used when nothing better is given. Assumptions, not data.
CONTROL_RISK_ASSUMPTIONS: dict[str, dict] = {
    "mortality": {
        "q_lo": 0.25, "q_hi": 0.45,
        "note": ("ASSUMPTION: 28-day mortality on placebo in septic shock with severe lymphopenia, "
                 "95 % between 25 % and 45 % (Sepsis-3 septic shock hospital mortality > 40 %, "
                 "Singer et al. JAMA 2016; persistent lymphopenia raises mortality, Drewry et al. "
                 "Shock 2014). Not an IRIS-7 number."),
    },
    "infection": {
        "q_lo": 0.15, "q_hi": 0.40,
        "note": ("ASSUMPTION: secondary (ICU-acquired) infection on placebo, 95 % between 15 % "
                 "and 40 % (ICU-acquired infections in sepsis, van Vught et al. JAMA 2016; "
                 "higher with lymphopenia). Not an IRIS-7 number."),
    },
    "rise50": {
        "q_lo": 0.15, "q_hi": 0.55,
        "note": ("ASSUMPTION: natural ALC recovery (>= 50 % rise by day 29) on placebo, 95 % "
                 "between 15 % and 55 %. Not an IRIS-7 number."),
    },
}


@dataclass(frozen=True)
class BinaryDesignPrior:
    """Design prior for the true rates ``(θ_treatment, θ_control)`` of a binary endpoint.

    Either ``treatment`` (independent beta mixture, or a fixed rate) or ``log_rr`` (a normal
    mixture on the log risk ratio, ``θ_t = θ_c · exp(log_rr)``, capped at 1) is given.

    Examples
    --------
    >>> from bayes_iris.seeds import rng
    >>> dp = BinaryDesignPrior(control=0.35, log_rr=NormMix.single(np.log(0.8), 0.1))
    >>> t, c = dp.sample(rng(1, "doc"), 1000)
    >>> bool(np.all(c == 0.35)), bool(0.25 < t.mean() < 0.32)
    (True, True)
    """

    control: BetaMix | float
    treatment: BetaMix | float | None = None
    log_rr: NormMix | None = None
    label: str = "design prior"
    source: str = "user-specified"
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if (self.treatment is None) == (self.log_rr is None):
            raise InputError("give exactly one of treatment= or log_rr=", column="design_prior")

    def _draw(self, d, rng, size):
        if isinstance(d, BetaMix | NormMix):
            return d.sample(rng, size)
        return np.full(size, float(d))

    def sample(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``(θ_treatment, θ_control)``."""
        c = self._draw(self.control, rng, size)
        if self.log_rr is not None:
            t = np.minimum(c * np.exp(self.log_rr.sample(rng, size)), 1.0)
        else:
            t = self._draw(self.treatment, rng, size)
        return t, c

    def point(self) -> tuple[float, float]:
        """The point alternative ("power at the design prior's centre")."""
        c = self.control.mean if isinstance(self.control, BetaMix) else float(self.control)
        if self.log_rr is not None:
            return min(c * float(np.exp(self.log_rr.mean)), 1.0), c
        t = self.treatment.mean if isinstance(self.treatment, BetaMix) else float(self.treatment)
        return t, c

    def shrink(self, factor: float) -> BinaryDesignPrior:
        """The same prior with every spread multiplied by ``factor`` (→ 0: a point prior)."""
        def sh(d):
            if isinstance(d, NormMix):
                return NormMix(d.w, d.m, d.s * factor, sigma=d.sigma)
            if isinstance(d, BetaMix):
                n = (d.a + d.b) / factor**2
                return BetaMix(d.w, d.a / (d.a + d.b) * n, d.b / (d.a + d.b) * n)
            return d
        return replace(self, control=sh(self.control), treatment=sh(self.treatment),
                       log_rr=sh(self.log_rr))

    def describe(self) -> str:
        return f"{self.label} [{self.source}]"


@dataclass(frozen=True)
class NormalDesignPrior:
    """Design prior for the true difference ``δ = μ_treatment − μ_control`` of a normal endpoint
    with known per-patient SD ``sigma``.

    Examples
    --------
    >>> dp = NormalDesignPrior(delta=NormMix.single(1.2, 0.3), sigma=0.9)
    >>> round(dp.p_positive(), 4)
    1.0
    """

    delta: NormMix | float
    sigma: float
    control_mean: float = 0.0
    label: str = "design prior"
    source: str = "user-specified"
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def sample_delta(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if isinstance(self.delta, NormMix):
            return self.delta.sample(rng, size)
        return np.full(size, float(self.delta))

    def point(self) -> float:
        return self.delta.mean if isinstance(self.delta, NormMix) else float(self.delta)

    def p_positive(self) -> float:
        """``P(δ > 0)`` under the design prior (the ceiling of any assurance)."""
        if isinstance(self.delta, NormMix):
            return float(self.delta.sf(0.0))
        return float(self.delta > 0)

    def describe(self) -> str:
        return f"{self.label} [{self.source}]"


@dataclass(frozen=True)
class SingleArmDesignPrior:
    """Design prior for one arm's event rate (e.g. an adverse-event rate on CYT107)."""

    rate: BetaMix | float
    label: str = "design prior"
    source: str = "user-specified"
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if isinstance(self.rate, BetaMix):
            return self.rate.sample(rng, size)
        return np.full(size, float(self.rate))

    def point(self) -> float:
        return self.rate.mean if isinstance(self.rate, BetaMix) else float(self.rate)

    def describe(self) -> str:
        return f"{self.label} [{self.source}]"


DesignPrior = BinaryDesignPrior | NormalDesignPrior | SingleArmDesignPrior


# -- readers -------------------------------------------------------------------------------------
ALC_COLUMNS = ("log_ratio_mean", "log_ratio_sd", "sd_patient_log_alc_day29", "p_rise50_placebo",
               "p_rise50_cyt107", "day")
REANALYSIS_COLUMNS = ("case", "prior", "log_mean", "log_sd")
CASES = {"mortality": "sepsis_mortality", "infection": "sepsis_secondary_infection"}

#: Published pooled sepsis RRs (FACTS.md, meta-analysis PMID 42055480): (estimate, lo, hi).
PUBLISHED_RR = {"mortality": (1.01, 0.36, 2.81), "infection": (1.05, 0.48, 2.30)}


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise InputError(Problem(f"cannot read CSV: {err}", file=str(path))) from err
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(Problem(f"missing column(s) {missing}", file=str(path),
                                 column=missing[0], hint=f"expected columns {list(required)}"))
    return df


def _finite(df: pd.DataFrame, cols, path, positive=()) -> None:
    for col in cols:
        vals = pd.to_numeric(df[col], errors="coerce")
        for i, v in enumerate(vals):
            if not np.isfinite(v) or (col in positive and v <= 0):
                raise InputError(Problem(
                    f"value {df[col].iloc[i]!r} is not a {'positive ' if col in positive else ''}"
                    "finite number", file=str(path), row=i + 2, column=col))


def _label(source_kind: str) -> str:
    return SYNTHETIC_NOTE if source_kind == "synthetic" else "real trial posterior"


def read_alc_inputs(tables: str | Path, *, provenance: str = "real") -> dict | None:
    """Read ``design_inputs_alc.csv`` (one row) from a results ``tables`` folder; ``None`` if absent.

    Returns a dict of the columns plus ``source`` (labelled synthetic when ``provenance`` is
    "synthetic").

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> pd.DataFrame([{"provenance": "synthetic", "log_ratio_mean": 1.1, "log_ratio_sd": 0.2,
    ...                "sd_patient_log_alc_day29": 0.7, "p_rise50_placebo": 0.3,
    ...                "p_rise50_cyt107": 0.9, "day": 29}]).to_csv(d / "design_inputs_alc.csv")
    >>> read_alc_inputs(d)["source"]
    'trajectory posterior, day 29 (synthetic trial posterior — illustration only)'
    >>> read_alc_inputs(Path(tempfile.mkdtemp())) is None
    True
    """
    path = Path(tables) / "design_inputs_alc.csv"
    if not path.exists():
        return None
    df = _read_csv(path, ALC_COLUMNS)
    if len(df) != 1:
        raise InputError(Problem(f"expected exactly one row, found {len(df)}", file=str(path)))
    _finite(df, ALC_COLUMNS[:5], path, positive=("log_ratio_sd", "sd_patient_log_alc_day29"))
    for col in ("p_rise50_placebo", "p_rise50_cyt107"):
        if not 0 <= float(df[col].iloc[0]) <= 1:
            raise InputError(Problem("must be a probability in [0, 1]", file=str(path), row=2,
                                     column=col))
    out = {c: float(df[c].iloc[0]) for c in ALC_COLUMNS}
    prov = str(df["provenance"].iloc[0]) if "provenance" in df.columns else provenance
    out["source"] = f"trajectory posterior, day {int(out['day'])} ({_label(prov)})"
    return out


def read_reanalysis(tables: str | Path, endpoint: str, prior: str = "minimally_informative",
                    *, provenance: str = "published") -> tuple[float, float, str] | None:
    """``(log_mean, log_sd, source)`` of the posterior log RR for ``endpoint`` ("mortality" or
    "infection") from ``reanalysis_summary.csv``; ``None`` if the file or row is absent.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> pd.DataFrame([{"case": "sepsis_mortality", "prior": "minimally_informative",
    ...                "log_mean": 0.01, "log_sd": 0.52}]).to_csv(d / "reanalysis_summary.csv")
    >>> read_reanalysis(d, "mortality")[:2]
    (0.01, 0.52)
    """
    path = Path(tables) / "reanalysis_summary.csv"
    if not path.exists():
        return None
    df = _read_csv(path, REANALYSIS_COLUMNS)
    rows = df[(df["case"] == CASES[endpoint]) & (df["prior"] == prior)]
    if rows.empty:
        return None
    _finite(rows.reset_index(drop=True), ("log_mean", "log_sd"), path, positive=("log_sd",))
    r = rows.iloc[0]
    prov = str(r["provenance"]) if "provenance" in rows.columns else provenance
    kind = SYNTHETIC_NOTE if prov == "synthetic" else "pooled published data"
    return (float(r["log_mean"]), float(r["log_sd"]),
            f"reanalysis posterior of log RR ({CASES[endpoint]}, prior {prior}; {kind})")


def published_log_rr(endpoint: str) -> tuple[float, float, str]:
    """Normal approximation to the published pooled RR: ``log RR ~ N(log est, ((log hi − log lo)
    / 3.92)²)``.

    Examples
    --------
    >>> m, s, src = published_log_rr("mortality")
    >>> round(m, 4), round(s, 3)
    (0.01, 0.524)
    """
    est, lo, hi = PUBLISHED_RR[endpoint]
    return (float(np.log(est)), float((np.log(hi) - np.log(lo)) / (2 * stats.norm.ppf(0.975))),
            f"FALLBACK: published pooled sepsis RR {est} ({lo}–{hi}), normal approx. on log RR "
            "(meta-analysis PMID 42055480)")


def control_risk(endpoint: str) -> tuple[BetaMix, str]:
    """The assumed control-arm risk distribution and its note (see CONTROL_RISK_ASSUMPTIONS).

    Examples
    --------
    >>> dist, note = control_risk("mortality")
    >>> round(dist.mean, 2), note.startswith("ASSUMPTION")
    (0.35, True)
    """
    a = CONTROL_RISK_ASSUMPTIONS[endpoint]
    return beta_from_quantiles(a["q_lo"], a["q_hi"]), a["note"]


def clinical_design_prior(endpoint: str, tables: str | Path | None = None, *,
                          prior: str = "minimally_informative", robust_weight: float = 0.0,
                          provenance: str = "published") -> BinaryDesignPrior:
    """Design prior for mortality or secondary infection: log RR from the toolkit's reanalysis
    (or the published RR), control risk from the stated assumption.

    ``robust_weight > 0`` mixes in a vague ``N(0, 1)`` component on log RR.

    Examples
    --------
    >>> dp = clinical_design_prior("mortality")
    >>> dp.source.startswith("FALLBACK")
    True
    """
    if endpoint not in CASES:
        raise InputError(f"unknown clinical endpoint {endpoint!r}", column="endpoint",
                         hint=f"one of {list(CASES)}")
    got = read_reanalysis(tables, endpoint, prior, provenance=provenance) if tables else None
    m, s, src = got if got is not None else published_log_rr(endpoint)
    log_rr = NormMix.single(m, s)
    label = "pooled RR posterior"
    if robust_weight > 0:
        log_rr = log_rr.robustify(robust_weight, mean=0.0, sd=1.0)
        label = f"robustified pooled RR posterior (w_vague={robust_weight:g})"
    ctrl, note = control_risk(endpoint)
    return BinaryDesignPrior(control=ctrl, log_rr=log_rr, label=label, source=src,
                             assumptions=(note,))


def alc_design_prior(tables: str | Path | None = None, *, provenance: str = "real",
                     robust_weight: float = 0.0) -> NormalDesignPrior:
    """Design prior for the day-29 log-ALC ratio (CYT107 / placebo), normal endpoint.

    From ``design_inputs_alc.csv`` when present; otherwise the published 3–4-fold rise
    (IRIS-7) widened to 2–4.5-fold to cover IRIS-7-C&D's 2–3-fold, with an ASSUMED per-patient SD
    of log ALC at day 29 of 0.8.

    Examples
    --------
    >>> dp = alc_design_prior()
    >>> round(float(np.exp(dp.point())), 2)
    3.0
    """
    got = read_alc_inputs(tables, provenance=provenance) if tables else None
    if got is not None:
        delta = NormMix.single(got["log_ratio_mean"], got["log_ratio_sd"])
        sigma, src, assum = got["sd_patient_log_alc_day29"], got["source"], ()
    else:
        delta = normal_from_quantiles(np.log(2.0), np.log(4.5))
        sigma = 0.8
        src = ("FALLBACK: published 3–4-fold ALC rise (IRIS-7, JCI Insight 2018) and 2–3-fold "
               "(IRIS-7-C&D, 2023): log ratio 95 % in [log 2, log 4.5]")
        assum = ("ASSUMPTION: per-patient SD of log ALC at day 29 = 0.8",)
    label = "day-29 log-ALC ratio"
    if robust_weight > 0:
        delta = delta.robustify(robust_weight, mean=0.0, sd=1.0)
        label += f" (robustified, w_vague={robust_weight:g})"
    return NormalDesignPrior(delta=delta, sigma=sigma, label=label, source=src,
                             assumptions=assum)


def rise50_design_prior(tables: str | Path | None = None, *, provenance: str = "real",
                        prior_n: float = 20.0) -> BinaryDesignPrior:
    """Design prior for "≥ 50 % ALC rise by day 29" (the IRIS-7-C&D registry endpoint).

    The two rates from ``design_inputs_alc.csv`` become betas with ``prior_n`` patients' worth of
    information each (a stated assumption); without the file, CYT107 ~ 95 % in [0.70, 0.98]
    (3–4-fold rise, FACTS.md) and placebo the stated natural-recovery assumption.
    """
    got = read_alc_inputs(tables, provenance=provenance) if tables else None
    if got is not None:
        # a posterior-mean probability of exactly 0 or 1 would give a degenerate beta
        t = BetaMix.from_mean_n(float(np.clip(got["p_rise50_cyt107"], 0.01, 0.99)), prior_n)
        c = BetaMix.from_mean_n(float(np.clip(got["p_rise50_placebo"], 0.01, 0.99)), prior_n)
        return BinaryDesignPrior(control=c, treatment=t, label="P(>= 50 % ALC rise) by arm",
                                 source=got["source"],
                                 assumptions=(f"ASSUMPTION: each rate carries {prior_n:g} "
                                              "patients' worth of information",))
    ctrl, note = control_risk("rise50")
    return BinaryDesignPrior(
        control=ctrl, treatment=beta_from_quantiles(0.70, 0.98),
        label="P(>= 50 % ALC rise) by arm",
        source="FALLBACK: published 3–4-fold ALC rise on CYT107 (IRIS-7); placebo assumed",
        assumptions=(note, "ASSUMPTION: CYT107 rate 95 % in [0.70, 0.98]"))


def safety_design_prior() -> SingleArmDesignPrior:
    """Design prior for the CYT107 rate of fever with respiratory distress after an IV dose:
    ``Beta(1 + 3, 1 + 12)`` from 3 of 15 patients in IRIS-7-C&D (FACTS.md [A])."""
    return SingleArmDesignPrior(
        rate=BetaMix.single(4.0, 13.0), label="infusion-reaction rate on CYT107",
        source="published: 3/15 CYT107 patients in IRIS-7-C&D (Daix et al. 2023), uniform prior")


def bridged_design_prior(alc: NormalDesignPrior, beta_mean: float, beta_sd: float,
                         control: BetaMix | float, *, n_draws: int = 20000,
                         seed: int = DEFAULT_SEED) -> BinaryDesignPrior:
    """ASSUMPTION-LABELLED bridge from the lymphocyte effect to mortality:
    ``log RR_mortality = β · log ALC ratio`` with ``β ~ N(beta_mean, beta_sd²)`` (user-stated).

    The induced log RR is summarised by its mean and SD (moment-matched normal).

    Examples
    --------
    >>> dp = bridged_design_prior(alc_design_prior(), -0.2, 0.2, 0.35)
    >>> "ASSUMPTION" in dp.source
    True
    """
    from ..seeds import rng as _rng

    r = _rng(seed, "design.bridge")
    x = alc.sample_delta(r, n_draws) * r.normal(beta_mean, beta_sd, n_draws)
    src = (f"ASSUMPTION (bridge): log RR = β·log ALC ratio, β ~ N({beta_mean:g}, {beta_sd:g}²), "
           f"user-stated link, not data; ALC from {alc.source}")
    return BinaryDesignPrior(control=control, log_rr=NormMix.single(float(x.mean()),
                                                                    float(x.std())),
                             label="bridged from ALC effect", source=src,
                             assumptions=(src,))
