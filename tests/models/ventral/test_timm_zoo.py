"""timm architectures ("timm:<arch>") with user-supplied weights files (weights made here, nothing downloaded)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import neurovision as nv
from neurovision.activations import extract_layers
from neurovision.models.base import UnknownLayerError, state_dict_hash
from neurovision.models.registry import UnknownModelError
from neurovision.models.ventral import timm_zoo
from neurovision.models.ventral import torchvision_zoo as zoo
from neurovision.stimuli.images import stimulus_set

timm = pytest.importorskip("timm")


def _random(arch: str, seed: int, **kwargs) -> torch.nn.Module:
    torch.manual_seed(seed)
    return timm.create_model(arch, pretrained=False, **kwargs).eval()


def _images(n: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 50, 40, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def resnet10t_file(tmp_path_factory):
    net = _random("resnet10t", seed=5)
    path = tmp_path_factory.mktemp("timm") / "resnet10t.pt"
    torch.save(net.state_dict(), path)
    return path, net


def test_loads_weights_by_name_and_matches_reference(resnet10t_file):
    path, reference = resnet10t_file
    m = nv.load_model("timm:resnet10t", weights=str(path))
    assert m.identifier == f"timm:resnet10t@{state_dict_hash(reference)[:8]}"
    assert m.weights_hash == state_dict_hash(reference)
    assert m.layers[-6:] == ["layer1.0", "layer2.0", "layer3.0", "layer4.0", "global_pool", "fc"]
    # stride rule: ends of the 56, 28, 14 and 7 px stages at timm's 224 px evaluation size
    assert m.region_layer_map == {"V1": "layer1.0", "V2": "layer2.0", "V4": "layer3.0", "IT": "layer4.0"}
    x = m.preprocess(_images())
    assert x.shape == (2, 3, 224, 224) and x.dtype == torch.float32  # timm's test_input_size for resnet10t
    with torch.no_grad():
        torch.testing.assert_close(m.network(x), reference(x), rtol=0, atol=0)
    assert "bicubic" in m.description


def test_preprocessing_is_timms_config():
    m = timm_zoo.build("test_vit", untrained=True)
    cfg = timm.data.resolve_data_config({}, model=m.network, use_test_size=True)
    assert cfg["input_size"] == (3, 160, 160) and cfg["interpolation"] == "bicubic" and cfg["mean"] == (0.5, 0.5, 0.5)
    images = _images(1)
    manual = np.asarray(Image.fromarray(images[0]).resize((160, 160), Image.BICUBIC), np.float32) / 255.0
    manual = (manual - np.asarray(cfg["mean"], np.float32)) / np.asarray(cfg["std"], np.float32)
    np.testing.assert_allclose(m.preprocess(images)[0].numpy(), manual.transpose(2, 0, 1), rtol=0, atol=1e-6)


def test_weights_required_and_untrained_identifier():
    with pytest.raises(zoo.WeightsRequiredError, match=r"no weights given for 'timm:resnet10t'.*untrained=True"):
        nv.load_model("timm:resnet10t")
    a = nv.load_model("timm:test_vit", untrained=True)
    b = timm_zoo.build("test_vit", untrained=True, seed=1)
    assert a.identifier == "timm:test_vit@untrained-seed0" and b.identifier == "timm:test_vit@untrained-seed1"
    assert a.weights_hash != b.weights_hash and "UNTRAINED" in a.description
    # isotropic ViT: relative depth over patch_embed, blocks.0-5, norm (tokens), before the head
    assert a.region_layer_map == {"V1": "blocks.1", "V2": "blocks.3", "V4": "blocks.4", "IT": "norm"}


def test_missing_weights_file_names_the_path(tmp_path):
    with pytest.raises(zoo.WeightsFileError, match=f"not found: {tmp_path / 'x.pt'}"):
        nv.load_model("timm:resnet10t", weights=str(tmp_path / "x.pt"))


def test_drop_head_on_a_10_class_vit(tmp_path):
    reference = _random("test_vit", seed=2, num_classes=10)
    path = tmp_path / "test_vit_10way.pt"
    torch.save(reference.state_dict(), path)
    with pytest.raises(zoo.WeightsMismatchError, match=r"head\.weight: file \(10, 64\) vs test_vit \(1000, 64\)"):
        nv.load_model("timm:test_vit", weights=str(path))
    with pytest.warns(zoo.HeadDroppedWarning, match=r"head\.weight .*head\.bias"):
        m = nv.load_model("timm:test_vit", weights=str(path), drop_head=True)
    assert set(m.dropped_keys) == {"head.weight", "head.bias"} and "head.weight" in m.description
    assert "head" not in m.layers and m.layers[-1] == "norm"
    with pytest.raises(UnknownLayerError):
        m.check_layers(["head"])
    acts = extract_layers(m, stimulus_set(_images(2), ["a", "b"]), layers=["norm"], progress=False)
    with torch.no_grad():
        expected = reference.forward_features(m.preprocess(_images(2)))
    np.testing.assert_allclose(acts["norm"].values, expected.flatten(1).numpy(), rtol=1e-5, atol=1e-5)

    state = dict(reference.state_dict())
    state["blocks.0.mlp.fc1.weight"] = state["blocks.0.mlp.fc1.weight"][:8]  # not the head
    torch.save(state, path)
    with pytest.raises(zoo.WeightsMismatchError, match="not part of it: blocks.0.mlp.fc1.weight"):
        nv.load_model("timm:test_vit", weights=str(path), drop_head=True)


def test_unknown_timm_names_did_you_mean():
    with pytest.raises(UnknownModelError, match="did you mean 'timm:resnet10t'"):
        nv.load_model("timm:resnet10", untrained=True)
    with pytest.raises(UnknownModelError, match="did you mean .*'timm:resnet10t'") as info:
        nv.load_model("resnet10t")  # a timm name without the prefix
    assert "timm:<arch>" in str(info.value)


def test_timm_missing_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(timm_zoo, "available", lambda: False)
    with pytest.raises(timm_zoo.TimmNotInstalledError, match=r"pip install 'neurovision\[timm\]'"):
        nv.load_model("timm:resnet10t", untrained=True)
    with pytest.raises(UnknownModelError) as info:
        nv.load_model("mobilenet_v2x")
    assert "timm" not in str(info.value)
