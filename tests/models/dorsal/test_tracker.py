"""The dorsal tracker model and its training (neurovision.models.dorsal.tracker, neurovision.training.tracker)."""
import json

import numpy as np
import pytest
import torch

from neurovision.analysis.tracker_evaluation import evaluate_tracker
from neurovision.cache import file_sha256
from neurovision.models.base import state_dict_hash
from neurovision.models.dorsal import tracker as trk
from neurovision.training import tracker as tr


def test_shapes_named_layers_and_hooks():
    torch.manual_seed(0)
    model = trk.build(pretrained=False)
    names = dict(model.network.named_modules())
    for layer in model.layers:
        assert layer in names, layer
    recorded = []
    h = model.network.get_submodule("core_output").register_forward_hook(lambda m, i, o: recorded.append(o))
    out = model.network(torch.rand(3, 12, 32, 32))
    h.remove()
    assert out["position"].shape == (3, 12, 2) and out["flash"].shape == (3, 12, 2)
    assert out["visibility_logit"].shape == (3, 12) and out["flash_present_logit"].shape == (3, 12)
    assert recorded[0].shape == (3, 12, 128)
    r = model.run(np.zeros((12, 32, 32), np.float32))
    assert r["position_px"].shape == (12, 2) and r["hidden"].shape == (12, 128)
    assert model.visual_degrees == 32 and model.delay_ms == 50
    with pytest.raises(ValueError, match="32x32"):
        model.run(np.zeros((5, 16, 16), np.float32))
    with pytest.raises(ValueError, match="not shorter"):
        model.run(np.zeros((5, 32, 32), np.float32))  # delay 5 frames >= video length


def test_delay_is_applied_outside_forward():
    torch.manual_seed(0)
    model = trk.build(pretrained=False)
    v = np.random.default_rng(0).random((20, 32, 32)).astype(np.float32)
    a = model.run(v, delay_frames=3)
    shifted = np.concatenate([np.zeros((3, 32, 32), np.float32), v[:17]])
    b = model.run(shifted, delay_frames=0)
    np.testing.assert_allclose(a["position_px"], b["position_px"], atol=1e-5)


def _tiny(**kw):
    base = dict(task="compensated", steps=30, batch=8, n_frames=30, delay_ms=30, lr=3e-3, checkpoint_every=5,
                threads=1)
    base.update(kw)
    return tr.TrackerTrainConfig(**base)


def test_short_training_reduces_loss(tmp_path):
    # the tracking task (no flashes) on short clips: ~10 s on one core
    cfg = _tiny(task="tracking", steps=80, batch=16, n_frames=12, delay_ms=0, p_flash=0.0, warmup_frames=2)
    held_out = tr._to_torch(tr.make_batch(cfg, np.random.default_rng(999), batch=16))
    torch.manual_seed(cfg.seed)
    untrained = trk.TrackerNet(channels=cfg.channels, embed=cfg.embed, hidden=cfg.hidden)
    model, info = tr.train(cfg, tmp_path / "t.pt", progress=False)
    with torch.no_grad():
        before = tr.loss_fn(untrained(held_out["input"]), held_out, (32, 32))[0].item()
        after = tr.loss_fn(model.network(held_out["input"]), held_out, (32, 32))[0].item()
    assert after < 0.5 * before, (before, after)
    meta = json.loads((tmp_path / "t.json").read_text())
    assert meta["sha256"] == file_sha256(tmp_path / "t.pt") and meta["seed"] == 0
    assert "--task tracking" in meta["command"]
    loaded = trk.load_tracker_checkpoint(tmp_path / "t.pt")
    assert loaded.delay_frames == 0 and loaded.target == "now"
    assert state_dict_hash(loaded.network) == state_dict_hash(model.network)


def test_separate_flash_pathway(tmp_path):
    """flash_hidden > 0: the flash readouts read a GRU of their own (fed by their own embedding); the target
    readouts and the recorded core states do not depend on the flash pathway's weights."""
    torch.manual_seed(0)
    net = trk.TrackerNet(flash_hidden=16)
    x = torch.rand(2, 9, 32, 32)
    out = net(x)
    assert out["flash"].shape == (2, 9, 2) and out["hidden"].shape == (2, 9, 128)
    with torch.no_grad():
        net.flash_embed[1].weight.add_(1.0)
        net.flash_core.weight_hh_l0.mul_(-1.0)
    out2 = net(x)
    torch.testing.assert_close(out2["position"], out["position"])
    assert not torch.allclose(out2["flash"], out["flash"])
    cfg = _tiny(task="control", steps=3, flash_hidden=16)
    model, _ = tr.train(cfg, tmp_path / "f.pt", progress=False)
    meta = json.loads((tmp_path / "f.json").read_text())
    assert "--flash-hidden 16" in meta["command"] and meta["model_config"]["flash_hidden"] == 16
    loaded = trk.load_tracker_checkpoint(tmp_path / "f.pt")
    assert {"flash_embed", "flash_core_output"} <= set(loaded.layers)
    assert state_dict_hash(loaded.network) == state_dict_hash(model.network)


def test_soft_argmax_reports_the_peak_cell_centre_in_normalised_units():
    """Oracle: a map with one dominant cell puts all its mass on that cell, whose centre in px is
    ``(i + 0.5) * stride - 0.5``; px_to_norm of that centre is the expected answer."""
    H, W, h, w = 32, 32, 16, 16
    logits = torch.full((3, h, w), -30.0)
    cells = [(0, 0), (5, 11), (15, 7)]  # (row, column)
    for n, (r, c) in enumerate(cells):
        logits[n, r, c] = 30.0
    out = trk.soft_argmax(logits, (H, W)).numpy()
    want = trk.px_to_norm([[(c + 0.5) * 2 - 0.5, (r + 0.5) * 2 - 0.5] for r, c in cells], (H, W))
    np.testing.assert_allclose(out[:, :2], want, atol=1e-6)
    np.testing.assert_allclose(out[:, 2], 30.0 + np.log1p(255 * np.exp(-60.0)), rtol=1e-6)
    # a flat map: the centre of the frame, confidence log(h * w)
    flat = trk.soft_argmax(torch.zeros(1, h, w), (H, W)).numpy()[0]
    np.testing.assert_allclose(flat, [0.0, 0.0, np.log(h * w)], atol=1e-6)


def test_locator_pathway(tmp_path):
    """locator > 0: a stride-2 target map (on encoder.0) whose soft-argmax feeds the core, trained with its own
    loss on the target's position in the frame the network sees; hookable by layer name; saved and reloaded."""
    torch.manual_seed(0)
    net = trk.TrackerNet(locator=8)
    out = net(torch.rand(2, 9, 32, 32))
    assert out["locator"].shape == (2, 9, 2) and net.core.input_size == 128 + 3
    cfg = _tiny(task="control", steps=3, locator=8)
    b = tr.make_batch(cfg, np.random.default_rng(0))
    d = cfg.delay_frames
    np.testing.assert_array_equal(b["input_position_px"][:, d:], b["position_px"][:, d:])  # control: same target
    assert not b["input_visible"][:, :d].any()
    model, _ = tr.train(cfg, tmp_path / "l.pt", progress=False)
    meta = json.loads((tmp_path / "l.json").read_text())
    assert "--locator 8" in meta["command"] and meta["model_config"]["locator"] == 8
    loaded = trk.load_tracker_checkpoint(tmp_path / "l.pt")
    assert set(trk.LOCATOR_LAYERS) <= set(loaded.layers)
    names = dict(loaded.network.named_modules())
    assert all(layer in names for layer in loaded.layers)
    assert state_dict_hash(loaded.network) == state_dict_hash(model.network)
    # core_embed=False: the target core sees only the locator, so the flash pathway's embedding cannot move the
    # target readouts, and the core's own embedding is not built at all
    only = trk.TrackerNet(locator=8, flash_hidden=16, core_embed=False)
    assert only.core.input_size == 3 and not hasattr(only, "embed")
    assert "embed" not in trk.make_model(only).layers
    xx = torch.rand(2, 9, 32, 32)
    before = only(xx)
    with torch.no_grad():
        only.flash_embed[1].weight.add_(1.0)
    after = only(xx)
    torch.testing.assert_close(after["position"], before["position"])
    assert not torch.allclose(after["flash"], before["flash"])
    with pytest.raises(ValueError, match="locator"):
        trk.TrackerNet(core_embed=False)
    # the locator loss: a perfect locator on visible input frames adds nothing
    bt = tr._to_torch(b)
    with torch.no_grad():
        o = model.network(bt["input"])
        base = tr.loss_fn({k: v for k, v in o.items() if k != "locator"}, bt, (32, 32))[0]
        o["locator"] = torch.from_numpy(trk.px_to_norm(b["input_position_px"], (32, 32))).float()
        assert torch.isclose(tr.loss_fn(o, bt, (32, 32))[0], base, rtol=1e-5)


def test_training_is_deterministic_and_resumable(tmp_path, monkeypatch):
    cfg = _tiny(steps=10)
    full, _ = tr.train(cfg, tmp_path / "a.pt", progress=False)
    real = tr.make_batch
    calls = {"n": 0}

    def crash(*a, **k):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt  # killed after the step-5 state was written
        return real(*a, **k)

    monkeypatch.setattr(tr, "make_batch", crash)
    with pytest.raises(KeyboardInterrupt):
        tr.train(cfg, tmp_path / "b.pt", progress=False)
    monkeypatch.setattr(tr, "make_batch", real)
    assert torch.load(tmp_path / "b.pt.state.pt", weights_only=False)["step"] == 5
    resumed, _ = tr.train(cfg, tmp_path / "b.pt", progress=False)
    assert state_dict_hash(resumed.network) == state_dict_hash(full.network)


def test_task_targets():
    rng = np.random.default_rng(0)
    now = tr.make_batch(_tiny(task="compensated"), rng)
    ctl = tr.make_batch(_tiny(task="control"), np.random.default_rng(0))
    np.testing.assert_array_equal(now["input"], ctl["input"])
    np.testing.assert_array_equal(now["position_px"], now["true_position_px"])
    np.testing.assert_array_equal(ctl["position_px"][:, 3:], ctl["true_position_px"][:, :-3])
    assert not now["mask"][:, :3 + 5].any() and now["mask"][:, 8:].all()
    occ = tr.make_batch(_tiny(task="occlusion", p_occluder=1.0), np.random.default_rng(1))
    assert (~occ["visible"] & occ["mask"]).any()  # loss on hidden frames too


def test_bad_training_parameters():
    with pytest.raises(ValueError, match="unknown task"):
        tr.TrackerTrainConfig(task="juggling")
    with pytest.raises(ValueError, match="shorter than the video"):
        tr.TrackerTrainConfig(delay_ms=800, n_frames=80)
    with pytest.raises(ValueError, match="whole number"):
        tr.TrackerTrainConfig(delay_ms=45)


def test_time_budget_stops_early_and_records_stop_after(tmp_path):
    cfg = _tiny(steps=50)
    _, info = tr.train(cfg, tmp_path / "c.pt", progress=False, command="python -m x --steps 50",
                       max_seconds=0.0)
    assert info["steps_done"] == 1
    meta = json.loads((tmp_path / "c.json").read_text())
    assert meta["command"].endswith("--stop-after 1") and meta["steps_done"] == 1
    assert {"cpu_count", "platform", "torch_threads"} <= set(meta["machine"])


def test_flash_frames_weigh_more_in_the_loss():
    b = tr._to_torch(tr.make_batch(_tiny(p_flash=1.0), np.random.default_rng(3)))
    out = {"position": torch.zeros(8, 30, 2), "visibility_logit": torch.zeros(8, 30), "flash": torch.zeros(8, 30, 2),
           "flash_present_logit": torch.zeros(8, 30)}
    out["position"][b["flash_on"]] = 0.5  # wrong only on flash frames
    a = tr.loss_fn(out, b, (32, 32), 1.0)[1]["pos_px2"]
    w = tr.loss_fn(out, b, (32, 32), 4.0)[1]["pos_px2"]
    assert w > a > 0


@pytest.mark.skipif(not trk.DEFAULT_CHECKPOINT.is_file(), reason="committed checkpoint not present")
def test_committed_checkpoints_match_their_json():
    metas = {}
    for path, target in ((trk.DEFAULT_CHECKPOINT, "now"), (trk.CONTROL_CHECKPOINT, "delayed")):
        meta = json.loads(path.with_suffix(".json").read_text())
        assert meta["sha256"] == file_sha256(path)
        assert path.stat().st_size < 5e6
        assert meta["seed"] == 0 and "--seed 0" in meta["command"] and meta["machine"]["cpu_count"] >= 1
        assert meta["model_config"]["target"] == target
        metas[target] = meta
    # compensated model and control: same schedule, same batches (only the target differs)
    a, b = metas["now"], metas["delayed"]
    assert a["steps_done"] == b["steps_done"] and a["schedule_steps"] == b["schedule_steps"]
    assert {k: v for k, v in a["train_config"].items() if k != "task"} == \
        {k: v for k, v in b["train_config"].items() if k != "task"}
    model = trk.build()
    assert model.delay_frames == 5 and model.target == "now"
    ev = evaluate_tracker(model, n_videos=48)
    assert float(ev["error_px"].sel(visibility="visible")) < 1.6
    ctl = evaluate_tracker(trk.build_control(), n_videos=48)
    # the compensated model runs ahead of its delayed input; the control does not
    assert float(ev["lead_ms"][0]) > float(ctl["lead_ms"][0]) + 10


def test_tracker_is_a_video_model_whose_activations_equal_run():
    """extract_layers on a video set gives the tracker's GRU states exactly as ``run`` returns them (same input
    delay, applied on the data side), as presentation × neuroid × time_bin in network time."""
    from neurovision.activations import extract_layers
    from neurovision.models.base import VideoModel
    from neurovision.stimuli.motion import random_scenes
    from neurovision.stimuli.videos import video_set

    model = trk.build()
    assert isinstance(model, VideoModel) and model.delay_frames == 5
    sc = random_scenes(4, np.random.default_rng(5), n_frames=30)
    videos = sc["video"]
    for given in (videos, (videos * 255).round().astype(np.uint8)):
        stimuli = video_set(given, [f"v{i}" for i in range(4)], ms_per_frame=model.ms_per_frame)
        acts = extract_layers(model, stimuli, ["core_output", "readout_position", "encoder.0"], progress=False)
        run = model.run(given)
        hidden = acts["core_output"]
        assert hidden.dims == ("presentation", "neuroid", "time_bin") and hidden.shape == (4, 128, 30)
        np.testing.assert_array_equal(hidden.transpose("presentation", "time_bin", "neuroid").values, run["hidden"])
        position = acts["readout_position"].transpose("presentation", "time_bin", "neuroid").values
        np.testing.assert_array_equal(trk.norm_to_px(position, (32, 32)), run["position_px"])
        np.testing.assert_array_equal(hidden["time_bin"].values, np.arange(30))
        np.testing.assert_array_equal(hidden["time_ms"].values, np.arange(30) * 10.0)
        assert hidden.attrs["delay_frames"] == 5 and hidden.attrs["ms_per_frame"] == 10.0
        assert acts["encoder.0"].shape == (4, 8 * 16 * 16, 30)  # per-frame layer: (batch * time, 8, 16, 16)
    # one video alone gives the same states as run on that video
    one = extract_layers(model, video_set(videos[:1], ["v0"]), ["core_output"], progress=False)["core_output"]
    np.testing.assert_array_equal(one.values[0].T, model.run(videos[0])["hidden"])


def test_network_input_applies_the_delay_and_checks_the_frame_size():
    model = trk.build(pretrained=False)
    v = np.random.default_rng(1).random((2, 12, 32, 32)).astype(np.float32)
    x = model.network_input(v).numpy()
    np.testing.assert_array_equal(x[:, 5:], v[:, :7])
    assert not x[:, :5].any()
    np.testing.assert_array_equal(model.network_input(v, delay_frames=0).numpy(), v)
    with pytest.raises(ValueError, match="32x32"):
        model.network_input(np.zeros((1, 12, 16, 16), np.float32))


def test_fingerprint_of_video_models():
    """Model.fingerprint works for the tracker: probe videos through preprocess; stable, and different for
    different weights or a different delay."""
    from neurovision.models.base import probe_videos

    model = trk.build(pretrained=False)
    probe = model.probe_batch()
    assert probe.shape == (3, 20, 32, 32) and probe.dtype == torch.float32
    np.testing.assert_array_equal(probe.numpy(), probe_videos(32, 32))
    fp = model.fingerprint()
    assert fp == trk.build(pretrained=False).fingerprint() and len(fp) == 64
    assert fp != trk.build().fingerprint()
    delayed = trk.build(pretrained=False)
    delayed.delay_frames = 3
    assert delayed.fingerprint() != fp
