"""The plain-xarray loaders of neurovision.interop.brainscore against Brain-Score's own writers and readers."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def assembly():
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    rng = np.random.RandomState(0)
    ids = [f"s{i}" for i in range(6)]
    dims = ["presentation", "neuroid", "time_bin"]
    return NeuroidAssembly(rng.randn(12, 5, 2).astype(np.float32), dims=dims, coords={
        "stimulus_id": ("presentation", ids * 2), "repetition": ("presentation", [0] * 6 + [1] * 6),
        "neuroid_id": ("neuroid", [f"n{i}" for i in range(5)]), "animal": ("neuroid", ["a", "a", "b", "b", "b"]),
        "region": ("neuroid", ["IT"] * 5),
        "time_bin_start": ("time_bin", [70, 170]), "time_bin_end": ("time_bin", [170, 270])})


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("reader", ["xarray", "h5py"])
def test_assembly_from_brainio_netcdf(assembly, tmp_path, compress, reader, monkeypatch):
    from brainscore_core.supported_data_standards.brainio.packaging import write_netcdf

    import neurovision.interop.brainscore as nb
    from neurovision.interop.brainscore import assemblies
    path = tmp_path / "assy.nc"
    write_netcdf(assembly, path, compress=compress)
    if reader == "h5py":  # no netCDF engine: the h5py fallback
        monkeypatch.setattr(assemblies, "_xarray_engines_for", lambda p: [])
    da = nb.load_brainscore_assembly(path)
    assert da.dims == ("presentation", "neuroid", "time_bin")
    np.testing.assert_array_equal(da.values, assembly.values)
    for name in ("stimulus_id", "repetition", "neuroid_id", "animal", "time_bin_start", "time_bin_end"):
        np.testing.assert_array_equal(da[name].values, assembly[name].values)
        assert da[name].dims == assembly[name].dims


def test_stimulus_set_round_trip_with_brainscore(k08_stimuli, tmp_path):
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    from neurovision.interop.brainscore import load_brainscore_stimulus_set, save_brainscore_stimulus_set
    subset = k08_stimuli.isel(presentation=slice(0, 5))
    csv, image_dir = save_brainscore_stimulus_set(subset, tmp_path, name="k08_head")
    ss = StimulusSet.from_files(csv, image_dir)  # Brain-Score's own loader accepts it
    assert list(ss["stimulus_id"]) == list(subset["stimulus_id"].values)
    back = load_brainscore_stimulus_set(csv, image_dir)
    np.testing.assert_array_equal(back.values, subset.values)
    np.testing.assert_array_equal(back["category"].values, subset["category"].values)


def test_rsa_benchmark_on_brainscore_files_matches_neurovision(k08_stimuli, tmp_path):
    """Monkey IT as a Brain-Score assembly (pseudo-population with the same RDM) + StimulusSet CSV →
    brainscore_rsa_benchmark scores pixels like neurovision's kriegeskorte2008.it_monkey."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_core.supported_data_standards.brainio.packaging import write_netcdf

    from neurovision.benchmarks.ventral.kriegeskorte2008 import it_monkey
    from neurovision.data import kriegeskorte2008 as k08
    from neurovision.interop.brainscore import brainscore_rsa_benchmark, save_brainscore_stimulus_set
    from neurovision.models.registry import load_model
    monkey = k08.load_monkey_it_rdm()
    w, v = np.linalg.eigh(1 - monkey.values)
    x = v * np.sqrt(np.clip(w, 0, None))
    x = np.concatenate([x, -x], axis=1)
    ids = monkey["stimulus_id"].values.astype(str)
    # reversed stimulus order on purpose; two coords per dim, as in real assemblies (brainio folds a lone
    # coordinate into the dimension's index and loses its name)
    neural = NeuroidAssembly(x[::-1], dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", ids[::-1]), "category": ("presentation", k08_stimuli["category"].values[::-1]),
        "neuroid_id": ("neuroid", np.arange(x.shape[1])), "region": ("neuroid", ["IT"] * x.shape[1])})
    write_netcdf(neural, tmp_path / "assy.nc")
    csv, image_dir = save_brainscore_stimulus_set(k08_stimuli, tmp_path, name="k08")
    bench = brainscore_rsa_benchmark("bs.k08_monkey", "IT", csv, tmp_path / "assy.nc", image_dir=image_dir)
    model = load_model("pixels")
    ours = bench(model, n_boot=20, progress=False)
    reference = it_monkey()(model, n_boot=20, progress=False)
    assert abs(ours.raw - reference.raw) < 1e-10
