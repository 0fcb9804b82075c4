"""Blockwise RDMs (rows read a block at a time) equal to the in-memory ones."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from neurovision.rsa import rdm
from neurovision.rsa.blockwise import blockwise_rdm

TOL = 1e-10


class _CountingRows:
    """A 2-D array that records every block of rows read from it."""

    def __init__(self, x):
        self.x, self.shape, self.reads = x, x.shape, []

    def __getitem__(self, rows):
        self.reads.append(rows.stop - rows.start)
        return self.x[rows]


def test_blockwise_reads_two_blocks_at_a_time():
    x = np.random.default_rng(0).normal(size=(23, 11))
    counting = _CountingRows(x)
    got = blockwise_rdm(counting, "correlation", block=5)
    n_blocks = 5  # 5+5+5+5+3
    assert max(counting.reads) <= 5
    assert len(counting.reads) == n_blocks * (n_blocks + 1) // 2
    np.testing.assert_allclose(got.dissimilarities, rdm(x).dissimilarities, rtol=0, atol=TOL)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(3, 30), p=st.integers(2, 16), block=st.integers(1, 35),
       method=st.sampled_from(["correlation", "cosine", "euclidean"]), seed=st.integers(0, 2**16),
       offset=st.floats(-100, 100))
def test_blockwise_equals_in_memory(n, p, block, method, seed, offset):
    import dask.array as dsa
    x = np.random.default_rng(seed).normal(size=(n, p)) + offset
    expected = rdm(x, method).dissimilarities
    np.testing.assert_allclose(blockwise_rdm(x, method, block=block).dissimilarities, expected, rtol=0,
                               atol=TOL * max(1.0, offset ** 2))
    lazy = dsa.from_array(x, chunks=(max(4, block), p))
    np.testing.assert_allclose(blockwise_rdm(lazy, method).dissimilarities, expected, rtol=0,
                               atol=TOL * max(1.0, offset ** 2))


def test_repeated_presentations_are_averaged_like_rsa_rdm():
    import dask.array as dsa
    x = np.random.default_rng(1).normal(size=(12, 6))
    ids = ["c", "a", "b", "a", "d", "c", "e", "b", "f", "a", "g", "d"]
    da = xr.DataArray(dsa.from_array(x, chunks=(5, 6)), dims=("presentation", "neuroid"),
                      coords={"stimulus_id": ("presentation", ids)})
    expected = rdm(xr.DataArray(x, dims=da.dims, coords=da.coords))
    got = blockwise_rdm(da, block=3)
    np.testing.assert_array_equal(got.stimulus_id, expected.stimulus_id)  # first-appearance order
    np.testing.assert_allclose(got.dissimilarities, expected.dissimilarities, rtol=0, atol=TOL)


def test_blockwise_errors_name_the_conditions():
    x = np.random.default_rng(2).normal(size=(8, 5))
    x[6] = 3.0
    with pytest.raises(ValueError, match="constant patterns of conditions \\['s6'\\]"):
        blockwise_rdm(x, block=3, stimulus_id=[f"s{i}" for i in range(8)])
    x[6] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        blockwise_rdm(x, "euclidean", block=3)
    with pytest.raises(ValueError, match="unknown blockwise RDM method"):
        blockwise_rdm(x, "crossnobis")
    with pytest.raises(ValueError, match="at least 3"):
        blockwise_rdm(x[:2])
