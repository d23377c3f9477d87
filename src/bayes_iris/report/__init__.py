"""The report: render ``report/`` (quarto, else the Jupyter fallback) and the helpers its chunks call.

``Report`` (sections) turns artefacts of a results folder into safe HTML fragments;
``render_report`` (render) makes one self-contained HTML page of the whole report.
"""

from .html import HTMLFragment
from .reader import RESULTS_ENV, ResultsReader
from .render import RenderError, RenderResult, render_report, render_report_detailed
from .sections import Report

__all__ = [
    "RESULTS_ENV",
    "HTMLFragment",
    "RenderError",
    "RenderResult",
    "Report",
    "ResultsReader",
    "render_report",
    "render_report_detailed",
]
