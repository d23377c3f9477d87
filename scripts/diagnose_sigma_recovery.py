"""Why does the 95 % CrI of the Student-t scale sigma miss its true value in recovery runs?

Fits the ALC trajectory model to synthetic replicates ``simulate_trial(1000 + k)`` (the replicates of
tests/trajectory/test_trajectory_slow.py) under variants that separate the suspects:

* ``default``  — the model as shipped (nu - 2 ~ Gamma(2, 0.1));
* ``nu_fixed`` — nu pinned at its true value 5 (nu - 2 ~ Gamma(3000, 1000): mean 3, SD 0.05);
* ``nu_prior`` — a prior on nu centred lower (nu - 2 ~ Gamma(2, 0.25), median nu ~ 8.7);
* ``no_day0``  — the day-0 draw removed (enrolment selects on it: ALC <= 900/mm3).

For each fit it stores the 95 % CrI of sigma, of the residual SD sigma * sqrt(nu / (nu - 2)) and
the posterior median of nu; the summary gives coverage per variant. Output:
``tests/trajectory/results/sigma_diagnosis.json``. About 12 s per fit on 2 cores.

Run: ``python scripts/diagnose_sigma_recovery.py [--replicates 12]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from bayes_iris import atomic
from bayes_iris.data import simulate_trial
from bayes_iris.inference import SamplerConfig, fit
from bayes_iris.trajectory import TrajectoryModel

OUT = Path(__file__).resolve().parents[1] / "tests" / "trajectory" / "results" / "sigma_diagnosis.json"
VARIANTS = {
    "default": None,
    "nu_fixed": {"nu": {"alpha": 3000.0, "beta": 1000.0}},
    "nu_prior": {"nu": {"alpha": 2.0, "beta": 0.25}},
    "no_day0": None,
}


def _interval(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.quantile(np.asarray(values).ravel(), [0.025, 0.5, 0.975])]


def one_fit(k: int, variant: str) -> dict:
    sim = simulate_trial(1000 + k)
    data = sim.data
    if variant == "no_day0":
        labs = data.labs[data.labs["study_day"] != 0].reset_index(drop=True)
        data = type(data)(data.meta, data.patients, labs, data.adverse_events, data.outcomes)
    tm = TrajectoryModel(data, prior_overrides=VARIANTS[variant])
    r = fit(tm, SamplerConfig(seed=k, progressbar=False, log_likelihood=False,
                              target_accept=0.95))
    post = r.idata["posterior"]
    sigma = post["sigma"].sel(marker="alc").values
    nu = post["nu"].values
    true_sigma = sim.truth.sds["sd_residual"]["alc"]
    true_nu = sim.truth.sds["residual_df"]
    s = _interval(sigma)
    sd = _interval(sigma * np.sqrt(nu / (nu - 2.0)))
    true_sd = true_sigma * np.sqrt(true_nu / (true_nu - 2.0))
    return {"replicate": k, "variant": variant, "sigma": s, "residual_sd": sd,
            "nu": _interval(nu), "sigma_covered": bool(s[0] < true_sigma < s[2]),
            "residual_sd_covered": bool(sd[0] < true_sd < sd[2]),
            "divergences": int(r.diagnostics.divergences)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicates", type=int, default=12)
    args = p.parse_args(argv)
    rows = []
    for variant in VARIANTS:
        for k in range(args.replicates):
            rows.append(one_fit(k, variant))
            print(json.dumps(rows[-1]), flush=True)
    summary = {}
    for variant in VARIANTS:
        sub = [r for r in rows if r["variant"] == variant]
        summary[variant] = {
            "sigma_coverage": float(np.mean([r["sigma_covered"] for r in sub])),
            "residual_sd_coverage": float(np.mean([r["residual_sd_covered"] for r in sub])),
            "median_sigma_median": float(np.median([r["sigma"][1] for r in sub])),
            "median_nu_median": float(np.median([r["nu"][1] for r in sub])),
            "sigma_missed": [r["replicate"] for r in sub if not r["sigma_covered"]],
        }
    atomic.write_text(OUT, json.dumps({"truth": {"sigma": 0.2, "nu": 5.0},
                                       "summary": summary, "fits": rows}, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
