"""The v2 tracker network and model (neurovision.models.dorsal.tracker.TrackerNetV2 / TrackerV2Model)."""
from pathlib import Path

import numpy as np
import pytest
import torch

from neurovision.models.dorsal import tracker as trk

CKPT = trk.CHECKPOINT_DIR / "tracker_v2.pt"


def _net(**kw):
    torch.manual_seed(0)
    return trk.TrackerNetV2(locator=8, flash_locator=4, hidden=16, **kw)


def test_layers_hooks_and_shapes():
    net = _net()
    model = trk.make_v2_model(net)
    names = dict(net.named_modules())
    assert all(layer in names for layer in model.layers)
    rec = []
    h = net.get_submodule("state_output").register_forward_hook(lambda m, i, o: rec.append(o))
    out = net(torch.rand(3, 12, 32, 32))
    h.remove()
    assert rec[0].shape == (3, 12, 4) and out["postdictive"].shape == (3, 12, 2)
    assert out["hidden"].shape == (3, 12, 16) and out["flash"].shape == (3, 12, 2)
    r = model.run(np.zeros((12, 32, 32), np.float32))
    assert r["position_px"].shape == (12, 2) and r["state"].shape == (12, 4)


def test_closed_gate_reports_the_centre_then_coasts_at_constant_velocity():
    net = _net()
    with torch.no_grad():
        net.visibility_gate.bias.fill_(-1e4)  # nothing is ever in view
    out = net(torch.rand(2, 10, 32, 32))
    assert torch.all(out["position"] == 0) and torch.all(out["state"] == 0)
    # open the gate on a moving target for 20 frames, then close it: the state coasts at its last velocity
    net = _net()
    x = np.zeros((1, 40, 32, 32), np.float32)
    for t in range(20):
        c = 8 + 0.5 * t
        yy, xx = np.mgrid[:32, :32]
        x[0, t] = ((xx - c) ** 2 + (yy - 15.5) ** 2 <= 2.25)
    with torch.no_grad():
        g = torch.cat([torch.full((1, 20), 50.0), torch.full((1, 20), -50.0)], 1)
        net.visibility_gate = _Fixed(g.reshape(-1, 1))
        out = net(torch.from_numpy(x))
    v = out["state"][0, 20:, 2:]
    assert torch.allclose(v, v[:1].expand_as(v))
    step = out["state"][0, 21:, :2] - out["state"][0, 20:-1, :2]
    assert torch.allclose(step, v[1:], atol=1e-6)


class _Fixed(torch.nn.Module):
    """A stand-in gate returning fixed logits (for the coasting test)."""

    def __init__(self, logits):
        super().__init__()
        self.logits = logits

    def forward(self, x):
        return self.logits


def test_postdictive_readout_is_the_window_mean_of_gated_measurements():
    net = _net(window=3)
    g = torch.tensor([[1.0, 0.0, 1.0, 1.0, 0.0]])
    z = torch.arange(10, dtype=torch.float32).reshape(1, 5, 2)
    with torch.no_grad():
        post = net._postdictive(g, z, torch.zeros(1, 5, 2), torch.zeros(1, 5, 2)).numpy()
    # all weights equal at initialisation (softplus(0)): frame 3 sees frames 0..3 with g = 1, 0, 1, 1; the prior
    # (here 0) has weight 0.05
    a = np.log(2.0)
    np.testing.assert_allclose(post[0, 3], a * z[0, [0, 2, 3]].sum(0).numpy() / (3 * a + 0.05), atol=1e-5)
    # nothing seen in the window: the prior
    with torch.no_grad():
        post = net._postdictive(torch.zeros(1, 5), z, torch.ones(1, 5, 2), torch.zeros(1, 5, 2)).numpy()
    np.testing.assert_allclose(post, 1.0, atol=1e-6)


def test_run_aligns_the_postdictive_report_with_the_moment_it_reports():
    net = _net(window=4)
    model = trk.make_v2_model(net, report="postdictive", delay_frames=2)
    v = np.random.default_rng(0).random((1, 20, 32, 32)).astype(np.float32)
    r = model.run(v)
    with torch.no_grad():
        o = net(model.network_input(v))
    expect = trk.norm_to_px(o["postdictive"].numpy()[0, 4:], (32, 32))
    np.testing.assert_allclose(r["position_px"][0, :16], expect, atol=1e-5)
    np.testing.assert_array_equal(r["postdictive_px"], r["position_px"])
    with pytest.raises(ValueError, match="report"):
        trk.make_v2_model(net, report="other").run(v)


def test_v1_checkpoint_is_refused_by_the_v2_loader():
    with pytest.raises(ValueError, match="not a v2"):
        trk.load_tracker_v2_checkpoint(trk.DEFAULT_CHECKPOINT)


@pytest.mark.skipif(not Path(CKPT).is_file(), reason="tracker_v2 checkpoint not committed")
def test_committed_v2_checkpoint_behaviour():
    import json

    from neurovision.cache import file_sha256
    from neurovision.stimuli.motion import Custom, Linear, MovingObject, make_video
    for path in (CKPT, trk.CHECKPOINT_DIR / "tracker_v2_control.pt"):
        meta = json.loads(path.with_suffix(".json").read_text())
        assert meta["sha256"] == file_sha256(path) and path.stat().st_size < 2e6
        assert f"--seed {meta['seed']}" in meta["command"] and meta["model_config"]["arch"] == "v2"
    model = trk.load_tracker_v2_checkpoint(CKPT)
    # nothing in view: it reports the frame centre and says the target is not visible
    r = model.run(np.zeros((60, 32, 32), np.float32))
    assert np.abs(r["position_deg"][-30:]).max() < 0.5 and r["visible_prob"][-30:].max() < 0.5
    # a target moving at 15 deg/s that vanishes at frame 40: the estimate keeps moving at about its speed
    pos = Linear((-10.0, 0.0), 15.0, 0.0).positions(80, 10.0)
    v, _ = make_video([MovingObject(Custom(pos), "disk", 1.5, 1.0, vanish_frame=40)], [], [], n_frames=80,
                      height=32, width=32, ms_per_frame=10.0, px_per_deg=1.0)
    r = model.run(v)
    speed = (r["position_deg"][65, 0] - r["position_deg"][50, 0]) / 0.15
    assert 10.0 < speed < 20.0
