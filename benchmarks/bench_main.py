"""Benchmark of the README's main command, ``bayes-iris report``, on the bundled SYNTHETIC trial.

Three timed runs, each a fresh process exactly as a user would type it:

cold     empty results folder and an empty PyTensor compile cache (``PYTENSOR_FLAGS=compiledir=<tmp>``)
warm     the same command again: every step is reused from the pipeline cache, the report re-renders
refit    empty results folder, warm compile cache (what a user sees after ``make clean``)

Prints a table and writes ``benchmarks/results/main.md``. Targets (2 cores): cold < 3 min,
warm < 20 s.

Usage: ``python benchmarks/bench_main.py [--fast] [--engine jupyter] [--skip-cold]``
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 180.0, "warm": 20.0}


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, proc.returncode, proc.stderr[-2000:]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fast", action="store_true", help="pass --fast to the command")
    p.add_argument("--engine", default="auto", choices=["auto", "quarto", "jupyter"])
    p.add_argument("--skip-cold", action="store_true", help="skip the cold run")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "main.md")
    args = p.parse_args(argv)

    exe = Path(sys.executable).with_name("bayes-iris")
    base = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from bayes_iris.cli import main; main()"]
    )
    rows: list[tuple[str, float, int, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-main-") as tmp:
        results = Path(tmp) / "results"
        cmd = [*base, "report", "--results", str(results), "--engine", args.engine]
        if args.fast:
            cmd.append("--fast")
        env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
        if not args.skip_cold:
            cold_env = {**env, "PYTENSOR_FLAGS": f"compiledir={Path(tmp) / 'pytensor'}"}
            secs, code, err = timed(cmd, cold_env)
            rows.append(("cold", secs, code, err))
            secs, code, err = timed(cmd, cold_env)
            rows.append(("warm", secs, code, err))
        else:
            secs, code, err = timed(cmd, env)
            rows.append(("refit", secs, code, err))
            secs, code, err = timed(cmd, env)
            rows.append(("warm", secs, code, err))
        shutil.rmtree(results, ignore_errors=True)
        if not args.skip_cold:
            secs, code, err = timed(cmd, env)
            rows.append(("refit", secs, code, err))

    lines = [
        "# Benchmark: `bayes-iris report` on the bundled SYNTHETIC trial",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- command: `bayes-iris report{' --fast' if args.fast else ''} --engine {args.engine}`",
        "",
        "| run | seconds | exit | target | meets target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, secs, code, _ in rows:
        target = TARGETS.get(name)
        meets = "–" if target is None else ("yes" if secs < target else "NO")
        lines.append(f"| {name} | {secs:.1f} | {code} | {target or '–'} | {meets} |")
    lines += [
        "",
        "cold: empty results + empty PyTensor compile cache; warm: same command again "
        "(pipeline cache hit, report re-rendered); refit: empty results, warm compile cache.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    for name, _, code, err in rows:
        if code != 0:
            print(f"--- {name} exited {code}; stderr tail:\n{err}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".md.tmp")
    tmp_out.write_text(text)
    os.replace(tmp_out, args.out)
    return 0 if all(code in (0, 1) for _, _, code, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
