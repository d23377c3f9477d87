"""The clinical endpoints of the phase III plan: 28-day mortality (primary; fixed and
group-sequential designs, the borrowing option) and secondary infection.

Design priors (each labelled in every table):

* ``mcid`` — the effect fixed at the MCID (RR 0.8, an assumption) and the placebo risk from its
  design prior (the placebo-mortality MAP; for infection an elicited Beta). Its probability of
  success is the power at the MCID averaged over the placebo risk ("hybrid" power): the
  recommended sizing metric of a confirmatory trial;
* ``mcid_robust`` — the same with the robust MAP (sensitivity; mortality only);
* ``evidence`` — the pooled published RR (the summary reanalysis' posterior) with the same
  placebo risk: its assurance is the probability of success given today's evidence (never
  above P(benefit)), and its expected power the success probability given a relevant effect
  (RR ≤ MCID; Kunzmann et al. 2021).

Group-sequential design (mortality): looks at the assumed information fractions, efficacy if
``P(θ_CYT107 < θ_placebo | data) > γₖ`` with O'Brien-Fleming-like thresholds calibrated on the
normal approximation (exact recursion, :func:`~bayes_iris.design.calibrate`) and then checked —
and raised by 0.01 on the z scale until it holds — by exact enumeration of the binary design at
three null placebo risks (non-binding futility: the type I error ignores it); futility if the
predictive probability of final success is below the assumed threshold. The maximum size is the
fixed design's, inflated by the normal-theory factor that keeps the power, then raised in 2 %
steps until the exact hybrid power (12 Gauss-Legendre nodes over the placebo risk's quantiles)
reaches the target.

References
----------
Jennison C, Turnbull BW (2000). Group Sequential Methods with Applications to Clinical Trials.
Chapman & Hall/CRC.

O'Brien PC, Fleming TR (1979). A multiple testing procedure for clinical trials. Biometrics
35:549-556.

Kunzmann K, Grayling MJ, Lee KM, Robertson DS, Rufibach K, Wason JMS (2021). A review of
Bayesian perspectives on sample size derivation for confirmatory trials. The American
Statistician 75(4):424-432.

Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B (2014).
Robust meta-analytic-predictive priors in clinical trials with historical control information.
Biometrics 70:1023-1032.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..design import (
    BetaMix,
    BinaryDesign,
    BinaryDesignPrior,
    GroupSequentialBinary,
    GroupSequentialNormal,
    NormMix,
    beta_from_quantiles,
    calibrate,
    crossings,
    default_analysis_priors,
    default_rule,
    sample_size,
)
from ..design.design_priors import LogRRPosterior, published_log_rr
from .assumptions import Phase3Assumptions

__all__ = ["ClinicalPlan", "GSDPlan", "clinical_curves", "design_priors", "gsd_plan",
           "hybrid_power"]

#: Curve metrics: key -> label.
METRICS = {
    "power_mcid": "power at the MCID (placebo risk averaged over its design prior)",
    "assurance": "assurance: probability of success given the evidence",
    "expected_power": "expected power: success given a relevant effect (RR <= MCID)",
}


@dataclass(frozen=True)
class Prior:
    """A design prior of the plan: key, role, the prior, and which metrics it is read for."""

    key: str
    role: str
    prior: BinaryDesignPrior
    metrics: tuple[str, ...]


def design_priors(endpoint: str, control: BetaMix, control_label: str, a: Phase3Assumptions,
                  posterior: LogRRPosterior | None, robust_control: BetaMix | None = None
                  ) -> list[Prior]:
    """The design priors of a clinical endpoint (module docstring)."""
    mcid = float(np.log(a.mcid_rr))
    note = (f"ASSUMPTION: MCID RR {a.mcid_rr:g}; placebo risk ~ {control_label}",)
    out = [Prior("mcid", "sizing", BinaryDesignPrior(
        control=control, log_rr=mcid, label=f"RR = {a.mcid_rr:g} (MCID), placebo risk ~ "
        f"{control_label}", source="ASSUMPTION (MCID) x " + control_label, assumptions=note),
        ("power_mcid",))]
    if robust_control is not None:
        out.append(Prior("mcid_robust", "sensitivity", BinaryDesignPrior(
            control=robust_control, log_rr=mcid, label=f"RR = {a.mcid_rr:g} (MCID), placebo "
            f"risk ~ robust MAP (w = {a.robust_weight:g})", source="ASSUMPTION (MCID) x "
            "robust MAP", assumptions=note), ("power_mcid",)))
    if posterior is not None:
        m, s, src = posterior.log_mean, posterior.log_sd, posterior.source
    else:
        m, s, src = published_log_rr(endpoint)
    out.append(Prior("evidence", "evidence", BinaryDesignPrior(
        control=control, log_rr=NormMix.single(m, s), label=f"pooled published RR "
        f"{np.exp(m):.2f} (95 % {np.exp(m - 1.96 * s):.2f}-{np.exp(m + 1.96 * s):.2f}), "
        f"placebo risk ~ {control_label}", source=src, assumptions=note),
        ("assurance", "expected_power")))
    return out


def infection_control(a: Phase3Assumptions) -> BetaMix:
    """The elicited placebo risk of secondary infection (an assumption)."""
    return beta_from_quantiles(*a.infection_control_risk)


def clinical_curves(endpoint: str, priors: list[Prior], grid, a: Phase3Assumptions,
                    purpose: str) -> pd.DataFrame:
    """The probability-of-success curves (long: one row per design prior, metric and n)."""
    template = BinaryDesign(default_rule(endpoint), *default_analysis_priors(endpoint), 1, 1)
    rows = []
    for p in priors:
        res = sample_size(template, p.prior, n_grid=list(grid), target=a.target,
                          relevant=a.mcid_rr, expected_power="expected_power" in p.metrics)
        c = res.curve
        for metric in p.metrics:
            col = "expected_power" if metric == "expected_power" else "assurance"
            rows.append(pd.DataFrame({
                "endpoint": endpoint, "purpose": purpose, "design_prior": p.prior.label,
                "design_prior_key": p.key, "role": p.role, "metric": metric,
                "metric_label": METRICS[metric], "n_total": c["n_total"],
                "n_treat": c["n_treat"], "n_control": c["n_control"], "value": c[col],
                "mcse": 0.0, "p_benefit": c["p_benefit"], "design_prior_source": p.prior.source,
            }))
    return pd.concat(rows, ignore_index=True)


def fixed_n(endpoint: str, prior: BinaryDesignPrior, curve: pd.DataFrame,
            a: Phase3Assumptions) -> int | None:
    """The recommended fixed-design size: the sustained crossing of ``curve`` (one metric on
    the grid), refined by bisection over even sizes between it and the grid point below (at
    these sizes the curve rises smoothly: the binary saw-tooth is far below the grid's step)."""
    from ..design.pos import prepare

    n, v = curve["n_total"].to_numpy(), curve["value"].to_numpy()
    _, sustained = crossings(n, v, a.target)
    if sustained is None:
        return None
    i = int(np.nonzero(n == sustained)[0][0])
    if i == 0:
        return int(sustained)
    template = BinaryDesign(default_rule(endpoint), *default_analysis_priors(endpoint), 1, 1)
    evaluate = prepare(prior, template, None)
    lo, hi = int(n[i - 1]), int(sustained)
    while hi - lo > 2:
        mid = (lo + hi) // 4 * 2
        if mid <= lo:
            break
        d = template.with_n(mid // 2, mid // 2)
        if evaluate(d, expected_power=False).assurance >= a.target:
            hi = mid
        else:
            lo = mid
    return hi


def hybrid_power(oc, mcid_rr: float, control: BetaMix, nodes: int = 12) -> float:
    """``E_θc[OC(MCID·θc, θc)]`` over the placebo risk's design prior: Gauss-Legendre nodes on
    its quantile scale (``oc(θ_t, θ_c) -> probability``)."""
    u, w = np.polynomial.legendre.leggauss(nodes)
    u, w = (u + 1) / 2, w / 2
    c = control.ppf(u)
    return float(sum(wi * oc(mcid_rr * ci, ci) for wi, ci in zip(w, c, strict=True)))


@dataclass(frozen=True)
class GSDPlan:
    """The calibrated group-sequential design, its checks and how its size was found."""

    design: GroupSequentialBinary
    n_fixed: int
    inflation: float
    hybrid_power: float
    type_one: pd.DataFrame
    null_rates: tuple[float, ...]
    z_final: float


def _normal_thresholds(n_arm: list[int], a: Phase3Assumptions, shift: float = 0.0):
    d = GroupSequentialNormal(n1=n_arm, n2=n_arm, sigma1=1.0, sigma2=1.0, efficacy=0.99)
    shape = "obf" if a.efficacy_shape == "obf" else "constant"
    d = calibrate(d, a.alpha, shape=shape)
    z = stats.norm.ppf(d.efficacy)
    z = z * (z[-1] + shift) / z[-1]        # the same shape, the final threshold raised by shift
    return tuple(np.clip(special.ndtr(z), 1e-15, 1 - 1e-15)), float(z[-1])


def _inflation(a: Phase3Assumptions) -> float:
    """Normal-theory size ratio group-sequential / fixed that keeps the power ``a.target`` at
    the fixed design's drift (futility applied, as planned)."""
    t = np.asarray(a.looks)
    drift = stats.norm.isf(a.alpha) + stats.norm.ppf(a.target)

    def power(r):
        n = 4 * t * r          # information t·r: the fixed design has information 1
        d = GroupSequentialNormal(n1=list(n), n2=list(n), sigma1=np.sqrt(2),
                                  sigma2=np.sqrt(2), efficacy=0.99,
                                  futility=[a.futility_pp] * (t.size - 1) if t.size > 1
                                  else None)
        d = calibrate(d, a.alpha, shape="obf" if a.efficacy_shape == "obf" else "constant")
        return d.oc(drift)["p_efficacy"] - a.target

    if t.size == 1:
        return 1.0
    return float(optimize.brentq(power, 1.0, 1.6, xtol=1e-4))


def gsd_plan(n_fixed: int, control: BetaMix, a: Phase3Assumptions, *, fast: bool = False
             ) -> GSDPlan:
    """The group-sequential mortality design (module docstring)."""
    rule = default_rule("mortality")
    p1, p2 = default_analysis_priors("mortality")
    q = control.ppf(np.array([0.1, 0.5, 0.9]))
    null_rates = tuple(float(v) for v in np.round(q, 3))
    r = _inflation(a)
    n_total = int(np.ceil(n_fixed * r / 2) * 2)
    power = 0.0
    for _ in range(1 if fast else 8):
        n_arm = [max(1, round(f * n_total / 2)) for f in a.looks]
        for shift in np.arange(0.0, 0.2001, 0.01):
            eff, z_final = _normal_thresholds(n_arm, a, shift)
            d = GroupSequentialBinary(rule, p1, p2, n_arm, n_arm, efficacy=eff,
                                      futility=[a.futility_pp] * (len(n_arm) - 1)
                                      if len(n_arm) > 1 else None)
            errors = [d.oc(v, v, binding=False)["p_efficacy"] for v in null_rates]
            if max(errors) <= a.alpha + 1e-12:
                break
        power = hybrid_power(lambda t1, t2, d=d: d.oc(t1, t2)["p_efficacy"], a.mcid_rr,
                             control, nodes=6 if fast else 12)
        if power >= a.target or fast:
            break
        n_total = int(np.ceil(n_total * 1.02 / 2) * 2)
    type_one = pd.DataFrame({"null_rate": null_rates, "type_I_error": errors})
    return GSDPlan(d, n_fixed, n_total / n_fixed, power, type_one, null_rates, z_final)


def gsd_boundaries(plan: GSDPlan, control_mean: float) -> pd.DataFrame:
    """Per look: thresholds, and the boundaries in deaths on CYT107 when the placebo arm shows
    its expected deaths (``n × control_mean``), with the implied observed risk ratios."""
    d = plan.design
    rows = []
    n_total_max = d.n1[-1] + d.n2[-1]
    for k, (E, F) in enumerate(d.regions()):
        x2 = round(d.n2[k] * control_mean)
        col_e = np.nonzero(E[:, x2])[0]
        col_f = np.nonzero(F[:, x2])[0]
        e = int(col_e.max()) if col_e.size else np.nan
        f = int(col_f.min()) if col_f.size and k < d.K - 1 else np.nan
        rows.append({
            "look": k + 1, "information_fraction": (d.n1[k] + d.n2[k]) / n_total_max,
            "n_per_arm": d.n1[k], "n_total": d.n1[k] + d.n2[k],
            "efficacy_threshold": d.efficacy[k], "efficacy_z": float(stats.norm.ppf(
                d.efficacy[k])),
            "futility_pp_threshold": (d.futility[k] if d.futility and k < d.K - 1
                                      else np.nan),
            "placebo_deaths_expected": x2,
            "efficacy_max_cyt107_deaths": e, "futility_min_cyt107_deaths": f,
            "efficacy_rr_at_most": e / x2 if x2 and np.isfinite(e) else np.nan,
            "futility_rr_at_least": f / x2 if x2 and np.isfinite(f) else np.nan,
        })
    return pd.DataFrame(rows)


def gsd_oc(plan: GSDPlan, control_mean: float, rr_grid) -> pd.DataFrame:
    """Exact OC of the group-sequential design: per scenario and look, stopping probabilities
    (efficacy, futility), plus the scenario's totals and expected size. Null scenarios are
    computed twice: non-binding (type I error, futility ignored) and binding (as run)."""
    d = plan.design
    rows = []
    scenarios = [(f"null, placebo {v:.3f}", 1.0, v, False) for v in plan.null_rates]
    scenarios += [(f"RR {r:g}", float(r), control_mean, True) for r in rr_grid]
    for name, rr, c, binding in scenarios:
        oc = d.oc(min(rr * c, 1.0), c, binding=binding)
        looks = oc["looks"]
        for row in looks.itertuples(index=False):
            rows.append({"scenario": name, "true_rr": rr, "control_rate": c,
                         "binding_futility": binding, "look": int(row.look),
                         "n_total": int(row.n_total), "p_stop_efficacy": row.p_stop_efficacy,
                         "p_stop_futility": row.p_stop_futility,
                         "cumulative_p_efficacy": row.cumulative_p_efficacy,
                         "p_efficacy": oc["p_efficacy"], "p_futility": oc["p_futility"],
                         "expected_n": oc["expected_n"]})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ClinicalPlan:
    """What the step needs from a clinical endpoint."""

    endpoint: str
    curves: pd.DataFrame
    priors: list[Prior]
    n_fixed: int | None


def fixed_oc(endpoint: str, n_total: int, control_mean: float, rr_grid,
             analysis_control: BetaMix | None = None, label: str = "") -> pd.DataFrame:
    """Exact OC of the fixed 1:1 design of ``n_total`` over true risk ratios."""
    p1, p2 = default_analysis_priors(endpoint)
    d = BinaryDesign(default_rule(endpoint), p1, analysis_control or p2, n_total // 2,
                     n_total // 2)
    rr = np.asarray(rr_grid, float)
    p = d.oc(np.minimum(rr * control_mean, 1.0), np.full(rr.size, control_mean))
    return pd.DataFrame({"endpoint": endpoint, "design": label or f"fixed, n = {n_total}",
                         "analysis_prior": "Beta(1, 1) each arm" if analysis_control is None
                         else "placebo arm: robust MAP (borrowing)",
                         "x_variable": "true_rr", "true_rr": rr,
                         "control_rate": control_mean, "p_success": p,
                         "method": "exact enumeration"})


def borrowing_oc(n_total: int, robust: BetaMix, mcid_rr: float, rates) -> pd.DataFrame:
    """Type I error and power at the MCID over true placebo risks, without and with the robust
    MAP as the placebo arm's analysis prior (Schmidli et al. 2014, figure 3)."""
    rule = default_rule("mortality")
    p1, p2 = default_analysis_priors("mortality")
    rates = np.asarray(rates, float)
    out = []
    for prior2, label in ((p2, "Beta(1, 1) each arm"),
                          (robust, "placebo arm: robust MAP (borrowing)")):
        d = BinaryDesign(rule, p1, prior2, n_total // 2, n_total // 2)
        for rr, what in ((1.0, "type I error"), (mcid_rr, f"power at RR {mcid_rr:g}")):
            out.append(pd.DataFrame({
                "endpoint": "mortality", "design": f"fixed, n = {n_total}: {what}",
                "analysis_prior": label, "x_variable": "control_rate", "true_rr": rr,
                "control_rate": rates, "p_success": d.oc(np.minimum(rr * rates, 1.0), rates),
                "method": "exact enumeration"}))
    return pd.concat(out, ignore_index=True)
