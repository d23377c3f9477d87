"""One timed trajectory fit in a fresh process (used by ``bench_first_fit.py``,
``bench_scaling.py`` and ``bench_gradient.py``); prints one JSON line.

Usage: ``python benchmarks/fit_child.py BACKEND N_PATIENTS MARKERS [--draws D --tune T --seed S]``

BACKEND: ``nutpie`` (numba), ``pymc`` (PyMC NUTS, numba), ``numpyro`` (JAX; sequential chains),
``numpyro_vectorized`` (JAX; the four chains vectorised in one program), ``nutpie_jax`` (nutpie's
JAX backend). MARKERS: ``alc`` or ``joint`` (ALC, CD4, CD8). N_PATIENTS 27 is the bundled SYNTHETIC
trial; other sizes come from the generator (``simulate_trial(1, n_cyt107, n_placebo)`` with the
phase III allocation 252:148, i.e. ``bayes-iris simulate --n-cyt107 252 --n-placebo 148`` at 400).
The compile caches are whatever ``PYTENSOR_FLAGS`` / ``JAX_COMPILATION_CACHE_DIR`` point at.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import warnings


def trial(n_patients: int):
    from bayes_iris.data import load_bundled, simulate_trial

    if n_patients == 27:
        return load_bundled()
    n_cyt = round(n_patients * 252 / 400)
    return simulate_trial(1, n_cyt107=n_cyt, n_placebo=n_patients - n_cyt).data


def digest(idata) -> str:
    import numpy as np

    post = idata["posterior"]
    h = hashlib.sha256()
    for k in sorted(post.data_vars):
        h.update(np.ascontiguousarray(post[k].values).tobytes())
    return h.hexdigest()[:16]


def _slowest(idata) -> str:
    """The variable holding the smallest bulk ESS."""
    import numpy as np

    from bayes_iris.inference.convergence import ess_bulk

    post = idata["posterior"].to_dataset()
    best = (float("inf"), "?")
    for k, v in post.data_vars.items():
        if not v.size or float(v.std()) == 0:
            continue
        x = np.asarray(v.transpose("chain", "draw", ...).values, dtype=float)
        e = float(np.nanmin(ess_bulk(x.reshape(x.shape[0], x.shape[1], -1))))
        best = min(best, (e, k))
    return f"{best[1]} ({best[0]:.0f})"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("backend")
    p.add_argument("n_patients", type=int)
    p.add_argument("markers", choices=["alc", "joint"])
    p.add_argument("--draws", type=int, default=2000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    import pymc  # noqa: F401

    from bayes_iris.inference import SamplerConfig, diagnose, fit
    from bayes_iris.trajectory import TrajectoryModel
    from bayes_iris.trajectory.analysis import TARGET_ACCEPT

    t_import = time.perf_counter() - t0
    markers = ("alc",) if args.markers == "alc" else ("alc", "cd4", "cd8")
    tm = TrajectoryModel(trial(args.n_patients), markers=markers)
    model = tm.build()
    # the analysis step's budget: 4 chains, its target_accept; no log-likelihood group
    t1 = time.perf_counter()
    if args.backend == "numpyro_vectorized":
        import pymc as pm

        idata = pm.sample(draws=args.draws, tune=args.tune, chains=4, random_seed=args.seed,
                          progressbar=False, nuts_sampler="numpyro", model=model,
                          compute_convergence_checks=False,
                          nuts={"target_accept": TARGET_ACCEPT, "chain_method": "vectorized"})
        sampling = float(idata["posterior"].attrs.get("sampling_time", "nan") or "nan")
        diag = diagnose(idata)
        t_compile = float("nan")
    elif args.backend == "nutpie_jax":
        import nutpie
        from pymc.backends.arviz import patch_nutpie_idata

        compiled = nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax")
        t_compile = time.perf_counter() - t1
        ts = time.perf_counter()
        idata = nutpie.sample(compiled, draws=args.draws, tune=args.tune, chains=4, cores=2,
                              seed=args.seed, progress_bar=False, target_accept=TARGET_ACCEPT)
        sampling = time.perf_counter() - ts
        patch_nutpie_idata(idata, model, sampling_time=sampling)
        diag = diagnose(idata)
    else:
        cfg = SamplerConfig(seed=args.seed, sampler=args.backend, draws=args.draws, tune=args.tune,
                            target_accept=TARGET_ACCEPT, progressbar=False, log_likelihood=False)
        res = fit(model, cfg, name="bench")  # no cache folder: always samples
        idata, diag = res.idata, res.diagnostics
        sampling = float(idata["posterior"].attrs.get("sampling_time", "nan") or "nan")
        t_compile = float("nan")
    t_fit = time.perf_counter() - t1
    stats = idata["sample_stats"] if "sample_stats" in idata.children else {}
    slowest = _slowest(idata)
    steps = next((float(stats[k].mean()) for k in ("n_steps", "tree_size", "num_steps")
                  if k in stats), float("nan"))
    print(json.dumps({
        "backend": args.backend, "n_patients": args.n_patients, "markers": args.markers,
        "n_obs": len(tm.obs.frame), "import_s": t_import, "fit_s": t_fit,
        "sampling_s": sampling, "compile_s": t_compile if t_compile == t_compile
        else t_fit - sampling, "min_ess_bulk": diag.min_ess_bulk, "max_rhat": diag.max_rhat,
        "divergences": diag.divergences, "digest": digest(idata), "mean_steps": steps,
        "process_s": time.perf_counter() - t0, "slowest": slowest,
    }))


if __name__ == "__main__":
    main()
