"""Every Examples section of bayes_iris.design runs and is right."""

import doctest
import importlib
import pkgutil

import pytest

import bayes_iris.design as design

MODULES = [m.name for m in pkgutil.iter_modules(design.__path__, "bayes_iris.design.")] + [
    "bayes_iris.plots.design"
]


@pytest.mark.parametrize("name", MODULES)
def test_design_doctests(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
