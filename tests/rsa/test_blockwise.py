"""Larger-than-memory activations: chunked zarr/netCDF stores and blockwise RDMs equal to the in-memory ones."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from neurovision.rsa import rdm
from neurovision.scaleout import blockwise_rdm, extract_to_store, open_store

TOL = 1e-10


@pytest.fixture(scope="module")
def pixels_and_stimuli(data_mirror):
    import neurovision as nv
    from neurovision.activations import extract_layers
    model = nv.load_model("pixels")
    stimuli = nv.load_benchmark("kriegeskorte2008.it_human").load_stimuli().isel(presentation=slice(0, 40))
    reference = extract_layers(model, stimuli, ["pixels"], progress=False)["pixels"]
    return model, stimuli, reference


def _no_partials(folder):
    return not [p for p in folder.iterdir() if ".partial-" in p.name]


def test_zarr_store_in_chunks_of_7_gives_the_in_memory_rdm(pixels_and_stimuli, tmp_path):
    model, stimuli, reference = pixels_and_stimuli
    store = extract_to_store(model, stimuli, "pixels", tmp_path / "acts.zarr", batch_size=7, progress=False)
    assert store.dims == ("presentation", "neuroid")
    assert store.chunks[0] == (7,) * 5 + (5,)  # 40 = 5 × 7 + 5: written and read presentation-chunked
    assert store.attrs["layer"] == "pixels" and store.attrs["model"] == "pixels"
    np.testing.assert_array_equal(store["stimulus_id"].values, reference["stimulus_id"].values)
    np.testing.assert_array_equal(store["category"].values, reference["category"].values)
    np.testing.assert_array_equal(store.values, reference.values)  # float32, bit for bit
    assert _no_partials(tmp_path)

    expected = rdm(reference, "correlation")
    for block in (None, 5):  # chunk-aligned (default: the chunk size, 7), straddling chunks
        got = blockwise_rdm(store, "correlation", block=block)
        np.testing.assert_array_equal(got.stimulus_id, expected.stimulus_id)
        np.testing.assert_allclose(got.dissimilarities, expected.dissimilarities, rtol=0, atol=TOL)
    reopened = open_store(tmp_path / "acts.zarr")  # a later session: the store on disk, opened lazily
    assert reopened.chunks == store.chunks and reopened.attrs == store.attrs


def test_netcdf_store_and_other_methods(pixels_and_stimuli, tmp_path):
    model, stimuli, reference = pixels_and_stimuli
    path = tmp_path / "acts.nc"
    store = extract_to_store(model, stimuli, "pixels", path, batch_size=16, format="netcdf", progress=False)
    assert store.chunks[0] == (16, 16, 8)
    np.testing.assert_array_equal(store.values, reference.values)
    np.testing.assert_array_equal(store["stimulus_id"].values, reference["stimulus_id"].values)
    for method in ("euclidean", "cosine"):
        np.testing.assert_allclose(blockwise_rdm(store, method).dissimilarities,
                                   rdm(reference, method).dissimilarities, rtol=0, atol=TOL)
    with pytest.raises(FileExistsError):
        extract_to_store(model, stimuli, "pixels", path, format="netcdf", progress=False)
    small = stimuli.isel(presentation=slice(0, 10))
    again = extract_to_store(model, small, "pixels", path, batch_size=4, format="netcdf", overwrite=True,
                             progress=False)
    assert again.sizes["presentation"] == 10 and _no_partials(tmp_path)


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


def test_interrupted_extraction_leaves_no_store(pixels_and_stimuli, tmp_path, monkeypatch):
    import neurovision.scaleout as so
    model, stimuli, _ = pixels_and_stimuli
    real, calls = so.extract_layers, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("killed mid-extraction")
        return real(*args, **kwargs)

    monkeypatch.setattr(so, "extract_layers", failing)
    for fmt in ("zarr", "netcdf"):
        calls.clear()
        with pytest.raises(RuntimeError, match="mid-extraction"):
            extract_to_store(model, stimuli, "pixels", tmp_path / f"acts.{fmt}", batch_size=7, format=fmt,
                             progress=False)
        assert not (tmp_path / f"acts.{fmt}").exists()
    assert list(tmp_path.iterdir()) == []
