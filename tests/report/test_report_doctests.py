"""Every Examples section of the report package and the pipeline runs and is right."""

import doctest
import importlib

import pytest

MODULES = [
    "bayes_iris.pipeline",
    "bayes_iris.report.html",
    "bayes_iris.report.reader",
    "bayes_iris.report.sections",
    "bayes_iris.report.render",
]


@pytest.mark.parametrize("name", MODULES)
def test_report_doctests(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
