"""One seed per run, split into named, independent streams.

Every random number the toolkit draws comes from a stream derived here from the run seed with
:class:`numpy.random.SeedSequence`, keyed by a stable name ("sampler", "ppc", "simulate", ...), so
adding a new consumer never changes the numbers of an existing one.
"""

from __future__ import annotations

import hashlib

import numpy as np

DEFAULT_SEED = 20180307  # IRIS-7 publication date (JCI Insight, 8 March 2018 issue); any fixed value would do


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def seed_sequence(run_seed: int, name: str) -> np.random.SeedSequence:
    """The :class:`~numpy.random.SeedSequence` of stream ``name`` under ``run_seed``."""
    if not isinstance(run_seed, int | np.integer) or run_seed < 0:
        from .errors import InputError

        raise InputError(f"seed must be a non-negative integer, got {run_seed!r}", column="seed")
    return np.random.SeedSequence([int(run_seed), _name_key(name)])


def rng(run_seed: int, name: str) -> np.random.Generator:
    """A fresh :class:`numpy.random.Generator` for stream ``name``.

    Examples
    --------
    >>> float(rng(1, "simulate").random()) == float(rng(1, "simulate").random())
    True
    >>> float(rng(1, "simulate").random()) == float(rng(1, "sampler").random())
    False
    """
    return np.random.default_rng(seed_sequence(run_seed, name))


def int_seed(run_seed: int, name: str) -> int:
    """A 31-bit integer seed for stream ``name`` (for APIs that want an int, e.g. ``pm.sample``)."""
    return int(seed_sequence(run_seed, name).generate_state(1, dtype=np.uint32)[0] >> 1)
