"""Helpers shared by the end-to-end (hardening) tests: trial-folder surgery, snapshots, CLI/script runners.

Not a test module (no ``test_`` prefix); imported by the ``test_e2e_*`` modules.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
ANALYSES = REPO / "analyses"
PYTHON = sys.executable
BIN = Path(sys.executable).parent / "bayes-iris"
TABLES = ("patients", "labs", "adverse_events", "outcomes")


# -- trial folders ------------------------------------------------------------------------------
def bundled_dir() -> Path:
    from bayes_iris.data import bundled_path

    return bundled_path()


def copy_bundled(dest: Path) -> Path:
    """Copy the bundled synthetic trial (tables, trial.yaml, truth.json) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in bundled_dir().iterdir():
        if f.is_file() and f.name != "SHA256SUMS":
            shutil.copy2(f, dest / f.name)
    return dest


def read_table(folder: Path, table: str) -> tuple[list[str], list[list[str]]]:
    with open(folder / f"{table}.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_table(folder: Path, table: str, header: Sequence[str], rows: Sequence[Sequence[str]],
                *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path = folder / f"{table}.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> int:
    """Set ``column`` of data row ``row`` (0-based) to ``value``; return the editor line (row + 2)."""
    header, rows = read_table(folder, table)
    rows[row][header.index(column)] = value
    write_table(folder, table, header, rows)
    return row + 2


def drop_column(folder: Path, table: str, column: str) -> None:
    header, rows = read_table(folder, table)
    i = header.index(column)
    write_table(folder, table, [h for j, h in enumerate(header) if j != i],
                [[v for j, v in enumerate(r) if j != i] for r in rows])


def add_column(folder: Path, table: str, column: str, value: str) -> None:
    header, rows = read_table(folder, table)
    write_table(folder, table, [*header, column], [[*r, value] for r in rows])


# -- snapshots ----------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple[str, int]] | None:
    """``relpath -> (sha256, mtime_ns)`` of every file under ``folder``; ``None`` if absent."""
    folder = Path(folder)
    if not folder.exists():
        return None
    if folder.is_file():
        return {".": (sha256(folder), folder.stat().st_mtime_ns)}
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out[p.relative_to(folder).as_posix()] = (sha256(p), p.stat().st_mtime_ns)
    return out


# -- running ------------------------------------------------------------------------------------
def squash(text: str) -> str:
    """Text with all whitespace removed (rich wraps long lines at the console width)."""
    return "".join(text.split()).lower()


def run_cli(argv: Sequence[str], capsys) -> tuple[int, str, str]:
    """``bayes_iris.cli.main(argv)`` in-process; returns ``(exit code, stdout, stderr)``."""
    from bayes_iris.cli import main

    capsys.readouterr()
    code = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


_SCRIPTS: dict[str, ModuleType] = {}


def scripts() -> list[str]:
    """Stems of the analysis scripts present in ``analyses/`` right now."""
    return sorted(p.stem for p in ANALYSES.glob("[0-9][0-9]_*.py"))


def load_script(stem: str) -> ModuleType:
    if stem not in _SCRIPTS:
        spec = importlib.util.spec_from_file_location(f"hardening_analysis_{stem}",
                                                      ANALYSES / f"{stem}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _SCRIPTS[stem] = mod
    return _SCRIPTS[stem]


def run_script(stem: str, argv: Sequence[str], capsys) -> tuple[int, str, str]:
    """``analyses/<stem>.py`` ``main(argv)`` in-process; argparse errors become exit code 2."""
    mod = load_script(stem)
    capsys.readouterr()
    try:
        code = mod.main([str(a) for a in argv])
    except SystemExit as err:  # argparse
        code = err.code if isinstance(err.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def env(**extra: str) -> dict[str, str]:
    """Environment of a subprocess: wide console, Agg backend, no user site tricks."""
    e = {**os.environ, "COLUMNS": "400", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
         "NO_COLOR": "1", "TERM": "dumb"}
    e.update(extra)
    return e


def run_proc(argv: Sequence[str], *, timeout: float = 600, cwd: Path | None = None,
             **env_extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or REPO, env=env(**env_extra), check=False)


def assert_clean_input_error(code: int, out: str, err: str, expect: Sequence[str] = ()) -> None:
    """Exit 2, no traceback, and every fragment of ``expect`` appears in the message."""
    text = out + "\n" + err
    assert "Traceback" not in text, text
    assert code == 2, f"exit code {code}, expected 2\n{text}"
    flat = squash(text)
    for frag in expect:
        assert squash(frag) in flat, f"{frag!r} not in the message:\n{text}"


@contextlib.contextmanager
def unchanged(*folders: Path):
    """Assert that ``folders`` (absent or present) are exactly as before the block."""
    before = [snapshot(f) for f in folders]
    yield
    after = [snapshot(f) for f in folders]
    for f, b, a in zip(folders, before, after, strict=True):
        assert a == b, f"{f} changed: before={b and sorted(b)} after={a and sorted(a)}"


# -- hostile trials -----------------------------------------------------------------------------
HOSTILE_SITE = "<script>alert(1)</script>"
HOSTILE_TERM = "<script>alert(2)</script>"
HOSTILE_ATTR = '" onmouseover="alert(3)" x="'
HOSTILE_ID_SUFFIX = "'><img src=x onerror=alert(4)>"
NETGUARD = Path(__file__).resolve().parent / "netguard"


def make_hostile_trial(dest: Path) -> Path:
    """A valid copy of the bundled trial whose free-text fields carry HTML/JS injections.

    Every row of one site becomes ``HOSTILE_SITE``; every row of two AE terms becomes
    ``HOSTILE_TERM`` / ``HOSTILE_ATTR`` (counts unchanged); one patient id gets ``HOSTILE_ID_SUFFIX``
    in all four tables.
    """
    copy_bundled(dest)
    header, rows = read_table(dest, "patients")
    i = header.index("site")
    site = rows[0][i]
    for r in rows:
        if r[i] == site:
            r[i] = HOSTILE_SITE
    pid = rows[0][0]
    write_table(dest, "patients", header, rows)
    header, rows = read_table(dest, "adverse_events")
    t = header.index("term")
    terms = sorted({r[t] for r in rows})
    for r in rows:
        if r[t] == terms[0]:
            r[t] = HOSTILE_TERM
        elif r[t] == terms[1]:
            r[t] = HOSTILE_ATTR
    write_table(dest, "adverse_events", header, rows)
    new_id = pid + HOSTILE_ID_SUFFIX
    for table in TABLES:
        header, rows = read_table(dest, table)
        for r in rows:
            if r[0] == pid:
                r[0] = new_id
        write_table(dest, table, header, rows)
    (dest / "truth.json").unlink(missing_ok=True)  # truth is keyed by the original ids
    return dest


def make_real_trial(dest: Path) -> Path:
    """A copy of the bundled trial declared as real patient-level data (for provenance tests)."""
    copy_bundled(dest)
    (dest / "truth.json").unlink()
    text = (dest / "trial.yaml").read_text(encoding="utf-8")
    start = text.index("provenance:")
    end = text.index("arms:")
    text = (text[:start] + "provenance:\n  kind: real\n  source: hardening test fixture\n"
            + text[end:])
    text = text.replace("name: iris7-synthetic", "name: hardening-real")
    (dest / "trial.yaml").write_text(text, encoding="utf-8")
    return dest
