"""The CORnet-like model: area shapes, per-time-step outputs, seeding, recurrence, preprocessing."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neurovision.models.base import Model
from neurovision.models.ventral.cornet_like import CORnetLike, build, identifier_for, preprocess

AREA_SHAPES = {"V1": (64, 56, 56), "V2": (128, 28, 28), "V4": (192, 14, 14), "IT": (256, 7, 7)}


def _record(network: torch.nn.Module, names: list[str], x: torch.Tensor) -> dict[str, list[torch.Tensor]]:
    """Run ``network`` on ``x`` with forward hooks on ``names``; every call of a hooked module is kept."""
    outputs: dict[str, list[torch.Tensor]] = {name: [] for name in names}
    handles = [network.get_submodule(name).register_forward_hook(
        lambda module, inputs, output, name=name: outputs[name].append(output.detach().clone()))
        for name in names]
    try:
        with torch.no_grad():
            network(x)
    finally:
        for h in handles:
            h.remove()
    return outputs


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(2, 96, 120, 3), dtype=np.uint8)


def test_build_returns_model_with_commitments():
    model = build()
    assert isinstance(model, Model)
    assert model.identifier == "cornet_like"
    assert model.layers == ["V1", "V2", "V4", "IT", "decoder"]
    assert model.region_layer_map == {"V1": "V1", "V2": "V2", "V4": "V4", "IT": "IT"}
    assert model.visual_degrees == 8
    for layer in model.layers:
        model.network.get_submodule(layer)
        model.network.get_submodule(layer + ".output")
    assert not model.network.training
    assert sum(p.numel() for p in model.network.parameters()) < 3_000_000
    assert identifier_for(2) == "cornet_like_rt" == build(times=2).identifier
    assert identifier_for(4) == "cornet_like_rt4"
    with pytest.raises(ValueError):
        build(pretrained=True)


def test_preprocess(images):
    x = preprocess(images)
    assert x.shape == (2, 3, 224, 224) and x.dtype == torch.float32
    grey = preprocess(np.full((1, 50, 50, 3), 255, dtype=np.uint8))
    torch.testing.assert_close(grey[0, :, 0, 0],
                               (1 - torch.tensor([0.485, 0.456, 0.406])) / torch.tensor([0.229, 0.224, 0.225]))
    assert preprocess(np.zeros((3, 30, 30), dtype=np.uint8)).shape == (3, 3, 224, 224)  # grayscale → RGB
    with pytest.raises(ValueError):
        preprocess(np.zeros((1, 30, 30, 3), dtype=np.float32))


def test_area_shapes(images):
    model = build(num_classes=10)
    out = _record(model.network, model.layers, model.preprocess(images))
    for area, shape in AREA_SHAPES.items():
        assert len(out[area]) == 1 and out[area][0].shape == (2, *shape)
        assert torch.isfinite(out[area][0]).all()
    assert out["decoder"][0].shape == (2, 10)


@pytest.mark.parametrize("times", [1, 3])
def test_time_unrolled_outputs(times, images):
    model = build(times=times, num_classes=10)
    names = [f"{area}.output" for area in AREA_SHAPES] + ["decoder.output"] + list(AREA_SHAPES)
    out = _record(model.network, names, model.preprocess(images))
    for area, shape in AREA_SHAPES.items():
        steps = out[f"{area}.output"]
        assert len(steps) == times
        assert all(s.shape == (2, *shape) for s in steps)
        # the area's own output is its last time step
        assert len(out[area]) == 1 and torch.equal(out[area][0], steps[-1])
    assert len(out["decoder.output"]) == 1
    if times > 1:
        # recurrence: each step's output differs from the previous one
        for area in AREA_SHAPES:
            steps = out[f"{area}.output"]
            for a, b in zip(steps, steps[1:]):
                assert not torch.allclose(a, b, atol=1e-4)


def test_recurrence_changes_final_output_but_not_weights(images):
    ff, rt = build(times=1), build(times=2)
    assert ff.weights_hash == rt.weights_hash  # recurrence reuses the same weights
    x = ff.preprocess(images)
    with torch.no_grad():
        assert not torch.allclose(ff.network(x), rt.network(x))
        # the first time step of the recurrent network is the feed-forward network
        first = _record(rt.network, ["V1.output"], x)["V1.output"][0]
        torch.testing.assert_close(first, ff.network.V1(x))


def test_determinism_under_seed(images):
    a, b, c = build(seed=0), build(seed=0), build(seed=1)
    assert a.weights_hash == b.weights_hash != c.weights_hash
    x = a.preprocess(images)
    with torch.no_grad():
        ya, yb, yc = a.network(x), b.network(x), c.network(x)
    assert torch.equal(ya, yb)
    assert not torch.allclose(ya, yc)


def test_build_leaves_global_rng_untouched():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build(seed=7)
    torch.testing.assert_close(torch.rand(3), expected)


def test_times_must_be_positive():
    with pytest.raises(ValueError):
        CORnetLike(times=0)
