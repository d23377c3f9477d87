"""Inputs of a reanalysis: a published estimate with its CI, or a 2×2 table of counts.

Both are frozen pydantic models (``extra="forbid"``); invalid values — in the constructor, in
:meth:`Counts.parse` and on the command line alike — raise :class:`~bayes_iris.errors.InputError`
(the command line's exit 2) naming the field and the value.

Counts must be whole numbers (``3.0`` is read as 3; ``3.5``, ``True``, NaN are refused), with
``0 <= events <= n`` and ``1 <= n <=`` :data:`MAX_ARM_SIZE` (10⁷ patients per arm). The cap is a
plausibility check, not a numerical limit of the methods: the largest randomised trials put about
2 × 10⁵ patients in an arm (the 1954 Salk polio vaccine field trial: about 200 000 children per
arm in its placebo-controlled areas), so an arm fifty times larger is a data-entry slip — a
population count, digits run together — and an analysis of it would look valid while meaning
nothing. Up to the cap the exact and quadrature engines are tested (``tests/reanalysis``).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from scipy import stats

from ..errors import InputError, Problem

__all__ = [
    "DIFFERENCE_MEASURES",
    "MAX_ARM_SIZE",
    "RATIO_MEASURES",
    "Counts",
    "Estimate",
    "NormalApproximation",
    "pydantic_to_input",
]

RATIO_MEASURES = ("RR", "OR", "HR")
DIFFERENCE_MEASURES = ("RD", "MD")
Measure = Literal["RR", "OR", "HR", "RD", "MD"]
Benefit = Literal["lower", "higher"]
#: Largest arm size accepted in a 2×2 table (see the module docstring for why).
MAX_ARM_SIZE = 10_000_000


def pydantic_to_input(err: ValidationError, what: str) -> InputError:
    """The problems of a pydantic validation error as one :class:`InputError`."""
    problems = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or None
        value = e.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        msg = str(e["msg"]).removeprefix("Value error, ")
        hint = None
        if e.get("type") == "less_than_equal" and loc in ("n_treated", "n_control"):
            hint = (f"an arm of more than {MAX_ARM_SIZE:,} patients is not a trial count; check "
                    "the number (see bayes_iris.reanalysis.inputs.MAX_ARM_SIZE)")
        problems.append(Problem(f"{what}: {msg}{shown}", column=loc, hint=hint))
    return InputError(problems)


class _Checked(BaseModel):
    """A frozen model whose constructor raises :class:`InputError` instead of pydantic's
    ``ValidationError`` (so that the Python API, the parser and the CLI fail alike)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    _what: ClassVar[str] = "input"

    def __init__(self, **data) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise pydantic_to_input(err, self._what) from None


class Estimate(_Checked):
    """A published point estimate with its confidence interval.

    Examples
    --------
    >>> e = Estimate(value=1.01, lower=0.36, upper=2.81, measure="RR")
    >>> round(e.se, 4)
    0.5242
    """

    _what: ClassVar[str] = "estimate"

    value: float
    lower: float
    upper: float
    measure: Measure = "RR"
    level: float = Field(default=0.95, gt=0, lt=1)
    benefit: Benefit = Field(default="lower",
                             description="'lower': a ratio < 1 (difference < 0) is a benefit")

    @model_validator(mode="after")
    def _check(self) -> Estimate:
        vals = (self.value, self.lower, self.upper)
        if not all(np.isfinite(vals)):
            raise ValueError("estimate and CI limits must be finite numbers")
        if self.measure in RATIO_MEASURES and min(vals) <= 0:
            raise ValueError(f"{self.measure} is a ratio: estimate and CI limits must be > 0")
        if not self.lower < self.value < self.upper:
            raise ValueError(f"need lower < estimate < upper, got {self.lower} / {self.value} / "
                             f"{self.upper}")
        return self

    @property
    def is_ratio(self) -> bool:
        return self.measure in RATIO_MEASURES

    def _t(self, x: float) -> float:
        return float(np.log(x)) if self.is_ratio else float(x)

    @property
    def z(self) -> float:
        return float(stats.norm.ppf(1 - (1 - self.level) / 2))

    @property
    def psi_hat(self) -> float:
        """Point estimate on the analysis scale (log for ratios)."""
        return self._t(self.value)

    @property
    def se(self) -> float:
        """Standard error on the analysis scale: (t(U) − t(L)) / (2 z)."""
        return (self._t(self.upper) - self._t(self.lower)) / (2 * self.z)


class NormalApproximation(BaseModel):
    """The normal approximation of a 2×2 table on the log scale: ``ψ̂`` (log RR or log OR),
    its standard error, and whether the 0.5 continuity correction was applied."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    psi_hat: float
    se: float
    corrected: bool


class Counts(_Checked):
    """A 2×2 table: ``events_treated``/``n_treated`` vs ``events_control``/``n_control``.

    Examples
    --------
    >>> Counts.parse("3/15,0/6").events_treated
    3
    >>> Counts.parse("16/15,0/6")
    Traceback (most recent call last):
    ...
    bayes_iris.errors.InputError: column 'events_treated': counts: treated events 16 > n 15 -> write the two arms as events/n, treated first, e.g. 3/15,0/6
    """

    _what: ClassVar[str] = "counts"

    events_treated: int = Field(ge=0)
    n_treated: int = Field(ge=1, le=MAX_ARM_SIZE)
    events_control: int = Field(ge=0)
    n_control: int = Field(ge=1, le=MAX_ARM_SIZE)
    measure: Literal["RR", "OR"] = "RR"
    benefit: Benefit = "lower"

    @field_validator("events_treated", "n_treated", "events_control", "n_control",
                     mode="before")
    @classmethod
    def _whole(cls, v):
        if isinstance(v, bool | np.bool_):
            raise ValueError("counts must be whole numbers, not True/False")
        if isinstance(v, float | np.floating) and not (np.isfinite(v) and float(v).is_integer()):
            raise ValueError("counts must be whole numbers")
        return v

    @model_validator(mode="after")
    def _check(self) -> Counts:
        # InputError (not ValueError) passes through pydantic unchanged, naming its column
        problems = [Problem(f"counts: {arm} events {x} > n {n}", column=f"events_{arm}")
                    for arm, x, n in (("treated", self.events_treated, self.n_treated),
                                      ("control", self.events_control, self.n_control))
                    if x > n]
        if problems:
            raise InputError(problems)
        return self

    @property
    def is_ratio(self) -> bool:
        return True

    def swapped(self) -> Counts:
        """The same table with the arms exchanged (the ratio becomes its reciprocal)."""
        return self.model_copy(update={
            "events_treated": self.events_control, "n_treated": self.n_control,
            "events_control": self.events_treated, "n_control": self.n_treated})

    def normal_approximation(self) -> NormalApproximation:
        """``ψ̂`` and its standard error on the log scale (the alternative to the exact route).

        Log RR: ``ψ̂ = log(x_t/n_t) − log(x_c/n_c)``, ``se² = 1/x_t − 1/n_t + 1/x_c − 1/n_c``
        (Katz et al. 1978); log OR: ``ψ̂ = log(x_t/(n_t − x_t)) − log(x_c/(n_c − x_c))``,
        ``se²`` the sum of the reciprocals of the four cells (Woolf 1955). When any of the four
        cells (events or non-events, either arm) is zero, 0.5 is added to every cell
        (Haldane 1956; the Cochrane Handbook's default): an arm's risk becomes
        ``(x + 0.5)/(n + 1)``. Without a zero cell nothing is added. Swapping the arms negates
        ``ψ̂`` and keeps ``se``.

        References
        ----------
        Katz D, Baptista J, Azen SP, Pike MC (1978). Obtaining confidence intervals for the risk
        ratio in cohort studies. Biometrics 34:469-474.

        Woolf B (1955). On estimating the relation between blood group and disease. Annals of
        Human Genetics 19:251-253.

        Haldane JBS (1956). The estimation and significance of the logarithm of a ratio of
        frequencies. Annals of Human Genetics 20:309-311.

        Higgins JPT, Thomas J, et al. (eds) (2023). Cochrane Handbook for Systematic Reviews of
        Interventions, version 6.4, §10.4.4.2 (studies with zero-cell counts).

        Examples
        --------
        >>> a = Counts.parse("10/50,15/50").normal_approximation()
        >>> round(a.psi_hat, 4), round(a.se, 4), a.corrected
        (-0.4055, 0.3559, False)
        >>> Counts.parse("0/50,0/50").normal_approximation().psi_hat
        0.0
        """
        xt, nt, xc, nc = self.events_treated, self.n_treated, self.events_control, self.n_control
        corrected = 0 in (xt, nt - xt, xc, nc - xc)
        a = 0.5 if corrected else 0.0
        if self.measure == "RR":
            psi = (np.log(xt + a) - np.log(nt + 2 * a)) - (np.log(xc + a) - np.log(nc + 2 * a))
            var = 1 / (xt + a) - 1 / (nt + 2 * a) + 1 / (xc + a) - 1 / (nc + 2 * a)
        else:
            psi = (np.log(xt + a) - np.log(nt - xt + a)) - (np.log(xc + a) - np.log(nc - xc + a))
            var = 1 / (xt + a) + 1 / (nt - xt + a) + 1 / (xc + a) + 1 / (nc - xc + a)
        return NormalApproximation(psi_hat=float(psi), se=float(np.sqrt(var)),
                                   corrected=corrected)

    @classmethod
    def parse(cls, text: str, **kwargs) -> Counts:
        """Parse ``"xt/nt,xc/nc"`` (treated first). Bad text raises :class:`InputError`."""
        hint = "write the two arms as events/n, treated first, e.g. 3/15,0/6"
        parts = [p.strip() for p in str(text).split(",")]
        try:
            if len(parts) != 2:
                raise ValueError
            (xt, nt), (xc, nc) = (tuple(int(v) for v in p.split("/")) for p in parts)
        except ValueError:
            raise InputError(f"cannot read counts {text!r}", column="counts", hint=hint) from None
        try:
            return cls(events_treated=xt, n_treated=nt, events_control=xc, n_control=nc, **kwargs)
        except InputError as err:
            for p in err.problems:
                p.hint = p.hint or hint
            raise
