"""One result shape for every analysis, and one interval convention.

Every analysis's ``summarise(...)`` returns a frozen dataclass derived from :class:`Result`: its
named tables (DataFrames, each written by ``ResultsDir`` as ``tables/<name>.csv``) and the draws
they came from (``draws``: an :class:`xarray.Dataset`; for the closed-form reanalysis, densities on
a grid). A result exists only when fully populated; there are no tuples and no ``extra`` dicts.

Intervals are equal-tailed at :data:`LEVEL` = 95 % and written ``median, lower95, upper95`` (with
a prefix where a table holds several, e.g. ``rd_lower95``). The quantile levels are the literals
:data:`LOWER_Q` and :data:`UPPER_Q` (not ``(1 - LEVEL) / 2``, which is 0.025000000000000022).

Examples
--------
>>> import pandas as pd, xarray as xr
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Toy(Result):
...     TABLES = {"toy_summary": "summary"}
...     summary: pd.DataFrame
...     draws: xr.Dataset
>>> r = Toy(pd.DataFrame({"median": [1.0]}), xr.Dataset())
>>> list(r.tables())
['toy_summary']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd
import xarray as xr

__all__ = ["INTERVAL_COLUMNS", "LEVEL", "LOWER_Q", "UPPER_Q", "Result", "combine_draws"]

#: Credible level of every interval the toolkit reports.
LEVEL = 0.95
#: Quantile levels of the equal-tailed 95 % interval.
LOWER_Q = 0.025
UPPER_Q = 0.975
#: Column names of a posterior summary: median and the equal-tailed 95 % interval.
INTERVAL_COLUMNS = ("median", "lower95", "upper95")


@dataclass(frozen=True)
class Result:
    """Base of every analysis result: named tables plus the draws behind them.

    Subclasses are frozen dataclasses that declare ``TABLES`` (table name -> attribute holding
    the DataFrame) and a ``draws`` field.
    """

    TABLES: ClassVar[dict[str, str]] = {}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``{table name: DataFrame}``, in the order ``ResultsDir`` writes them."""
        return {name: getattr(self, attr) for name, attr in self.TABLES.items()}


def combine_draws(named: dict[str, xr.Dataset]) -> xr.Dataset:
    """The draws of several results in one Dataset: every variable and dimension of result
    ``k`` is renamed ``k/<name>`` (results of a step, for example one per fitted model, keep their
    own samples and grids).

    Examples
    --------
    >>> import numpy as np
    >>> a = xr.Dataset({"x": ("sample", np.zeros(3))})
    >>> sorted(combine_draws({"m1": a, "m2": a}).data_vars)
    ['m1/x', 'm2/x']
    """
    parts = []
    for key, ds in named.items():
        names = {str(n) for n in ds.variables} | {str(d) for d in ds.dims}
        parts.append(ds.rename({n: f"{key}/{n}" for n in names}))
    return xr.merge(parts, compat="no_conflicts", join="outer") if parts else xr.Dataset()
