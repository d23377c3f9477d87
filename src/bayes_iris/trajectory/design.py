r"""The trajectory model's mean as a gather: each row's mean is a few parameters times known weights.

The mean of the module :mod:`bayes_iris.trajectory.model` is linear in the stacked parameter
vector :math:`\theta = (\text{fixed}, \operatorname{vec} E, \operatorname{vec} U[, w])`: ``fixed``
stacks :math:`(\alpha, \gamma_1, \gamma_2, \beta_1, \beta_2, \delta_1, \delta_2)` marker by
marker, :math:`E` the patient effects (patient x (intercept, slope) per marker), :math:`U` the site
effects (marker x site) and :math:`w` the spline coefficients (natural, then CYT107 deviation;
marker x basis). Row :math:`i` touches only :math:`K` of them:

.. math:: \mu_i = \sum_{k=1}^{K} \theta_{\text{index}[i,k]}\; \text{weight}[i,k]

with the same :math:`K` for every row (7 fixed, 2 patient, 1 site and 2 per spline basis function;
some weights are 0, e.g. the CYT107 terms of placebo rows). Computed as one gather, one product
and one row sum, the mean and its gradient cost :math:`O(\text{rows} \times K)` whatever the
number of patients; the dense product :math:`W\theta` it replaced (model version 3; one column per
patient effect) cost :math:`O(\text{rows} \times \text{patients})` per gradient and went to a
multi-threaded BLAS above ~100 patients (``benchmarks/results/gradient.md``).

:func:`sparse_design` builds ``index`` and ``weight``; :func:`row_table` packs the weights with
the marker one-hot, the value and the censoring bound into one float container per likelihood
term (the indices have their own int64 container); :func:`gathered_mean` is the symbolic mean. ``tests/trajectory/test_trajectory_likelihood.py``
checks the log-density against the dense form and a scipy likelihood.

Examples
--------
>>> from bayes_iris.data import simulate_trial
>>> from bayes_iris.trajectory import TrajectoryModel
>>> tm = TrajectoryModel(simulate_trial(1).data)
>>> d = sparse_design(tm.obs, tm.shape, tm.knots)
>>> d["index"].shape[1], int(d["n_theta"]) == 7 + 2 * len(tm.obs.patients) + len(tm.obs.sites)
(10, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data.trial import ramp_bases
from .basis import spline_deviation_basis
from .gather_op import gather_mean

__all__ = ["gathered_mean", "row_table", "sparse_design"]

#: fixed effects per marker, in the order they are stacked in ``theta``
N_FIXED = 7


def sparse_design(obs: Any, shape: str, knots: np.ndarray) -> dict[str, np.ndarray]:
    """``index`` (rows x K, int64), ``weight`` (rows x K), ``onehot`` (rows x marker), ``n_theta``.

    ``obs`` is the model's :class:`~bayes_iris.trajectory.model.Observations`; ``onehot`` picks
    each row's residual scale; ``n_theta`` is the length of the stacked parameter vector.
    """
    f = obs.frame
    n_m, n_p, n_s = len(obs.markers), len(obs.patients), len(obs.sites)
    n = len(f)
    mk = f["marker"].to_numpy().astype(np.int64)
    pat = f["patient"].to_numpy().astype(np.int64)
    site = f["site"].to_numpy().astype(np.int64)
    cyt = f["cyt107"].to_numpy(dtype=float)
    sign = f["regimen_sign"].to_numpy(dtype=float)
    r1, r2 = ramp_bases(f["study_day"].to_numpy(), obs.dosing_end_day)
    off_e = N_FIXED * n_m
    off_u = off_e + n_p * 2 * n_m
    off_w = off_u + n_m * n_s
    index = [k * n_m + mk for k in range(N_FIXED)]
    weight = [np.ones(n), r1, r2, cyt * r1, cyt * r2, sign * r1, sign * r2]
    index += [off_e + pat * 2 * n_m + 2 * mk, off_e + pat * 2 * n_m + 2 * mk + 1,
              off_u + mk * n_s + site]
    weight += [np.ones(n), r1, np.ones(n)]
    n_theta = off_w
    if shape == "spline":
        zb = spline_deviation_basis(f["study_day"].to_numpy(dtype=float), knots,
                                    obs.dosing_end_day)
        nb = zb.shape[1]
        for j in range(nb):
            index += [off_w + mk * nb + j, off_w + (n_m + mk) * nb + j]
            weight += [zb[:, j], cyt * zb[:, j]]
        n_theta = off_w + 2 * n_m * nb
    onehot = np.zeros((n, n_m))
    onehot[np.arange(n), mk] = 1.0
    return {"index": np.column_stack(index).astype(np.int64),
            "weight": np.column_stack(weight), "onehot": onehot,
            "n_theta": np.asarray(n_theta)}


def row_table(obs: Any, design: dict[str, np.ndarray]) -> np.ndarray:
    """The float data of the likelihood: ``[weight | marker one-hot | y | lower]`` (one matrix).

    The integer ``design["index"]`` travels in its own int64 container: casting float indices
    on every gradient cost ~15 % of the 400-patient log-density (``benchmarks/results/
    gradient.md``), more than the extra container costs at compile time.

    Examples
    --------
    >>> from bayes_iris.data import simulate_trial
    >>> from bayes_iris.trajectory import TrajectoryModel
    >>> tm = TrajectoryModel(simulate_trial(1).data)
    >>> row_table(tm.obs, tm.design()).shape[1] == 10 + 1 + 2
    True
    """
    f = obs.frame
    return np.column_stack([design["weight"], design["onehot"], f["y"].to_numpy(),
                            f["lower"].to_numpy()])


def gathered_mean(theta: Any, rows: Any, index: Any, k: int) -> Any:
    """Symbolic ``sum_k theta[index] * weight`` (weights: the first ``k`` columns of ``rows``).

    One :class:`~bayes_iris.trajectory.gather_op.GatherMean` node (a numba loop and a
    scatter-add gradient) rather than PyTensor's generic gather, product and row sum.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> rows = np.array([[2.0, 1.0], [1.0, 0.0]])  # weights
    >>> index = np.array([[1, 0], [2, 1]])
    >>> gathered_mean(pt.as_tensor([10.0, 20.0, 30.0]), pt.as_tensor(rows), pt.as_tensor(index),
    ...               2).eval()
    array([50., 30.])
    """
    return gather_mean(theta, rows[:, :k], index)
