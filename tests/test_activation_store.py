"""Larger-than-memory activations: chunked zarr/netCDF stores, read back lazily, whose blockwise RDMs equal the
in-memory ones."""
from __future__ import annotations

import numpy as np
import pytest

from neurovision.activation_store import extract_to_store, open_store
from neurovision.rsa import rdm
from neurovision.rsa.blockwise import blockwise_rdm

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


def test_interrupted_extraction_leaves_no_store(pixels_and_stimuli, tmp_path, monkeypatch):
    import neurovision.activation_store as so
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
