"""The assumptions of the phase III plan: one frozen model, each field with its reasoning, every
one overridable (``Phase3Assumptions(mcid_rr=0.75)``) and listed in ``tables/design_assumptions``.

These are choices for the people steering the trial, not data. The defaults are defensible
starting points; the report labels each one "ASSUMPTION" and says how to change it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import InputError

__all__ = ["ASSUMPTION_COLUMNS", "Phase3Assumptions"]

#: Columns of ``tables/design_assumptions.csv``.
ASSUMPTION_COLUMNS = ["name", "value", "used_for", "reasoning"]

_WHY = {
    "mcid_rr": (
        "the clinically relevant 28-day mortality effect the primary design is sized for, and "
        "the 'relevant effect' of expected power (both clinical endpoints)",
        "a 20 % relative reduction: the MCID of the summary reanalysis; sepsis phase III trials "
        "have been sized for 15-25 % relative reductions (e.g. PROWESS-SHOCK, ADRENAL) and "
        "smaller effects would need trials of several thousand patients"),
    "target": ("the probability a design must reach (power at the MCID, or assurance)",
               "80 %, the conventional minimum for a confirmatory trial"),
    "alpha": ("one-sided type I error of the primary analysis (every look together)",
              "2.5 % one-sided, the regulatory convention for a superiority claim"),
    "looks": ("information fractions of the looks of the group-sequential mortality design",
              "two interim analyses at one and two thirds of the patients, then the final one: "
              "enough to stop early for a large effect or for futility without much loss of "
              "power"),
    "efficacy_shape": ("shape of the efficacy thresholds over the looks",
                       "O'Brien-Fleming-like (posterior-probability thresholds Φ(c/√t)): very "
                       "strict early, close to the fixed design at the end"),
    "futility_pp": ("non-binding futility rule at each interim: stop if the predictive "
                    "probability of final success is below this",
                    "10 % (Lee & Liu 2008 use 5-10 %); non-binding, so the type I error is "
                    "calibrated as if it were never applied"),
    "control_design_prior": (
        "the design prior of the placebo 28-day mortality",
        "the meta-analytic-predictive (MAP) prior of the placebo arms of five double-blind "
        "septic-shock RCTs (published counts): what a new trial's placebo arm may show, with "
        "the between-trial heterogeneity. It sizes the trial; it is not borrowed in the "
        "analysis (see borrowing)"),
    "robust_weight": (
        "weight of the vague Beta(1, 1) component of the robust MAP",
        "0.2 (RBesT's usual choice): the new population (septic shock with ALC <= 900/mm3) may "
        "differ from the historical ones"),
    "borrowing": (
        "whether the primary analysis borrows the robust MAP for the placebo arm",
        "no: its effective sample size (about 8 patients) would save few placebo patients in a "
        "trial of more than a thousand, and any drift of the placebo mortality inflates the "
        "type I error (shown in design_oc)"),
    "infection_control_risk": (
        "the design prior of secondary-infection risk on placebo",
        "no MAP exists here; an elicited Beta with 95 % between 15 % and 40 % (ICU-acquired "
        "infections in sepsis, van Vught et al. JAMA 2016)"),
    "sd_log_alc": ("per-patient SD of log ALC at day 29 (ALC designs)",
                   "0.8, the value the co-data's assumed standard errors use; replace with the "
                   "trial's estimate when real data exist"),
    "alc_relevant_fold": ("the lymphocyte response a mechanistic study must show",
                          "a 1.5-fold day-29 ALC ratio (second criterion of the ALC rule)"),
}


class Phase3Assumptions(BaseModel):
    """The labelled assumptions of the phase III plan (defaults: see :meth:`table`).

    Examples
    --------
    >>> a = Phase3Assumptions()
    >>> a.mcid_rr, a.looks
    (0.8, (0.3333333333333333, 0.6666666666666666, 1.0))
    >>> Phase3Assumptions(mcid_rr=0.75).mcid_rr
    0.75
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mcid_rr: float = Field(default=0.8, gt=0.0, lt=1.0)
    target: float = Field(default=0.8, gt=0.5, lt=1.0)
    alpha: float = Field(default=0.025, gt=0.0, lt=0.2)
    looks: tuple[float, ...] = (1 / 3, 2 / 3, 1.0)
    efficacy_shape: str = Field(default="obf", pattern="^(obf|constant)$")
    futility_pp: float = Field(default=0.1, gt=0.0, lt=0.5)
    control_design_prior: str = Field(default="map", pattern="^(map|robust_map)$")
    robust_weight: float = Field(default=0.2, ge=0.0, lt=1.0)
    borrowing: bool = False
    infection_control_risk: tuple[float, float] = (0.15, 0.40)
    sd_log_alc: float = Field(default=0.8, gt=0.0)
    alc_relevant_fold: float = Field(default=1.5, gt=1.0)

    @model_validator(mode="after")
    def _check(self) -> Phase3Assumptions:
        t = np.asarray(self.looks, float)
        if t.size < 1 or np.any(np.diff(t) <= 0) or t[0] <= 0 or abs(t[-1] - 1.0) > 1e-12:
            raise ValueError("looks must be increasing information fractions ending at 1")
        lo, hi = self.infection_control_risk
        if not 0 < lo < hi < 1:
            raise ValueError("infection_control_risk must be (lower, upper) with 0 < lower < "
                             "upper < 1")
        return self

    def __init__(self, **data) -> None:
        from pydantic import ValidationError

        try:
            super().__init__(**data)
        except ValidationError as err:
            e = err.errors()[0]
            raise InputError(f"phase III assumption {'.'.join(map(str, e['loc']))}: "
                             f"{e['msg']}", column="assumptions") from None

    def table(self) -> pd.DataFrame:
        """One row per assumption: ``name, value, used_for, reasoning``."""
        rows = []
        for name, (used, why) in _WHY.items():
            v = getattr(self, name)
            if name == "looks":
                v = ", ".join(f"{x:.3g}" for x in v)
            elif isinstance(v, tuple):
                v = " to ".join(f"{x:g}" for x in v)
            rows.append({"name": name, "value": str(v), "used_for": used, "reasoning": why})
        return pd.DataFrame(rows, columns=ASSUMPTION_COLUMNS)
