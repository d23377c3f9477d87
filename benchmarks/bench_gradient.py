"""Benchmark: cost of one log-density + gradient of the trajectory models, by size and BLAS threads.

Calls nutpie's compiled C function (exactly what the sampler calls) for the ALC or joint
piecewise model on SYNTHETIC generator trials of 27 (the bundled trial), 100, 400 and 1,000
patients, at one fixed point, with OpenBLAS held to 1 and to 2 threads (``threadpoolctl``), and
says whether the two give the same bits. Run it under ``PYTHONPATH=<other checkout>/src`` to time
another formulation (the table of ``benchmarks/results/gradient.md`` compares the dense
``W @ theta`` design of model version 3 with the gathered one). Prints JSON lines and, with
``--out``, a Markdown table.

Run: ``python benchmarks/bench_gradient.py [--markers alc|joint] [--sizes 27,100,400,1000]``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def per_call_ms(fn, args, seconds: float = 1.5) -> float:
    fn(*args)
    k, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn(*args)
        k += 1
    return (time.perf_counter() - t0) / k * 1e3


def measure(n: int, markers: tuple[str, ...]) -> dict:
    import numpy as np
    import nutpie
    from threadpoolctl import threadpool_limits

    from bayes_iris.trajectory import TrajectoryModel
    from fit_child import trial

    tm = TrajectoryModel(trial(n), markers=markers)
    t0 = time.perf_counter()
    compiled = nutpie.compile_pymc_model(tm.build(), backend="numba")
    compile_s = time.perf_counter() - t0
    fn = compiled.compiled_logp_func.ctypes
    x = np.random.Generator(np.random.PCG64(0)).normal(scale=0.3, size=compiled.n_dim)
    grad, logp = np.zeros(compiled.n_dim), np.zeros(())
    dp = ctypes.POINTER(ctypes.c_double)
    args = (compiled.n_dim, x.ctypes.data_as(dp), grad.ctypes.data_as(dp),
            logp.ctypes.data_as(dp), compiled.user_data.ctypes.data)
    out = {"n_patients": n, "markers": "+".join(markers), "n_obs": len(tm.obs.frame),
           "n_dim": int(compiled.n_dim), "compile_s": compile_s}
    bits = {}
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"):
            out[f"ms_{threads}_thread"] = per_call_ms(fn, args)
            fn(*args)
            bits[threads] = (float(logp), grad.copy())
    out["same_bits_1_vs_2"] = bool(bits[1][0] == bits[2][0]
                                   and np.array_equal(bits[1][1], bits[2][1]))
    out["load"] = os.getloadavg()[0]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--markers", default="alc", choices=["alc", "joint"])
    p.add_argument("--sizes", default="27,100,400,1000")
    p.add_argument("--label", default="this checkout")
    p.add_argument("--out", type=Path, default=None, help="append a Markdown table here")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    markers = ("alc",) if args.markers == "alc" else ("alc", "cd4", "cd8")
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        rows.append(measure(n, markers))
        print(json.dumps(rows[-1]), flush=True)
    if args.out is not None:
        lines = [f"\n## {args.label}: {'+'.join(markers)}\n",
                 "| patients | observations | parameters | ms, 1 BLAS thread | "
                 "ms, 2 BLAS threads | same bits 1 vs 2 | load |",
                 "|---:|---:|---:|---:|---:|---|---:|"]
        lines += [f"| {r['n_patients']} | {r['n_obs']} | {r['n_dim']} | "
                  f"{r['ms_1_thread']:.4f} | {r['ms_2_thread']:.4f} | "
                  f"{'yes' if r['same_bits_1_vs_2'] else 'NO'} | {r['load']:.1f} |"
                  for r in rows]
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
