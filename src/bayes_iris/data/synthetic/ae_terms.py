r"""The adverse-event terms of the synthetic generator: system-organ class, risk, effect, grades.

For each term, a patient has at least one event with probability
:math:`\operatorname{expit}(\operatorname{logit} p_{0} + \psi [\text{cyt107}])` (``placebo_risk``,
``log_odds_ratio``); the model is in :mod:`bayes_iris.data.synthetic`. The default list has no effect
on any term but two (injection-site reaction, rash): no cytokine-storm signal (FACTS.md [A]).

Examples
--------
>>> sum(t.log_odds_ratio != 0 for t in DEFAULT_AE_TERMS)
2
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["DEFAULT_AE_TERMS", "AETermSpec"]


class AETermSpec(BaseModel):
    """One adverse-event term of the generator: its SOC, placebo risk and CYT107 log-odds effect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    soc: str
    term: str
    placebo_risk: float = Field(gt=0, lt=1)
    log_odds_ratio: float = 0.0
    grade_probs: tuple[float, float, float, float] = (0.4, 0.35, 0.2, 0.05)
    p_related: float = Field(default=0.1, ge=0, le=1)
    dosing_period_only: bool = False

    @model_validator(mode="after")
    def _check_grades(self) -> AETermSpec:
        if abs(sum(self.grade_probs) - 1) > 1e-9 or min(self.grade_probs) < 0:
            raise ValueError("grade_probs must be 4 non-negative numbers summing to 1")
        return self


_GI = "Gastrointestinal disorders"
_GEN = "General disorders and administration site conditions"
_INF = "Infections and infestations"
_RESP = "Respiratory, thoracic and mediastinal disorders"
_BLOOD = "Blood and lymphatic system disorders"

DEFAULT_AE_TERMS: tuple[AETermSpec, ...] = (
    AETermSpec(
        soc=_GEN,
        term="Injection site reaction",
        placebo_risk=0.08,
        log_odds_ratio=1.5,
        grade_probs=(0.7, 0.27, 0.03, 0.0),
        p_related=0.9,
        dosing_period_only=True,
    ),
    AETermSpec(soc=_GEN, term="Pyrexia", placebo_risk=0.25),
    AETermSpec(
        soc=_GEN, term="Oedema peripheral", placebo_risk=0.15, grade_probs=(0.5, 0.4, 0.1, 0.0)
    ),
    AETermSpec(soc=_INF, term="Pneumonia", placebo_risk=0.20, grade_probs=(0.0, 0.3, 0.55, 0.15)),
    AETermSpec(
        soc=_INF,
        term="Urinary tract infection",
        placebo_risk=0.10,
        grade_probs=(0.1, 0.6, 0.3, 0.0),
    ),
    AETermSpec(soc=_INF, term="Bacteraemia", placebo_risk=0.10, grade_probs=(0.0, 0.3, 0.5, 0.2)),
    AETermSpec(
        soc=_RESP,
        term="Acute respiratory distress syndrome",
        placebo_risk=0.08,
        grade_probs=(0.0, 0.1, 0.5, 0.4),
    ),
    AETermSpec(soc=_RESP, term="Pleural effusion", placebo_risk=0.12),
    AETermSpec(
        soc="Cardiac disorders",
        term="Atrial fibrillation",
        placebo_risk=0.15,
        grade_probs=(0.2, 0.5, 0.25, 0.05),
    ),
    AETermSpec(
        soc="Renal and urinary disorders",
        term="Acute kidney injury",
        placebo_risk=0.20,
        grade_probs=(0.2, 0.35, 0.3, 0.15),
    ),
    AETermSpec(soc=_BLOOD, term="Anaemia", placebo_risk=0.30, grade_probs=(0.3, 0.4, 0.3, 0.0)),
    AETermSpec(
        soc=_BLOOD, term="Thrombocytopenia", placebo_risk=0.15, grade_probs=(0.3, 0.3, 0.3, 0.1)
    ),
    AETermSpec(soc=_GI, term="Diarrhoea", placebo_risk=0.15),
    AETermSpec(soc=_GI, term="Ileus", placebo_risk=0.06, grade_probs=(0.2, 0.5, 0.3, 0.0)),
    AETermSpec(
        soc="Metabolism and nutrition disorders",
        term="Hypokalaemia",
        placebo_risk=0.20,
        grade_probs=(0.5, 0.3, 0.2, 0.0),
    ),
    AETermSpec(
        soc="Psychiatric disorders",
        term="Delirium",
        placebo_risk=0.20,
        grade_probs=(0.3, 0.5, 0.2, 0.0),
    ),
    AETermSpec(
        soc="Skin and subcutaneous tissue disorders",
        term="Rash",
        placebo_risk=0.06,
        log_odds_ratio=0.7,
        grade_probs=(0.7, 0.25, 0.05, 0.0),
        p_related=0.4,
    ),
    AETermSpec(
        soc="Investigations",
        term="Transaminases increased",
        placebo_risk=0.10,
        grade_probs=(0.5, 0.3, 0.2, 0.0),
        p_related=0.2,
    ),
    AETermSpec(
        soc="Immune system disorders",
        term="Cytokine release syndrome",
        placebo_risk=0.01,
        grade_probs=(0.2, 0.5, 0.25, 0.05),
        p_related=0.5,
    ),
)
