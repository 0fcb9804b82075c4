"""Activation extraction: hooks by layer name, batching invariance, xarray layout, clear errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neurovision.activations import auto_batch_size, extract, extract_layers
from neurovision.models.base import Model, UnknownLayerError
from neurovision.models.ventral.pixels import build as build_pixels
from neurovision.models.ventral.pixels import preprocess as pixels_preprocess
from neurovision.stimuli.images import stimulus_set


@pytest.fixture
def stimuli():
    rng = np.random.default_rng(0)
    return stimulus_set(rng.integers(0, 256, (10, 40, 30, 3), dtype=np.uint8),
                        [f"s{i}" for i in range(10)], category=np.array(list("ab" * 5)))


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.relu = torch.nn.ReLU()
        self.pool = torch.nn.AdaptiveAvgPool2d(2)

    def forward(self, x):
        return self.pool(self.relu(self.conv(x)))


def tiny_model():
    return Model("tiny", Tiny(), pixels_preprocess, ["conv", "relu", "pool"])


def test_pixels_layer_is_the_preprocessed_image(stimuli):
    acts = extract_layers(build_pixels(), stimuli, progress=False)["pixels"]
    assert acts.dims == ("presentation", "neuroid")
    expected = pixels_preprocess(stimuli.values).flatten(1).numpy()
    np.testing.assert_array_equal(acts.values, expected)
    assert list(acts["stimulus_id"].values) == [f"s{i}" for i in range(10)]
    assert list(acts["category"].values) == list("ab" * 5)


def test_hooks_record_named_layers_and_batching_does_not_matter(stimuli):
    model = tiny_model()
    a = extract_layers(model, stimuli, ["conv", "pool"], batch_size=3, progress=False)
    b = extract_layers(model, stimuli, ["conv", "pool"], batch_size=10, progress=False)
    assert a["conv"].shape == (10, 4 * 64 * 64) and a["pool"].shape == (10, 16)
    np.testing.assert_allclose(a["conv"].values, b["conv"].values, rtol=1e-5, atol=1e-6)
    x = pixels_preprocess(stimuli.values)
    with torch.no_grad():
        direct = model.network.pool(model.network.relu(model.network.conv(x))).flatten(1).numpy()
    np.testing.assert_allclose(a["pool"].values, direct, rtol=1e-5, atol=1e-6)
    assert a["pool"].attrs["layer"] == "pool" and a["pool"].attrs["model"] == "tiny"


def test_auto_batch_size_bounds_the_largest_tensor_of_a_batch(stimuli):
    model = tiny_model()  # largest output per image: conv/relu, 4 x 64 x 64 float32 = 65,536 bytes
    assert auto_batch_size(model, stimuli.values, max_bytes=65_536 * 5) == 5
    assert auto_batch_size(model, stimuli.values, max_bytes=65_536 * 5 - 1) == 4
    assert auto_batch_size(model, stimuli.values, max_bytes=1) == 1
    assert auto_batch_size(model, stimuli.values, max_bytes=2**40) == 64  # capped
    default = extract_layers(model, stimuli, ["conv"], progress=False)["conv"].values  # batch_size=None: automatic
    np.testing.assert_allclose(default,
                               extract_layers(model, stimuli, ["conv"], batch_size=3, progress=False)["conv"].values,
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="batch_size"):
        extract_layers(model, stimuli, ["conv"], batch_size=0, progress=False)


def test_extract_concatenates_with_layer_coordinate(stimuli):
    merged = extract(tiny_model(), stimuli, ["relu", "pool"], progress=False)
    assert merged.sizes["neuroid"] == 4 * 64 * 64 + 16
    assert set(np.unique(merged["layer"].values)) == {"relu", "pool"}


def test_unknown_layer_lists_known_ones(stimuli):
    with pytest.raises(UnknownLayerError, match="no layer.*'nope'.*known layers: conv, relu, pool"):
        extract_layers(tiny_model(), stimuli, ["nope"], progress=False)


def test_bad_images_rejected():
    with pytest.raises(ValueError, match="uint8"):
        pixels_preprocess(np.zeros((2, 8, 8, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        pixels_preprocess(np.zeros((2, 8, 8, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="one stimulus_id per image"):
        stimulus_set(np.zeros((2, 8, 8, 3), dtype=np.uint8), ["a"])


def test_classical_mds_recovers_planar_configuration():
    """MDS of Euclidean distances between 2-D points returns the points up to rotation/reflection."""
    from scipy.spatial.distance import pdist, squareform

    from neurovision.figures.plotting import mds_embedding
    pts = np.random.default_rng(1).normal(size=(12, 2))
    coords = mds_embedding(squareform(pdist(pts)))
    np.testing.assert_allclose(squareform(pdist(coords)), squareform(pdist(pts)), atol=1e-10)


def test_recorded_values_survive_later_in_place_ops_and_channels_last(stimuli):
    """Hooks copy at once: a later ReLU(inplace=True) must not turn the recorded conv output into its
    rectified version; channels-last outputs are recorded in C×H×W order like contiguous ones."""
    net = Tiny()
    net.relu = torch.nn.ReLU(inplace=True)
    acts = extract_layers(Model("tiny_inplace", net, pixels_preprocess, ["conv", "relu", "pool"]), stimuli,
                          ["conv", "relu"], batch_size=4, progress=False)
    with torch.no_grad():
        conv = Tiny().conv(pixels_preprocess(stimuli.values))
    np.testing.assert_allclose(acts["conv"].values, conv.flatten(1).numpy(), rtol=1e-6, atol=1e-6)
    assert (acts["conv"].values < 0).any()
    np.testing.assert_allclose(acts["relu"].values, np.maximum(acts["conv"].values, 0))
    cl = Tiny().to(memory_format=torch.channels_last)
    cl_model = Model("tiny_cl", cl, lambda im: pixels_preprocess(im).contiguous(memory_format=torch.channels_last),
                     ["conv", "relu", "pool"])
    np.testing.assert_allclose(extract_layers(cl_model, stimuli, ["conv"], batch_size=3, progress=False)["conv"].values,
                               acts["conv"].values, rtol=1e-5, atol=1e-5)


def test_mapped_result_arrays_are_ordinary_writable_float32():
    """Large results are backed by pre-populated anonymous memory (activations._mapped_empty); they must
    behave as ordinary arrays: writable, keep their memory alive, pickle by value."""
    import gc
    import pickle

    from neurovision.activations import _mapped_empty
    for shape in ((3, 5), (64, 1 << 15)):  # below and above the 4 MiB threshold
        a = _mapped_empty(shape)
        assert a.shape == shape and a.dtype == np.float32 and a.flags.writeable
        a[:] = np.arange(a.size, dtype=np.float32).reshape(shape)
        view = a[1:]
        del a
        gc.collect()
        assert view[0, 0] == shape[1]  # the memory outlives the first reference
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(view)), view)


class TinyVideoNet(torch.nn.Module):
    """Per-frame conv on (batch * time, 1, h, w) → GRU over time (batch, time, units) → mean over time."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(1, 2, 3, padding=1)
        self.gru = torch.nn.GRU(2 * 6 * 5, 4, batch_first=True)
        self.gru_output = torch.nn.Identity()
        self.pooled = torch.nn.Identity()

    def forward(self, video):
        b, t, h, w = video.shape
        f = self.conv(video.reshape(b * t, 1, h, w))
        g = self.gru_output(self.gru(f.reshape(b, t, -1))[0])
        return self.pooled(g.mean(1))


def _float_video(videos):
    return torch.from_numpy(np.asarray(videos, np.float32))


def tiny_video_model(delay_frames=2):
    from neurovision.models.base import VideoModel
    return VideoModel("tiny_video", TinyVideoNet(), _float_video, ["conv", "gru_output", "pooled"], height=6,
                      width=5, ms_per_frame=25.0, px_per_deg=2.0, delay_frames=delay_frames)


@pytest.fixture
def videos():
    from neurovision.stimuli.videos import video_set
    v = np.random.default_rng(3).random((5, 7, 6, 5)).astype(np.float32)
    return video_set(v, [f"v{i}" for i in range(5)], ms_per_frame=25.0, kind=list("abcab"))


def test_video_model_layers_with_a_time_axis_come_out_as_time_bins(videos):
    """Outputs (batch, time, ...) and (batch * time, ...) → presentation × neuroid × time_bin (network time, with
    time_ms); an output without time → presentation × neuroid; the input delay is applied before the network."""
    model = tiny_video_model()
    acts = extract_layers(model, videos, progress=False)
    gru, conv, pooled = acts["gru_output"], acts["conv"], acts["pooled"]
    assert gru.dims == conv.dims == ("presentation", "neuroid", "time_bin")
    assert gru.shape == (5, 4, 7) and conv.shape == (5, 2 * 6 * 5, 7) and pooled.dims == ("presentation", "neuroid")
    np.testing.assert_array_equal(gru["time_ms"].values, np.arange(7) * 25.0)
    assert list(gru["kind"].values) == list("abcab") and gru.attrs["delay_frames"] == 2
    delayed = np.concatenate([np.zeros((5, 2, 6, 5), np.float32), videos.values[:, :5]], axis=1)
    with torch.no_grad():
        net = model.network
        f = net.conv(torch.from_numpy(delayed).reshape(35, 1, 6, 5))
        g = net.gru(f.reshape(5, 7, -1))[0]
    np.testing.assert_allclose(gru.values, g.numpy().transpose(0, 2, 1), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(conv.values, f.reshape(5, 7, -1).numpy().transpose(0, 2, 1), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(pooled.values, g.mean(1).numpy(), rtol=1e-6, atol=1e-6)
    # batching does not matter (beyond float32 round-off), the first batch included
    small = extract_layers(model, videos, ["gru_output", "pooled"], batch_size=2, progress=False)
    np.testing.assert_allclose(small["gru_output"].values, gru.values, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(small["pooled"].values, pooled.values, rtol=1e-5, atol=1e-6)


def test_image_and_video_stimuli_go_to_their_own_model_kind(stimuli, videos):
    with pytest.raises(ValueError, match="video model: stimuli must have dims"):
        extract_layers(tiny_video_model(), stimuli, ["conv"], progress=False)
    with pytest.raises(ValueError, match="image model and these stimuli are videos"):
        extract_layers(tiny_model(), videos, ["conv"], progress=False)
