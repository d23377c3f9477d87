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
arms (:mod:`bayes_iris.reanalysis.two_arm`).

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special, stats

from ..errors import InputError
from ..result import Result
from .inputs import Counts, Estimate
from .priors import PriorGrid, prior_grid, statement

__all__ = ["REANALYSIS_COLUMNS", "ReanalysisResult", "reanalyze"]

#: Columns of ``tables/reanalysis_summary.csv`` (before the step adds ``source``); the design
#: step reads ``case``, ``prior``, ``log_mean`` and ``log_sd``.
REANALYSIS_COLUMNS = [
    "case", "measure", "prior", "method", "prior_mean_log", "prior_sd_log", "prior_p_beyond_mcid",
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
    prior_curves: dict[str, np.ndarray] = {}
    posteriors: dict[str, np.ndarray] = {}
    rows = []

    if isinstance(data, Estimate):
        method = "normal_conjugate"
        lo = data.psi_hat - 8 * data.se
        hi = data.psi_hat + 8 * data.se
        for p in priors:
            lo, hi = min(lo, p.mean - 4 * p.sd), max(hi, p.mean + 4 * p.sd)
        lo, hi = max(lo, data.psi_hat - 30 * data.se), min(hi, data.psi_hat + 30 * data.se)
        psi = np.linspace(lo, hi, 2001)
        likelihood = stats.norm.pdf(psi, data.psi_hat, data.se)
        summaries = {}
        for p in priors:
            prec = 1 / p.sd**2 + 1 / data.se**2
            m = (p.mean / p.sd**2 + data.psi_hat / data.se**2) / prec
            s = float(np.sqrt(1 / prec))
            summaries[p.name] = _summ_normal(float(m), s)
            prior_curves[p.name] = stats.norm.pdf(psi, p.mean, p.sd)
            posteriors[p.name] = stats.norm.pdf(psi, m, s)
    else:
        method = "grid_quadrature"
        psi = _PSI_GRID
        lik = _grid_marginal(data)
        from scipy.integrate import trapezoid

        likelihood = lik / trapezoid(lik, psi)
        summaries = {}
        for p in priors:
            dens = lik * stats.norm.pdf(psi, p.mean, p.sd)
            if not np.any(dens > 0):  # pragma: no cover - prior entirely off the grid
                raise InputError(f"prior {p.name!r} puts no mass where the data are possible",
                                 column="prior")
            summaries[p.name] = _summ_grid(psi, dens)
            prior_curves[p.name] = stats.norm.pdf(psi, p.mean, p.sd)
            posteriors[p.name] = dens / trapezoid(dens, psi)

    for p in priors:
        sm = summaries[p.name]
        cdf = sm["cdf"]
        p_lower0 = cdf(0.0)
        p_lower_mcid = cdf(mcid_psi)
        p_benefit = p_lower0 if lower_is_benefit else 1 - p_lower0
        p_benefit_mcid = p_lower_mcid if lower_is_benefit else 1 - p_lower_mcid
        prior_beyond = statement(p, mcid_psi)["p_beyond_mcid"]
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
    table = table[REANALYSIS_COLUMNS]
    names = list(posteriors)
    draws = xr.Dataset(
        {"likelihood": ("psi", likelihood),
         "prior_density": (("prior", "psi"), np.stack([prior_curves[n] for n in names])),
         "posterior": (("prior", "psi"), np.stack([posteriors[n] for n in names]))},
        coords={"psi": psi, "prior": names})
    return ReanalysisResult(case=case, data=data, grid=priors, table=table, draws=draws,
                            baseline_risk=baseline_risk)


def _independent_beta_row(c: Counts, case: str, mcid: float, lower_is_benefit: bool) -> dict:
    """Exact conjugate row: independent Beta(1, 1) priors on both arms (no ratio prior)."""
    from . import two_arm  # imports the design package (JAX): only for counts

    res = two_arm.compare_two_arms(c.events_treated, c.n_treated, c.events_control, c.n_control,
                                   margins=())
    q = res.table.set_index("quantity").loc["risk_ratio" if c.measure == "RR" else "odds_ratio"]
    sf = two_arm.prob_ratio_greater if c.measure == "RR" else two_arm.prob_odds_ratio_greater
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
                mcid=mcid, median=q["median"], lower95=q["lower95"], upper95=q["upper95"],
                p_benefit=p_benefit, p_benefit_mcid=p_benefit_mcid, p_harm=1 - p_benefit,
                log_mean=float(mean), log_sd=float(np.sqrt(var)))
