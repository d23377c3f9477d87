"""Methods and provenance on the page: every prior in numbers, the sampler settings of every fit,
a diagnostics summary, software versions, the code's commit, the data's hash, the seeds, and how
to rerun.

Everything is read from what the steps recorded (``manifest.json``: each step's priors, fits and
data hash; the runner's ``pipeline.json``: the run seed and options; the tables), never from
the code of this checkout, so the page describes the run that made its numbers.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import html as h

if TYPE_CHECKING:
    from .sections import Report

__all__ = [
    "ae_priors",
    "code_and_data",
    "diagnostics_summary",
    "reanalysis_priors",
    "rerun",
    "sampler_settings",
    "trajectory_priors",
]

#: The distribution of each trajectory parameter (trajectory.priors), for the priors table.
TRAJECTORY_FAMILIES = {
    "intercept": ("Normal(mu, sigma)", "typical baseline log count"),
    "natural_ramp": ("Normal(mu, sigma)", "natural log change over the dosing period"),
    "natural_post": ("Normal(mu, sigma)", "natural log change per period after dosing"),
    "effect": ("Normal(mu, sigma)", "CYT107 vs placebo log ratio at the end of dosing"),
    "effect_post": ("Normal(mu, sigma)", "change of that log ratio per period after dosing"),
    "regimen": ("Normal(0, sigma)", "twice-weekly minus weekly log contrast"),
    "sd_intercept": ("HalfNormal(sigma)", "between-patient SD of baseline log counts"),
    "sd_slope": ("HalfNormal(sigma)", "between-patient SD of the dosing-period change"),
    "lkj_eta": ("LKJ(eta)", "correlation of the patient effects"),
    "sd_site": ("HalfNormal(sigma)", "SD of site intercepts"),
    "sigma": ("HalfNormal(sigma)", "scale of the Student-t residual"),
    "nu": ("2 + Gamma(alpha, beta)", "residual degrees of freedom"),
    "spline_sd": ("HalfNormal(sigma)", "SD of the spline deviations"),
}
EFFECT_PARAMETERS = ("effect", "effect_post", "regimen")


def _num(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{str(k).upper()} {_num(x)}" for k, x in v.items())
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{x:.4g}"


def trajectory_priors(rep: Report) -> h.HTMLFragment:
    """The trajectory models' priors, one column per prior set (two tables: the treatment
    effect, and every other parameter)."""
    rec = rep.reader.step_record("02_trajectories") or {}
    sets = rec.get("priors")
    if not isinstance(sets, dict) or not sets:
        return rep.unavailable("manifest.json: the trajectory priors", "02_trajectories")
    order = [s for s in ("default", "vague", "skeptical", "enthusiastic") if s in sets]
    order += [s for s in sets if s not in order]
    params = list(dict.fromkeys(p for s in order for p in sets[s]))
    rows = []
    for p in params:
        family, meaning = TRAJECTORY_FAMILIES.get(p, ("", ""))
        row = {"Parameter": p, "Meaning": meaning, "Distribution": family}
        for s in order:
            hyper = sets[s].get(p, {})
            row[s] = "; ".join(f"{k} {_num(v)}" for k, v in hyper.items()) or "–"
        rows.append(row)
    df = pd.DataFrame(rows)
    eff = df[df["Parameter"].isin(EFFECT_PARAMETERS)]
    rest = df[~df["Parameter"].isin(EFFECT_PARAMETERS)]
    note = ("Log scale; a period is the dosing period. Intercept means per marker are log "
            "counts (log 500 = 6.21).")
    return h.join(
        h.table(eff, caption="Trajectory models: priors of the treatment effect, by prior set",
                max_rows=None, labels=False),
        h.table(rest, caption="Trajectory models: every other prior, by prior set",
                max_rows=None, labels=False, note=note))


AE_GROUPS = (
    ("control log-odds γ (event level, SOC level, overall)",
     ("mu_gamma_0_0", "tau2_gamma_0_0", "alpha_gamma_0_0", "beta_gamma_0_0", "alpha_gamma",
      "beta_gamma")),
    ("treatment effect θ, log odds ratio (slab; event, SOC, overall)",
     ("mu_theta_0_0", "tau2_theta_0_0", "alpha_theta_0_0", "beta_theta_0_0", "alpha_theta",
      "beta_theta")),
    ("point mass π: probability that an event's θ is exactly 0",
     ("lambda_alpha", "lambda_beta", "alpha_pi", "beta_pi")),
)


def ae_priors(rep: Report) -> h.HTMLFragment:
    """The adverse-event hierarchy's hyperparameters (c212 names) and what they imply."""
    rec = rep.reader.step_record("03_adverse_events") or {}
    values = rec.get("prior_values")
    if not isinstance(values, dict):
        return rep.unavailable("manifest.json: the AE priors", "03_adverse_events")
    rows = []
    for label, keys in AE_GROUPS:
        parts = [f"{k} = {_num(values[k])}" for k in keys if values.get(k) is not None]
        rows.append({"Part of the model": label, "Hyperparameters": "; ".join(parts)})
    st = rec.get("prior_statement") or {}
    note = (f"Prior set '{rec.get('priors', '?')}'. Implied: prior P(θ = 0) = "
            f"{_num(st.get('p_point_mass'))}; overall mean log odds ratio centred at "
            f"{_num(st.get('mu_theta_0_0'))} with SD {_num(st.get('sd_mu_theta_0'))}. τ² are "
            "variances; α, β shape and scale of inverse-gamma variances (Berry & Berry 2004; "
            "c212 conventions).") if st else None
    return h.table(pd.DataFrame(rows), caption="Adverse-event hierarchy: hyperparameters",
                   max_rows=None, labels=False, note=note)


def _normal(mean: Any, sd: Any) -> str:
    try:
        m, s = float(mean), float(sd)
    except (TypeError, ValueError):
        return "–"
    if not (np.isfinite(m) and np.isfinite(s)):
        return "not normal (see Methods)"
    return f"Normal({m:.3f}, {s:.3f})"


def reanalysis_priors(rep: Report) -> h.HTMLFragment:
    """The prior grid of the published-data reanalysis: mean and SD of the log ratio."""
    df = rep.data("reanalysis_summary")
    if df is None:
        return rep.unavailable("tables/reanalysis_summary.csv", "04_summary_reanalysis")
    need = {"prior", "case", "prior_mean_log", "prior_sd_log"}
    if not need <= set(df.columns):
        return h.box("unavailable", "Not available: the reanalysis table has no prior columns")
    from .labels import value_label

    priors = list(dict.fromkeys(df["prior"].astype(str)))
    out = pd.DataFrame({"Prior": [p.replace("_", " ") for p in priors]})
    for case in dict.fromkeys(df["case"].astype(str)):
        sub = df[df["case"].astype(str) == case]
        g = sub.set_index(sub["prior"].astype(str))
        mcid = g["mcid"].iloc[0] if "mcid" in g else np.nan
        col = f"{value_label('case', case)} (MCID {_num(mcid)})"
        out[col] = [_normal(g.loc[p, "prior_mean_log"], g.loc[p, "prior_sd_log"])
                    if p in g.index else "–" for p in priors]
    return rep.table("reanalysis_summary", step="04_summary_reanalysis", frame=out,
                     max_rows=None, caption="Reanalysis priors on the log risk ratio, per "
                                            "outcome (mean, SD)")


def sampler_settings(rep: Report) -> h.HTMLFragment:
    """One row per fit: sampler, chains, tuning, draws, target acceptance, seed, time, reuse."""
    rows = []
    for stem in ("02_trajectories", "03_adverse_events"):
        rec = rep.reader.step_record(stem) or {}
        for f in rec.get("fits") or []:
            rows.append({
                "Step": stem, "Fit": f.get("model"), "Sampler": f.get("sampler"),
                "Chains": f.get("chains"), "Tuning steps": f.get("tune"),
                "Draws per chain": f.get("draws"), "Target acceptance": f.get("target_accept"),
                "Sampler seed": f.get("seed"),
                "Seconds": "reused" if f.get("from_cache") else f.get("seconds"),
            })
    if not rows:
        return h.box("unavailable", "Not available: no fit recorded its sampler settings "
                                    "(steps 02 and 03 have not run with this version)")
    return h.table(pd.DataFrame(rows), caption="Sampler settings of every fit (NUTS)",
                   max_rows=None, labels=False,
                   note="'reused': the fit was loaded from the results folder's fits/ cache "
                        "(same data, model, sampler settings and seed).")


def diagnostics_summary(rep: Report) -> h.HTMLFragment:
    """The diagnostics in four numbers: fits, worst R-hat, smallest ESS, divergences."""
    frames = [df for _, df in rep.reader.diagnostics_tables()]
    if not frames:
        return h.box("unavailable", "Not available: no diagnostics tables")
    df = pd.concat(frames, ignore_index=True)

    def col(name: str, fn) -> str:
        if name not in df:
            return "–"
        v = pd.to_numeric(df[name], errors="coerce").dropna()
        return "–" if v.empty else _num(fn(v))

    failing = int((df["status"].astype(str) != "ok").sum()) if "status" in df else 0
    facts = [f"{len(df)} fitted models; {failing} fail the gate (R-hat ≤ 1.01, ESS ≥ 400 bulk "
             "and tail, no divergences, BFMI ≥ 0.3)",
             f"worst R-hat {col('max_rhat', max)}; smallest bulk ESS "
             f"{col('min_ess_bulk', min)}; smallest tail ESS {col('min_ess_tail', min)}",
             f"divergent transitions in all fits together: {col('divergences', sum)}; "
             f"lowest BFMI {col('min_bfmi', min)}"]
    return h.box("warning" if failing else "ok", "Diagnostics summary", facts)


def code_and_data(rep: Report) -> h.HTMLFragment:
    """Commit, data hash, seeds and software versions."""
    man = rep.reader.manifest
    code = man.get("code") if isinstance(man.get("code"), dict) else {}
    commit = str(code.get("commit") or "unknown")
    dirty = code.get("dirty")
    data = rep.reader.step_record("01_data") or {}
    run = rep.reader.ledger.get("run", {})
    seeds = sorted({(f.get("model"), f.get("seed")) for stem in ("02_trajectories",
                                                                 "03_adverse_events")
                    for f in (rep.reader.step_record(stem) or {}).get("fits") or []},
                   key=str)
    facts = [
        f"code: git commit {commit}" + (" with uncommitted changes" if dirty else "")
        + ("" if commit != "unknown" else " (the code was not run from a git checkout)"),
        f"data: trial '{rep.reader.trial_name}', sha256 of the validated tables "
        f"{data.get('inputs_hash') or 'not recorded'}",
        f"run seed {run.get('seed', data.get('seed', '?'))}; every random number derives from "
        "it through named streams (sampler seeds: "
        + (", ".join(f"{m} {s}" for m, s in seeds[:4]) + (" …" if len(seeds) > 4 else "")
           if seeds else "not recorded") + ")",
    ]
    return h.join(h.box("info", "Code, data and seeds", facts), rep.versions())


def rerun(rep: Report) -> h.HTMLFragment:
    """The command that reproduces this report (no local paths)."""
    run = rep.reader.ledger.get("run", {})
    data_dir = run.get("data_dir")
    args = []
    if data_dir not in (None, "bundled"):
        args += ["--data", "<your trial folder>"]
    if run.get("seed") is not None:
        args += ["--seed", str(run.get("seed"))]
    if run.get("fast"):
        args.append("--fast")
    if run.get("strict"):
        args.append("--strict")
    make = "make report" + (f" ARGS={shlex.quote(' '.join(args))}" if args else "")
    cli = "bayes-iris report " + " ".join(args)
    code = (rep.reader.manifest.get("code") or {}).get("commit", "unknown")
    steps = [f"git checkout {code}" if code != "unknown" else
             "check out the version of the code named above",
             f"{make}   (or: {cli.strip()})",
             "with unchanged inputs every step is reused from the results folder; delete "
             "results/<trial>/ (or pass --no-cache to bayes-iris) to recompute from scratch — "
             "the same seed gives the same numbers"]
    return h.box("info", "How to rerun", steps)
