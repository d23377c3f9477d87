"""Hierarchical models of adverse events: Berry & Berry (2004) and its relatives.

AE terms ``j`` are nested in system organ classes (SOCs) ``b``. Three variants (``kind``):

``"bb"`` — Berry & Berry three-level hierarchy with a point mass (binomial incidence)
    .. math::

        x^{c}_{bj} &\\sim \\mathrm{Bin}(N_c, \\operatorname{logit}^{-1}\\gamma_{bj}),\\qquad
        x^{t}_{bj} \\sim \\mathrm{Bin}(N_t, \\operatorname{logit}^{-1}(\\gamma_{bj} + \\theta_{bj}))\\\\
        \\gamma_{bj} &\\sim N(\\mu_{\\gamma b}, \\sigma^2_{\\gamma b}),\\quad
        \\mu_{\\gamma b} \\sim N(\\mu_{\\gamma 0}, \\tau^2_{\\gamma 0}),\\quad
        \\sigma^2_{\\gamma b} \\sim IG(\\alpha_\\gamma, \\beta_\\gamma)\\\\
        \\mu_{\\gamma 0} &\\sim N(\\mu_{\\gamma 00}, \\tau^2_{\\gamma 00}),\\quad
        \\tau^2_{\\gamma 0} \\sim IG(\\alpha_{\\gamma 00}, \\beta_{\\gamma 00})\\\\
        \\theta_{bj} &\\sim \\pi_b\\,\\delta_0 + (1 - \\pi_b)\\,N(\\mu_{\\theta b}, \\sigma^2_{\\theta b})
        \\quad(\\mu_{\\theta b}, \\sigma^2_{\\theta b}\\text{ with hyperpriors as for }\\gamma)\\\\
        \\pi_b &\\sim \\mathrm{Beta}(\\alpha_\\pi, \\beta_\\pi),\\quad
        \\alpha_\\pi - 1 \\sim \\mathrm{Exp}(\\lambda_\\alpha),\\quad
        \\beta_\\pi - 1 \\sim \\mathrm{Exp}(\\lambda_\\beta)

    (``Exp`` truncated to values above 1 is 1 + Exp by memorylessness). Fixed ``alpha_pi`` and
    ``beta_pi`` are used instead when the prior set gives them (c212's two-level preset).

    The discrete indicator of the point mass is **marginalised**: the slab effect
    :math:`\\tilde\\theta_{bj} \\sim N(\\mu_{\\theta b}, \\sigma^2_{\\theta b})` is always sampled and
    the treated-arm likelihood is the two-component mixture
    :math:`\\pi_b\\,p(x^t \\mid \\gamma, \\theta=0) + (1-\\pi_b)\\,p(x^t \\mid \\gamma, \\tilde\\theta)`,
    written with ``logsumexp``. Per draw, the conditional posterior probability of the point mass is
    :math:`w = \\pi_b p_0 / (\\pi_b p_0 + (1-\\pi_b) p_1)`; its posterior mean is
    :math:`P(\\theta_{bj} = 0 \\mid \\text{data})`. Effect summaries use
    :math:`\\theta = (1 - z)\\tilde\\theta` with :math:`z \\sim \\mathrm{Bernoulli}(w)` drawn from the
    ``"ae.point_mass"`` seed stream; :math:`P(\\theta > 0)` is Rao–Blackwellised,
    :math:`E[(1 - w)\\,1\\{\\tilde\\theta > 0\\}]`.

``"1a"`` — the same hierarchy without the point mass (Xia, Ma & Carlin 2011, model 1a):
    :math:`\\theta_{bj} \\sim N(\\mu_{\\theta b}, \\sigma^2_{\\theta b})`.

``"poisson"`` — event counts with exposure (patient-days at risk), point mass as in ``"bb"``:
    :math:`y^{c}_{bj} \\sim \\mathrm{Poisson}(E_c e^{\\gamma_{bj}})`,
    :math:`y^{t}_{bj} \\sim \\mathrm{Poisson}(E_t e^{\\gamma_{bj} + \\theta_{bj}})`;
    ``θ`` is then a log rate ratio.

All hierarchical locations and effects are non-centred (``γ = μ + σ z``) to avoid funnels.

Priors are data: :data:`PRESETS` holds named hyperparameter sets (``"c212"``: the defaults of the
R package c212, ``c212.BB`` / ``c212.hyper.params(model="BB", hier=3)``; ``"c212_fixed_pi"``: its
two-level defaults with fixed ``alpha.pi = beta.pi = 1.1``). Overrides merge on top of a preset
(:func:`ae_priors`). Variances are parameterised as in c212: ``tau2`` are variances and the inverse
gammas ``IG(alpha, beta)`` have shape ``alpha`` and scale ``beta``.

References
----------
.. [1] Berry SM, Berry DA. Accounting for multiplicities in assessing drug safety: a three-level
   hierarchical mixture model. Biometrics 2004;60:418–426.
.. [2] Xia HA, Ma H, Carlin BP. Bayesian hierarchical modeling for detecting safety signals in
   clinical trials. J Biopharm Stat 2011;21:1006–1029 (model 1a; Poisson model with exposure).
.. [3] Carragher R. c212: Methods for detecting safety signals in clinical trials using body-systems
   (system organ classes). R package, CRAN (``c212.BB``, ``c212.hyper.params``; default
   hyperparameters mu.gamma.0.0 = 0, tau2.gamma.0.0 = 10, alpha.gamma.0.0 = 3, beta.gamma.0.0 = 1,
   alpha.gamma = 3, beta.gamma = 1, the same for theta, lambda.alpha = lambda.beta = 1; two-level
   alpha.pi = beta.pi = 1.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import seeds
from ..data.trial import TrialData
from ..errors import InputError, Problem

__all__ = [
    "MODEL_KINDS",
    "PRESETS",
    "AEModel",
    "AEPriors",
    "AEResult",
    "ae_incidence",
    "ae_priors",
    "fit_adverse_events",
    "summarise_ae",
]

MODEL_KINDS = ("bb", "1a", "poisson")
Kind = Literal["bb", "1a", "poisson"]


# --------------------------------------------------------------------------------------------
# priors
# --------------------------------------------------------------------------------------------
class AEPriors(BaseModel):
    """Hyperparameters of the AE hierarchy (names follow c212 with dots as underscores)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mu_gamma_0_0: float = 0.0
    tau2_gamma_0_0: float = Field(10.0, gt=0)
    alpha_gamma_0_0: float = Field(3.0, gt=0)
    beta_gamma_0_0: float = Field(1.0, gt=0)
    alpha_gamma: float = Field(3.0, gt=0)
    beta_gamma: float = Field(1.0, gt=0)
    mu_theta_0_0: float = 0.0
    tau2_theta_0_0: float = Field(10.0, gt=0)
    alpha_theta_0_0: float = Field(3.0, gt=0)
    beta_theta_0_0: float = Field(1.0, gt=0)
    alpha_theta: float = Field(3.0, gt=0)
    beta_theta: float = Field(1.0, gt=0)
    lambda_alpha: float = Field(1.0, gt=0, description="rate of alpha_pi − 1 (hier = 3)")
    lambda_beta: float = Field(1.0, gt=0, description="rate of beta_pi − 1 (hier = 3)")
    alpha_pi: float | None = Field(None, gt=0, description="fixed alpha_pi (overrides lambda)")
    beta_pi: float | None = Field(None, gt=0, description="fixed beta_pi (overrides lambda)")


#: Named hyperparameter presets. Both from the c212 R package documentation (Carragher, CRAN).
PRESETS: dict[str, dict[str, Any]] = {
    "c212": {},  # c212.hyper.params(model = "BB", hier = 3): the AEPriors defaults
    "c212_fixed_pi": {"alpha_pi": 1.1, "beta_pi": 1.1},  # c212 two-level (hier = 2) pi prior
}


def ae_priors(preset: str = "c212", **overrides: Any) -> AEPriors:
    """A preset's hyperparameters with ``overrides`` merged on top (override wins).

    Examples
    --------
    >>> ae_priors("c212").tau2_gamma_0_0
    10.0
    >>> ae_priors("c212_fixed_pi", beta_theta=2.0).alpha_pi
    1.1
    """
    if preset not in PRESETS:
        raise InputError(f"unknown AE prior preset {preset!r}", column="priors",
                         hint="one of: " + ", ".join(PRESETS))
    try:
        return AEPriors(**{**PRESETS[preset], **overrides})
    except ValidationError as err:
        raise InputError([Problem(f"AE priors: {e['msg']}", column=".".join(map(str, e["loc"])))
                          for e in err.errors()]) from None


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------
INCIDENCE_COLUMNS = ["soc", "term", "n_placebo", "N_placebo", "n_cyt107", "N_cyt107",
                     "events_placebo", "events_cyt107", "exposure_placebo", "exposure_cyt107"]


def ae_incidence(trial: TrialData) -> pd.DataFrame:
    """Per (SOC, term) and arm: patients with the event (once per patient and term), arm sizes,
    event counts and exposure (patient-days at risk).

    Exposure is ``min(last_follow_up_day, follow_up_days) + 1`` summed over the arm's patients
    (outcomes table); when the outcomes lack ``last_follow_up_day``, ``follow_up_days + 1`` each.

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> inc = ae_incidence(load_bundled())
    >>> bool((inc.n_cyt107 <= inc.N_cyt107).all())
    True
    """
    pts = trial.patients[["patient_id", "arm"]]
    n_arm = pts.arm.value_counts()
    if not {"placebo", "cyt107"} <= set(n_arm.index):
        raise InputError("the AE model needs patients in both arms (placebo and cyt107)",
                         file="patients", column="arm")
    ae = trial.adverse_events
    if ae.empty:
        raise InputError("the adverse_events table is empty: nothing to model",
                         file="adverse_events", hint="add AE rows or skip the safety step")
    ae = ae.merge(pts, on="patient_id", how="inner")
    per_pt = ae.drop_duplicates(["patient_id", "soc", "term"])
    inc = per_pt.groupby(["soc", "term", "arm"]).size().unstack("arm", fill_value=0)
    ev = ae.groupby(["soc", "term", "arm"]).size().unstack("arm", fill_value=0)
    inc = inc.reindex(columns=["placebo", "cyt107"], fill_value=0)
    ev = ev.reindex(index=inc.index, columns=["placebo", "cyt107"], fill_value=0)

    horizon = int(trial.meta.follow_up_days)
    out = trial.outcomes
    if "last_follow_up_day" in out.columns:
        days = out[["patient_id", "last_follow_up_day"]].merge(pts, on="patient_id")
        d = days.last_follow_up_day.astype(float).fillna(horizon).clip(upper=horizon) + 1
        expo = d.groupby(days.arm).sum()
    else:
        expo = n_arm * (horizon + 1)
    df = pd.DataFrame({
        "soc": inc.index.get_level_values("soc"),
        "term": inc.index.get_level_values("term"),
        "n_placebo": inc["placebo"].to_numpy(), "N_placebo": int(n_arm["placebo"]),
        "n_cyt107": inc["cyt107"].to_numpy(), "N_cyt107": int(n_arm["cyt107"]),
        "events_placebo": ev["placebo"].to_numpy(), "events_cyt107": ev["cyt107"].to_numpy(),
        "exposure_placebo": float(expo.get("placebo", np.nan)),
        "exposure_cyt107": float(expo.get("cyt107", np.nan)),
    })
    return df.sort_values(["soc", "term"], kind="stable").reset_index(drop=True)[INCIDENCE_COLUMNS]


# --------------------------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------------------------
@dataclass
class AEModel:
    """Specification of an AE hierarchy; :meth:`build` returns the ``pm.Model`` (no sampling).

    Parameters
    ----------
    incidence : DataFrame
        :func:`ae_incidence` output (any source with those columns).
    kind : {"bb", "1a", "poisson"}
    priors : AEPriors

    Examples
    --------
    >>> import pandas as pd
    >>> inc = pd.DataFrame(dict(soc=["A", "A", "B"], term=["a1", "a2", "b1"], n_placebo=[1, 0, 2],
    ...     N_placebo=10, n_cyt107=[5, 1, 2], N_cyt107=17, events_placebo=[1, 0, 2],
    ...     events_cyt107=[6, 1, 2], exposure_placebo=500.0, exposure_cyt107=900.0))
    >>> m = AEModel(inc, "bb").build()
    >>> sorted(m.coords)
    ['ae', 'soc']
    """

    incidence: pd.DataFrame
    kind: Kind = "bb"
    priors: AEPriors | None = None

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise InputError(f"unknown AE model {self.kind!r}", column="model",
                             hint="one of: " + ", ".join(MODEL_KINDS))
        if self.priors is None:
            self.priors = ae_priors()
        missing = [c for c in INCIDENCE_COLUMNS if c not in self.incidence.columns]
        if missing:
            raise InputError(f"incidence table lacks columns {missing}", column=missing[0])

    @property
    def point_mass(self) -> bool:
        return self.kind in ("bb", "poisson")

    @property
    def socs(self) -> list[str]:
        return list(dict.fromkeys(self.incidence.soc))

    @property
    def terms(self) -> list[str]:
        return [f"{s} | {t}" for s, t in zip(self.incidence.soc, self.incidence.term, strict=True)]

    def build(self):
        """The PyMC model. Dims: ``soc`` (SOCs) and ``ae`` (terms, ``"SOC | term"``)."""
        import pymc as pm
        import pytensor.tensor as pt

        p = self.priors
        inc = self.incidence
        socs = self.socs
        soc_idx = np.array([socs.index(s) for s in inc.soc])
        coords = {"soc": socs, "ae": self.terms}
        with pm.Model(coords=coords) as model:
            # control log-odds (or log rates): three levels, non-centred
            mu_g0 = pm.Normal("mu_gamma_0", p.mu_gamma_0_0, np.sqrt(p.tau2_gamma_0_0))
            tau2_g0 = pm.InverseGamma("tau2_gamma_0", p.alpha_gamma_0_0, p.beta_gamma_0_0)
            z_mu_g = pm.Normal("z_mu_gamma", 0, 1, dims="soc")
            mu_g = pm.Deterministic("mu_gamma", mu_g0 + pt.sqrt(tau2_g0) * z_mu_g, dims="soc")
            sig2_g = pm.InverseGamma("sigma2_gamma", p.alpha_gamma, p.beta_gamma, dims="soc")
            z_g = pm.Normal("z_gamma", 0, 1, dims="ae")
            gamma = pm.Deterministic("gamma", mu_g[soc_idx] + pt.sqrt(sig2_g)[soc_idx] * z_g,
                                     dims="ae")
            # treatment effects
            mu_t0 = pm.Normal("mu_theta_0", p.mu_theta_0_0, np.sqrt(p.tau2_theta_0_0))
            tau2_t0 = pm.InverseGamma("tau2_theta_0", p.alpha_theta_0_0, p.beta_theta_0_0)
            z_mu_t = pm.Normal("z_mu_theta", 0, 1, dims="soc")
            mu_t = pm.Deterministic("mu_theta", mu_t0 + pt.sqrt(tau2_t0) * z_mu_t, dims="soc")
            sig2_t = pm.InverseGamma("sigma2_theta", p.alpha_theta, p.beta_theta, dims="soc")
            z_t = pm.Normal("z_theta", 0, 1, dims="ae")
            theta_name = "theta_slab" if self.point_mass else "theta"
            theta = pm.Deterministic(theta_name,
                                     mu_t[soc_idx] + pt.sqrt(sig2_t)[soc_idx] * z_t, dims="ae")

            if self.kind == "poisson":
                yc = inc.events_placebo.to_numpy()
                yt = inc.events_cyt107.to_numpy()
                ec, et = float(inc.exposure_placebo.iloc[0]), float(inc.exposure_cyt107.iloc[0])
                pm.Poisson("y_placebo", mu=ec * pt.exp(gamma), observed=yc, dims="ae")
                ll0 = pm.logp(pm.Poisson.dist(mu=et * pt.exp(gamma)), yt)
                ll1 = pm.logp(pm.Poisson.dist(mu=et * pt.exp(gamma + theta)), yt)
            else:
                nc, nt = int(inc.N_placebo.iloc[0]), int(inc.N_cyt107.iloc[0])
                xc = inc.n_placebo.to_numpy()
                xt = inc.n_cyt107.to_numpy()
                pm.Binomial("x_placebo", n=nc, logit_p=gamma, observed=xc, dims="ae")
                if not self.point_mass:
                    pm.Binomial("x_cyt107", n=nt, logit_p=gamma + theta, observed=xt, dims="ae")
                    return model
                ll0 = pm.logp(pm.Binomial.dist(n=nt, logit_p=gamma), xt)
                ll1 = pm.logp(pm.Binomial.dist(n=nt, logit_p=gamma + theta), xt)

            # point mass at 0 with probability pi_b, indicator marginalised
            if p.alpha_pi is not None and p.beta_pi is not None:
                a_pi, b_pi = p.alpha_pi, p.beta_pi
            else:
                a_pi = 1 + pm.Exponential("alpha_pi_m1", p.lambda_alpha)
                b_pi = 1 + pm.Exponential("beta_pi_m1", p.lambda_beta)
            pi = pm.Beta("pi", a_pi, b_pi, dims="soc")
            lw0 = pt.log(pi)[soc_idx] + ll0
            lw1 = pt.log1p(-pi)[soc_idx] + ll1
            lse = pt.logaddexp(lw0, lw1)
            pm.Potential("treated_mixture_loglik", pt.sum(lse))
            pm.Deterministic("w_point_mass", pt.exp(lw0 - lse), dims="ae")
        return model


# --------------------------------------------------------------------------------------------
# summaries
# --------------------------------------------------------------------------------------------
AE_TABLE_COLUMNS = [
    "model", "soc", "term", "n_cyt107", "N_cyt107", "n_placebo", "N_placebo", "raw_rate_cyt107",
    "raw_rate_placebo", "raw_log_or", "measure", "p_theta_gt_0", "p_point_mass", "theta_mean",
    "theta_sd", "rd_median", "rd_lower95", "rd_upper95", "or_median", "or_lower95", "or_upper95",
]
SOC_TABLE_COLUMNS = [
    "model", "soc", "n_terms", "pi_mean", "pi_lower95", "pi_upper95", "p_mu_theta_gt_0",
    "mu_theta_median", "mu_theta_lower95", "mu_theta_upper95", "or_soc_median", "or_soc_lower95",
    "or_soc_upper95", "p_any_theta_gt_0",
]


def _flat(idata, name: str) -> np.ndarray:
    """Posterior draws of ``name`` stacked to (draws, ...)."""
    da = idata.posterior[name]
    da = da.stack(sample=("chain", "draw")).transpose("sample", ...)
    return np.asarray(da.values)


def _q(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.quantile(x, 0.5, axis=0), np.quantile(x, 0.025, axis=0),
            np.quantile(x, 0.975, axis=0))


def summarise_ae(model: AEModel, idata, *, seed: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                dict[str, np.ndarray]]:
    """Per-AE and per-SOC tables (columns ``AE_TABLE_COLUMNS``, ``SOC_TABLE_COLUMNS``) and draws.

    Returns ``(ae_table, soc_table, draws)`` with ``draws["theta"]`` (draws × ae, point mass
    realised from the ``"ae.point_mass"`` seed stream), ``draws["w"]`` (conditional point-mass
    probabilities), ``draws["p_placebo"]`` and ``draws["p_cyt107"]`` (risks, or rates per
    patient-day for the Poisson model).
    """
    inc = model.incidence
    gamma = _flat(idata, "gamma")
    if model.point_mass:
        slab = _flat(idata, "theta_slab")
        w = _flat(idata, "w_point_mass")
        z = seeds.rng(seed, "ae.point_mass").random(w.shape) < w
        theta = np.where(z, 0.0, slab)
        p_gt0 = np.mean((1 - w) * (slab > 0), axis=0)
        p_pm = np.mean(w, axis=0)
    else:
        theta = _flat(idata, "theta")
        w = np.zeros_like(theta)
        p_gt0 = np.mean(theta > 0, axis=0)
        p_pm = np.full(theta.shape[1], np.nan)
    if model.kind == "poisson":
        pc, ptr = np.exp(gamma), np.exp(gamma + theta)
        measure = "rate_ratio; rd = rate difference per 100 patient-days"
        rd = 100 * (ptr - pc)
        raw_c = inc.events_placebo / inc.exposure_placebo
        raw_t = inc.events_cyt107 / inc.exposure_cyt107
        raw_eff = np.log((inc.events_cyt107 + 0.5) / inc.exposure_cyt107) - np.log(
            (inc.events_placebo + 0.5) / inc.exposure_placebo)
    else:
        pc = 1 / (1 + np.exp(-gamma))
        ptr = 1 / (1 + np.exp(-(gamma + theta)))
        measure = "odds_ratio; rd = risk difference"
        rd = ptr - pc
        raw_c = inc.n_placebo / inc.N_placebo
        raw_t = inc.n_cyt107 / inc.N_cyt107
        raw_eff = (np.log((inc.n_cyt107 + 0.5) / (inc.N_cyt107 - inc.n_cyt107 + 0.5))
                   - np.log((inc.n_placebo + 0.5) / (inc.N_placebo - inc.n_placebo + 0.5)))
    rd_m, rd_l, rd_u = _q(rd)
    or_m, or_l, or_u = _q(np.exp(theta))
    ae_table = pd.DataFrame({
        "model": model.kind, "soc": inc.soc.to_numpy(), "term": inc.term.to_numpy(),
        "n_cyt107": inc.n_cyt107.to_numpy(), "N_cyt107": inc.N_cyt107.to_numpy(),
        "n_placebo": inc.n_placebo.to_numpy(), "N_placebo": inc.N_placebo.to_numpy(),
        "raw_rate_cyt107": np.asarray(raw_t, float), "raw_rate_placebo": np.asarray(raw_c, float),
        "raw_log_or": np.asarray(raw_eff, float), "measure": measure,
        "p_theta_gt_0": p_gt0, "p_point_mass": p_pm,
        "theta_mean": theta.mean(axis=0), "theta_sd": theta.std(axis=0),
        "rd_median": rd_m, "rd_lower95": rd_l, "rd_upper95": rd_u,
        "or_median": or_m, "or_lower95": or_l, "or_upper95": or_u,
    })[AE_TABLE_COLUMNS]

    mu_t = _flat(idata, "mu_theta")
    socs = model.socs
    soc_idx = np.array([socs.index(s) for s in inc.soc])
    if model.point_mass:
        pi = _flat(idata, "pi")
        pi_m, pi_l, pi_u = pi.mean(axis=0), *np.quantile(pi, [0.025, 0.975], axis=0)
    else:
        pi_m = pi_l = pi_u = np.full(len(socs), np.nan)
    mu_m, mu_l, mu_u = _q(mu_t)
    any_gt0 = [float(np.mean(np.any(theta[:, soc_idx == b] > 0, axis=1)))
               for b in range(len(socs))]
    soc_table = pd.DataFrame({
        "model": model.kind, "soc": socs,
        "n_terms": [int(np.sum(soc_idx == b)) for b in range(len(socs))],
        "pi_mean": pi_m, "pi_lower95": pi_l, "pi_upper95": pi_u,
        "p_mu_theta_gt_0": np.mean(mu_t > 0, axis=0),
        "mu_theta_median": mu_m, "mu_theta_lower95": mu_l, "mu_theta_upper95": mu_u,
        "or_soc_median": np.exp(mu_m), "or_soc_lower95": np.exp(mu_l),
        "or_soc_upper95": np.exp(mu_u), "p_any_theta_gt_0": any_gt0,
    })[SOC_TABLE_COLUMNS]
    draws = {"theta": theta, "w": w, "p_placebo": pc, "p_cyt107": ptr}
    return ae_table, soc_table, draws


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------
@dataclass
class AEResult:
    """A fitted AE model: per-AE and per-SOC tables, draws, the fit and its diagnostics."""

    model: AEModel
    ae_table: pd.DataFrame
    soc_table: pd.DataFrame
    draws: dict[str, np.ndarray]
    fit: Any
    diagnostics_row: pd.DataFrame
    provenance_label: str = ""


def fit_adverse_events(
    trial: TrialData | pd.DataFrame,
    *,
    kind: Kind = "bb",
    priors: AEPriors | str = "c212",
    fast: bool = False,
    strict: bool = False,
    seed: int = seeds.DEFAULT_SEED,
    cache_dir: str | Path | None = None,
    draws: int | None = None,
    tune: int | None = None,
    target_accept: float = 0.95,
    progressbar: bool = False,
) -> AEResult:
    """Build, sample (``bayes_iris.inference.fit``) and summarise an AE model.

    Parameters
    ----------
    trial : TrialData or DataFrame
        A validated trial (its ``adverse_events`` table) or an :func:`ae_incidence` table.
    kind : {"bb", "1a", "poisson"}
    priors : AEPriors or str
        A preset name (:data:`PRESETS`) or explicit hyperparameters.
    fast : bool
        Shorter chains (4 × 1000 after 1000 tuning; default 4 × 2000 after 2000).
    strict : bool
        Raise :class:`~bayes_iris.errors.ConvergenceError` when diagnostics fail.
    seed : int
        Run seed; sampler and point-mass streams derive from it.

    Returns
    -------
    AEResult

    References
    ----------
    .. [1] Berry & Berry, Biometrics 2004;60:418–426. .. [2] Xia, Ma & Carlin, J Biopharm Stat
       2011;21:1006–1029.

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> res = fit_adverse_events(load_bundled(), fast=True, seed=1)  # doctest: +SKIP
    >>> res.ae_table[["term", "p_theta_gt_0", "p_point_mass"]].head()  # doctest: +SKIP
    """
    from ..inference import SamplerConfig, diagnostics_table, fit, hash_inputs

    if isinstance(priors, str):
        priors = ae_priors(priors)
    label = ""
    if isinstance(trial, TrialData):
        inc = ae_incidence(trial)
        label = trial.provenance_label
    else:
        inc = trial
    model = AEModel(inc, kind, priors)
    budget = {"draws": 1000, "tune": 1000} if fast else {"draws": 2000, "tune": 2000}
    if draws is not None:
        budget["draws"] = draws
    if tune is not None:
        budget["tune"] = tune
    config = SamplerConfig(seed=seeds.int_seed(seed, "ae.sampler"), chains=4, cores=2,
                           target_accept=target_accept, progressbar=progressbar,
                           log_likelihood=False, **budget)
    name = f"adverse_events_{kind}"
    key = hash_inputs(inc, priors.model_dump(), kind, "adverse_events v1")
    res = fit(model.build(), config, name=name, cache_dir=cache_dir, cache_key=key,
              provenance=label or None, strict=strict)
    ae_table, soc_table, dr = summarise_ae(model, res.idata, seed=seed)
    return AEResult(model=model, ae_table=ae_table, soc_table=soc_table, draws=dr, fit=res,
                    diagnostics_row=diagnostics_table([(name, res.diagnostics)]),
                    provenance_label=label)
