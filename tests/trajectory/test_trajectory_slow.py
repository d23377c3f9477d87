"""Slow statistical checks: coverage over replicates and simulation-based calibration (SBC).

Run with ``pytest -m slow tests/trajectory``. Results are written to tests/trajectory/results/.
"""

import json
from pathlib import Path

import numpy as np
import pymc as pm
import pytest

from bayes_iris import atomic, seeds
from bayes_iris.data import simulate_trial
from bayes_iris.inference import SamplerConfig, fit
from bayes_iris.trajectory import TrajectoryModel, effects
from bayes_iris.trajectory.model import MODEL_VERSION

pytestmark = [
    pytest.mark.slow,
    # 100 replicate fits take ~16-30 min on 2 cores at 27 patients and ~100 min at 400: more
    # than the suite-wide 900 s per-test timeout meant for the fast tier
    pytest.mark.timeout(9000),
    pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning"),
]

RESULTS = Path(__file__).parent / "results"
TARGETS = ("ratio_d29", "effect_end", "sd_intercept", "residual_sd", "sigma", "sd_slope")
N_REPLICATES = 100
N_SBC = 100


# (n_cyt107, n_placebo, results file): the bundled design, and the phase III size the design
# engine plans for (the 252:148 allocation of ``bayes-iris simulate --n-cyt107 252 --n-placebo 148``)
RECOVERY_SIZES = {
    27: (17, 10, "recovery_coverage.json"),
    400: (252, 148, "recovery_coverage_400.json"),
}


@pytest.mark.parametrize("n_patients", sorted(RECOVERY_SIZES))
def test_recovery_coverage_over_replicates(n_patients):
    """95 % CrIs of the day-29 ALC ratio, the dosing-end effect, the patient SDs and the residual
    SD cover the truth in >= 93 % of 100 synthetic replicates, at IRIS-7's size and at 400
    patients (issue #12; the binomial 5 % quantile for 95 % coverage is 91/100, so a calibrated
    model fails this about 1 time in 8 — the threshold is the issue's).

    Fits use the configuration of analyses/02_trajectories.py (4 x 2000 draws, target_accept
    0.95). Per-replicate intervals, the side of each miss and the posterior of nu are stored in
    results/recovery_coverage.json (27 patients) and results/recovery_coverage_400.json, so a
    failure can be read rather than re-run. 400 patients take ~1 min per replicate on 2 cores.
    """
    n_cyt107, n_placebo, results_file = RECOVERY_SIZES[n_patients]
    header = {"replicates": N_REPLICATES, "patients": n_patients, "model_version": MODEL_VERSION,
              "config": "SamplerConfig(target_accept=0.95), 4 x 2000 draws"}
    # resumable: replicates already stored by an interrupted run of this model version are kept
    # (each replicate's fit is seeded, so a resumed run gives the numbers of an uninterrupted one)
    per_replicate = _stored_partial(RESULTS / results_file, header)
    for k in range(len(per_replicate), N_REPLICATES):
        sim = simulate_trial(1000 + k, n_cyt107=n_cyt107, n_placebo=n_placebo)
        tm = TrajectoryModel(sim.data)
        r = fit(tm, SamplerConfig(seed=k, progressbar=False, log_likelihood=False,
                                  target_accept=0.95))
        t = effects.summarise(r, tm, seed=k).effects
        row = t[(t.quantity == "ratio") & (t.day == 29) & (t.marker == "alc")].iloc[0]
        post = r.idata["posterior"]
        sigma = post["sigma"].sel(marker="alc").values
        nu = post["nu"].values
        true_sigma = sim.truth.sds["sd_residual"]["alc"]
        true_nu = sim.truth.sds["residual_df"]
        # the between-patient SD of enrolled patients' intercepts is truncated by selection
        # (ALC <= 900 at entry): compare with the realised SD of the enrolled patients
        targets = {
            "ratio_d29": ((row["lower95"], row["upper95"]), sim.truth.alc_day29_ratio),
            "effect_end": (_interval(post["effect"].sel(marker="alc")),
                           sim.truth.log_gm_ratio("alc", sim.data.meta.dosing_end_day)),
            "sd_intercept": (_interval(post["chol_patient_stds"].values[..., 0]),
                             float(sim.truth.patient_effects["intercept_alc"].std())),
            # the residual SD sigma * sqrt(nu / (nu - 2)): what 27 patients identify (see below)
            "residual_sd": (_interval(sigma * np.sqrt(nu / (nu - 2.0))),
                            true_sigma * np.sqrt(true_nu / (true_nu - 2.0))),
            "sigma": (_interval(sigma), true_sigma),  # reported, not asserted
            "sd_slope": (_interval(post["chol_patient_stds"].values[..., 1]),
                         float(sim.truth.patient_effects["slope_alc"].std())),
        }
        rec = {"replicate": k, "divergences": int(r.diagnostics.divergences),
               "max_rhat": float(r.diagnostics.max_rhat),
               "nu_median": float(np.median(post["nu"].values)),
               "site_centring": float(tm.site_centring()[0])}
        for name, ((lo, hi), truth) in targets.items():
            rec[name] = {"lower95": float(lo), "upper95": float(hi), "truth": float(truth),
                         "miss": "" if lo < truth < hi else ("above" if lo >= truth else "below")}
        per_replicate.append(rec)
        if len(per_replicate) < N_REPLICATES:
            atomic.write_text(RESULTS / results_file, json.dumps(
                {**header, "complete": False, "per_replicate": per_replicate}, indent=2) + "\n")
    coverage = {name: float(np.mean([rec[name]["miss"] == "" for rec in per_replicate]))
                for name in TARGETS}
    atomic.write_text(RESULTS / results_file, json.dumps(
        {**header, "complete": True, "coverage_95": coverage,
         "fits_with_divergences": sum(rec["divergences"] > 0 for rec in per_replicate),
         "max_rhat": max(rec["max_rhat"] for rec in per_replicate),
         "per_replicate": per_replicate}, indent=2) + "\n")
    assert coverage["ratio_d29"] >= 0.93
    assert coverage["effect_end"] >= 0.93
    assert coverage["sd_intercept"] >= 0.93
    assert coverage["sd_slope"] >= 0.93
    # The Student-t scale sigma alone is not asserted: with 27 patients the data identify the
    # residual variance but hardly nu (posterior medians of nu track the prior's, 3-25 for a true 5),
    # and sigma = SD * sqrt((nu - 2) / nu) follows nu. Its coverage (0.76 on 2026-11-22, every miss
    # above the truth) is stored in results/recovery_coverage.json; see tests/trajectory/results/
    # README.md for the diagnosis (with nu fixed at its true value sigma covers).
    assert coverage["residual_sd"] >= 0.93


def _stored_partial(path: Path, header: dict) -> list[dict]:
    """Per-replicate records of an interrupted run with the same header; otherwise none."""
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if stored.get("complete", True) or any(stored.get(k) != v for k, v in header.items()):
        return []
    return list(stored["per_replicate"])


def _interval(values) -> tuple[float, float]:
    lo, hi = np.quantile(np.asarray(values).ravel(), [0.025, 0.975])
    return float(lo), float(hi)


def test_sbc_alc_model():
    """Simulation-based calibration (Talts et al. 2018): ranks of the true effect among posterior
    draws, with data simulated from the prior predictive of the ALC model, are uniform."""
    from scipy.stats import chisquare

    base = simulate_trial(5).data
    tm = TrajectoryModel(base)
    ranks = []
    n_keep = 99
    model = tm.build()
    for k in range(N_SBC):
        prior = pm.sample_prior_predictive(draws=1, model=model, backend="numba",
                                           random_seed=seeds.int_seed(k, "sbc"),
                                           var_names=["effect", "y"])
        true_effect = float(prior["prior"]["effect"].values.ravel()[0])
        y = prior["prior_predictive"]["y"].values.ravel()
        labs = base.labs.copy()
        frame = tm.obs.frame
        rows = frame.index[~frame["censored"]]
        order = labs.index[labs["alc"].notna()]
        labs.loc[order[rows], "alc"] = np.exp(y)
        labs["alc_bdl"] = False
        data = type(base)(base.meta, base.patients, labs, base.adverse_events, base.outcomes)
        tk = TrajectoryModel(data)
        r = fit(tk, SamplerConfig(seed=k, draws=500, tune=500, progressbar=False,
                                  log_likelihood=False))
        draws = r.idata["posterior"]["effect"].values.ravel()
        thin = draws[np.linspace(0, draws.size - 1, n_keep).astype(int)]
        ranks.append(int((thin < true_effect).sum()))
    counts = np.bincount(np.asarray(ranks) * 10 // (n_keep + 1), minlength=10)
    p = float(chisquare(counts).pvalue)
    atomic.write_text(RESULTS / "sbc_alc.json", json.dumps(
        {"replicates": N_SBC, "model_version": MODEL_VERSION, "parameter": "effect",
         "rank_histogram_10_bins": counts.tolist(),
         "chisq_p": p}, indent=2) + "\n")
    assert p > 0.01
