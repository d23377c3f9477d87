"""The shared look of every figure: one colour map for arms and regimens, one layout helper.

Figures are stamped with the provenance banner below their content by ``ResultsDir.write_figure``;
:func:`layout` leaves a strip at the bottom for it.
"""

from __future__ import annotations

__all__ = ["ARM_COLOURS", "REGIMEN_STYLES", "layout", "new_axes"]

#: One colour per arm and per CYT107 regimen, in every figure.
ARM_COLOURS = {
    "placebo": "#6c757d",
    "cyt107": "#c0392b",
    "weekly": "#e67e22",
    "twice_weekly": "#8e44ad",
}
#: Line styles of the regimens in per-patient plots.
REGIMEN_STYLES = {"placebo": "-", "weekly": "-", "twice_weekly": "--"}


def layout():
    """Constrained layout leaving a strip at the bottom for the provenance stamp.

    Examples
    --------
    >>> type(layout()).__name__
    'ConstrainedLayoutEngine'
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return ConstrainedLayoutEngine(rect=(0, 0.035, 1, 0.965))


def new_axes(ax=None, *, figsize: tuple[float, float] = (7, 4.5)):
    """``(figure, axes)``: the given axes and its figure, or a new one-panel figure.

    Examples
    --------
    >>> fig, ax = new_axes()
    >>> new_axes(ax)[1] is ax
    True
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout=layout())
        return fig, ax
    return ax.figure, ax
