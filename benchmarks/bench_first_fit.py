"""Benchmark: the first fit on a fresh machine, by sampler backend (cold and warm compile caches).

The ALC piecewise model of the SYNTHETIC bundled trial (27 patients) and of a 400-patient
generator trial, the analysis budget (4 chains x 2,000 draws after 1,000 tuning, target_accept
0.95, no log-likelihood group), each fit in a fresh process:

cold     empty PyTensor/numba cache (``PYTENSOR_FLAGS=base_compiledir=<tmp>``) and empty JAX
         persistent compilation cache (``JAX_COMPILATION_CACHE_DIR=<tmp>``): a first fit on a fresh
         machine without the install-time warm-up
warm     the same caches after the cold run: a first fit after ``make env`` (whose warm-up
         compiles the models, ``bayes_iris.pipeline.warmup``), and every later fit

Backends: ``nutpie`` (numba; the default), ``pymc`` (PyMC's NUTS, numba), ``numpyro`` (JAX,
chains one after another), ``numpyro_vectorized`` (JAX, four chains in one vectorised program),
``nutpie_jax`` (nutpie's JAX backend). Columns: process wall time (imports included), fit time
(compile + sampling), sampling time, min bulk ESS, ESS/s of the fit, divergences, and whether the
warm run's draws are bit-identical to the cold run's (same seed). Each run waits (at most 4
minutes) for the 1-minute load average to fall to 0.5; the load is recorded before/after each
run (after: the run's own two threads), and rows that started above 0.5 are provisional. Writes
``benchmarks/results/first_fit.md``.

Target (issue #12): ALC, 27 patients, first fit incl. compile <= 15 s on a fresh machine
(install excluded), aim 9 s.

Run: ``python benchmarks/bench_first_fit.py [--backends nutpie,pymc,numpyro] [--sizes 27,400]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CHILD = HERE / "fit_child.py"
LOAD_QUIET = 0.5


def wait_for_quiet(limit_s: float = 240.0) -> float:
    """Wait (at most ``limit_s``) for the 1-minute load to fall to ``LOAD_QUIET`` (the previous
    run's two sampling threads leave it near 2). Returns the load when timing starts."""
    t0 = time.monotonic()
    while os.getloadavg()[0] > LOAD_QUIET and time.monotonic() - t0 < limit_s:
        time.sleep(5)
    return os.getloadavg()[0]


def run(backend: str, n: int, cache: Path) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": "0",
           "PYTENSOR_FLAGS": f"base_compiledir={cache / 'pytensor'}",
           "JAX_COMPILATION_CACHE_DIR": str(cache / "jax"),
           "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
           "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}
    before = wait_for_quiet()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(CHILD), backend, str(n), "alc"], env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update(wall_s=wall, load_before=before, load_after=os.getloadavg()[0])
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", default="nutpie,pymc,numpyro,numpyro_vectorized,nutpie_jax")
    p.add_argument("--sizes", default="27,400")
    p.add_argument("--out", type=Path, default=RESULTS / "first_fit.md")
    args = p.parse_args(argv)
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        for backend in args.backends.split(","):
            with tempfile.TemporaryDirectory(prefix="bench-first-") as tmp:
                cold = run(backend, n, Path(tmp))
                warm = run(backend, n, Path(tmp))
            for label, r in (("cold", cold), ("warm", warm)):
                r.update(cache=label, same_draws=warm["digest"] == cold["digest"])
                rows.append(r)
                print(json.dumps(r), flush=True)
    text = render(rows)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


def render(rows: list[dict]) -> str:
    lines = [
        "# First fit by backend: ALC piecewise model, cold and warm compile caches (SYNTHETIC)", "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "- budget: 4 chains x 2,000 draws after 1,000 tuning, target_accept 0.95, 2 cores, no "
        "log-likelihood group; cold = empty PyTensor/numba and JAX caches, warm = after the cold "
        "run (a fresh machine after `make env`, whose warm-up compiles the models)", "",
        "| backend | patients | cache | process s | fit s | sampling s | min bulk ESS | "
        "ESS/s (fit) | divergences | warm draws = cold draws | load before/after |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        flag = " (provisional)" if r["load_before"] > LOAD_QUIET else ""
        lines.append(
            f"| {r['backend']} | {r['n_patients']} | {r['cache']} | {r['wall_s']:.1f} | "
            f"{r['fit_s']:.1f} | {r['sampling_s']:.1f} | {r['min_ess_bulk']:.0f} | "
            f"{r['min_ess_bulk'] / r['fit_s']:.1f} | {r['divergences']} | "
            f"{'yes' if r['same_draws'] else 'NO'} | "
            f"{r['load_before']:.2f}/{r['load_after']:.2f}{flag} |")
    lines += ["", "Target: ALC at 27 patients, first fit incl. compile <= 15 s on a fresh machine "
              "(install excluded; aim 9 s). Rows that started above load 0.5 are provisional (shared "
              "cores).",
              "Reproduce: `python benchmarks/bench_first_fit.py`."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
