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

Priors are data (:mod:`bayes_iris.safety.priors`): named hyperparameter sets (``"c212"``: the
defaults of the R package c212; ``"c212_fixed_pi"``: its two-level defaults with fixed
``alpha.pi = beta.pi = 1.1``), overrides merged on top. Variances are parameterised as in c212:
``tau2`` are variances and the inverse gammas ``IG(alpha, beta)`` have shape ``alpha`` and scale
``beta``. Summaries of a fit are in :mod:`bayes_iris.safety.effects`.

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
from typing import Literal

import numpy as np
import pandas as pd

from ..data.trial import TrialData
from ..errors import InputError
from ..fingerprints import hash_inputs
from .priors import AEPriors, ae_priors

__all__ = ["INCIDENCE_COLUMNS", "MODEL_KINDS", "AEModel", "ae_incidence"]

MODEL_KINDS = ("bb", "1a", "poisson")
Kind = Literal["bb", "1a", "poisson"]
MODEL_VERSION = "1"  # bump whenever the model graph changes (invalidates cached fits)


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
    >>> spec = AEModel(inc, "bb")
    >>> spec.name, sorted(spec.build().coords)
    ('adverse_events_bb', ['ae', 'soc'])
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

    # -- identity (the model protocol of bayes_iris.inference.fit) -----------------------------
    @property
    def name(self) -> str:
        return f"adverse_events_{self.kind}"

    def cache_key(self) -> str:
        """Hash of the incidence table, the hyperparameters and the model kind."""
        return hash_inputs(self.incidence, self.priors.model_dump(), self.kind,
                           f"adverse_events v{MODEL_VERSION}")

    def structure_key(self) -> str | None:
        """``None``: the data are constants of the graph, so no compiled model is shared."""
        return None

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
