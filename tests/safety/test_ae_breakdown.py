"""The adverse-event breakdown by grade, seriousness, relatedness and SOC: its counts, recounted
here directly from the adverse_events table."""

from __future__ import annotations

from bayes_iris.data import load_bundled
from bayes_iris.safety.breakdown import BREAKDOWN_COLUMNS, ae_breakdown


def _patients(trial, mask):
    ae = trial.adverse_events[mask]
    arm = trial.patients.set_index("patient_id")["arm"]
    ids = ae["patient_id"].drop_duplicates()
    return {a: int((arm[ids] == a).sum()) for a in ("cyt107", "placebo")}


def test_counts_are_patients_with_at_least_one_such_event():
    trial = load_bundled()
    b = ae_breakdown(trial).set_index("group")
    assert list(ae_breakdown(trial).columns) == BREAKDOWN_COLUMNS
    ae = trial.adverse_events
    checks = {
        "any adverse event": ae["grade"] >= 1,
        "grade ≥ 3 (severe or worse)": ae["grade"] >= 3,
        "serious adverse event": ae["serious"].astype(bool),
        "Infections and infestations": ae["soc"] == "Infections and infestations",
    }
    for group, mask in checks.items():
        want = _patients(trial, mask)
        assert b.loc[group, "n_cyt107"] == want["cyt107"], group
        assert b.loc[group, "n_placebo"] == want["placebo"], group
    assert (b["N_cyt107"] == 17).all() and (b["N_placebo"] == 10).all()
    grades = b.loc[["grade ≥ 2", "grade ≥ 3 (severe or worse)",
                    "grade ≥ 4 (life-threatening or fatal)", "grade 5 (fatal)"], "n_cyt107"]
    assert grades.is_monotonic_decreasing
    assert set(ae["soc"]) == set(b.index[ae_breakdown(trial)["category"].eq("soc").to_numpy()])


def test_risk_differences_point_the_right_way():
    b = ae_breakdown(load_bundled())
    assert (b["rd_lower95"] <= b["rd_median"]).all() and (b["rd_median"] <= b["rd_upper95"]).all()
    higher = b["n_cyt107"] / b["N_cyt107"] > b["n_placebo"] / b["N_placebo"] + 0.2
    assert (b.loc[higher, "p_higher_cyt107"] > 0.5).all()


def test_plots_keep_names_literal_and_whole():
    import matplotlib.pyplot as plt
    import pandas as pd

    from bayes_iris.plots.checks import check_figure
    from bayes_iris.safety.plots import plot_ae_breakdown

    long_soc = "General disorders and administration site conditions"
    t = pd.DataFrame(dict(category=["soc", "soc"], group=["Costs $x$ disorders", long_soc],
                          n_cyt107=[1, 9], N_cyt107=17, n_placebo=[2, 4], N_placebo=10,
                          rd_median=[-0.1, 0.1], rd_lower95=[-0.4, -0.2], rd_upper95=[0.1, 0.4],
                          p_higher_cyt107=[0.2, 0.7]))
    fig = plot_ae_breakdown(t)
    check = check_figure(fig)  # draws: a "$...$" label would fail to parse as mathtext
    labels = " ".join(t.get_text() for t in fig.axes[0].get_yticklabels())
    assert "Costs $x$ disorders" in labels.replace("\\$", "$")
    assert "administration site" in labels and "conditions" in labels  # wrapped, not cut
    assert check["has_legend"] and check["tick_label_overlaps"] == 0
    plt.close(fig)
