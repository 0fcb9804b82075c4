"""neurovision.interop.brainscore without Brain-Score: importing it stays Brain-Score-free, and the loaders for
locally saved Brain-Score data (StimulusSet CSV + images, NeuroidAssembly netCDF) round-trip.

The Brain-Score side (files written by brainio itself, the BrainModel wrapper, the rdm metric
cross-check) is tested in ``tests_brainscore/`` inside ``.venv-brainscore``.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from neurovision.interop import brainscore as nb
from neurovision.stimuli.images import stimulus_set


def test_import_does_not_import_brainscore():
    code = ("import sys, neurovision.interop.brainscore as m; "
            "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('brainscore_vision', 'brainscore_core'));"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def stimuli():
    rng = np.random.RandomState(0)
    return stimulus_set(rng.randint(0, 256, (4, 9, 7, 3), dtype=np.uint8), [f"im{i}" for i in range(4)],
                        name="toy", category=np.array(["a", "b", "a", "b"]), size=np.array([1.5, 2.0, 2.5, 3.0]))


def test_stimulus_set_round_trip(stimuli, tmp_path):
    csv, image_dir = nb.save_brainscore_stimulus_set(stimuli, tmp_path, name="toy")
    table = pd.read_csv(csv)
    assert list(table.columns[:2]) == ["stimulus_id", "filename"]
    back = nb.load_brainscore_stimulus_set(csv, image_dir)
    assert back.dims == ("presentation", "height", "width", "channel") and back.dtype == np.uint8
    np.testing.assert_array_equal(back.values, stimuli.values)
    np.testing.assert_array_equal(back["stimulus_id"].values, stimuli["stimulus_id"].values)
    np.testing.assert_array_equal(back["category"].values, stimuli["category"].values)
    np.testing.assert_allclose(back["size"].values, stimuli["size"].values)
    # default image directory: the folder named like the CSV
    np.testing.assert_array_equal(nb.load_brainscore_stimulus_set(csv).values, stimuli.values)


def test_stimulus_set_legacy_image_id_and_resize(stimuli, tmp_path):
    csv, image_dir = nb.save_brainscore_stimulus_set(stimuli, tmp_path, name="toy")
    table = pd.read_csv(csv).rename(columns={"stimulus_id": "image_id"})
    table.to_csv(csv, index=False)
    back = nb.load_brainscore_stimulus_set(csv, image_dir, size=(5, 6))
    assert back.shape == (4, 5, 6, 3)
    assert back["stimulus_id"].values.tolist() == ["im0", "im1", "im2", "im3"]
    table.drop(columns=["filename"]).to_csv(csv, index=False)
    with pytest.raises(ValueError, match="filename"):
        nb.load_brainscore_stimulus_set(csv, image_dir)


def _assembly():
    rng = np.random.RandomState(1)
    ids = [f"s{i}" for i in range(5)]
    return xr.DataArray(rng.randn(10, 6, 2), dims=("presentation", "neuroid", "time_bin"), coords={
        "stimulus_id": ("presentation", ids * 2), "repetition": ("presentation", [0] * 5 + [1] * 5),
        "neuroid_id": ("neuroid", [f"n{i}" for i in range(6)]), "animal": ("neuroid", list("aaabbb")),
        "time_bin_start": ("time_bin", [70, 170]), "time_bin_end": ("time_bin", [170, 270])})


def _check(da, ref):
    assert da.dims == ref.dims
    np.testing.assert_allclose(da.values, ref.values)
    for name in ref.coords:
        np.testing.assert_array_equal(np.asarray(da[name].values).astype(ref[name].dtype), ref[name].values)
        assert da[name].dims == ref[name].dims


def test_assembly_netcdf3_round_trip(tmp_path):
    ref = _assembly()
    ref.to_dataset(name="data").to_netcdf(tmp_path / "a.nc", engine="scipy")
    _check(nb.load_brainscore_assembly(tmp_path / "a.nc"), ref)


def _write_netcdf4_h5py(ref: xr.DataArray, path, compress: bool):
    """Write ``ref`` in the netCDF-4/HDF5 layout brainio's write_netcdf produces (dimension scales,
    variable-length strings, zlib), using h5py only."""
    import h5py
    kwargs = dict(compression="gzip", compression_opts=9) if compress else {}
    with h5py.File(path, "w") as f:
        scales = {}
        for dim in ref.dims:
            ds = f.create_dataset(dim, data=np.zeros(ref.sizes[dim], dtype="f4"))
            ds.make_scale(f"This is a netCDF dimension but not a netCDF variable. {ref.sizes[dim]:>10d}")
            scales[dim] = ds
        names = []
        for name, coord in ref.coords.items():
            values = coord.values
            if values.dtype.kind in "UO":
                ds = f.create_dataset(name, data=values.astype(object), dtype=h5py.string_dtype())
            else:
                ds = f.create_dataset(name, data=values, **kwargs)
            for i, dim in enumerate(coord.dims):
                ds.dims[i].attach_scale(scales[dim])
            names.append(name)
        ds = f.create_dataset("data", data=ref.values, **kwargs)
        ds.attrs["_FillValue"] = np.float64(np.nan)
        ds.attrs["coordinates"] = " ".join(names)
        for i, dim in enumerate(ref.dims):
            ds.dims[i].attach_scale(scales[dim])


@pytest.mark.parametrize("compress", [True, False])
def test_assembly_netcdf4_h5py_round_trip(tmp_path, compress):
    ref = _assembly()
    _write_netcdf4_h5py(ref, tmp_path / "a.nc", compress)
    _check(nb.load_brainscore_assembly(tmp_path / "a.nc"), ref)


def test_assembly_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        nb.load_brainscore_assembly(tmp_path / "nope.nc")


def test_assembly_rdm_averages_repeats_and_splits_subjects():
    ref = _assembly()
    rdm = nb.assembly_rdm(ref)
    assert rdm.dims == ("stimulus_id", "stimulus_id_2") and rdm.shape == (5, 5)
    means = ref.mean("time_bin").values.reshape(2, 5, 6).mean(0)
    np.testing.assert_allclose(rdm.values, 1 - np.corrcoef(means), atol=1e-12)
    per_animal = nb.assembly_rdm(ref, split_coord="animal", stimulus_ids=["s4", "s3", "s2", "s1", "s0"])
    assert per_animal.dims == ("subject", "stimulus_id", "stimulus_id_2")
    assert per_animal["subject"].values.tolist() == ["a", "b"]
    np.testing.assert_allclose(per_animal.sel(subject="b").values, (1 - np.corrcoef(means[::-1, 3:])), atol=1e-12)
    with pytest.raises(ValueError, match="not in the assembly"):
        nb.assembly_rdm(ref, stimulus_ids=["s0", "s1", "zz"])
