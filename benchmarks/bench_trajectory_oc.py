"""Benchmark: operating characteristics with the real trajectory model — minutes per trial.

Runs :func:`bayes_iris.trajectory.oc.trajectory_oc` on ``--trials`` SYNTHETIC trials of
``--patients`` patients (CYT107 : placebo = 252 : 148, as the phase III plan) under one scenario
(true day-29 ALC ratio ``--ratio``, default 1.25), each fitted by the ALC piecewise model (4 chains,
the trajectory analysis's budget: 2000 draws after 1000 tuning; ``--fast`` 1000 + 500), on ``--workers`` local Dask
worker processes. Prints and writes ``benchmarks/results/trajectory_oc.md``: wall minutes per
trial (the number a user plans with), fit minutes per trial (one worker's time), P(success) with
its Monte Carlo SE, and the fits' diagnostics, with the machine load.

Defaults 100 trials x 400 patients on 2 workers (hours on 2 cores). ``--results DIR`` keeps the
finished trials there, so an interrupted benchmark resumes (the wall time then covers only the
trials run this time; the table says how many).

Run: ``python benchmarks/bench_trajectory_oc.py [--trials 100] [--patients 400] [--workers 2]``;
a smoke run: ``--trials 4 --patients 60 --fast``.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
CYT107_SHARE = 252 / 400


def arms(patients: int) -> tuple[int, int]:
    """CYT107 and placebo patients of a trial of ``patients`` (252 : 148)."""
    n_cyt = max(2, round(patients * CYT107_SHARE))
    return n_cyt, max(1, patients - n_cyt)


def main(argv: list[str] | None = None) -> int:
    from bayes_iris import atomic
    from bayes_iris.trajectory.oc import OC_BUDGET, trajectory_oc

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--patients", type=int, default=400)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--ratio", type=float, default=1.25, help="true day-29 ALC ratio")
    p.add_argument("--fast", action="store_true", help="1000 draws after 500 tuning per chain")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--results", type=Path, default=None,
                   help="keep finished trials here (resumable); default a temporary folder")
    args = p.parse_args(argv)
    n_cyt, n_pla = arms(args.patients)
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.results or Path(tmp) / "oc"
        before = len(list((folder / "trials").glob("*.json"))) if folder.is_dir() else 0
        t0 = time.perf_counter()
        res = trajectory_oc([{"name": "bench", "true_ratio": args.ratio}], n_trials=args.trials,
                            n_cyt107=n_cyt, n_placebo=n_pla, seed=args.seed, fast=args.fast,
                            results=folder, n_workers=args.workers)
        wall = time.perf_counter() - t0
    load1 = os.getloadavg()
    ran = max(args.trials - before, 0)
    s = res.summary.iloc[0]
    t = res.trials
    budget = OC_BUDGET["fast" if args.fast else "full"]
    row = {
        "trials": args.trials, "run now": ran, "patients": args.patients,
        "CYT107/placebo": f"{n_cyt}/{n_pla}", "workers": args.workers,
        "draws+tune": f"4 x ({budget['draws']}+{budget['tune']})",
        "wall min": wall / 60, "wall min/trial": wall / 60 / ran if ran else float("nan"),
        "fit min/trial (1 worker)": float(t["seconds"].mean()) / 60,
        "P(success)": float(s["p_success"]), "MCSE": float(s["mcse"]),
        "failed fits": int(s["n_failed_fits"]), "max R-hat": float(s["max_rhat"]),
        "min bulk ESS": float(s["min_ess_bulk"]),
        "min ESS log ratio": float(t["ess_log_ratio"].min()), "divergences": int(s["divergences"]),
    }
    head = "| " + " | ".join(row) + " |"
    sep = "|" + "---|" * len(row)
    cells = "| " + " | ".join(f"{v:.3g}" if isinstance(v, float) else str(v)
                              for v in row.values()) + " |"
    text = "\n".join([
        "# Trajectory OC benchmark (SYNTHETIC trials, ALC piecewise model, Dask LocalCluster)",
        "",
        f"One scenario, true day-29 ALC ratio {args.ratio:g}; rule {s['rule']}; seed "
        f"{args.seed}. `wall min/trial` = wall time / trials run now (what a user plans with); "
        "`fit min/trial` = mean time of one trial on its worker (simulate + compile + sample).",
        "",
        head, sep, cells, "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs; load average (1 min) "
        f"{load0[0]:.2f} before, {load1[0]:.2f} after.",
        "",
        f"Command: `python benchmarks/bench_trajectory_oc.py --trials {args.trials} --patients "
        f"{args.patients} --workers {args.workers}{' --fast' if args.fast else ''}`",
        "",
    ])
    print(text)
    RESULTS.mkdir(exist_ok=True)
    atomic.write_text(RESULTS / "trajectory_oc.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
