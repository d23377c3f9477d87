"""One merge rule for every analysis's priors: defaults ← named set ← user overrides.

Each analysis keeps its priors as data in its own ``priors.py`` — a dict of defaults, a dict
``PRIOR_SETS`` of named sets (each a partial dict of the defaults' keys) and a ``statement()``
of the prior probabilities they imply — and resolves a user's choice with :func:`resolve` here:

1. start from the defaults;
2. merge the named set on top (``None`` picks the analysis's default set);
3. merge the user's overrides on top of that.

Merging is recursive for nested dicts (``{"effect": {"sigma": 2}}`` changes one hyperparameter);
a value the analysis marks as a leaf (for example a ``{marker: value}`` map) is replaced whole. A
key that the defaults do not have — at any depth — is an :class:`~bayes_iris.errors.InputError`
naming the known keys: a misspelt prior never silently does nothing.

Examples
--------
>>> defaults = {"effect": {"mu": 0.0, "sigma": 1.0}, "sigma": {"sigma": 0.5}}
>>> sets = {"default": {}, "skeptical": {"effect": {"sigma": 0.42}}}
>>> resolve(defaults, sets, "skeptical", {"sigma": {"sigma": 0.3}})
{'effect': {'mu': 0.0, 'sigma': 0.42}, 'sigma': {'sigma': 0.3}}
>>> resolve(defaults, sets, None, {"efect": {}})
Traceback (most recent call last):
...
bayes_iris.errors.InputError: column 'priors': unknown prior 'efect' -> known: effect, sigma
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from .errors import InputError, Problem

__all__ = ["merge", "resolve"]


def _never_leaf(value: Any) -> bool:
    return False


def merge(base: Mapping[str, Any], over: Mapping[str, Any], *, what: str = "prior",
          is_leaf: Callable[[Any], bool] = _never_leaf, _path: str = "") -> dict[str, Any]:
    """``base`` with ``over`` merged on top (later wins); unknown keys raise :class:`InputError`.

    Examples
    --------
    >>> merge({"a": {"x": 1, "y": 2}}, {"a": {"y": 3}})
    {'a': {'x': 1, 'y': 3}}
    """
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if key not in out:
            raise InputError(Problem(f"unknown {what} {_path}{key!r}", column="priors",
                                     hint=f"known: {', '.join(sorted(map(str, out)))}"))
        if (isinstance(out[key], Mapping) and isinstance(value, Mapping)
                and not is_leaf(out[key])):
            out[key] = merge(out[key], value, what=what, is_leaf=is_leaf,
                             _path=f"{_path}{key}.")
        else:
            out[key] = copy.deepcopy(value)
    return out


def resolve(defaults: Mapping[str, Any], sets: Mapping[str, Mapping[str, Any]],
            choice: str | Mapping[str, Any] | None = None,
            overrides: Mapping[str, Any] | None = None, *, default_set: str = "default",
            what: str = "prior", is_leaf: Callable[[Any], bool] = _never_leaf) -> dict[str, Any]:
    """Defaults ← named set ← overrides.

    Parameters
    ----------
    defaults : mapping
        Every key an analysis knows, with its default value.
    sets : mapping
        Named sets: partial mappings of ``defaults``' keys.
    choice : str, mapping or None
        A set name; a mapping (overrides of the defaults, no named set); ``None``: ``default_set``.
    overrides : mapping, optional
        Applied last.
    what : str
        How errors name the thing ("prior", "AE prior", ...).
    is_leaf : callable
        Marks nested mappings that are replaced whole rather than merged.

    Raises
    ------
    InputError
        An unknown set name (naming the known sets), an unknown key (naming the known keys), or
        a choice that is neither a name nor a mapping.
    """
    if choice is None:
        choice = default_set
    if isinstance(choice, str):
        if choice not in sets:
            raise InputError(Problem(f"unknown {what} set {choice!r}", column="prior",
                                     hint=f"choose one of {', '.join(sets)}"))
        out = merge(defaults, sets[choice], what=what, is_leaf=is_leaf)
    elif isinstance(choice, Mapping):
        out = merge(defaults, choice, what=what, is_leaf=is_leaf)
    else:
        raise InputError(Problem(f"{what}s must be a set name or a dict, got "
                                 f"{type(choice).__name__}", column="priors"))
    if overrides:
        out = merge(out, overrides, what=what, is_leaf=is_leaf)
    return out
