"""torchvision architectures with user-supplied weights files (all weights made here, nothing downloaded)."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torchvision

import neurovision as nv
from neurovision.activations import extract_layers
from neurovision.cli import main
from neurovision.errors import NeurovisionError
from neurovision.models.base import UnknownLayerError, state_dict_hash
from neurovision.models.registry import UnknownModelError, load_model
from neurovision.models.ventral import torchvision_zoo as zoo
from neurovision.stimuli.images import stimulus_set

BENCH = "kriegeskorte2008.it_human"


def _random(arch: str, seed: int, **kwargs) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torchvision.models.get_model(arch, weights=None, **kwargs).eval()


def _images(n: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 48, 40, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def resnet18_file(tmp_path_factory):
    net = _random("resnet18", seed=42)
    path = tmp_path_factory.mktemp("weights") / "resnet18_random.pt"
    torch.save(net.state_dict(), path)
    return path, net


@pytest.fixture(scope="module")
def resnet18_model(resnet18_file):
    return zoo.build("resnet18", resnet18_file[0])


@pytest.fixture(scope="module")
def resnet18_10way_file(tmp_path_factory):
    net = _random("resnet18", seed=3, num_classes=10)
    path = tmp_path_factory.mktemp("weights") / "resnet18_10way.pt"
    torch.save(net.state_dict(), path)
    return path, net


def test_loads_weights_and_matches_reference(resnet18_file, resnet18_model):
    path, reference = resnet18_file
    m = resnet18_model
    assert m.identifier == f"resnet18@{state_dict_hash(reference)[:8]}"
    assert m.weights_hash == state_dict_hash(reference) == state_dict_hash(m.network)
    assert m.layers == ["maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]
    assert m.region_layer_map == {"V1": "layer1", "V2": "layer2", "V4": "layer3", "IT": "layer4"}
    assert m.dropped_keys == {}
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


def test_load_model_by_name_with_weights(resnet18_file, resnet18_model):
    m = nv.load_model("resnet18", weights=str(resnet18_file[0]))
    assert m.identifier == resnet18_model.identifier and m.layer_for("IT") == "layer4"


def test_wrong_architecture_lists_missing_and_unexpected_keys(tmp_path):
    path = tmp_path / "squeezenet.pt"
    torch.save(_random("squeezenet1_1", seed=0).state_dict(), path)
    with pytest.raises(zoo.WeightsMismatchError) as info:
        zoo.build("resnet18", path)
    msg = str(info.value)
    assert "'resnet18'" in msg and "missing key(s): conv1.weight" in msg
    assert "unexpected key(s): features.0.weight" in msg and "more)" in msg
    assert len(msg) < 2000  # a summary, not torch's wall of text
    with pytest.raises(zoo.WeightsMismatchError, match="not part of it"):
        zoo.build("resnet18", path, drop_head=True)  # not a head problem: drop_head does not help


def test_deeper_sibling_gives_missing_or_unexpected(tmp_path):
    path = tmp_path / "resnet34.pt"
    torch.save(_random("resnet34", seed=0).state_dict(), path)
    with pytest.raises(zoo.WeightsMismatchError, match=r"unexpected key\(s\): layer1\.2\.conv1\.weight"):
        zoo.build("resnet18", path)


def test_shape_mismatch_is_named(resnet18_10way_file):
    with pytest.raises(zoo.WeightsMismatchError) as info:
        zoo.build("resnet18", resnet18_10way_file[0])
    msg = str(info.value)
    assert "2 shape mismatch(es)" in msg and "fc.weight: file (10, 512) vs resnet18 (1000, 512)" in msg
    assert "missing" not in msg and "unexpected" not in msg
    assert "drop_head=True" in msg and "--drop-head" in msg  # says how to score the backbone


def test_drop_head_scores_the_backbone_with_the_loaded_weights(resnet18_10way_file):
    path, reference = resnet18_10way_file
    with pytest.warns(zoo.HeadDroppedWarning,
                      match=r"fc\.weight \(file \(10, 512\) vs resnet18 \(1000, 512\)\)") as rec:
        m = nv.load_model("resnet18", weights=str(path), drop_head=True)
    assert "fc.bias" in str(rec[0].message)
    assert set(m.dropped_keys) == {"fc.weight", "fc.bias"}
    assert "fc.weight" in m.description and "fc.bias" in m.description and "head dropped" in m.description
    assert m.layers == ["maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool"]  # fc is not recordable
    assert m.region_layer_map == {"V1": "layer1", "V2": "layer2", "V4": "layer3", "IT": "layer4"}
    assert isinstance(m.network.fc, torch.nn.Identity)
    backbone = {k: v for k, v in reference.state_dict().items() if not k.startswith("fc.")}
    assert m.weights_hash == state_dict_hash(m.network) and m.identifier == f"resnet18@{m.weights_hash[:8]}"
    for k, v in m.network.state_dict().items():
        torch.testing.assert_close(v, backbone[k], rtol=0, atol=0)
    with pytest.raises(UnknownLayerError):
        m.check_layers(["fc"])
    stimuli = stimulus_set(_images(2), ["a", "b"])
    acts = extract_layers(m, stimuli, layers=["layer4", "avgpool"], progress=False)
    headless = copy.deepcopy(reference)
    headless.fc = torch.nn.Identity()
    with torch.no_grad():
        expected = headless(m.preprocess(_images(2)))  # the reference's pooled 512-d features
    np.testing.assert_allclose(acts["avgpool"].values, expected.numpy(), rtol=1e-5, atol=1e-6)
    assert acts["layer4"].shape == (2, 512 * 7 * 7)


def test_drop_head_still_refuses_a_backbone_mismatch(tmp_path, resnet18_10way_file):
    state = torch.load(resnet18_10way_file[0], weights_only=True)
    state["layer3.0.conv1.weight"] = state["layer3.0.conv1.weight"][:, :64]  # a mis-shaped backbone key
    del state["layer4.1.bn2.bias"]  # and a missing one
    path = tmp_path / "broken.pt"
    torch.save(state, path)
    with pytest.raises(zoo.WeightsMismatchError) as info:
        zoo.build("resnet18", path, drop_head=True)
    msg = str(info.value)
    assert "drop_head drops only the classifier head (fc.bias, fc.weight)" in msg
    assert "layer4.1.bn2.bias" in msg and "layer3.0.conv1.weight" in msg


def test_drop_head_with_a_replaced_head_module(tmp_path, resnet18_file):
    """A head rebuilt as nn.Sequential (fc.0.*, fc.2.*): the unexpected fc.* keys belong to the head."""
    state = dict(resnet18_file[1].state_dict())
    del state["fc.weight"], state["fc.bias"]
    state.update({"fc.0.weight": torch.zeros(64, 512), "fc.0.bias": torch.zeros(64),
                  "fc.2.weight": torch.zeros(5, 64), "fc.2.bias": torch.zeros(5)})
    path = tmp_path / "mlp_head.pt"
    torch.save(state, path)
    with pytest.raises(zoo.WeightsMismatchError, match="Only the classifier head"):
        zoo.build("resnet18", path)
    with pytest.warns(zoo.HeadDroppedWarning, match="fc.2.weight"):
        m = zoo.build("resnet18", path, drop_head=True)
    assert m.dropped_keys["fc.weight"] == "not in the file" and m.dropped_keys["fc.0.weight"] == "not in resnet18"
    assert "fc" not in m.layers


def test_drop_head_keeps_the_classifier_layers_before_the_head(tmp_path):
    """mobilenet_v3_small's classifier is Linear(576, 1024), Hardswish, Dropout, Linear(1024, classes): only
    classifier.3 is the head; classifier.0 and .1 load from the file and stay recordable."""
    net = _random("mobilenet_v3_small", seed=0, num_classes=3)
    path = tmp_path / "mobilenet_v3_small_3way.pt"
    torch.save(net.state_dict(), path)
    with pytest.warns(zoo.HeadDroppedWarning, match=r"classifier\.3\.weight"):
        m = zoo.build("mobilenet_v3_small", path, drop_head=True)
    assert set(m.dropped_keys) == {"classifier.3.weight", "classifier.3.bias"}
    assert m.layers[-2:] == ["classifier.0", "classifier.1"]
    torch.testing.assert_close(m.network.classifier[0].weight, net.classifier[0].weight, rtol=0, atol=0)
    assert m.layer_for("IT") == "features.12"


def test_head_keys_of_several_architectures():
    make = lambda arch: lambda n: torchvision.models.get_model(arch, weights=None, num_classes=n)  # noqa: E731
    net = _random("squeezenet1_1", seed=0)
    assert zoo.head_keys(make("squeezenet1_1"), net, 1000) == ["classifier.1.weight", "classifier.1.bias"]
    assert sorted(zoo.head_keys(make("mobilenet_v2"), None, 1000)) == ["classifier.1.bias", "classifier.1.weight"]
    # the fallback (Linear/Conv modules with as many outputs as classes) finds the same keys
    broken = lambda n: (_ for _ in ()).throw(RuntimeError("no meta"))  # noqa: E731
    assert zoo.head_keys(broken, net, 1000) == ["classifier.1.weight", "classifier.1.bias"]


def test_not_a_state_dict(tmp_path):
    path = tmp_path / "junk.pt"
    path.write_bytes(b"not a torch file")
    with pytest.raises(zoo.WeightsMismatchError, match="cannot read"):
        zoo.build("resnet18", path)


def test_missing_or_unreadable_weights_file_names_the_path(tmp_path):
    absent = tmp_path / "absent.pt"
    with pytest.raises(zoo.WeightsFileError, match=f"weights file not found: {absent}"):
        nv.load_model("resnet18", weights=str(absent))
    with pytest.raises(zoo.WeightsFileError, match=f"not a file: {tmp_path}"):
        zoo.build("resnet18", tmp_path)
    assert issubclass(zoo.WeightsFileError, NeurovisionError)


def test_weights_are_required_unless_untrained_is_asked_for():
    with pytest.raises(zoo.WeightsRequiredError) as info:
        nv.load_model("resnet18")
    msg = str(info.value)
    assert "no weights given for 'resnet18'" in msg and "untrained=True" in msg and "--untrained" in msg
    with pytest.raises(zoo.WeightsRequiredError, match="exclude each other"):
        load_model("resnet18", weights="x.pt", untrained=True)
    with pytest.raises(zoo.WeightsRequiredError, match="drop_head applies to a weights file"):
        load_model("resnet18", untrained=True, drop_head=True)
    with pytest.raises(ValueError, match="brings its own weights; untrained .*'mobilenet_v1_untrained'"):
        load_model("mobilenet_v1", untrained=True)


def test_untrained_is_seeded_and_says_so():
    a, b, c = zoo.build("resnet18", untrained=True), nv.load_model("resnet18", untrained=True), \
        zoo.build("resnet18", untrained=True, seed=1)
    assert a.identifier == b.identifier == "resnet18@untrained-seed0"
    assert c.identifier == "resnet18@untrained-seed1"
    assert "UNTRAINED" in a.description
    assert a.weights_hash == b.weights_hash != c.weights_hash


def test_cli_weights_errors_are_one_line(tmp_path, capsys):
    assert main(["score", "resnet18", BENCH]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no weights given for 'resnet18'" in err and "--untrained" in err
    absent = tmp_path / "nothere.pt"
    assert main(["score", "resnet18", BENCH, "--weights", str(absent)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(absent) in err and "Traceback" not in err
    assert main(["score", "resnet18", BENCH, "--untrained", "--drop-head"]) == 2
    assert "drop_head applies to a weights file" in capsys.readouterr().err


def test_a_priori_commitment_follows_the_stride_rule():
    """V1/V2/V4/IT = the last layer (before the head) at output stride ≤4 / 8 / 16 / the last map at ≥32."""
    vgg = zoo.build("vgg16", untrained=True)
    # vgg16 at 224 px: relu3_3 (56×56, stride 4), relu4_3 (28, 8), relu5_3 (14, 16), avgpool (7×7, 32)
    assert vgg.region_layer_map == {"V1": "features.15", "V2": "features.22", "V4": "features.29", "IT": "avgpool"}
    assert vgg.layer_for("IT") == "avgpool"
    mobile = nv.load_model("mobilenet_v2", untrained=True)
    # mobilenet_v2: ends of the 56, 28, 14 and 7 px stages; features.18 is the 1×1 conv to 1280 channels
    assert mobile.region_layer_map == {"V1": "features.3", "V2": "features.6", "V4": "features.13", "IT": "features.18"}
    assert mobile.layer_for("IT") == "features.18"
    # the rule itself, from the probe's output shapes
    order, shapes = zoo.probe(mobile.network, mobile.layers, (224, 224))
    strides = {layer: zoo.output_stride(shapes[layer], 224) for layer in order}
    assert [strides[mobile.layer_for(r)] for r in ("V1", "V2", "V4", "IT")] == [4, 8, 16, 32]
    for region, s in (("V1", 4), ("V2", 8), ("V4", 16)):
        later = order[order.index(mobile.layer_for(region)) + 1:]
        assert all(strides[layer] != s for layer in later)
    assert strides["classifier.1"] is None


def test_a_priori_regions_rule_on_shapes():
    shapes = {"a": (1, 8, 56, 56), "b": (1, 16, 28, 28), "c": (1, 14, 14, 32),  # c: channels-last 14×14
              "d": (1, 32, 7, 7), "e": (1, 32, 7, 7), "pool": (1, 32, 1, 1), "fc": (1, 10)}
    assert zoo.output_stride(shapes["c"], 224) == 16 and zoo.output_stride(shapes["pool"], 224) is None
    assert zoo.a_priori_regions(list(shapes), shapes, 224) == {"V1": "a", "V2": "b", "V4": "c", "IT": "e"}
    # isotropic (ViT-like) tokens: relative depth 1/4, 1/2, 3/4 and the last per-location layer
    tokens = {f"blocks.{i}": (1, 197, 64) for i in range(9)} | {"head": (1, 10)}
    assert zoo.a_priori_regions(list(tokens), tokens, 224) == {
        "V1": "blocks.2", "V2": "blocks.4", "V4": "blocks.6", "IT": "blocks.8"}


def test_unknown_arch_suggests_known_ones():
    with pytest.raises(UnknownModelError) as info:
        zoo.build("resnet19", untrained=True)
    msg = str(info.value)
    assert "'resnet18'" in msg and "known ones include" in msg and "vgg16" in msg
    with pytest.raises(UnknownModelError, match="not an image classifier"):
        zoo.build("fasterrcnn_resnet50_fpn")


def test_unknown_model_name_did_you_mean():
    with pytest.raises(UnknownModelError) as info:
        nv.load_model("mobilenet_v2x")
    msg = str(info.value)
    assert "did you mean 'mobilenet_v2'" in msg and "'mobilenet_v1'" in msg.split("known models")[0]
    assert "known models: " in msg and "cornet_like" in msg  # the registered ones are listed
    with pytest.raises(UnknownModelError, match="did you mean 'vgg16_hed', 'vgg16'"):
        load_model("vgg16_he")


def test_generic_layers_and_no_inplace_clobbering():
    m = zoo.build("squeezenet1_1", untrained=True)
    assert m.layers[0] == "features.0" and "classifier.0" not in m.layers  # Dropout dropped
    # squeezenet's deepest maps have stride 16: relative depth over the 13 feature layers before the head
    assert m.region_layer_map == {"V1": "features.3", "V2": "features.6", "V4": "features.9", "IT": "features.12"}
    recorded = {}
    handle = m.network.get_submodule("features.0").register_forward_hook(lambda _m, _i, o: recorded.setdefault("x", o))
    with torch.no_grad():
        m.network(m.preprocess(np.random.default_rng(1).integers(0, 256, (1, 32, 32, 3), dtype=np.uint8)))
    handle.remove()
    assert (recorded["x"] < 0).any()  # the conv output, not overwritten by an in-place ReLU


def test_explicit_layers():
    m = zoo.build("resnet18", untrained=True, layers=["layer1.0", "layer4.1.conv2"])
    assert m.layers == ["layer1.0", "layer4.1.conv2"]
    assert m.region_layer_map == {}
    with pytest.raises(UnknownLayerError):
        m.layer_for("IT")
    with pytest.raises(UnknownLayerError, match="no submodule 'layer9'"):
        zoo.build("resnet18", untrained=True, layers=["layer9"])
