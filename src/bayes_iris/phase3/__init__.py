"""The phase III plan for CYT107 in septic shock with lymphopenia: the design step as a function.

:func:`analysis.run` builds, from typed inputs (the reanalysis posteriors, the trajectory
posterior, the trial's own placebo and ALC data) and the labelled assumptions
(:class:`assumptions.Phase3Assumptions`), every table and figure of ``analyses/05_phase3_design``:
MAP priors (:mod:`.maps`), the clinical designs — fixed and group-sequential mortality, the
borrowing option, secondary infection (:mod:`.clinical`) — and the mechanistic and safety
designs (:mod:`.mechanistic`), with their operating characteristics. It uses the generic design
API (:mod:`bayes_iris.design`) and the MAP package (:mod:`bayes_iris.map_prior`); it reads no
folder (the step script does).
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".analysis": ["Phase3Inputs", "Phase3Result", "figures", "run"],
    ".assumptions": ["ASSUMPTION_COLUMNS", "Phase3Assumptions"],
    ".maps": ["TrialEvidence", "fit_maps"],
})
