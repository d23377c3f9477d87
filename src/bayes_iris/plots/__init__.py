"""Figures shared by several analyses: observed data, MCMC diagnostics, the design step, and the
common style. Each ``plot_*(…, *, ax=None) -> Figure`` consumes results and computes nothing; no
``savefig`` here (``ResultsDir.write_figure`` stamps provenance and writes). The figures of one
analysis live in its package (``trajectory.plots``, ``safety.plots``, ``reanalysis.plots``).
"""

from .design import plot_assurance_curves, plot_boundaries, plot_oc_curves, plot_sample_size
from .diagnostics import plot_rank
from .observed import plot_observed_trajectories
from .style import ARM_COLOURS, layout

__all__ = [
    "ARM_COLOURS",
    "layout",
    "plot_assurance_curves",
    "plot_boundaries",
    "plot_observed_trajectories",
    "plot_oc_curves",
    "plot_rank",
    "plot_sample_size",
]
