"""The results folder: where analyses write, and where the report reads.

Layout (one folder per trial, default ``results/<slug of the trial name>/``, never outside
``results/``: :func:`bayes_iris.paths.results_folder`)::

    manifest.json       trial, provenance, run seed, package versions, and one record per step:
                        its outputs (path, sha256), its diagnostics and its status
    fits/*.nc           fitted models, ``<name>-<key>.nc`` (self-describing netCDF; see
                        ``bayes_iris.inference``)
    tables/*.csv        tidy tables; each carries a ``provenance`` column ("synthetic" | "real")
    figures/*.png       figures; each is stamped with the provenance banner
    figures/*.json      beside each figure, what a reader would check: a legend, tick labels
                        that do not overprint (:func:`bayes_iris.plots.checks.check_figure`)

Every write is atomic (``bayes_iris.atomic``). Provenance is stamped here, centrally, so that no
table or figure made from synthetic data can leave without saying so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .. import atomic
from ..data.trial import TrialData
from ..fingerprints import code_version, package_versions, sha256_file
from ..paths import results_folder
from ..result import Result
from .tables import MANIFEST

__all__ = ["PUBLISHED_SOURCES", "ResultsDir", "default_results_dir", "fit_records",
           "stamp_provenance"]

#: The publications behind the published summary-level numbers (the stamp of their figures).
PUBLISHED_SOURCES = ("Francois et al., JCI Insight 2018; Daix et al., Ann Intensive Care 2023; "
                     "meta-analysis 2026, PMID 42055480")


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

    def write_result(self, result: Result, *, provenance: str | None = None) -> list[Path]:
        """Write every table of an analysis result (``result.tables()``), in order."""
        return [self.write_table(name, df, provenance=provenance)
                for name, df in result.tables().items()]

    def write_figure(
        self, name: str, fig: Any, *, dpi: int = 110, published: bool = False
    ) -> Path:
        """Stamp the provenance banner on ``fig`` and write ``figures/<name>.png``.

        ``published=True`` for figures made from published summary-level numbers only: they are
        stamped with the publications instead of the trial's provenance. Beside the PNG,
        ``figures/<name>.json`` records :func:`~bayes_iris.plots.checks.check_figure` (legend,
        overprinting tick labels) for the report's checks.
        """
        from ..plots.checks import check_figure

        stamp_provenance(fig, self.trial, published=published)
        dest = self.figures / f"{name}.png"
        path = atomic.write_with(
            # bbox "tight": nothing clipped (long tick labels), and room for the stamp below
            dest, lambda p: fig.savefig(p, dpi=dpi, format="png", metadata={"Software": None},
                                        bbox_inches="tight", pad_inches=0.08),
        )
        self.write_json(f"figures/{name}.json", {"figure": name, **check_figure(fig)})
        return path

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
        fits: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record a finished step in ``manifest.json`` (atomically) and return the manifest.

        ``status`` is "ok", "warning" (diagnostics flagged something) or "failed". ``fits``
        (``{key: FitResult}``) are recorded with their sampler settings (:func:`fit_records`);
        the manifest also gets the package versions and the code's git commit.
        """
        manifest = self.read_manifest()
        manifest.update(
            trial=self.trial.meta.name,
            provenance=self.trial.meta.provenance.model_dump(),
            provenance_label=self.trial.provenance_label,
            versions=package_versions(),
            code=code_version(),
        )
        if fits:
            extra = {**(extra or {}), "fits": fit_records(fits)}
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
        text = f"Published summary-level data — {PUBLISHED_SOURCES}"
    elif synthetic:
        text = "SYNTHETIC DATA — not IRIS-7 patient data"
    else:
        text = trial.provenance_label
    # Below everything already drawn (axis labels may spill under the figure's own area), so it
    # never covers a label; savefig(bbox_inches="tight") grows the canvas to include it.
    try:
        fig.draw_without_rendering()  # run the layout engine: legends outside take their place
        bottom = fig.get_tightbbox(fig.canvas.get_renderer()).y0 / fig.get_figheight()
    except Exception:  # a figure without a canvas renderer: fall back to the bottom edge
        bottom = 0.0
    fig.text(
        0.995, min(bottom, 0.0) - 0.01, text, ha="right", va="top", fontsize=7,
        color="#b00020" if synthetic else "#444444", alpha=0.9,
        fontweight="bold" if synthetic else "normal",
    )
    fig._bayes_iris_stamped = True


def fit_records(fits: dict[str, Any]) -> list[dict[str, Any]]:
    """What the report's methods chapter shows of each fit: sampler settings, seed, time, file.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from bayes_iris.inference import SamplerConfig
    >>> f = SimpleNamespace(name="m", config=SamplerConfig(seed=3), seconds=1.5,
    ...                     from_cache=False, path=None, diagnostics=None)
    >>> fit_records({"m": f})[0]["draws"]
    2000
    """
    out = []
    for key, f in fits.items():
        cfg = f.config
        diag = getattr(f, "diagnostics", None)
        out.append({
            "fit": key, "model": f.name, "sampler": cfg.sampler, "chains": cfg.chains,
            "cores": cfg.cores, "tune": cfg.tune, "draws": cfg.draws,
            "target_accept": cfg.target_accept, "seed": cfg.seed,
            "seconds": round(float(f.seconds or 0.0), 1), "from_cache": bool(f.from_cache),
            "file": Path(f.path).name if getattr(f, "path", None) else None,
            "status": ("ok" if diag.ok else "failed") if diag is not None else None,
        })
    return out


def default_results_dir(trial: TrialData, base: str | Path | None = None) -> Path:
    """``results/<slug of the trial name>``: never outside ``base`` (:func:`bayes_iris.paths.results_folder`).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> default_results_dir(load_bundled()).as_posix()
    'results/iris7-synthetic'
    """
    return results_folder(trial.meta.name, base)
