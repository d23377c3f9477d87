"""The meta-analytic-predictive (MAP) model: a random-effects meta-analysis of historical
studies, specified for PyMC (no sampling here).

For study ``j``, on the link scale ``θⱼ = μ + τ ηⱼ``, ``ηⱼ ~ N(0, 1)`` (non-centred), with

* binomial: ``rⱼ ~ Bin(nⱼ, logit⁻¹ θⱼ)``;
* normal with known SE: ``yⱼ ~ N(θⱼ, seⱼ²)``;
* Poisson: ``yⱼ ~ Poisson(Eⱼ exp θⱼ)``;

priors ``μ ~ N(m, s²)`` and ``τ`` from a heterogeneity prior the user chooses
(:class:`TauPrior`: half-normal, half-Cauchy, half-t or log-normal with a scale). The MAP prior
is the predictive distribution of a new study's parameter, ``θ* = μ + τ η*``, drawn after
sampling (:mod:`bayes_iris.map_prior.analysis`). Defaults follow RBesT's ``gMAP`` example for
binary data: ``μ ~ N(0, 2²)``, ``τ ~ HalfNormal(1)``.

References
----------
Neuenschwander B, Capkun-Niggli G, Branson M, Spiegelhalter DJ (2010). Summarizing historical
information on controls in clinical trials. Clinical Trials 7:5-18.

Spiegelhalter DJ, Abrams KR, Myles JP (2004). Bayesian Approaches to Clinical Trials and
Health-Care Evaluation. Wiley. (§5.7.3, priors for between-study heterogeneity.)

Röver C, Bender R, Dias S, Schmid CH, Schmidli H, Sturtz S, Weber S, Friede T (2021). On
weakly informative prior distributions for the heterogeneity parameter in Bayesian random-effects
meta-analysis. Research Synthesis Methods 12:448-474.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..fingerprints import hash_inputs
from .historical import HistoricalData


class TauPrior(BaseModel):
    """Prior on the between-study SD ``τ`` (link scale).

    Examples
    --------
    >>> TauPrior(dist="half_normal", scale=0.5).label()
    'HalfNormal(0.5)'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Literal["half_normal", "half_cauchy", "half_t", "lognormal"] = "half_normal"
    scale: float = Field(default=1.0, gt=0)
    nu: float = Field(default=3.0, gt=0, description="degrees of freedom of the half-t")
    mu: float = Field(default=0.0, description="log-normal: mean of log τ")

    def label(self) -> str:
        return {"half_normal": f"HalfNormal({self.scale:g})",
                "half_cauchy": f"HalfCauchy({self.scale:g})",
                "half_t": f"HalfStudentT({self.nu:g}, {self.scale:g})",
                "lognormal": f"LogNormal({self.mu:g}, {self.scale:g})"}[self.dist]


class MAPModel:
    """Specification of the MAP meta-analysis for ``data``.

    Exposes ``name``, ``build() -> pm.Model``, ``cache_key()`` and ``structure_key()``.

    Examples
    --------
    >>> from bayes_iris.map_prior.historical import ankylosing_spondylitis
    >>> m = MAPModel(ankylosing_spondylitis())
    >>> m.name, m.link
    ('map_ankylosing_spondylitis_hn1', 'logit')
    >>> sorted(v.name for v in m.build().free_RVs)
    ['eta', 'mu', 'tau']
    """

    def __init__(self, data: HistoricalData, *, tau_prior: TauPrior | None = None,
                 mean_prior: tuple[float, float] = (0.0, 2.0)) -> None:
        self.data = data
        self.tau_prior = tau_prior or TauPrior()
        m, s = (float(v) for v in mean_prior)
        if not (np.isfinite(m) and np.isfinite(s) and s > 0):
            from ..errors import InputError

            raise InputError(f"mean_prior must be (mean, sd > 0), got {mean_prior}",
                             column="mean_prior")
        self.mean_prior = (m, s)

    @property
    def link(self) -> str:
        return {"binomial": "logit", "normal": "identity", "poisson": "log"}[
            self.data.likelihood]

    @property
    def name(self) -> str:
        tag = {"half_normal": "hn", "half_cauchy": "hc", "half_t": "ht", "lognormal": "ln"}[
            self.tau_prior.dist]
        scale = f"{self.tau_prior.scale:g}".replace(".", "p")
        safe = re.sub(r"[^a-z0-9_]+", "_", self.data.name.lower())
        return f"map_{safe}_{tag}{scale}"

    def cache_key(self) -> str:
        """Hash of the data, the priors and the model code version."""
        cols = [c for c in ("study", "r", "n", "y", "se", "exposure") if c in self.data.table]
        return hash_inputs("map_model_v1", self.data.likelihood, self.data.table[cols],
                           self.tau_prior, list(self.mean_prior))

    def structure_key(self) -> str:
        """Hash of what the compiled model depends on (likelihood, number of studies, τ
        family); data and prior values travel as shared data."""
        return hash_inputs("map_structure_v1", self.data.likelihood, self.data.n_studies,
                           self.tau_prior.dist)

    def build(self):
        """The PyMC model (data and prior hyperparameters as ``pm.Data``)."""
        import pymc as pm

        t = self.data.table
        coords = {"study": [str(s) for s in t["study"]]}
        with pm.Model(coords=coords) as model:
            hyper = pm.Data("hyper", np.array([*self.mean_prior, self.tau_prior.scale,
                                               self.tau_prior.nu, self.tau_prior.mu]))
            mu = pm.Normal("mu", hyper[0], hyper[1])
            if self.tau_prior.dist == "half_normal":
                tau = pm.HalfNormal("tau", sigma=hyper[2])
            elif self.tau_prior.dist == "half_cauchy":
                tau = pm.HalfCauchy("tau", beta=hyper[2])
            elif self.tau_prior.dist == "half_t":
                tau = pm.HalfStudentT("tau", nu=hyper[3], sigma=hyper[2])
            else:
                tau = pm.LogNormal("tau", mu=hyper[4], sigma=hyper[2])
            eta = pm.Normal("eta", 0.0, 1.0, dims="study")
            theta = pm.Deterministic("theta", mu + tau * eta, dims="study")
            # observed values are shared data too: models of one structure_key compile once
            if self.data.likelihood == "binomial":
                n = pm.Data("n", t["n"].to_numpy(int), dims="study")
                obs = pm.Data("obs", t["r"].to_numpy(int), dims="study")
                pm.Binomial("y", n=n, logit_p=theta, observed=obs, dims="study")
            elif self.data.likelihood == "normal":
                se = pm.Data("se", t["se"].to_numpy(float), dims="study")
                obs = pm.Data("obs", t["y"].to_numpy(float), dims="study")
                pm.Normal("y", mu=theta, sigma=se, observed=obs, dims="study")
            else:
                expo = pm.Data("exposure", t["exposure"].to_numpy(float), dims="study")
                obs = pm.Data("obs", t["y"].to_numpy(int), dims="study")
                pm.Poisson("y", mu=expo * pm.math.exp(theta), observed=obs, dims="study")
        return model

    def inverse_link(self, x):
        """Link scale → natural scale (expit, identity, exp)."""
        from scipy import special

        x = np.asarray(x, float)
        if self.link == "logit":
            return special.expit(x)
        if self.link == "log":
            return np.exp(x)
        return x
