"""What write time records about a figure (legend, overprinting tick labels), readable log axes,
and the sidecar ResultsDir writes beside every PNG."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from bayes_iris.data import load_bundled
from bayes_iris.plots.checks import check_figure, has_legend, tick_label_overlaps
from bayes_iris.plots.style import log_axis, log_ticks, plain_number
from bayes_iris.results.store import PUBLISHED_SOURCES, ResultsDir


@pytest.fixture
def fig():
    f, ax = plt.subplots(figsize=(4, 3))
    yield f, ax
    plt.close(f)


def test_crowded_tick_labels_are_found(fig):
    f, ax = fig
    ax.plot(range(40), range(40))
    ax.set_xticks(range(40), [f"label {i}" for i in range(40)])
    found = tick_label_overlaps(f)
    assert found and "overlaps" in found[0]


def test_the_old_log_axis_defect_is_found_and_the_fix_removes_it(fig):
    f, ax = fig  # a narrow log axis from 0.15 to 7: matplotlib labels minor ticks 2x10^-1 ...
    ax.plot([0.15, 7], [0, 1])
    ax.set_xscale("log")
    f.set_size_inches(2.2, 2)
    assert tick_label_overlaps(f), "the default minor-tick labels should overprint here"
    log_axis(ax, "x", max_ticks=5)
    assert tick_label_overlaps(f) == []
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and not any("10^" in t or "times" in t for t in labels)


def test_legend_or_colour_bar_counts_as_a_legend(fig):
    f, ax = fig
    sc = ax.scatter([0, 1], [0, 1], c=[0, 1])
    assert not has_legend(f)
    f.colorbar(sc, ax=ax)
    assert has_legend(f)
    g, bx = plt.subplots()
    bx.plot([0, 1], label="x")
    bx.legend()
    assert check_figure(g)["has_legend"]
    plt.close(g)


def test_log_ticks_are_plain_numbers():
    assert log_ticks(40, 5000) == [50, 100, 200, 500, 1000, 2000, 5000]
    assert 2 <= len(log_ticks(0.9, 1.1)) <= 8
    assert plain_number(4000) == "4,000" and plain_number(0.25) == "0.25"


def test_write_figure_records_the_checks_and_cites_the_publications(tmp_path, fig):
    f, ax = fig
    ax.plot([0, 1], [0, 1], label="a")
    ax.legend()
    res = ResultsDir(tmp_path, load_bundled())
    png = res.write_figure("demo", f, published=True)
    check = json.loads(png.with_suffix(".json").read_text())
    assert check == {"figure": "demo", "has_legend": True, "tick_label_overlaps": 0,
                     "overlaps": [], "axes": 1}
    stamp = f.texts[-1].get_text()
    assert "FACTS.md" not in stamp and PUBLISHED_SOURCES in stamp and "PMID 42055480" in stamp
