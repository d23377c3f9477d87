"""Benchmark of the phase III design engine.

0. The exact probability-of-success curve: binary endpoint, success if P(θ_t − θ_c > 0) > 97.5 %,
   Beta(1, 1) on treatment and the robust MAP mixture of the RBesT vignette (weights × 0.8 plus
   Beta(1, 1) at 0.2) as the control arm's analysis prior, per-arm beta design priors, 40 total
   sample sizes (20 … 800, 1:1). Timed with every memo cache cleared (target ≤ 1 s on 2 cores),
   and again warm. Also: the refined sample-size searches of the presets, and group-sequential
   calibration (Pocock/OBF, K = 5; binary K = 3).
1. An assurance curve for a binary endpoint (28-day mortality, success if P(mortality lower on
   CYT107) > 97.5 %, uniform analysis priors, elicited design prior RR 95 % in [0.55, 1.05],
   control risk ~ the stated assumption): 40 total sample sizes (20 … 800) × 10⁵ simulated
   trials each. Timed: the decision matrices (exact, NumPy, once per design), the JAX engine
   after jit (target < 1 s on 2 cores), the NumPy reference engine, and a plain Python loop
   (one trial at a time, conjugate posterior + quadrature rule) on a subsample, extrapolated to
   the same 4·10⁶ trials (target speed-up of the JAX engine ≥ 100×).
2. Dask: an OC grid with a full MCMC refit per simulated trial (small), on a LocalCluster with 2
   workers versus 1 (processes, 1 thread each).

Prints a table and writes ``benchmarks/results/design.md``.

Usage: ``python benchmarks/bench_design.py [--fast] [--skip-dask]``
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _timeit(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _clear_caches() -> None:
    from bayes_iris.design import rules

    rules._DECISION_CACHE.clear()


def bench_exact(repeat: int = 3) -> list[tuple[str, str, str]]:
    from bayes_iris.design import (
        BayesRule,
        BetaMix,
        BinaryDesign,
        Criterion,
        TwoArmDesignPrior,
        sample_size,
    )
    from bayes_iris.design.sequential import GroupSequentialNormal, calibrate
    from bayes_iris.design.sequential_binary import GroupSequentialBinary, calibrate_binary

    map_prior = BetaMix([0.4612914, 0.1917812, 0.1893896, 0.1575378],
                        [33.9513487, 19.4400089, 12.2692310, 2.2521243],
                        [103.0146367, 41.5205219, 55.9202833, 5.4812202])
    rule = BayesRule(criteria=[Criterion(prob=0.975)])
    template = BinaryDesign(rule, BetaMix.single(1, 1), map_prior.robustify(0.2), 1, 1)
    dp = TwoArmDesignPrior(BetaMix.single(9, 11), map_prior)
    grid = np.linspace(20, 800, 40).astype(int) // 2 * 2

    def curve():
        _clear_caches()
        return sample_size(template, dp, n_grid=grid, progress=False)

    t_cold, res = _timeit(curve, repeat)
    t_warm, _ = _timeit(lambda: sample_size(template, dp, n_grid=grid, progress=False), repeat)
    rows = [("PoS curve: exact, 40 sizes (20-800), robust MAP control prior, caches cleared",
             f"{t_cold:.3f} s", "target <= 1 s" + (" ✔" if t_cold <= 1 else " ✘")
             + f"; recommended n = {res.recommended_n}"),
            ("PoS curve: the same with warm decision-matrix cache", f"{t_warm:.3f} s", "")]
    for ep, metric in (("mortality", "expected_power"), ("infection", "expected_power"),
                       ("safety", "assurance"), ("alc", "assurance")):
        _clear_caches()
        t0 = time.perf_counter()
        r = sample_size(ep, metric=metric, progress=False)
        rows.append((f"sample_size('{ep}', metric='{metric}'): refined exact search",
                     f"{time.perf_counter() - t0:.2f} s",
                     f"{r.extra['evaluated']} designs; first {r.first_crossing_n}, sustained "
                     f"{r.sustained_n}"))
    sizes = np.arange(1, 6) * 40
    gsd = GroupSequentialNormal(n1=sizes, n2=sizes, sigma1=1.0, sigma2=1.0, efficacy=0.99)
    t0 = time.perf_counter()
    z = calibrate(gsd, 0.025, shape="obf").boundaries()["efficacy_z"]
    rows.append(("group-sequential normal: calibrate OBF, K = 5 (exact recursion)",
                 f"{time.perf_counter() - t0:.2f} s", f"final z = {z.iloc[-1]:.3f}"))
    flat = BetaMix.single(1, 1)
    gsb = GroupSequentialBinary(BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)]),
                                flat, flat, n1=[100, 200, 300], n2=[100, 200, 300],
                                efficacy=0.99, futility=[0.1, 0.2])
    t0 = time.perf_counter()
    d, table = calibrate_binary(gsb, 0.025, null_rates=[0.25, 0.35, 0.45])
    rows.append(("group-sequential binary: calibrate to worst of 3 null rates, K = 3, n = 600",
                 f"{time.perf_counter() - t0:.2f} s",
                 f"threshold {d.efficacy[0]:.4f}, max type I {table.type_I_error.max():.4f}"))
    return rows


def bench_curve(n_sim: int, n_loop: int, seed: int) -> list[tuple[str, str, str]]:
    from bayes_iris.design import (
        BayesRule,
        BetaMix,
        BinaryDesign,
        BinaryDesignPrior,
        Criterion,
        normal_from_quantiles,
        simulate_binary_jax,
        simulate_binary_numpy,
    )
    from bayes_iris.design.design_priors import control_risk
    from bayes_iris.design.engine import python_loop_assurance

    rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)],
                     endpoint="28-day mortality")
    flat = BetaMix.single(1, 1)
    grid = np.linspace(20, 800, 40).astype(int) // 2 * 2
    dp = BinaryDesignPrior(control=control_risk("mortality")[0],
                           log_rr=normal_from_quantiles(np.log(0.55), np.log(1.05)),
                           label="elicited", source="benchmark")
    _clear_caches()
    t0 = time.perf_counter()
    designs = [BinaryDesign(rule, flat, flat, n // 2, n // 2) for n in grid]
    for d in designs:
        _ = d.decision
    t_tables = time.perf_counter() - t0

    t0 = time.perf_counter()
    simulate_binary_jax(designs, dp, n_sim, seed)  # compile
    t_jit = time.perf_counter() - t0
    t_jax, res_jax = _timeit(lambda: simulate_binary_jax(designs, dp, n_sim, seed))
    t_np, res_np = _timeit(lambda: simulate_binary_numpy(designs, dp, n_sim, seed), repeat=1)
    z = np.abs(res_jax.success - res_np.success) / np.hypot(res_jax.mcse, res_np.mcse)

    # plain Python loop: a subsample of trials at each of 4 sample sizes, extrapolated
    sub = designs[:: len(designs) // 4][:4]
    t0 = time.perf_counter()
    for d in sub:
        python_loop_assurance(d, dp, n_loop, seed)
    per_trial = (time.perf_counter() - t0) / (len(sub) * n_loop)
    t_loop = per_trial * n_sim * len(designs)
    total = n_sim * len(designs)
    return [
        ("curve: decision matrices (40 designs, exact, once)", f"{t_tables:.2f} s", ""),
        ("curve: JAX jit compile + first run", f"{t_jit:.2f} s", ""),
        (f"curve: JAX engine, 40 × {n_sim:.0e} trials (best of 3)", f"{t_jax:.3f} s",
         "target < 1 s" + (" ✔" if t_jax < 1 else " ✘")),
        (f"curve: NumPy reference, 40 × {n_sim:.0e} trials", f"{t_np:.3f} s",
         f"JAX vs NumPy: max abs z-score {z.max():.2f}"),
        (f"curve: plain Python loop, extrapolated from {len(sub) * n_loop} trials",
         f"{t_loop:.0f} s", f"{per_trial * 1e3:.2f} ms / trial"),
        ("speed-up JAX vs Python loop", f"{t_loop / t_jax:.0f}×",
         "target ≥ 100×" + (" ✔" if t_loop / t_jax >= 100 else " ✘")),
        ("speed-up NumPy vs Python loop", f"{t_loop / t_np:.0f}×", f"{total:.1e} trials"),
    ]


def bench_dask(seed: int, fast: bool) -> list[tuple[str, str, str]]:
    from bayes_iris.design import BayesRule, Criterion
    from bayes_iris.design.distributed import mcmc_oc_grid

    rule = BayesRule(criteria=[Criterion(prob=0.9)])
    scenarios = [(30, 30, 0.5, 0.3), (30, 30, 0.3, 0.3)]
    n_trials = 4 if fast else 8
    rows = []
    # warm the PyTensor compile cache once, so both runs measure the same (warm) work
    t0 = time.perf_counter()
    mcmc_oc_grid(scenarios[:1], rule, n_trials=1, draws=500, tune=500, seed=seed, n_workers=1,
                 processes=True)
    rows.append(("Dask warm-up (cluster start, compile, 1 fit)",
                 f"{time.perf_counter() - t0:.1f} s", ""))
    times = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        df = mcmc_oc_grid(scenarios, rule, n_trials=n_trials, batch=n_trials // 2,
                          draws=500, tune=500, seed=seed, n_workers=workers, processes=True)
        times[workers] = time.perf_counter() - t0
        rows.append((f"Dask MCMC-per-trial OC grid, {len(scenarios)} scenarios × {n_trials} "
                     f"trials (4 tasks), {workers} worker(s)", f"{times[workers]:.1f} s",
                     f"P(success) = {', '.join(f'{p:.2f}' for p in df.p_success)}; "
                     f"max R-hat {df.max_rhat.max():.3f}, status {', '.join(df.status)}"))
    rows.append(("Dask speed-up 2 workers vs 1", f"{times[1] / times[2]:.2f}×",
                 "includes cluster start-up and per-task model compile"))
    return rows


def _load() -> str:
    import os

    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fast", action="store_true", help="smaller budgets")
    p.add_argument("--skip-dask", action="store_true")
    p.add_argument("--skip-simulation", action="store_true",
                   help="only the exact computations (section 0)")
    p.add_argument("--seed", type=int, default=20180307)
    args = p.parse_args(argv)
    n_sim = 10_000 if args.fast else 100_000
    load_before = _load()
    rows = bench_exact(1 if args.fast else 3)
    if not args.skip_simulation:
        rows += bench_curve(n_sim, 25 if args.fast else 100, args.seed)
    if not args.skip_dask:
        rows += bench_dask(args.seed, args.fast)
    width = max(len(r[0]) for r in rows)
    lines = [f"{'what':<{width}}  {'time':>10}  note", "-" * (width + 40)]
    lines += [f"{a:<{width}}  {b:>10}  {c}" for a, b, c in rows]
    print("\n".join(lines))
    import jax

    md = [
        "# Design engine benchmark",
        "",
        f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on {platform.machine()}, "
        f"Python {platform.python_version()}, JAX {jax.__version__} ({jax.default_backend()}), "
        f"{'--fast' if args.fast else 'full budget'}; the machine's 2 cores may be shared: "
        f"load average (1, 5, 15 min) before {load_before}, after {_load()} (`uptime`).",
        "",
        "| what | time | note |",
        "|---|---:|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        "Reproduce: `python benchmarks/bench_design.py`.",
    ]
    from bayes_iris import atomic

    atomic.write_text(ROOT / "benchmarks" / "results" / "design.md", "\n".join(md) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
