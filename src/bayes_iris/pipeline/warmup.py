"""Fill the compile caches at install time, so that a fresh machine's first fit is a warm one.

nutpie and PyMC compile every model with numba, and PyTensor keeps each compiled Op on disk
(``~/.pytensor``), next to the C wrappers nutpie calls (:mod:`bayes_iris.inference.nutpie_numba`). A first fit on a fresh machine compiles everything (minutes for the report's
models); later fits load it (``benchmarks/results/backends.md``). :func:`warm_caches` runs the
pipeline steps that fit models — the trajectory models (ALC piecewise and spline, the prior sets,
the joint model, predictive checks, the log-likelihood) and the adverse-event models — on the
bundled SYNTHETIC trial with a tiny sampling budget, into a temporary results folder that is then
deleted. ``scripts/bootstrap.sh`` (``make env``) calls it once after installing;
``BAYES_IRIS_WARMUP=0`` skips it (CI does: ``.ci/run``).

Because numba fast-math is off (:mod:`bayes_iris.inference.determinism`), a fit with the caches
filled this way gives bit for bit the draws of a fit that compiled from an empty cache
(``tests/inference/test_determinism.py``).

Run: ``python -m bayes_iris.pipeline.warmup [--steps 02_trajectories,03_adverse_events]``.

Examples
--------
>>> WARM_STEPS
('02_trajectories', '03_adverse_events')
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ..paths import discover_steps, repo_root
from .runner import _select, _step_env

__all__ = ["WARM_DRAWS", "WARM_STEPS", "warm_caches"]

#: the steps that compile models (the others use closed forms or JAX, compiled in-process)
WARM_STEPS = ("02_trajectories", "03_adverse_events")
#: draws and tuning steps per chain: enough to run every compiled function (tuning, sampling,
#: predictive checks, log-likelihood); the fits are thrown away
WARM_DRAWS = 10


def warm_caches(steps: Sequence[str] = WARM_STEPS, *, root: Path | None = None,
                echo: bool = True) -> list[tuple[str, int, float]]:
    """Run ``steps`` with a tiny budget into a temporary folder; ``[(step, exit code, seconds)]``.

    Not ``--fast``: the full step also fits the spline model. A step that fails only leaves its
    models uncompiled (the first real fit compiles them): the return value reports it, nothing
    raises. Unknown step names raise :class:`~bayes_iris.errors.InputError` before anything runs.
    """
    root = root or repo_root()
    scripts = _select(discover_steps(root), list(steps)) if steps else []
    out = []
    with tempfile.TemporaryDirectory(prefix="bayes-iris-warmup-") as tmp:
        for script in scripts:
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, str(script), "--results", str(Path(tmp) / "results"),
                 "--draws", str(WARM_DRAWS), "--tune", str(WARM_DRAWS)],
                cwd=root, env=_step_env(root), capture_output=True, text=True, check=False,
            )
            seconds = time.perf_counter() - t0
            out.append((script.stem, proc.returncode, seconds))
            if echo:
                state = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
                print(f"warm-up: {script.stem} compiled ({state}, {seconds:.0f} s)", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m bayes_iris.pipeline.warmup``; ``BAYES_IRIS_WARMUP=0`` skips it.

    Always exits 0: a failed warm-up costs the first fit time, never numbers.
    """
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--steps", default=",".join(WARM_STEPS))
    args = p.parse_args(argv)
    if os.environ.get("BAYES_IRIS_WARMUP", "1").strip() == "0":
        print("warm-up: skipped (BAYES_IRIS_WARMUP=0); the first fit will compile the models")
        return 0
    print("warm-up: compiling the models the report fits, once (BAYES_IRIS_WARMUP=0 skips it)",
          flush=True)
    warm_caches([s for s in args.steps.split(",") if s])
    return 0


if __name__ == "__main__":
    sys.exit(main())
