"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Everything the toolkit writes (tables, fits, figures, manifests, trial folders) goes through these
helpers: write to a temporary file in the destination folder, ``fsync``, then ``os.replace``. A run
killed at any moment therefore leaves either nothing or a complete artefact.

Temporary names are hidden and unmistakable: ``.<dest name>.tmp-<pid>-<token><suffix>`` (folders:
``...part``). A process killed with SIGKILL cannot remove its temporary file; such leftovers are
recognised by :func:`is_temp`, are never artefacts (readers skip hidden files), and are removed as
soon as the same destination is written again, or by :func:`clean_stale` for a whole folder, once
the process that made them is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["atomic_dir", "atomic_path", "clean_stale", "is_temp", "write_bytes", "write_text",
           "write_with"]

_TEMP_RE = re.compile(r"^\..+\.tmp-(?P<pid>\d+)-[0-9a-f]{8}(?:\..*)?$")


def _temp_name(dest: Path, suffix: str) -> str:
    return f".{dest.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def is_temp(path: str | Path) -> bool:
    """True for a temporary file or folder made by this module (never an artefact).

    Examples
    --------
    >>> is_temp(".consort.csv.tmp-123-0a1b2c3d.csv"), is_temp("consort.csv")
    (True, False)
    """
    return _TEMP_RE.match(Path(path).name) is not None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _is_stale(path: Path) -> bool:
    m = _TEMP_RE.match(path.name)
    return m is not None and not _pid_alive(int(m.group("pid")))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def clean_stale(folder: str | Path, *, recursive: bool = True) -> list[Path]:
    """Remove temporary files and folders left in ``folder`` by processes that no longer run.

    Returns the removed paths. Temporaries of running processes (a concurrent writer) are kept.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for p in sorted(folder.rglob(".*") if recursive else folder.glob(".*")):
        if _is_stale(p) and (p.exists() or p.is_symlink()):
            _remove(p)
            removed.append(p)
    return removed


def _clean_siblings(dest: Path) -> None:
    """Remove stale temporaries of ``dest`` (a killed earlier write of the same artefact)."""
    prefix = f".{dest.name}.tmp-"
    with contextlib.suppress(OSError):
        for p in dest.parent.iterdir():
            if p.name.startswith(prefix) and _is_stale(p):
                _remove(p)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(dest: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; move it onto ``dest`` if the block succeeds.

    The temporary name keeps ``dest``'s suffix (or ``suffix``) so that writers that infer the
    format from the extension (matplotlib, pandas) behave. It does not exist when yielded (writers
    that refuse to overwrite are happy); the block may create a file or a folder there.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _clean_siblings(dest)
    tmp_path = dest.parent / _temp_name(dest, suffix if suffix is not None else dest.suffix)
    try:
        yield tmp_path
        if tmp_path.is_file():
            with open(tmp_path, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp_path, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        _remove(tmp_path)
        raise


def write_bytes(dest: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return Path(dest)


def write_text(dest: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``dest`` atomically."""
    return write_bytes(dest, text.encode(encoding))


def write_with(dest: str | Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``dest`` atomically.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_with(d / "t.csv", lambda p: pd.DataFrame({"a": [1]}).to_csv(p, index=False))
    >>> (d / "t.csv").read_text().splitlines()
    ['a', '1']
    >>> [p.name for p in d.iterdir()]  # no temporary file left behind
    ['t.csv']
    """
    with atomic_path(dest) as tmp:
        writer(tmp)
    return Path(dest)


@contextlib.contextmanager
def atomic_dir(dest: str | Path) -> Iterator[Path]:
    """Build a whole folder in a temporary sibling and rename it onto ``dest`` at the end.

    An existing ``dest`` is replaced only once the new folder is complete.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _clean_siblings(dest)
    tmp = dest.parent / _temp_name(dest, ".part")
    tmp.mkdir()
    try:
        yield tmp
        if dest.exists():
            old = dest.parent / _temp_name(dest, ".old")
            os.replace(dest, old)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
