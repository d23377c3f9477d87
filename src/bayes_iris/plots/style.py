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


#: Mantissas of log-axis ticks, coarse to fine; the first set giving 4-8 ticks is used.
_LOG_MANTISSAS = ((1.0,), (1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 5.0, 7.0),
                  (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0))


def plain_number(value: float) -> str:
    """A tick label without powers of ten: ``2000`` → "2,000", ``0.25`` → "0.25".

    Examples
    --------
    >>> plain_number(4000.0), plain_number(0.5), plain_number(1.25), plain_number(20)
    ('4,000', '0.5', '1.25', '20')
    """
    if value >= 1000 and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 1000 else f"{value:,.0f}"


def log_ticks(lo: float, hi: float, *, max_ticks: int = 8) -> list[float]:
    """Readable ticks for a log axis spanning ``[lo, hi]``: 1-2-5 steps, or finer/coarser.

    Examples
    --------
    >>> log_ticks(40, 5000)
    [50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0]
    >>> log_ticks(0.8, 1.6)
    [0.8, 0.9, 1.0, 1.25, 1.5]
    """
    import math

    lo, hi = min(lo, hi), max(lo, hi)
    if not (lo > 0 and math.isfinite(lo) and math.isfinite(hi)):
        return []
    best: list[float] = []
    for mantissas in _LOG_MANTISSAS:
        ticks = [m * 10.0**k for k in range(math.floor(math.log10(lo)) - 1,
                                             math.ceil(math.log10(hi)) + 1)
                 for m in mantissas]
        ticks = sorted({float(f"{t:.6g}") for t in ticks if lo <= t <= hi})
        if 4 <= len(ticks) <= max_ticks:
            return ticks
        if len(ticks) <= max_ticks and len(ticks) > len(best):
            best = ticks
        if len(ticks) > max_ticks and not best:
            return ticks[:: math.ceil(len(ticks) / max_ticks)]
    return best


def log_axis(ax, which: str = "y", *, max_ticks: int = 8) -> None:
    """Put ``ax``'s ``which`` axis ("x" or "y") on a log scale with plain-number ticks.

    Call it after plotting (it reads the data limits): major ticks from :func:`log_ticks`
    labelled "50, 100, 200, 500, 1,000" rather than "10² 10³" or "4×10³"; unlabelled minor ticks.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [90, 4000])
    >>> log_axis(ax)
    >>> [t.get_text() for t in ax.get_yticklabels()][:3]
    ['100', '200', '500']
    >>> plt.close(fig)
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

    axis = ax.yaxis if which == "y" else ax.xaxis
    (ax.set_yscale if which == "y" else ax.set_xscale)("log")
    lo, hi = ax.get_ylim() if which == "y" else ax.get_xlim()
    ticks = log_ticks(lo, hi, max_ticks=max_ticks)
    if ticks:
        axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: plain_number(v)))
    axis.set_minor_locator(LogLocator(subs=tuple(range(2, 10))))
    axis.set_minor_formatter(NullFormatter())
    (ax.set_ylim if which == "y" else ax.set_xlim)(lo, hi)


def wrap(text: str, width: int = 28) -> str:
    """Wrap a long label (an SOC, a design name) onto lines of at most ``width`` characters.

    Examples
    --------
    >>> wrap("General disorders and administration site conditions", 24)
    'General disorders and\\nadministration site\\nconditions'
    """
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)
