"""Where things live: the checkout (``analyses/``, ``report/``) and a trial's results folder.

A trial's name comes from an untrusted ``trial.yaml``; it never becomes a path as it stands.
:func:`trial_slug` turns it into one safe folder name (letters, digits, ``.``, ``_``, ``-``; a short
hash of the original is appended whenever anything had to change, so two different names never
share a folder) and :func:`results_folder` joins it to the results base and checks that the result
stays inside it.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from .errors import InputError, Problem

__all__ = [
    "DEFAULT_RESULTS_BASE",
    "analyses_dir",
    "discover_steps",
    "repo_root",
    "results_folder",
    "trial_slug",
]

#: The folder under which ``results/<trial slug>/`` is created when no results folder is given.
DEFAULT_RESULTS_BASE = Path("results")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_SLUG = 64


def trial_slug(name: str) -> str:
    """A folder name made from a trial name: safe, stable and distinct for distinct names.

    Runs of characters other than letters, digits, ``.``, ``_`` and ``-`` become one ``-``;
    leading and trailing dots and dashes are dropped (no ``..``, no hidden folders); the result is
    at most 64 characters. When the name had to change, ``-`` and the first 8 hex digits of the
    name's sha256 are appended, so ``"a/b"`` and ``"a b"`` do not collide.

    Examples
    --------
    >>> trial_slug("iris7-synthetic")
    'iris7-synthetic'
    >>> trial_slug("../escaped-trial")
    'escaped-trial-416a47ec'
    >>> trial_slug("/etc/passwd").startswith("etc-passwd-")
    True
    >>> "/" in trial_slug("</script><b>x"), trial_slug("..")[:6]
    (False, 'trial-')
    """
    text = str(name)
    slug = _UNSAFE.sub("-", text).strip(".-")[:_MAX_SLUG].strip(".-")
    if slug == text:
        return slug
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug or 'trial'}-{digest}"


def results_folder(trial_name: str, base: str | Path | None = None) -> Path:
    """``<base>/<trial_slug(trial_name)>``, verified to lie inside ``base`` (default ``results``).

    Examples
    --------
    >>> results_folder("../x", "results").as_posix()
    'results/x-d6b96a97'
    """
    base = Path(DEFAULT_RESULTS_BASE if base is None else base)
    folder = base / trial_slug(trial_name)
    root = base.resolve()
    if not folder.resolve().is_relative_to(root) or folder.resolve() == root:
        raise InputError(Problem(f"trial name {trial_name!r} does not give a folder inside {base}",
                                 column="name", hint="use letters, digits, '-' and '_'"))
    return folder


def repo_root() -> Path:
    """The checkout that holds ``analyses/`` and ``report/``.

    ``BAYES_IRIS_ROOT`` wins; otherwise the folder above ``src/`` of this (editable) install, then
    the current folder and its parents.
    """
    if os.environ.get("BAYES_IRIS_ROOT"):
        root = Path(os.environ["BAYES_IRIS_ROOT"])
        if not ((root / "analyses").is_dir() and (root / "report").is_dir()):
            raise InputError(
                Problem(
                    "BAYES_IRIS_ROOT does not point to a bayes-iris checkout (no analyses/ and "
                    "report/ folders)",
                    file=root,
                    column="BAYES_IRIS_ROOT",
                    hint="unset it, or point it at a clone of the repository",
                )
            )
        return root
    cwd = Path.cwd().resolve()
    for c in (Path(__file__).resolve().parents[2], cwd, *cwd.parents):
        if (c / "analyses").is_dir() and (c / "report").is_dir():
            return c
    raise InputError(
        Problem(
            "cannot find the bayes-iris checkout (a folder with analyses/ and report/)",
            hint="run from a clone of the repository, or set BAYES_IRIS_ROOT to it; the analysis "
            "scripts and the report sources are not part of the installed package",
        )
    )


def analyses_dir() -> Path:
    """``<checkout>/analyses``: the numbered step scripts."""
    return repo_root() / "analyses"


def discover_steps(root: Path | None = None) -> list[Path]:
    """The numbered scripts ``analyses/NN_*.py``, in order.

    Examples
    --------
    >>> [p.stem for p in discover_steps()][:2]
    ['01_data', '02_trajectories']
    """
    folder = (root or repo_root()) / "analyses"
    return sorted(p for p in folder.glob("[0-9][0-9]_*.py") if p.is_file())
