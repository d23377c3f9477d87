"""The results folder: where analyses write, and where the report reads.

Layout (one folder per trial, default ``results/<trial name>/``)::

    manifest.json       trial, provenance, run seed, package versions, and one record per step:
                        its outputs (path, sha256), its diagnostics and its status
    fits/*.nc           fitted models (self-describing netCDF; see ``bayes_iris.inference``)
    tables/*.csv        tidy tables; each carries a ``provenance`` column ("synthetic" | "real")
    figures/*.png       figures; each is stamped with the provenance banner

Every write is atomic (``bayes_iris.atomic``). Provenance is stamped here, centrally, so that no
table or figure made from synthetic data can leave without saying so.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__, atomic
from .data.trial import TrialData

MANIFEST = "manifest.json"


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of the packages whose behaviour the numbers depend on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "bayes-iris": __version__}
    for name in ("pymc", "pytensor", "arviz", "nutpie", "numpyro", "jax", "numpy", "scipy", "pandas"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


@dataclass
class ResultsDir:
    """Writes artefacts of one trial's analyses, atomically, with provenance stamped on each."""

    root: Path
    trial: TrialData

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    # -- paths -----------------------------------------------------------------------------
    @property
    def fits(self) -> Path:
        return self.root / "fits"

    @property
    def tables(self) -> Path:
        return self.root / "tables"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    @property
    def provenance_kind(self) -> str:
        return self.trial.meta.provenance.kind

    # -- writers ---------------------------------------------------------------------------
    def write_table(self, name: str, df: pd.DataFrame, *, provenance: str | None = None) -> Path:
        """Write ``tables/<name>.csv`` with a ``provenance`` column added (first column).

        ``provenance`` defaults to the trial's ("synthetic" or "real"); pass "published" for tables
        computed from published summary-level numbers only (they do not depend on the trial).
        """
        out = df.copy()
        if "provenance" in out.columns:
            out = out.drop(columns="provenance")
        out.insert(0, "provenance", provenance or self.provenance_kind)
        dest = self.tables / f"{name}.csv"
        return atomic.write_with(dest, lambda p: out.to_csv(p, index=False, lineterminator="\n"))

    def write_figure(
        self, name: str, fig: Any, *, dpi: int = 110, published: bool = False
    ) -> Path:
        """Stamp the provenance banner on ``fig`` and write ``figures/<name>.png``.

        ``published=True`` for figures made from published summary-level numbers only: they are
        stamped "published summary data" instead of the trial's provenance.
        """
        stamp_provenance(fig, self.trial, published=published)
        dest = self.figures / f"{name}.png"
        return atomic.write_with(
            # bbox "tight": nothing clipped (long tick labels), and room for the stamp below
            dest, lambda p: fig.savefig(p, dpi=dpi, format="png", metadata={"Software": None},
                                        bbox_inches="tight", pad_inches=0.08),
        )

    def write_json(self, relpath: str, obj: Any) -> Path:
        dest = self.root / relpath
        return atomic.write_text(dest, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")

    # -- manifest --------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not path.exists():
            return {}
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:  # cannot happen with atomic writes; recover by starting over
            return {}

    def record_step(
        self,
        step: str,
        *,
        outputs: list[Path],
        seed: int,
        inputs_hash: str | None = None,
        diagnostics: dict[str, Any] | None = None,
        status: str = "ok",
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record a finished step in ``manifest.json`` (atomically) and return the manifest.

        ``status`` is "ok", "warning" (diagnostics flagged something) or "failed".
        """
        manifest = self.read_manifest()
        manifest.update(
            trial=self.trial.meta.name,
            provenance=self.trial.meta.provenance.model_dump(),
            provenance_label=self.trial.provenance_label,
            versions=package_versions(),
        )
        steps = manifest.setdefault("steps", {})
        steps[step] = {
            "status": status,
            "seed": seed,
            "inputs_hash": inputs_hash,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "diagnostics": diagnostics or {},
            "outputs": [
                {"path": str(Path(p).relative_to(self.root)), "sha256": sha256_file(p)}
                for p in outputs
            ],
            **(extra or {}),
        }
        self.write_json(MANIFEST, manifest)
        return manifest


def stamp_provenance(fig: Any, trial: TrialData | None, *, published: bool = False) -> None:
    """Put the provenance banner at the bottom of a matplotlib figure (idempotent)."""
    if getattr(fig, "_bayes_iris_stamped", False):
        return
    synthetic = (not published) and trial is not None and trial.is_synthetic
    if published or trial is None:
        text = "Published summary-level data (FACTS.md sources)"
    elif synthetic:
        text = "SYNTHETIC DATA — not IRIS-7 patient data"
    else:
        text = trial.provenance_label
    # Below everything already drawn (axis labels may spill under the figure's own area), so it
    # never covers a label; savefig(bbox_inches="tight") grows the canvas to include it.
    try:
        bottom = fig.get_tightbbox(fig.canvas.get_renderer()).y0 / fig.get_figheight()
    except Exception:  # a figure without a canvas renderer: fall back to the bottom edge
        bottom = 0.0
    fig.text(
        0.995, min(bottom, 0.0) - 0.01, text, ha="right", va="top", fontsize=7,
        color="#b00020" if synthetic else "#444444", alpha=0.9,
        fontweight="bold" if synthetic else "normal",
    )
    fig._bayes_iris_stamped = True


def default_results_dir(trial: TrialData, base: str | Path = "results") -> Path:
    return Path(base) / trial.meta.name


def _int_at_least(minimum: int):
    """An argparse type: a whole number >= ``minimum`` (argparse exits 2 otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value}")
        return value

    return parse


_seed_arg = _int_at_least(0)  # --seed: a non-negative integer
_positive_int = _int_at_least(1)


def script_parser(description: str) -> argparse.ArgumentParser:
    """The options every script in ``analyses/`` takes."""
    from .seeds import DEFAULT_SEED

    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", type=Path, default=None,
                   help="trial folder (default: the bundled SYNTHETIC trial 'iris7-synthetic')")
    p.add_argument("--results", type=Path, default=None,
                   help="results folder (default: results/<trial name>)")
    p.add_argument("--seed", type=_seed_arg, default=DEFAULT_SEED,
                   help="run seed, a non-negative integer (all randomness derives from it)")
    p.add_argument("--fast", action="store_true", help="small budgets, for smoke tests")
    p.add_argument("--strict", action="store_true", help="fail (exit 3) when diagnostics fail")
    p.add_argument("--draws", type=_positive_int, default=None,
                   help="MCMC draws per chain for every fit of this step (default: the step's own)")
    p.add_argument("--tune", type=_positive_int, default=None,
                   help="MCMC tuning steps per chain (default: the step's own)")
    return p

