"""The phase III plan: published group-sequential constants, exact-vs-Monte-Carlo agreement of
its probabilities, the type I error of every decision rule, assumptions that act, and figures a
reader can read (legends, labels, no overlapping tick labels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import stats

from bayes_iris import seeds
from bayes_iris.design import (
    BetaMix,
    BinaryDesign,
    BinaryDesignPrior,
    default_analysis_priors,
    default_rule,
    pos,
)
from bayes_iris.errors import InputError
from bayes_iris.map_prior import application
from bayes_iris.phase3 import analysis as A
from bayes_iris.phase3 import clinical as C
from bayes_iris.phase3.assumptions import Phase3Assumptions
from bayes_iris.phase3.tables import DESIGN_TABLE_COLUMNS


@pytest.fixture(scope="module")
def plan():
    return A.run(fast=True)


@pytest.fixture(scope="module")
def placebo_map():
    return application("septic_shock_mortality")


def test_obf_thresholds_reproduce_jennison_turnbull():
    """Jennison & Turnbull (2000) Table 2.3: O'Brien-Fleming, K = 3 equally spaced looks,
    two-sided 5 % (one-sided 2.5 %): C = 2.004, z_k = C √(K/k) = 3.471, 2.454, 2.004."""
    eff, z_final = C._normal_thresholds([300, 600, 900], Phase3Assumptions())
    z = stats.norm.ppf(eff)
    assert z_final == pytest.approx(2.004, abs=2e-3)
    assert z == pytest.approx([3.471, 2.454, 2.004], abs=3e-3)


def test_group_sequential_type_one_error_and_exact_oc_match_simulation(plan):
    """The calibrated design's type I error is at most 2.5 % at every null placebo risk (exact,
    futility non-binding) and close to it; exact OC = vectorised simulation within 4 SE."""
    gsd = plan.gsd
    assert gsd.type_one["type_I_error"].max() <= 0.025 + 1e-12
    assert gsd.type_one["type_I_error"].min() > 0.02
    d = gsd.design
    c = float(np.median(gsd.null_rates))
    for t1 in (c, 0.8 * c):
        exact = d.oc(t1, c)
        mc = d.simulate(t1, c, n_sim=40_000, seed=5)
        assert exact["p_efficacy"] == pytest.approx(mc["p_efficacy"], abs=4 * mc["mcse"] + 1e-4)
        assert exact["expected_n"] == pytest.approx(mc["expected_n"],
                                                    abs=4 * mc["expected_n_mcse"] + 1e-6)
        np.testing.assert_allclose(exact["looks"]["p_stop_efficacy"],
                                   mc["looks"]["p_stop_efficacy"], atol=0.01)


def test_hybrid_power_three_ways(placebo_map):
    """Power at RR 0.8 averaged over the placebo-mortality MAP: the design prior with a fixed
    log RR through pos() (Gauss-Legendre per mixture component), the plan's quantile
    quadrature, and Monte Carlo over the MAP must agree."""
    ctrl = placebo_map.mixture
    d = BinaryDesign(default_rule("mortality"), *default_analysis_priors("mortality"), 400, 400)
    via_pos = pos(d, BinaryDesignPrior(control=ctrl, log_rr=float(np.log(0.8)))).assurance
    via_plan = C.hybrid_power(lambda t, c: float(d.oc(t, c)), 0.8, ctrl, nodes=24)
    c = ctrl.sample(seeds.rng(3, "test.phase3.hybrid"), 20_000)
    oc = np.asarray(d.oc(0.8 * c, c))
    assert via_pos == pytest.approx(via_plan, abs=2e-4)
    assert via_pos == pytest.approx(oc.mean(), abs=4 * oc.std() / np.sqrt(c.size))
    # with a fixed placebo risk it is the ordinary power
    fixed = pos(d, BinaryDesignPrior(control=0.35, log_rr=float(np.log(0.8))))
    assert fixed.assurance == pytest.approx(float(d.oc(0.28, 0.35)), rel=1e-12)
    assert fixed.p_benefit == 1.0


def test_borrowing_inflates_or_deflates_type_one_error_and_plain_analysis_does_not(plan):
    oc = plan.tables()["design_oc"]
    typ = oc[(oc.x_variable == "control_rate") & (oc.true_rr == 1.0)]
    plain = typ[~typ.analysis_prior.str.contains("borrowing")]
    lent = typ[typ.analysis_prior.str.contains("borrowing")]
    assert (plain.p_success <= 0.026).all() and (plain.p_success >= 0.02).all()
    assert lent.p_success.max() - lent.p_success.min() > plain.p_success.max() - \
        plain.p_success.min()


def test_tables_follow_their_contracts_and_label_their_purpose(plan):
    t = plan.tables()
    assert set(t) == set(DESIGN_TABLE_COLUMNS)
    for name, df in t.items():
        assert list(df.columns) == DESIGN_TABLE_COLUMNS[name], name
    rec = t["design_recommendations"].set_index("endpoint")
    assert list(rec.index) == ["mortality", "infection", "alc", "rise50", "safety"]
    assert rec.loc["mortality", "role"] == "primary (phase III)"
    for ep in ("alc", "rise50"):
        assert "not a phase III" in rec.loc[ep, "purpose"]
        assert "not a phase III size" in rec.loc[ep, "design"]
    assert rec["rule"].is_unique            # the rule text once per endpoint
    # the sizing curve at the recommended size reaches... the mortality size is the GSD's
    gsd_n = plan.gsd.design.n1[-1] + plan.gsd.design.n2[-1]
    assert rec.loc["mortality", "n_total"] == gsd_n >= rec.loc["mortality", "n_for_target"]
    # assurance never above P(benefit) under the same design prior
    cur = t["design_sample_size"]
    a = cur[cur.metric == "assurance"]
    assert (a["value"] <= a["p_benefit"] + 1e-9).all()
    assert t["map_summary"]["status"].eq("ok").all()
    assert "bridged" not in " ".join(cur["design_prior"])       # no ALC -> mortality bridge


def test_assumptions_act_and_are_validated():
    base = Phase3Assumptions()
    assert C._inflation(base) > 1.0
    ctrl = BetaMix.single(36.5, 63.5)
    a75 = Phase3Assumptions(mcid_rr=0.75)
    pri = {a.mcid_rr: C.design_priors("mortality", ctrl, "x", a, None)[0] for a in (base, a75)}
    d = BinaryDesign(default_rule("mortality"), *default_analysis_priors("mortality"), 300, 300)
    assert pos(d, pri[0.75].prior).assurance > pos(d, pri[0.8].prior).assurance
    with pytest.raises(InputError, match="looks"):
        Phase3Assumptions(looks=(0.5, 0.4, 1.0))
    with pytest.raises(InputError):
        Phase3Assumptions(mcid_rr=1.2)
    with pytest.raises(InputError):
        Phase3Assumptions(not_an_assumption=1)
    table = base.table()
    assert table["reasoning"].str.len().min() > 20 and table["name"].is_unique


def _overlaps(labels) -> bool:
    boxes = [t.get_window_extent() for t in labels if t.get_visible() and t.get_text()]
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_figures_have_legends_labels_and_readable_ticks(plan):
    figs = A.figures(plan)
    assert {"design_assurance_curves", "design_oc_curves", "design_gsd_boundaries",
            "design_gsd_expected_n", "design_boundaries", "map_forest_placebo_mortality",
            "map_density_placebo_mortality", "map_forest_cyt107_alc",
            "map_density_cyt107_alc"} == set(figs)
    for name, fig in figs.items():
        fig.canvas.draw()
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            assert ax.get_xlabel() or name == "design_gsd_boundaries", (name, "x label")
            assert ax.get_legend() is not None, (name, ax.get_title())
            assert not _overlaps(ax.get_xticklabels()), (name, "x ticks overlap")
            assert not _overlaps(ax.get_yticklabels()), (name, "y ticks overlap")
        plt.close(fig)
    # no curve hidden: every (design prior, metric) of a panel has its own colour or marker
    fig = figs["design_assurance_curves"]
    for ax in fig.axes:
        styles = [(ln.get_color(), ln.get_marker(), ln.get_linestyle()) for ln in ax.lines
                  if not ln.get_label().startswith(("target", "n = ", "_"))]
        assert len(styles) == len(set(styles))
