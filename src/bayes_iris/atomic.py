"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Everything the toolkit writes (tables, fits, figures, manifests, trial folders) goes through these
helpers: write to a temporary file in the destination folder, ``fsync``, then ``os.replace``. A run
killed at any moment therefore leaves either nothing or a complete artefact.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(dest: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; move it onto ``dest`` if the block succeeds.

    The temporary name keeps ``dest``'s suffix (or ``suffix``) so that writers that infer the
    format from the extension (matplotlib, pandas) behave.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{dest.name}.", suffix=(suffix if suffix is not None else dest.suffix) + ".part",
        dir=dest.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    # Writers that refuse to overwrite get a fresh name.
    tmp_path.unlink()
    tmp_path = tmp_path.with_name(tmp_path.name.removesuffix(".part"))
    try:
        yield tmp_path
        if tmp_path.is_file():
            with open(tmp_path, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp_path, dest)
    except BaseException:
        if tmp_path.is_dir():
            shutil.rmtree(tmp_path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                tmp_path.unlink()
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
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent))
    try:
        yield tmp
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(dest, old)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
