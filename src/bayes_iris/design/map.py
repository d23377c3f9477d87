"""Meta-analytic-predictive (MAP) priors, the pure parts: from predictive draws to a robust
mixture prior with its effective sample size, and the prior-data conflict check.

The random-effects meta-analysis that produces the draws is fitted elsewhere (PyMC, in
:mod:`bayes_iris.map_prior`); here:

* :func:`map_mixture` — a beta (binomial), normal (known SE) or gamma (Poisson) mixture fitted to
  the MAP draws by EM, components chosen by AIC/BIC (:mod:`.mixture_fit`), with a check of the
  fit's mean and SD against the draws';
* :func:`robust` — the robust MAP prior ``(1 − w) MAP + w · vague`` (Schmidli et al. 2014), the
  vague component carrying ``n = 1`` observation's worth of information (RBesT's conventions):
  ``Beta(1, 1)`` at mean ½, ``N(m, σ²)``, ``Gamma(m, 1)``;
* :func:`ess` — ELIR (Neuenschwander et al. 2020) or moment ESS for any of the three;
* :func:`conflict_pvalue` — Box's (1980) prior-predictive p-value ``P(m(Y) ≤ m(y_obs))`` with
  ``m`` the prior predictive density of the new trial's data, and a tail-area version; small
  values flag prior-data conflict (Weber et al. 2021 use the same predictive check).

References
----------
Neuenschwander B, Capkun-Niggli G, Branson M, Spiegelhalter DJ (2010). Summarizing historical
information on controls in clinical trials. Clinical Trials 7:5-18.

Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B (2014).
Robust meta-analytic-predictive priors in clinical trials with historical control information.
Biometrics 70:1023-1032.

Neuenschwander B, Weber S, Schmidli H, O'Hagan A (2020). Predictively consistent prior
effective sample sizes. Biometrics 76:578-587.

Morita S, Thall PF, Müller P (2008). Determining the effective sample size of a parametric
prior. Biometrics 64:595-602.

Box GEP (1980). Sampling and Bayes' inference in scientific modelling and robustness. Journal of
the Royal Statistical Society A 143:383-430.

Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H (2021). Applying meta-analytic-predictive
priors with the R Bayesian evidence synthesis tools. Journal of Statistical Software
100(19):1-32.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from .distributions import BetaMix, NormMix
from .gamma_mix import GammaMix
from .mixture_fit import Family, automixfit

Mixture = BetaMix | NormMix | GammaMix
FAMILY_OF_LIKELIHOOD = {"binomial": "beta", "normal": "normal", "poisson": "gamma"}


@dataclass(frozen=True)
class MAPMixture:
    """A mixture approximation of MAP draws, its fit table and moment checks."""

    mixture: Mixture
    fits: pd.DataFrame
    draws_mean: float
    draws_sd: float

    def moments(self) -> pd.DataFrame:
        """Mean and SD of the draws and of the mixture, side by side."""
        return pd.DataFrame({"quantity": ["mean", "sd"],
                             "draws": [self.draws_mean, self.draws_sd],
                             "mixture": [self.mixture.mean, self.mixture.sd]})


def map_mixture(draws, likelihood: Literal["binomial", "normal", "poisson"], *,
                criterion: Literal["aic", "bic"] = "aic", penalty: float = 6.0,
                components=(1, 2, 3, 4), sigma: float | None = None) -> MAPMixture:
    """Fit the parametric mixture to MAP predictive draws (``sigma``: the reference sampling SD
    of a normal endpoint, kept on the mixture for its ESS).

    Examples
    --------
    >>> from bayes_iris.seeds import rng
    >>> x = BetaMix.single(30, 70).sample(rng(2, "doc.map"), 8000)
    >>> fit = map_mixture(x, "binomial")
    >>> round(fit.mixture.mean, 2), fit.mixture.n_components
    (0.3, 1)
    """
    family: Family = FAMILY_OF_LIKELIHOOD.get(likelihood)
    if family is None:
        raise InputError(f"unknown likelihood {likelihood!r}", column="likelihood",
                         hint="'binomial', 'normal' or 'poisson'")
    x = np.asarray(draws, float).ravel()
    mix, table = automixfit(x, family, components=components, criterion=criterion,
                            penalty=penalty)
    if isinstance(mix, NormMix) and sigma is not None:
        mix = NormMix(mix.w, mix.m, mix.s, sigma=sigma)
    return MAPMixture(mix, table, float(x.mean()), float(x.std(ddof=1)))


def robust(mixture: Mixture, weight: float, *, mean: float | None = None, n: float = 1.0
           ) -> Mixture:
    """The robust MAP prior: ``weight`` on a vague component carrying ``n`` observations' worth
    of information at ``mean`` (RBesT's ``robustify`` conventions).

    Beta: ``Beta(m(n+1), (1−m)(n+1))`` with default ``mean`` ½, i.e. the uniform ``Beta(1, 1)``
    for ``n = 1``; normal: ``N(m, σ²/n)`` with the mixture's reference SD ``σ``; gamma:
    ``Gamma(m n, n)``; default ``mean`` for these two: the mixture's mean.

    Examples
    --------
    >>> r = robust(BetaMix.single(30, 70), 0.2)
    >>> r.w.tolist(), r.a.tolist(), r.b.tolist()
    ([0.8, 0.2], [30.0, 1.0], [70.0, 1.0])
    """
    if not 0 <= weight < 1:
        raise InputError(f"robust weight must be in [0, 1), got {weight}", column="weight")
    if not n > 0:
        raise InputError(f"n must be > 0, got {n}", column="n")
    if isinstance(mixture, BetaMix):
        m = 0.5 if mean is None else float(mean)
        if not 0 < m < 1:
            raise InputError(f"the robust mean must be in (0, 1), got {m}", column="mean")
        return mixture.robustify(weight, m * (n + 1), (1 - m) * (n + 1))
    m = mixture.mean if mean is None else float(mean)
    if isinstance(mixture, NormMix):
        if mixture.sigma is None:
            raise InputError("robustifying a normal MAP needs its sigma (sampling SD)",
                             column="sigma")
        return mixture.robustify(weight, mean=m, sd=mixture.sigma / np.sqrt(n))
    return mixture.robustify(weight, mean=m, n=n)


def ess(mixture: Mixture, method: Literal["elir", "moment"] = "elir") -> float:
    """Effective sample size (patients, or units of exposure for a gamma mixture).

    The ELIR ESS of a beta mixture needs every shape parameter ≥ 1: below 1 the defining
    integral diverges (Neuenschwander et al. 2020; RBesT refuses likewise).

    Examples
    --------
    >>> round(ess(BetaMix.single(3, 7)), 6)
    10.0
    """
    if method == "elir" and isinstance(mixture, BetaMix) and (
            np.any(mixture.a < 1) or np.any(mixture.b < 1)):
        raise InputError("the ELIR ESS of a beta mixture with a shape parameter below 1 is "
                         "undefined (its integral diverges)", column="method",
                         hint="use method='moment', or a vague component with a, b >= 1")
    return float(mixture.ess(method))


def conflict_pvalue(prior: Mixture, data: tuple, *, kind: Literal["box", "tail"] = "box"
                    ) -> float:
    """Prior-data conflict p-value for new data under the prior predictive.

    ``data``: ``(events, n)`` for a beta mixture, ``(mean, se)`` for a normal mixture,
    ``(events, exposure)`` for a gamma mixture. ``"box"``: ``P(m(Y) ≤ m(y_obs))``;
    ``"tail"``: ``2 · min(P(Y ≤ y_obs), P(Y ≥ y_obs))`` (capped at 1).

    Examples
    --------
    >>> conflict_pvalue(BetaMix.single(30, 70), (30, 100)) > 0.5
    True
    >>> conflict_pvalue(BetaMix.single(30, 70), (70, 100)) < 1e-6
    True
    """
    if kind not in ("box", "tail"):
        raise InputError(f"unknown kind {kind!r}", column="kind", hint="'box' or 'tail'")
    if isinstance(prior, BetaMix | GammaMix):
        y_obs = int(data[0])
        if isinstance(prior, BetaMix):
            n = int(data[1])
            if not 0 <= y_obs <= n:
                raise InputError(f"need 0 <= events <= n, got {data}", column="data")
            pmf = prior.predictive(n)
        else:
            if y_obs < 0 or not float(data[1]) > 0:
                raise InputError(f"need events >= 0 and exposure > 0, got {data}",
                                 column="data")
            pmf = prior.predictive(float(data[1]), y_max=None)
            if y_obs >= pmf.size:
                pmf = prior.predictive(float(data[1]), y_max=y_obs + 10)
        if kind == "box":
            return float(min(1.0, pmf[pmf <= pmf[y_obs] * (1 + 1e-12)].sum()))
        lower, upper = pmf[: y_obs + 1].sum(), pmf[y_obs:].sum()
        return float(min(1.0, 2 * min(lower, upper)))
    if isinstance(prior, NormMix):
        mean, se = float(data[0]), float(data[1])
        if not se > 0:
            raise InputError(f"se must be > 0, got {se}", column="data")
        pred = prior.predictive(se)
        if kind == "tail":
            f = float(pred.cdf(mean))
            return float(min(1.0, 2 * min(f, 1 - f)))
        # the set {y: m(y) <= m(y_obs)}: bracket the crossings of the density on a grid, refine
        # them by Brent's method, and add up the mixture cdf over the intervals
        from scipy import optimize

        d_obs = float(pred.pdf(mean))
        lo = min(float(np.min(pred.m - 40 * pred.s)), mean - 1.0)
        hi = max(float(np.max(pred.m + 40 * pred.s)), mean + 1.0)
        grid = np.linspace(lo, hi, 40_001)
        g = pred.pdf(grid) - d_obs
        idx = np.nonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)[0]
        roots = [optimize.brentq(lambda v: float(pred.pdf(v)) - d_obs, grid[i], grid[i + 1],
                                 xtol=1e-14) for i in idx]
        edges = np.array([-np.inf, *roots, np.inf])
        mass = 0.0
        for a, b in itertools.pairwise(edges):
            mid = (max(a, lo) + min(b, hi)) / 2
            if float(pred.pdf(mid)) <= d_obs:
                mass += float(pred.cdf(b)) - float(pred.cdf(a))
        return float(min(1.0, mass))
    raise InputError(f"no conflict check for {type(prior).__name__}", column="prior")
