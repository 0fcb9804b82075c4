"""Registry of benchmarks: a plain dict of identifiers to constructors."""
from __future__ import annotations

from typing import Callable

from ..errors import UnknownNameError

from .dorsal import behaviour as dorsal
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
    # dorsal stream (region "dorsal"; video models such as "tracker")
    "cottier2023.flash_lag": dorsal.cottier2023,
    "whitney2000.flash_lag_speed": dorsal.whitney2000,
    "eagleman2000.flash_lag_onset_offset": dorsal.eagleman2000,
    "adams2015.occluded_pursuit": dorsal.adams2015,
}


def load_benchmark(name: str):
    """Build the registered benchmark ``name``."""
    try:
        return BENCHMARKS[name]()
    except KeyError:
        raise UnknownBenchmarkError(
            f"unknown benchmark {name!r}; known benchmarks: {', '.join(sorted(BENCHMARKS))}") from None
