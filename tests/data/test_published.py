"""Published facts (bayes_iris.data.published): the numbers of FACTS.md (oracle values, change only
if the sources change)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_iris.data import published as pub


def test_published_facts_match_sources():
    assert (pub.IRIS7_ARMS.cyt107, pub.IRIS7_ARMS.placebo, pub.IRIS7_ARMS.total) == (17, 10, 27)
    assert (pub.IRIS7_CD_ARMS.cyt107, pub.IRIS7_CD_ARMS.placebo) == (15, 6)
    ranges = {f.trial: (f.low, f.high, f.reference, f.level) for f in pub.FOLD_RANGES}
    assert ranges == {
        "IRIS-7": (3.0, 4.0, "baseline", "A"),
        "IRIS-7-C&D": (2.0, 3.0, "placebo", "A"),
    }
    e = pub.FEVER_RESPIRATORY_DISTRESS
    assert (e.events_cyt107, e.n_cyt107, e.events_placebo, e.n_placebo) == (3, 15, 0, 6)
    assert pub.ENTRY_ALC_MAX.value == 900 and pub.DOSING_WEEKS.value == 4
    assert pub.PRIMARY_ENDPOINT_RISE.value == 0.5 and pub.PRIMARY_ENDPOINT_DAY.value == 29
    assert (pub.NEXT_TRIAL_SIZE_LOW.value, pub.NEXT_TRIAL_SIZE_HIGH.value) == (300, 400)


def test_meta_analysis_rows():
    m = pub.meta_analysis_table()
    assert len(m) == 8
    got = {
        (r.population, r.outcome, r.time if isinstance(r.time, str) else None): (
            r.estimate,
            r.lower,
            r.upper,
        )
        for r in m.itertuples()
    }
    assert got[("sepsis", "ALC", "3 weeks")] == (1.33, 0.29, 2.38)
    assert got[("sepsis", "ALC", "4 weeks")] == (1.14, 0.02, 2.25)
    assert got[("sepsis", "CD4+ T cells", "3 weeks")] == (0.56, 0.08, 1.05)
    assert got[("sepsis", "CD8+ T cells", "2 weeks")] == (0.40, 0.05, 0.76)
    assert got[("sepsis", "mortality", None)] == (1.01, 0.36, 2.81)
    assert got[("sepsis", "secondary infections", None)] == (1.05, 0.48, 2.30)
    assert got[("COVID-19", "mortality", None)] == (0.85, 0.55, 1.33)
    assert got[("COVID-19", "secondary infections", None)] == (0.58, 0.46, 0.74)
    assert (m["lower"] < m["estimate"]).all() and (m["estimate"] < m["upper"]).all()
    assert set(m.loc[m["measure"] == "RR", "scale"]) == {"ratio"}


def test_published_table_is_cited():
    t = pub.published_table()
    assert t["citation"].str.len().gt(10).all()
    assert set(t["level"]) <= set(pub.LEVELS)
    assert np.isfinite(t["value"].fillna(t["low"])).all()
    assert len(t) >= 8 + 4 + 2 + 2 + 6
    with pytest.raises(AttributeError):
        pub.IRIS7_ARMS.cyt107 = 18  # frozen
