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
* Site random intercepts :math:`u_{\cdot m} \sim \mathrm{ZSN}(0, \tau_m)`, zero-sum normal over
  sites (the sum-to-zero constraint keeps the intercept identifiable with only four sites),
  sampled partially centred: :math:`u_{sm} = \tau_m^{1-w_m} z_{sm}`,
  :math:`z_{\cdot m} \sim \mathrm{ZSN}(0, \tau_m^{w_m})`, the weight :math:`w_m` from the data
  (0, non-centred, when each site holds few patients; near 1, centred, with hundreds per site;
  the same model for every weight, :mod:`bayes_iris.trajectory.centring`). A *new* site's effect
  relative to the fitted intercept is drawn as :math:`N(0, \tau_m^2 (1 + 1/S))`: the observed
  sites' mean, which the constraint moved into the intercept, is uncertain too
  (:func:`bayes_iris.trajectory.effects.new_site_variance_factor`).
* Scale (``benchmarks/results/scaling.md``): the ALC model converges at 27 to 1,000 patients with
  the analysis budget (400 patients: ~55 s on 2 cores; time per effective draw grows about
  linearly, the site-centring weight keeping the site SD well sampled at 250 patients per site).
  Version 7 took the weight at a 4-site point estimate of the site SD, and over 100 simulated
  trials per size 12 % of fits at 27 patients and 17 % at 400 had divergent transitions (1-51):
  the weight was too large in some small trials and 0 in some large ones. Version 8 chooses it
  over the site SD's whole posterior (:mod:`.centring`): over the same 100 trials per size,
  1 fit at 27 patients and 3 at 400 diverge (1-2 transitions each; the gate still flags them)
  (``tests/trajectory/results/README.md``).
  The **joint** model converges at IRIS-7's size but not at 400 or 1,000 patients (min bulk ESS
  ~70, R-hat ~1.04 for the 6 x 6 patient covariance; at 100 patients ESS 250): its non-centred
  patient effects are the wrong geometry when every patient has many visits, and centring them
  fully was no better (400 patients: ESS 69 at 230 leapfrog steps per draw; divergences at 27),
  nor was nutpie's low-rank mass-matrix adaptation (100 patients: 279 leapfrog steps per draw,
  4 divergences, 574 s of sampling against 59 s with the diagonal one), nor separate SDs with
  ``pm.LKJCorr`` for the correlations (400 patients: the correlation factor's min ESS 56,
  R-hat 1.06). At 400 patients the slow direction is the Cholesky diagonal of the three
  dosing-period slopes, which correlate 0.75-0.9 across markers: the SDs (ESS >= 1,400), the
  effects (>= 1,100) and most correlations mix well, the least-mixed correlation has ESS ~300
  (measured 2026-12-02 on a loaded machine, one seed).
  The diagnostics gate reports it; do not use joint fits of large trials that fail it.
* Residuals independent across markers given the patient effects; :math:`\nu = 2 + \text{Gamma}`.
  At IRIS-7's size (27 patients, ~180 counts) :math:`\nu` is weakly identified: the data pin down
  the residual *variance* :math:`\sigma^2\nu/(\nu-2)` but hardly the tail weight, so the
  posterior of :math:`\nu` stays close to its prior and the Student-t scale :math:`\sigma` follows
  it. Accepted: the slow tier asserts the coverage of the residual SD and only *reports* that of
  :math:`\sigma` (``tests/trajectory/test_trajectory_slow.py``, diagnosis in
  ``tests/trajectory/results/README.md``).
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
differences are log ratios of geometric means. Priors are in :mod:`bayes_iris.trajectory.priors`,
packed into one ``pm.Data`` vector ``prior_hyperparameters`` so one compiled model serves every
prior set (:meth:`TrajectoryModel.with_priors`).

Implementation: each row's mean is one gather-multiply-sum over the stacked parameter vector,
``mu[i] = sum_k theta[index[i, k]] * weight[i, k]`` (:mod:`bayes_iris.trajectory.design`; one Op
with a numba kernel, :mod:`bayes_iris.trajectory.gather_op`): cost
linear in the number of observations whatever the number of patients (the dense ``W @ theta`` of
model version 3, one column per patient effect, cost observations x patients per gradient). The
data sit in two float containers (``rows_observed``, ``rows_censored``) and their two int64 index
containers (``index_observed``, ``index_censored``) rather than a dozen, and with one
marker the 2 x 2 LKJ is written in scalar form (:func:`_lkj_cholesky_2x2`) and the residual scale
is a scalar: all keep the compiled code small under nutpie/numba
(``benchmarks/results/sampling.md``). Every parameter is valid by construction (log and interval
transforms, :math:`\nu = 2 + \text{Gamma}`), so the model skips PyMC's per-row parameter checks
(``check_bounds=False``).

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

from ..data.trial import LAB_MARKERS, TrialData, ramp_bases
from ..errors import InputError, Problem
from ..fingerprints import hash_inputs
from .basis import spline_deviation_basis, spline_knots
from .centring import site_centring
from .design import gathered_mean, row_table, sparse_design
from .priors import per_marker, resolve_priors

__all__ = ["GROUPS", "SHAPES", "Observations", "TrajectoryModel", "observations"]

SHAPES = ("piecewise", "spline")
GROUPS = ("placebo", "cyt107", "weekly", "twice_weekly")
MODEL_VERSION = "8"  # bump whenever the model graph changes (invalidates cached fits)
# 4: gathered mean, check_bounds=False, scalar residual scale for one marker
# 5: the gather's indices in int64 containers (no float-to-int cast per gradient)
# 6: the gather as one Op with a numba kernel (gather_op.py)
# 7: site effects partially centred, weight from the data (centring.py)
# 8: the centring weight averaged over the posterior of the site SD (same model, new draws)
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
    >>> tm.name, tm.label
    ('alc_cd4_spline_default', 'joint_spline')
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
        """``<markers>_<shape>_<prior set>``: the name of its fit (file and diagnostics)."""
        return "_".join(self.markers) + f"_{self.shape}_{self.prior_set}"

    @property
    def label(self) -> str:
        """The ``model`` column of the effects table: the shape; joint fits ``joint_<shape>``."""
        return f"joint_{self.shape}" if len(self.markers) > 1 else self.shape

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

    def site_centring(self) -> np.ndarray:
        """Per marker, how far the site effects are centred (:mod:`.centring`; 0 non-centred)."""
        return site_centring(self.obs.frame, len(self.markers),
                             self.prior_values()["prior_sd_site_sigma"])

    def design(self) -> dict[str, np.ndarray]:
        """The sparse design of each row's mean (:func:`~bayes_iris.trajectory.design.sparse_design`).

        ``index`` and ``weight`` (rows x K): ``mu[i] = sum_k theta[index[i, k]] * weight[i, k]``
        with ``theta`` the stacked parameters; ``onehot`` (rows x marker); ``n_theta``.

        Examples
        --------
        >>> from bayes_iris.data import simulate_trial
        >>> d = TrajectoryModel(simulate_trial(1).data, shape="spline").design()
        >>> d["index"].shape == d["weight"].shape
        True
        """
        return sparse_design(self.obs, self.shape, self.knots)

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
        # check_bounds=False: every parameter is valid by construction (module docstring)
        with pm.Model(coords=self.coords(), check_bounds=False) as model:
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
            # sum-to-zero over sites: separates site effects from the intercept (4 sites);
            # partially centred with a weight from the data, u ~ ZSN(0, sd_site) whatever the
            # weight (centring.py)
            w_site = pm.Data("site_centring", self.site_centring(), dims="marker")[:, None]
            z_site = pm.ZeroSumNormal("z_site", sigma=sd_site[:, None] ** w_site,
                                      dims=("marker", "site"))
            u = z_site * sd_site[:, None] ** (1.0 - w_site)
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
            # (their log-CDF needs the incomplete beta function, costly: only on those rows).
            # One float matrix per term, [weight | marker one-hot | y | lower], and its int64
            # indices (design.py)
            k = mats["index"].shape[1]
            table = row_table(self.obs, mats)
            index = mats["index"]
            at = k

            def scale(rows):
                # one marker: one residual scale (a scalar keeps its log out of the row loop)
                return sigma[0] if n_m == 1 else rows[:, at:at + n_m] @ sigma

            rows_ok = pm.Data("rows_observed", table[ok])
            index_ok = pm.Data("index_observed", index[ok])
            pm.StudentT("y", nu=nu, mu=gathered_mean(theta, rows_ok, index_ok, k),
                        sigma=scale(rows_ok),
                        observed=rows_ok[:, at + n_m], dims="obs_observed")
            if cens.size:
                rows_c = pm.Data("rows_censored", table[cens])
                index_c = pm.Data("index_censored", index[cens])
                pm.Censored(
                    "y_censored",
                    pm.StudentT.dist(nu=nu, mu=gathered_mean(theta, rows_c, index_c, k),
                                     sigma=scale(rows_c)),
                    lower=rows_c[:, at + n_m + 1], upper=None,
                    observed=rows_c[:, at + n_m], dims="obs_censored",
                )
        return model
