"""Fingerprints: stable hashes of inputs and files, and the versions a number depends on.

One home for identity: :func:`hash_inputs` (the cache key of every fit is built from it),
:func:`sha256_file` (outputs recorded in ``manifest.json``) and :func:`package_versions` (stamped
on every fit and on the manifest).
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ._version import __version__

__all__ = ["code_version", "hash_inputs", "package_versions", "sha256_file"]


def _canonical(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return {"__pydantic__": type(obj).__name__, **_canonical(obj.model_dump(mode="json"))}
    if isinstance(obj, pd.DataFrame):
        h = hashlib.sha256()
        h.update(json.dumps([str(c) for c in obj.columns]).encode())
        h.update(json.dumps([str(t) for t in obj.dtypes]).encode())
        h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
        return {"__frame__": h.hexdigest()}
    if isinstance(obj, pd.Series):
        return _canonical(obj.to_frame())
    if isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        return {"__array__": hashlib.sha256(arr.tobytes()).hexdigest(),
                "shape": list(arr.shape), "dtype": str(arr.dtype)}
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, list | tuple):
        return [_canonical(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def hash_inputs(*objs: Any) -> str:
    """Stable sha256 (hex) of DataFrames, arrays, dicts, pydantic models and scalars.

    Examples
    --------
    >>> import pandas as pd
    >>> a = hash_inputs(pd.DataFrame({"x": [1, 2]}), {"b": 1, "a": 2})
    >>> a == hash_inputs(pd.DataFrame({"x": [1, 2]}), {"a": 2, "b": 1})
    True
    >>> a == hash_inputs(pd.DataFrame({"x": [1, 3]}), {"a": 2, "b": 1})
    False
    """
    text = json.dumps([_canonical(o) for o in objs], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def sha256_file(path: str | Path) -> str:
    """sha256 (hex) of a file's bytes, read in 1 MiB chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_text("abc")
    >>> sha256_file(p)[:12]
    'ba7816bf8f01'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of the packages whose behaviour the numbers depend on.

    Examples
    --------
    >>> v = package_versions()
    >>> "bayes-iris" in v and "pymc" in v
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "bayes-iris": __version__}
    for name in ("pymc", "pytensor", "arviz", "nutpie", "numpyro", "jax", "numpy", "scipy", "pandas"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def code_version(root: str | Path | None = None) -> dict[str, Any]:
    """The git commit of the checkout at ``root`` (default: the one holding this package).

    ``{"commit": <sha> | "unknown", "dirty": bool | None}``: "unknown" when ``root`` is not a git
    checkout or ``git`` is not installed; ``dirty`` is True when tracked files differ from the
    commit (the numbers then come from uncommitted code).

    Examples
    --------
    >>> import tempfile
    >>> code_version(tempfile.mkdtemp())["commit"]
    'unknown'
    """
    import shutil
    import subprocess

    where = Path(root) if root is not None else Path(__file__).resolve().parents[2]
    git = shutil.which("git")
    if git is None or not where.is_dir():
        return {"commit": "unknown", "dirty": None}

    def run(*args: str) -> str | None:
        try:
            proc = subprocess.run([git, "-C", str(where), *args], capture_output=True, text=True,
                                  timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    top = run("rev-parse", "--show-toplevel")
    if not top or Path(top).resolve() != where.resolve():  # a folder inside another repository
        return {"commit": "unknown", "dirty": None}
    commit = run("rev-parse", "HEAD")
    if not commit:
        return {"commit": "unknown", "dirty": None}
    status = run("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}
