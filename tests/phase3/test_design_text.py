"""The design chapter's paragraphs are built from the tables: every number they state is in a
table, nothing is 'nan', missing or incomplete tables give a sentence, never an exception, and
untrusted strings are escaped."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from bayes_iris.phase3 import analysis as A
from bayes_iris.report import design_text as T
from bayes_iris.report.design_text import (
    assumption_items,
    design_paragraphs,
    endpoint_paragraphs,
    map_texts,
)


@pytest.fixture(scope="module")
def tables():
    from bayes_iris import load_bundled
    from bayes_iris.design import AlcInputs
    from bayes_iris.phase3.maps import TrialEvidence

    alc = AlcInputs(1.1, 0.2, 0.7, 0.3, 0.9, 29, "trajectory posterior (synthetic trial "
                    "posterior — illustration only)")
    ev = TrialEvidence.from_trial(load_bundled(), alc)
    res = A.run(A.Phase3Inputs(alc=alc, evidence=ev, provenance="synthetic"), fast=True)
    t = res.tables()
    return {k: v.assign(provenance="synthetic") for k, v in t.items()}


def _pct(x):
    return f"{100 * float(x):.0f} %"


def test_mortality_paragraph_states_the_tables_numbers(tables):
    text = endpoint_paragraphs(tables)["mortality"][1]
    r = tables["design_recommendations"].set_index("endpoint").loc["mortality"]
    b = tables["design_gsd_boundaries"]
    assert f"at most {int(r['n_total'])} patients" in text
    assert str(r["n_per_arm_at_looks"]) in text
    for v in b["n_total"]:
        assert str(int(v)) in text
    for v in b["efficacy_max_cyt107_deaths"]:
        assert str(int(v)) in text
    assert f"{100 * b['efficacy_threshold'].iloc[-1]:.2f} %" in text
    assert _pct(r["assurance_at_n"]) in text and _pct(r["p_benefit"]) in text
    assert f"would need {int(r['n_for_target'])} patients" in text
    assert "Do not borrow" in text and "nan" not in text.lower()


def test_every_endpoint_and_map_has_a_paragraph_without_nan(tables):
    paras = endpoint_paragraphs(tables)
    assert list(paras) == ["mortality", "infection", "alc", "rise50", "safety"]
    for ep, (_head, text) in paras.items():
        assert len(text) > 100 and "nan" not in text.lower(), ep
        assert "Not available" not in text, ep
    for ep in ("alc", "rise50"):
        assert "not a basis for the phase III size" in paras[ep][1]
    assert "SYNTHETIC" in paras["alc"][1]
    maps = map_texts(tables)
    assert set(maps) == {"placebo_mortality", "cyt107_alc"}
    assert "SYNTHETIC trial" in maps["placebo_mortality"]
    m = tables["map_summary"].set_index("map").loc["placebo_mortality"]
    assert f"worth {m['ess_elir']:.0f} patients" in maps["placebo_mortality"]
    assert len(assumption_items(tables)) == len(tables["design_assumptions"])


def test_missing_or_broken_tables_give_sentences_not_errors(tables):
    assert endpoint_paragraphs({})["infection"][1] == "No secondary-infection design is available."
    broken = {k: v.copy() for k, v in tables.items()}
    broken["design_recommendations"] = broken["design_recommendations"].drop(
        columns=["value_at_n", "n_per_arm_at_looks"])
    text = endpoint_paragraphs(broken)["mortality"][1]
    assert text.startswith("Not available")
    assert map_texts({"map_summary": pd.DataFrame({"map": ["x"]})})["x"].startswith(
        "Not available")


class _Rep:
    def __init__(self, t):
        self.t = t

    def data(self, name):
        return self.t.get(name)


def test_html_is_escaped(tables):
    t = {k: v.copy() for k, v in tables.items()}
    t["design_recommendations"].loc[:, "design_prior"] = "<script>alert(1)</script>"
    html = str(design_paragraphs(_Rep(t)))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert len(re.findall("<h3>", html)) == 5
    # the report reads every table the paragraphs need (DESIGN_TABLES)
    assert "available" not in html.replace("not available", "")
    assert "Not available" in str(design_paragraphs(_Rep({})))
    assert "Not available" in str(T.map_paragraphs(_Rep({}), "cyt107_alc"))
