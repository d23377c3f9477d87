r"""Time bases of the trajectory models.

* the piecewise-linear ramps with a knot at the end of dosing are
  :func:`bayes_iris.data.trial.ramp_bases` (one time basis for the generator and the models);
* :func:`spline_knots` and :func:`spline_deviation_basis` — a cubic B-spline basis constrained to
  vanish at day 0 and at the end of dosing (smooth deviations around the piecewise course).

References
----------
Eilers PHC, Marx BD. Flexible smoothing with B-splines and penalties. Stat Sci 1996;11:89-121.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import BSpline
from scipy.linalg import null_space

__all__ = ["spline_deviation_basis", "spline_knots"]


def spline_knots(t_max: float, dosing_end_day: int, n_interior: int = 4) -> np.ndarray:
    """Clamped cubic knot vector on ``[0, t_max]`` with interior knots spread over both periods."""
    d = float(dosing_end_day)
    half = max(n_interior // 2, 1)
    inner = list(np.linspace(0, d, half + 2)[1:-1])
    inner += list(np.linspace(d, t_max, n_interior - half + 2)[1:-1])
    return np.r_[[0.0] * 4, sorted(inner), [float(t_max)] * 4]


def spline_deviation_basis(
    day: np.ndarray, knots: np.ndarray, dosing_end_day: int
) -> np.ndarray:
    """Cubic B-spline basis at ``day`` projected onto functions that vanish at 0 and at ``D``.

    With ``C = [B(0); B(D)]`` and ``N`` an orthonormal basis of its null space, the columns of
    ``B(t) N`` span the splines with ``f(0) = f(D) = 0``. Coefficients get an i.i.d. normal
    (ridge) penalty.

    Examples
    --------
    >>> k = spline_knots(90, 28)
    >>> Z = spline_deviation_basis(np.array([0.0, 28.0, 50.0]), k, 28)
    >>> np.allclose(Z[:2], 0), Z.shape[1]
    (True, 6)
    """
    degree = 3
    t_max = knots[-1]

    def design(t: np.ndarray) -> np.ndarray:
        t = np.clip(np.asarray(t, dtype=float), 0.0, t_max)
        return BSpline.design_matrix(t, knots, degree, extrapolate=False).toarray()

    constraint = design(np.array([0.0, float(dosing_end_day)]))
    null = null_space(constraint)
    z = design(np.atleast_1d(day)) @ null
    z[np.abs(z) < 1e-12] = 0.0
    return z
