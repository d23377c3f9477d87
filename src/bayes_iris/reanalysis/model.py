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

*Counts* (x_t/n_t vs x_c/n_c), ``method="exact"`` (default; :mod:`.counts`): the two arms are
treated symmetrically. The grid's ``minimally_informative`` prior becomes Jeffreys' Beta(½, ½)
on each arm's risk (exact conjugate answer); ``independent_beta`` adds the uniform Beta(1, 1) on
each arm; every other (normal) prior on ψ is combined with a symmetric prior on the baseline
risk and the posterior computed by adaptive two-dimensional quadrature. Swapping the arms gives
the reciprocal ratio; 0/n vs 0/n gives P(benefit) = ½ and a median ratio of 1.
``method="normal"``: the normal approximation of the counts on the log scale (0.5 added to every
cell when a cell is zero) with the conjugate update above, for every prior of the grid.

The prior grid (minimally informative; neutral weak / moderate / strong; optimistic;
pessimistic; user-defined) is defined in :mod:`bayes_iris.reanalysis.priors`; the built-in
published cases in :mod:`bayes_iris.reanalysis.cases`.

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
.. [4] Agresti A, Min Y. Frequentist performance of Bayesian confidence intervals for comparing
   proportions in 2 × 2 contingency tables. Biometrics 2005;61:515–523 (independent Jeffreys
   priors for the risk ratio and odds ratio).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from ..errors import InputError
from ..result import Result
from . import counts as C
from .inputs import Counts, Estimate
from .priors import PriorGrid, prior_grid, statement

__all__ = ["REANALYSIS_COLUMNS", "ReanalysisResult", "reanalyze"]

#: Columns of ``tables/reanalysis_summary.csv`` (before the step adds ``source``); the design
#: step reads ``case``, ``prior``, ``log_mean`` and ``log_sd``.
REANALYSIS_COLUMNS = [
    "case", "measure", "prior", "prior_description", "method", "prior_mean_log", "prior_sd_log",
    "prior_p_beyond_mcid",
    "mcid", "median", "lower95", "upper95", "p_benefit", "p_benefit_mcid", "p_harm",
    "log_mean", "log_sd", "baseline_risk", "ard_median", "ard_lower95", "ard_upper95",
]


# ----------------------------------------------------------------------------------------------
# posterior engines
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReanalysisResult(Result):
    """Tidy results of :func:`reanalyze`.

    ``table`` has one row per prior with the columns :data:`REANALYSIS_COLUMNS` (``log_mean`` /
    ``log_sd`` are the posterior mean and SD of ψ: the log ratio, or the difference itself for
    RD/MD). The analysis is exact, so in place of MCMC draws ``draws`` holds the densities of ψ
    behind the table, on one grid: ``likelihood`` (dim ``psi``; normalised), ``prior_density``
    and ``posterior`` (dims ``prior, psi``), for the triplot.
    """

    TABLES: ClassVar[dict[str, str]] = {"reanalysis_summary": "table"}

    case: str
    data: Estimate | Counts
    grid: PriorGrid
    table: pd.DataFrame
    draws: xr.Dataset
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
    method: Literal["exact", "normal"] = "exact",
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
    method : {"exact", "normal"}
        Counts only: ``"exact"`` (default) — the symmetric exact/quadrature route of
        :mod:`.counts` (``minimally_informative`` = Jeffreys Beta(½, ½) on each arm, plus the
        ``independent_beta`` uniform row); ``"normal"`` — the normal approximation of the
        counts on the log scale (0.5 added to every cell when a cell is zero) with the
        conjugate update, for every prior of the grid.

    Returns
    -------
    ReanalysisResult

    References
    ----------
    .. [1] Goligher et al. JAMA 2018;320:2251–2259. .. [2] Zampieri et al. AJRCCM 2020;201:423–429.
    .. [3] Agresti A, Min Y. Biometrics 2005;61:515–523 (Jeffreys priors for 2 × 2 tables).

    Examples
    --------
    >>> res = reanalyze(Estimate(value=1.01, lower=0.36, upper=2.81, measure="RR"),
    ...                 prior_grid(mcid=0.8), case="sepsis_mortality")
    >>> row = res.table.set_index("prior").loc["minimally_informative"]
    >>> round(row["median"], 2), round(row["lower95"], 2), round(row["upper95"], 2)
    (np.float64(1.01), np.float64(0.36), np.float64(2.82))

    Counts treat the arms symmetrically: no events in either arm is no evidence either way.

    >>> t = reanalyze(Counts.parse("0/50,0/50")).table.set_index("prior")
    >>> round(float(t.loc["minimally_informative", "p_benefit"]), 6)
    0.5
    """
    if not isinstance(data, Estimate | Counts):
        raise InputError("reanalyze needs an Estimate or Counts", column="data")
    if method not in ("exact", "normal"):
        raise InputError(f"unknown method {method!r}", column="method",
                         hint="'exact' (default) or 'normal' (normal approximation; counts)")
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
    prior_curves: dict[str, np.ndarray] = {}
    posteriors: dict[str, np.ndarray] = {}
    summaries: dict[str, dict] = {}
    extra: dict[str, dict] = {}     # per prior: prior moments / description overrides

    if isinstance(data, Counts) and method == "exact":
        beta = {p.name: C.JEFFREYS for p in priors if p.name == "minimally_informative"}
        beta["independent_beta"] = 1.0
        normal = [p for p in priors if p.name not in beta]
        psi = C.psi_grid(data, narrow=[(p.mean, p.sd) for p in normal],
                         extent=max([20.0, *(abs(p.mean) + 9 * p.sd for p in normal)]))
        psi = psi[np.abs(psi) <= 200.0]
        log_lik = C.log_marginal_likelihood(data, psi)
        likelihood = C.normalised(psi, log_lik)
        for p in normal:
            log_post = log_lik + stats.norm.logpdf(psi, p.mean, p.sd)
            post = C.normalised(psi, log_post)
            if post[0] + post[-1] > 1e-6 * post.max():
                raise InputError(f"prior {p.name!r}: the posterior reaches the end of the "
                                 f"log-ratio grid (|ψ| = {psi[-1]:g})", column="prior",
                                 hint="a prior with a smaller mean or SD")
            summaries[p.name] = _summ_grid(psi, post)
            prior_curves[p.name] = stats.norm.pdf(psi, p.mean, p.sd)
            posteriors[p.name] = post
            extra[p.name] = {"method": "grid_quadrature",
                             "prior_description": (p.description + "; baseline risk symmetric "
                                                   "in the arms").lstrip("; ")}
        for name, a in beta.items():
            summaries[name], prior_curves[name], posteriors[name], extra[name] = C.beta_row(
                data, a, psi, priors.mcid)
        order = [p.name for p in priors] + [n for n in beta if n not in {p.name for p in priors}]
    else:
        if isinstance(data, Counts):
            approx = data.normal_approximation()
            psi_hat, se = approx.psi_hat, approx.se
            how = "normal_approximation" + ("_corrected" if approx.corrected else "")
        else:
            psi_hat, se, how = data.psi_hat, data.se, "normal_conjugate"
        lo, hi = psi_hat - 8 * se, psi_hat + 8 * se
        for p in priors:
            lo, hi = min(lo, p.mean - 4 * p.sd), max(hi, p.mean + 4 * p.sd)
        lo, hi = max(lo, psi_hat - 30 * se), min(hi, psi_hat + 30 * se)
        psi = np.linspace(lo, hi, 2001)
        likelihood = stats.norm.pdf(psi, psi_hat, se)
        for p in priors:
            prec = 1 / p.sd**2 + 1 / se**2
            m = (p.mean / p.sd**2 + psi_hat / se**2) / prec
            s = float(np.sqrt(1 / prec))
            summaries[p.name] = _summ_normal(float(m), s)
            prior_curves[p.name] = stats.norm.pdf(psi, p.mean, p.sd)
            posteriors[p.name] = stats.norm.pdf(psi, m, s)
            extra[p.name] = {"method": how, "prior_description": p.description}
        order = [p.name for p in priors]

    grid_priors = {p.name: p for p in priors}
    rows = []
    for name in order:
        sm = summaries[name]
        cdf = sm["cdf"]
        p_lower0 = cdf(0.0)
        p_lower_mcid = cdf(mcid_psi)
        p_benefit = p_lower0 if lower_is_benefit else 1 - p_lower0
        p_benefit_mcid = p_lower_mcid if lower_is_benefit else 1 - p_lower_mcid
        ex = extra[name]
        if "prior_mean_log" in ex:
            prior_mean, prior_sd, prior_beyond = (ex["prior_mean_log"], ex["prior_sd_log"],
                                                  ex["prior_p_beyond_mcid"])
        else:
            p = grid_priors[name]
            prior_mean, prior_sd = p.mean, p.sd
            prior_beyond = statement(p, mcid_psi)["p_beyond_mcid"]
        rows.append(dict(
            case=case, measure=data.measure, prior=name,
            prior_description=ex["prior_description"], method=ex["method"],
            prior_mean_log=prior_mean, prior_sd_log=prior_sd, prior_p_beyond_mcid=prior_beyond,
            mcid=priors.mcid, median=float(back(sm["psi_median"])),
            lower95=float(back(sm["psi_lower"])), upper95=float(back(sm["psi_upper"])),
            p_benefit=p_benefit, p_benefit_mcid=p_benefit_mcid, p_harm=1 - p_benefit,
            log_mean=sm["log_mean"], log_sd=sm["log_sd"],
        ))

    table = pd.DataFrame(rows)
    table["baseline_risk"] = baseline_risk if baseline_risk is not None else np.nan
    for col, src in (("ard_median", "median"), ("ard_lower95", "lower95"),
                     ("ard_upper95", "upper95")):
        if baseline_risk is not None and scale == "ratio":
            table[col] = [_absolute(data.measure, float(v), baseline_risk) for v in table[src]]
        else:
            table[col] = np.nan
    table = table[REANALYSIS_COLUMNS]
    draws = xr.Dataset(
        {"likelihood": ("psi", likelihood),
         "prior_density": (("prior", "psi"), np.stack([prior_curves[n] for n in order])),
         "posterior": (("prior", "psi"), np.stack([posteriors[n] for n in order]))},
        coords={"psi": psi, "prior": order})
    return ReanalysisResult(case=case, data=data, grid=priors, table=table, draws=draws,
                            baseline_risk=baseline_risk)
