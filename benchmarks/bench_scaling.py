"""Benchmark: cost of the trajectory fits as the trial grows (27, 100, 400, 1,000 patients).

Fits the ALC piecewise model and the joint ALC/CD4/CD8 piecewise model with the analysis budget
(4 chains x 2,000 draws after 1,000 tuning, target_accept 0.95, 2 cores, nutpie) on SYNTHETIC
trials from the generator (27: the bundled trial; larger: ``simulate_trial`` with the 252:148
allocation of ``bayes-iris simulate --n-cyt107 252 --n-placebo 148``). Warm caches: each (model,
size) is first fitted once with a tiny budget in the same compile cache, then timed in a fresh
process. Prints per size: wall time of the fit, compile time (fit minus sampling), min bulk ESS,
ESS/s, seconds per 1,000 effective draws, mean leapfrog steps per draw, divergences, the slowest
quantity (smallest bulk ESS); and a brms
column (same model: ``y | cens(...) ~ ... + (1 + r1 | patient) + (1 | site)``, Student-t,
4 x 2,000 after 1,000, with its compile) where ``Rscript`` with brms is installed — skipped
otherwise. Machine load (1-minute
average) is recorded before and after each timed fit; each timed fit waits (up to 4 minutes) for
the load left by the warm-up child to fall to 0.5; a row that starts above it is marked
provisional. Writes ``benchmarks/results/scaling.md``.

Targets (2 cores, warm caches): ALC at 400 patients <= 60 s with min bulk ESS >= 400 and no
divergences; time per effective draw at most linear in patients from 100 to 1,000 (ratio <= 10).

Run: ``python benchmarks/bench_scaling.py [--sizes 27,100,400,1000] [--models alc,joint]
[--out FILE]`` (a check of the script itself: ``--sizes 27,100 --out /tmp/scaling.md``; the
committed ``results/scaling.md`` needs every size on a quiet machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
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

BRMS_R = r"""
suppressMessages(library(brms))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$cens <- ifelse(d$censored == 1, "left", "none")
t0 <- Sys.time()
f <- brm(y | cens(cens) ~ 1 + r1 + r2 + cyt:r1 + cyt:r2 + sgn:r1 + sgn:r2 +
           (1 + r1 | patient) + (1 | site), data = d, family = student(),
         chains = 4, cores = 2, iter = 3000, warmup = 1000, seed = 1, refresh = 0,
         control = list(adapt_delta = 0.95))
wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
s <- summary(f)
ess <- min(c(s$fixed$Bulk_ESS, s$spec_pars$Bulk_ESS, unlist(lapply(s$random, function(r) r$Bulk_ESS))))
div <- sum(nuts_params(f, pars = "divergent__")$Value)
cat(sprintf('{"wall_s": %f, "min_ess_bulk": %f, "divergences": %d}\n', wall, ess, div))
"""


def load() -> float:
    return os.getloadavg()[0]


def wait_for_quiet(limit_s: float = 240.0) -> float:
    """Wait (at most ``limit_s``) for the 1-minute load to fall to ``LOAD_QUIET``: the cache
    warm-up child just before a timed fit leaves it high. Returns the load when timing starts."""
    t0 = time.monotonic()
    while load() > LOAD_QUIET and time.monotonic() - t0 < limit_s:
        time.sleep(5)
    return load()


def child(backend: str, n: int, markers: str, env: dict[str, str], *extra: str) -> dict:
    proc = subprocess.run([sys.executable, str(CHILD), backend, str(n), markers, *extra],
                          env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def brms_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    proc = subprocess.run(["Rscript", "-e", "library(brms)"], capture_output=True, check=False)
    return proc.returncode == 0


def brms_fit(n: int, tmp: Path) -> dict:
    """The ALC piecewise model in brms on the same trial (the data written as one CSV)."""
    sys.path.insert(0, str(HERE))
    from bayes_iris.data.trial import ramp_bases
    from bayes_iris.trajectory import TrajectoryModel
    from fit_child import trial

    tm = TrajectoryModel(trial(n))
    f = tm.obs.frame
    r1, r2 = ramp_bases(f["study_day"].to_numpy(), tm.obs.dosing_end_day)
    data = f.assign(r1=r1, r2=r2, cyt=f["cyt107"], sgn=f["regimen_sign"],
                    censored=f["censored"].astype(int))
    csv, script = tmp / f"alc_{n}.csv", tmp / "fit.R"
    data[["y", "censored", "r1", "r2", "cyt", "sgn", "patient", "site"]].to_csv(csv, index=False)
    script.write_text(BRMS_R)
    proc = subprocess.run(["Rscript", str(script), str(csv)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr[-500:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="27,100,400,1000")
    p.add_argument("--models", default="alc,joint")
    p.add_argument("--out", type=Path, default=RESULTS / "scaling.md")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    use_brms = brms_available()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        env = {**os.environ, "PYTHONHASHSEED": "0",
               "PYTENSOR_FLAGS": f"base_compiledir={Path(tmp) / 'pytensor'}"}
        for markers in args.models.split(","):
            for n in sizes:
                child("nutpie", n, markers, env, "--draws", "5", "--tune", "5")  # warm the cache
                before = wait_for_quiet()
                r = child("nutpie", n, markers, env)
                r.update(load_before=before, load_after=load())
                if use_brms and markers == "alc":
                    b0 = load()
                    r["brms"] = brms_fit(n, Path(tmp))
                    r["brms"].update(load_before=b0, load_after=load())
                rows.append(r)
                print(json.dumps(r), flush=True)
    text = render(rows, use_brms)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


def render(rows: list[dict], use_brms: bool) -> str:
    from bayes_iris.trajectory.model import MODEL_VERSION  # the draws depend on it

    lines = [
        "# Scaling benchmark: trajectory fits by trial size (SYNTHETIC trials)", "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}; trajectory model version "
        f"{MODEL_VERSION}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "- budget: the analysis step's (4 chains x 2,000 draws after 1,000 tuning, "
        "target_accept 0.95), nutpie (numba), 2 cores, one BLAS thread per chain; warm compile "
        "cache; no log-likelihood group",
        "- brms: " + ("installed (ALC model; wall time includes its compile)" if use_brms else
                      "not installed here (`Rscript` with brms): column skipped"),
        "",
        "| model | patients | observations | fit s | compile s | sampling s | min bulk ESS | "
        "ESS/s | s per 1000 ESS | leapfrog steps per draw | divergences | max R-hat | "
        "load before/after |"
        + (" brms s | brms min ESS |" if use_brms else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|" + ("---:|---:|"
                                                                        if use_brms else ""),
    ]
    for r in rows:
        flag = " (provisional)" if r["load_before"] > LOAD_QUIET else ""
        line = (f"| {r['markers']} | {r['n_patients']} | {r['n_obs']} | {r['fit_s']:.1f} | "
                f"{r['compile_s']:.1f} | {r['sampling_s']:.1f} | {r['min_ess_bulk']:.0f} | "
                f"{r['min_ess_bulk'] / r['fit_s']:.1f} | "
                f"{1000 * r['fit_s'] / r['min_ess_bulk']:.2f} | "
                f"{r.get('mean_steps', float('nan')):.1f} | {r['divergences']} | "
                f"{r['max_rhat']:.3f} | {r['load_before']:.2f}/{r['load_after']:.2f}{flag} |")
        if use_brms:
            b = r.get("brms") or {}
            line += (f" {b.get('wall_s', float('nan')):.1f} | "
                     f"{b.get('min_ess_bulk', float('nan')):.0f} |")
        lines.append(line)
    lines.append("")
    for markers in dict.fromkeys(r["markers"] for r in rows):
        by_n = {r["n_patients"]: r for r in rows if r["markers"] == markers}
        if 400 in by_n and markers == "alc":
            r = by_n[400]
            ok = r["fit_s"] <= 60 and r["min_ess_bulk"] >= 400 and r["divergences"] == 0
            lines.append(f"- ALC, 400 patients: {r['fit_s']:.1f} s, min bulk ESS "
                         f"{r['min_ess_bulk']:.0f}, {r['divergences']} divergences (target <= 60 s, "
                         f"ESS >= 400, no divergences): {'met' if ok else 'NOT met'}")
        if 100 in by_n and 1000 in by_n:
            t100 = by_n[100]["fit_s"] / by_n[100]["min_ess_bulk"]
            t1000 = by_n[1000]["fit_s"] / by_n[1000]["min_ess_bulk"]
            ratio = t1000 / t100
            lines.append(f"- {markers}: time per effective draw x{ratio:.1f} from 100 to 1,000 "
                         f"patients (target <= 10, linear): {'met' if ratio <= 10 else 'NOT met'}")
    lines += ["", f"Rows whose timed fit started at a 1-minute load average above {LOAD_QUIET} are "
              "provisional (other jobs shared the 2 cores). The load after a fit is its own two "
              "chains' (2 cores busy).",
              "Slowest quantity per row: " + "; ".join(
                  f"{r['markers']} {r['n_patients']}: {r.get('slowest', '?')}" for r in rows) + ".",
              "Reproduce: `python benchmarks/bench_scaling.py`."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
