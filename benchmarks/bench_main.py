"""Benchmark of the README's main command, ``bayes-iris report``, on the bundled SYNTHETIC trial.

Three timed runs, each a fresh process exactly as a user would type it:

cold     empty results folder, empty PyTensor and numba caches
         (``PYTENSOR_FLAGS=base_compiledir=<tmp>``): a first run on a machine where the
         install-time warm-up did not run (``BAYES_IRIS_WARMUP=0 make env``)
warm     the same command again at once: every step reused from the pipeline cache, report re-rendered
refit    empty results folder, warm compile cache (what a user sees after ``make clean``)
installed  another empty compile cache, filled by the install-time warm-up of ``make env``
         (``python -m bayes_iris.pipeline.warmup``, timed separately as ``warm-up (install)``),
         then the command into an empty results folder: the first ``make report`` on a fresh
         machine

for the README command (``full``) and for ``--fast`` (the budget of the end-to-end test).

Prints a table and writes ``benchmarks/results/main.md``. Targets (2 cores): cold or installed
< 3 min, warm < 20 s.

Usage: ``python benchmarks/bench_main.py [--modes full,fast] [--engine jupyter]``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 180.0, "warm": 20.0, "installed": 180.0}


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, object]:
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    secs = time.perf_counter() - t0
    status = re.findall(r"^\s*(ok|cached|warning|failed|missing)\s+\d\d_", proc.stderr, re.M)
    return {
        "seconds": secs,
        "load": f"{load_before:.2f} / {os.getloadavg()[0]:.2f}",
        "exit": proc.returncode,
        "cached": status.count("cached"),
        "steps": len(status),
        "failed": status.count("failed") + status.count("missing"),
        "stderr": proc.stderr[-2000:],
    }


def bench_mode(base: list[str], fast: bool, engine: str) -> list[tuple[str, dict[str, object]]]:
    """cold, warm (immediately after), refit (empty results, warm compile cache)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-main-") as tmp:
        results = Path(tmp) / "results"
        cmd = [*base, "report", "--results", str(results), "--engine", engine]
        if fast:
            cmd.append("--fast")
        env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
        cold_env = {**env, "PYTENSOR_FLAGS": f"base_compiledir={Path(tmp) / 'pytensor'}"}
        rows.append(("cold", timed(cmd, cold_env)))
        rows.append(("warm", timed(cmd, cold_env)))
        shutil.rmtree(results, ignore_errors=True)
        rows.append(("refit", timed(cmd, cold_env)))
        shutil.rmtree(results, ignore_errors=True)
        fresh_env = {**env, "PYTENSOR_FLAGS": f"base_compiledir={Path(tmp) / 'pytensor-fresh'}",
                     "BAYES_IRIS_WARMUP": "1"}
        rows.append(("warm-up (install)",
                     timed([sys.executable, "-m", "bayes_iris.pipeline.warmup"], fresh_env)))
        rows.append(("installed", timed(cmd, fresh_env)))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--modes",
        default="full,fast",
        help="comma-separated: full (the README command) and/or fast (--fast)",
    )
    p.add_argument("--engine", default="auto", choices=["auto", "quarto", "jupyter"])
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "main.md")
    args = p.parse_args(argv)

    exe = Path(sys.executable).with_name("bayes-iris")
    base = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from bayes_iris.cli import main; main()"]
    )
    lines = [
        "# Benchmark: `bayes-iris report` on the bundled SYNTHETIC trial",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        f"- engine: {args.engine}",
        "",
        "| command | run | seconds | load before / after | exit | steps cached | steps failed "
        "| target | meets |",
        "|---|---|---:|---|---:|---:|---:|---:|---|",
    ]
    tails = []
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        fast = mode == "fast"
        label = f"`bayes-iris report{' --fast' if fast else ''}`"
        for name, r in bench_mode(base, fast, args.engine):
            target = TARGETS.get(name)
            meets = "–" if target is None else ("yes" if r["seconds"] < target else "NO")
            lines.append(
                f"| {label} | {name} | {r['seconds']:.1f} | {r['load']} | {r['exit']} | "
                f"{r['cached']}/{r['steps']} | {r['failed']} | {target or '–'} | {meets} |"
            )
            if r["exit"] != 0:
                tails.append(f"--- {mode}/{name} exited {r['exit']}; stderr tail:\n{r['stderr']}")
    lines += [
        "",
        "cold: empty results folder and empty PyTensor/numba caches; warm: the same command "
        "again at once (every step reused from the pipeline cache, the report re-rendered); "
        "refit: empty results folder, warm compile cache; installed: a fresh compile cache filled "
        "by the install-time warm-up of `make env` (timed on its own row, install excluded), "
        "then the command. Targets: cold or installed < 180 s, warm < 20 s. Load: the 1-minute "
        "load average just before and just after the run (2 cores: above ~0.5 before a run, "
        "another job was running and the row is slower than the machine).",
        "A warm run that re-ran steps (cached < steps) means the library source changed between "
        "the two runs (the cache key includes a hash of the code).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    for t in tails:
        print(t, file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".md.tmp")
    tmp_out.write_text(text)
    os.replace(tmp_out, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
