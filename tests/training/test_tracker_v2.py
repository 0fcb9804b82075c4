"""Training of the v2 tracker: dynamic scenes (neurovision.stimuli.motion.scenes.dynamic_scenes), its targets and
loss (neurovision.training.tracker.make_batch_v2 / loss_fn_v2) and its command line."""
import json

import numpy as np
import torch

from neurovision.models.dorsal import tracker as trk
from neurovision.stimuli.motion.scenes import dynamic_scenes
from neurovision.training import tracker as tr


def test_dynamic_scenes_are_seeded_and_mark_absent_targets():
    a = dynamic_scenes(16, np.random.default_rng(3), p_appear=0.5, p_vanish=0.5)
    b = dynamic_scenes(16, np.random.default_rng(3), p_appear=0.5, p_vanish=0.5)
    np.testing.assert_array_equal(a["video"], b["video"])
    assert a["video"].shape == (16, 80, 32, 32) and a["present"].shape == (16, 80)
    assert not (a["visible"] & ~a["present"]).any()  # an absent target is never visible
    assert (~a["present"]).any() and (a["kind"] == 3).any()
    # where the target is absent and nothing else is drawn, the frame is only noise
    c = dynamic_scenes(8, np.random.default_rng(0), p_appear=1.0, p_vanish=0.0, p_flash=0.0, p_occluder=0.0,
                       noise_sd=0.0)
    first = c["present"].argmax(1)
    for i in range(8):
        assert c["video"][i, :first[i]].max() == 0 and c["video"][i, first[i]].max() > 0.5


def test_piecewise_paths_stop_and_reverse():
    from neurovision.stimuli.motion.scenes import _piecewise_paths
    lim = np.full((64, 2), 14.0)
    p = _piecewise_paths(np.random.default_rng(0), np.full(64, 20.0), 200, 10.0, lim)
    step = np.linalg.norm(np.diff(p, axis=1), axis=-1)
    assert (step < 1e-9).sum() > 100  # stops
    assert np.all(np.abs(p) <= 14.0 + 1e-9)


def _cfg(**kw):
    base = dict(arch="v2", task="compensated", steps=60, batch=8, n_frames=30, delay_ms=30, lr=1e-2,
                locator=8, flash_locator=4, hidden=16, checkpoint_every=20, threads=1)
    base.update(kw)
    return tr.TrackerTrainConfig(**base)


def test_v2_targets_centre_without_information_and_postdictive_mean():
    cfg = _cfg(window=4)
    b = tr.make_batch_v2(cfg, np.random.default_rng(5), batch=16)
    d = cfg.delay_frames
    seen = np.logical_or.accumulate(b["input_visible"], 1)
    assert (~seen[:, :d]).all()
    np.testing.assert_allclose(b["position_px"][~seen], 15.5)
    i, t = np.argwhere(b["post_mask"])[len(np.argwhere(b["post_mask"])) // 2]
    lo = max(t - cfg.window, 0)
    vis = b["input_visible"][i, lo:t + 1]
    np.testing.assert_allclose(b["post_px"][i, t], b["input_position_px"][i, lo:t + 1][vis].mean(0), atol=1e-4)
    assert b["flash_in"].sum() <= b["flash_on"].sum()


def test_v2_training_reduces_loss_writes_a_loadable_checkpoint_and_its_command(tmp_path):
    cfg = _cfg()
    held = tr._to_torch(tr.make_batch(cfg, np.random.default_rng(99)))
    torch.manual_seed(cfg.seed)
    net0 = trk.TrackerNetV2(c1=8, locator=8, hidden=16, flash_locator=4)
    with torch.no_grad():
        before = float(tr.loss_fn_v2(net0(held["input"]), held, (32, 32), cfg)[0])
    model, info = tr.train(cfg, tmp_path / "v2.pt", progress=False, command="cmd")
    with torch.no_grad():
        after = float(tr.loss_fn_v2(model.network(held["input"]), held, (32, 32), cfg)[0])
    assert after < 0.8 * before
    meta = json.loads((tmp_path / "v2.json").read_text())
    assert meta["model_config"]["arch"] == "v2" and meta["seed"] == 0
    m = trk.load_tracker_v2_checkpoint(tmp_path / "v2.pt", report="postdictive")
    v = np.random.default_rng(0).random((2, 30, 32, 32)).astype(np.float32)
    np.testing.assert_array_equal(m.run(v)["position_px"], model.run(v)["postdictive_px"])
    parsed, args = tr.v2_config(["--task", "control", "--seed", "1", "--out", "x.pt", "--p-appear", "0.3"])
    assert parsed.task == "control" and parsed.seed == 1 and parsed.p_appear == 0.3 and parsed.arch == "v2"
    cmd = tr.v2_command(parsed, args)
    again, _ = tr.v2_config(cmd.split(" v2 ")[1].split())
    assert again == parsed


def test_v1_defaults_are_unchanged():
    cfg = tr.TrackerTrainConfig()
    assert cfg.arch == "v1"
    assert "arch" not in tr._model_config(cfg)
    b = tr.make_batch(tr.TrackerTrainConfig(batch=2, n_frames=20, delay_ms=30), np.random.default_rng(0))
    assert "post_px" not in b
