"""The dorsal-stream tracker: a small convolutional front end feeding a GRU, with linear readouts.

Architecture (:class:`TrackerNet`, input ``(batch, time, height, width)`` floats in [0, 1], default 32 × 32 px):

* ``encoder`` — 3 convolutions with ReLU, applied to every frame independently:
  ``encoder.0`` 1→8 channels, 5×5, stride 2 (32→16 px); ``encoder.2`` 8→16, 3×3, stride 2 (16→8 px);
  ``encoder.4`` 16→16, 3×3, stride 1 (8 px). Output ``(batch*time, 16, 8, 8)``.
* ``embed`` — flatten + linear (1024→128) + ReLU, per frame.
* ``core`` — a GRU (128→128 units) over time; ``core_output`` (an Identity) exposes the hidden state at every
  time step, ``(batch, time, 128)``, for forward hooks / RSA (the latent-variable analysis of Rajalingham,
  Sohn & Jazayeri 2022 asks whether position is represented while the target is occluded).
* readouts (linear, from the hidden state at each step): ``readout_position`` — the target's position
  (x, y) in normalised frame units; ``readout_visibility`` — logit that the target is visible;
  ``readout_flash`` — position of the most recent flash; ``readout_flash_present`` — logit that a flash was
  seen in the last few frames.
* optional flash pathway (``flash_hidden > 0``): ``flash_embed`` (its own flatten + linear + ReLU of the encoder
  output) → ``flash_core`` (a GRU of ``flash_hidden`` units; ``flash_core_output`` exposes its states) feeding
  ``readout_flash`` and ``readout_flash_present``, so that holding a flash in memory does not share units with
  tracking the target (``flash_hidden = 0``: the flash readouts read ``core`` like the target readouts).

* optional locator (``locator > 0``): ``locator.0`` (3×3 conv, ``locator`` channels, on encoder.0's stride-2
  output, ReLU) → ``locator.2`` (3×3 conv → one map of logits, 16 × 16 for 32-px frames, receptive field
  9 px) → spatial soft-argmax (:func:`soft_argmax`) → ``locator_output`` ``(batch*time, 3)``: where the target
  is in the frame the network sees (x, y, normalised units) and a confidence (log-sum-exp of the map). It is
  trained with its own loss (the target's position in the input frame, visible frames) and its output is an
  input of ``core``. ``core_embed=False`` makes it the core's *only* input, so that the target pathway never
  sees the frame embedding: then a flash can move the target estimate only through the locator map. The
  embedding's receptive field (17 px of a 32-px frame) sees the target and a flash several degrees away in the
  same units, which made trackers without a locator stand still while a flash was on (README, Dorsal stream).

About 0.23 M parameters (channels and widths are constructor arguments). ``forward`` is plain (no device moves,
no bookkeeping); the input delay Δ of the latency-compensation task is applied on the data side
(:func:`neurovision.stimuli.videos.delay_video`) by :meth:`~neurovision.models.base.VideoModel.network_input`, which
both :meth:`TrackerModel.run` and :func:`neurovision.activations.extract_layers` use.

:class:`TrackerModel` is a :class:`~neurovision.models.base.VideoModel`: stimuli are videos
``(presentation, time, height, width)``; every layer's activations are time-resolved
(``presentation × neuroid × time_bin``, network time). The GRU layers output ``(batch, time, units)``, the per-frame
layers (``encoder.*``, ``embed``, ``flash_embed``, ``locator.*``, ``locator_output``) ``(batch * time, ...)``.

Normalised position units: ``u = (px - (size - 1) / 2) / (size / 2)``; :meth:`TrackerModel.run` converts to
pixels and degrees (deg from the frame centre, y downwards, as in :mod:`neurovision.stimuli.motion`).

Checkpoints: ``neurovision/models/checkpoints/tracker_delay50.pt`` (trained with a 50-ms input delay and the
target "position now": latency compensation) and ``tracker_delay50_control.pt`` (same delay, target =
delayed position: the uncompensated control); both are built with ``flash_hidden=64, locator=16,
core_embed=False`` (0.23 M parameters). Each has a JSON beside it with the exact command, seed and
sha256 (see :mod:`neurovision.training.tracker`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ...cache import file_sha256
from ...stimuli.motion import px_to_deg
from ..base import VideoModel, seeded
from ..commitment import a_priori_map

CHECKPOINT_DIR = Path(__file__).resolve().parents[1] / "checkpoints"
DEFAULT_CHECKPOINT = CHECKPOINT_DIR / "tracker_delay50.pt"
CONTROL_CHECKPOINT = CHECKPOINT_DIR / "tracker_delay50_control.pt"

LAYERS = ["encoder.0", "encoder.2", "encoder.4", "embed", "core_output", "readout_position", "readout_visibility",
          "readout_flash", "readout_flash_present"]
#: the flash pathway's own layers (networks built with ``flash_hidden > 0``)
FLASH_LAYERS = ["flash_embed", "flash_core_output"]
#: the locator's layers (networks built with ``locator > 0``)
LOCATOR_LAYERS = ["locator.0", "locator.2", "locator_output"]


class TrackerNet(nn.Module):
    """Conv encoder (3 layers, first stride 2) → GRU → linear readouts; see the module docstring.

    ``forward(video)`` takes ``(B, T, H, W)`` float and returns a dict of tensors: ``position`` ``(B, T, 2)``
    (normalised units), ``visibility_logit`` ``(B, T)``, ``flash`` ``(B, T, 2)`` (normalised units),
    ``flash_present_logit`` ``(B, T)`` and ``hidden`` ``(B, T, hidden)``.
    """

    def __init__(self, height: int = 32, width: int = 32, channels=(8, 16, 16), embed: int = 128, hidden: int = 128,
                 flash_hidden: int = 0, locator: int = 0, core_embed: bool = True):
        super().__init__()
        c1, c2, c3 = channels
        self.height, self.width = height, width
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(c2, c3, 3, stride=1, padding=1), nn.ReLU(),
        )
        h, w = (height + 3) // 4, (width + 3) // 4

        def frame_embedding():  # flatten + linear + ReLU of the encoder output, per frame
            return nn.Sequential(nn.Flatten(), nn.Linear(c3 * h * w, embed), nn.ReLU())

        # core_embed=False: not kept, nothing would read it. Its initial weights are still drawn, so that a seed
        # gives every other module the initial weights it had in the committed checkpoints' training runs
        embedding = frame_embedding()
        if core_embed:
            self.embed = embedding
        # locator > 0: a target map at stride 2 (on encoder.0's output, receptive field 9 px) whose spatial
        # soft-argmax (x, y) and log-sum-exp confidence are extra inputs of the core (see the module docstring)
        self.locator_channels = locator
        # core_embed=False (needs a locator): the core sees only the locator's (x, y, confidence), not the frame
        self.core_embed = core_embed
        if not (core_embed or locator):
            raise ValueError("core_embed=False leaves the core without input; it needs locator > 0")
        if locator:
            self.locator = nn.Sequential(nn.Conv2d(c1, locator, 3, padding=1), nn.ReLU(),
                                         nn.Conv2d(locator, 1, 3, padding=1))
            self.locator_output = nn.Identity()
        self.core = nn.GRU((embed if core_embed else 0) + (3 if locator else 0), hidden, batch_first=True)
        self.core_output = nn.Identity()
        self.readout_position = nn.Linear(hidden, 2)
        self.readout_visibility = nn.Linear(hidden, 1)
        # flash_hidden > 0: the flash readouts get a recurrent core of their own (see the module docstring)
        self.flash_hidden = flash_hidden
        if flash_hidden:
            self.flash_embed = frame_embedding()
            self.flash_core = nn.GRU(embed, flash_hidden, batch_first=True)
            self.flash_core_output = nn.Identity()
        fh = flash_hidden or hidden
        self.readout_flash = nn.Linear(fh, 2)
        self.readout_flash_present = nn.Linear(fh, 1)

    def forward(self, video: torch.Tensor) -> dict:
        B, T, H, W = video.shape
        f0 = self.encoder[:2](video.reshape(B * T, 1, H, W))  # encoder.0 + ReLU: the locator's input
        f = self.encoder[2:](f0)
        e = self.embed(f).reshape(B, T, -1) if self.core_embed else None
        out = {}
        if self.locator_channels:
            loc = self.locator_output(soft_argmax(self.locator(f0)[:, 0], (H, W)))  # (B*T, 3)
            loc = loc.reshape(B, T, 3)
            out["locator"] = loc[..., :2]
            e = torch.cat([e, loc], -1) if self.core_embed else loc
        h, _ = self.core(e)
        h = self.core_output(h)
        if self.flash_hidden:
            hf = self.flash_core_output(self.flash_core(self.flash_embed(f).reshape(B, T, -1))[0])
        else:
            hf = h
        return {
            "position": self.readout_position(h),
            "visibility_logit": self.readout_visibility(h).squeeze(-1),
            "flash": self.readout_flash(hf),
            "flash_present_logit": self.readout_flash_present(hf).squeeze(-1),
            "hidden": h,
            **out,
        }


def soft_argmax(logits: torch.Tensor, size_hw) -> torch.Tensor:
    """Spatial soft-argmax of a map ``(N, h, w)`` of logits over a frame of ``size_hw = (H, W)`` px.

    Returns ``(N, 3)``: the softmax-weighted mean position (x, y) in normalised frame units (see
    :func:`px_to_norm`; cell centres of a map at stride ``H / h`` are at ``(i + 0.5) * stride - 0.5`` px) and the
    log-sum-exp of the logits (a confidence: high when one place stands out). Differentiable; the expected
    position of a soft-max over locations, as in the spatial soft-argmax of Levine et al. (2016) JMLR 17:1-40.
    """
    N, h, w = logits.shape
    H, W = size_hw
    flat = logits.reshape(N, h * w)
    p = torch.softmax(flat, 1).reshape(N, h, w)
    xs = ((torch.arange(w, dtype=logits.dtype, device=logits.device) + 0.5) * (W / w) - 0.5 - (W - 1) / 2) / (W / 2)
    ys = ((torch.arange(h, dtype=logits.dtype, device=logits.device) + 0.5) * (H / h) - 0.5 - (H - 1) / 2) / (H / 2)
    x = (p.sum(1) * xs).sum(1)
    y = (p.sum(2) * ys).sum(1)
    return torch.stack([x, y, torch.logsumexp(flat, 1)], 1)


def norm_to_px(u, size_hw) -> np.ndarray:
    """Normalised units ``(..., 2)`` → px (column, row) for a frame of ``size_hw = (height, width)``."""
    h, w = size_hw
    u = np.asarray(u, np.float64)
    return u * np.array([w / 2, h / 2]) + np.array([(w - 1) / 2, (h - 1) / 2])


def px_to_norm(px, size_hw) -> np.ndarray:
    """px (column, row) ``(..., 2)`` → normalised units (inverse of :func:`norm_to_px`)."""
    h, w = size_hw
    px = np.asarray(px, np.float64)
    return (px - np.array([(w - 1) / 2, (h - 1) / 2])) / np.array([w / 2, h / 2])


def _forward_in_batches(model: VideoModel, video, delay_frames: int | None, batch_size: int) -> tuple[bool, dict]:
    """``(single, outputs)``: whether ``video`` was one ``(T, H, W)`` video, and the network's output dict as numpy
    arrays for the delayed input (:meth:`~neurovision.models.base.VideoModel.network_input`), ``batch_size`` videos
    per forward pass, in eval mode without gradients."""
    single = np.asarray(video).ndim == 3
    x = model.network_input(video, delay_frames)
    outs = []
    model.network.eval()
    with torch.no_grad():
        for i in range(0, x.shape[0], batch_size):
            outs.append({k: v.numpy() for k, v in model.network(x[i:i + batch_size]).items()})
    return single, {k: np.concatenate([b[k] for b in outs]) for k in outs[0]}


def _preprocess_video(video) -> torch.Tensor:
    """Video ``(T, H, W)`` or ``(B, T, H, W)``, float in [0, 1] or uint8 → float32 tensor ``(B, T, H, W)``."""
    v = np.asarray(video)
    if v.dtype == np.uint8:
        v = v.astype(np.float32) / 255.0
    if v.ndim == 3:
        v = v[None]
    if v.ndim != 4:
        raise ValueError(f"video must be (time, height, width) or (batch, time, height, width); got {v.shape}")
    return torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))


@dataclass
class TrackerModel(VideoModel):
    """The tracker as a :class:`~neurovision.models.base.VideoModel`, plus its training commitments.

    ``ms_per_frame`` (ms) and ``px_per_deg`` fix how stimuli in physical units are shown to it;
    ``delay_frames`` is the input delay Δ it was trained with; ``target`` is ``"now"`` (latency compensation)
    or ``"delayed"`` (uncompensated control); ``checkpoint_path`` / ``checkpoint_sha256`` name the weights file.
    """

    delay_frames: int = 5
    target: str = "now"
    checkpoint_path: str | None = None
    checkpoint_sha256: str | None = None

    def run(self, video, delay_frames: int | None = None, batch_size: int = 64) -> dict:
        """Run the tracker on ``video`` ``(T, H, W)`` or ``(B, T, H, W)`` (float in [0, 1] or uint8).

        The input delay (default: the trained ``delay_frames``) is applied on the data side
        (:meth:`~neurovision.models.base.VideoModel.network_input`); ``batch_size`` videos go through the network
        at a time. Returns numpy arrays indexed by network time (frame ``t`` of the output saw input frame
        ``t - delay``): ``position_px``/``position_deg`` ``(B, T, 2)``, ``visible_prob`` ``(B, T)``,
        ``flash_px``/``flash_deg`` ``(B, T, 2)``, ``flash_present_prob`` ``(B, T)``, ``hidden`` ``(B, T, n_hidden)``
        (the ``core_output`` layer: :func:`neurovision.activations.extract_layers` gives the same values as
        ``presentation × neuroid × time_bin``); the batch axis is dropped for a single ``(T, H, W)`` video.
        """
        single, o = _forward_in_batches(self, video, delay_frames, batch_size)
        hw = (self.height, self.width)
        pos_px = norm_to_px(o["position"], hw)
        fl_px = norm_to_px(o["flash"], hw)
        res = {
            "position_px": pos_px,
            "position_deg": px_to_deg(pos_px, self.height, self.width, self.px_per_deg),
            "visible_prob": 1 / (1 + np.exp(-o["visibility_logit"])),
            "flash_px": fl_px,
            "flash_deg": px_to_deg(fl_px, self.height, self.width, self.px_per_deg),
            "flash_present_prob": 1 / (1 + np.exp(-o["flash_present_logit"])),
            "hidden": o["hidden"],
        }
        return {k: v[0] for k, v in res.items()} if single else res


def make_model(network: TrackerNet, *, identifier: str = "tracker", ms_per_frame: float = 10.0,
               px_per_deg: float = 1.0, delay_frames: int = 5, target: str = "now",
               checkpoint_path=None, checkpoint_sha256=None, description: str = "") -> TrackerModel:
    """Wrap a :class:`TrackerNet` with its commitments as a :class:`TrackerModel`.

    Every tracker network commits its recurrent core's output to the dorsal stream, the map stored in
    ``neurovision/models/commitments/tracker.json``; ``visual_degrees`` = frame width / ``px_per_deg``."""
    if target not in ("now", "delayed"):
        raise ValueError(f"target must be 'now' or 'delayed'; got {target!r}")
    return TrackerModel(
        identifier=identifier, network=network, preprocess=_preprocess_video,
        layers=[n for n in LAYERS if n != "embed" or getattr(network, "core_embed", True)]
        + (list(FLASH_LAYERS) if getattr(network, "flash_hidden", 0) else [])
        + (list(LOCATOR_LAYERS) if getattr(network, "locator_channels", 0) else []),
        region_layer_map=a_priori_map("tracker"), visual_degrees=network.width / px_per_deg,
        description=description or "conv encoder -> GRU -> linear readouts of target position, visibility and "
        "flash (dorsal-stream tracker)", height=network.height,
        width=network.width, ms_per_frame=ms_per_frame, px_per_deg=px_per_deg, delay_frames=delay_frames,
        target=target, checkpoint_path=None if checkpoint_path is None else str(checkpoint_path),
        checkpoint_sha256=checkpoint_sha256,
    )


def load_tracker_checkpoint(path, identifier: str | None = None) -> TrackerModel:
    """Load a tracker checkpoint written by :mod:`neurovision.training.tracker` (weights + config)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"tracker checkpoint {path} not found; train one with "
                                f"`python -m neurovision.training.tracker --out {path}` (see its JSON for the "
                                f"command that produced the committed checkpoint)")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    cfg = blob["config"]
    net = TrackerNet(height=cfg["height"], width=cfg["width"], channels=tuple(cfg["channels"]),
                     embed=cfg["embed"], hidden=cfg["hidden"], flash_hidden=cfg.get("flash_hidden", 0),
                     locator=cfg.get("locator", 0), core_embed=cfg.get("core_embed", True))
    state = blob["state_dict"]
    if not net.core_embed:
        # checkpoints trained before the unused embedding stopped being built carry it at its initial values
        # (it never received a gradient); it is not part of the network
        state = {k: v for k, v in state.items() if not k.startswith("embed.")}
    net.load_state_dict(state)
    return make_model(net, identifier=identifier or path.stem, ms_per_frame=cfg["ms_per_frame"],
                      px_per_deg=cfg["px_per_deg"], delay_frames=cfg["delay_frames"], target=cfg["target"],
                      checkpoint_path=path, checkpoint_sha256=file_sha256(path),
                      description=f"tracker trained on task {cfg['task']!r} (delay {cfg['delay_frames']} frames)")


def build(checkpoint: str | Path | None = DEFAULT_CHECKPOINT, pretrained: bool = True) -> TrackerModel:
    """The registered tracker: the committed latency-compensation checkpoint (50 ms delay), or an untrained
    network with the default commitments when ``pretrained=False``."""
    if not pretrained or checkpoint is None:
        return make_model(seeded(TrackerNet, 0), identifier="tracker_untrained")
    return load_tracker_checkpoint(checkpoint, identifier="tracker")


def build_control() -> TrackerModel:
    """The uncompensated control (same delay, trained to report the delayed position)."""
    return load_tracker_checkpoint(CONTROL_CHECKPOINT, identifier="tracker_control")


class TrackerNetV2(nn.Module):
    """The v2 tracker: a trained locator with a visibility gate feeding a recurrent, gated filter, plus a
    postdictive readout and a flash memory.

    Input ``(B, T, H, W)`` floats in [0, 1] (already delayed by Δ on the data side). Layers (module names, for
    hooks; per-frame layers output ``(B * T, ...)``, the others ``(B, T, ...)``):

    * ``encoder.0`` — 1→``c1`` channels, 5×5, stride 2, ReLU (``encoder.1``): the shared front end.
    * ``locator.0``/``locator.2`` — 3×3 convolutions (``locator`` channels, ReLU, then one map of logits at stride
      2) → spatial soft-argmax (:func:`soft_argmax`) → ``locator_output`` ``(B*T, 3)``: the target's position ``z``
      in the frame the network sees (x, y, normalised units) and the map's log-sum-exp.
    * ``visibility_gate`` — linear read-out of the locator features' spatial maxima and the log-sum-exp → logit
      that the target is in view of the input frame; ``gate_output`` ``(B, T)`` = its probability ``g``.
    * ``core`` (a GRU cell, ``hidden`` units; ``core_output`` ``(B, T, hidden)``) — per frame it receives the gate,
      the gated innovation ``g (z − p̂)`` (px), the gated measurement ``g z``, the prediction ``p̂``, the velocity
      (px/frame) and whether the target has been seen (``s``), and sets the two gains of the filter step
      (``gains_output`` ``(B, T, 2)``, sigmoids of a linear read-out ``gains``):
      ``p ← p̂ + g² k_p (z − p̂)``, ``v ← v + g² s k_v / 2 (z − p̂)``, ``p̂ = p + v`` (one frame of constant-velocity
      prediction); the first sighting sets the position (gain 1) and is not a velocity measurement
      (``s ← s + g² (1 − s)``). ``state_output`` ``(B, T, 4)``: p (normalised units), v (normalised units per
      frame). With ``g = 0`` (nothing in view: occluded, vanished, never shown) the state coasts at its last
      velocity; before anything has been seen it stays at p = 0 (the frame centre), v = 0. An α-β
      (constant-velocity Kalman) filter whose gains are set by a GRU and whose measurement gate is learnt (Kalman
      1960; Bar-Shalom, Li & Kirubarajan 2001, §5.5 gating, §6.3 the α-β filter).
    * ``readout_position`` ``(B, T, 2)`` — the predictive report ``p + λ v``: λ = ``lead_scale`` × ``lead``
      frames, a trained scalar (scaled so that Adam's steps of about the learning rate reach several frames): the
      latency compensation (Nijhawan 1994, Nature 370:256); for the uncompensated control it only offsets the
      filter's own lag.
    * ``readout_visibility`` — linear read-out of the core: logit that the target is visible (now, or in the
      delayed frame for the control).
    * ``postdictive_output`` ``(B, T, 2)`` — at network time ``t`` the weighted mean of the gated locator
      measurements of the last ``window + 1`` input frames, ``(Σ_k a_k g²_{t-k} z_{t-k} + ε c) /
      (Σ_k a_k g²_{t-k} + ε)`` (``a_k`` = softplus of trained weights, ε = 0.05) with the prior ``c`` = the
      filter's estimate at the window's centre, ``p − (window / 2) v`` (what it reports when nothing was seen):
      the position of the moment ``window`` frames back, from the input up to ``window`` frames after it
      (Eagleman & Sejnowski 2000, Science 287:2036-2038: the percept of an event integrates ~80 ms of what
      follows it). :meth:`TrackerV2Model.run` aligns it with that moment.
    * ``flash_locator.0``/``flash_locator.2`` — the same kind of map for the flash; ``flash_gate`` — logit that a
      flash is in the input frame; ``flash_output`` ``(B, T, 3)`` — the flash memory, its position
      ``f ← f + q (loc_f − f)`` (q = the flash gate's probability), held after the flash, and ``q``.

    ``forward`` returns ``position``, ``visibility_logit``, ``flash``, ``flash_present_logit`` (as
    :class:`TrackerNet`; here the flash gate of the current frame), ``hidden`` (the core), ``locator``,
    ``gate_logit``, ``state``, ``postdictive`` and ``flash_gate_logit``. About 17 k parameters with the defaults
    of :data:`neurovision.training.tracker.V2_DEFAULTS`.
    """

    def __init__(self, height: int = 32, width: int = 32, c1: int = 8, locator: int = 16, hidden: int = 64,
                 window: int = 8, flash_locator: int = 8, lead_scale: float = 50.0):
        super().__init__()
        self.lead_scale = float(lead_scale)
        self.height, self.width, self.hidden_size, self.window = height, width, hidden, window
        self.encoder = nn.Sequential(nn.Conv2d(1, c1, 5, stride=2, padding=2), nn.ReLU())
        self.locator = nn.Sequential(nn.Conv2d(c1, locator, 3, padding=1), nn.ReLU(),
                                     nn.Conv2d(locator, 1, 3, padding=1))
        self.locator_output = nn.Identity()
        self.visibility_gate = nn.Linear(locator + 1, 1)
        self.gate_output = nn.Identity()
        self.core = nn.GRUCell(10, hidden)
        self.core_output = nn.Identity()
        self.gains = nn.Linear(hidden, 2)
        with torch.no_grad():  # start near a steady-state alpha-beta filter: k_p ≈ 0.5, k_v ≈ 0.1
            self.gains.weight.mul_(0.1)
            self.gains.bias.copy_(torch.tensor([0.0, -2.2]))
        self.gains_output = nn.Identity()
        self.state_output = nn.Identity()
        self.lead = nn.Parameter(torch.zeros(()))  # in units of lead_scale frames (Adam's steps ~ lr per step)
        self.readout_position = nn.Identity()
        self.readout_visibility = nn.Linear(hidden, 1)
        self.postdictive_weights = nn.Parameter(torch.zeros(window + 1))
        self.postdictive_output = nn.Identity()
        self.flash_locator = nn.Sequential(nn.Conv2d(c1, flash_locator, 3, padding=1), nn.ReLU(),
                                           nn.Conv2d(flash_locator, 1, 3, padding=1))
        self.flash_gate = nn.Linear(flash_locator + 1, 1)
        self.flash_output = nn.Identity()

    def forward(self, video: torch.Tensor) -> dict:
        B, T, H, W = video.shape
        f0 = self.encoder(video.reshape(B * T, 1, H, W))
        l0 = self.locator[:2](f0)
        loc = self.locator_output(soft_argmax(self.locator[2](l0)[:, 0], (H, W)))
        g_logit = self.visibility_gate(torch.cat([l0.amax((2, 3)), loc[:, 2:]], 1)).reshape(B, T)
        g = self.gate_output(torch.sigmoid(g_logit))
        z = loc[:, :2].reshape(B, T, 2)
        px = torch.tensor([W / 2, H / 2], dtype=video.dtype, device=video.device)  # normalised units -> px
        p = video.new_zeros(B, 2)
        v = video.new_zeros(B, 2)
        seen = video.new_zeros(B, 1)
        h = video.new_zeros(B, self.hidden_size)
        hs, ks, ps, vs = [], [], [], []
        for t in range(T):
            gt = g[:, t:t + 1]
            ge = gt * gt  # the gate's weight in the update: near-zero gates (nothing in view) count for ~nothing
            pred = p + v
            innov = z[:, t] - pred
            h = self.core(torch.cat([gt, gt * innov * px, gt * z[:, t], pred, v * px, seen], 1), h)
            k = torch.sigmoid(self.gains(h))
            # the first sighting sets the position (k_p -> 1) and does not count as a velocity measurement
            p = pred + ge * (k[:, :1] + (1 - seen) * (1 - k[:, :1])) * innov
            v = v + ge * seen * 0.5 * k[:, 1:] * innov
            seen = seen + ge * (1 - seen)
            hs.append(h)
            ks.append(k)
            ps.append(p)
            vs.append(v)
        hidden = self.core_output(torch.stack(hs, 1))
        self.gains_output(torch.stack(ks, 1))
        pos, vel = torch.stack(ps, 1), torch.stack(vs, 1)
        state = self.state_output(torch.cat([pos, vel], -1))
        report = self.readout_position(pos + self.lead_scale * self.lead * vel)
        post = self.postdictive_output(self._postdictive(g, z, pos, vel))
        f1 = self.flash_locator[:2](f0)
        floc = soft_argmax(self.flash_locator[2](f1)[:, 0], (H, W))
        q_logit = self.flash_gate(torch.cat([f1.amax((2, 3)), floc[:, 2:]], 1)).reshape(B, T)
        q = torch.sigmoid(q_logit)
        fz = floc[:, :2].reshape(B, T, 2)
        fm = video.new_zeros(B, 2)
        fms = []
        for t in range(T):
            fm = fm + q[:, t:t + 1] * (fz[:, t] - fm)
            fms.append(fm)
        flash = self.flash_output(torch.cat([torch.stack(fms, 1), q[..., None]], -1))
        return {"position": report, "visibility_logit": self.readout_visibility(hidden).squeeze(-1),
                "flash": flash[..., :2], "flash_present_logit": q_logit, "hidden": hidden, "locator": z,
                "gate_logit": g_logit, "state": state, "postdictive": post, "flash_gate_logit": q_logit}

    def _postdictive(self, g: torch.Tensor, z: torch.Tensor, pos: torch.Tensor, vel: torch.Tensor) -> torch.Tensor:
        """The postdictive read-out ``(B, T, 2)`` (see the class docstring): causal weighted window mean of the
        gated measurements, with the filter's window-centre estimate as a prior of weight 0.05."""
        w = self.window
        a = nn.functional.softplus(self.postdictive_weights)  # (w + 1,): a[k] weighs frame t - k
        ge = (g * g)[..., None]
        gz = torch.cat([ge, ge * z], -1)  # (B, T, 3)
        padded = nn.functional.pad(gz.transpose(1, 2), (w, 0))  # (B, 3, T + w)
        kernel = a.flip(0).reshape(1, 1, -1).expand(3, 1, -1)
        s = nn.functional.conv1d(padded, kernel, groups=3).transpose(1, 2)  # (B, T, 3)
        eps = 0.05
        return (s[..., 1:] + eps * (pos - 0.5 * w * vel)) / (s[..., :1] + eps)


V2_LAYERS = ["encoder.0", "locator.0", "locator.2", "locator_output", "gate_output", "core_output", "gains_output",
             "state_output", "readout_position", "readout_visibility", "postdictive_output", "flash_locator.0",
             "flash_locator.2", "flash_output"]


@dataclass
class TrackerV2Model(TrackerModel):
    """A :class:`TrackerNetV2` as a video model. ``report`` picks the read-out :meth:`run` returns as the
    position (``position_px``/``position_deg``, what the dorsal benchmarks read): ``"predictive"`` (the filter's
    causal estimate extrapolated by the trained lead) or ``"postdictive"`` (the perceptual report of each moment,
    formed from the input up to ``window`` frames after it)."""

    report: str = "predictive"

    def run(self, video, delay_frames: int | None = None, batch_size: int = 64) -> dict:
        """As :meth:`TrackerModel.run`, plus ``predictive_px``/``predictive_deg`` (the causal report),
        ``postdictive_px``/``postdictive_deg`` (``(B, T, 2)``: entry ``t`` is the network's postdictive read-out at
        network time ``t + window``, i.e. its report of the moment ``t`` made ``window`` frames later; for the last
        ``window`` frames, whose report would come after the video, the filter's state extrapolated to the
        window's centre, ``p_t + (window / 2) v_t``), ``visibility_gate`` ``(B, T)`` (probability that the target
        is in view of the input frame) and ``state`` ``(B, T, 4)`` (p, v in px and px/frame)."""
        if self.report not in ("predictive", "postdictive"):
            raise ValueError(f"report must be 'predictive' or 'postdictive'; got {self.report!r}")
        single, o = _forward_in_batches(self, video, delay_frames, batch_size)
        hw = (self.height, self.width)
        w = self.network.window
        T = o["postdictive"].shape[1]
        p, v = o["state"][..., :2], o["state"][..., 2:]
        post = p + 0.5 * w * v
        post[:, :max(T - w, 0)] = o["postdictive"][:, w:]
        pred_px, post_px = norm_to_px(o["position"], hw), norm_to_px(post, hw)
        fl_px = norm_to_px(o["flash"], hw)
        scale = np.array([self.width / 2, self.height / 2])
        deg = lambda a: px_to_deg(a, self.height, self.width, self.px_per_deg)  # noqa: E731
        pos_px = post_px if self.report == "postdictive" else pred_px
        res = {
            "position_px": pos_px, "position_deg": deg(pos_px),
            "predictive_px": pred_px, "predictive_deg": deg(pred_px),
            "postdictive_px": post_px, "postdictive_deg": deg(post_px),
            "visible_prob": 1 / (1 + np.exp(-o["visibility_logit"])),
            "visibility_gate": 1 / (1 + np.exp(-o["gate_logit"])),
            "flash_px": fl_px, "flash_deg": deg(fl_px),
            "flash_present_prob": 1 / (1 + np.exp(-o["flash_present_logit"])),
            "hidden": o["hidden"],
            "state": np.concatenate([norm_to_px(p, hw), v * scale], -1),
        }
        return {k: val[0] for k, val in res.items()} if single else res


def make_v2_model(network: TrackerNetV2, *, identifier: str = "tracker_v2", ms_per_frame: float = 10.0,
                  px_per_deg: float = 1.0, delay_frames: int = 5, target: str = "now", report: str = "predictive",
                  checkpoint_path=None, checkpoint_sha256=None, description: str = "") -> TrackerV2Model:
    """Wrap a :class:`TrackerNetV2` as a :class:`TrackerV2Model`; commitments as :func:`make_model` (the
    ``tracker`` map: MT and dorsal = ``core_output``)."""
    if target not in ("now", "delayed"):
        raise ValueError(f"target must be 'now' or 'delayed'; got {target!r}")
    return TrackerV2Model(
        identifier=identifier, network=network, preprocess=_preprocess_video, layers=list(V2_LAYERS),
        region_layer_map=a_priori_map("tracker"), visual_degrees=network.width / px_per_deg,
        description=description or "locator with a learnt visibility gate -> GRU-gated alpha-beta filter -> "
        "predictive and postdictive position read-outs, flash memory (dorsal-stream tracker v2)",
        height=network.height, width=network.width, ms_per_frame=ms_per_frame, px_per_deg=px_per_deg,
        delay_frames=delay_frames, target=target, checkpoint_path=None if checkpoint_path is None else
        str(checkpoint_path), checkpoint_sha256=checkpoint_sha256, report=report)


def load_tracker_v2_checkpoint(path, identifier: str | None = None, report: str = "predictive") -> TrackerV2Model:
    """Load a v2 checkpoint (``config["arch"] == "v2"``) written by :mod:`neurovision.training.tracker`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"tracker checkpoint {path} not found; its JSON holds the command that trains it")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    cfg = blob["config"]
    if cfg.get("arch") != "v2":
        raise ValueError(f"{path} is not a v2 tracker checkpoint; load it with load_tracker_checkpoint")
    net = TrackerNetV2(height=cfg["height"], width=cfg["width"], c1=cfg["channels"][0], locator=cfg["locator"],
                       hidden=cfg["hidden"], window=cfg["window"], flash_locator=cfg["flash_locator"],
                       lead_scale=cfg.get("lead_scale", 10.0))
    net.load_state_dict(blob["state_dict"])
    return make_v2_model(net, identifier=identifier or path.stem, ms_per_frame=cfg["ms_per_frame"],
                         px_per_deg=cfg["px_per_deg"], delay_frames=cfg["delay_frames"], target=cfg["target"],
                         report=report, checkpoint_path=path, checkpoint_sha256=file_sha256(path),
                         description=f"tracker v2 trained on task {cfg['task']!r} (delay {cfg['delay_frames']} "
                                     f"frames), {report} report")
