"""Training of the dorsal tracker (:mod:`neurovision.models.dorsal.tracker`) on four tasks (its evaluation:
:mod:`neurovision.analysis.tracker_evaluation`).

Tasks (``TrackerTrainConfig.task``), all trained on random scenes from :func:`neurovision.stimuli.motion.random_scenes`
(bouncing / circular / sinusoidal targets, randomly placed occluders, ring flashes — many near the path):

* ``tracking`` — no occluders, no delay; loss on the position now (visible frames).
* ``occlusion`` — occluders, no delay; loss on the *true* path on every frame, hidden frames included.
* ``compensated`` — occluders and an input delay Δ (``delay_ms``); the input frame at network time ``t`` is the
  video frame ``t - Δ`` and the position target is the true position *now* (frame ``t``): the network must
  extrapolate by Δ (latency compensation, the account of the flash-lag effect by Nijhawan 1994).
* ``control`` — same delayed input, but the target is the delayed position (frame ``t - Δ``): the
  uncompensated control, which should show ≈ 0 ms flash-lag.

Other readouts, trained in every task: visibility of the target (now, or delayed for ``control``) and the
position of the most recent flash, reported from when it reaches the network until ``flash_hold_frames``
after it disappears (flashes are never extrapolated: their onset is unpredictable).

Loss = mean squared position error in px² (frames from ``delay + warmup_frames`` on; frames on which a flash is
being reported weigh ``flash_frame_weight`` times more, so that flashes near the path do not drag the target
estimate) + flash-position squared error in px² (frames where a flash is reported; weight ``flash_loss_weight``)
+ binary cross-entropy of visibility and flash-presence; with ``locator > 0`` also the locator's squared error
(px², target position in the input frame, visible input frames; weight ``locator_loss_weight``). Adam, cosine
learning-rate decay, gradient clipping at norm 1.

Determinism and resuming: the training batch of step ``s`` is drawn from
``numpy.random.default_rng([seed, s])`` and the weights are initialised from ``torch.manual_seed(seed)``, so a
run killed and resumed from its state file (``<out>.state.pt``, written every ``checkpoint_every`` steps with
the optimiser and scheduler) sees exactly the same batches. The final checkpoint (weights + config, no
optimiser, a few MB) is written atomically with a JSON beside it holding the command, config, seed, training
time, final metrics and the checkpoint's sha256.

Command line: ``neurovision train tracker ...`` (options in :mod:`neurovision.cli`; ``python -m
neurovision.training.tracker ...`` is the same command). The committed checkpoints were made with::

    neurovision train tracker --task compensated --delay-ms 50 --steps 1300 --batch 32 --seed 0 --lr 0.003 \\
        --flash-hidden 64 --locator 16 --core-locator-only --threads 2 --stop-after 1128 \\
        --out neurovision/models/checkpoints/tracker_delay50.pt
    neurovision train tracker --task control --delay-ms 50 --steps 1300 --batch 32 --seed 0 --lr 0.003 \\
        --flash-hidden 64 --locator 16 --core-locator-only --threads 2 --stop-after 1128 \\
        --out neurovision/models/checkpoints/tracker_delay50_control.pt

i.e. the first 1128 steps of a 1300-step cosine schedule; each JSON records its full command. ``--stop-after N``
ends a run after N steps of the ``--steps`` schedule (same batches and learning rates as the full run);
``--max-minutes M`` is a wall-clock budget that stops the run early and records the equivalent ``--stop-after``
in the JSON.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..cache import file_sha256, write_json_atomic
from ..checkpoints import save_atomic
from ..models.dorsal.tracker import TrackerModel, TrackerNet, TrackerNetV2, make_model, make_v2_model
from ..stimuli.motion import delay_frames_from_ms, random_scenes
from ..stimuli.motion.scenes import dynamic_scenes
from ..stimuli.videos import delay_values, delay_video

TASKS = ("tracking", "occlusion", "compensated", "control")


@dataclass
class TrackerTrainConfig:
    """Everything that determines a training run (saved into the checkpoint and its JSON)."""

    task: str = "compensated"
    delay_ms: float = 50.0
    steps: int = 1500
    batch: int = 32
    n_frames: int = 80
    lr: float = 2e-3
    seed: int = 0
    height: int = 32
    width: int = 32
    ms_per_frame: float = 10.0
    px_per_deg: float = 1.0
    channels: tuple = (8, 16, 16)
    embed: int = 128
    hidden: int = 128
    flash_hidden: int = 0  # > 0: the flash readouts get their own embedding and GRU of this size (0: share ``core``)
    locator: int = 0  # > 0: a stride-2 target map (this many channels) whose soft-argmax feeds the core
    locator_loss_weight: float = 1.0  # weight of the locator's position error (px², visible input frames)
    core_embed: bool = True  # False: the target core sees only the locator's output (needs locator > 0)
    speed_range_deg_s: tuple = (2.0, 50.0)
    p_occluder: float = 0.6
    p_flash: float = 0.7
    p_flash_near: float = 0.6
    p_flash_aligned: float = 0.5
    flash_frame_weight: float = 4.0
    flash_loss_weight: float = 0.5
    noise_sd: float = 0.02
    warmup_frames: int = 5
    flash_hold_frames: int = 10
    checkpoint_every: int = 100
    threads: int = 0  # 0 = leave torch's default
    # v2 (``arch="v2"``: :class:`~neurovision.models.dorsal.tracker.TrackerNetV2` on
    # :func:`~neurovision.stimuli.motion.scenes.dynamic_scenes`; see :func:`loss_fn_v2`). Defaults: v1 unchanged
    arch: str = "v1"
    window: int = 8  # postdictive window (frames)
    flash_locator: int = 8  # channels of the v2 flash map
    p_piecewise: float = 0.5
    p_long_occluder: float = 0.5
    p_appear: float = 0.2
    p_vanish: float = 0.2
    p_blank: float = 0.03
    gate_loss_weight: float = 1.0
    postdictive_loss_weight: float = 1.0
    lead_scale: float = 50.0  # the v2 lead parameter's unit (frames)
    velocity_loss_weight: float = 0.0  # v2: weight of the filter velocity's error (px² over 100 ms, seen frames)
    visible_threshold: float = 0.5  # v2: share of the target's mass not occluded for it to count as visible

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; known: {', '.join(TASKS)}")
        if self.steps < 1 or self.batch < 1:
            raise ValueError(f"steps and batch must be >= 1; got steps={self.steps}, batch={self.batch}")
        d = self.delay_frames  # validates the delay against the frame duration
        if d + self.warmup_frames >= self.n_frames:
            raise ValueError(f"delay ({self.delay_ms} ms = {d} frames) plus warm-up ({self.warmup_frames} frames) "
                             f"must be shorter than the video ({self.n_frames} frames)")
        self.channels = tuple(self.channels)
        self.speed_range_deg_s = tuple(self.speed_range_deg_s)
        if self.arch not in ("v1", "v2"):
            raise ValueError(f"arch must be 'v1' or 'v2'; got {self.arch!r}")

    @property
    def delay_frames(self) -> int:
        d = delay_frames_from_ms(self.delay_ms, self.ms_per_frame)
        return 0 if self.task in ("tracking", "occlusion") else d

    @property
    def target(self) -> str:
        return "delayed" if self.task == "control" else "now"


def make_batch(cfg: TrackerTrainConfig, rng: np.random.Generator, batch: int | None = None) -> dict:
    """One batch of inputs and targets (numpy) for ``cfg``'s task (see the module docstring)."""
    if cfg.arch == "v2":
        return make_batch_v2(cfg, rng, batch)
    p_occ = 0.0 if cfg.task == "tracking" else cfg.p_occluder
    sc = random_scenes(batch or cfg.batch, rng, n_frames=cfg.n_frames, height=cfg.height, width=cfg.width,
                       ms_per_frame=cfg.ms_per_frame, px_per_deg=cfg.px_per_deg,
                       speed_range_deg_s=cfg.speed_range_deg_s, p_occluder=p_occ, p_flash=cfg.p_flash,
                       p_flash_near=cfg.p_flash_near, noise_sd=cfg.noise_sd, p_flash_aligned=cfg.p_flash_aligned)
    return targets_for(sc, cfg.delay_frames, cfg.target, cfg.warmup_frames, cfg.flash_hold_frames,
                       tracking_only=cfg.task == "tracking")


def targets_for(sc: dict, delay: int, target: str, warmup: int, hold: int, tracking_only: bool = False) -> dict:
    """Delayed input and per-frame targets/masks for scenes ``sc`` (output of ``random_scenes``)."""
    B, T = sc["visible"].shape
    x = delay_video(sc["video"], delay)
    # the target in the frame the network sees (for the locator): nothing is visible before the delayed input starts
    p_in, v_in = delay_values(sc["position_px"], delay), delay_values(sc["visible"], delay, fill=False)
    pos, vis = sc["position_px"], sc["visible"]
    if target == "delayed":
        pos, vis = p_in, delay_values(vis, delay)
    mask = np.zeros((B, T), bool)
    mask[:, delay + warmup:] = True
    if tracking_only:
        mask &= vis
    # flash targets, in network time: flash j reaches the network at onset + delay
    fl_on = np.zeros((B, T), bool)
    fl_px = np.zeros((B, T, 2), np.float32)
    t = np.arange(T)
    for j in np.argsort(sc["flash_onset"], axis=1).T:  # later onsets overwrite earlier ones
        on = np.take_along_axis(sc["flash_onset"], j[:, None], 1)[:, 0]
        du = np.take_along_axis(sc["flash_duration"], j[:, None], 1)[:, 0]
        p = np.take_along_axis(sc["flash_px"], j[:, None, None], 1)[:, 0]
        act = ((on[:, None] >= 0) & (t[None] >= on[:, None] + delay)
               & (t[None] < on[:, None] + delay + du[:, None] + hold))
        fl_on |= act
        fl_px = np.where(act[..., None], p[:, None, :], fl_px)
    return {"input": x.astype(np.float32), "position_px": pos.astype(np.float32), "visible": vis,
            "input_position_px": p_in.astype(np.float32), "input_visible": v_in,
            "mask": mask, "flash_on": fl_on, "flash_px": fl_px, "true_position_px": sc["position_px"],
            "true_visible": sc["visible"], "speed_deg_s": sc["speed_deg_s"]}


def loss_fn(out: dict, b: dict, hw, flash_frame_weight: float = 1.0,
            flash_loss_weight: float = 0.5, locator_loss_weight: float = 1.0) -> tuple[torch.Tensor, dict]:
    """Total loss and its parts (position and flash errors in px², BCE terms); ``b`` holds torch tensors.

    ``flash_frame_weight``: weight of the target-position error on frames where a flash is being reported
    (relative to 1 elsewhere) — trains the position readout not to be dragged by flashes;
    ``flash_loss_weight``: weight of the flash-position error (px²) in the total.
    """
    h, w = hw
    scale = torch.tensor([w / 2, h / 2], dtype=torch.float32)
    centre = torch.tensor([(w - 1) / 2, (h - 1) / 2], dtype=torch.float32)
    pred_px = out["position"] * scale + centre
    m = b["mask"].float()
    fm = b["flash_on"].float()
    se = ((pred_px - b["position_px"]) ** 2).sum(-1)
    wm = m * (1 + (flash_frame_weight - 1) * fm)
    pos_loss = (se * wm).sum() / wm.sum().clamp(min=1)
    vis_loss = (nn.functional.binary_cross_entropy_with_logits(out["visibility_logit"], b["visible"].float(),
                                                               reduction="none") * m).sum() / m.sum().clamp(min=1)
    fl_pred = out["flash"] * scale + centre
    fl_loss = (((fl_pred - b["flash_px"]) ** 2).sum(-1) * fm).sum() / fm.sum().clamp(min=1)
    fp_loss = nn.functional.binary_cross_entropy_with_logits(out["flash_present_logit"], fm)
    total = pos_loss + flash_loss_weight * fl_loss + vis_loss + fp_loss
    loc_loss = None
    if "locator" in out:  # the locator reports the target in the frame it sees (visible frames only)
        lm = b["input_visible"].float()
        loc_se = ((out["locator"] * scale + centre - b["input_position_px"]) ** 2).sum(-1)
        loc_loss = (loc_se * lm).sum() / lm.sum().clamp(min=1)
        total = total + locator_loss_weight * loc_loss
    with torch.no_grad():
        err = torch.sqrt(se)
        vm = m * b["visible"].float()
        parts = {"loss": float(total), "pos_px2": float(pos_loss), "flash_px2": float(fl_loss),
                 "err_visible_px": float((err * vm).sum() / vm.sum().clamp(min=1))}
        if loc_loss is not None:
            parts["locator_px2"] = float(loc_loss)
    return total, parts


def _to_torch(b: dict) -> dict:
    return {k: torch.from_numpy(np.asarray(v)) for k, v in b.items() if k in
            ("input", "position_px", "visible", "mask", "flash_on", "flash_px", "input_position_px",
             "input_visible", "flash_in", "post_px", "post_mask", "input_velocity_px", "seen")}


def make_batch_v2(cfg: TrackerTrainConfig, rng: np.random.Generator, batch: int | None = None) -> dict:
    """A v2 batch: :func:`~neurovision.stimuli.motion.scenes.dynamic_scenes` and the targets of
    :func:`targets_for`, changed and extended for :func:`loss_fn_v2`:

    * before the network has seen the target (no input frame up to ``t`` shows it) the position target is the
      frame centre — what to report without information — and every frame enters the position loss
      (``mask``: all frames);
    * ``flash_in`` — a flash is in the input frame (network time ``onset + Δ`` … ``onset + Δ + duration − 1``);
    * ``post_px``/``post_mask`` — the postdictive target at network time ``t``: the mean position of the target over
      the input frames ``t − window … t`` in which it is visible (frames with none: masked out);
    * ``input_velocity_px``/``seen`` — the target's velocity in the input frames (px/frame, central differences)
      and the frames after its first sighting (the velocity loss's frames).
    """
    sc = dynamic_scenes(batch or cfg.batch, rng, n_frames=cfg.n_frames, height=cfg.height, width=cfg.width,
                        ms_per_frame=cfg.ms_per_frame, px_per_deg=cfg.px_per_deg,
                        speed_range_deg_s=cfg.speed_range_deg_s, p_piecewise=cfg.p_piecewise,
                        p_occluder=cfg.p_occluder, p_long_occluder=cfg.p_long_occluder, p_flash=cfg.p_flash,
                        p_flash_near=cfg.p_flash_near, p_flash_aligned=cfg.p_flash_aligned, noise_sd=cfg.noise_sd,
                        p_appear=cfg.p_appear, p_vanish=cfg.p_vanish, p_blank=cfg.p_blank,
                        visible_threshold=cfg.visible_threshold)
    d = cfg.delay_frames
    b = targets_for(sc, d, cfg.target, cfg.warmup_frames, cfg.flash_hold_frames)
    B, T = b["mask"].shape
    seen = np.logical_or.accumulate(b["input_visible"], axis=1)
    centre = np.array([(cfg.width - 1) / 2, (cfg.height - 1) / 2], np.float32)
    b["position_px"] = np.where(seen[..., None], b["position_px"], centre).astype(np.float32)
    b["mask"] = np.ones((B, T), bool)
    t = np.arange(T)
    fin = np.zeros((B, T), bool)
    for j in range(sc["flash_onset"].shape[1]):
        on, du = sc["flash_onset"][:, j], sc["flash_duration"][:, j]
        fin |= (on[:, None] >= 0) & (t[None] >= on[:, None] + d) & (t[None] < on[:, None] + d + du[:, None])
    b["flash_in"] = fin
    w = cfg.window
    vis = b["input_visible"].astype(np.float32)
    pin = np.nan_to_num(b["input_position_px"]) * vis[..., None]
    cs_v = np.concatenate([np.zeros((B, 1)), np.cumsum(vis, 1)], 1)
    cs_p = np.concatenate([np.zeros((B, 1, 2)), np.cumsum(pin, 1)], 1)
    lo = np.maximum(t - w, 0)
    n = cs_v[:, t + 1] - cs_v[:, lo]
    b["post_px"] = ((cs_p[:, t + 1] - cs_p[:, lo]) / np.maximum(n, 1)[..., None]).astype(np.float32)
    b["post_mask"] = n > 0
    b["input_velocity_px"] = np.gradient(np.nan_to_num(b["input_position_px"]), axis=1).astype(np.float32)
    b["seen"] = seen & (t[None] >= d + 1)
    return b


def loss_fn_v2(out: dict, b: dict, hw, cfg: TrackerTrainConfig) -> tuple[torch.Tensor, dict]:
    """Loss of the v2 network (``b`` from :func:`make_batch_v2`, as torch tensors): squared error (px²) of the
    predictive report on every frame (flash-report frames weighted ``flash_frame_weight``) + BCE of the visibility
    read-out + ``locator_loss_weight`` × the locator's squared error on input-visible frames +
    ``gate_loss_weight`` × BCE of the visibility gate against "the target is visible in the input frame" +
    ``postdictive_loss_weight`` × the postdictive read-out's squared error (``post_mask`` frames) +
    ``flash_loss_weight`` × the flash memory's squared error (flash-report frames) + BCE of the flash gate against
    "a flash is in the input frame" + ``velocity_loss_weight`` × the squared error of the filter's velocity over
    100 ms (px², frames after the first sighting, hidden ones included)."""
    h, w = hw
    scale = torch.tensor([w / 2, h / 2], dtype=torch.float32)
    centre = torch.tensor([(w - 1) / 2, (h - 1) / 2], dtype=torch.float32)
    bce = nn.functional.binary_cross_entropy_with_logits
    fm = b["flash_on"].float()
    se = ((out["position"] * scale + centre - b["position_px"]) ** 2).sum(-1)
    wm = 1 + (cfg.flash_frame_weight - 1) * fm
    pos_loss = (se * wm).sum() / wm.sum()
    vis_loss = bce(out["visibility_logit"], b["visible"].float())
    lm = b["input_visible"].float()
    loc_loss = (((out["locator"] * scale + centre - b["input_position_px"].nan_to_num()) ** 2).sum(-1) * lm).sum() \
        / lm.sum().clamp(min=1)
    gate_loss = bce(out["gate_logit"], lm)
    pm = b["post_mask"].float()
    post_loss = (((out["postdictive"] * scale + centre - b["post_px"]) ** 2).sum(-1) * pm).sum() / pm.sum().clamp(min=1)
    fl_loss = (((out["flash"] * scale + centre - b["flash_px"]) ** 2).sum(-1) * fm).sum() / fm.sum().clamp(min=1)
    fg_loss = bce(out["flash_gate_logit"], b["flash_in"].float())
    total = (pos_loss + vis_loss + cfg.locator_loss_weight * loc_loss + cfg.gate_loss_weight * gate_loss
             + cfg.postdictive_loss_weight * post_loss + cfg.flash_loss_weight * fl_loss + fg_loss)
    vel_loss = torch.zeros(())
    if cfg.velocity_loss_weight:
        sm = b["seen"].float()
        per_100ms = 100.0 / cfg.ms_per_frame
        vel_se = (((out["state"][..., 2:] * scale - b["input_velocity_px"]) * per_100ms) ** 2).sum(-1)
        vel_loss = (vel_se * sm).sum() / sm.sum().clamp(min=1)
        total = total + cfg.velocity_loss_weight * vel_loss
    with torch.no_grad():
        vm = b["visible"].float()
        err = torch.sqrt(se)
        parts = {"loss": float(total), "pos_px2": float(pos_loss), "flash_px2": float(fl_loss),
                 "locator_px2": float(loc_loss), "post_px2": float(post_loss), "gate_bce": float(gate_loss),
                 "velocity_px2": float(vel_loss),
                 "err_visible_px": float((err * vm).sum() / vm.sum().clamp(min=1))}
    return total, parts


def train(cfg: TrackerTrainConfig, out: str | Path | None = None, *, resume: bool = True, progress: bool = True,
          command: str | None = None, stop_after: int | None = None,
          max_seconds: float | None = None) -> tuple[TrackerModel, dict]:
    """Train a tracker on ``cfg``; write ``out`` (weights + config) and ``out`` with ``.json`` (provenance).

    Resumable: with ``resume=True`` and an existing ``<out>.state.pt`` the run continues from the saved step.
    ``stop_after``: finish after this many steps of the ``cfg.steps``-step schedule (the learning-rate schedule
    and the batches are those of the full run, so the result is exactly reproducible with the same option).
    ``max_seconds``: a wall-clock budget; when it runs out the run stops at the end of the current step, as if
    ``stop_after`` had been that step count (the JSON's command then carries ``--stop-after N`` so that the
    checkpoint is reproducible without the time limit).
    Returns the trained :class:`TrackerModel` and a dict of training info (losses, timing, sha256).
    """
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    load_at_start = machine_info()["loadavg_1min"]
    net, opt, sched = _network_and_optimiser(cfg)
    start, history, elapsed = 0, [], 0.0
    state_path = None if out is None else Path(str(out) + ".state.pt")
    if resume and state_path is not None and state_path.is_file():
        start, history, elapsed = _resume_from_state(state_path, cfg, net, opt, sched)
    net.train()
    t0 = time.time() - elapsed
    stop = cfg.steps if stop_after is None else min(cfg.steps, int(stop_after))
    if stop < start:
        raise ValueError(f"stop_after={stop_after} is before the resumed step {start}")
    stop, command = _run_steps(cfg, net, opt, sched, history, start, stop, t0, state_path, progress=progress,
                               command=command, max_seconds=max_seconds)
    train_s = time.time() - t0
    net.eval()
    info = _training_summary(cfg, history, stop, train_s)
    wrap = make_v2_model if cfg.arch == "v2" else make_model
    model = wrap(net, identifier=f"tracker_{cfg.task}", ms_per_frame=cfg.ms_per_frame,
                 px_per_deg=cfg.px_per_deg, delay_frames=cfg.delay_frames, target=cfg.target)
    if out is not None:
        _write_checkpoint(Path(out), cfg, net, model, info, command, stop, train_s, load_at_start)
    return model, info


def _cosine_lr_factor(step: int, steps: int) -> float:
    """Learning-rate multiplier at ``step`` of a ``steps``-step schedule: cosine decay from 1 to 0.05."""
    return 0.5 * (1 + math.cos(math.pi * min(step, steps) / steps)) * 0.95 + 0.05


def _network_and_optimiser(cfg: TrackerTrainConfig):
    """The network initialised from ``torch.manual_seed(cfg.seed)``, its Adam optimiser (``cfg.lr``) and the
    cosine learning-rate schedule over ``cfg.steps`` steps (:func:`_cosine_lr_factor`)."""
    torch.manual_seed(cfg.seed)
    if cfg.arch == "v2":
        net = TrackerNetV2(cfg.height, cfg.width, cfg.channels[0], cfg.locator, cfg.hidden, cfg.window,
                           cfg.flash_locator, cfg.lead_scale)
    else:
        net = TrackerNet(cfg.height, cfg.width, cfg.channels, cfg.embed, cfg.hidden, cfg.flash_hidden, cfg.locator,
                         cfg.core_embed)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _cosine_lr_factor(s, cfg.steps))
    return net, opt, sched


def _resume_from_state(state_path: Path, cfg: TrackerTrainConfig, net, opt, sched) -> tuple[int, list, float]:
    """Load weights, optimiser and schedule from a state file of the same config; returns the step to continue
    from, the loss history so far and the seconds already trained. ValueError for a state of another config."""
    st = torch.load(state_path, map_location="cpu", weights_only=False)
    if st["config"] != asdict(cfg):
        raise ValueError(f"{state_path} was written by a different config; delete it or pass resume=False")
    net.load_state_dict(st["state_dict"])
    opt.load_state_dict(st["optimizer"])
    sched.load_state_dict(st["scheduler"])
    return st["step"], st["history"], st["elapsed_s"]


def _run_steps(cfg: TrackerTrainConfig, net, opt, sched, history: list, start: int, stop: int, t0: float,
               state_path: Path | None, *, progress: bool, command: str | None,
               max_seconds: float | None) -> tuple[int, str | None]:
    """Optimiser steps ``start`` … ``stop - 1`` on the batches of :func:`make_batch` drawn from
    ``numpy.random.default_rng([cfg.seed, step])``, each step's loss parts appended to ``history``; the
    resumable state is saved every ``cfg.checkpoint_every`` steps and at the end. Returns the step count reached
    and the command, both changed when ``max_seconds`` ran out (``--stop-after`` set to that count)."""
    bar = tqdm(range(start, stop), initial=start, total=stop, desc=f"tracker[{cfg.task}]",
               disable=not progress, mininterval=2.0)
    hw = (cfg.height, cfg.width)
    for step in bar:
        parts = _optimisation_step(cfg, net, opt, sched, make_batch(cfg, np.random.default_rng([cfg.seed, step])), hw)
        history.append(parts)
        if step % 20 == 0:
            bar.set_postfix(loss=f"{parts['loss']:.3f}", err_px=f"{parts['err_visible_px']:.2f}")
        out_of_time = max_seconds is not None and time.time() - t0 > max_seconds and step + 1 < stop
        if out_of_time:
            stop = step + 1
            if command is not None:
                command = _with_stop_after(command, stop)
        if state_path is not None and ((step + 1) % cfg.checkpoint_every == 0 or step + 1 == stop):
            _save_state(state_path, cfg, net, opt, sched, step + 1, history, time.time() - t0)
        if out_of_time:
            break
    bar.close()
    return stop, command


def _optimisation_step(cfg: TrackerTrainConfig, net, opt, sched, batch: dict, hw) -> dict:
    """One Adam step on a numpy ``batch`` (gradients clipped at norm 1, then the schedule advances); returns the
    loss parts of :func:`loss_fn` before the step."""
    b = _to_torch(batch)
    outp = net(b["input"])
    if cfg.arch == "v2":
        loss, parts = loss_fn_v2(outp, b, hw, cfg)
        parts["lead_frames"] = float(net.lead.detach()) * net.lead_scale
    else:
        loss, parts = loss_fn(outp, b, hw, cfg.flash_frame_weight, cfg.flash_loss_weight, cfg.locator_loss_weight)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    sched.step()
    return parts


def _with_stop_after(command: str, stop: int) -> str:
    """``command`` with its ``--stop-after`` option (if any) replaced by ``--stop-after <stop>`` at the end."""
    return re.sub(r" --stop-after \d+", "", command) + f" --stop-after {stop}"


def _save_state(state_path: Path, cfg: TrackerTrainConfig, net, opt, sched, step: int, history: list,
                elapsed_s: float) -> None:
    """Write the resumable state (config, weights, optimiser, schedule, step, history, seconds) atomically."""
    save_atomic({"config": asdict(cfg), "state_dict": net.state_dict(), "optimizer": opt.state_dict(),
                 "scheduler": sched.state_dict(), "step": step, "history": history, "elapsed_s": elapsed_s},
                state_path)


def _training_summary(cfg: TrackerTrainConfig, history: list, stop: int, train_s: float) -> dict:
    """Training info: seconds, mean loss and visible-frame error (px) of the last 50 steps, the first step's loss,
    schedule length and steps done."""
    return {"train_seconds": train_s,
            "final_loss": float(np.mean([h["loss"] for h in history[-50:]])) if history else None,
            "final_err_visible_px_train": float(np.mean([h["err_visible_px"] for h in history[-50:]]))
            if history else None,
            "loss_first": history[0]["loss"] if history else None, "steps": cfg.steps, "steps_done": stop}


def _model_config(cfg: TrackerTrainConfig) -> dict:
    """What :func:`neurovision.models.dorsal.tracker.load_tracker_checkpoint` needs to rebuild the network and its
    units (frame size, widths, ms per frame, px per deg, delay in frames, target)."""
    out = {"height": cfg.height, "width": cfg.width, "channels": list(cfg.channels), "embed": cfg.embed,
           "hidden": cfg.hidden, "flash_hidden": cfg.flash_hidden, "locator": cfg.locator,
           "core_embed": cfg.core_embed,
           "ms_per_frame": cfg.ms_per_frame, "px_per_deg": cfg.px_per_deg,
           "delay_frames": cfg.delay_frames, "target": cfg.target, "task": cfg.task}
    if cfg.arch == "v2":
        out.update(arch="v2", window=cfg.window, flash_locator=cfg.flash_locator, lead_scale=cfg.lead_scale)
    return out


def _write_checkpoint(out: Path, cfg: TrackerTrainConfig, net, model: TrackerModel, info: dict, command: str | None,
                      stop: int, train_s: float, load_at_start) -> None:
    """Write the final checkpoint ``out`` (model config + weights) atomically and its JSON (command, configs,
    sha256, steps, timing, machine, final training metrics); adds ``sha256`` and ``checkpoint`` to ``info`` and
    points ``model`` at the file."""
    model_cfg = _model_config(cfg)
    save_atomic({"config": model_cfg, "state_dict": net.state_dict()}, out)
    sha = file_sha256(out)
    info["sha256"] = sha
    info["checkpoint"] = out.name
    model.checkpoint_path, model.checkpoint_sha256 = str(out), sha
    write_json_atomic(out.with_suffix(".json"), {
        "command": command or " ".join([Path(sys.executable).name, "-m", "neurovision.training.tracker"]
                                       + cli_args(cfg, out)),
        "seed": cfg.seed, "sha256": sha, "train_config": asdict(cfg), "model_config": model_cfg,
        "steps_done": stop, "schedule_steps": cfg.steps,
        "train_seconds": round(train_s, 1), "torch": torch.__version__, "threads": torch.get_num_threads(),
        "machine": {**machine_info(), "loadavg_1min_at_start": load_at_start},
        "final_train_loss": info["final_loss"], "final_train_err_visible_px": info["final_err_visible_px_train"],
    })


def cli_args(cfg: TrackerTrainConfig, out: Path) -> list[str]:
    """The ``neurovision train tracker`` arguments that reproduce ``cfg`` (without ``--threads``/``--stop-after``)."""
    return ["--task", cfg.task, "--delay-ms", f"{cfg.delay_ms:g}", "--steps", str(cfg.steps), "--batch",
            str(cfg.batch), "--seed", str(cfg.seed), "--lr", f"{cfg.lr:g}", "--n-frames", str(cfg.n_frames),
            "--p-flash", f"{cfg.p_flash:g}", "--p-flash-aligned", f"{cfg.p_flash_aligned:g}",
            "--flash-frame-weight", f"{cfg.flash_frame_weight:g}", "--flash-loss-weight", f"{cfg.flash_loss_weight:g}",
            *(["--flash-hidden", str(cfg.flash_hidden)] if cfg.flash_hidden else []),
            *(["--locator", str(cfg.locator), "--locator-loss-weight", f"{cfg.locator_loss_weight:g}"]
              if cfg.locator else []),
            *([] if cfg.core_embed else ["--core-locator-only"]),
            "--out", str(out)]


def machine_info() -> dict:
    """Where a run happened: platform, CPU count, torch threads, 1-min load average at the time of the call."""
    import platform
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
            "loadavg_1min": load}


V2_DEFAULTS = {"arch": "v2", "task": "compensated", "delay_ms": 50.0, "steps": 1200, "batch": 24, "lr": 3e-3,
               "channels": (8, 16, 16), "locator": 8, "flash_locator": 4, "hidden": 64, "p_flash_aligned": 0.5}


def v2_config(argv: list[str]) -> tuple[TrackerTrainConfig, argparse.Namespace]:
    """Parse ``python -m neurovision.training.tracker v2 [--field value ...]``: every
    :class:`TrackerTrainConfig` field is an option (``--p-appear 0.2``), defaults :data:`V2_DEFAULTS` over the
    dataclass's; plus ``--out``, ``--stop-after``, ``--max-minutes``, ``--no-resume``, ``--no-eval``."""
    d = {**asdict(TrackerTrainConfig()), **V2_DEFAULTS}
    p = argparse.ArgumentParser(prog="python -m neurovision.training.tracker v2")
    for k, v in d.items():
        typ = type(v)
        if isinstance(v, tuple):
            p.add_argument("--" + k.replace("_", "-"), type=type(v[0]), nargs="+", default=v)
        elif typ is bool:
            p.add_argument("--" + k.replace("_", "-"), type=lambda s: s.lower() in ("1", "true", "yes"), default=v)
        else:
            p.add_argument("--" + k.replace("_", "-"), type=typ, default=v)
    p.add_argument("--out", required=True)
    p.add_argument("--stop-after", type=int, default=None)
    p.add_argument("--max-minutes", type=float, default=None)
    p.add_argument("--no-resume", action="store_true")
    p.add_argument("--no-eval", action="store_true")
    args = p.parse_args(argv)
    cfg = TrackerTrainConfig(**{k: getattr(args, k) for k in d})
    return cfg, args


def v2_command(cfg: TrackerTrainConfig, args: argparse.Namespace) -> str:
    """The command that reproduces a v2 run: the task, the seed and every field that differs from
    :data:`V2_DEFAULTS` / the dataclass."""
    d = {**asdict(TrackerTrainConfig()), **V2_DEFAULTS}
    opts = []
    for k, v in asdict(cfg).items():
        if k in ("threads", "checkpoint_every") or (v == d[k] and k not in ("task", "seed")):
            continue
        opts.append(f"--{k.replace('_', '-')} " + (" ".join(map(str, v)) if isinstance(v, tuple) else str(v)))
    cmd = "python -m neurovision.training.tracker v2 " + " ".join(opts + [f"--out {args.out}"])
    if cfg.threads:
        cmd += f" --threads {cfg.threads}"
    if args.stop_after is not None:
        cmd += f" --stop-after {args.stop_after}"
    return cmd


def v2_main(argv: list[str]) -> int:
    """Train a v2 tracker from the command line (:func:`v2_config`) and print its evaluation."""
    cfg, args = v2_config(argv)
    model, info = train(cfg, args.out, resume=not args.no_resume, command=v2_command(cfg, args),
                        stop_after=args.stop_after,
                        max_seconds=None if args.max_minutes is None else args.max_minutes * 60)
    print({k: v for k, v in info.items()})
    if not args.no_eval:
        from ..analysis.tracker_evaluation import evaluate_tracker
        print(evaluate_tracker(model))
    return 0


if __name__ == "__main__":  # ``python -m neurovision.training.tracker ...`` = ``neurovision train tracker ...``
    if sys.argv[1:2] == ["v2"]:
        raise SystemExit(v2_main(sys.argv[2:]))
    from ..cli import main
    raise SystemExit(main(["train", "tracker", *sys.argv[1:]]))
