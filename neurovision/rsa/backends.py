"""Which compiled kernels the RSA engine runs on in this process.

The rank-based comparisons and resampling loops have three implementations, chosen at import time:
numba-compiled kernels (unless numba is missing or ``NEUROVISION_NO_NUMBA=1``), the compiled C
Kendall tau-a kernel ``neurovision.rsa._tau_c`` (unless it was not built or ``NEUROVISION_NO_NATIVE=1``),
with an AVX-512 path on CPUs that have it, and plain numpy otherwise. All give the same results; they
differ in speed only.
"""
from __future__ import annotations

from . import _kernels, _tau_native

__all__ = ["kernel_info"]


def kernel_info() -> dict[str, bool]:
    """``{"numba": ..., "tau_native": ..., "tau_native_avx512": ...}``: whether numba kernels are in use,
    whether the compiled tau-a kernel is loaded, and whether it uses its AVX-512 path."""
    return {"numba": bool(_kernels.HAVE_NUMBA), "tau_native": bool(_tau_native.AVAILABLE),
            "tau_native_avx512": bool(_tau_native.SIMD)}
