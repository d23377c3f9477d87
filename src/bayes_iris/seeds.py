"""One seed per run, split into named, independent streams.

Every random number the toolkit draws comes from a stream derived here from the run seed with
:class:`numpy.random.SeedSequence`, keyed by a stable name ``<area>.<purpose>``, so adding a new
consumer never changes the numbers of an existing one. The streams in use:

=====================================  ============================================================
stream                                 draws
=====================================  ============================================================
``trajectory.sampler``                 MCMC seed of every trajectory fit
``trajectory.prior_predictive``        prior predictive curves (check table and figure)
``trajectory.ppc``                     posterior predictive replicates
``trajectory.new_patient.<m>.<g>``     new patients of marker ``m`` in group ``g`` (effects)
``trajectory.oc.data.<s>.<i>``         data of OC trial ``i`` of scenario ``s`` (``trajectory.oc``)
``trajectory.oc.sampler.<s>.<i>``      sampler seed of OC trial ``i`` of scenario ``s``
``safety.sampler``                     MCMC seed of the adverse-event fits
``safety.point_mass``                  realised point mass of the Berry & Berry effects
``design.*``                           design simulations (``design.engine.*``, ``design.interim``,
                                       ``design.bridge``, ``design.p_benefit``, assurance streams)
``synthetic.*``                        the synthetic-trial generator (one stream per table)
=====================================  ============================================================

Streams named before this scheme keep the key they were born with (:data:`STREAM_KEYS`), so
renaming them did not change a single number.
"""

from __future__ import annotations

import hashlib

import numpy as np

DEFAULT_SEED = 20180307  # IRIS-7 publication date (JCI Insight, 8 March 2018 issue); any fixed value would do


#: ``<area>.<purpose>`` -> the key hashed into the seed (the stream's original name).
STREAM_KEYS: dict[str, str] = {
    "trajectory.sampler": "sampler",
    "trajectory.prior_predictive": "prior-predictive",
    "trajectory.ppc": "ppc",
    "safety.sampler": "ae.sampler",
    "safety.point_mass": "ae.point_mass",
}
_NEW_PATIENT = "trajectory.new_patient."


def stream_key(name: str) -> str:
    """The key of stream ``name`` (its original name where it had one before ``<area>.<purpose>``).

    Examples
    --------
    >>> stream_key("trajectory.sampler"), stream_key("trajectory.new_patient.alc.cyt107")
    ('sampler', 'new-patient-alc-cyt107')
    >>> stream_key("design.bridge")
    'design.bridge'
    """
    if name.startswith(_NEW_PATIENT):
        return "new-patient-" + name[len(_NEW_PATIENT):].replace(".", "-")
    return STREAM_KEYS.get(name, name)


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(stream_key(name).encode()).digest()[:8], "little")


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
