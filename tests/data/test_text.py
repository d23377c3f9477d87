"""The text form of cells (bayes_iris.data.text): what is written reads back as the same value."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bayes_iris.data.schema import TABLES
from bayes_iris.data.text import MISSING_TOKENS, frame_to_text, is_missing, value_to_text
from bayes_iris.data.validate import parse_column
from bayes_iris.errors import ProblemList

ALC = TABLES["labs"].column("alc")
BDL = TABLES["labs"].column("alc_bdl")
DAY = TABLES["outcomes"].column("death_day")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)), max_size=8))
def test_floats_survive_text_and_parse_exactly(values):
    """A float written as text parses back to the very same float (shortest repr round trip)."""
    s = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    text = frame_to_text(pd.DataFrame({"alc": s}))["alc"]
    problems = ProblemList()
    back = parse_column(text, ALC, "labs.csv", problems)
    assert len(problems) == 0
    for v, b in zip(values, back, strict=True):
        assert (v is None and math.isnan(b)) or b == v


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**53), 2**53)), max_size=8))
def test_nullable_integers_and_booleans_survive_text_and_parse(ints):
    df = pd.DataFrame(
        {
            "death_day": pd.array(ints, dtype="Int64"),
            "alc_bdl": [bool(i) if i is not None else False for i in ints],
        }
    )
    text = frame_to_text(df)
    problems = ProblemList()
    days = parse_column(text["death_day"], DAY, "outcomes.csv", problems)
    flags = parse_column(text["alc_bdl"], BDL, "labs.csv", problems)
    assert len(problems) == 0
    assert days.tolist() == df["death_day"].tolist()
    assert flags.tolist() == df["alc_bdl"].tolist()


def test_missing_values_are_empty_and_empty_is_missing():
    for v in (None, pd.NA, pd.NaT, float("nan"), np.float64("nan")):
        assert is_missing(v)
    assert not any(is_missing(v) for v in (0, 0.0, "", False))
    assert "" in MISSING_TOKENS
    assert [value_to_text(v) for v in (np.True_, 2.5, np.int64(7), "S001")] == [
        "true",
        "2.5",
        "7",
        "S001",
    ]
