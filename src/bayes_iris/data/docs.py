"""Generated sections of ``docs/trial-data.md`` and ``docs/synthetic-trial.md``.

The column reference and the generator's parameter table in the docs are generated from the code
(:func:`bayes_iris.data.schema.columns_table`, :func:`bayes_iris.data.synthetic.parameter_table`) between
``<!-- BEGIN generated:NAME -->`` and ``<!-- END generated:NAME -->`` markers, so they cannot drift;
a test checks the committed docs are up to date. Regenerate with::

    python -m bayes_iris.data.docs docs/
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .schema import TABLES, columns_table
from .synthetic import parameter_table


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (``|`` escaped, no index).

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame({"a": [1], "b": ["x|y"]})))
    | a | b |
    |---|---|
    | 1 | x\\|y |
    """

    def cell(v: object) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(c) for c in df.columns) + " |",
        "|" + "|".join("---" for _ in df.columns) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def columns_markdown(table: str) -> str:
    """The column reference of ``table`` for ``docs/trial-data.md``."""
    t = columns_table()
    t = t[t["table"] == table].drop(columns="table")
    t["column"] = "`" + t["column"] + "`"
    return f"{TABLES[table].description}.\n\n" + markdown_table(t)


def parameters_markdown() -> str:
    """The generator's parameter table for ``docs/synthetic-trial.md``."""
    t = parameter_table()
    t["name"] = "`" + t["name"] + "`"
    return markdown_table(t)


SECTIONS: dict[str, Callable[[], str]] = {
    **{f"columns-{name}": (lambda name=name: columns_markdown(name)) for name in TABLES},
    "parameters": parameters_markdown,
}

_BLOCK = re.compile(
    r"(<!-- BEGIN generated:(?P<name>[\w-]+) -->\n)(?P<body>.*?)"
    r"(<!-- END generated:(?P=name) -->)",
    re.S,
)


def render(text: str) -> str:
    """Replace every generated block of ``text`` with its current content."""
    return _BLOCK.sub(lambda m: m.group(1) + SECTIONS[m.group("name")]() + "\n" + m.group(4), text)


def update_docs(folder: str | Path) -> list[Path]:
    """Regenerate the blocks in ``trial-data.md`` and ``synthetic-trial.md`` of ``folder``."""
    changed = []
    for name in ("trial-data.md", "synthetic-trial.md"):
        path = Path(folder) / name
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    print(update_docs(sys.argv[1] if len(sys.argv) > 1 else "docs"))
