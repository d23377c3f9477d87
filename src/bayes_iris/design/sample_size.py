"""Sample size: the probability-of-success curve over total sample sizes and a recommendation a
planner can sign.

Generic: ``sample_size(design, design_prior)`` takes any design (two-arm binary or normal,
one-arm binary or normal; its sample sizes are placeholders) and any design prior; the
probability of success is computed by :func:`bayes_iris.design.pos.prepare`, dispatched on the
design prior's class, exactly or analytically. An IRIS endpoint name (``"mortality"``, ...) is a
preset (:mod:`bayes_iris.design.presets`) that fills in the design and the design prior.

The search, on the exact path:

1. the lattice of total sizes from ``n_min`` to ``n_max`` in steps of one allocation unit
   (1:1 → 2 patients, 2:1 → 3, ...);
2. a coarse pass over about 41 evenly spaced lattice points;
3. every lattice point in each coarse interval whose ends come within ``near`` of the target
   or straddle it (binary curves are saw-toothed: discreteness moves the decision boundary);
4. the **first crossing** (smallest evaluated n reaching the target) and the **sustained
   crossing** (smallest n from which every evaluated larger n, up to ``n_max``, reaches it).

The sustained crossing is recommended: recruiting a few more patients than planned (as trials
do) cannot then lose the target. When the two differ the result says so and lists the dips.
Points between coarse points outside the refined windows are assumed within ``near`` of their
neighbours' interpolation; the largest saw-tooth seen in the refined windows is reported
(``extra["max_sawtooth"]``) so the assumption can be checked.

References
----------
O'Hagan A, Stevens JW, Campbell MJ (2005). Assurance in clinical trial design. Pharmaceutical
Statistics 4:187-201.

Chernick MR, Liu CY (2002). The saw-toothed behavior of power versus sample size and software
solutions: single binomial proportion using exact methods. The American Statistician
56:149-155.

Kunzmann K, Grayling MJ, Lee KM, Robertson DS, Rufibach K, Wason JMS (2021). A review of
Bayesian perspectives on sample size derivation for confirmatory trials. The American
Statistician 75(4):424-432.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..seeds import DEFAULT_SEED, seed_sequence
from .assurance import assurance
from .design_priors import BinaryDesignPrior, DesignPrior, NormalDesignPrior
from .engine import simulate_binary
from .oc import NormalDesign, _check_n
from .pos import benefit_sign, prepare
from .presets import (  # noqa: F401  (re-exported: the names analyses and the CLI use)
    DEFAULT_N_MAX,
    DEFAULT_N_MIN,
    DEFAULT_RELEVANT,
    ENDPOINT_LABELS,
    ENDPOINTS,
    MCID_RR,
    PURPOSE,
    Endpoint,
    check_endpoint,
    default_analysis_priors,
    default_design_prior,
    default_rule,
    preset_design,
)
from .progress import Progress

#: Largest total sample size searched, per design family (exact computations grow with n).
N_CAP = {"two_arm_binary": 10_000, "one_arm_binary": 20_000, "two_arm_normal": 1_000_000,
         "one_arm_normal": 1_000_000}
METRIC_COLUMN = {"assurance": "assurance", "power": "power_at_point",
                 "expected_power": "expected_power"}


@dataclass
class SampleSizeResult:
    """The probability-of-success curve over total sample sizes and the recommended n.

    ``curve`` columns: ``n_total, n_treat, n_control, assurance, mcse, power_at_point,
    p_benefit`` and, for two-arm designs, ``expected_power, expected_power_mcse, p_relevant``
    (``mcse`` is 0 where exact). ``recommended_n`` is the sustained crossing
    (``sustained_n``); ``first_crossing_n`` is the smallest n reaching the target at all;
    ``recommendation`` says which is recommended and why; ``purpose`` labels what the size is
    for (phase III, phase II / mechanistic, safety monitoring).
    """

    curve: pd.DataFrame
    recommended_n: int | None
    target: float
    metric: str
    endpoint: str
    design_prior: str
    design_prior_source: str
    rule: str
    assumptions: tuple[str, ...] = ()
    note: str = ""
    extra: dict = field(default_factory=dict)
    first_crossing_n: int | None = None
    sustained_n: int | None = None
    recommendation: str = ""
    purpose: str = ""
    checked_up_to: int | None = None
    method: str = ""

    def summary(self) -> pd.DataFrame:
        """One row: endpoint, design prior, target, metric, the crossings, rule, source, purpose."""
        return pd.DataFrame([{
            "endpoint": self.endpoint, "design_prior": self.design_prior,
            "metric": self.metric, "target": self.target, "recommended_n": self.recommended_n,
            "first_crossing_n": self.first_crossing_n, "sustained_n": self.sustained_n,
            "checked_up_to": self.checked_up_to, "purpose": self.purpose,
            "recommendation": self.recommendation, "rule": self.rule,
            "design_prior_source": self.design_prior_source,
            "assumptions": " | ".join(self.assumptions), "note": self.note,
            "method": self.method,
        }])


# -- lattice and crossings -----------------------------------------------------------------------
def _allocation_unit(allocation: float) -> tuple[int, int] | None:
    """``(p, q)`` with treatment : control = p : q in small integers, or ``None``."""
    frac = Fraction(allocation).limit_denominator(20)
    if abs(float(frac) - allocation) > 1e-9:
        return None
    return frac.numerator, frac.denominator


def _sizes(kind: str, n_total: int, allocation: float) -> tuple[int, int]:
    if kind.startswith("one_arm"):
        return n_total, 0
    unit = _allocation_unit(allocation)
    if unit is not None and n_total % sum(unit) == 0:
        k = n_total // sum(unit)
        return unit[0] * k, unit[1] * k
    n_t = round(n_total * allocation / (1 + allocation))
    return max(n_t, 1), max(n_total - n_t, 1)


def _lattice(kind: str, n_min: int, n_max: int, allocation: float) -> np.ndarray:
    if kind.startswith("one_arm"):
        step = 1
    else:
        unit = _allocation_unit(allocation)
        step = sum(unit) if unit is not None else 1
    start = int(np.ceil(n_min / step)) * step
    return np.arange(max(start, step), n_max + 1, step)


def crossings(n: np.ndarray, value: np.ndarray, target: float) -> tuple[int | None, int | None]:
    """First crossing and sustained crossing of ``value >= target`` over sorted ``n``.

    Examples
    --------
    >>> crossings(np.array([10, 20, 30, 40, 50]), np.array([.5, .82, .79, .81, .9]), 0.8)
    (20, 40)
    """
    ok = np.asarray(value) >= target
    first = int(n[np.argmax(ok)]) if ok.any() else None
    if not ok[-1]:
        return first, None
    bad = np.nonzero(~ok)[0]
    sustained = int(n[bad[-1] + 1]) if bad.size else int(n[0])
    return first, sustained


def _recommendation(first, sustained, n_max, curve, col, target) -> tuple[str, str]:
    if first is None:
        return "", ""
    if sustained is None:
        return "", (f"the target is reached first at n = {first} but not held at n_max = "
                    f"{n_max}; widen n_max")
    if first == sustained:
        return (f"n = {sustained}: the target holds at every evaluated n from there up to "
                f"{n_max}"), ""
    dips = curve.loc[(curve.n_total > first) & (curve.n_total < sustained)
                     & (curve[col] < target), "n_total"].tolist()
    shown = ", ".join(str(v) for v in dips[:8]) + (" ..." if len(dips) > 8 else "")
    return (f"n = {sustained} (sustained crossing), not the first crossing n = {first}: the "
            f"curve is not monotone and falls below the target again at n = {shown}; from "
            f"n = {sustained} on it holds at every evaluated n up to {n_max}, so recruiting a "
            "few extra patients cannot lose it"), ""


def _search(evaluate, lattice: np.ndarray, target: float, col: str, near: float,
            progress: Progress | None, n_coarse: int = 41) -> tuple[dict[int, dict], float]:
    rows: dict[int, dict] = {}

    def run(ns):
        for n in ns:
            if int(n) not in rows:
                rows[int(n)] = evaluate(int(n))
                if progress is not None:
                    progress.advance()

    idx = np.unique(np.linspace(0, lattice.size - 1, min(n_coarse, lattice.size)).round()
                    .astype(int))
    coarse = lattice[idx]
    run(coarse)
    windows = []
    for a, b, ia, ib in zip(coarse[:-1], coarse[1:], idx[:-1], idx[1:], strict=True):
        fa, fb = rows[int(a)][col], rows[int(b)][col]
        if not (np.isfinite(fa) and np.isfinite(fb)):
            continue
        if min(fa, fb) - near <= target <= max(fa, fb) + near and ib - ia > 1:
            windows.append(lattice[ia + 1: ib])
    if progress is not None:
        progress.total += sum(w.size for w in windows)
    sawtooth = 0.0
    for w in windows:
        run(w)
        vals = np.array([rows[int(v)][col] for v in w])
        if vals.size >= 3:
            sawtooth = max(sawtooth, float(np.max(np.abs(np.diff(vals, 2)))) / 2)
    return rows, sawtooth


# -- the function -------------------------------------------------------------------------------
def _template_and_prior(design, design_prior, rule, analysis_priors):
    """Resolve presets: ``(template design, design prior, endpoint label, purpose)``."""
    if isinstance(design, str):
        check_endpoint(design)
        dp = design_prior if design_prior is not None else default_design_prior(design)
        sigma = getattr(dp, "sigma", None)
        template = preset_design(design, rule=rule, analysis_priors=analysis_priors,
                                 sigma=sigma)
        return template, dp, design, PURPOSE[design]
    if not hasattr(design, "with_n"):
        raise InputError(f"design must be an endpoint name or a design object, got "
                         f"{type(design).__name__}", column="design")
    if design_prior is None:
        raise InputError("a generic design needs a design prior", column="design_prior")
    return design, design_prior, getattr(design.rule, "endpoint", "generic"), ""


def sample_size(design="mortality", design_prior: DesignPrior | None = None, *,
                rule=None, analysis_priors=None, target: float = 0.8,
                metric: Literal["assurance", "power", "expected_power"] = "assurance",
                allocation: float = 1.0, n_grid=None, n_min: int | None = None,
                n_max: int | None = None, n_sim: int = 20000, seed: int = DEFAULT_SEED,
                engine: Literal["exact", "numpy", "jax", "rao-blackwell"] = "exact",
                relevant: float | None = None, progress: bool | None = None,
                near: float = 0.03, purpose: str | None = None,
                expected_power: bool | None = None, endpoint: str | None = None
                ) -> SampleSizeResult:
    """Probability of success (and power, expected power) versus total sample size, with the
    recommended n (see the module docstring for the search and the recommendation).

    Parameters
    ----------
    design
        A design object whose sizes the search sets (``BinaryDesign``, ``NormalDesign``,
        ``OneArmBinaryDesign``, ``OneArmNormalDesign``) or an IRIS endpoint preset name
        (``mortality, infection, rise50, alc, safety``).
    design_prior
        Any design prior (``TwoArmDesignPrior``, ``OneArmDesignPrior``,
        ``BinaryDesignPrior``, ``NormalDesignPrior``, ``SingleArmDesignPrior``); a preset's by
        default.
    rule, analysis_priors
        Preset overrides (ignored for design objects, which carry their own).
    target, metric
        ``"assurance"`` (probability of success), ``"power"`` (at the design prior's centre) or
        ``"expected_power"`` (success given a relevant effect; two-arm designs only).
    relevant
        The relevant effect for expected power: a risk ratio (binary), a difference (normal);
        preset defaults in :data:`~bayes_iris.design.presets.DEFAULT_RELEVANT`.
    allocation
        Treatment : control ratio (2.0 = 2:1).
    n_grid, n_min, n_max
        Evaluate exactly ``n_grid`` (no refinement), or search ``[n_min, n_max]``; ``n_max``
        is capped (:data:`N_CAP`).
    engine
        ``"exact"`` (default): exact or analytic. Monte Carlo on ``n_grid`` (legacy, two-arm;
        one-arm curves are exact whatever the engine): ``"rao-blackwell"``, ``"jax"``,
        ``"numpy"`` with ``n_sim`` draws and ``seed``.
    progress
        Show progress (a bar on a terminal, lines otherwise); default: when more than 60
        designs are evaluated.
    near
        Half-width of the refinement band around the target.
    endpoint
        Alias of ``design`` for an endpoint preset (the earlier keyword).
    expected_power
        Compute the expected-power columns (a two-dimensional quadrature per size); default:
        when ``metric="expected_power"`` or ``relevant`` is given. Otherwise they are NaN.

    Examples
    --------
    >>> res = sample_size("alc", n_grid=[6, 12, 24])
    >>> list(res.curve.columns[:5])
    ['n_total', 'n_treat', 'n_control', 'assurance', 'mcse']
    >>> res.purpose.startswith("phase II / mechanistic")
    True
    """
    if endpoint is not None:
        design = endpoint
    if not 0 < target < 1:
        raise InputError(f"target must be in (0, 1), got {target}", column="target")
    if not (np.isfinite(allocation) and allocation > 0):
        raise InputError(f"allocation must be a finite number > 0, got {allocation}",
                         column="allocation")
    if metric not in METRIC_COLUMN:
        raise InputError(f"unknown metric {metric!r}", column="metric",
                         hint="'assurance', 'power' or 'expected_power'")
    if engine not in ("exact", "numpy", "jax", "rao-blackwell"):
        raise InputError(f"unknown engine {engine!r}", column="engine",
                         hint="'exact', 'rao-blackwell', 'jax' or 'numpy'")
    if not (np.isfinite(near) and 0 <= near < 1):
        raise InputError(f"near must be in [0, 1), got {near}", column="near")
    n_sim = _check_n(n_sim, "n_sim")  # validated whatever the engine
    seed_sequence(seed, "design.sample_size")  # a bad seed is refused whatever the engine
    endpoint_name = design if isinstance(design, str) else None
    if endpoint_name is not None:
        check_endpoint(endpoint_name)
    template, dp, endpoint_label, preset_purpose = _template_and_prior(
        design, design_prior, rule, analysis_priors)
    kind = template.kind
    one_arm = kind.startswith("one_arm")
    if metric == "expected_power" and one_arm:
        raise InputError("expected_power is defined for two-arm designs only", column="metric",
                         hint="use 'assurance' or 'power' for single-arm designs")
    if relevant is None and endpoint_name is not None:
        relevant = DEFAULT_RELEVANT.get(endpoint_name)
    if relevant is not None and not np.isfinite(relevant):
        raise InputError(f"relevant must be finite, got {relevant}", column="relevant")
    col = METRIC_COLUMN[metric]
    cap = N_CAP[kind]

    if n_grid is not None:
        grid = [_check_n(n, "n_grid") for n in n_grid]
        if not grid:
            raise InputError("n_grid is empty", column="n_grid",
                             hint="give at least one sample size")
        if any(n < 2 for n in grid) and not one_arm:
            raise InputError("every total sample size must be >= 2", column="n_grid")
        if max(grid) > cap:
            raise InputError(f"n_grid reaches {max(grid)}, above the cap of {cap} patients for "
                             f"{kind.replace('_', ' ')} designs", column="n_grid")
        lattice = np.array(sorted(set(grid)))
    else:
        lo_default = DEFAULT_N_MIN.get(endpoint_name, 2) if endpoint_name else 2
        hi_default = DEFAULT_N_MAX.get(endpoint_name, 1000) if endpoint_name else 1000
        n_lo = lo_default if n_min is None else n_min
        n_hi = hi_default if n_max is None else n_max
        try:
            ok = bool(np.isfinite(n_hi)) and float(n_hi) >= n_lo and float(n_lo) >= 1
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"n_max must be a whole number >= n_min = {n_lo}, got {n_hi}",
                             column="n_max")
        if n_hi > cap:
            raise InputError(f"n_max = {int(n_hi)} exceeds the cap of {cap} patients for "
                             f"{kind.replace('_', ' ')} designs", column="n_max",
                             hint=f"choose n_max <= {cap}")
        lattice = _lattice(kind, int(n_lo), int(n_hi), allocation)
        if lattice.size == 0:
            raise InputError(f"no sample size between n_min = {n_lo} and n_max = {n_hi} fits "
                             f"allocation {allocation:g}", column="n_max")

    want_ep = (expected_power if expected_power is not None
               else metric == "expected_power" or relevant is not None) and not one_arm
    rows, sawtooth, method = _curve(template, dp, kind, lattice, allocation, relevant, engine,
                                    n_sim, seed, metric, col, target, near, progress,
                                    refine=n_grid is None and engine == "exact", ep=want_ep)
    curve = pd.DataFrame([rows[n] for n in sorted(rows)])
    keep = ["n_total", "n_treat", "n_control", "assurance", "mcse", "power_at_point",
            "p_benefit"]
    if not one_arm:
        keep += ["expected_power", "expected_power_mcse", "p_relevant"]
    curve = curve[keep]
    first, sustained = crossings(curve["n_total"].to_numpy(), curve[col].to_numpy(), target)
    n_top = int(curve["n_total"].max())
    recommendation, why_none = _recommendation(first, sustained, n_top, curve, col, target)
    note = why_none
    if sustained is None and first is None:
        note = (f"{metric} never reaches {target:g} on the grid (max {curve[col].max():.3f}; "
                f"n up to {n_top})")
        if metric == "assurance" and curve["p_benefit"].iloc[0] < target:
            note += (f"; the design prior gives only P(benefit) = "
                     f"{curve['p_benefit'].iloc[0]:.3f} < target, so no n can reach it; "
                     "consider metric='expected_power' (success given benefit)")
    label = getattr(dp, "label", "design prior")
    source = getattr(dp, "source", "user-specified")
    return SampleSizeResult(
        curve=curve, recommended_n=sustained, target=target, metric=metric,
        endpoint=endpoint_label,
        design_prior=label, design_prior_source=source, rule=template.rule.describe(),
        assumptions=tuple(getattr(dp, "assumptions", ())), note=note,
        extra={"allocation": allocation, "n_sim": n_sim, "engine": engine, "seed": seed,
               "relevant": relevant, "max_sawtooth": sawtooth, "near": near,
               "evaluated": len(curve)},
        first_crossing_n=first, sustained_n=sustained, recommendation=recommendation,
        purpose=purpose if purpose is not None else preset_purpose, checked_up_to=n_top,
        method=method,
    )


def _curve(template, dp, kind, lattice, allocation, relevant, engine, n_sim, seed, metric, col,
           target, near, progress, refine, ep):
    if engine != "exact" and not kind.startswith("one_arm"):  # one-arm curves are always exact
        return _mc_curve(template, dp, kind, lattice, allocation, relevant, engine, n_sim,
                         seed), 0.0, f"monte carlo ({engine})"
    evaluator = prepare(dp, template, relevant)
    one_arm = kind.startswith("one_arm")
    method = ""

    def evaluate(n: int) -> dict:
        nonlocal method
        n1, n2 = _sizes(kind, n, allocation)
        d = template.with_n(n1) if one_arm else template.with_n(n1, n2)
        res = evaluator(d, expected_power=ep)
        method = res.method
        return {"n_total": n, "n_treat": n1, "n_control": n2, "assurance": res.assurance,
                "mcse": 0.0, "power_at_point": res.power_at_point, "p_benefit": res.p_benefit,
                "expected_power": res.expected_power,
                "expected_power_mcse": 0.0 if np.isfinite(res.expected_power) else np.nan,
                "p_relevant": res.p_relevant}

    expected = min(41, lattice.size) if refine else lattice.size
    show = progress if progress is not None else expected > 60
    label = f"sample size ({kind.replace('_', ' ')})"
    with Progress(expected, label, enabled=bool(show)) as bar:
        if refine:
            rows, sawtooth = _search(evaluate, lattice, target, col, near, bar)
        else:
            rows = {}
            for n in lattice:
                rows[int(n)] = evaluate(int(n))
                bar.advance()
            sawtooth = 0.0
    return rows, sawtooth, method


def _mc_curve(template, dp, kind, lattice, allocation, relevant, engine, n_sim, seed):
    """Legacy Monte Carlo curves (two-arm designs, the given grid)."""
    n_sim = _check_n(n_sim, "n_sim")
    rows: dict[int, dict] = {}
    designs = []
    for n in lattice:
        n1, n2 = _sizes(kind, int(n), allocation)
        designs.append(template.with_n(n1, n2))
    if isinstance(template, NormalDesign) and engine != "rao-blackwell":
        raise InputError("normal designs use engine='exact' or 'rao-blackwell' (Monte Carlo)",
                         column="engine")
    if engine in ("jax", "numpy"):
        if not isinstance(dp, BinaryDesignPrior):
            raise InputError("the jax/numpy engines need a BinaryDesignPrior", column="engine")
        sim = simulate_binary(designs, dp, n_sim, seed, engine=engine)
        sign = benefit_sign(template.rule)
        from ..seeds import rng as _rng

        t, c = dp.sample(_rng(seed, "design.p_benefit"), n_sim)
        benefit = float(np.mean(np.sign(t - c) == sign))
        pt, pc = dp.point()
        for n, d, a, m in zip(lattice, designs, sim.success, sim.mcse, strict=True):
            rows[int(n)] = {"n_total": int(n), "n_treat": d.n1, "n_control": d.n2,
                            "assurance": float(a), "mcse": float(m),
                            "power_at_point": float(d.oc(pt, pc)), "p_benefit": benefit,
                            "expected_power": np.nan, "expected_power_mcse": np.nan,
                            "p_relevant": np.nan}
        return rows
    if not isinstance(dp, BinaryDesignPrior | NormalDesignPrior):
        raise InputError("Monte Carlo assurance needs a BinaryDesignPrior or NormalDesignPrior",
                         column="design_prior")
    for n, d in zip(lattice, designs, strict=True):
        res = assurance(d, dp, n_draws=n_sim, seed=seed, relevant=relevant)
        rows[int(n)] = {"n_total": int(n), "n_treat": d.n1, "n_control": d.n2,
                        "assurance": res.assurance, "mcse": res.mcse,
                        "power_at_point": res.power_at_point, "p_benefit": res.p_benefit,
                        "expected_power": res.expected_power,
                        "expected_power_mcse": res.expected_power_mcse,
                        "p_relevant": res.p_relevant}
    return rows


__all__ = ["ENDPOINTS", "N_CAP", "SampleSizeResult", "crossings", "default_analysis_priors",
           "default_design_prior", "default_rule", "sample_size"]
