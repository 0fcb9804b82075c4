"""Registry of benchmarks: a plain dict of identifiers to constructors (each returns a
:class:`~neurovision.benchmarks.base.Benchmark`), extended by :func:`register_benchmark` and by installed plugins
(entry-point group ``neurovision.benchmarks``, see :mod:`neurovision.plugins`)."""
from __future__ import annotations

from typing import Callable

from ..errors import UnknownNameError, unknown_name
from ..plugins import BENCHMARK_GROUP, load_entry_points, register
from .dorsal import flash_lag, mt, pursuit, speed
from .ventral import cichy2014, cowley2023, kriegeskorte2008


class UnknownBenchmarkError(UnknownNameError):
    """A benchmark identifier that is not registered."""


BENCHMARKS: dict[str, Callable] = {
    "kriegeskorte2008.it_human": kriegeskorte2008.it_human,
    "kriegeskorte2008.it_monkey": kriegeskorte2008.it_monkey,
    "kriegeskorte2008.behaviour": kriegeskorte2008.behaviour,
    "cichy2014.fmri_evc": cichy2014.fmri_evc,
    "cichy2014.fmri_it": cichy2014.fmri_it,
    "cichy2014.meg_early": cichy2014.meg_early,
    "cichy2014.meg_late": cichy2014.meg_late,
    "cowley2023.v4": cowley2023.v4,
    "cowley2023.v4_pls": cowley2023.v4_pls,
    "cowley2023.v4_rsa": cowley2023.v4_rsa,
    "cowley2023.v4_cka": cowley2023.v4_cka,
    "cowley2023.v4_debiased_cka": cowley2023.v4_debiased_cka,
    # dorsal stream (region "dorsal"; video models such as "tracker")
    **flash_lag.BENCHMARKS,
    **pursuit.BENCHMARKS,
    **mt.BENCHMARKS,
    **speed.BENCHMARKS,
}


def benchmark_names() -> list[str]:
    """Every registered benchmark identifier (built-in, registered in this process, and installed plugins)."""
    return sorted(load_entry_points(BENCHMARK_GROUP, BENCHMARKS))


def register_benchmark(name: str, constructor: Callable, overwrite: bool = False) -> None:
    """Register ``constructor`` (called with no arguments, returns a Benchmark) under ``name``, so that
    ``load_benchmark(name)``, ``neurovision.score(model, name)`` and ``neurovision list benchmarks`` know it."""
    register(BENCHMARKS, "benchmark", name, constructor, overwrite)


def load_benchmark(name: str):
    """Build the registered benchmark ``name``."""
    if name not in load_entry_points(BENCHMARK_GROUP, BENCHMARKS):
        raise UnknownBenchmarkError(unknown_name("benchmark", name, BENCHMARKS))
    return BENCHMARKS[name]()
