"""The BrainModel wrapper (neurovision.interop.brainscore.brain_model): interface, dims and coords, tasks."""
from __future__ import annotations

import numpy as np


def test_interface(pixels_brain_model):
    from brainscore_vision.model_interface import BrainModel
    bm = pixels_brain_model
    assert isinstance(bm, BrainModel)
    assert bm.identifier == "pixels"
    assert bm.visual_degrees() == 8.0
    assert bm.layer_model.region_layer_map == {"V1": "pixels", "V2": "pixels", "V4": "pixels", "IT": "pixels"}


def test_look_at_dims_and_coords(pixels_it, k08_stimuli, k08_stimulus_set):
    a = pixels_it
    assert type(a).__name__ == "NeuroidAssembly"
    assert a.dims == ("presentation", "neuroid", "time_bin")
    assert a.shape == (92, 3 * 64 * 64, 1)
    # presentation: every StimulusSet column, in the stimulus set's order
    np.testing.assert_array_equal(a["stimulus_id"].values, k08_stimulus_set["stimulus_id"].values)
    from brainscore_core.supported_data_standards.brainio.assemblies import walk_coords
    coords = {name: dims for name, dims, _ in walk_coords(a)}  # MultiIndex levels included
    for column in ("category", "animate", "filename"):
        assert coords[column] == ("presentation",)
    for column in ("neuroid_id", "layer", "region"):
        assert coords[column] == ("neuroid",)
    # neuroid: ids, layer, region
    assert len(set(a["neuroid_id"].values.tolist())) == a.sizes["neuroid"]
    assert set(a["layer"].values.tolist()) == {"pixels"}
    assert set(a["region"].values.tolist()) == {"IT"}
    np.testing.assert_array_equal(a["time_bin_start"].values, [70])
    np.testing.assert_array_equal(a["time_bin_end"].values, [170])


def test_look_at_equals_neurovision_activations(pixels_it, k08_stimuli):
    """Brain-Score's extractor (file → PNG → model.preprocess) gives neurovision's activations exactly."""
    from neurovision.activations import extract_layers
    from neurovision.models.registry import load_model
    ours = extract_layers(load_model("pixels"), k08_stimuli, ["pixels"], progress=False)["pixels"]
    np.testing.assert_array_equal(pixels_it.squeeze("time_bin").values, ours.values)


def test_several_time_bins_repeat_static_response(pixels_brain_model, k08_stimulus_set):
    pixels_brain_model.start_recording("V1", [(50, 100), (100, 150)])
    a = pixels_brain_model.look_at(k08_stimulus_set[:5])
    assert a.dims == ("presentation", "neuroid", "time_bin") and a.sizes["time_bin"] == 2
    np.testing.assert_array_equal(a.isel(time_bin=0).values, a.isel(time_bin=1).values)
    assert set(a["region"].values.tolist()) == {"V1"}


def test_passive_task_returns_nothing_to_behaviour(pixels_brain_model, k08_stimulus_set):
    pixels_brain_model.start_task("passive")
    pixels_brain_model.start_recording("IT", [(70, 170)])
    assert pixels_brain_model.look_at(k08_stimulus_set[:3]).dims[0] == "presentation"


def test_probabilities_task(pixels_brain_model, k08_stimulus_set):
    """Logistic-regression readout on the IT layer, fit to ``image_label`` of the fitting stimuli."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
    ss = k08_stimulus_set
    labels = np.where(ss["animate"].values == 1, "animate", "inanimate")
    full = StimulusSet(ss.assign(image_label=labels))
    full.stimulus_paths = ss.stimulus_paths
    fit_idx = np.arange(0, 92, 2)
    test_idx = np.arange(1, 92, 2)
    fitting = StimulusSet(full.iloc[fit_idx].reset_index(drop=True))
    fitting.stimulus_paths, fitting.identifier = ss.stimulus_paths, None
    test = StimulusSet(full.iloc[test_idx].reset_index(drop=True))
    test.stimulus_paths, test.identifier = ss.stimulus_paths, None
    pixels_brain_model.start_task("probabilities", fitting)
    try:
        p = pixels_brain_model.look_at(test)
    finally:
        pixels_brain_model.start_task("passive")
    assert p.dims == ("presentation", "choice")
    assert p.shape == (len(test_idx), 2)
    assert sorted(p["choice"].values.tolist()) == ["animate", "inanimate"]
    np.testing.assert_allclose(p.values.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_array_equal(p["stimulus_id"].values, test["stimulus_id"].values)
