"""Inputs of a reanalysis: a published estimate with its CI, or a 2×2 table of counts.

Both are frozen pydantic models (``extra="forbid"``); invalid values raise
:class:`~bayes_iris.errors.InputError` through :func:`pydantic_to_input` (the command line's exit 2).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import stats

from ..errors import InputError, Problem

__all__ = ["DIFFERENCE_MEASURES", "RATIO_MEASURES", "Counts", "Estimate", "pydantic_to_input"]

RATIO_MEASURES = ("RR", "OR", "HR")
DIFFERENCE_MEASURES = ("RD", "MD")
Measure = Literal["RR", "OR", "HR", "RD", "MD"]
Benefit = Literal["lower", "higher"]


def pydantic_to_input(err: ValidationError, what: str) -> InputError:
    """The problems of a pydantic validation error as one :class:`InputError`."""
    problems = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or None
        problems.append(Problem(f"{what}: {e['msg']}", column=loc))
    return InputError(problems)


class Estimate(BaseModel):
    """A published point estimate with its confidence interval.

    Examples
    --------
    >>> e = Estimate(value=1.01, lower=0.36, upper=2.81, measure="RR")
    >>> round(e.se, 4)
    0.5242
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

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


class Counts(BaseModel):
    """A 2×2 table: ``events_treated``/``n_treated`` vs ``events_control``/``n_control``.

    Examples
    --------
    >>> Counts.parse("3/15,0/6").events_treated
    3
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    events_treated: int = Field(ge=0)
    n_treated: int = Field(ge=1)
    events_control: int = Field(ge=0)
    n_control: int = Field(ge=1)
    measure: Literal["RR", "OR"] = "RR"
    benefit: Benefit = "lower"

    @model_validator(mode="after")
    def _check(self) -> Counts:
        if self.events_treated > self.n_treated:
            raise ValueError(f"treated events {self.events_treated} > n {self.n_treated}")
        if self.events_control > self.n_control:
            raise ValueError(f"control events {self.events_control} > n {self.n_control}")
        return self

    @property
    def is_ratio(self) -> bool:
        return True

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
        except ValidationError as err:
            raise pydantic_to_input(err, "counts") from None
