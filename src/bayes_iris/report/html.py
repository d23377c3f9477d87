"""Safe HTML fragments for the report: tables, figures, banners and boxes.

Everything a user can influence (patient IDs, site names, AE terms, trial names, error messages)
is escaped here, in one place, so that a ``<script>`` in a site name renders as text. Figures are
embedded as base64 PNG data URIs: the report never refers to an external file or URL.

Every fragment carries inline styles as well as CSS classes, so that it stays legible (and the
SYNTHETIC banner stays red) whichever stylesheet the renderer applies.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .labels import column_label, value_label

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: No table on the page shows more rows than this; the full table is one click away (CSV).
PAGE_ROWS = 20

_BOX_STYLES = {
    "error": ("#b00020", "#fdecee"),
    "warning": ("#8a5a00", "#fff4e0"),
    "unavailable": ("#5f6368", "#f1f3f4"),
    "info": ("#0b5394", "#eaf2fb"),
    "ok": ("#1e6b35", "#e9f5ec"),
}


class HTMLFragment(str):
    """A string of trusted HTML that Jupyter and Quarto display as HTML (``_repr_html_``).

    Build it only from the helpers in this module, which escape their inputs.

    Examples
    --------
    >>> frag = HTMLFragment("<p>hi</p>")
    >>> frag._repr_html_()
    '<p>hi</p>'
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)

    def __add__(self, other: str) -> HTMLFragment:  # keeps the type when fragments are joined
        return HTMLFragment(str.__add__(self, other))


def esc(value: object) -> str:
    """Escape any value for HTML text or attribute context (quotes included).

    Examples
    --------
    >>> esc("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def join(*fragments: str | None) -> HTMLFragment:
    """Concatenate fragments (``None`` entries are skipped)."""
    return HTMLFragment("".join(f for f in fragments if f))


def box(kind: str, title: str, body: str | Sequence[str] = "") -> HTMLFragment:
    """A coloured call-out box; ``kind`` is "error", "warning", "unavailable", "info" or "ok".

    ``title`` and ``body`` are plain text (escaped); a sequence body becomes a bullet list.

    Examples
    --------
    >>> "not available" in box("unavailable", "not available: step 02 has not run")
    True
    >>> "&lt;b&gt;" in box("warning", "x", "<b>")
    True
    """
    fg, bg = _BOX_STYLES.get(kind, _BOX_STYLES["info"])
    if isinstance(body, str):
        inner = f"<div>{esc(body)}</div>" if body else ""
    else:
        items = "".join(f"<li>{esc(b)}</li>" for b in body)
        inner = f"<ul style='margin:0.3em 0 0 1.2em;padding:0'>{items}</ul>" if items else ""
    return HTMLFragment(
        f"<div class='bi-box bi-{esc(kind)}' role='note' style='border-left:6px solid {fg};"
        f"background:{bg};color:#202124;padding:0.6em 0.9em;margin:0.8em 0;border-radius:3px'>"
        f"<strong style='color:{fg}'>{esc(title)}</strong>{inner}</div>"
    )


def banner(label: str, kind: str) -> HTMLFragment:
    """The provenance banner; red and bold for synthetic data.

    Examples
    --------
    >>> "SYNTHETIC" in banner("SYNTHETIC DATA — x", "synthetic")
    True
    """
    if kind == "synthetic":
        fg, bg, head = "#ffffff", "#b00020", "SYNTHETIC DATA"
    elif kind == "real":
        fg, bg, head = "#202124", "#e8eaed", "Real patient-level data"
    else:
        fg, bg, head = "#202124", "#fff4e0", "Provenance unknown"
    rest = label.removeprefix(head).lstrip(" —-:") if label.startswith(head) else label
    return HTMLFragment(
        f"<div class='bi-banner bi-banner-{esc(kind)}' role='alert' style='background:{bg};"
        f"color:{fg};padding:0.55em 1em;margin:0.6em 0 1em 0;border-radius:3px;font-weight:bold'>"
        f"<span style='font-size:1.1em;letter-spacing:0.04em'>{esc(head)}</span>"
        f"<span style='font-weight:normal'> — {esc(rest)}</span></div>"
    )


def _format_cell(value: object, column: str, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        name = column.lower()
        if "rhat" in name or "bfmi" in name:
            return f"{v:.3f}"
        if name.startswith(("p_", "prob", "pos", "assurance", "power")) or name in {
            "p",
            "p_benefit",
            "p_harm",
            "type1",
            "type_i_error",
        }:
            return f"{v:.{max(digits, 3)}f}"
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v)}"
        if abs(v) >= 10**digits:
            return f"{v:,.0f}"
        return f"{v:.{digits}g}"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return "–"
    except (TypeError, ValueError):
        pass
    return str(value)


def csv_link(data: bytes, filename: str, rows: int | None = None, *,
             max_bytes: int = 3_000_000) -> HTMLFragment:
    """A link that downloads ``data`` as ``filename`` — embedded as a ``data:`` URI, so the
    self-contained page carries the full table without referring to any file or URL.

    Above ``max_bytes`` the table is not embedded (the page would grow too much); the link text
    then names the CSV beside the report.

    Examples
    --------
    >>> out = csv_link(b"a,b\\n1,2\\n", "t.csv", 1)
    >>> "download='t.csv'" in out and "data:text/csv;base64," in out
    True
    """
    count = f", {rows} rows" if rows is not None else ""
    if len(data) > max_bytes:
        return HTMLFragment(
            f"<span class='bi-csv'>Full table: tables/{esc(filename)} beside the report"
            f"{esc(count)}</span>")
    b64 = base64.b64encode(data).decode("ascii")
    return HTMLFragment(
        f"<a class='bi-csv' download='{esc(filename)}' href='data:text/csv;base64,{b64}' "
        f"style='font-size:0.85em'>Download the full table (CSV{esc(count)})</a>")


def interval(median: object, lower: object, upper: object, *, digits: int = 2,
             percent: bool = False) -> str:
    """``"2.41 (1.62–3.58)"``: a median with its interval in one cell ("–" when missing).

    Examples
    --------
    >>> interval(2.4134, 1.621, 3.58), interval(0.1, -0.05, 0.3, percent=True)
    ('2.41 (1.62–3.58)', '+10 (−5 to +30)')
    >>> interval(0.12, -0.22, 0.38)
    '0.12 (−0.22 to 0.38)'
    >>> interval(float("nan"), 1, 2)
    '–'
    """
    try:
        m, lo, hi = float(median), float(lower), float(upper)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    if not (math.isfinite(m) and math.isfinite(lo) and math.isfinite(hi)):
        return "–"
    if percent:
        def pp(v: float) -> str:
            r = round(100 * v)
            return "0" if r == 0 else f"{r:+d}".replace("-", "−")

        return f"{pp(m)} ({pp(lo)} to {pp(hi)})"
    if lo < 0 or hi < 0:  # "−0.22–0.38" would read as a range of negatives: spell it out
        def f(v: float) -> str:
            return f"{v:.{digits}f}".replace("-", "−")

        return f"{f(m)} ({f(lo)} to {f(hi)})"
    return f"{m:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def table(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    digits: int = 3,
    max_rows: int | None = 15,
    highlight: Mapping[str, Sequence[str]] | None = None,
    labels: bool = True,
    csv: str | None = None,
    note: str | None = None,
) -> HTMLFragment:
    """Render ``df`` as an HTML table with every header and cell escaped.

    Parameters
    ----------
    df : DataFrame
        The rows to show (index not shown).
    caption : str, optional
        Plain-text caption.
    digits : int
        Significant digits of floats (probability-like columns get ``max(digits, 3)`` decimals).
    max_rows : int or None
        Show at most this many rows (default 15: a table fits a laptop screen) and say how many
        were left out; never more than :data:`PAGE_ROWS` (``None`` means that many).
    highlight : mapping, optional
        ``{column: values}``: rows whose ``column`` is in ``values`` are shaded as warnings.
    labels : bool
        Human column headers and cell codes (:mod:`bayes_iris.report.labels`).
    csv : str, optional
        A trusted fragment (:func:`csv_link`) shown under the table: the full table to download.
    note : str, optional
        Plain text shown under the table.

    Examples
    --------
    >>> import pandas as pd
    >>> out = table(pd.DataFrame({"site": ["<script>alert(1)</script>"], "n": [3]}))
    >>> "<script>" in out, "&lt;script&gt;" in out
    (False, True)
    >>> "<th>Site</th>" in out
    True
    """
    max_rows = PAGE_ROWS if max_rows is None else min(max_rows, PAGE_ROWS)
    shown = df.head(max_rows)
    cols = [str(c) for c in shown.columns]
    head = "".join(f"<th>{esc(column_label(c) if labels else c)}</th>" for c in cols)
    flagged: set[int] = set()
    for col, values in (highlight or {}).items():
        if col in shown.columns:
            bad = {str(v) for v in values}
            flagged |= {i for i, v in enumerate(shown[col].astype(str)) if v in bad}
    rows = []
    for i, rec in enumerate(shown.itertuples(index=False, name=None)):
        cells = "".join(
            f"<td>{esc(_format_cell(value_label(c, v) if labels else v, c, digits))}</td>"
            for v, c in zip(rec, cols, strict=True)
        )
        style = " class='bi-flag' style='background:#fff4e0'" if i in flagged else ""
        rows.append(f"<tr{style}>{cells}</tr>")
    cap = (
        f"<div class='bi-caption' style='font-weight:600;margin:0.8em 0 0.2em 0'>"
        f"{esc(caption)}</div>"
        if caption
        else ""
    )
    foot = []
    if len(df) > max_rows:
        foot.append(f"Showing {max_rows} of {len(df)} rows.")
    if note:
        foot.append(note)
    more = ""
    if foot or csv:
        more = (f"<p class='bi-note' style='font-size:0.85em;color:#5f6368;margin:0.2em 0'>"
                f"{esc(' '.join(foot))}{' ' if foot and csv else ''}{csv or ''}</p>")
    return HTMLFragment(
        f"{cap}<div class='bi-table-wrap' style='overflow-x:auto;max-width:100%'>"
        "<table class='bi-table' style='border-collapse:collapse;font-size:0.88em;margin:0.2em 0'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{more}"
    )


def figure(path: str | Path, *, caption: str | None = None, alt: str | None = None,
           name: str | None = None) -> HTMLFragment:
    """Embed a PNG file as a base64 data URI inside a ``<figure>``.

    Raises ``ValueError`` when the file is not a PNG (the report never links to files).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.png"
    >>> fig, ax = plt.subplots(); fig.savefig(p); plt.close(fig)
    >>> figure(p, caption="A plot").count("data:image/png;base64,")
    1
    """
    data = Path(path).read_bytes()
    if not data.startswith(PNG_MAGIC):
        raise ValueError(f"{path} is not a PNG file")
    b64 = base64.b64encode(data).decode("ascii")
    cap = (
        f"<figcaption style='font-size:0.9em;color:#3c4043'>{esc(caption)}</figcaption>"
        if caption
        else ""
    )
    return HTMLFragment(
        f"<figure class='bi-figure' data-figure='{esc(name or Path(path).stem)}' "
        "style='margin:0.8em 0'>"
        f"<img src='data:image/png;base64,{b64}' alt='{esc(alt or caption or Path(path).stem)}' "
        f"style='max-width:100%;height:auto'/>{cap}</figure>"
    )


def details(summary: str, body: str) -> HTMLFragment:
    """A collapsed ``<details>`` block; ``summary`` is plain text, ``body`` a trusted fragment.

    Examples
    --------
    >>> details("<x>", "<p>y</p>").startswith("<details")
    True
    """
    return HTMLFragment(
        "<details class='bi-details' style='margin:0.8em 0'>"
        f"<summary style='font-weight:600;cursor:pointer'>{esc(summary)}</summary>{body}</details>"
    )
