"""Human labels for the report's tables: column headers and the codes inside cells.

The tables of the results folder keep their machine names (``died_by_day29``, ``p_theta_gt_0``,
``twice_weekly``); the page shows what they mean. A column without an entry here is shown with
its underscores as spaces and a capital first letter, so a new column never shows snake_case.

Examples
--------
>>> column_label("p_theta_gt_0"), column_label("some_new_column")
('P(θ > 0)', 'Some new column')
>>> value_label("arm", "cyt107"), value_label("regimen", "twice_weekly")
('CYT107', 'twice weekly')
>>> value_label("source", "FACTS.md [A]")
'public record: article abstract'
"""

from __future__ import annotations

import re

__all__ = ["COLUMN_LABELS", "VALUE_LABELS", "column_label", "value_label"]

COLUMN_LABELS: dict[str, str] = {
    # data
    "arm": "Arm", "regimen": "Regimen", "randomised": "Randomised",
    "died": "Died (by end of follow-up)", "died_by_day29": "Died by day 29",
    "icu_discharged": "Discharged from ICU alive", "lost_to_follow_up": "Lost to follow-up",
    "labs_day29": "ALC measured on day 29", "labs_last_visit": "ALC measured at last visit",
    "completed_follow_up": "Vital status known to the end", "site": "Site", "total": "Total",
    "characteristic": "Characteristic", "level": "Level", "placebo": "Placebo",
    "cyt107": "CYT107", "all": "All", "patients": "Patients", "deaths": "Deaths",
    "risk": "Risk", "risk_lower95": "95 % CI lower", "risk_upper95": "95 % CI upper",
    "name": "Parameter", "value": "Value", "unit": "Unit", "source": "Source",
    "reasoning": "Reasoning",
    # trajectories
    "marker": "Marker", "model": "Model", "prior_set": "Prior set", "quantity": "Quantity",
    "day": "Day", "median": "Median", "mean": "Mean", "lower95": "95 % CrI lower",
    "upper95": "95 % CrI upper", "log_mean": "Posterior mean (log)",
    "log_sd": "Posterior SD (log)", "p_gt_1": "P(ratio > 1)", "p_gt_2": "P(ratio > 2)",
    "p_gt_3": "P(ratio > 3)", "prior_log_mean": "Prior mean (log ratio)",
    "prior_log_sd": "Prior SD (log ratio)", "prior_p_gt_2": "Prior P(ratio > 2)",
    "elpd_loo": "ELPD (LOO)", "p_loo": "Effective parameters", "elpd_diff": "ELPD difference",
    "dse": "SE of difference", "se": "SE", "chosen": "Used", "warning": "Pareto-k warning",
    "weight": "Stacking weight", "rank": "Rank",
    # diagnostics
    "table": "Step", "max_rhat": "Max R-hat", "min_ess_bulk": "Min ESS (bulk)",
    "min_ess_tail": "Min ESS (tail)", "divergences": "Divergences", "min_bfmi": "Min BFMI",
    "status": "Status", "messages": "Messages",
    # safety
    "soc": "System organ class", "term": "Adverse event", "n_cyt107": "CYT107 patients",
    "N_cyt107": "CYT107 N", "n_placebo": "Placebo patients", "N_placebo": "Placebo N",
    "p_theta_gt_0": "P(θ > 0)", "p_point_mass": "P(θ = 0)", "or_median": "OR median",
    "or_lower95": "OR 95 % lower", "or_upper95": "OR 95 % upper", "rd_median": "Risk difference",
    "rd_lower95": "RD 95 % lower", "rd_upper95": "RD 95 % upper", "n_terms": "Events",
    "p_mu_theta_gt_0": "P(class mean θ > 0)", "or_soc_median": "Class OR median",
    "or_soc_lower95": "Class OR 95 % lower", "or_soc_upper95": "Class OR 95 % upper",
    "p_any_theta_gt_0": "P(any θ > 0 in class)", "category": "Category", "group": "Group",
    "p_higher_cyt107": "P(higher on CYT107)", "counts": "Counts", "kind": "Kind",
    "probability": "Probability", "prior": "Prior",
    # reanalysis
    "case": "Outcome", "measure": "Measure", "p_benefit": "P(benefit)",
    "p_benefit_mcid": "P(benefit ≥ MCID)", "p_harm": "P(harm)", "mcid": "MCID",
    "prior_mean_log": "Prior mean (log)", "prior_sd_log": "Prior SD (log)",
    "prior_p_beyond_mcid": "Prior P(beyond MCID)", "method": "Method",
    # design
    "endpoint": "Endpoint", "design_prior": "Design prior", "metric": "Metric",
    "target": "Target", "recommended_n": "Recommended total n", "rule": "Decision rule",
    "note": "Note", "n_total": "Total n", "n_treat": "n CYT107", "n_control": "n control",
    "assurance": "Assurance", "mcse": "MC SE", "power_at_point": "Power at prior centre",
    "design": "Design", "true_effect": "True effect", "p_success": "P(success)",
    "control_rate": "Control rate", "effect_label": "Effect", "n": "n",
    # methods
    "package": "Package", "version": "Version", "parameter": "Parameter",
    "hyperparameter": "Hyperparameter", "fit": "Fit", "sampler": "Sampler",
    "chains": "Chains", "tune": "Tuning steps", "draws": "Draws per chain",
    "target_accept": "Target acceptance", "seed": "Seed", "seconds": "Seconds",
    "from_cache": "Reused", "state": "State", "cached": "Reused", "finished": "Finished",
    "step": "Step",
}

VALUE_LABELS: dict[str, dict[str, str]] = {
    "arm": {"cyt107": "CYT107", "placebo": "Placebo", "all": "All",
            "cyt107/placebo": "CYT107 / placebo", "twice_weekly/weekly": "twice weekly / weekly",
            "weekly": "CYT107 weekly", "twice_weekly": "CYT107 twice weekly"},
    "regimen": {"twice_weekly": "twice weekly", "weekly": "weekly", "placebo": "placebo",
                "all": "all"},
    "marker": {"alc": "ALC", "cd4": "CD4+", "cd8": "CD8+"},
    "case": {"sepsis_mortality": "Mortality (sepsis)",
             "sepsis_secondary_infection": "Secondary infection (sepsis)",
             "covid_mortality": "Mortality (COVID-19)",
             "covid_secondary_infection": "Secondary infection (COVID-19)",
             "iv_fever_respiratory_distress": "Fever with respiratory distress (IV CYT107)"},
}


def column_label(name: str) -> str:
    """The header shown for column ``name``."""
    name = str(name)
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else name


#: Evidence levels of the project's record of public facts (``[A]``, ``[R]``, ...).
EVIDENCE = {"A": "article abstract", "R": "trial registry", "N": "press report",
            "M": "meta-analysis", "I": "inferred"}
_FACTS = re.compile(r"FACTS\.md\s*\[([A-Z])\]")


def value_label(column: str, value: object) -> object:
    """The text shown for ``value`` in column ``column`` (unchanged when there is no label).

    A source written as the project's internal fact sheet with an evidence level ("FACTS.md
    [A]") is shown as the kind of public record it is.
    """
    if str(column) == "source" and isinstance(value, str) and "FACTS.md" in value:
        return _FACTS.sub(lambda m: "public record: " + EVIDENCE.get(m.group(1), m.group(1)),
                          value).replace("FACTS.md", "public record")
    table = VALUE_LABELS.get(str(column))
    if table is None or not isinstance(value, str):
        return value
    return table.get(value, value)
