"""limit_threads: BLAS limited inside the block (or the decorated call), restored afterwards."""
from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info

from neurovision.threads import limit_threads


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_limit_threads_as_context_manager_and_decorator():
    before = _blas_threads()
    if not before:
        pytest.skip("no BLAS library found by threadpoolctl")
    with limit_threads(1):
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before

    @limit_threads(1)
    def inside():
        return _blas_threads()

    assert set(inside()) == {1} and _blas_threads() == before
    with pytest.raises(RuntimeError), limit_threads(1):
        raise RuntimeError("restored on exceptions too")
    assert _blas_threads() == before


def test_limit_threads_rejects_zero():
    with pytest.raises(ValueError, match="n >= 1"), limit_threads(0):
        pass
