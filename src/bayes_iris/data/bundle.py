"""The bundled SYNTHETIC trial ``iris7-synthetic``: where it is, loading it, how it is made.

:func:`bundled_path`, :func:`load_bundled` and :func:`load_bundled_truth` read the trial shipped with
the package. The shipped files under ``bayes_iris/data/bundled/iris7-synthetic/`` are exactly what
:func:`build_bundled` writes: :func:`~bayes_iris.data.synthetic.simulate_trial` with
:data:`BUNDLED_SEED`, 17 CYT107 (8 weekly, 9 twice-weekly) and 10 placebo patients, the default
:class:`~bayes_iris.data.synthetic.SyntheticParams`. ``SHA256SUMS`` records each file's checksum; a test
regenerates the trial from the seed and compares both the parsed tables and the checksums.

Regenerate (only after a deliberate change to the generator) with::

    python -m bayes_iris.data.bundle
"""

from __future__ import annotations

import hashlib
import sys
from importlib import resources
from pathlib import Path

from ..errors import InputError
from ..seeds import DEFAULT_SEED
from .load import load_trial
from .synthetic import SyntheticTrial, Truth, load_truth, simulate_trial
from .trial import TrialData
from .write import write_trial

__all__ = [
    "BUNDLED",
    "BUNDLED_NAME",
    "BUNDLED_SEED",
    "build_bundled",
    "bundled_path",
    "bundled_trial",
    "checksums",
    "load_bundled",
    "load_bundled_truth",
    "manifest_text",
    "read_manifest",
]

BUNDLED_NAME = "iris7-synthetic"
BUNDLED = (BUNDLED_NAME,)  # every trial shipped with the package
BUNDLED_SEED = DEFAULT_SEED
BUNDLED_N_CYT107 = 17
BUNDLED_N_PLACEBO = 10
MANIFEST = "SHA256SUMS"


def bundled_path(name: str = BUNDLED_NAME) -> Path:
    """Folder of a bundled trial shipped with the package.

    Examples
    --------
    >>> bundled_path().name
    'iris7-synthetic'
    """
    if name not in BUNDLED:
        raise InputError(
            f"unknown bundled trial {name!r}",
            column="name",
            hint=f"bundled trials: {', '.join(BUNDLED)}",
        )
    return Path(str(resources.files("bayes_iris.data") / "bundled" / name))


def load_bundled(name: str = BUNDLED_NAME) -> TrialData:
    """Load a trial shipped with the package (default: the SYNTHETIC ``iris7-synthetic``).

    Examples
    --------
    >>> t = load_bundled()
    >>> t.provenance_label.startswith("SYNTHETIC")
    True
    >>> t.patients["arm"].value_counts().to_dict()
    {'cyt107': 17, 'placebo': 10}
    """
    return load_trial(bundled_path(name))


def load_bundled_truth(name: str = BUNDLED_NAME) -> Truth | None:
    """The truth of a bundled synthetic trial.

    Examples
    --------
    >>> 2 < load_bundled_truth().alc_day29_ratio < 3
    True
    """
    return load_truth(bundled_path(name))


def bundled_trial() -> SyntheticTrial:
    """Simulate the bundled trial from its seed (what the shipped files hold).

    Examples
    --------
    >>> bundled_trial().data.meta.name
    'iris7-synthetic'
    """
    return simulate_trial(
        BUNDLED_SEED, n_cyt107=BUNDLED_N_CYT107, n_placebo=BUNDLED_N_PLACEBO, name=BUNDLED_NAME
    )


def checksums(folder: str | Path) -> dict[str, str]:
    """sha256 of every file of a trial folder except the manifest itself, by file name.

    Examples
    --------
    >>> sorted(checksums(bundled_path()))[:2]
    ['adverse_events.csv', 'labs.csv']
    """
    folder = Path(folder)
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST
    }


def manifest_text(folder: str | Path) -> str:
    """The ``SHA256SUMS`` text of ``folder`` (``sha256sum`` format: hash, two spaces, name)."""
    return "".join(f"{h}  {name}\n" for name, h in checksums(folder).items())


def read_manifest(folder: str | Path) -> dict[str, str]:
    """The checksums recorded in ``folder``'s ``SHA256SUMS``, by file name.

    Examples
    --------
    >>> read_manifest(bundled_path()) == checksums(bundled_path())
    True
    """
    out = {}
    for line in (Path(folder) / MANIFEST).read_text(encoding="utf-8").splitlines():
        h, name = line.split(maxsplit=1)
        out[name.strip()] = h
    return out


def build_bundled(dest: str | Path | None = None) -> Path:
    """Write the bundled trial (tables, ``trial.yaml``, ``truth.json``, ``SHA256SUMS``) to ``dest``.

    Default ``dest`` is the package's own bundled folder (overwritten).
    """
    dest = Path(dest) if dest is not None else bundled_path(BUNDLED_NAME)
    write_trial(bundled_trial(), dest, overwrite=True)
    (dest / MANIFEST).write_text(manifest_text(dest), encoding="utf-8")
    return dest


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    print(build_bundled(sys.argv[1] if len(sys.argv) > 1 else None))
