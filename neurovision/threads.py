"""Limiting the threads of the BLAS/LAPACK libraries (OpenBLAS, MKL, BLIS) loaded in this process.

Small matrix problems — the ``n × n`` eigendecompositions of a cross-validation fold, the ``k × P`` by
``P × k`` products of a resampling loop — gain nothing from BLAS threads, and a multi-threaded OpenBLAS
that synchronises its threads on every call is much slower than one thread when the cores are busy
(other processes, dask workers, numba kernels). Measured on a busy 2-core machine: ``eigh`` of a
960 × 960 kernel 6 s with OpenBLAS threads vs 0.2 s with one; a 16 × 4186 by 4186 × 16 product 186 ms vs
0.85 ms. :func:`limit_threads` runs a block, or a function, with BLAS limited to ``n`` threads and
restores the previous limits afterwards.

>>> from neurovision.threads import limit_threads
>>> with limit_threads(1):
...     w, v = np.linalg.eigh(k)          # doctest: +SKIP
>>> @limit_threads(1)                     # as a decorator: every call runs limited
... def bootstrap(...): ...               # doctest: +SKIP
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np  # noqa: F401  (loads numpy's BLAS before the libraries are scanned)
import scipy.linalg  # noqa: F401  (loads scipy's BLAS/LAPACK, which may be a separate copy)
from threadpoolctl import ThreadpoolController

__all__ = ["limit_threads"]

_CONTROLLER: list[ThreadpoolController] = []  # created on first use: it scans the loaded libraries once


def _controller() -> ThreadpoolController:
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


@contextmanager
def limit_threads(n: int = 1) -> Iterator[None]:
    """Limit every loaded BLAS library (threadpoolctl's ``user_api="blas"``) to ``n`` threads inside the block.

    Usable as ``with limit_threads(1): ...`` or as a decorator ``@limit_threads(1)``. The previous limits are
    restored on exit, also on exceptions. OpenMP pools (numba, torch) are not touched. The libraries are
    found once, on first use, by scanning those loaded in the process (numpy's and scipy's are loaded when
    this module is imported).
    """
    if n < 1:
        raise ValueError(f"limit_threads needs n >= 1; got {n}")
    with _controller().limit(limits=n, user_api="blas"):
        yield
