"""The design chapter's prose, generated from the design step's tables: one paragraph per
endpoint that a reader can act on, one per MAP application, and the list of assumptions.

Every number comes from a table (``design_recommendations``, ``design_gsd_boundaries``,
``design_gsd_oc``, ``design_oc``, ``design_priors``, ``map_summary``, ``map_conflict``,
``design_assumptions``); nothing is hard-coded. The builders are pure functions of those tables
(``dict`` of DataFrames, as :meth:`Report.data` returns them) and return plain text;
:func:`design_paragraphs` and :func:`map_paragraphs` escape it into HTML for the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from . import html as h

__all__ = [
    "DESIGN_TABLES",
    "assumption_items",
    "design_paragraphs",
    "design_prior_table",
    "endpoint_paragraphs",
    "map_paragraphs",
    "map_texts",
]

#: The tables the prose reads.
DESIGN_TABLES = ("design_recommendations", "design_gsd_boundaries", "design_gsd_oc",
                 "design_oc", "design_boundaries", "design_priors", "design_assumptions",
                 "map_summary", "map_conflict")

Tables = Mapping[str, pd.DataFrame | None]


def _pct(x, digits: int = 0) -> str:
    return "–" if x is None or not np.isfinite(float(x)) else f"{100 * float(x):.{digits}f} %"


def _num(x, digits: int = 2) -> str:
    return "–" if x is None or not np.isfinite(float(x)) else f"{float(x):.{digits}f}"


def _int(x) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(v) else f"{round(v)}"


def _list(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _row(t: Tables, table: str, **where) -> pd.Series | None:
    df = t.get(table)
    if df is None or df.empty:
        return None
    for k, v in where.items():
        if k not in df.columns:
            return None
        df = df[df[k].astype(str) == str(v)]
    return None if df.empty else df.iloc[0]


def _assumption(t: Tables, name: str, default: str = "–") -> str:
    r = _row(t, "design_assumptions", name=name)
    return default if r is None else str(r["value"])


def _span(lo, hi, fmt) -> str:
    a, b = fmt(lo), fmt(hi)
    return a if a == b else f"{a} to {b}"


def _synthetic(t: Tables) -> bool:
    df = t.get("design_recommendations")
    return df is not None and "provenance" in df.columns and (df["provenance"] == "synthetic").any()


def mortality_text(t: Tables) -> str:
    """The primary endpoint: the group-sequential design, its thresholds and boundaries, its
    OC, what today's evidence gives, and the borrowing decision."""
    r = _row(t, "design_recommendations", endpoint="mortality")
    if r is None:
        return "No mortality design is available (step 05 has not run)."
    if pd.isna(r.get("n_total")):
        return ("28-day mortality: no size in the range searched reaches the target power at "
                f"the MCID ({r.get('note', '')}).")
    b = t.get("design_gsd_boundaries")
    text = [f"Plan a group-sequential 1:1 trial of at most {_int(r['n_total'])} patients "
            f"({r['n_per_arm_at_looks']} per arm at the looks)."]
    if b is not None and not b.empty:
        text.append(
            f"At the looks after {_list(b['n_total'].map(_int))} patients declare efficacy if "
            "the posterior probability that 28-day mortality is lower on CYT107 exceeds "
            f"{_list(b['efficacy_threshold'].map(lambda v: _pct(v, 2)))} "
            "(O'Brien-Fleming-like thresholds); at the interim looks stop for futility if the "
            "predictive probability of final success is below "
            f"{_pct(b['futility_pp_threshold'].dropna().iloc[0]) if b['futility_pp_threshold'].notna().any() else '–'}"
            " (non-binding).")
        e = b["efficacy_max_cyt107_deaths"]
        text.append(
            f"When the placebo arm shows its expected deaths ({_list(b['placebo_deaths_expected'].map(_int))}), "
            f"efficacy needs at most {_list(e.map(_int))} deaths on CYT107 (an observed risk "
            f"ratio of at most {_list(b['efficacy_rr_at_most'].map(_num))}).")
    oc = t.get("design_gsd_oc")
    nulls = ""
    if oc is not None and not oc.empty and "binding_futility" in oc.columns:
        null = oc[~oc["binding_futility"].astype(bool)]
        if len(null):
            nulls = (f" at placebo mortality {_pct(null['control_rate'].min())} to "
                     f"{_pct(null['control_rate'].max())}")
    text.append(
        f"The one-sided type I error is at most {_pct(r['type_I_error'], 1)}{nulls} (futility "
        f"ignored). This size gives {_pct(r['value_at_n'])} power at the assumed MCID (risk "
        f"ratio {_assumption(t, 'mcid_rr')}), averaged over the placebo mortality expected from "
        "previous septic-shock "
        f"trials (the MAP prior); a fixed design would need {_int(r['n_for_target'])} patients. "
        f"The expected size is {_int(r['expected_n_null'])} patients if CYT107 has no effect "
        f"and {_int(r['expected_n_mcid'])} at the MCID.")
    ev = _row(t, "design_priors", endpoint="mortality", design_prior_key="evidence")
    if ev is not None:
        text.append(
            f"Given today's evidence (pooled sepsis risk ratio {_num(ev['effect_median'])}, "
            f"95 % {_num(ev['effect_lower95'])}–{_num(ev['effect_upper95'])}) the probability "
            f"of success is {_pct(r['assurance_at_n'])} — it cannot exceed the probability of "
            f"any benefit, {_pct(r['p_benefit'])}; if CYT107 reduces mortality by at least the "
            f"MCID it is {_pct(r['expected_power_at_n'])} (expected power).")
    text.append(_borrowing_text(t))
    return " ".join(s for s in text if s)


def _borrowing_text(t: Tables) -> str:
    m = _row(t, "map_summary", map="placebo_mortality")
    oc = t.get("design_oc")
    if m is None or oc is None or oc.empty:
        return ""
    typ = oc[(oc["x_variable"].astype(str) == "control_rate") & (oc["true_rr"] == 1.0)]
    lent = typ["analysis_prior"].astype(str).str.contains("borrowing")
    borrow, plain = typ[lent], typ[~lent]
    if borrow.empty:
        return ""
    return (f"Do not borrow the historical placebo data in the analysis: the robust MAP is "
            f"worth about {_int(m['robust_ess_elir'])} patients, and its type I error ranges "
            f"from {_pct(borrow['p_success'].min(), 1)} to {_pct(borrow['p_success'].max(), 1)} "
            f"over true placebo mortality {_pct(borrow['control_rate'].min())} to "
            f"{_pct(borrow['control_rate'].max())} (without borrowing: "
            f"{_span(plain['p_success'].min(), plain['p_success'].max(), lambda v: _pct(v, 1))})"
            ".")


def infection_text(t: Tables) -> str:
    r = _row(t, "design_recommendations", endpoint="infection")
    if r is None:
        return "No secondary-infection design is available."
    ev = _row(t, "design_priors", endpoint="infection", design_prior_key="evidence")
    mc = _row(t, "design_priors", endpoint="infection", design_prior_key="mcid")
    pooled = ("" if ev is None else f" (pooled sepsis risk ratio {_num(ev['effect_median'])}, "
              f"95 % {_num(ev['effect_lower95'])}–{_num(ev['effect_upper95'])})")
    risk = ("" if mc is None else f" (placebo risk elicited: 95 % between "
            f"{_pct(mc['control_lower95'])} and {_pct(mc['control_upper95'])})")
    mcid = _assumption(t, "mcid_rr")
    return (f"Analyse secondary infection in the same trial without sizing for it: with "
            f"{_int(r['n_total'])} patients its power at a risk ratio of {mcid} is "
            f"{_pct(r['value_at_n'])}{risk}; {_pct(r['target'])} would need "
            f"{_int(r['n_for_target'])}. Given today's evidence{pooled} the probability of "
            f"success is {_pct(r['assurance_at_n'])} (at most {_pct(r['p_benefit'])}); if "
            f"CYT107 reduces infections at least to a risk ratio of {mcid} it is "
            f"{_pct(r['expected_power_at_n'])}.")


def _mechanistic_text(t: Tables, endpoint: str, what: str) -> str:
    r = _row(t, "design_recommendations", endpoint=endpoint)
    if r is None:
        return f"No {what} design is available."
    head = (f"{what[0].upper() + what[1:]} is a mechanistic endpoint: a phase II question "
            "(does CYT107 restore lymphocytes?), not a basis for the phase III size.")
    if pd.notna(r.get("n_for_target")):
        body = (f"A 1:1 substudy of {_int(r['n_total'])} patients shows the response with "
                f"assurance {_pct(r['value_at_n'])} (design prior: {r['design_prior']}).")
    else:
        body = (f"With the design prior {r['design_prior']} the assurance "
                f"never reaches {_pct(r['target'])}: it levels off at about "
                f"{_pct(r['value_at_n'])}, reached with {_int(r['n_total'])} patients — more "
                "patients do not help; a stronger prior belief (or better co-data) would.")
    extra = ""
    if endpoint == "alc":
        tp = _row(t, "design_priors", endpoint="alc", design_prior_key="trial_posterior")
        if tp is not None:
            extra = (f" With the analysed trial's own posterior (ratio {_num(tp['effect_median'])}"
                     + (", SYNTHETIC — an illustration only" if _synthetic(t) else "")
                     + ") far fewer patients would do; see the curves.")
    return " ".join([head, body + extra])


def safety_text(t: Tables) -> str:
    r = _row(t, "design_recommendations", endpoint="safety")
    b = t.get("design_boundaries")
    if r is None or b is None or b.empty:
        return "No safety rule is available."
    stops = [f"{_int(x)} of {_int(n)}" for n, x in zip(b["n"], b["stop_min_x"], strict=True)
             if pd.notna(x)]
    return (f"If CYT107 is given intravenously, monitor fever with respiratory distress after "
            f"a dose and stop IV dosing at {_list(stops)} patients with the event ({r['rule']}, "
            f"uniform prior). {r['sizing_metric']}: {_pct(r['value_at_n'])}; "
            f"{str(r['note']).removeprefix('type_I_error here: ')}: {_pct(r['type_I_error'])} "
            f"(the rate's design prior: {r['design_prior_source']}).")


#: Endpoint → (heading, builder).
ENDPOINTS: dict[str, tuple[str, Callable[[Tables], str]]] = {
    "mortality": ("28-day mortality — primary endpoint, phase III", mortality_text),
    "infection": ("Secondary infection — secondary endpoint, phase III", infection_text),
    "alc": ("Day-29 ALC — mechanistic (phase II)",
            lambda t: _mechanistic_text(t, "alc", "the day-29 lymphocyte count")),
    "rise50": ("A >= 50 % ALC rise — mechanistic (phase II)",
               lambda t: _mechanistic_text(t, "rise50", "a 50 % lymphocyte rise")),
    "safety": ("Safety monitoring of IV dosing", safety_text),
}


def _safe(fn: Callable[[Tables], str], t: Tables) -> str:
    """``fn(t)``, or a "not available" sentence when the tables lack what it needs (a report
    chunk never raises)."""
    try:
        return fn(t)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        return f"Not available: the design tables are incomplete ({type(err).__name__})."


def endpoint_paragraphs(t: Tables) -> dict[str, tuple[str, str]]:
    """``{endpoint: (heading, paragraph)}`` for every endpoint of ``design_recommendations``.

    Examples
    --------
    >>> endpoint_paragraphs({})["mortality"][1]
    'No mortality design is available (step 05 has not run).'
    """
    return {ep: (head, _safe(fn, t)) for ep, (head, fn) in ENDPOINTS.items()}


def map_texts(t: Tables) -> dict[str, str]:
    """One paragraph per MAP application: the studies, the MAP and its ESS, the robust MAP,
    the heterogeneity and the trial's conflict check.

    Examples
    --------
    >>> map_texts({})
    {}
    """
    s = t.get("map_summary")
    if s is None or s.empty:
        return {}
    out = {}
    for _, m in s.iterrows():
        out[str(m["map"])] = _safe(lambda t, m=m: _map_text(t, m), t)
    return out


def _map_text(t: Tables, m: pd.Series) -> str:
    nat = m["map"] == "placebo_mortality"
    fmt = (lambda v: _pct(v)) if nat else (lambda v: f"{np.exp(float(v)):.2f}-fold")
    text = (f"{_int(m['n_studies'])} studies ({m['studies']}); {m['data_kind']}. The MAP "
            f"prior of a new study's {m['outcome']} has median {fmt(m['map_median'])} "
            f"(95 % {fmt(m['map_lower95'])} to {fmt(m['map_upper95'])}) and is worth "
            f"{_num(m['ess_elir'], 0)} {'patients' if nat else 'patients (1:1 trial)'} "
            f"(ELIR effective sample size); robustified with weight "
            f"{_num(m['robust_weight'], 1)} on a vague component it is worth "
            f"{_num(m['robust_ess_elir'], 0)}. Between-study SD τ (on the "
            f"{'logit' if nat else 'log'} scale): median {_num(m['tau_median'])} "
            f"(95 % {_num(m['tau_lower95'])}–{_num(m['tau_upper95'])}). Used as: "
            f"{m['used_as']}.")
    c = _row(t, "map_conflict", map=m["map"])
    if c is not None:
        who = ("the SYNTHETIC trial" if str(c.get("provenance_label", "")).upper()
               .startswith("SYNTHETIC") else "the analysed trial")
        text += (f" Prior-data conflict with {who} ({c['data']}): p = "
                 f"{_num(c['p_conflict_map'])} — {c['conclusion']}; its data move the "
                 f"robust component's weight from {_num(c['robust_weight_prior'])} to "
                 f"{_num(c['robust_weight_posterior'])}.")
    return text


def assumption_items(t: Tables) -> list[str]:
    """``"name = value: reasoning"`` for every labelled assumption."""
    a = t.get("design_assumptions")
    if a is None or a.empty:
        return []
    return [f"{r['name']} = {r['value']} — {r['used_for']}. Why: {r['reasoning']}."
            for _, r in a.astype(str).iterrows()]


def _tables(rep) -> dict[str, pd.DataFrame | None]:
    return {name: rep.data(name) for name in DESIGN_TABLES}


def design_paragraphs(rep) -> h.HTMLFragment:
    """The recommendation of every endpoint, as escaped HTML (``rep``: a
    :class:`~bayes_iris.report.sections.Report`)."""
    t = _tables(rep)
    if t.get("design_recommendations") is None:
        return h.box("unavailable", "Not available: the design step (05) has not run")
    parts = [f"<h3>{h.esc(head)}</h3><p>{h.esc(text)}</p>"
             for head, text in endpoint_paragraphs(t).values()]
    return h.HTMLFragment("".join(parts))


def map_paragraphs(rep, key: str) -> h.HTMLFragment:
    """The paragraph of MAP application ``key`` ("placebo_mortality", "cyt107_alc")."""
    text = map_texts(_tables(rep)).get(key)
    if text is None:
        return h.box("unavailable", f"Not available: MAP {key} (the design step has not run)")
    return h.HTMLFragment(f"<p>{h.esc(text)}</p>")


def assumption_list(rep) -> h.HTMLFragment:
    """The labelled assumptions as an HTML list."""
    items = assumption_items(_tables(rep))
    if not items:
        return h.box("unavailable", "Not available: design_assumptions")
    return h.HTMLFragment("<ul>" + "".join(f"<li>{h.esc(i)}</li>" for i in items) + "</ul>")


def design_prior_table(rep) -> h.HTMLFragment:
    """The design priors as a compact table that fits a laptop column: the effect and the
    placebo risk as "median (95 % interval)" cells, P(benefit), role and source."""
    dp = rep.data("design_priors")
    if dp is None:
        return rep.unavailable("tables/design_priors.csv", "05_phase3_design")
    frame = pd.DataFrame({
        "Endpoint": dp["endpoint"], "Design prior": dp["design_prior"], "Role": dp["role"],
        "Effect (median, 95 % interval)": [
            f"{h.interval(m, lo, hi)} {scale.split(' (')[0]}".strip()
            for m, lo, hi, scale in zip(
                dp["effect_median"], dp["effect_lower95"], dp["effect_upper95"],
                [v if isinstance(v, str) else "" for v in dp["effect_scale"]], strict=True)],
        "P(benefit)": pd.to_numeric(dp["p_benefit"], errors="coerce").map(
            lambda v: "–" if pd.isna(v) else f"{v:.2f}"),
        "Placebo risk (mean, 95 % interval)": [
            h.interval(m, lo, hi) for m, lo, hi in zip(
                dp["control_mean"], dp["control_lower95"], dp["control_upper95"], strict=True)],
        "Source": dp["source"],
    })
    return rep.table("design_priors", step="05_phase3_design", frame=frame, max_rows=None,
                     caption="Design priors: what each says about the effect and the placebo "
                             "risk, its role (sizing, sensitivity, evidence, illustration) and "
                             "its source")
