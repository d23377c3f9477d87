r"""A generic Bayesian linear mixed model ``y ~ x + (x | group)`` (the lme4 sleepstudy oracle).

Not a model of the trial: it checks, against lme4's published fit of the ``sleepstudy`` data, that
the building blocks of the trajectory models — non-centred correlated group effects with an LKJ
prior (:func:`correlated_effects`) — recover known answers (``tests/trajectory``).

References
----------
Lewandowski D, Kurowicka D, Joe H. Generating random correlation matrices based on vines and
extended onion method. J Multivar Anal 2009;100:1989-2001 (LKJ prior).
Papaspiliopoulos O, Roberts GO, Sköld M. A general framework for the parametrization of
hierarchical models. Stat Sci 2007;22:59-73 (non-centred parametrisation).
Bates D, Mächler M, Bolker B, Walker S. Fitting linear mixed-effects models using lme4.
J Stat Softw 2015;67(1) (the ``sleepstudy`` example).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

__all__ = ["correlated_effects", "random_slope_model"]


def correlated_effects(
    name: str,
    *,
    group_dim: str,
    effect_dim: str,
    sd_sigma,
    eta,
) -> tuple[pt.TensorVariable, pt.TensorVariable]:
    """Non-centred correlated group effects: ``E = Z Lᵀ``, ``Z ~ N(0, 1)``, ``L L' = diag(s) R diag(s)``.

    Creates ``<name>`` (packed LKJ Cholesky factor; ``<name>_stds`` and ``<name>_corr`` are stored),
    and ``z_<name>`` (dims ``(group_dim, effect_dim)``). Must be called inside a model whose coords
    define both dims.

    Returns
    -------
    effects, chol : (n_groups, n_effects) tensor and the lower Cholesky factor.
    """
    model = pm.modelcontext(None)
    k = len(model.coords[effect_dim])
    chol, _corr, _stds = pm.LKJCholeskyCov(
        name, n=k, eta=eta, sd_dist=pm.HalfNormal.dist(sigma=sd_sigma, shape=k),
        compute_corr=True,
    )
    z = pm.Normal(f"z_{name}", 0.0, 1.0, dims=(group_dim, effect_dim))
    return z @ chol.T, chol


def random_slope_model(
    frame: pd.DataFrame,
    *,
    y: str,
    x: str,
    group: str,
    intercept_prior: tuple[float, float],
    slope_prior: tuple[float, float],
    sd_prior: tuple[float, float],
    sigma_prior: float,
    eta: float = 2.0,
) -> pm.Model:
    r"""Bayesian linear mixed model ``y ~ 1 + x + (1 + x | group)`` with normal residuals.

    .. math::

        y_{ij} = \beta_0 + \beta_1 x_{ij} + a_i + b_i x_{ij} + \varepsilon_{ij},\quad
        (a_i, b_i)' \sim \mathrm{MVN}(0, \operatorname{diag}(s) R \operatorname{diag}(s)),\quad
        R \sim \mathrm{LKJ}(\eta),\quad \varepsilon_{ij} \sim N(0, \sigma^2)

    Priors: ``beta0 ~ N(*intercept_prior)``, ``beta1 ~ N(*slope_prior)``,
    ``s ~ HalfNormal(sd_prior)`` (intercept, slope), ``sigma ~ HalfNormal(sigma_prior)``.
    Variables: ``intercept``, ``slope``, ``re`` (stds/corr as ``re_stds``, ``re_corr``), ``sigma``.

    References
    ----------
    Bates D, Mächler M, Bolker B, Walker S. Fitting linear mixed-effects models using lme4.
    J Stat Softw 2015;67(1) (the ``sleepstudy`` example).

    Examples
    --------
    >>> df = pd.DataFrame({"g": list("aabb"), "x": [0, 1, 0, 1], "y": [1.0, 2.0, 1.5, 2.4]})
    >>> m = random_slope_model(df, y="y", x="x", group="g", intercept_prior=(0, 10),
    ...                        slope_prior=(0, 10), sd_prior=(1, 1), sigma_prior=1)
    >>> sorted(m.coords)
    ['effect', 'group', 'obs']
    """
    codes, levels = pd.factorize(frame[group], sort=True)
    coords = {"group": [str(v) for v in levels], "effect": ["intercept", "slope"],
              "obs": np.arange(len(frame))}
    xv = frame[x].to_numpy(dtype=float)
    with pm.Model(coords=coords) as model:
        gi = pm.Data("group_idx", codes, dims="obs")
        xd = pm.Data("x", xv, dims="obs")
        b0 = pm.Normal("intercept", *intercept_prior)
        b1 = pm.Normal("slope", *slope_prior)
        eff, _ = correlated_effects("re", group_dim="group", effect_dim="effect",
                                    sd_sigma=np.asarray(sd_prior, dtype=float), eta=eta)
        sigma = pm.HalfNormal("sigma", sigma_prior)
        mu = b0 + eff[gi, 0] + (b1 + eff[gi, 1]) * xd
        pm.Normal("y", mu, sigma, observed=frame[y].to_numpy(dtype=float), dims="obs")
    return model
