"""Priors of the adverse-event hierarchy: the c212 defaults, named sets, and what they imply.

Merge order (later wins, :mod:`bayes_iris.priors`): :data:`DEFAULTS` ← named set
(:data:`PRIOR_SETS`) ← user overrides; an unknown hyperparameter raises
:class:`~bayes_iris.errors.InputError` naming the known ones, and the merged values are checked by
:class:`AEPriors` (scales and shapes > 0).

Named sets, both from the c212 R package documentation:

* ``c212`` — ``c212.hyper.params(model = "BB", hier = 3)``: the :class:`AEPriors` defaults;
* ``c212_fixed_pi`` — its two-level (``hier = 2``) prior with fixed ``alpha.pi = beta.pi = 1.1``.

References
----------
Carragher R. c212: Methods for detecting safety signals in clinical trials using body-systems
(system organ classes). R package, CRAN (``c212.BB``, ``c212.hyper.params``).
Berry SM, Berry DA. Accounting for multiplicities in assessing drug safety: a three-level
hierarchical mixture model. Biometrics 2004;60:418–426.

Examples
--------
>>> ae_priors("c212_fixed_pi", beta_theta=2.0).beta_theta
2.0
>>> round(statement(ae_priors("c212_fixed_pi"))["p_point_mass"], 3)
0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError, Problem
from ..priors import resolve

__all__ = ["DEFAULTS", "PRIOR_SETS", "AEPriors", "ae_priors", "statement"]


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


#: Every hyperparameter with its default (the c212 three-level defaults).
DEFAULTS: dict[str, Any] = AEPriors().model_dump()

#: Named sets, partial dicts of :data:`DEFAULTS`.
PRIOR_SETS: dict[str, dict[str, Any]] = {
    "c212": {},  # c212.hyper.params(model = "BB", hier = 3): the AEPriors defaults
    "c212_fixed_pi": {"alpha_pi": 1.1, "beta_pi": 1.1},  # c212 two-level (hier = 2) pi prior
}


def ae_priors(preset: str | dict[str, Any] | None = "c212", **overrides: Any) -> AEPriors:
    """A named set's hyperparameters with ``overrides`` merged on top (override wins).

    Examples
    --------
    >>> ae_priors("c212").tau2_gamma_0_0
    10.0
    >>> ae_priors("c212", tau_theta=1.0)
    Traceback (most recent call last):
    ...
    bayes_iris.errors.InputError: column 'priors': unknown AE prior 'tau_theta' -> known: ...
    """
    merged = resolve(DEFAULTS, PRIOR_SETS, preset, overrides, default_set="c212",
                     what="AE prior")
    try:
        return AEPriors(**merged)
    except ValidationError as err:
        raise InputError([Problem(f"AE priors: {e['msg']}", column=".".join(map(str, e["loc"])))
                          for e in err.errors()]) from None


def statement(priors: AEPriors) -> dict[str, float]:
    """Prior statements implied by the hyperparameters.

    ``p_point_mass``: prior probability that an AE's treatment effect is exactly 0, ``E[π_b]``
    (``α_π/(α_π+β_π)`` when fixed; with ``α_π − 1 ~ Exp(λ_α)``, ``β_π − 1 ~ Exp(λ_β)`` by 40-point
    Gauss–Laguerre quadrature in each dimension); ``mu_theta_0_0`` and ``sd_mu_theta_0`` (=
    ``sqrt(tau2_theta_0_0)``): the prior centre and spread of the overall log odds ratio.
    """
    if priors.alpha_pi is not None and priors.beta_pi is not None:
        p_pm = priors.alpha_pi / (priors.alpha_pi + priors.beta_pi)
    else:
        y, w = np.polynomial.laguerre.laggauss(40)
        a = 1.0 + y[:, None] / priors.lambda_alpha
        b = 1.0 + y[None, :] / priors.lambda_beta
        p_pm = float(np.sum(w[:, None] * w[None, :] * a / (a + b)))
    return {"p_point_mass": float(p_pm), "mu_theta_0_0": float(priors.mu_theta_0_0),
            "sd_mu_theta_0": float(np.sqrt(priors.tau2_theta_0_0))}
