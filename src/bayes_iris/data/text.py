"""The text form of a table cell: how values are read from and written to a trial folder.

Every table is validated as text first (a CSV is text; a Parquet file or an in-memory frame is turned
into the same text), so one parser and one set of messages serve all three sources, and the row
numbers are the same: the header is line 1, the first record line 2.

Examples
--------
>>> [value_to_text(v) for v in (True, 0.1, 3, None)]
['true', '0.1', '3', 'None']
>>> frame_to_text(pd.DataFrame({"alc": [410.5, float("nan")]}))["alc"].tolist()
['410.5', '']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FALSE_TOKENS",
    "MISSING_TOKENS",
    "TRUE_TOKENS",
    "frame_to_text",
    "is_missing",
    "value_to_text",
]

MISSING_TOKENS = frozenset({"", "NA", "N/A", "NaN", "nan", "<NA>", "None", "null", "NULL"})
TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0"})


def is_missing(v: Any) -> bool:
    """True for the missing-value objects of pandas and NumPy (``None``, ``NA``, ``NaT``, NaN).

    Examples
    --------
    >>> is_missing(pd.NA), is_missing(float("nan")), is_missing(0.0)
    (True, True, False)
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def value_to_text(v: Any) -> str:
    """The text of a present value: ``true``/``false``, the shortest round-trip float, else ``str``.

    Examples
    --------
    >>> value_to_text(np.float64(1 / 3)), value_to_text(np.bool_(False))
    ('0.3333333333333333', 'false')
    """
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float | np.floating):
        return repr(float(v))
    return str(v)


def frame_to_text(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as text cells (empty for missing), indexed by the CSV line of each record (2, 3, ...).

    Examples
    --------
    >>> frame_to_text(pd.DataFrame({"a": [1, 2]})).index.tolist()
    [2, 3]
    """
    out = {}
    for col in df.columns:
        out[str(col)] = [
            "" if is_missing(v) else value_to_text(v) for v in df[col].astype(object).tolist()
        ]
    return pd.DataFrame(out, index=pd.Index(np.arange(2, len(df) + 2), dtype="int64"), dtype=str)
