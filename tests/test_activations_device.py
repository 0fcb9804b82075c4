"""Activation extraction on a chosen device: the same activations on the CPU, parameters moved back afterwards
(also after an error in the forward pass), unknown or unavailable devices refused with one clear ValueError."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neurovision import activations
from neurovision.activations import (
    auto_batch_size,
    available_devices,
    extract,
    extract_layers,
    network_device,
    network_on,
    resolve_device,
)
from neurovision.models.base import Model
from neurovision.models.ventral.pixels import preprocess as pixels_preprocess
from neurovision.stimuli.images import stimulus_set

CUDA = torch.cuda.is_available()


@pytest.fixture
def stimuli():
    rng = np.random.default_rng(0)
    return stimulus_set(rng.integers(0, 256, (7, 24, 20, 3), dtype=np.uint8), [f"s{i}" for i in range(7)])


class Net(torch.nn.Module):
    """Convolution (channels-last weights), BatchNorm buffers, ReLU, pooling, linear read-out."""

    def __init__(self, fail: bool = False):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 5, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(5)
        self.relu = torch.nn.ReLU(inplace=True)
        self.pool = torch.nn.AdaptiveAvgPool2d(3)
        self.fc = torch.nn.Linear(45, 4)
        self.fail = fail
        self.to(memory_format=torch.channels_last)

    def forward(self, x):
        x = self.pool(self.relu(self.bn(self.conv(x))))
        if self.fail:
            raise RuntimeError("failure inside forward")
        return self.fc(x.flatten(1))


def net_model(fail: bool = False) -> Model:
    return Model("net", Net(fail), pixels_preprocess, ["conv", "relu", "pool", "fc"])


@pytest.mark.parametrize("device", ["cpu", torch.device("cpu")])
def test_cpu_device_gives_bit_identical_activations(stimuli, device):
    model = net_model()
    ref = extract_layers(model, stimuli, progress=False)
    got = extract_layers(model, stimuli, progress=False, device=device)
    for layer in model.layers:
        assert got[layer].dtype == np.float32
        np.testing.assert_array_equal(got[layer].values, ref[layer].values)
    merged_ref = extract(model, stimuli, ["relu", "fc"], progress=False)
    merged = extract(model, stimuli, ["relu", "fc"], progress=False, device="cpu")
    np.testing.assert_array_equal(merged.values, merged_ref.values)


def test_parameters_stay_where_they_were_and_keep_their_identity(stimuli):
    model = net_model()
    params = {name: (p, p.data_ptr()) for name, p in model.network.named_parameters()}
    extract_layers(model, stimuli, progress=False, device="cpu")
    for name, p in model.network.named_parameters():
        assert p is params[name][0] and p.device.type == "cpu"
        assert p.data_ptr() == params[name][1]  # nothing moved, nothing copied
    assert model.network.conv.weight.is_contiguous(memory_format=torch.channels_last)


class _Moves:
    """Stands in for a second device: records the devices the network is asked to move to."""

    def __init__(self, monkeypatch, network):
        self.moves: list[str] = []
        fake = torch.device("cuda", 0)
        monkeypatch.setattr(activations, "resolve_device", lambda d: None if d is None else fake)
        monkeypatch.setattr(activations, "_to_device", lambda batch, device: batch)

        self.current = torch.device("cpu")

        def to(*args, **kwargs):
            self.moves.append(str(args[0]))
            self.current = torch.device(args[0])
            return network

        monkeypatch.setattr(network, "to", to)
        monkeypatch.setattr(activations, "network_device", lambda net: self.current)


def test_network_is_moved_for_the_call_and_back_afterwards(stimuli, monkeypatch):
    model = net_model()
    rec = _Moves(monkeypatch, model.network)
    extract_layers(model, stimuli, ["relu"], batch_size=3, progress=False, device="cuda")
    assert rec.moves == ["cuda:0", "cpu"] and rec.current == torch.device("cpu")
    rec.moves.clear()
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (2**30, 2**31))
    extract_layers(model, stimuli, ["relu"], progress=False, device="cuda")  # auto_batch_size inside: no extra moves
    assert rec.moves == ["cuda:0", "cpu"]


def test_auto_batch_size_on_cuda_follows_free_memory(stimuli, monkeypatch):
    model = net_model()
    rec = _Moves(monkeypatch, model.network)
    per_image = activations.CUDA_BYTES_PER_LARGEST * 5 * 64 * 64 * 4  # 4 x the largest tensor (conv output)
    for free, expected in ((2 * 10 * per_image, 10), (2 * 10 * per_image - 1, 9), (10, 1), (2**40, 256)):
        monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None, free=free: (free, 2**41))
        assert auto_batch_size(model, stimuli.values, device="cuda") == expected
    assert rec.moves == ["cuda:0", "cpu"] * 4


def test_network_is_moved_back_after_an_error_in_forward(stimuli, monkeypatch):
    model = net_model(fail=True)
    rec = _Moves(monkeypatch, model.network)
    with pytest.raises(RuntimeError, match="failure inside forward"):
        extract_layers(model, stimuli, ["fc"], batch_size=3, progress=False, device="cuda")
    assert rec.moves == ["cuda:0", "cpu"]
    rec.moves.clear()
    with pytest.raises(RuntimeError, match="failure inside forward"):  # the probe pass of auto_batch_size
        extract_layers(model, stimuli, ["fc"], progress=False, device="cuda")
    assert rec.moves == ["cuda:0", "cpu"]


def test_error_in_forward_on_the_cpu_leaves_parameters_in_place(stimuli):
    model = net_model(fail=True)
    with pytest.raises(RuntimeError, match="failure inside forward"):
        extract_layers(model, stimuli, ["fc"], progress=False, device="cpu")
    assert {p.device.type for p in model.network.parameters()} == {"cpu"}


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "tpu", "", "cuda:99", "mps:7" if not torch.backends.mps.is_available()
                                 else "tpu:1"])
def test_unknown_or_unavailable_device_is_refused_by_name(stimuli, bad):
    with pytest.raises(ValueError, match="available devices: \\['cpu'") as err:
        extract_layers(net_model(), stimuli, progress=False, device=bad)
    assert repr(bad) in str(err.value)


@pytest.mark.skipif(CUDA, reason="checks the message on a machine without CUDA")
def test_cuda_without_cuda_says_so(stimuli):
    with pytest.raises(ValueError, match="'cuda' is not available: CUDA is not available"):
        extract_layers(net_model(), stimuli, progress=False, device="cuda")


def test_device_of_the_wrong_type_is_refused():
    with pytest.raises(ValueError, match="device must be a str, a torch.device or None; got int 0"):
        resolve_device(0)  # type: ignore[arg-type]


def test_resolve_device_and_available_devices():
    assert resolve_device(None) is None
    assert resolve_device("cpu") == torch.device("cpu")
    assert available_devices()[0] == "cpu"
    if CUDA:
        assert resolve_device("cuda") == torch.device("cuda", torch.cuda.current_device())
        assert f"cuda:{torch.cuda.device_count() - 1}" in available_devices()


def test_network_on_several_devices_is_refused():
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2, device="meta"))
    with pytest.raises(ValueError, match="several devices"):
        network_device(net)
    with pytest.raises(ValueError, match="several devices"):
        with network_on(net, "cpu"):
            pass


def test_network_without_parameters_runs_on_the_requested_device():
    with network_on(torch.nn.ReLU(), None) as dev:
        assert dev == torch.device("cpu")
    with network_on(torch.nn.ReLU(), "cpu") as dev:
        assert dev == torch.device("cpu")


def test_auto_batch_size_on_the_cpu_is_unchanged(stimuli):
    model = net_model()
    assert auto_batch_size(model, stimuli.values, device="cpu") == auto_batch_size(model, stimuli.values)
    # largest tensor: 5 channels x 64 x 64 float32 = 81920 bytes per image (pixels_preprocess gives 64 x 64)
    assert auto_batch_size(model, stimuli.values, max_bytes=5 * 81920) == 5
    assert auto_batch_size(model, stimuli.values, max_bytes=5 * 81920 - 1) == 4


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_cuda_activations_match_the_cpu_and_parameters_come_back(stimuli):
    model = net_model()
    params = {name: p for name, p in model.network.named_parameters()}
    ref = extract_layers(model, stimuli, progress=False)
    got = extract_layers(model, stimuli, progress=False, device="cuda")
    for layer in model.layers:
        assert got[layer].dtype == np.float32
        np.testing.assert_allclose(got[layer].values, ref[layer].values, rtol=1e-4, atol=1e-5)
    for name, p in model.network.named_parameters():
        assert p is params[name] and p.device.type == "cpu"
    assert {b.device.type for b in model.network.buffers()} == {"cpu"}
    assert model.network.conv.weight.is_contiguous(memory_format=torch.channels_last)
    bs = auto_batch_size(model, stimuli.values, device="cuda")
    assert 1 <= bs <= activations.MAX_CUDA_BATCH_SIZE
    failing = net_model(fail=True)
    with pytest.raises(RuntimeError, match="failure inside forward"):
        extract_layers(failing, stimuli, ["fc"], progress=False, device="cuda")
    assert {p.device.type for p in failing.network.parameters()} == {"cpu"}


def test_score_and_cli_take_a_device(data_mirror, tmp_path):
    """``nv.score(..., device=...)``, ``bench(model, device=...)`` and ``score --device`` run the extraction there
    (the same numbers on the CPU); an unavailable device is one clear error before any work."""
    import pytest

    import neurovision as nv
    from neurovision.cli import main
    a = nv.score("pixels", "kriegeskorte2008.it_monkey", n_boot=0, cache=False)
    b = nv.score("pixels", "kriegeskorte2008.it_monkey", n_boot=0, cache=False, device="cpu")
    assert a.raw == b.raw
    with pytest.raises(ValueError, match="not available|unknown"):
        nv.score("pixels", "kriegeskorte2008.it_monkey", n_boot=0, cache=False, device="tpu")
    assert main(["score", "pixels", "kriegeskorte2008.it_monkey", "--n-boot", "0", "--device", "cpu",
                 "--quiet"]) == 0
    assert main(["score", "pixels", "kriegeskorte2008.it_monkey", "--n-boot", "0", "--device", "tpu"]) == 2
