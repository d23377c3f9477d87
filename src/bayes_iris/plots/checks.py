"""Checks of a finished figure that a reader would otherwise catch: a legend, tick labels that do
not overprint each other.

:func:`check_figure` draws the figure once (Agg) and returns plain data; ``ResultsDir.write_figure``
stores it beside the PNG as ``figures/<name>.json``, which the report's browser test reads.

Examples
--------
>>> import matplotlib; matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots(figsize=(2, 2))
>>> _ = ax.plot([0, 1], [0, 1], label="a"); _ = ax.legend()
>>> _ = ax.set_xticks(range(0, 100, 2), [str(1000 + i) for i in range(50)])
>>> c = check_figure(fig)
>>> c["has_legend"], c["tick_label_overlaps"] > 0
(True, True)
>>> plt.close(fig)
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_figure", "has_legend", "tick_label_overlaps"]

#: Overlap of two tick labels' boxes (pixels, both directions) counted as overprinting.
OVERLAP_PX = 1.0


def has_legend(fig: Any) -> bool:
    """True when the figure shows a legend (on an axes or on the figure) or a colour bar."""
    if getattr(fig, "legends", None):
        return True
    for ax in fig.axes:
        if ax.get_legend() is not None:
            return True
        if getattr(ax, "_colorbar", None) is not None or ax.get_label() == "<colorbar>":
            return True
    return False


def _boxes(axis: Any, renderer: Any) -> list[tuple[str, Any]]:
    out = []
    for which in ("major", "minor"):
        for tick in axis.get_ticklabels(which=which):
            if tick.get_visible() and tick.get_text().strip():
                out.append((tick.get_text(), tick.get_window_extent(renderer)))
    return out


def tick_label_overlaps(fig: Any) -> list[str]:
    """``"<axes title or index>: 'a' overlaps 'b'"`` for every pair of tick labels of one axis
    whose boxes overlap by more than :data:`OVERLAP_PX` in both directions."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        name = ax.get_title() or ax.get_label() or f"axes {i}"
        for axis in (ax.xaxis, ax.yaxis):
            boxes = _boxes(axis, renderer)
            for j in range(len(boxes)):
                for k in range(j + 1, len(boxes)):
                    (ta, a), (tb, b) = boxes[j], boxes[k]
                    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
                    dy = min(a.y1, b.y1) - max(a.y0, b.y0)
                    if dx > OVERLAP_PX and dy > OVERLAP_PX:
                        found.append(f"{name}: {ta!r} overlaps {tb!r}")
    return found


def check_figure(fig: Any) -> dict[str, Any]:
    """``has_legend``, ``tick_label_overlaps`` (count), ``overlaps`` (descriptions), ``axes``."""
    overlaps = tick_label_overlaps(fig)
    return {
        "has_legend": has_legend(fig),
        "tick_label_overlaps": len(overlaps),
        "overlaps": overlaps[:20],
        "axes": sum(1 for ax in fig.axes if ax.get_visible()),
    }
