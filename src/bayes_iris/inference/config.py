"""How to sample: :class:`SamplerConfig` and the one place that derives a run's seed and budget.

:meth:`SamplerConfig.for_run` is the sampler policy of the toolkit: the sampler's seed is the run
seed's stream ``<area>.sampler`` (:mod:`bayes_iris.seeds`), the budget is the area's full or fast
budget, and explicit overrides (``--draws``, ``--tune``, a sampler) win. The analysis steps and
the command line both call it, so the same run gives the same config — and the same cached fit.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import seeds

__all__ = ["DEFAULT_BUDGET", "SamplerConfig"]

#: Draws and tuning steps per chain, full and ``--fast``, unless an area declares its own.
#: 2000 draws: sampling costs seconds next to compiling, and the LKJ scale of the patient slopes
#: mixes slowly (bulk ESS ~300 per 4000 draws under some prior sets). Fast: 1000 draws keep the
#: ESS gate (>= 400) passable.
DEFAULT_BUDGET: dict[str, dict[str, int]] = {
    "full": {"draws": 2000, "tune": 1000},
    "fast": {"draws": 1000, "tune": 500},
}


class SamplerConfig(BaseModel):
    """How to sample. Explicit, hashable, and part of every fit's cache key.

    Examples
    --------
    >>> SamplerConfig(seed=1).sampler
    'nutpie'
    >>> SamplerConfig.fast(seed=1).tune
    500
    >>> SamplerConfig.for_run(1, stream="trajectory.sampler", fast=True).draws
    1000
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sampler: Literal["nutpie", "pymc", "numpyro"] = "nutpie"
    draws: int = Field(default=2000, ge=1)
    tune: int = Field(default=1000, ge=1)
    chains: int = Field(default=4, ge=1)
    cores: int = Field(default=2, ge=1)
    target_accept: float = Field(default=0.9, gt=0.0, lt=1.0)
    seed: int = Field(ge=0)
    progressbar: bool = True
    log_likelihood: bool = Field(
        default=True, description="add the log_likelihood group (needed for LOO)"
    )

    @classmethod
    def fast(cls, seed: int, **overrides: Any) -> SamplerConfig:
        """A small budget for smoke runs and CI (500 tuning + 1000 draws per chain, 4 chains)."""
        return cls(**{**DEFAULT_BUDGET["fast"], "seed": seed, **overrides})

    @classmethod
    def for_run(cls, run_seed: int, *, stream: str, fast: bool = False,
                budget: dict[str, dict[str, int]] | None = None,
                **overrides: Any) -> SamplerConfig:
        """The config of one fit of a run: seed from ``stream``, full or fast budget, overrides.

        Parameters
        ----------
        run_seed : int
            The run seed (``--seed``).
        stream : str
            Seed stream, ``<area>.sampler`` (listed in :mod:`bayes_iris.seeds`).
        fast : bool
            The fast budget instead of the full one.
        budget : dict, optional
            ``{"full": {...}, "fast": {...}}`` of an area with its own budget (default
            :data:`DEFAULT_BUDGET`).
        **overrides
            Any other field (``sampler``, ``target_accept``, ``draws``, ...); ``None`` values are
            ignored, so optional command-line options pass straight through.

        Examples
        --------
        >>> a = SamplerConfig.for_run(7, stream="trajectory.sampler", draws=None, tune=300)
        >>> a.draws, a.tune, a == SamplerConfig.for_run(7, stream="trajectory.sampler", tune=300)
        (2000, 300, True)
        """
        kw: dict[str, Any] = dict((budget or DEFAULT_BUDGET)["fast" if fast else "full"])
        kw["seed"] = seeds.int_seed(run_seed, stream)
        kw.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kw)

    def cache_dict(self) -> dict[str, Any]:
        """The fields that change the numbers (progress bars do not)."""
        return self.model_dump(exclude={"progressbar"})
