"""The report: render ``report/`` (quarto, else the Jupyter fallback) and the helpers its chunks call.

``Report`` (sections) turns artefacts of a results folder into safe HTML fragments; the chapter
views build on it — ``outcomes`` (deaths, time-to-event), ``effects`` (compact effect tables),
``provenance`` (priors, sampler settings, versions, commit, data hash, rerun) and ``regulatory``
(the FDA draft guidance point by point); ``labels`` holds the human column labels;
``render_report`` (render) makes one self-contained HTML page of the whole report. The results
folder itself is read by :class:`bayes_iris.results.ResultsReader` (re-exported here for the
chunks).
"""

from ..results.reader import RESULTS_ENV, ResultsReader
from .html import HTMLFragment
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
