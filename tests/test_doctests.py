"""Every Examples section in ``src/bayes_iris`` runs and is right (one collector for the package).

Each module with at least one example is a test. Heavy examples are marked ``# doctest: +SKIP``
where they stand, with the reason beside them (a full MCMC fit or pipeline run).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib
import pytest

import bayes_iris

matplotlib.use("Agg")

MODULES = sorted(m.name for m in pkgutil.walk_packages(bayes_iris.__path__, "bayes_iris.")
)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _examples(name: str) -> list[doctest.DocTest]:
    mod = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [t for t in finder.find(mod, name, module=mod) if t.examples]


WITH_EXAMPLES = [name for name in MODULES if _examples(name)]


def test_the_collector_sees_the_package():
    """Not vacuous: the modules that document examples are found (and are most of them)."""
    assert {"bayes_iris.paths", "bayes_iris.priors", "bayes_iris.inference.fitting",
            "bayes_iris.trajectory.effects", "bayes_iris.safety.effects",
            "bayes_iris.reanalysis.model", "bayes_iris.design.sample_size",
            "bayes_iris.results.tables", "bayes_iris.report.sections"} <= set(WITH_EXAMPLES)
    assert len(WITH_EXAMPLES) >= 0.6 * len(MODULES)


@pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning")
@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_examples_run(name):
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _examples(name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (output above)"
