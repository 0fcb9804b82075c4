"""Plugins: models and benchmarks registered by the user or by installed packages.

The registries (:data:`neurovision.models.registry.MODELS`, :data:`neurovision.benchmarks.registry.BENCHMARKS`)
are plain dicts of names to constructors (callables that take no arguments). They grow in two ways:

* in the running Python process: :func:`neurovision.register_model` / :func:`neurovision.register_benchmark`;
* from installed packages, through the Python entry-point groups ``neurovision.models`` and
  ``neurovision.benchmarks`` (``name = package.module:constructor`` in the plugin's packaging metadata). They
  are read the first time a registry is listed or looked up, so an installed plugin appears in
  ``neurovision list`` and can be scored by ``neurovision score`` without any import by the user.
"""
from __future__ import annotations

from functools import partial
from importlib.metadata import EntryPoint, entry_points
from typing import Callable

MODEL_GROUP = "neurovision.models"
BENCHMARK_GROUP = "neurovision.benchmarks"
_loaded: set[str] = set()


def load_entry_points(group: str, registry: dict[str, Callable]) -> dict[str, Callable]:
    """Add the constructors advertised under entry-point ``group`` to ``registry`` (once per process; names
    already registered are kept: a plugin cannot replace a built-in silently). Returns ``registry``."""
    if group not in _loaded:
        _loaded.add(group)
        for ep in entry_points(group=group):
            # the plugin's module is imported only when the name is built
            registry.setdefault(ep.name, partial(_build_entry_point, ep))
    return registry


def _build_entry_point(ep: EntryPoint, *args, **kwargs):
    return ep.load()(*args, **kwargs)


def register(registry: dict[str, Callable], kind: str, name: str, constructor: Callable,
             overwrite: bool = False) -> None:
    """Register ``constructor`` under ``name``; an existing name is an error unless ``overwrite``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"a {kind} name must be a non-empty string; got {name!r}")
    if not callable(constructor):
        raise TypeError(f"the {kind} constructor for {name!r} must be callable (it is called with no arguments)")
    if name in registry and not overwrite:
        raise ValueError(f"a {kind} named {name!r} is already registered; pass overwrite=True to replace it")
    registry[name] = constructor
