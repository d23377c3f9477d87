"""Predictive probability of success at interim looks, and the stopping boundaries built on it.

* Single arm, binary (Lee & Liu 2008): with ``x`` responses in ``n`` patients, the predictive
  probability that the trial ends with ``P(p > p₀ | all data) > θ_T`` after ``N_max``.
* Two arms, binary: the same, with the final decision given by any two-arm rule's decision matrix.
* Two arms, normal (known SD): by quadrature over the predictive of the final means; with a flat
  prior and a z-test this is Spiegelhalter et al.'s predictive power, available in closed form.
* Safety: stop at a look if ``P(rate > threshold | data) > prob``.
* Exact operating characteristics of single-arm multi-look designs (probability of stopping at
  each look, expected sample size) by forward recursion over the event count, and two-arm
  interim designs by simulation.

References
----------
Lee JJ, Liu DD (2008). A predictive probability design for phase II cancer clinical trials.
Clinical Trials 5:93-106.

Spiegelhalter DJ, Freedman LS, Blackburn PR (1986). Monitoring clinical trials: conditional or
predictive power? Controlled Clinical Trials 7:8-17.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import InputError
from ..seeds import DEFAULT_SEED, rng
from .distributions import BetaMix, NormMix
from .oc import BinaryDesign, NormalDesign


def _check_counts(x: int, n: int, n_max: int) -> None:
    if not (0 <= x <= n <= n_max):
        raise InputError(f"need 0 <= x <= n <= n_max, got x={x}, n={n}, n_max={n_max}",
                         column="x")


def _final_success_single(prior: BetaMix, n_max: int, p0: float, theta_t: float) -> np.ndarray:
    """Boolean over final counts 0..n_max: P(p > p0 | count, n_max) > θ_T."""
    x = np.arange(n_max + 1)[:, None]
    lw = np.log(prior.w) + special.betaln(prior.a + x, prior.b + n_max - x) - special.betaln(
        prior.a, prior.b)
    w = np.exp(lw - special.logsumexp(lw, axis=1, keepdims=True))
    return np.sum(w * special.betaincc(prior.a + x, prior.b + n_max - x, p0), axis=1) > theta_t


def predictive_probability(x: int, n: int, n_max: int, p0: float, theta_t: float,
                           prior: BetaMix | None = None) -> float:
    """Lee & Liu's predictive probability of success (single arm, binary).

    References
    ----------
    Lee JJ, Liu DD (2008). A predictive probability design for phase II cancer clinical
    trials. Clinical Trials 5:93-106.

    Examples
    --------
    >>> round(predictive_probability(16, 23, 40, 0.6, 0.9, BetaMix.single(0.6, 0.4)), 7)
    0.5655589
    """
    prior = prior or BetaMix.single(1, 1)
    _check_counts(x, n, n_max)
    for name, value in (("p0", p0), ("theta_t", theta_t)):
        if not 0 < value < 1:
            raise InputError(f"{name} must be in (0, 1), got {value}", column=name)
    pred = prior.posterior(x, n).predictive(n_max - n)
    success = _final_success_single(prior, n_max, p0, theta_t)[x: x + n_max - n + 1]
    return float(np.sum(pred * success))


def stopping_boundaries(looks, n_max: int, p0: float, theta_t: float, theta_l: float = 0.1,
                        theta_u: float = 0.9, prior: BetaMix | None = None) -> pd.DataFrame:
    """Futility (PP < θ_L) and efficacy (PP > θ_U) boundaries of a single-arm PP design.

    Columns: ``n`` (patients at the look), ``futility_max_x`` (stop for futility if x ≤ it; -1:
    never), ``efficacy_min_x`` (stop for efficacy if x ≥ it; n + 1: never),
    ``post_prob_at_futility`` = P(p > p₀ | x = futility_max_x).

    Examples
    --------
    >>> b = stopping_boundaries([10, 20, 30, 40], 40, 0.2, 0.8)
    >>> b["futility_max_x"].tolist(), b["efficacy_min_x"].tolist()
    ([0, 2, 5, 9], [4, 7, 9, 10])
    """
    prior = prior or BetaMix.single(1, 1)
    rows = []
    for n in looks:
        n = int(n)
        pp = np.array([predictive_probability(x, n, n_max, p0, theta_t, prior)
                       for x in range(n + 1)])
        fut = np.nonzero(pp < theta_l)[0]
        eff = np.nonzero(pp > theta_u)[0]
        f = int(fut.max()) if fut.size else -1
        e = int(eff.min()) if eff.size else n + 1
        post = float(prior.posterior(f, n).sf(p0)) if f >= 0 else np.nan
        rows.append({"n": n, "futility_max_x": f, "efficacy_min_x": e,
                     "post_prob_at_futility": post})
    return pd.DataFrame(rows)


def sequential_oc(boundaries: pd.DataFrame, p_true) -> pd.DataFrame:
    """Exact OC of a single-arm multi-look design at true rates ``p_true`` (forward recursion).

    ``boundaries`` needs columns ``n``, ``futility_max_x``, ``efficacy_min_x`` (as returned by
    :func:`stopping_boundaries` or :func:`safety_boundaries`, where "efficacy" means "stop for
    the safety signal"). Returns per true rate: ``p_stop_futility``, ``p_stop_efficacy``,
    ``p_continue_to_end``, ``expected_n``.

    Examples
    --------
    >>> b = stopping_boundaries([10, 20, 30, 40], 40, 0.2, 0.8)
    >>> oc = sequential_oc(b, [0.2, 0.4])
    >>> bool(oc["p_stop_efficacy"].iloc[1] > oc["p_stop_efficacy"].iloc[0])
    True
    """
    out = []
    looks = boundaries["n"].to_numpy(int)
    for p in np.atleast_1d(np.asarray(p_true, float)):
        dist = np.array([1.0])  # over counts at the previous look, among trials still running
        prev, stop_f, stop_e, en = 0, 0.0, 0.0, 0.0
        for j, n in enumerate(looks):
            step = stats.binom.pmf(np.arange(n - prev + 1), n - prev, p)
            dist = np.convolve(dist, step)
            x = np.arange(n + 1)
            f = dist[x <= boundaries["futility_max_x"].iloc[j]].sum()
            e = dist[x >= boundaries["efficacy_min_x"].iloc[j]].sum()
            stop_f += f
            stop_e += e
            en += (f + e) * n
            dist = np.where((x > boundaries["futility_max_x"].iloc[j])
                            & (x < boundaries["efficacy_min_x"].iloc[j]), dist, 0.0)
            prev = n
        en += dist.sum() * looks[-1]
        out.append({"p_true": p, "p_stop_futility": stop_f, "p_stop_efficacy": stop_e,
                    "p_continue_to_end": float(dist.sum()), "expected_n": en})
    return pd.DataFrame(out)


def safety_boundaries(looks, threshold: float, prob: float = 0.9,
                      prior: BetaMix | None = None) -> pd.DataFrame:
    """Bayesian safety stopping: at each look ``n``, stop if ``P(rate > threshold | x) > prob``.

    Returns ``n``, ``stop_min_x`` (stop if x ≥ it; n + 1: cannot stop), ``post_prob_at_boundary``
    and, for :func:`sequential_oc`, ``efficacy_min_x`` (= stop_min_x) and ``futility_max_x`` (-1).

    Examples
    --------
    >>> safety_boundaries([10, 20], threshold=0.1, prob=0.9)["stop_min_x"].tolist()
    [2, 4]
    """
    prior = prior or BetaMix.single(1, 1)
    rows = []
    for n in looks:
        n = int(n)
        x = np.arange(n + 1)
        lw = np.log(prior.w) + special.betaln(prior.a + x[:, None], prior.b + n - x[:, None])
        lw -= special.betaln(prior.a, prior.b)
        w = np.exp(lw - special.logsumexp(lw, axis=1, keepdims=True))
        pp = np.sum(w * special.betaincc(prior.a + x[:, None], prior.b + n - x[:, None],
                                         threshold), axis=1)
        hit = np.nonzero(pp > prob)[0]
        s = int(hit.min()) if hit.size else n + 1
        rows.append({"n": n, "stop_min_x": s,
                     "post_prob_at_boundary": float(pp[s]) if s <= n else np.nan,
                     "efficacy_min_x": s, "futility_max_x": -1})
    return pd.DataFrame(rows)


def predictive_probability_2arm(design: BinaryDesign, x1: int, m1: int, x2: int, m2: int
                                ) -> float:
    """Predictive probability that a two-arm binary design succeeds at its final analysis
    (``design.n1``, ``design.n2``), given ``x1``/``m1`` and ``x2``/``m2`` at the interim.

    The interim posterior uses the design's analysis priors; the final decision its matrix.

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> d = BinaryDesign(BayesRule(criteria=[Criterion(prob=0.975)]), BetaMix.single(1, 1),
    ...                  BetaMix.single(1, 1), 40, 40)
    >>> predictive_probability_2arm(d, 15, 20, 5, 20) > predictive_probability_2arm(
    ...     d, 10, 20, 10, 20)
    True
    """
    _check_counts(x1, m1, design.n1)
    _check_counts(x2, m2, design.n2)
    if design.prior1 is None or design.prior2 is None:
        p1 = BetaMix.single(1, 1)
        p2 = BetaMix.single(1, 1)
    else:
        p1, p2 = design.prior1, design.prior2
    pred1 = p1.posterior(x1, m1).predictive(design.n1 - m1)
    pred2 = p2.posterior(x2, m2).predictive(design.n2 - m2)
    sub = design.decision[x1: x1 + design.n1 - m1 + 1, x2: x2 + design.n2 - m2 + 1]
    return float(pred1 @ sub.astype(float) @ pred2)


def futility_boundary_2arm(design: BinaryDesign, m1: int, m2: int, x2_values,
                           pp_threshold: float = 0.1) -> pd.DataFrame:
    """Futility boundary of a two-arm binary design at an interim with ``m1``/``m2`` patients.

    For each number of control events ``x2``, the treatment event counts for which the
    predictive probability of final success is below ``pp_threshold``. The predictive
    probability is monotone in ``x1`` (decreasing when success means fewer events on treatment,
    as for mortality), so the region is a ray: ``stop_if`` is "x1 >=" or "x1 <=" and
    ``boundary_x1`` its end (-1 / m1 + 1: never stop at this ``x2``).

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)])
    >>> d = BinaryDesign(rule, BetaMix.single(1, 1), BetaMix.single(1, 1), 100, 100)
    >>> b = futility_boundary_2arm(d, 50, 50, [15, 20])
    >>> b["stop_if"].tolist(), bool(b["boundary_x1"].is_monotonic_increasing)
    (['x1 >=', 'x1 >='], True)
    """
    if not 0 < pp_threshold < 1:
        raise InputError(f"pp_threshold must be in (0, 1), got {pp_threshold}",
                         column="pp_threshold")
    pp_lo = predictive_probability_2arm(design, 0, m1, int(np.median(x2_values)), m2)
    pp_hi = predictive_probability_2arm(design, m1, m1, int(np.median(x2_values)), m2)
    decreasing = pp_lo >= pp_hi
    rows = []
    for x2 in x2_values:
        x2 = int(x2)
        _check_counts(x2, m2, design.n2)

        def futile(x1, x2=x2):
            return predictive_probability_2arm(design, x1, m1, x2, m2) < pp_threshold

        # first x1 (from the favourable end) at which the trial is futile
        lo, hi = 0, m1 + 1
        while lo < hi:
            mid = (lo + hi) // 2
            x1 = mid if decreasing else m1 - mid
            if futile(x1):
                hi = mid
            else:
                lo = mid + 1
        if decreasing:
            b = lo if lo <= m1 else m1 + 1
        else:
            b = m1 - lo if lo <= m1 else -1
        pp = (predictive_probability_2arm(design, b, m1, x2, m2)
              if 0 <= b <= m1 else np.nan)
        rows.append({"control_events": x2, "stop_if": "x1 >=" if decreasing else "x1 <=",
                     "boundary_x1": b, "pp_at_boundary": pp})
    return pd.DataFrame(rows)


def predictive_probability_normal(design: NormalDesign, ybar1: float, m1: int, ybar2: float,
                                  m2: int, n_nodes: int = 64) -> float:
    """Predictive probability of final success of a two-arm normal design (known SD) from
    interim means ``ybar1`` (``m1`` patients) and ``ybar2`` (``m2``).

    The interim posterior of each arm mean uses the design's analysis prior (a flat prior if
    ``None``); the final mean is ``(m ȳ + (n − m) Z)/n`` with ``Z`` the future patients' mean.

    Examples
    --------
    >>> from bayes_iris.design.rules import ZTestRule
    >>> d = NormalDesign(ZTestRule(alpha=0.025), None, None, 100, 100, sigma=1.0)
    >>> pp = predictive_probability_normal(d, 0.3, 50, 0.0, 50)
    >>> round(pp, 6) == round(predictive_power(0.3 / (2 / 50) ** 0.5, 0.5, 0.025), 6)
    True
    """
    _check_counts(0, m1, design.n1)
    _check_counts(0, m2, design.n2)
    if m1 < 1 or m2 < 1:
        raise InputError("each arm needs at least one patient at the interim", column="m1")
    finals = []
    for ybar, m, n, prior in ((ybar1, m1, design.n1, design.prior1),
                              (ybar2, m2, design.n2, design.prior2)):
        post = (prior or NormMix.single(0.0, 1e6)).posterior(ybar, design.sigma / np.sqrt(m))
        if m == n:
            finals.append(NormMix.single(ybar, 1e-9 * design.sigma))
            continue
        # future patients' mean Z ~ posterior ⊗ N(0, σ²/(n−m)); final mean = (mȳ + (n−m)Z)/n
        pred = post.predictive(design.sigma / np.sqrt(n - m))
        f = (n - m) / n
        finals.append(NormMix(pred.w, m * ybar / n + f * pred.m, f * pred.s))
    final1, final2 = finals
    z, gw = np.polynomial.hermite_e.hermegauss(n_nodes)
    gw = gw / np.sqrt(2 * np.pi)
    y2 = (final2.m[:, None] + final2.s[:, None] * z[None, :]).ravel()
    w2 = (final2.w[:, None] * gw[None, :]).ravel()
    span = 12 * float(np.max(final1.s)) + float(np.ptp(final1.m))
    lo, hi = design.success_interval(y2, float(final1.mean) - span, float(final1.mean) + span)
    p = np.maximum(final1.cdf(hi) - final1.cdf(lo), 0.0)
    return float(np.sum(w2 * p))


def predictive_power(z_t: float, t: float, alpha: float = 0.025) -> float:
    """Spiegelhalter et al.'s predictive power with a flat prior (closed form).

    ``Φ((Z_t/√t − z_α) · √(t/(1 − t)))`` at information fraction ``t`` with interim statistic
    ``Z_t`` and one-sided level ``α``.

    References
    ----------
    Spiegelhalter DJ, Freedman LS, Blackburn PR (1986). Monitoring clinical trials: conditional
    or predictive power? Controlled Clinical Trials 7:8-17.

    Examples
    --------
    >>> round(predictive_power(1.96 * 0.5 ** 0.5, 0.5), 3)
    0.5
    """
    if not 0 < t < 1:
        raise InputError(f"information fraction must be in (0, 1), got {t}", column="t")
    z_a = stats.norm.isf(alpha)
    return float(special.ndtr((z_t / np.sqrt(t) - z_a) * np.sqrt(t / (1 - t))))


def simulate_interim_design(design: BinaryDesign, interim_fractions, theta1: float,
                            theta2: float, *, futility_pp: float = 0.1,
                            efficacy_pp: float | None = None, n_sim: int = 2000,
                            seed: int = DEFAULT_SEED) -> dict:
    """OC of a two-arm binary design with predictive-probability interim looks, by simulation.

    At each fraction of both arms' sample sizes the trial stops for futility if the predictive
    probability of final success is below ``futility_pp`` (and for efficacy if above
    ``efficacy_pp``, when given); otherwise the final rule decides.

    Returns ``{"p_success", "mcse", "p_stop_futility", "p_stop_efficacy", "expected_n"}``.

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> d = BinaryDesign(BayesRule(criteria=[Criterion(prob=0.975)]), BetaMix.single(1, 1),
    ...                  BetaMix.single(1, 1), 40, 40)
    >>> res = simulate_interim_design(d, [0.5], 0.3, 0.3, n_sim=300, seed=1)
    >>> res["p_stop_futility"] > 0.3
    True
    """
    fr = sorted(float(f) for f in interim_fractions)
    if any(not 0 < f < 1 for f in fr):
        raise InputError("interim fractions must be in (0, 1)", column="interim_fractions")
    r = rng(seed, "design.interim")
    u1 = r.random((n_sim, design.n1)) < theta1
    u2 = r.random((n_sim, design.n2)) < theta2
    cs1, cs2 = np.cumsum(u1, axis=1), np.cumsum(u2, axis=1)
    looks = [(max(1, round(f * design.n1)), max(1, round(f * design.n2))) for f in fr]
    cache: dict[tuple[int, int, int, int], float] = {}
    success = np.zeros(n_sim)
    stop_f = stop_e = 0
    n_used = np.full(n_sim, design.n1 + design.n2, float)
    for i in range(n_sim):
        stopped = False
        for m1, m2 in looks:
            key = (int(cs1[i, m1 - 1]), m1, int(cs2[i, m2 - 1]), m2)
            if key not in cache:
                cache[key] = predictive_probability_2arm(design, *key)
            pp = cache[key]
            if pp < futility_pp:
                stop_f += 1
                stopped = True
            elif efficacy_pp is not None and pp > efficacy_pp:
                stop_e += 1
                success[i] = 1.0
                stopped = True
            if stopped:
                n_used[i] = m1 + m2
                break
        if not stopped:
            success[i] = float(design.decision[cs1[i, -1], cs2[i, -1]])
    p = success.mean()
    return {"p_success": float(p), "mcse": float(np.sqrt(p * (1 - p) / n_sim)),
            "p_stop_futility": stop_f / n_sim, "p_stop_efficacy": stop_e / n_sim,
            "expected_n": float(n_used.mean())}
