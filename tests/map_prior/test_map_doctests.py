"""Every Examples section of bayes_iris.map_prior runs and is right."""

import doctest
import importlib
import pkgutil

import pytest

import bayes_iris.map_prior as map_prior

MODULES = [m.name for m in pkgutil.iter_modules(map_prior.__path__, "bayes_iris.map_prior.")]


@pytest.mark.parametrize("name", MODULES)
def test_map_prior_doctests(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
