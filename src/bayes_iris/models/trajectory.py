r"""Hierarchical models of lymphocyte trajectories (ALC alone; ALC/CD4+/CD8+ jointly).

Model
-----
Observation :math:`y_{imt} = \log(\text{count})` of marker :math:`m` for patient :math:`i` (site
:math:`s(i)`) on study day :math:`t`. Arm indicator :math:`c_i` (1 = CYT107), regimen sign
:math:`\rho_i = -\tfrac12` (first CYT107 regimen, "weekly"), :math:`+\tfrac12` (second,
"twice_weekly"), 0 (placebo). Time bases with a knot at the end of dosing :math:`D`
(``meta.dosing_end_day``): :math:`r_1(t) = \min(t, D)/D`, :math:`r_2(t) = \max(t - D, 0)/D`.

.. math::

    y_{imt} &\sim \text{Student-}t_\nu(\mu_{imt}, \sigma_m), \text{ left-censored at } \log L
              \text{ when below detection}\\
    \mu_{imt} &= \alpha_m + a_{im} + u_{s(i)m}
        + (\gamma_{1m} + c_i\beta_{1m} + \rho_i\delta_{1m} + b_{im})\, r_1(t)
        + (\gamma_{2m} + c_i\beta_{2m} + \rho_i\delta_{2m})\, r_2(t)
        + [\,Z(t)(w^{\text{nat}}_m + c_i w^{\text{eff}}_m)\,]_{\text{spline}}

* :math:`\alpha_m` typical baseline (common to both arms: randomised, day 0 is before the first
  dose); :math:`\gamma` natural course (all arms); :math:`\beta_{1m}` the CYT107-vs-placebo log
  ratio at the end of dosing and :math:`\beta_{2m}` its change per further period :math:`D`;
  :math:`\delta` the twice-weekly minus weekly contrast, so each regimen's effect is
  :math:`\beta \pm \delta/2` and the CYT107 arm effect :math:`\beta` is their equal-weight average.
* Patient effects :math:`(a_{i\cdot}, b_{i\cdot}) \in \mathbb{R}^{2M}` (intercept and dosing-period
  slope for each of the :math:`M` markers) are correlated across effects *and markers*:
  :math:`\mathrm{MVN}(0, \operatorname{diag}(s) R \operatorname{diag}(s))`,
  :math:`R \sim \mathrm{LKJ}(\eta)`, non-centred (:math:`= Z L^\top`).
* Site random intercepts :math:`u_{sm} = \tau_m z_{sm}`, :math:`z_{\cdot m}` zero-sum normal
  over sites (non-centred; the sum-to-zero constraint keeps the intercept identifiable with only
  four sites). A *new* site's effect is drawn as :math:`N(0, \tau_m^2)`.
* Residuals independent across markers given the patient effects; :math:`\nu = 2 + \text{Gamma}`.
* ``shape="piecewise"``: the bracketed term is absent — linear rise over the dosing weeks, then a
  linear change (persistence: :math:`\beta_2 \approx 0`). ``shape="spline"``: smooth deviations
  :math:`Z(t) w` from a cubic B-spline basis constrained to vanish at day 0 and day :math:`D`, with
  ridge penalties :math:`w \sim N(0, \lambda^2)`, one :math:`\lambda` per curve and marker; so
  :math:`\beta_1` keeps its meaning and the piecewise model is the :math:`\lambda \to 0` limit.
* Missing visits (after death, discharge or a missed draw) are simply absent rows: the likelihood
  uses the observed values only (ignorable if missingness depends on observed data and the patient
  effects, as in the generator).
* Values flagged below detection (``<marker>_bdl``) are left-censored at the recorded value:
  their likelihood is :math:`F_t(\log L)` (``pm.Censored``).

Typical-patient curves (random and site effects at zero) on the scheduled days are stored as
``mu_day`` (dims ``marker, group, day``; groups placebo, cyt107, weekly, twice_weekly): their
differences are log ratios of geometric means. Priors are in :mod:`bayes_iris.models.priors`,
packed into one ``pm.Data`` vector ``prior_hyperparameters`` so one compiled model serves every
prior set (:meth:`TrajectoryModel.with_priors`).

Implementation: the mean is computed as one dense product ``W @ theta`` per likelihood term
(:meth:`TrajectoryModel.design`) and the data sit in two containers (``rows_observed``,
``rows_censored``) rather than as gathers over index vectors and a dozen containers; with one
marker the 2 x 2 LKJ is written in scalar form (:func:`_lkj_cholesky_2x2`). The same model, but
about 40 % less compile time under nutpie/numba (each data container adds its own extraction code
to nutpie's compiled log-density; ``benchmarks/results/sampling.md``).

References
----------
Laird NM, Ware JH. Random-effects models for longitudinal data. Biometrics 1982;38:963-974.
Lewandowski D, Kurowicka D, Joe H. Generating random correlation matrices based on vines and
extended onion method. J Multivar Anal 2009;100:1989-2001.
Eilers PHC, Marx BD. Flexible smoothing with B-splines and penalties. Stat Sci 1996;11:89-121.
Francois B, et al. Interleukin-7 restores lymphocytes in septic shock: the IRIS-7 randomized
clinical trial. JCI Insight 2018;3(5):e98960.

Examples
--------
>>> from bayes_iris.data import simulate_trial
>>> tm = TrajectoryModel(simulate_trial(1).data)
>>> m = tm.build()
>>> sorted(m.coords)[:4]
['arm', 'day', 'group', 'marker']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from ..data.trial import LAB_MARKERS, TrialData
from ..errors import InputError, Problem
from ..inference import hash_inputs
from .priors import per_marker, resolve_priors
from .trajectory_blocks import ramp_bases, spline_deviation_basis, spline_knots

__all__ = ["GROUPS", "SHAPES", "TrajectoryModel"]

SHAPES = ("piecewise", "spline")
GROUPS = ("placebo", "cyt107", "weekly", "twice_weekly")
MODEL_VERSION = "3"  # bump whenever the model graph changes (invalidates cached fits)
N_SPLINE_INTERIOR_KNOTS = 4

#: (prior parameter, hyperparameter) pairs, packed in this order into the ``prior_hyperparameters``
#: data vector (per-marker ones take one entry per marker).
_PRIOR_FIELDS: tuple[tuple[str, str], ...] = (
    ("intercept", "mu"), ("intercept", "sigma"),
    ("natural_ramp", "mu"), ("natural_ramp", "sigma"),
    ("natural_post", "mu"), ("natural_post", "sigma"),
    ("effect", "mu"), ("effect", "sigma"),
    ("effect_post", "mu"), ("effect_post", "sigma"),
    ("regimen", "sigma"),
    ("sd_intercept", "sigma"), ("sd_slope", "sigma"),
    ("lkj_eta", "eta"),
    ("sd_site", "sigma"), ("sigma", "sigma"),
    ("nu", "alpha"), ("nu", "beta"),
    ("spline_sd", "sigma"),
)
_SCALAR_PRIORS = {("lkj_eta", "eta"), ("nu", "alpha"), ("nu", "beta")}


@dataclass(frozen=True)
class Observations:
    """Long table of modelled observations (one row per patient, day and marker) + indices."""

    frame: pd.DataFrame
    patients: list[str]
    sites: list[str]
    regimens: list[str]
    days: list[int]
    markers: tuple[str, ...]
    dosing_end_day: int


def observations(data: TrialData, markers: tuple[str, ...]) -> Observations:
    """Assemble the modelled observations from ``data.labs`` (rows with a value; censoring flags)."""
    meta = data.meta
    pts = data.patients.sort_values("patient_id").reset_index(drop=True)
    patients = [str(p) for p in pts["patient_id"]]
    sites = sorted(str(s) for s in pts["site"].unique())
    cyt = next((a for a in meta.arms if a.name == "cyt107"), None)
    regimens = list(cyt.regimens) if cyt is not None else []
    sign = {}
    if len(regimens) == 2:
        sign = {regimens[0]: -0.5, regimens[1]: 0.5}
    p_idx = {p: k for k, p in enumerate(patients)}
    s_idx = {s: k for k, s in enumerate(sites)}
    info = pts.set_index("patient_id")
    rows = []
    labs = data.labs
    for mk, marker in enumerate(markers):
        if marker not in labs.columns:
            raise InputError(Problem(f"labs has no column {marker!r}", file="labs", column=marker))
        sub = labs.loc[labs[marker].notna(), ["patient_id", "study_day", marker]].copy()
        bdl_col = f"{marker}_bdl"
        bdl = (labs.loc[sub.index, bdl_col].fillna(False).astype(bool).to_numpy()
               if bdl_col in labs.columns else np.zeros(len(sub), bool))
        values = sub[marker].to_numpy(dtype=float)
        bad = np.flatnonzero(~(values > 0))
        if bad.size:
            row = int(sub.index[bad[0]]) + 2
            raise InputError(Problem(
                f"{marker} must be > 0 to be modelled on the log scale, got {values[bad[0]]}",
                file="labs", row=row, column=marker,
                hint="record values below detection as the detection limit with <marker>_bdl=True",
            ))
        y = np.log(values)
        limit = meta.detection_limits.get(marker)
        # left-censoring bound: the recorded value when flagged; otherwise the detection limit
        # (values at or below an unflagged limit, or no limit given: a bound far below the value,
        # so the row is an ordinary observation)
        log_l = np.log(limit) if limit else y - 10.0
        lower = np.where(bdl, y, np.where(y > log_l, log_l, y - 10.0))
        pid = sub["patient_id"].astype(str).to_numpy()
        arm = info.loc[pid, "arm"].astype(str).to_numpy()
        reg = info.loc[pid, "regimen"].astype(str).to_numpy()
        rows.append(pd.DataFrame({
            "patient_id": pid,
            "patient": [p_idx[p] for p in pid],
            "site": [s_idx[str(s)] for s in info.loc[pid, "site"]],
            "marker": mk,
            "study_day": sub["study_day"].to_numpy(dtype=int),
            "y": y,
            "lower": lower,
            "censored": bdl,
            "cyt107": (arm == "cyt107").astype(float),
            "regimen_sign": [sign.get(r, 0.0) if a == "cyt107" else 0.0 for r, a in zip(
                reg, arm, strict=True)],
        }))
    frame = pd.concat(rows, ignore_index=True)
    if frame.empty:
        raise InputError(Problem("no lab values to model", file="labs", column=",".join(markers)))
    return Observations(frame, patients, sites, regimens, [int(d) for d in meta.visit_schedule],
                        markers, int(meta.dosing_end_day))


def _lkj_cholesky_2x2(name: str, *, eta: Any, sd_sigma: Any) -> pt.TensorVariable:
    r"""Cholesky factor of a 2 x 2 covariance with an LKJ(:math:`\eta`) correlation prior.

    For two effects LKJ(:math:`\eta`) is :math:`p(\rho) \propto (1-\rho^2)^{\eta-1}`, i.e.
    :math:`(\rho + 1)/2 \sim \mathrm{Beta}(\eta, \eta)` (Lewandowski, Kurowicka & Joe 2009),
    and :math:`L = \begin{pmatrix} s_1 & 0 \\ s_2\rho & s_2\sqrt{1-\rho^2}\end{pmatrix}`. The
    same prior as ``pm.LKJCholeskyCov(n=2)`` written with scalar operations, which compile much
    faster under numba. Stores ``<name>_stds`` (dims ``re``) and ``<name>_corr`` (``re, re_``) as
    ``LKJCholeskyCov(compute_corr=True)`` does.
    """
    stds = pm.HalfNormal(f"{name}_stds", sd_sigma, dims="re")
    half = pm.Beta(f"{name}_corr_beta", eta, eta)
    rho = 2.0 * half - 1.0
    pm.Deterministic(f"{name}_corr", pt.stack([pt.stack([1.0, rho]), pt.stack([rho, 1.0])]),
                     dims=("re", "re_"))
    zero = pt.zeros_like(rho)
    return pt.stack([pt.stack([stds[0], zero]),
                     pt.stack([stds[1] * rho, stds[1] * pt.sqrt(1.0 - rho**2)])])


class TrajectoryModel:
    """Specification of a lymphocyte trajectory model (see the module docstring for the maths).

    Parameters
    ----------
    data : TrialData
        The validated trial.
    markers : tuple of str
        ``("alc",)`` or any subset of ``("alc", "cd4", "cd8")`` (joint model).
    shape : {"piecewise", "spline"}
        Time course (module docstring).
    priors : str, dict or None
        A named prior set, a dict of overrides of the default, or ``None`` (default).
    prior_overrides : dict, optional
        Applied on top of ``priors`` (merge order: default ← named set ← overrides).

    Examples
    --------
    >>> from bayes_iris.data import simulate_trial
    >>> tm = TrajectoryModel(simulate_trial(2).data, markers=("alc", "cd4"), shape="spline")
    >>> tm.name
    'alc_cd4_spline'
    """

    def __init__(
        self,
        data: TrialData,
        markers: tuple[str, ...] | list[str] = ("alc",),
        shape: Literal["piecewise", "spline"] = "piecewise",
        priors: str | dict[str, Any] | None = None,
        prior_overrides: dict[str, Any] | None = None,
    ) -> None:
        markers = tuple(markers)
        unknown = [m for m in markers if m not in LAB_MARKERS]
        if not markers or unknown or len(set(markers)) != len(markers):
            raise InputError(Problem(f"markers must be distinct values of {LAB_MARKERS}, got "
                                     f"{markers}", column="markers"))
        if shape not in SHAPES:
            raise InputError(Problem(f"unknown shape {shape!r}", column="shape",
                                     hint=f"choose one of {', '.join(SHAPES)}"))
        self.data = data
        self.markers = markers
        self.shape = shape
        self.prior_set = priors if isinstance(priors, str) else ("default" if priors is None
                                                                 else "custom")
        self.priors = resolve_priors(priors, prior_overrides)
        self.obs = observations(data, markers)
        t_max = max(max(self.obs.days), int(self.obs.frame["study_day"].max()),
                    self.obs.dosing_end_day + 1)
        self.knots = spline_knots(float(t_max), self.obs.dosing_end_day, N_SPLINE_INTERIOR_KNOTS)

    # -- identity ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return "_".join(self.markers) + f"_{self.shape}"

    def spec(self) -> dict[str, Any]:
        """Everything that defines the model (for cache keys)."""
        return {"model": "trajectory", "version": MODEL_VERSION, "markers": list(self.markers),
                "shape": self.shape, "priors": self.priors, "knots": self.knots.tolist()}

    def cache_key(self) -> str:
        """Hash of the modelled data, the metadata that enters the model, and :meth:`spec`."""
        meta = self.data.meta
        return hash_inputs(self.obs.frame, self.obs.patients, self.obs.sites,
                           list(meta.visit_schedule), meta.dosing_end_day, self.spec())

    def structure_key(self) -> str:
        """Hash of what fixes the compiled graph (not data values or priors): for compile reuse."""
        return hash_inputs("trajectory-structure", MODEL_VERSION, list(self.markers), self.shape,
                           self.obs.frame["censored"].to_numpy(),
                           self.obs.patients, self.obs.sites, self.obs.days,
                           self.obs.dosing_end_day, self.knots.tolist())

    def with_priors(self, priors: str | dict[str, Any] | None,
                    prior_overrides: dict[str, Any] | None = None) -> TrajectoryModel:
        """The same model under another prior set (same structure: compiled code is reused)."""
        return TrajectoryModel(self.data, self.markers, self.shape, priors, prior_overrides)

    # -- building ----------------------------------------------------------------------------
    def coords(self) -> dict[str, list]:
        effects = [f"{m}_{k}" for m in self.markers for k in ("intercept", "slope")]
        coords = {
            "patient": self.obs.patients,
            "obs": list(range(len(self.obs.frame))),
            "obs_observed": [int(i) for i in np.flatnonzero(~self.obs.frame["censored"])],
            "obs_censored": [int(i) for i in np.flatnonzero(self.obs.frame["censored"])],
            "day": self.obs.days,
            "arm": ["placebo", "cyt107"],
            "regimen": self.obs.regimens or ["cyt107"],
            "site": self.obs.sites,
            "marker": list(self.markers),
            "group": list(GROUPS),
            "re": effects,
            "re_": effects,
        }
        if self.shape == "spline":
            nb = spline_deviation_basis(np.array([1.0]), self.knots, self.obs.dosing_end_day)
            coords["basis"] = list(range(nb.shape[1]))
        return coords

    def prior_values(self) -> dict[str, np.ndarray]:
        """Hyperparameter values by ``prior_<parameter>_<hyper>`` (packed into one container)."""
        out = {}
        for par, hyper in _PRIOR_FIELDS:
            value = self.priors[par][hyper]
            if (par, hyper) in _SCALAR_PRIORS:
                out[f"prior_{par}_{hyper}"] = np.asarray(float(value))
            else:
                out[f"prior_{par}_{hyper}"] = np.asarray(per_marker(value, self.markers))
        return out

    def design(self) -> dict[str, np.ndarray]:
        """Design matrices mapping the stacked parameter vector onto each row's mean.

        ``mu = W @ concat(theta, vec(E), vec(U)[, w])``: ``theta`` stacks the fixed effects
        ``(alpha, gamma_1, gamma_2, beta_1, beta_2, delta_1, delta_2)`` marker by marker, ``E`` the
        patient effects (patient x (intercept, slope) per marker), ``U`` the site effects (marker x
        site) and ``w`` the spline coefficients (natural, then CYT107 deviation; marker x basis).
        One dense product per likelihood term replaces dozens of gathers and their gradients (much
        less code for numba to compile) and gives the same ``mu`` as the module docstring. Also
        ``onehot`` (row x marker), to pick each row's residual scale.
        """
        f = self.obs.frame
        n_m, n_p, n_s = len(self.markers), len(self.obs.patients), len(self.obs.sites)
        n = len(f)
        rows = np.arange(n)
        mk = f["marker"].to_numpy()
        pat = f["patient"].to_numpy()
        site = f["site"].to_numpy()
        cyt = f["cyt107"].to_numpy(dtype=float)
        sign = f["regimen_sign"].to_numpy(dtype=float)
        r1, r2 = ramp_bases(f["study_day"].to_numpy(), self.obs.dosing_end_day)
        fixed = np.zeros((n, 7 * n_m))
        for k, col in enumerate((np.ones(n), r1, r2, cyt * r1, cyt * r2, sign * r1, sign * r2)):
            fixed[rows, k * n_m + mk] = col
        patient = np.zeros((n, n_p * 2 * n_m))
        patient[rows, pat * 2 * n_m + 2 * mk] = 1.0
        patient[rows, pat * 2 * n_m + 2 * mk + 1] = r1
        sites = np.zeros((n, n_m * n_s))
        sites[rows, mk * n_s + site] = 1.0
        blocks = [fixed, patient, sites]
        if self.shape == "spline":
            zb = spline_deviation_basis(f["study_day"].to_numpy(dtype=float), self.knots,
                                        self.obs.dosing_end_day)
            nb = zb.shape[1]
            spline = np.zeros((n, 2 * n_m * nb))
            for j in range(nb):
                spline[rows, mk * nb + j] = zb[:, j]
                spline[rows, (n_m + mk) * nb + j] = cyt * zb[:, j]
            blocks.append(spline)
        onehot = np.zeros((n, n_m))
        onehot[rows, mk] = 1.0
        return {"design": np.hstack(blocks), "onehot": onehot}

    def build(self) -> pm.Model:
        """The PyMC model (no sampling). Dims: patient, obs, day, arm, regimen, site, marker."""
        f = self.obs.frame
        n_m = len(self.markers)
        days = np.asarray(self.obs.days, dtype=float)
        d1, d2 = ramp_bases(days, self.obs.dosing_end_day)
        g_cyt = np.array([0.0, 1.0, 1.0, 1.0])
        g_sign = np.array([0.0, 0.0, -0.5, 0.5])
        mats = self.design()
        ok = np.flatnonzero(~f["censored"].to_numpy())
        cens = np.flatnonzero(f["censored"].to_numpy())
        with pm.Model(coords=self.coords()) as model:
            # all hyperparameters in one data vector (swapped per prior set without recompiling;
            # one container instead of one per hyperparameter keeps the compiled code small)
            values = self.prior_values()
            packed = pm.Data("prior_hyperparameters",
                             np.concatenate([np.atleast_1d(v) for v in values.values()]))
            pv, at = {}, 0
            for k, v in values.items():
                pv[k] = packed[at] if v.ndim == 0 else packed[at:at + v.size]
                at += max(v.size, 1)

            alpha = pm.Normal("intercept", pv["prior_intercept_mu"], pv["prior_intercept_sigma"],
                              dims="marker")
            g1 = pm.Normal("natural_ramp", pv["prior_natural_ramp_mu"],
                           pv["prior_natural_ramp_sigma"], dims="marker")
            g2 = pm.Normal("natural_post", pv["prior_natural_post_mu"],
                           pv["prior_natural_post_sigma"], dims="marker")
            b1 = pm.Normal("effect", pv["prior_effect_mu"], pv["prior_effect_sigma"],
                           dims="marker")
            b2 = pm.Normal("effect_post", pv["prior_effect_post_mu"],
                           pv["prior_effect_post_sigma"], dims="marker")
            dl1 = pm.Normal("regimen_ramp", 0.0, pv["prior_regimen_sigma"], dims="marker")
            dl2 = pm.Normal("regimen_post", 0.0, pv["prior_regimen_sigma"], dims="marker")

            # patient effects, ordered (m1 intercept, m1 slope, m2 intercept, ...)
            sd_prior = pt.stack([pv["prior_sd_intercept_sigma"], pv["prior_sd_slope_sigma"]],
                                axis=1).reshape((2 * n_m,))
            if n_m == 1:
                chol = _lkj_cholesky_2x2("chol_patient", eta=pv["prior_lkj_eta_eta"],
                                         sd_sigma=sd_prior)
            else:
                chol, _corr, _stds = pm.LKJCholeskyCov(
                    "chol_patient", n=2 * n_m, eta=pv["prior_lkj_eta_eta"],
                    sd_dist=pm.HalfNormal.dist(sigma=sd_prior, shape=2 * n_m), compute_corr=True,
                )
            z = pm.Normal("z_patient", 0.0, 1.0, dims=("patient", "re"))
            eff = z @ chol.T
            sd_site = pm.HalfNormal("sd_site", pv["prior_sd_site_sigma"], dims="marker")
            # sum-to-zero over sites: separates site effects from the intercept (4 sites)
            z_site = pm.ZeroSumNormal("z_site", sigma=1.0, dims=("marker", "site"))
            u = z_site * sd_site[:, None]
            sigma = pm.HalfNormal("sigma", pv["prior_sigma_sigma"], dims="marker")
            nu_m2 = pm.Gamma("nu_minus_2", alpha=pv["prior_nu_alpha"], beta=pv["prior_nu_beta"])
            nu = pm.Deterministic("nu", nu_m2 + 2.0)

            parts = [alpha, g1, g2, b1, b2, dl1, dl2, eff.reshape((-1,)), u.reshape((-1,))]
            # typical-patient curves on the schedule: (marker, group, day)
            curve = (alpha[:, None, None]
                     + (g1[:, None, None] + g_cyt[None, :, None] * b1[:, None, None]
                        + g_sign[None, :, None] * dl1[:, None, None]) * d1[None, None, :]
                     + (g2[:, None, None] + g_cyt[None, :, None] * b2[:, None, None]
                        + g_sign[None, :, None] * dl2[:, None, None]) * d2[None, None, :])
            if self.shape == "spline":
                zd = spline_deviation_basis(days, self.knots, self.obs.dosing_end_day)
                lam = pm.HalfNormal("spline_sd", pv["prior_spline_sd_sigma"][:, None],
                                    dims=("marker", "arm"))
                zn = pm.Normal("z_spline_natural", 0.0, 1.0, dims=("marker", "basis"))
                ze = pm.Normal("z_spline_effect", 0.0, 1.0, dims=("marker", "basis"))
                w_nat = zn * lam[:, 0][:, None]
                w_eff = ze * lam[:, 1][:, None]
                parts += [w_nat.reshape((-1,)), w_eff.reshape((-1,))]
                dev_nat = w_nat @ zd.T  # (marker, day)
                dev_eff = w_eff @ zd.T
                curve = curve + dev_nat[:, None, :] + g_cyt[None, :, None] * dev_eff[:, None, :]
            pm.Deterministic("mu_day", curve, dims=("marker", "group", "day"))
            theta = pt.concatenate(parts)
            # uncensored rows: plain Student-t density; rows below detection: left-censored
            # (their log-CDF needs the incomplete beta function, costly: only on those rows)
            # per likelihood term one data matrix: [design | marker one-hot | y | lower bound]
            n_w = mats["design"].shape[1]
            table = np.column_stack([mats["design"], mats["onehot"], f["y"].to_numpy(),
                                     f["lower"].to_numpy()])
            rows_ok = pm.Data("rows_observed", table[ok])
            pm.StudentT("y", nu=nu, mu=rows_ok[:, :n_w] @ theta,
                        sigma=rows_ok[:, n_w:n_w + n_m] @ sigma,
                        observed=rows_ok[:, n_w + n_m], dims="obs_observed")
            if cens.size:
                rows_c = pm.Data("rows_censored", table[cens])
                pm.Censored(
                    "y_censored",
                    pm.StudentT.dist(nu=nu, mu=rows_c[:, :n_w] @ theta,
                                     sigma=rows_c[:, n_w:n_w + n_m] @ sigma),
                    lower=rows_c[:, n_w + n_m + 1], upper=None,
                    observed=rows_c[:, n_w + n_m], dims="obs_censored",
                )
        return model


def prior_predictive(model: TrajectoryModel, *, seed: int, draws: int = 500,
                     day: int = 29) -> pd.DataFrame:
    """Prior predictive check: implied typical-patient counts at ``day`` by group and marker.

    Returns one row per (marker, group) with quantiles (2.5, 25, 50, 75, 97.5 %) of the implied
    count (cells/mm³) and of the implied ratio to placebo; the default priors should give
    clinically plausible ranges (tens to a few thousand cells/mm³ for ALC).

    Examples
    --------
    >>> from bayes_iris.data import simulate_trial
    >>> t = prior_predictive(TrajectoryModel(simulate_trial(1).data), seed=1, draws=200)
    >>> bool(t.query("group == 'placebo'")["q50"].between(100, 3000).all())
    True
    """
    from .. import seeds

    with model.build() as m:
        pri = pm.sample_prior_predictive(
            draws=draws, model=m, var_names=["mu_day"],
            random_seed=seeds.int_seed(seed, "prior-predictive"), backend="numba",
        )
    mu = pri["prior"]["mu_day"].stack(sample=("chain", "draw"))
    days = [int(d) for d in mu["day"].values]
    d = days[int(np.argmin(np.abs(np.asarray(days) - day)))]
    rows = []
    qs = (0.025, 0.25, 0.5, 0.75, 0.975)
    for marker in model.markers:
        for g in GROUPS:
            v = np.exp(mu.sel(marker=marker, group=g, day=d).values)
            ratio = np.exp((mu.sel(marker=marker, group=g, day=d)
                            - mu.sel(marker=marker, group="placebo", day=d)).values)
            rows.append({"marker": marker, "group": g, "day": d,
                         **{f"q{round(q * 1000) / 10:g}": float(np.quantile(v, q)) for q in qs},
                         **{f"ratio_q{round(q * 1000) / 10:g}": float(np.quantile(ratio, q))
                            for q in qs}})
    return pd.DataFrame(rows)


def prior_predictive_draws(model: TrajectoryModel, *, seed: int, draws: int = 500) -> xr.Dataset:
    """Prior draws of the typical-patient curves ``mu_day`` (for :func:`plot_prior_predictive`)."""
    from .. import seeds

    with model.build() as m:
        pri = pm.sample_prior_predictive(
            draws=draws, model=m, var_names=["mu_day"],
            random_seed=seeds.int_seed(seed, "prior-predictive"), backend="numba",
        )
    return pri["prior"].to_dataset()


def posterior_predictive(fit: Any, model: TrajectoryModel, *, seed: int,
                         max_draws: int = 400) -> xr.Dataset:
    """Replicated observations ``y`` (log scale) for posterior predictive checks.

    Uses up to ``max_draws`` evenly thinned posterior draws. Returns a Dataset with ``y_rep``
    (dims sample, obs_observed) and the observed frame's columns as coordinates.
    """
    from .. import seeds

    post = fit.idata["posterior"].to_dataset()
    n = post.sizes["chain"] * post.sizes["draw"]
    keep = np.unique(np.linspace(0, n - 1, min(n, max_draws)).astype(int))
    stacked = post.stack(sample=("chain", "draw")).isel(sample=keep)
    thin = stacked.reset_index("sample", drop=True).rename({"sample": "draw"}).expand_dims(
        chain=[0]).transpose("chain", "draw", ...)
    tree = xr.DataTree.from_dict({"posterior": thin})
    with model.build() as m:
        pp = pm.sample_posterior_predictive(
            tree, model=m, var_names=["y"], random_seed=seeds.int_seed(seed, "ppc"),
            freeze_vars=[v.name for v in m.free_RVs],
            progressbar=False, backend="numba",
        )
    y = pp["posterior_predictive"]["y"].isel(chain=0).rename({"draw": "sample"})
    return xr.Dataset({"y_rep": y})
