"""Benchmark: wall time (cold and warm compile) and ESS/s of nutpie, PyMC NUTS and numpyro.

Fits the ALC piecewise trajectory model of the bundled (SYNTHETIC) trial with the default prior,
4 chains x 1000 draws (1000 tuning), 2 cores. Each run is a fresh subprocess; "cold" uses empty
PyTensor compile and numba cache dirs (``PYTENSOR_FLAGS=base_compiledir=<tmp>``), "warm" reuses
what the cold run filled. So "cold" is the first fit on a fresh machine (numba compiles every
PyTensor Op once and caches it on disk) and "warm" every later fit. Writes
``benchmarks/results/sampling.md`` and prints the table, the nutpie/PyMC ESS/s ratio (target >= 2)
and the nutpie ALC fit time (target < 15 s including compile).

Run: ``python benchmarks/bench_sampling.py [--samplers nutpie,pymc,numpyro] [--draws 1000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bayes_iris import atomic

RESULTS = Path(__file__).parent / "results"

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.time()
from bayes_iris.data import load_bundled
from bayes_iris.inference import SamplerConfig, fit
from bayes_iris.trajectory import TrajectoryModel
t_import = time.time() - t0
tm = TrajectoryModel(load_bundled())
m = tm.build()
cfg = SamplerConfig(seed=int(sys.argv[3]), sampler=sys.argv[1], draws=int(sys.argv[2]), tune=int(sys.argv[2]),
                    progressbar=False, log_likelihood=False)
t1 = time.time()
r = fit(m, cfg, name="bench")
t_fit = time.time() - t1
sampling = float(r.idata["posterior"].attrs.get("sampling_time", "nan") or "nan")
print(json.dumps({"import": t_import, "fit": t_fit, "sampling_time": sampling,
                  "min_ess_bulk": r.diagnostics.min_ess_bulk,
                  "divergences": r.diagnostics.divergences, "ok": r.diagnostics.ok}))
"""


def run(sampler: str, draws: int, compiledir: str, seed: int = 1) -> dict:
    env = dict(os.environ, PYTENSOR_FLAGS=f"base_compiledir={compiledir}")
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, sampler, str(draws), str(seed)], env=env,
                          capture_output=True, text=True, check=True)
    wall = time.time() - t0
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall"] = wall
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samplers", default="nutpie,pymc,numpyro")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=3,
                   help="warm runs per sampler (seeds 1..N); the summary uses their medians")
    args = p.parse_args(argv)
    rows = []
    for sampler in args.samplers.split(","):
        with tempfile.TemporaryDirectory() as cdir:
            runs = [("cold", 1, run(sampler, args.draws, cdir))]
            runs += [("warm", seed, run(sampler, args.draws, cdir, seed))
                     for seed in range(1, args.repeats + 1)]
        for label, seed, r in runs:
            rows.append({"sampler": sampler, "cache": label, "seed": seed, **r,
                         "ess_per_s_fit": r["min_ess_bulk"] / r["fit"],
                         "ess_per_s_sampling": r["min_ess_bulk"] / r["sampling_time"]})
            print(rows[-1], flush=True)
    lines = ["# Sampling benchmark (ALC piecewise model, bundled SYNTHETIC trial)", "",
             f"4 chains x {args.draws} draws ({args.draws} tuning), 2 cores. `fit` = compile + "
             "sample inside the process; `wall` = whole subprocess incl. imports. `cold`: empty "
             "PyTensor/numba caches (first fit on a fresh machine); `warm`: caches filled, "
             f"seeds 1..{args.repeats}.", "",
             "| sampler | cache | seed | wall s | fit s | sampling s | min bulk ESS "
             "| ESS/s (fit) | ESS/s (sampling) | divergences |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['sampler']} | {r['cache']} | {r['seed']} | {r['wall']:.1f} | "
                     f"{r['fit']:.1f} | {r['sampling_time']:.1f} | {r['min_ess_bulk']:.0f} | "
                     f"{r['ess_per_s_fit']:.1f} | {r['ess_per_s_sampling']:.1f} | "
                     f"{r['divergences']} |")

    def warm_median(sampler: str, key: str) -> float:
        values = [r[key] for r in rows if r["sampler"] == sampler and r["cache"] == "warm"]
        return float(statistics.median(values)) if values else float("nan")

    samplers = {r["sampler"] for r in rows}
    if {"nutpie", "pymc"} <= samplers:
        ratio = warm_median("nutpie", "ess_per_s_fit") / warm_median("pymc", "ess_per_s_fit")
        ratio_s = (warm_median("nutpie", "ess_per_s_sampling")
                   / warm_median("pymc", "ess_per_s_sampling"))
        lines += ["", f"nutpie / PyMC ESS/s, medians of the warm runs: {ratio:.2f} incl. compile, "
                  f"{ratio_s:.2f} sampling only (target >= 2)"]
    if "nutpie" in samplers:
        cold = next(r for r in rows if r["sampler"] == "nutpie" and r["cache"] == "cold")
        lines += [f"nutpie ALC fit: cold {cold['fit']:.1f} s; warm median "
                  f"{warm_median('nutpie', 'fit'):.1f} s, whole process "
                  f"{warm_median('nutpie', 'wall'):.1f} s (target < 15 s incl. compile)"]
    text = "\n".join(lines) + "\n"
    atomic.write_text(RESULTS / "sampling.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
