"""torchvision architectures with user-supplied weights files (all weights made here, nothing downloaded)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision

from neurovision.models.ventral import torchvision_zoo as zoo
from neurovision.models.base import UnknownLayerError, state_dict_hash
from neurovision.models.registry import UnknownModelError


def _random(arch: str, seed: int, **kwargs) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torchvision.models.get_model(arch, weights=None, **kwargs).eval()


@pytest.fixture(scope="module")
def resnet18_file(tmp_path_factory):
    net = _random("resnet18", seed=42)
    path = tmp_path_factory.mktemp("weights") / "resnet18_random.pt"
    torch.save(net.state_dict(), path)
    return path, net


@pytest.fixture(scope="module")
def resnet18_model(resnet18_file):
    return zoo.build("resnet18", resnet18_file[0])


def test_loads_weights_and_matches_reference(resnet18_file, resnet18_model):
    path, reference = resnet18_file
    m = resnet18_model
    assert m.identifier == f"resnet18@{state_dict_hash(reference)[:8]}"
    assert m.weights_hash == state_dict_hash(reference) == state_dict_hash(m.network)
    assert m.layers == ["maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]
    assert m.region_layer_map == {"V1": "layer1", "V2": "layer2", "V4": "layer3", "IT": "layer4"}
    images = np.random.default_rng(0).integers(0, 256, (2, 64, 80, 3), dtype=np.uint8)
    x = m.preprocess(images)
    assert x.shape == (2, 3, 224, 224) and x.dtype == torch.float32
    with torch.no_grad():
        torch.testing.assert_close(m.network(x), reference(x), rtol=0, atol=0)


def test_identifier_ignores_file_name_and_wrappers(resnet18_file, resnet18_model, tmp_path):
    path, reference = resnet18_file
    wrapped = tmp_path / "checkpoint.pth"
    torch.save({"epoch": 3, "state_dict": {f"module.{k}": v for k, v in reference.state_dict().items()}}, wrapped)
    assert zoo.build("resnet18", wrapped).identifier == resnet18_model.identifier


def test_wrong_architecture_lists_missing_and_unexpected_keys(tmp_path):
    path = tmp_path / "squeezenet.pt"
    torch.save(_random("squeezenet1_1", seed=0).state_dict(), path)
    with pytest.raises(zoo.WeightsMismatchError) as info:
        zoo.build("resnet18", path)
    msg = str(info.value)
    assert "'resnet18'" in msg and "missing key(s): conv1.weight" in msg
    assert "unexpected key(s): features.0.weight" in msg and "more)" in msg
    assert len(msg) < 2000  # a summary, not torch's wall of text


def test_deeper_sibling_gives_missing_or_unexpected(tmp_path):
    path = tmp_path / "resnet34.pt"
    torch.save(_random("resnet34", seed=0).state_dict(), path)
    with pytest.raises(zoo.WeightsMismatchError, match=r"unexpected key\(s\): layer1\.2\.conv1\.weight"):
        zoo.build("resnet18", path)


def test_shape_mismatch_is_named(tmp_path):
    path = tmp_path / "resnet18_10way.pt"
    torch.save(_random("resnet18", seed=0, num_classes=10).state_dict(), path)
    with pytest.raises(zoo.WeightsMismatchError) as info:
        zoo.build("resnet18", path)
    msg = str(info.value)
    assert "2 shape mismatch(es)" in msg and "fc.weight: file (10, 512) vs resnet18 (1000, 512)" in msg
    assert "missing" not in msg and "unexpected" not in msg


def test_not_a_state_dict(tmp_path):
    path = tmp_path / "junk.pt"
    path.write_bytes(b"not a torch file")
    with pytest.raises(zoo.WeightsMismatchError, match="cannot read"):
        zoo.build("resnet18", path)
    with pytest.raises(FileNotFoundError):
        zoo.build("resnet18", tmp_path / "absent.pt")


def test_unknown_arch_suggests_known_ones():
    with pytest.raises(UnknownModelError) as info:
        zoo.build("resnet19")
    msg = str(info.value)
    assert "'resnet18'" in msg and "known ones include" in msg and "vgg16" in msg
    with pytest.raises(UnknownModelError, match="not an image classifier"):
        zoo.build("fasterrcnn_resnet50_fpn")


def test_untrained_is_seeded():
    a, b, c = zoo.build("resnet18"), zoo.build("resnet18"), zoo.build("resnet18", seed=1)
    assert a.identifier == "resnet18"
    assert a.weights_hash == b.weights_hash != c.weights_hash


def test_generic_layers_and_no_inplace_clobbering():
    m = zoo.build("squeezenet1_1")
    assert m.layers[0] == "features.0" and "classifier.0" not in m.layers  # Dropout dropped
    assert m.region_layer_map == {}
    with pytest.raises(UnknownLayerError):
        m.layer_for("IT")
    recorded = {}
    handle = m.network.get_submodule("features.0").register_forward_hook(lambda _m, _i, o: recorded.setdefault("x", o))
    with torch.no_grad():
        m.network(m.preprocess(np.random.default_rng(1).integers(0, 256, (1, 32, 32, 3), dtype=np.uint8)))
    handle.remove()
    assert (recorded["x"] < 0).any()  # the conv output, not overwritten by an in-place ReLU


def test_explicit_layers():
    m = zoo.build("resnet18", layers=["layer1.0", "layer4.1.conv2"])
    assert m.layers == ["layer1.0", "layer4.1.conv2"]
    assert m.region_layer_map == {}
    with pytest.raises(UnknownLayerError, match="no submodule 'layer9'"):
        zoo.build("resnet18", layers=["layer9"])
