"""Reference observers for the dorsal benchmarks: a constant-velocity Kalman filter on target positions measured
from the frames (with and without compensation of the input delay) and a postdictive observer.

These are not fitted to anything; they give every dorsal benchmark interpretable rows: what an ideal tracker
with a 50-ms input delay reports if it extrapolates its delayed input by the delay (``kalman_compensating``),
if it does not (``kalman_uncompensated``), and if it reports an average over the ~80 ms of input that follow
the reported moment (``postdictive``, Eagleman & Sejnowski 2000).

Network (:class:`ObserverNet`, input ``(batch, time, height, width)`` floats in [0, 1], already delayed by the
model's Δ on the data side by :meth:`~neurovision.models.base.VideoModel.network_input`); every named sub-module
is a recordable layer whose output is batch-first ``(batch, time, k)``:

* ``measure`` (:class:`TemplateDetector`, disk template) — a matched filter for the target (anti-aliased disk of
  radius 1.5 deg, drawn like :func:`neurovision.stimuli.motion.render_shape`): per frame the least-squares
  amplitude ``a`` of the zero-mean template over a local window (the target's contrast against its
  surround) and the normalised cross-correlation ``ncc`` (shape match, independent of contrast) at every
  pixel; the measurement is the pixel with the largest amplitude among those whose ``ncc`` passes
  ``ncc_threshold``, refined to sub-pixel precision by a parabola through the amplitude map's 3 neighbours
  along x and along y. Output ``(B, T, 4)``: x, y (deg from the frame centre, y down), contrast ``a``,
  confidence ``sigmoid((ncc - ncc_threshold) / 0.05)`` (0 where ``a < min_contrast``). The target is
  *detected* where the confidence is ≥ 0.5. The ring flash (another shape, intensity 0.8) has a dark centre
  where the disk template correlates negatively and a band only partly covering it, so it does not pass the
  shape test (tests/models/dorsal/test_observers.py); a uniform grey occluder gives zero amplitude.
* ``flash_measure`` (:class:`TemplateDetector`, ring template: outer radius 2.5 deg, inner 0.55×) — the same for
  the flash.
* ``filter`` (:class:`ConstantVelocityKalman`) — the Kalman filter, state (x, y, vx, vy) in deg and deg/s,
  output ``(B, T, 4)`` = the filtered state (posterior mean) after each frame's measurement. Dynamics:
  constant velocity with discrete white-noise acceleration (Bar-Shalom, Li & Kirubarajan 2001, Estimation
  with Applications to Tracking and Navigation, §6.3.3): per frame of ``dt`` s, ``x ← x + v dt``,
  ``Q = σ_a² [[dt⁴/4, dt³/2], [dt³/2, dt²]]`` per axis. Measurement: position, variance
  ``R = (σ_r / contrast)²`` per axis (noise rises as contrast falls, ∝ 1 / contrast²); no update on frames
  where the target is not detected (occluded, absent): the filter predicts, keeping its last velocity
  estimate. Prior: position at the frame centre with sd 100 deg (diffuse: the first detection sets it), velocity
  0 with sd 30 deg/s. So while nothing has been detected the state stays at the frame centre with zero
  velocity, and the position readout reports the frame centre. x and y have the same dynamics and the same
  measurement noise, so one 2×2 covariance serves both axes.
* ``report`` (:class:`Report`) — the position readout ``(B, T, 2)`` (deg): ``x + v · lead`` (``lead_ms`` = 50:
  ``kalman_compensating``; 0: ``kalman_uncompensated``), or, for the postdictive observer, the mean of the
  filtered positions at network times ``t .. t + window`` (input frames ``t - Δ .. t - Δ + window``, i.e. the
  moment the delayed input shows and the following ``window_ms`` = 80 ms) over the frames where the target is
  detected (falling back to the filtered position at ``t`` when it is detected on none). Eagleman DM,
  Sejnowski TJ (2000) Motion integration and postdiction in visual awareness. Science 287:2036-2038. This is
  **non-causal**: at network time ``t`` it uses input up to ``window - Δ`` = 30 ms beyond what a causal
  network would have received; windows at the end of a video are cut short.
* ``flash_memory`` (:class:`FlashMemory`) — ``(B, T, 3)``: the position (deg) of the most recently detected flash,
  held after it (frame centre before any flash), and the flash detection confidence of the current frame.

Parameters and why (all stated in the modules' ``extra_repr``, so they enter the model fingerprint): ``σ_r`` = 0.1 deg
— measurement sd at full contrast: the detector's error on noiseless rendered disks at 1 px/deg is below 0.1 px
(sub-pixel parabola on an anti-aliased disk), so 0.1 deg is a bound, not a fit; ``σ_a`` = 100 deg/s² — the process
noise must allow the accelerations the benchmarks contain (circular paths: v²/r = 50 deg/s² at 20 deg/s on r = 8 deg,
~120 deg/s² in Cottier et al. 2023; the Adams et al. 2015 cosine ≤ 30 deg/s²) while keeping the velocity estimate
steady between frames (it gives a steady-state position gain of ≈ 0.36 per frame); ``ncc_threshold`` = 0.5 for the
disk and 0.4 for the ring — the target alone gives ≥ 0.8 (≥ 0.63 with the ring overlapping it), the ring alone ≤ 0.33
on the disk template; the ring gives ≥ 0.43 even with the disk overlapping, and the disk is kept from passing as a
ring by the veto (disk amplitude ≤ 0.5 × ring amplitude: a ring has a dark centre), see the tests; ``min_contrast`` =
0.6 for the disk (a full-contrast disk gives 0.73–0.99, 0.63 or more when the ring overlaps it): a target cut by an
occluder edge gives less and its centre would be biased towards the visible part, slowing the velocity estimate, so it
is gated off (pure prediction); 0.1 for the ring (below it a candidate is noise); the velocity prior sd 30 deg/s
covers the speeds of the dorsal benchmarks; the confidence slope 0.05 (NCC units) only shapes ``visible_prob``.

:class:`ObserverModel` is the :class:`~neurovision.models.base.VideoModel` (32 × 32 px, 1 px/deg, 10 ms/frame,
Δ = 5 frames = 50 ms: the tracker's geometry, so that the rows are comparable) with ``run(video)`` returning the
same readouts as :meth:`neurovision.models.dorsal.tracker.TrackerModel.run`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...stimuli.motion import render_shape
from ..base import VideoModel
from ..commitment import a_priori_map
from .tracker import _preprocess_video

TARGET_RADIUS_DEG = 1.5  # the disk target of neurovision.stimuli.motion (MovingObject default)
FLASH_RADIUS_DEG = 2.5  # the ring flash (Flash default; inner radius 0.55 x)
OBSERVERS = ("kalman_compensating", "kalman_uncompensated", "postdictive")
LAYERS = ["matched_filters", "measure", "flash_measure", "filter", "report", "flash_memory"]
STATE_LAYER = "filter"


def _template(shape: str, radius_px: float) -> torch.Tensor:
    """The anti-aliased ``shape`` (``"disk"`` or ``"ring"``) of outer radius ``radius_px`` centred in a square
    window of side ``2 * ceil(radius_px + 1) + 1`` px (the shape plus a 1-px surround), float32."""
    half = int(np.ceil(radius_px + 1))
    n = 2 * half + 1
    img = render_shape(np.array([half, half], np.float32), shape, radius_px, 1.0, n, n)
    return torch.from_numpy(img.astype(np.float32))


def _amplitude_kernel(k: torch.Tensor, size: int) -> torch.Tensor:
    """``(size, size)`` kernel whose correlation with a frame is the least-squares amplitude of template ``k``
    (``n × n``, ``n <= size``, centred) over its window's mean: ``k0 / |k0|²``, ``k0 = k - mean(k)``, zero outside
    the window (a uniform field — background, grey occluder — gives 0)."""
    k0 = k - k.mean()
    pad = (size - k.shape[0]) // 2
    return F.pad(k0 / (k0 ** 2).sum(), (pad, pad, pad, pad))


def _box_sum(x: torch.Tensor, half: int) -> torch.Tensor:
    """Sum of ``x`` ``(N, H, W)`` over the ``(2 half + 1)²`` window about each pixel (zero outside the frame), by
    an integral image."""
    N, H, W = x.shape
    c = F.pad(x, (half + 1, half, half + 1, half)).cumsum(1).cumsum(2)
    n = 2 * half + 1
    return c[:, n:n + H, n:n + W] - c[:, :H, n:n + W] - c[:, n:n + H, :W] + c[:, :H, :W]


class MatchedFilters(nn.Module):
    """The two matched filters of every frame: ``forward(video (B, T, H, W))`` → ``(B, T, 2, H, W)``, the
    least-squares amplitude of the disk template (channel 0: the target, radius ``target_radius_deg``) and of the
    ring template (channel 1: the flash, outer radius ``flash_radius_deg``, inner 0.55×), each over its own window
    (the shape plus a 1-px surround) and that window's mean, at every pixel (frame zero-padded)."""

    def __init__(self, px_per_deg: float, target_radius_deg: float = TARGET_RADIUS_DEG,
                 flash_radius_deg: float = FLASH_RADIUS_DEG):
        super().__init__()
        self.px_per_deg, self.radii_deg = float(px_per_deg), (float(target_radius_deg), float(flash_radius_deg))
        disk, ring = _template("disk", target_radius_deg * px_per_deg), _template("ring", flash_radius_deg * px_per_deg)
        size = max(disk.shape[0], ring.shape[0])
        kernels = torch.stack([_amplitude_kernel(disk, size), _amplitude_kernel(ring, size)])
        self.register_buffer("kernels", kernels[:, None])
        #: per channel: half-width of the window (px) and |k0| (for the normalised cross-correlation)
        self.halves = (disk.shape[0] // 2, ring.shape[0] // 2)
        self.register_buffer("norms", torch.stack([((k - k.mean()) ** 2).sum().sqrt() for k in (disk, ring)]))

    def extra_repr(self) -> str:
        return f"px_per_deg={self.px_per_deg}, radii_deg={self.radii_deg} (disk, ring outer; ring inner 0.55x)"

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        B, T, H, W = video.shape
        k = self.kernels.shape[-1]
        a = F.conv2d(video.reshape(B * T, 1, H, W).float(), self.kernels, padding=k // 2)
        return a.reshape(B, T, 2, H, W)


class TemplateDetector(nn.Module):
    """Detector of one shape from its matched-filter map (see the module docstring, ``measure``).

    ``forward(video (B, T, H, W), maps (B, T, 2, H, W))`` → ``(B, T, 4)``: x, y (deg from the frame centre, y
    down), contrast (the template's least-squares amplitude at the chosen pixel), confidence in [0, 1]. Channel
    ``channel`` of ``maps`` is this shape's amplitude; ``veto`` = (channel, ratio) rejects candidates where the
    other channel's amplitude exceeds ``ratio`` × this one's.
    """

    def __init__(self, channel: int, half: int, kernel_norm: float, n_px: int, height: int, width: int,
                 px_per_deg: float, ncc_threshold: float, min_contrast: float = 0.1, slope: float = 0.05,
                 veto: tuple[int, float] | None = None):
        super().__init__()
        self.channel, self.half, self.kernel_norm, self.n_px = int(channel), int(half), float(kernel_norm), int(n_px)
        self.height, self.width, self.px_per_deg = int(height), int(width), float(px_per_deg)
        self.ncc_threshold, self.min_contrast, self.slope = float(ncc_threshold), float(min_contrast), float(slope)
        self.veto = None if veto is None else (int(veto[0]), float(veto[1]))

    def extra_repr(self) -> str:
        return (f"channel={self.channel}, window={2 * self.half + 1}px, px_per_deg={self.px_per_deg}, "
                f"size={self.height}x{self.width}, ncc_threshold={self.ncc_threshold}, "
                f"min_contrast={self.min_contrast}, slope={self.slope}, veto={self.veto}")

    def ncc(self, frames: torch.Tensor, amp: torch.Tensor) -> torch.Tensor:
        """Normalised cross-correlation ``(N, H, W)`` of frames ``(N, H, W)`` with the template, from its amplitude
        map: ``sum(I k0) / (|I - mean I| |k0|)`` over the window, ``sum(I k0) = amp |k0|²``; 0 on uniform windows."""
        s1, s2 = _box_sum(frames, self.half), _box_sum(frames * frames, self.half)
        sd = (s2 - s1 * s1 / self.n_px).clamp_min(0).sqrt()
        ncc = amp * self.kernel_norm / sd.clamp_min(1e-6)
        return torch.where(sd > 1e-4, ncc, torch.zeros_like(ncc))

    def forward(self, video: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
        B, T, H, W = video.shape
        N = B * T
        frames = video.reshape(N, H, W).float()
        amp = maps[:, :, self.channel].reshape(N, H, W)
        ncc = self.ncc(frames, amp)
        ok = (ncc >= self.ncc_threshold) & (amp >= self.min_contrast)
        if self.veto is not None:
            passed = maps[:, :, self.veto[0]].reshape(N, H, W) <= self.veto[1] * amp
            ok = ok & passed
            ncc = torch.where(passed, ncc, ncc.clamp(max=self.ncc_threshold - 0.5))
        # the best candidate: largest amplitude among shape matches (else the best shape match, undetected)
        score = torch.where(ok, amp + 2.0, ncc.clamp(-1, 1))  # shape matches (> 1) outrank the rest (<= 1)
        idx = score.reshape(N, -1).argmax(1)
        r, c = idx // W, idx % W
        n = torch.arange(N, device=amp.device)
        ap = F.pad(amp, (1, 1, 1, 1), mode="replicate")
        centre = ap[n, r + 1, c + 1]

        def vertex(lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:  # parabola through (-1, lo), (0, c), (1, hi)
            den = lo - 2 * centre + hi
            off = torch.where(den < -1e-9, 0.5 * (lo - hi) / den.clamp(max=-1e-9), torch.zeros_like(den))
            return off.clamp(-0.5, 0.5)

        dx = vertex(ap[n, r + 1, c], ap[n, r + 1, c + 2])
        dy = vertex(ap[n, r, c + 1], ap[n, r + 2, c + 1])
        x_deg = (c.float() + dx - (W - 1) / 2) / self.px_per_deg
        y_deg = (r.float() + dy - (H - 1) / 2) / self.px_per_deg
        conf = torch.sigmoid((ncc[n, r, c] - self.ncc_threshold) / self.slope) * (centre >= self.min_contrast)
        return torch.stack([x_deg, y_deg, centre, conf], -1).reshape(B, T, 4)


class ConstantVelocityKalman(nn.Module):
    """Constant-velocity Kalman filter with gated measurements (see the module docstring, ``filter``).

    ``forward(measurement (B, T, 4))`` (x, y deg, contrast, confidence, as :class:`TemplateDetector` gives) →
    the filtered state ``(B, T, 4)``: x, y (deg), vx, vy (deg/s), after each frame's update.
    """

    def __init__(self, ms_per_frame: float, sigma_r_deg: float = 0.1, sigma_a_deg_s2: float = 100.0,
                 prior_position_sd_deg: float = 100.0, prior_velocity_sd_deg_s: float = 30.0):
        super().__init__()
        self.dt = float(ms_per_frame) / 1000.0
        self.sigma_r, self.sigma_a = float(sigma_r_deg), float(sigma_a_deg_s2)
        self.prior_position_sd, self.prior_velocity_sd = float(prior_position_sd_deg), float(prior_velocity_sd_deg_s)

    def extra_repr(self) -> str:
        return (f"dt_s={self.dt}, sigma_r_deg={self.sigma_r}, sigma_a_deg_s2={self.sigma_a}, "
                f"prior_position_sd_deg={self.prior_position_sd}, prior_velocity_sd_deg_s={self.prior_velocity_sd}, "
                "measurement_variance=(sigma_r/contrast)^2, gate=confidence>=0.5")

    def forward(self, measurement: torch.Tensor) -> torch.Tensor:
        B, T, _ = measurement.shape
        m = measurement.double()
        dt, qa = self.dt, self.sigma_a ** 2
        q00, q01, q11 = qa * dt ** 4 / 4, qa * dt ** 3 / 2, qa * dt ** 2
        dev = measurement.device  # state created where the input is: no device calls in forward
        pos = torch.zeros(B, 2, dtype=torch.float64, device=dev)
        vel = torch.zeros(B, 2, dtype=torch.float64, device=dev)
        p00 = torch.full((B,), self.prior_position_sd ** 2, dtype=torch.float64, device=dev)
        p01 = torch.zeros(B, dtype=torch.float64, device=dev)
        p11 = torch.full((B,), self.prior_velocity_sd ** 2, dtype=torch.float64, device=dev)
        out = []
        for t in range(T):
            if t > 0:  # predict (the prior is the state before frame 0)
                pos = pos + vel * dt
                p00, p01, p11 = p00 + 2 * dt * p01 + dt * dt * p11 + q00, p01 + dt * p11 + q01, p11 + q11
            z, contrast, conf = m[:, t, :2], m[:, t, 2], m[:, t, 3]
            det = (conf >= 0.5).double()
            r = (self.sigma_r / contrast.clamp_min(1e-3)) ** 2
            s = p00 + r
            k0, k1 = det * p00 / s, det * p01 / s
            innov = z - pos
            pos = pos + k0[:, None] * innov
            vel = vel + k1[:, None] * innov
            p00, p01, p11 = (1 - k0) * p00, (1 - k0) * p01, p11 - k1 * p01
            out.append(torch.cat([pos, vel], 1))
        return torch.stack(out, 1).float()


class Report(nn.Module):
    """Position readout ``(B, T, 2)`` (deg) from the state ``(B, T, 4)`` and the target measurement ``(B, T, 4)``:
    ``lead_ms`` ahead (``x + v · lead``) or, with ``window_frames`` > 0, the postdictive mean over network times
    ``t .. t + window_frames`` of the filtered positions on frames where the target is detected (see the module
    docstring)."""

    def __init__(self, lead_ms: float = 0.0, window_frames: int = 0):
        super().__init__()
        if window_frames < 0 or (window_frames and lead_ms):
            raise ValueError(f"need window_frames >= 0 and no lead with a postdictive window; got "
                             f"window_frames={window_frames}, lead_ms={lead_ms}")
        self.lead_ms, self.window_frames = float(lead_ms), int(window_frames)

    def extra_repr(self) -> str:
        return f"lead_ms={self.lead_ms}, window_frames={self.window_frames}"

    def forward(self, state: torch.Tensor, measurement: torch.Tensor) -> torch.Tensor:
        pos = state[..., :2]
        if not self.window_frames:
            return pos + state[..., 2:] * (self.lead_ms / 1000.0)
        T = state.shape[1]
        det = (measurement[..., 3] >= 0.5).to(state.dtype)[..., None]  # (B, T, 1)
        w = self.window_frames

        def forward_sum(a: torch.Tensor) -> torch.Tensor:  # sum over t .. t + w (cut at the end)
            c = torch.cat([torch.zeros_like(a[:, :1]), a.cumsum(1)], 1)  # c[k] = sum a[:k]
            hi = torch.clamp(torch.arange(T, device=a.device) + w + 1, max=T)
            return c[:, hi] - c[:, :T]

        num, den = forward_sum(measurement[..., :2].to(state.dtype) * det), forward_sum(det)
        return torch.where(den > 0, num / den.clamp_min(1.0), pos)


class FlashMemory(nn.Module):
    """``(B, T, 3)``: position (deg) of the most recently detected flash, held (frame centre before any), and the
    current frame's flash confidence, from the flash measurement ``(B, T, 4)``."""

    def forward(self, flash_measurement: torch.Tensor) -> torch.Tensor:
        det = flash_measurement[..., 3] >= 0.5  # (B, T)
        T = det.shape[1]
        idx = torch.where(det, torch.arange(T, device=det.device), torch.full_like(det, -1, dtype=torch.long))
        last = torch.cummax(idx, 1).values  # index of the latest detection, -1 before any
        held = torch.gather(flash_measurement[..., :2], 1, last.clamp_min(0)[..., None].expand(-1, -1, 2))
        held = torch.where((last >= 0)[..., None], held, torch.zeros_like(held))
        return torch.cat([held, flash_measurement[..., 3:4]], -1)


class ObserverNet(nn.Module):
    """Detectors → Kalman filter → position report, plus the flash detector and memory (see the module
    docstring). ``forward(video (B, T, H, W))`` → dict of tensors: ``position`` ``(B, T, 2)`` (deg),
    ``visible_prob`` ``(B, T)``, ``flash`` ``(B, T, 2)`` (deg), ``flash_present_prob`` ``(B, T)``, ``hidden``
    ``(B, T, 4)`` (the filter state)."""

    def __init__(self, kind: str = "kalman_compensating", height: int = 32, width: int = 32, px_per_deg: float = 1.0,
                 ms_per_frame: float = 10.0, delay_frames: int = 5, window_ms: float = 80.0):
        super().__init__()
        if kind not in OBSERVERS:
            raise ValueError(f"unknown observer {kind!r}; known: {', '.join(OBSERVERS)}")
        self.kind = kind
        self.matched_filters = mf = MatchedFilters(px_per_deg)
        geometry = dict(height=height, width=width, px_per_deg=px_per_deg)
        self.measure = TemplateDetector(0, mf.halves[0], float(mf.norms[0]), (2 * mf.halves[0] + 1) ** 2,
                                        ncc_threshold=0.5, min_contrast=0.6, **geometry)
        self.flash_measure = TemplateDetector(1, mf.halves[1], float(mf.norms[1]), (2 * mf.halves[1] + 1) ** 2,
                                              ncc_threshold=0.4, veto=(0, 0.5), **geometry)
        self.filter = ConstantVelocityKalman(ms_per_frame)
        lead = delay_frames * ms_per_frame if kind == "kalman_compensating" else 0.0
        window = int(round(window_ms / ms_per_frame)) if kind == "postdictive" else 0
        self.report = Report(lead_ms=lead, window_frames=window)
        self.flash_memory = FlashMemory()

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}"

    def forward(self, video: torch.Tensor) -> dict:
        if video.ndim != 4:
            raise ValueError(f"input must be (batch, time, height, width); got shape {tuple(video.shape)}")
        maps = self.matched_filters(video)
        m = self.measure(video, maps)
        state = self.filter(m)
        flash = self.flash_memory(self.flash_measure(video, maps))
        return {"position": self.report(state, m), "visible_prob": m[..., 3], "flash": flash[..., :2],
                "flash_present_prob": flash[..., 2], "hidden": state}


@dataclass
class ObserverModel(VideoModel):
    """A reference observer as a :class:`~neurovision.models.base.VideoModel` (see the module docstring)."""

    delay_frames: int = 5

    def run(self, video, batch_size: int = 256) -> dict:
        """Run the observer on ``video`` ``(T, H, W)`` or ``(B, T, H, W)`` (float in [0, 1] or uint8), delayed by
        ``delay_frames`` on the data side. Returns numpy arrays indexed by network time, as
        :meth:`neurovision.models.dorsal.tracker.TrackerModel.run`: ``position_px``/``position_deg`` ``(B, T, 2)``,
        ``visible_prob`` ``(B, T)``, ``flash_px``/``flash_deg`` ``(B, T, 2)``, ``flash_present_prob`` ``(B, T)``,
        ``hidden`` ``(B, T, 4)`` (the filter state x, y deg, vx, vy deg/s); no batch axis for one video."""
        single = np.asarray(video).ndim == 3
        x = self.network_input(video)
        outs = []
        with torch.no_grad():
            for i in range(0, x.shape[0], batch_size):
                outs.append({k: v.numpy().astype(np.float64) for k, v in self.network(x[i:i + batch_size]).items()})
        o = {k: np.concatenate([b[k] for b in outs]) for k in outs[0]}
        centre = np.array([(self.width - 1) / 2, (self.height - 1) / 2])
        res = {
            "position_deg": o["position"], "position_px": o["position"] * self.px_per_deg + centre,
            "visible_prob": o["visible_prob"],
            "flash_deg": o["flash"], "flash_px": o["flash"] * self.px_per_deg + centre,
            "flash_present_prob": o["flash_present_prob"], "hidden": o["hidden"],
        }
        return {k: v[0] for k, v in res.items()} if single else res


_DESCRIPTIONS = {
    "kalman_compensating": "reference observer: constant-velocity Kalman filter on matched-filter target "
                           "positions, reporting its estimate extrapolated by the 50-ms input delay",
    "kalman_uncompensated": "reference observer: constant-velocity Kalman filter on matched-filter target "
                            "positions, reporting its estimate for the delayed input (no compensation)",
    "postdictive": "reference observer: mean filtered target position over the 80 ms of input after the reported "
                   "moment (Eagleman & Sejnowski 2000; non-causal)",
}


def build(kind: str = "kalman_compensating", height: int = 32, width: int = 32, px_per_deg: float = 1.0,
          ms_per_frame: float = 10.0, delay_frames: int = 5) -> ObserverModel:
    """The registered observer ``kind`` (one of :data:`OBSERVERS`) with the tracker's geometry (32 × 32 px,
    1 px/deg, 10 ms/frame, Δ = 5 frames) and the commitment ``commitments/<kind>.json`` (dorsal and MT: the
    filter state)."""
    net = ObserverNet(kind, height, width, px_per_deg, ms_per_frame, delay_frames)
    return ObserverModel(identifier=kind, network=net, preprocess=_preprocess_video, layers=list(LAYERS),
                         region_layer_map=a_priori_map(kind), visual_degrees=width / px_per_deg,
                         description=_DESCRIPTIONS[kind], height=height, width=width, ms_per_frame=ms_per_frame,
                         px_per_deg=px_per_deg, delay_frames=delay_frames)
