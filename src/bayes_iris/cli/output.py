"""What commands print on stdout: tables with a provenance banner; and writing ``--out`` files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

out = Console(width=200)
#: Messages (progress, warnings, errors) go to stderr, so stdout stays parseable.
console = Console(stderr=True)


def print_table(df: pd.DataFrame, title: str, columns: list[str], banner: str) -> None:
    """Print ``columns`` of ``df`` under ``banner`` (the data's provenance)."""
    table = Table(title=title, caption=banner, show_lines=False)
    for c in columns:
        text = df[c].dtype == object or str(df[c].dtype) in ("str", "string")
        table.add_column(c, justify="left" if text else "right", no_wrap=text)
    for _, row in df.iterrows():
        cells = []
        for c in columns:
            v = row[c]
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        table.add_row(*cells)
    out.print(banner, style="bold", highlight=False, markup=False)
    out.print(table)


def write_csv(path: Path, df: pd.DataFrame, provenance: str) -> Path:
    """Write ``--out``: ``df`` with a first ``provenance`` column, atomically."""
    from .. import atomic

    tab = df.copy()
    if "provenance" in tab.columns:
        tab = tab.drop(columns="provenance")
    tab.insert(0, "provenance", provenance)
    return atomic.write_with(Path(path), lambda p: tab.to_csv(p, index=False,
                                                               lineterminator="\n"))
