"""Benchmark of the MAP priors of the design step: cold cost of each route, in fresh processes.

For the two MAP applications of ``analyses/05_phase3_design.py`` (placebo 28-day mortality in
septic shock; the CYT107 ALC co-data) this times, each in a new Python process:

* the quadrature route (:func:`bayes_iris.map_prior.fit_map_quadrature`, the step's route): no
  compile step, so cold = warm;
* with ``--mcmc``, the MCMC route (:func:`bayes_iris.map_prior.fit_map`, nutpie, the step's
  sampler policy) with an empty PyTensor compile directory and an empty numba cache — a new
  user's first run (``PYTENSOR_FLAGS=base_compiledir=<tmp>``).

The process start and imports are timed apart from the fit. Prints a table and writes
``benchmarks/results/map.md``.

Usage: ``python benchmarks/bench_map.py [--mcmc]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from bayes_iris.map_prior import application
from bayes_iris.inference import SamplerConfig
t1 = time.perf_counter()
out = {"import_s": t1 - t0}
for name in ("septic_shock_mortality", "cyt107_alc"):
    t = time.perf_counter()
    if sys.argv[1] == "mcmc":
        cfg = SamplerConfig.for_run(1, stream="map_prior.sampler", progressbar=False,
                                    log_likelihood=False)
        res = application(name, cfg)
    else:
        res = application(name)
    s = res.summary.iloc[0]
    out[name] = {"s": time.perf_counter() - t, "map_mean": float(s["map_mean"]),
                 "map_sd": float(s["map_sd"]), "ess": float(s["ess_elir"]),
                 "robust_ess": float(s["robust_ess_elir"]), "status": str(s["status"])}
print("RESULT " + json.dumps(out))
"""


def _run(route: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
               "PYTENSOR_FLAGS": f"base_compiledir={tmp}/pt", "NUMBA_CACHE_DIR": f"{tmp}/nb"}
        proc = subprocess.run([sys.executable, "-c", CHILD, route], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mcmc", action="store_true", help="also time the MCMC route, cold")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()
    rows = []
    for route in ("quadrature", *(("mcmc",) if args.mcmc else ())):
        r = _run(route)
        total = sum(r[k]["s"] for k in ("septic_shock_mortality", "cyt107_alc"))
        for k in ("septic_shock_mortality", "cyt107_alc"):
            v = r[k]
            rows.append((f"{route}: {k}", f"{v['s']:.1f} s",
                         f"mean {v['map_mean']:.4f}, SD {v['map_sd']:.4f}, ESS {v['ess']:.1f} "
                         f"(robust {v['robust_ess']:.1f}), {v['status']}"))
        rows.append((f"{route}: both, cold", f"{total:.1f} s",
                     f"imports {r['import_s']:.1f} s apart"))
    load_after = os.getloadavg()
    head = (f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on {platform.machine()}, "
            f"Python {platform.python_version()}; load average before "
            f"{', '.join(f'{x:.2f}' for x in load_before)}, after "
            f"{', '.join(f'{x:.2f}' for x in load_after)} (2 shared cores).")
    table = ["| what | time | note |", "|---|---:|---|",
             *(f"| {a} | {b} | {c} |" for a, b, c in rows)]
    text = "\n".join(["# MAP prior benchmark (design step)", "", head, "", *table, "",
                      "Reproduce: `python benchmarks/bench_map.py --mcmc`.", ""])
    print(text)
    (ROOT / "benchmarks" / "results" / "map.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
