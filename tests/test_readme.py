"""The README's Python section runs as written (MCMC replaced by ``pymc.testing.mock_sample``:
the sampler itself is tested in tests/inference and tests/trajectory)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pymc as pm
import pytest
from pymc.testing import mock_sample

matplotlib.use("Agg")

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_a_python_section():
    blocks = _python_blocks()
    assert blocks and "sample_size" in blocks[0] and "summarise" in blocks[0]


@pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning")
def test_readme_python_examples_run(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pm, "sample", mock_sample)
    namespace: dict = {}
    for block in _python_blocks():
        exec(compile(block, str(README), "exec"), namespace)  # our own README, not user input
    plt.close("all")
    assert namespace["result"].effects["quantity"].eq("ratio").any()
    assert namespace["res"].recommended_n is not None
    assert namespace["alc"].source.startswith("FALLBACK")  # no results folder here
    assert list((tmp_path / "results" / "iris7-synthetic" / "fits").glob("*.nc"))
