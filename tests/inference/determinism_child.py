"""Child process of ``test_determinism.py``: fit small models, print draw digests.

Usage: ``python determinism_child.py SAMPLER CORES [--fits DIR] [--import-jax] MODEL:DATA ...``

Each job is fitted in this process, in order, with :func:`bayes_iris.inference.fit` on a small
model spec whose structure key is the model's name, so jobs of one model share one compiled
model in-process (as the analysis steps' prior sets do); ``DATA`` picks the observed values (same
graph, other data). Prints one JSON line ``{"MODEL:DATA": sha256 of the draws}``.
Not a test module (no ``test_`` prefix).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import warnings
from dataclasses import dataclass

import numpy as np


def _beta_model(data: int):
    """A correlation in scalar form (Beta, sqrt), as in the ALC model's 2 x 2 LKJ prior.

    The observations are data (``pm.Data``: one graph for every data set); the covariate is a
    constant of the graph, which gives LLVM something to fold when it inlines freshly compiled
    code (under fast-math that changed the arithmetic).
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as m:
        obs = pm.Data("obs", np.linspace(-1.0, 1.0, 10) * (1.0 + 0.1 * data))
        half = pm.Beta("half", 2.0, 2.0)
        rho = 2.0 * half - 1.0
        pm.Normal("y", rho * pt.sqrt(1.0 - rho**2) * np.linspace(0.5, 1.5, 10), 1.0,
                  observed=obs)
    return m


def _dense_model(data: int):
    """A dense 1500 x 400 product: large enough for OpenBLAS to split it over threads."""
    import pymc as pm

    g = np.random.Generator(np.random.PCG64(5 + data))
    w = g.normal(size=(1500, 400)) * (g.random((1500, 400)) < 0.1)
    with pm.Model() as m:
        theta = pm.Normal("theta", 0.0, 1.0, shape=400)
        table = pm.Data("table", np.column_stack([w, g.normal(size=1500)]))
        pm.Normal("y", table[:, :400] @ theta, 3.0, observed=table[:, 400])
    return m


MODELS = {"beta": _beta_model, "dense": _dense_model}


@dataclass(frozen=True)
class ToySpec:
    """A model spec (``inference.ModelSpec``) of one of :data:`MODELS` with one data set."""

    kind: str
    data: int

    @property
    def name(self) -> str:
        return f"{self.kind}_{self.data}"

    def build(self):
        return MODELS[self.kind](self.data)

    def cache_key(self) -> str:
        return f"{self.kind}:{self.data}"

    def structure_key(self) -> str:
        return f"toy-{self.kind}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("sampler")
    p.add_argument("cores", type=int)
    p.add_argument("jobs", nargs="+")
    p.add_argument("--fits", default=None)
    p.add_argument("--draws", type=int, default=50)
    p.add_argument("--import-jax", action="store_true",
                   help="import JAX first (PyMC then starts its workers from a forkserver)")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    if args.import_jax:
        import jax  # noqa: F401

    from bayes_iris.inference import SamplerConfig, fit

    out = {}
    for job in args.jobs:
        kind, data = job.split(":")
        cfg = SamplerConfig(sampler=args.sampler, seed=11, draws=args.draws, tune=args.draws,
                            chains=2, cores=args.cores, progressbar=False, log_likelihood=False)
        res = fit(ToySpec(kind, int(data)), cfg, cache_dir=args.fits)
        post = res.idata["posterior"]
        h = hashlib.sha256()
        for k in sorted(post.data_vars):
            h.update(np.ascontiguousarray(post[k].values).tobytes())
        out[job] = h.hexdigest()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
