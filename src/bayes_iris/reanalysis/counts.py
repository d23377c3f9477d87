"""Posterior of the log risk ratio or log odds ratio ψ from a 2×2 table, with the two arms
treated symmetrically.

Three routes, all closed form or quadrature (no MCMC):

* **beta rows** (:func:`beta_row`): the same ``Beta(a, a)`` prior on each arm's risk, exact
  (:mod:`.two_arm`). The minimally informative prior for counts is Jeffreys' ``Beta(½, ½)``
  (``a = ½``): invariant to reparametrisation, the reference prior of a binomial risk, and —
  with the same prior on both arms — symmetric: swapping the arms gives exactly the
  reciprocal ratio, and ``0/n`` vs ``0/n`` gives ``P(benefit) = ½`` and a median ratio of 1.
  Agresti & Min (2005) found intervals for the risk ratio and odds ratio from independent
  Jeffreys priors to have good frequentist coverage, including tables with zero cells. The
  uniform ``Beta(1, 1)`` is kept as a sensitivity row (``independent_beta``).
* **normal priors on ψ** (:func:`log_marginal_likelihood`): the neutral, optimistic, pessimistic
  and user priors of the grid are priors on ψ; the baseline risk is a nuisance parameter whose
  prior is written symmetrically in the arms — its conditional distribution given ψ under
  independent uniform priors on the two risks:

  - risk ratio: the larger risk ``M = max(θt, θc)``; under independent uniforms ``M ~ Beta(2, 1)``
    independently of ψ (and ``|ψ| ~ Exp(1)``), so ``M ~ Beta(2, 1)`` given ψ, with
    ``θ_larger = M``, ``θ_smaller = M e^{−|ψ|}``. Every ψ is possible (no truncation of the ψ
    prior where a risk would exceed 1);
  - odds ratio: the mid-logit ``η = (logit θt + logit θc)/2``, ``logit θt = η + ψ/2``,
    ``logit θc = η − ψ/2``, with ``p(η | ψ) ∝ f(η + ψ/2) f(η − ψ/2)`` (``f`` the standard
    logistic density: the uniform prior on a risk, on the logit scale).

  The integrated likelihood ``L(ψ) = ∫ p(x | ψ, ν) p(ν | ψ) dν`` is computed by adaptive
  quadrature in ν (log M, or η) on every ψ of a grid symmetric about 0: a coarse pass finds the
  region where the integrand is within e⁻⁴⁰ of its maximum (the integrand is log-concave in ν,
  so the peak lies next to the best coarse point), two refinement passes of 161 nodes each
  place Simpson's rule on it, whatever the sample size (tested to 10⁷ per arm). The ψ
  grid is fine near 0, coarser in the tails, with extra windows around ±ψ̂ and around ± the
  mean of every narrow prior. Swapping the arms maps the integrand at ψ onto the integrand at
  −ψ term by term, so the posterior is mirrored exactly (to rounding).

  With ψ given the prior it has under independent uniform priors (:func:`log_induced_prior`:
  Laplace(0, 1) for the log RR, the difference of two standard logistic variables for the log
  OR) the route reproduces the exact independent-uniform posterior — the test oracle.
* **normal approximation** (:meth:`Counts.normal_approximation`): ψ̂ and its standard error
  from the counts (0.5 added to every cell when a cell is zero), then the conjugate normal
  update of the estimate + CI route; a documented alternative (``method="normal"``).

References
----------
Jeffreys H (1946). An invariant form for the prior probability in estimation problems.
Proceedings of the Royal Society A 186:453-461.

Agresti A, Min Y (2005). Frequentist performance of Bayesian confidence intervals for comparing
proportions in 2 × 2 contingency tables. Biometrics 61:515-523.

Berger JO, Bernardo JM, Sun D (2009). The formal definition of reference priors. Annals of
Statistics 37:905-938.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from scipy.integrate import trapezoid

from .inputs import Counts

__all__ = ["JEFFREYS", "beta_prior_moments", "beta_row", "log_induced_prior",
           "log_marginal_likelihood", "normalised", "psi_grid"]

#: The ``a`` of the minimally informative ``Beta(a, a)`` prior on each arm's risk.
JEFFREYS = 0.5

_COARSE_STEP = 0.25   # ν spacing of the first pass
_FINE_NODES = 161     # nodes of each refinement pass
_CUT = 40.0           # the window keeps the integrand within e^-40 of its row maximum
_RR_NU_RANGE = (-60.0, 0.0)   # ν = log M: M down to e^-60


# -- the symmetric ψ grid -------------------------------------------------------------------------
def psi_grid(c: Counts, narrow: list[tuple[float, float]] = (), extent: float = 20.0
             ) -> np.ndarray:
    """The ψ grid, exactly symmetric about 0: spacing 0.005 on |ψ| ≤ 8, 0.01 to 20, 0.1 beyond
    (to ``extent``), plus 801-node windows ±12 SE around ±ψ̂ (normal approximation) when the
    SE is below 0.1, and 401-node windows ±12 SD around ± the mean of every ``narrow`` prior
    ``(mean, sd)`` with SD below 0.2.

    Examples
    --------
    >>> g = psi_grid(Counts.parse("10/50,15/50"))
    >>> bool(np.all(g == -g[::-1])), g.min(), g.max()
    (True, np.float64(-20.0), np.float64(20.0))
    """
    parts = [np.linspace(0.0, 8.0, 1601), np.linspace(8.0, 20.0, 1201)]
    if extent > 20.0:
        parts.append(np.linspace(20.0, extent, int(np.ceil((extent - 20.0) / 0.1)) + 1))
    approx = c.normal_approximation()
    if approx.se < 0.1:
        parts.append(approx.psi_hat + 12 * approx.se * np.linspace(-1, 1, 801))
    for mean, sd in narrow:
        if sd < 0.2:
            parts.append(mean + 12 * sd * np.linspace(-1, 1, 401))
    x = np.concatenate(parts)
    x = x[np.abs(x) <= max(extent, 20.0)]
    return np.unique(np.concatenate([x, -x]))


# -- the integrand ------------------------------------------------------------------------------
def _log1mexp(lp: np.ndarray) -> np.ndarray:
    """``log(1 − e^lp)`` for ``lp ≤ 0`` (−inf at 0), accurate at both ends."""
    with np.errstate(divide="ignore"):
        return np.where(lp > -0.6931471805599453, np.log(-np.expm1(lp)),
                        np.log1p(-np.exp(lp)))


def _log_expit(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


def _arm(x: int, n: int, log_p: np.ndarray, log_1mp: np.ndarray) -> np.ndarray:
    """Binomial log-likelihood of one arm (without the constant); no ``0·(−inf)``."""
    out = np.zeros(np.broadcast_shapes(log_p.shape, log_1mp.shape))
    if x > 0:
        out = out + x * log_p
    if n - x > 0:
        out = out + (n - x) * log_1mp
    return out


def _log_logistic_difference(d: np.ndarray) -> np.ndarray:
    """Log density of the difference of two independent standard logistic variables:
    ``g(d) = e^d ((d − 2) e^d + d + 2) / (e^d − 1)³``, evaluated as a function of ``|d|``
    (symmetric; the limit 1/6 at 0 from its series ``1/6 − d²/60 + …``)."""
    a = np.abs(np.asarray(d, float))
    small = a < 1e-2
    safe = np.where(small, 1.0, a)
    # with u = e^{-a}: g = u ((a − 2) + (a + 2) u) / (1 − u)³, no overflow for large a
    u = np.exp(-safe)
    big = np.log(u) + np.log((safe - 2) + (safe + 2) * u) - 3 * np.log1p(-u)
    series = np.log(1 / 6 - a**2 / 60 + a**4 / 1260)
    return np.where(small, series, big)


def _log_integrand(c: Counts, psi: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """``log p(x | ψ, ν) + log p(ν | ψ)`` (the nuisance prior of the module docstring);
    ``psi`` of shape ``(R, 1)``, ``nu`` of shape ``(R, m)`` or ``(1, m)``. The arms enter as
    ``arm_t + arm_c`` so that exchanging them is exact in floating point."""
    xt, nt, xc, nc = c.events_treated, c.n_treated, c.events_control, c.n_control
    if c.measure == "RR":
        lt = nu + np.minimum(psi, 0.0)   # log θt: the larger risk is e^ν
        lc = nu - np.maximum(psi, 0.0)   # log θc
        arms = _arm(xt, nt, lt, _log1mexp(lt)) + _arm(xc, nc, lc, _log1mexp(lc))
        return arms + (0.6931471805599453 + 2.0 * nu)   # M ~ Beta(2, 1) on ν = log M
    at, ac = nu + psi / 2, nu - psi / 2       # logits
    arms = _arm(xt, nt, _log_expit(at), _log_expit(-at)) + _arm(xc, nc, _log_expit(ac),
                                                                 _log_expit(-ac))
    prior = ((_log_expit(at) + _log_expit(-at)) + (_log_expit(ac) + _log_expit(-ac))
             - _log_logistic_difference(psi))
    return arms + prior


def _window(H: np.ndarray, NU: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the node interval where ``H`` is within ``_CUT`` of the row maximum, widened
    by one node on each side (the maximum of a log-concave row lies next to its best node)."""
    mx = H.max(axis=1, keepdims=True)
    keep = H > mx - _CUT
    m = H.shape[1]
    first = np.argmax(keep, axis=1)
    last = m - 1 - np.argmax(keep[:, ::-1], axis=1)
    rows = np.arange(H.shape[0])
    NU = np.broadcast_to(NU, H.shape)
    return NU[rows, np.maximum(first - 1, 0)], NU[rows, np.minimum(last + 1, m - 1)]


def log_marginal_likelihood(c: Counts, psi) -> np.ndarray:
    """``log L(ψ)`` (up to a constant): the likelihood of the table at each ψ with the
    nuisance risk integrated out under its conditional prior (module docstring).

    Examples
    --------
    >>> c = Counts.parse("0/50,0/50")
    >>> ll = log_marginal_likelihood(c, np.array([-2.0, 2.0]))
    >>> bool(ll[0] == ll[1])       # equal counts: symmetric in ψ
    True
    """
    psi = np.asarray(psi, float).ravel()
    # ν = log M ≤ 0 (RR); the mid-logit η (OR) lies within 20 of the data's logits ± |ψ|/2
    lo, hi = (_RR_NU_RANGE if c.measure == "RR"
              else (-(20.0 + np.abs(psi).max(initial=0.0) / 2), 20.0 + np.abs(psi).max(
                  initial=0.0) / 2))
    coarse = np.arange(lo, hi + 1e-12, _COARSE_STEP)[None, :]
    P = psi[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        H = _log_integrand(c, P, coarse)
        H = np.where(np.isnan(H), -np.inf, H)
        a, b = _window(H, coarse)
        t = np.linspace(0.0, 1.0, _FINE_NODES)[None, :]
        for stage in range(2):
            NU = a[:, None] + (b - a)[:, None] * t
            H = _log_integrand(c, P, NU)
            H = np.where(np.isnan(H), -np.inf, H)
            if stage == 0:
                a, b = _window(H, NU)
    mx = H.max(axis=1)
    step = (b - a) / (_FINE_NODES - 1)
    # Simpson's rule: a maximum at the edge of ν's range (an arm with only events) makes the
    # integrand a one-sided exponential, where the trapezoid rule is only O(h²)
    w = np.ones(_FINE_NODES)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    w /= 3.0
    total = (np.exp(H - mx[:, None]) * w[None, :]).sum(axis=1) * step
    with np.errstate(divide="ignore"):
        return mx + np.log(total)


def log_induced_prior(measure: str, psi) -> np.ndarray:
    """Log density of ψ under independent uniform priors on both risks: Laplace(0, 1) for the
    log RR (``|ψ| ~ Exp(1)``), the logistic-difference density for the log OR.

    Examples
    --------
    >>> float(np.exp(log_induced_prior("RR", 0.0))), round(float(np.exp(
    ...     log_induced_prior("OR", 0.0))), 6)
    (0.5, 0.166667)
    """
    psi = np.asarray(psi, float)
    if measure == "RR":
        return np.log(0.5) - np.abs(psi)
    return _log_logistic_difference(psi)


def beta_prior_moments(a: float, measure: str) -> tuple[float, float]:
    """Mean and SD of ψ when each arm's risk has an independent ``Beta(a, a)`` prior: mean 0;
    ``Var log θ = ψ₁(a) − ψ₁(2a)`` (RR), ``Var logit θ = 2 ψ₁(a)`` (OR), twice for two arms.

    Examples
    --------
    >>> [round(v, 4) for v in beta_prior_moments(0.5, "RR")]   # sqrt(2 pi^2 / 3)
    [0.0, 2.5651]
    """
    if measure == "RR":
        var = special.polygamma(1, a) - special.polygamma(1, 2 * a)
    else:
        var = 2 * special.polygamma(1, a)
    return 0.0, float(np.sqrt(2 * var))


def normalised(psi: np.ndarray, log_dens: np.ndarray) -> np.ndarray:
    """``exp(log_dens)`` normalised to integrate to 1 over ``psi`` (trapezoid)."""
    d = np.exp(log_dens - np.max(log_dens))
    return d / trapezoid(d, psi)


# -- the beta rows ------------------------------------------------------------------------------
def _ratio_sf(measure: str):
    from . import two_arm

    return two_arm.prob_ratio_greater if measure == "RR" else two_arm.prob_odds_ratio_greater


def _beta_log_moments(post_t, post_c, measure: str) -> tuple[float, float]:
    """Mean and SD of ψ for independent one-component beta posteriors (digamma formulas:
    ``E log θ = ψ(a) − ψ(a + b)``, ``E logit θ = ψ(a) − ψ(b)`` and their trigamma variances)."""
    at, bt, ac, bc = post_t.a[0], post_t.b[0], post_c.a[0], post_c.b[0]
    dg, tg = special.digamma, lambda x: special.polygamma(1, x)
    if measure == "RR":
        mean = dg(at) - dg(at + bt) - dg(ac) + dg(ac + bc)
        var = tg(at) - tg(at + bt) + tg(ac) - tg(ac + bc)
    else:
        mean = dg(at) - dg(bt) - dg(ac) + dg(bc)
        var = tg(at) + tg(bt) + tg(ac) + tg(bc)
    return float(mean), float(np.sqrt(var))


def _ratio_cdf_grid(post_t, post_c, measure: str, x: np.ndarray) -> np.ndarray:
    """``P(ψ ≤ x)`` on a grid of ``x`` for independent one-component beta laws, by a trapezoid
    sum over the control's logit ``u`` (smooth: ``expit(u)^a expit(−u)^b``) of the treated
    CDF at the boundary — fast and accurate to ~1e-6; used for figures and to bracket the exact
    root-finding, never for the table's probabilities."""
    ac, bc, at, bt = post_c.a[0], post_c.b[0], post_t.a[0], post_t.b[0]
    def log_h(v):
        return ac * _log_expit(v) + bc * _log_expit(-v) - special.betaln(ac, bc)

    coarse = np.linspace(-60.0, 60.0, 1201)
    lh = log_h(coarse)
    inside = coarse[lh > lh.max() - 50]
    u = np.linspace(inside[0] - 0.1, inside[-1] + 0.1, 1501)
    w = np.exp(log_h(u))
    X = np.asarray(x, float)[:, None]
    if measure == "RR":
        bound = np.minimum(np.exp(_log_expit(u)[None, :] + X), 1.0)
    else:
        bound = np.exp(_log_expit(u[None, :] + X))
    F = special.betainc(at, bt, bound)
    return np.clip(trapezoid(F * w[None, :], u, axis=1), 0.0, 1.0)


def _density_on(psi: np.ndarray, post_t, post_c, measure: str, lo: float, hi: float,
                k: int = 161) -> np.ndarray:
    """The density of ψ on ``psi`` (zero outside ``[lo, hi]``, normalised) from
    :func:`_ratio_cdf_grid` by central differences (for the figures and ``draws``)."""
    x = np.linspace(lo, hi, k)
    F = _ratio_cdf_grid(post_t, post_c, measure, x)
    mid = (x[1:] + x[:-1]) / 2
    dens = np.clip(np.diff(F) / np.diff(x), 0.0, None)
    out = np.interp(psi, mid, dens, left=0.0, right=0.0)
    z = trapezoid(out, psi)
    return out / z if z > 0 else out


def _exact_quantile(cdf, p: float, x: np.ndarray, F: np.ndarray) -> float:
    """Root of ``cdf(ψ) = p`` by Brent's method, bracketed from the grid CDF ``F`` on ``x``."""
    from scipy import optimize

    i = int(np.clip(np.searchsorted(F, p), 1, x.size - 1))
    lo, hi = x[max(i - 2, 0)], x[min(i + 1, x.size - 1)]
    for _ in range(60):
        if cdf(lo) <= p:
            break
        lo -= max(hi - lo, 1.0)
    for _ in range(60):
        if cdf(hi) >= p:
            break
        hi += max(hi - lo, 1.0)
    return float(optimize.brentq(lambda v: cdf(v) - p, lo, hi, xtol=1e-10))


def beta_row(c: Counts, a: float, psi: np.ndarray, mcid: float):
    """The exact row of independent ``Beta(a, a)`` priors on both arms' risks: the posterior
    summary of ψ (median and 95 % interval by root-finding on the exact CDF, mean and SD by
    the digamma formulas), the prior and posterior densities on ``psi`` and the row's
    descriptive fields. Returns ``(summary, prior_density, posterior_density, extra)``.

    Examples
    --------
    >>> s, _, _, ex = beta_row(Counts.parse("0/50,0/50"), JEFFREYS, np.linspace(-5, 5, 11), 0.8)
    >>> round(float(np.exp(s["psi_median"])), 6), round(s["cdf"](0.0), 6), ex["method"]
    (1.0, 0.5, 'beta_exact')
    """
    from ..design.distributions import BetaMix
    from ..result import LEVEL
    prior = BetaMix.single(a, a)
    post_t = prior.posterior(c.events_treated, c.n_treated)
    post_c = prior.posterior(c.events_control, c.n_control)
    sf = _ratio_sf(c.measure)
    lo_q, hi_q = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2

    def post_sf(r: float) -> float:
        return sf(post_t, post_c, r)

    mean, sd = _beta_log_moments(post_t, post_c, c.measure)

    def cdf(x: float) -> float:
        return 1.0 - post_sf(float(np.exp(x)))

    x = mean + sd * np.linspace(-10, 10, 201)
    F = _ratio_cdf_grid(post_t, post_c, c.measure, x)
    q = {k: _exact_quantile(cdf, p, x, F)
         for k, p in (("psi_median", 0.5), ("psi_lower", lo_q), ("psi_upper", hi_q))}
    p_mean, p_sd = beta_prior_moments(a, c.measure)
    post_dens = _density_on(psi, post_t, post_c, c.measure, mean - 10 * sd, mean + 10 * sd)
    prior_dens = _density_on(psi, prior, prior, c.measure, -10 * p_sd, 10 * p_sd)
    d = abs(float(np.log(mcid)))
    beyond = (1.0 - sf(prior, prior, float(np.exp(-d)))) + sf(prior, prior, float(np.exp(d)))
    label = "Jeffreys Beta(1/2, 1/2)" if a == JEFFREYS else f"Beta({a:g}, {a:g})"
    if a == 1.0:
        label = "uniform Beta(1, 1)"
    extra = {"method": "beta_exact",
             "prior_description": f"{label} on each arm's risk (exact)",
             "prior_mean_log": p_mean, "prior_sd_log": p_sd, "prior_p_beyond_mcid": beyond}
    summary = {**q, "log_mean": mean, "log_sd": sd, "cdf": cdf}
    return summary, prior_dens, post_dens, extra
