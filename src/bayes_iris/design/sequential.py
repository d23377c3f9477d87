"""Bayesian group-sequential designs for a normal endpoint (known SD per arm): efficacy and
futility looks by posterior or predictive probability, exact operating characteristics by
recursive numerical integration, vectorised simulation, and thresholds calibrated to a target
overall type I error.

Model. At look ``k`` (cumulative sizes ``n₁ₖ``, ``n₂ₖ``, the same allocation at every look) the
estimate ``δ̂ₖ = ȳ₁ₖ − ȳ₂ₖ ~ N(δ, Vₖ)``, ``Vₖ = σ₁²/n₁ₖ + σ₂²/n₂ₖ``, information ``Iₖ = 1/Vₖ``;
the score ``Sₖ = Iₖ δ̂ₖ`` has independent increments ``Sₖ − Sₖ₋₁ ~ N(δ ΔIₖ, ΔIₖ)`` (Jennison &
Turnbull 2000, ch. 3). The analysis prior on ``δ`` is ``N(m₀, v₀)`` (or flat), so the posterior
is ``N(μₖ, 1/Pₖ)`` with ``Pₖ = 1/v₀ + Iₖ`` and ``μₖ = (m₀/v₀ + Iₖ δ̂ₖ)/Pₖ``.

Rules. Efficacy at look ``k``: ``P(δ > q_eff | dataₖ) > γₖ`` ⟺ ``δ̂ₖ > eₖ = Vₖ(q_eff Pₖ +
z_γₖ √Pₖ − m₀/v₀)``. Futility at an interim ``k < K``, either by posterior probability
``P(δ > q_fut | dataₖ) < φₖ`` or by predictive probability of final success ``PPₖ < φₖ``; with
``δ̂_K | dataₖ ~ N(a₀ + a₁ δ̂ₖ, τ²)`` (``a₁ = [Iₖ + (I_K − Iₖ)Iₖ/Pₖ]/I_K``, ``a₀ = (I_K −
Iₖ)(m₀/v₀)/(Pₖ I_K)``, ``τ² = ((I_K − Iₖ)/I_K)²(1/(I_K − Iₖ) + 1/Pₖ)``) the predictive
probability is ``Φ((a₀ + a₁δ̂ₖ − e_K)/τ)`` (Spiegelhalter, Freedman & Blackburn 1986), monotone in
``δ̂ₖ``. Both rules are thresholds on ``δ̂ₖ``, so the design is a classical group-sequential
design on the score scale and its OC follow exactly.

OC. Stopping probabilities per look by the recursion ``gₖ(s) = ∫ gₖ₋₁(u) φ((s − u − δΔIₖ)/√ΔIₖ)
/√ΔIₖ du`` over the continuation region, with Simpson's rule (Armitage, McPherson & Rowe 1969;
Jennison & Turnbull 2000, ch. 19). Futility is non-binding by default for the type I error (the
regulatory convention): :func:`calibrate` ignores it unless ``binding=True``.

With a flat prior and ``q_eff = 0``, a constant posterior-probability threshold is Pocock's
boundary (``z = Φ⁻¹(γ)``) and thresholds ``z_γₖ = c √(I_K/Iₖ)`` are O'Brien & Fleming's; the tests
reproduce Jennison & Turnbull's constants (K = 2: 2.178; K = 5: 2.413; OBF K = 2: 2.797, 1.977).

References
----------
Jennison C, Turnbull BW (2000). Group Sequential Methods with Applications to Clinical Trials.
Chapman & Hall/CRC. (Tables 2.1 and 2.3; chapter 19, numerical computations.)

Armitage P, McPherson CK, Rowe BC (1969). Repeated significance tests on accumulating data.
Journal of the Royal Statistical Society A 132:235-244.

Pocock SJ (1977). Group sequential methods in the design and analysis of clinical trials.
Biometrika 64:191-199.

O'Brien PC, Fleming TR (1979). A multiple testing procedure for clinical trials. Biometrics
35:549-556.

Spiegelhalter DJ, Freedman LS, Blackburn PR (1986). Monitoring clinical trials: conditional or
predictive power? Controlled Clinical Trials 7:8-17.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..errors import InputError
from ..seeds import DEFAULT_SEED, rng
from .distributions import NormMix


def _vec(x, k: int, name: str) -> np.ndarray:
    a = np.atleast_1d(np.asarray(x, float))
    if a.size == 1:
        a = np.full(k, float(a[0]))
    if a.size != k or not np.all(np.isfinite(a)):
        raise InputError(f"{name} needs {k} finite values, got {x!r}", column=name)
    return a


@dataclass(frozen=True)
class GroupSequentialNormal:
    """A two-arm normal group-sequential design with Bayesian stopping rules.

    Parameters
    ----------
    n1, n2
        Cumulative sizes per arm at each look (increasing; the last look is the final analysis).
    sigma1, sigma2
        Known sampling SDs per arm.
    efficacy
        Posterior-probability thresholds ``γₖ`` per look (one value: all looks).
    futility
        Thresholds ``φₖ`` per interim look (``K − 1`` values), or ``None``.
    futility_kind
        ``"predictive"`` (PP of final success) or ``"posterior"`` (``P(δ > q_fut)``).
    prior
        Analysis prior on ``δ``: a one-component :class:`NormMix` or ``None`` (flat).

    Examples
    --------
    >>> d = GroupSequentialNormal(n1=[50, 100], n2=[50, 100], sigma1=1.0, sigma2=1.0,
    ...                           efficacy=stats.norm.cdf(2.178))
    >>> round(float(d.oc(0.0)["p_efficacy"]), 4)  # Pocock, K = 2: overall one-sided 2.5 %
    0.025
    """

    n1: tuple[float, ...]
    n2: tuple[float, ...]
    sigma1: float
    sigma2: float
    efficacy: tuple[float, ...] | float
    futility: tuple[float, ...] | None = None
    futility_kind: Literal["predictive", "posterior"] = "predictive"
    prior: NormMix | None = None
    q_eff: float = 0.0
    q_fut: float = 0.0

    def __post_init__(self) -> None:
        n1 = np.atleast_1d(np.asarray(self.n1, float))
        n2 = np.atleast_1d(np.asarray(self.n2, float))
        if n1.shape != n2.shape or n1.size < 1 or np.any(np.diff(n1) <= 0) or np.any(
                np.diff(n2) <= 0) or np.any(n1 <= 0) or np.any(n2 <= 0):
            raise InputError("n1 and n2 must be increasing positive sizes, one per look",
                             column="n1")
        for name in ("sigma1", "sigma2"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InputError(f"{name} must be a finite number > 0, got {v}", column=name)
        k = n1.size
        eff = _vec(self.efficacy, k, "efficacy")
        if np.any((eff <= 0) | (eff >= 1)):
            raise InputError("efficacy thresholds are probabilities in (0, 1)", column="efficacy")
        fut = None
        if self.futility is not None:
            if k < 2:
                raise InputError("futility looks need at least two looks", column="futility")
            fut = _vec(self.futility, k - 1, "futility")
            if np.any((fut <= 0) | (fut >= 1)):
                raise InputError("futility thresholds are probabilities in (0, 1)",
                                 column="futility")
        if self.prior is not None and self.prior.n_components != 1:
            raise InputError("group-sequential designs need a one-component normal prior on δ "
                             "(or None: flat)", column="prior")
        object.__setattr__(self, "n1", tuple(n1))
        object.__setattr__(self, "n2", tuple(n2))
        object.__setattr__(self, "efficacy", tuple(eff))
        object.__setattr__(self, "futility", None if fut is None else tuple(fut))

    # -- information and boundaries --------------------------------------------------------
    @property
    def K(self) -> int:
        return len(self.n1)

    @property
    def info(self) -> np.ndarray:
        """Information ``Iₖ = 1/Vₖ`` per look."""
        return 1.0 / (self.sigma1**2 / np.asarray(self.n1) + self.sigma2**2 / np.asarray(self.n2))

    def _prior_terms(self) -> tuple[float, float]:
        """``(m₀/v₀, 1/v₀)`` (zeros for a flat prior)."""
        if self.prior is None:
            return 0.0, 0.0
        v0 = float(self.prior.s[0]) ** 2
        return float(self.prior.m[0]) / v0, 1.0 / v0

    def boundaries(self) -> pd.DataFrame:
        """Per look: efficacy bound ``eₖ`` and futility bound ``fₖ`` on ``δ̂ₖ`` and on ``Zₖ =
        δ̂ₖ√Iₖ`` (stop for efficacy if above ``e``, for futility if below ``f``)."""
        info = self.info
        mv, pv = self._prior_terms()
        P = pv + info
        z_eff = stats.norm.ppf(self.efficacy)
        eff = (self.q_eff * P + z_eff * np.sqrt(P) - mv) / info
        fut = np.full(self.K, -np.inf)
        if self.futility is not None:
            z_f = stats.norm.ppf(self.futility)
            ik, iK, e_K = info[:-1], info[-1], eff[-1]
            if self.futility_kind == "posterior":
                fut[:-1] = (self.q_fut * P[:-1] + z_f * np.sqrt(P[:-1]) - mv) / ik
            else:
                pk = P[:-1]
                a1 = (ik + (iK - ik) * ik / pk) / iK
                a0 = (iK - ik) * mv / (pk * iK)
                tau = (iK - ik) / iK * np.sqrt(1.0 / (iK - ik) + 1.0 / pk)
                fut[:-1] = (e_K + z_f * tau - a0) / a1
            fut[:-1] = np.minimum(fut[:-1], eff[:-1])  # futility never above efficacy
        fut[-1] = eff[-1]  # the final look decides
        return pd.DataFrame({"look": np.arange(1, self.K + 1), "n1": self.n1, "n2": self.n2,
                             "information": info, "efficacy_delta": eff, "futility_delta": fut,
                             "efficacy_z": eff * np.sqrt(info), "futility_z": fut * np.sqrt(info),
                             "efficacy_threshold": self.efficacy,
                             "futility_threshold": [*(self.futility or [np.nan] * (self.K - 1)),
                                                    np.nan]})

    # -- exact OC ------------------------------------------------------------------------------
    def oc(self, delta: float, *, binding: bool = True, grid: int = 401) -> dict:
        """Exact operating characteristics at the true difference ``delta``.

        Returns ``p_efficacy`` (overall probability of declaring efficacy), ``p_futility``,
        ``expected_n`` (both arms), and ``looks``: per look the probabilities of stopping for
        efficacy and for futility. ``binding=False`` ignores futility (non-binding type I
        error).
        """
        b = self.boundaries()
        info = b["information"].to_numpy()
        lo = b["futility_delta"].to_numpy() * info if binding else np.full(self.K, -np.inf)
        lo[-1] = b["efficacy_delta"].iloc[-1] * info[-1]
        hi = b["efficacy_delta"].to_numpy() * info
        p_eff, p_fut = _recursion(float(delta), info, lo, hi, grid)
        n_tot = np.asarray(self.n1) + np.asarray(self.n2)
        stop = p_eff + p_fut
        looks = pd.DataFrame({"look": np.arange(1, self.K + 1), "n_total": n_tot,
                              "p_stop_efficacy": p_eff, "p_stop_futility": p_fut,
                              "cumulative_p_efficacy": np.cumsum(p_eff)})
        return {"delta": float(delta), "p_efficacy": float(p_eff.sum()),
                "p_futility": float(p_fut.sum()), "expected_n": float(stop @ n_tot),
                "looks": looks}

    def simulate(self, delta: float, n_sim: int = 100_000, *, seed: int = DEFAULT_SEED,
                 binding: bool = True) -> dict:
        """The same operating characteristics by vectorised simulation (with MCSEs)."""
        b = self.boundaries()
        info = b["information"].to_numpy()
        r = rng(seed, "design.sequential.normal")
        dI = np.diff(info, prepend=0.0)
        S = np.cumsum(r.normal(delta * dI, np.sqrt(dI), size=(int(n_sim), self.K)), axis=1)
        est = S / info
        eff = est >= b["efficacy_delta"].to_numpy()
        fut = est < b["futility_delta"].to_numpy() if binding else np.zeros_like(eff)
        fut[:, -1] = ~eff[:, -1]
        stop = eff | fut
        first = np.argmax(stop, axis=1)
        success = eff[np.arange(stop.shape[0]), first]
        n_tot = np.asarray(self.n1) + np.asarray(self.n2)
        p = success.mean()
        looks = pd.DataFrame({"look": np.arange(1, self.K + 1),
                              "p_stop_efficacy": np.bincount(first[success],
                                                             minlength=self.K) / n_sim,
                              "p_stop_futility": np.bincount(first[~success],
                                                             minlength=self.K) / n_sim})
        return {"delta": float(delta), "p_efficacy": float(p),
                "mcse": float(np.sqrt(p * (1 - p) / n_sim)),
                "expected_n": float(n_tot[first].mean()),
                "expected_n_mcse": float(n_tot[first].std(ddof=1) / np.sqrt(n_sim)),
                "looks": looks}


def _simpson(m: int) -> np.ndarray:
    w = np.ones(m)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return w / 3.0


def _recursion(delta: float, info: np.ndarray, lo: np.ndarray, hi: np.ndarray, m: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Stopping probabilities per look for the score ``S`` with continuation ``lo < S < hi``."""
    m = m + (m + 1) % 2  # odd number of points for Simpson
    K = info.size
    p_eff, p_fut = np.zeros(K), np.zeros(K)
    sd1 = np.sqrt(info[0])
    p_eff[0] = special.ndtr((delta * info[0] - hi[0]) / sd1)
    p_fut[0] = special.ndtr((lo[0] - delta * info[0]) / sd1)
    if K == 1:
        return p_eff, p_fut
    a = max(lo[0], delta * info[0] - 12 * sd1)
    b = min(hi[0], delta * info[0] + 12 * sd1)
    if b <= a:
        return p_eff, p_fut
    s = np.linspace(a, b, m)
    g = stats.norm.pdf(s, delta * info[0], sd1) * (s[1] - s[0]) * _simpson(m)
    for k in range(1, K):
        dI = info[k] - info[k - 1]
        sd = np.sqrt(dI)
        mean = s + delta * dI
        p_eff[k] = g @ special.ndtr((mean - hi[k]) / sd)
        p_fut[k] = g @ special.ndtr((lo[k] - mean) / sd)
        if k == K - 1:
            break
        centre = delta * info[k]
        a = max(lo[k], float(s.min()) + delta * dI - 12 * sd, centre - 14 * np.sqrt(info[k]))
        b = min(hi[k], float(s.max()) + delta * dI + 12 * sd, centre + 14 * np.sqrt(info[k]))
        if b <= a:
            break
        t = np.linspace(a, b, m)
        dens = stats.norm.pdf(t[:, None], mean[None, :], sd) @ g
        g = dens * (t[1] - t[0]) * _simpson(m)
        s = t
    return p_eff, p_fut


def efficacy_thresholds(c: float, info: np.ndarray, shape: str, rho: float = 0.5
                        ) -> np.ndarray:
    """Posterior-probability thresholds of a boundary family with scale ``c``: ``"constant"``
    (``Φ(c)`` at every look), ``"obf"`` (``Φ(c √(I_K/Iₖ))``), ``"power"`` (``Φ(c (Iₖ/I_K)^(ρ −
    1/2))``, Wang & Tsiatis 1987: ρ = 0 OBF, ρ = 0.5 Pocock)."""
    t = info / info[-1]
    if shape == "constant":
        z = np.full(info.size, c)
    elif shape == "obf":
        z = c / np.sqrt(t)
    elif shape == "power":
        z = c * t ** (rho - 0.5)
    else:
        raise InputError(f"unknown boundary shape {shape!r}", column="shape",
                         hint="'constant', 'obf' or 'power'")
    return np.clip(special.ndtr(z), 1e-15, 1 - 1e-15)


def calibrate(design: GroupSequentialNormal, alpha: float = 0.025, *,
              shape: Literal["constant", "obf", "power"] = "constant", rho: float = 0.5,
              null: float = 0.0, binding: bool = False) -> GroupSequentialNormal:
    """The design with efficacy thresholds of the given shape whose overall type I error at
    ``δ = null`` is ``alpha`` (futility ignored unless ``binding``).

    Examples
    --------
    >>> d = GroupSequentialNormal(n1=[50, 100], n2=[50, 100], sigma1=1.0, sigma2=1.0,
    ...                           efficacy=0.99)
    >>> z = calibrate(d, 0.025, shape="obf").boundaries()["efficacy_z"]
    >>> [round(float(v), 2) for v in z]  # O'Brien-Fleming, K = 2
    [2.8, 1.98]

    References
    ----------
    Wang SK, Tsiatis AA (1987). Approximately optimal one-parameter boundaries for group
    sequential trials. Biometrics 43:193-199.
    """
    if not 0 < alpha < 0.5:
        raise InputError(f"alpha must be in (0, 0.5), got {alpha}", column="alpha")
    info = design.info

    def err(c):
        d = replace(design, efficacy=tuple(efficacy_thresholds(c, info, shape, rho)))
        return d.oc(null, binding=binding)["p_efficacy"] - alpha

    c = optimize.brentq(err, -1.0, 6.0, xtol=1e-10)
    return replace(design, efficacy=tuple(efficacy_thresholds(c, info, shape, rho)))
