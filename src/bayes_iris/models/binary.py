"""Exact two-arm comparisons of binary outcomes under conjugate beta (mixture) priors.

No MCMC: each arm's posterior is a beta mixture, and every two-arm quantity — P(θt − θc > δ), the
distribution of the risk difference, risk ratio and odds ratio — is a one-dimensional integral

.. math:: P\\{\\theta_t > h(\\theta_c)\\} = \\int_0^1 f_c(x)\\, S_t\\{h(x)\\}\\, dx

over the control posterior density ``f_c`` and the treated posterior survival function ``S_t``, with
``h`` increasing (``x + δ`` for the risk difference, ``r x`` for the risk ratio,
``r x / (1 − x + r x)`` for the odds ratio). The integral is evaluated by adaptive Gauss–Kronrod
quadrature with algebraic end-point weights (QUADPACK QAWS) where a beta density is singular, so it is
exact to quadrature tolerance (~1e-10); quantiles are found by root-finding on that CDF.

References
----------
.. [1] Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B.
   Robust meta-analytic-predictive priors in clinical trials with historical control information.
   Biometrics 2014;70:1023–1032 (beta-mixture priors and their conjugate update).
.. [2] Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H. Applying meta-analytic-predictive priors
   with the R Bayesian evidence synthesis tools. J Stat Softw 2021;100(19) (RBesT; two-sample
   decision ``decision2S``, the oracle used in the tests).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats

from ..errors import InputError

__all__ = [
    "BetaMixture",
    "TwoArmResult",
    "compare_two_arms",
    "prob_difference_greater",
    "prob_odds_ratio_greater",
    "prob_ratio_greater",
]

_EPSABS = 1e-12
_EPSREL = 1e-10


@dataclass(frozen=True)
class BetaMixture:
    """A finite mixture of beta distributions, ``sum_k w_k Beta(a_k, b_k)``.

    Conjugate for binomial data: :meth:`update` returns the exact posterior (component weights
    re-weighted by each component's beta-binomial marginal likelihood).

    Parameters
    ----------
    weights, a, b : sequence of float
        Component weights (normalised on construction) and shape parameters (all > 0).

    Examples
    --------
    >>> prior = BetaMixture.beta(1, 1)
    >>> post = prior.update(3, 15)
    >>> round(post.mean(), 4)
    0.2353
    """

    weights: tuple[float, ...]
    a: tuple[float, ...]
    b: tuple[float, ...]

    def __init__(self, weights: Sequence[float], a: Sequence[float], b: Sequence[float]) -> None:
        w = np.atleast_1d(np.asarray(weights, dtype=float))
        a_ = np.atleast_1d(np.asarray(a, dtype=float))
        b_ = np.atleast_1d(np.asarray(b, dtype=float))
        if not (w.shape == a_.shape == b_.shape) or w.size == 0:
            raise InputError("beta mixture: weights, a and b must have the same, non-zero length",
                             column="prior")
        if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
            raise InputError("beta mixture: weights must be non-negative and not all zero",
                             column="prior")
        if not (np.all(a_ > 0) and np.all(b_ > 0) and np.all(np.isfinite(a_ + b_))):
            raise InputError("beta mixture: shape parameters a and b must be positive and finite",
                             column="prior", hint="e.g. Beta(1, 1) for a uniform prior")
        object.__setattr__(self, "weights", tuple(float(x) for x in w / w.sum()))
        object.__setattr__(self, "a", tuple(float(x) for x in a_))
        object.__setattr__(self, "b", tuple(float(x) for x in b_))

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def beta(cls, a: float, b: float) -> BetaMixture:
        """A single Beta(a, b) component."""
        return cls([1.0], [a], [b])

    def robustify(self, weight: float, a: float = 1.0, b: float = 1.0) -> BetaMixture:
        """Add a vague component Beta(a, b) with ``weight`` and scale the others by 1 − weight.

        References
        ----------
        .. [1] Schmidli et al. (2014), Biometrics 70:1023–1032.
        """
        if not 0 <= weight < 1:
            raise InputError(f"robust weight must be in [0, 1), got {weight}", column="weight")
        w = [x * (1 - weight) for x in self.weights] + [weight]
        return BetaMixture(w, [*self.a, a], [*self.b, b])

    # -- conjugate update ----------------------------------------------------------------------
    def update(self, events: int, n: int) -> BetaMixture:
        """Exact posterior after ``events`` of ``n`` (binomial likelihood)."""
        events, n = _check_count(events, n)
        a = np.asarray(self.a)
        b = np.asarray(self.b)
        logw = (np.log(np.asarray(self.weights))
                + special.betaln(a + events, b + n - events) - special.betaln(a, b))
        logw -= logw.max()
        return BetaMixture(np.exp(logw), a + events, b + n - events)

    # -- summaries -----------------------------------------------------------------------------
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.asarray(self.weights), np.asarray(self.a), np.asarray(self.b)

    def mean(self) -> float:
        w, a, b = self._arrays()
        return float(np.sum(w * a / (a + b)))

    def var(self) -> float:
        w, a, b = self._arrays()
        m = a / (a + b)
        second = m * (a + 1) / (a + b + 1)
        return float(np.sum(w * second) - self.mean() ** 2)

    def sd(self) -> float:
        return float(np.sqrt(self.var()))

    def pdf(self, x: np.ndarray | float) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        w, a, b = self._arrays()
        return sum(wk * stats.beta.pdf(x, ak, bk) for wk, ak, bk in zip(w, a, b, strict=True))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        w, a, b = self._arrays()
        return sum(wk * stats.beta.cdf(x, ak, bk) for wk, ak, bk in zip(w, a, b, strict=True))

    def sf(self, x: np.ndarray | float) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        w, a, b = self._arrays()
        return sum(wk * stats.beta.sf(x, ak, bk) for wk, ak, bk in zip(w, a, b, strict=True))

    def ppf(self, q: float) -> float:
        """Quantile (exact for one component, root-finding on the mixture CDF otherwise)."""
        if len(self.weights) == 1:
            return float(stats.beta.ppf(q, self.a[0], self.b[0]))
        return float(optimize.brentq(lambda x: float(self.cdf(x)) - q, 0.0, 1.0, xtol=1e-13))

    def rvs(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Draws (for Monte Carlo checks); ``rng`` from :func:`bayes_iris.seeds.rng`."""
        w, a, b = self._arrays()
        k = rng.choice(len(w), size=size, p=w)
        return rng.beta(a[k], b[k])


def _check_count(events: int, n: int, what: str = "count") -> tuple[int, int]:
    try:
        e_i, n_i = int(events), int(n)
    except (TypeError, ValueError):
        raise InputError(f"{what}: events and n must be integers, got {events!r}/{n!r}",
                         column=what) from None
    if e_i != events or n_i != n:
        raise InputError(f"{what}: events and n must be integers, got {events!r}/{n!r}", column=what)
    if n_i < 1 or e_i < 0 or e_i > n_i:
        raise InputError(f"{what}: need 0 <= events <= n and n >= 1, got {e_i}/{n_i}", column=what,
                         hint="write counts as events/n, e.g. 3/15")
    return e_i, n_i


# --------------------------------------------------------------------------------------------
# the one integral everything reduces to
# --------------------------------------------------------------------------------------------
def _quad(func: Callable[[float], float], lo: float, hi: float, **kw) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("error", integrate.IntegrationWarning)
        try:
            val, _ = integrate.quad(func, lo, hi, epsabs=_EPSABS, epsrel=_EPSREL, limit=500, **kw)
        except integrate.IntegrationWarning:  # pragma: no cover - fall back, still accurate
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            val, _ = integrate.quad(func, lo, hi, epsabs=1e-10, epsrel=1e-8, limit=2000, **kw)
    return float(val)


def _beta_expect(a: float, b: float, g: Callable[[float], float], lo: float, hi: float) -> float:
    """``E[g(X); lo < X < hi]`` for ``X ~ Beta(a, b)``, by adaptive quadrature.

    Singular end points (a < 1 at 0, b < 1 at 1) are handled with QUADPACK's algebraic weights
    ``x^(a-1) (1-x)^(b-1)``; smooth densities are integrated over their effective support.
    """
    lo, hi = max(lo, 0.0), min(hi, 1.0)
    if hi <= lo:
        return 0.0
    logb = special.betaln(a, b)
    if a >= 1 and b >= 1:
        q_lo, q_hi = stats.beta.ppf([1e-15, 1 - 1e-15], a, b)
        lo2, hi2 = max(lo, float(q_lo)), min(hi, float(q_hi))
        if hi2 <= lo2:
            return 0.0
        m = a / (a + b)
        pts = [m] if lo2 < m < hi2 else None
        return _quad(lambda x: g(x) * stats.beta.pdf(x, a, b), lo2, hi2, points=pts)
    norm = np.exp(-logb)
    if lo == 0.0 and hi == 1.0:
        return norm * _quad(g, 0.0, 1.0, weight="alg", wvar=(a - 1, b - 1))
    if lo == 0.0:
        return norm * _quad(lambda x: g(x) * (1 - x) ** (b - 1), 0.0, hi, weight="alg",
                            wvar=(a - 1, 0.0))
    if hi == 1.0:
        return norm * _quad(lambda x: g(x) * x ** (a - 1), lo, 1.0, weight="alg", wvar=(0.0, b - 1))
    return _quad(lambda x: g(x) * stats.beta.pdf(x, a, b), lo, hi)


def _prob_t_exceeds(post_t: BetaMixture, post_c: BetaMixture, h: Callable[[float], float],
                    breakpoints: Sequence[float] = ()) -> float:
    """``P(θt > h(θc))`` for independent beta-mixture posteriors, ``h`` increasing."""
    total = 0.0
    cuts = sorted({0.0, 1.0, *(float(x) for x in breakpoints if 0.0 < x < 1.0)})
    for wc, ac, bc in zip(post_c.weights, post_c.a, post_c.b, strict=True):
        for wt, at, bt in zip(post_t.weights, post_t.a, post_t.b, strict=True):
            def g(x: float, at: float = at, bt: float = bt) -> float:
                y = h(x)
                if y <= 0.0:
                    return 1.0
                if y >= 1.0:
                    return 0.0
                return float(special.betaincc(at, bt, y))

            inner = sum(_beta_expect(ac, bc, g, lo, hi) for lo, hi in itertools.pairwise(cuts))
            total += wc * wt * inner
    return float(min(max(total, 0.0), 1.0))


def prob_difference_greater(post_t: BetaMixture, post_c: BetaMixture, delta: float = 0.0) -> float:
    """Exact ``P(θt − θc > delta)`` for independent beta-mixture posteriors.

    Examples
    --------
    >>> t = BetaMixture.beta(1, 1).update(3, 15)
    >>> c = BetaMixture.beta(1, 1).update(0, 6)
    >>> round(prob_difference_greater(t, c, 0.0), 4)
    0.7945
    """
    if not -1 <= delta <= 1:
        raise InputError(f"risk-difference margin must be in [-1, 1], got {delta}", column="margin")
    return _prob_t_exceeds(post_t, post_c, lambda x: x + delta, breakpoints=(-delta, 1 - delta))


def prob_ratio_greater(post_t: BetaMixture, post_c: BetaMixture, ratio: float) -> float:
    """Exact ``P(θt / θc > ratio)``, ``ratio > 0``."""
    if not ratio > 0:
        raise InputError(f"risk ratio must be positive, got {ratio}", column="ratio")
    return _prob_t_exceeds(post_t, post_c, lambda x: ratio * x, breakpoints=(1 / ratio,))


def prob_odds_ratio_greater(post_t: BetaMixture, post_c: BetaMixture, ratio: float) -> float:
    """Exact ``P(odds(θt) / odds(θc) > ratio)``, ``ratio > 0``."""
    if not ratio > 0:
        raise InputError(f"odds ratio must be positive, got {ratio}", column="ratio")
    return _prob_t_exceeds(post_t, post_c, lambda x: ratio * x / (1 - x + ratio * x))


def _quantile(sf: Callable[[float], float], q: float, lo: float, hi: float, log: bool) -> float:
    """Solve ``1 − sf(x) = q`` on ``(lo, hi)`` (log scale for ratios)."""
    if log:
        f = lambda u: (1 - sf(float(np.exp(u)))) - q  # noqa: E731
        u = optimize.brentq(f, np.log(lo), np.log(hi), xtol=1e-9)
        return float(np.exp(u))
    return float(optimize.brentq(lambda x: (1 - sf(x)) - q, lo, hi, xtol=1e-10))


@dataclass(frozen=True)
class TwoArmResult:
    """Exact posterior summaries of a two-arm binary comparison.

    ``table``: one row per quantity (``p_treated``, ``p_control``, ``risk_difference``,
    ``risk_ratio``, ``odds_ratio``) with ``mean`` (rates and risk difference only), ``median``,
    ``lower``, ``upper`` (equal-tailed, ``level``). ``probabilities``: one row per margin with
    ``p_excess`` = P(θt − θc > margin).
    """

    table: pd.DataFrame
    probabilities: pd.DataFrame
    post_treated: BetaMixture
    post_control: BetaMixture
    events_treated: int
    n_treated: int
    events_control: int
    n_control: int
    level: float


def compare_two_arms(
    events_treated: int,
    n_treated: int,
    events_control: int,
    n_control: int,
    *,
    prior_treated: BetaMixture | None = None,
    prior_control: BetaMixture | None = None,
    margins: Sequence[float] = (0.0, 0.05, 0.10, 0.20),
    level: float = 0.95,
) -> TwoArmResult:
    """Exact conjugate comparison of two binomial arms (no MCMC).

    Posterior of each arm's risk is a beta mixture; risk difference, risk ratio and odds ratio
    quantiles and ``P(θt − θc > margin)`` are computed by quadrature (see module docstring).

    Parameters
    ----------
    events_treated, n_treated, events_control, n_control : int
        Counts (``0 <= events <= n``).
    prior_treated, prior_control : BetaMixture, optional
        Default Beta(1, 1) (uniform) in each arm.
    margins : sequence of float
        Risk-difference margins for the excess-risk probabilities.
    level : float
        Credible level of the equal-tailed intervals.

    Returns
    -------
    TwoArmResult

    References
    ----------
    .. [1] Daix T et al. Intravenously administered interleukin-7 to reverse lymphopenia in
       patients with septic shock. Ann Intensive Care 2023;13:17 (the built-in 3/15 vs 0/6 case).

    Examples
    --------
    >>> res = compare_two_arms(3, 15, 0, 6)
    >>> res.table.set_index("quantity").loc["p_treated", "mean"].round(4)
    np.float64(0.2353)
    >>> round(float(res.probabilities.p_excess.iloc[0]), 3)
    0.794
    """
    et, nt = _check_count(events_treated, n_treated, "treated")
    ec, nc = _check_count(events_control, n_control, "control")
    if not 0 < level < 1:
        raise InputError(f"credible level must be in (0, 1), got {level}", column="level")
    post_t = (prior_treated or BetaMixture.beta(1, 1)).update(et, nt)
    post_c = (prior_control or BetaMixture.beta(1, 1)).update(ec, nc)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2

    rows = []
    for name, post in (("p_treated", post_t), ("p_control", post_c)):
        rows.append(dict(quantity=name, mean=post.mean(), median=post.ppf(0.5),
                         lower=post.ppf(lo_q), upper=post.ppf(hi_q)))
    sf_rd = lambda d: prob_difference_greater(post_t, post_c, d)  # noqa: E731
    rows.append(dict(quantity="risk_difference", mean=post_t.mean() - post_c.mean(),
                     **{k: _quantile(sf_rd, q, -1 + 1e-12, 1 - 1e-12, log=False)
                        for k, q in (("median", 0.5), ("lower", lo_q), ("upper", hi_q))}))
    sf_rr = lambda r: prob_ratio_greater(post_t, post_c, r)  # noqa: E731
    sf_or = lambda r: prob_odds_ratio_greater(post_t, post_c, r)  # noqa: E731
    for name, sf in (("risk_ratio", sf_rr), ("odds_ratio", sf_or)):
        rows.append(dict(quantity=name, mean=np.nan,
                         **{k: _quantile(sf, q, 1e-8, 1e8, log=True)
                            for k, q in (("median", 0.5), ("lower", lo_q), ("upper", hi_q))}))
    table = pd.DataFrame(rows, columns=["quantity", "mean", "median", "lower", "upper"])
    probs = pd.DataFrame({
        "margin": [float(m) for m in margins],
        "p_excess": [prob_difference_greater(post_t, post_c, float(m)) for m in margins],
    })
    return TwoArmResult(table=table, probabilities=probs, post_treated=post_t,
                        post_control=post_c, events_treated=et, n_treated=nt,
                        events_control=ec, n_control=nc, level=level)
