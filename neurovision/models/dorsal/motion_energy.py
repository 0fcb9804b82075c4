"""A motion-energy model (Adelson & Bergen 1985) with an MT-like speed stage (after Simoncelli & Heeger 1998).

Adelson EH, Bergen JR (1985) Spatiotemporal energy models for the perception of motion. J Opt Soc Am A
2:284-299. Simoncelli EP, Heeger DJ (1998) A model of neuronal responses in visual area MT. Vision Res
38:743-761. Heeger DJ (1992) Normalization of cell responses in cat striate cortex. Vis Neurosci 9:181-197.

Network (:class:`MotionEnergyNet`, input ``(batch, time, height, width)`` floats in [0, 1]; fixed filters stored as
buffers, nothing is trained):

* ``spatial`` — even and odd (quadrature) spatial Gabors at 4 orientations (0, 45, 90, 135 deg) × 3 spatial
  frequencies ``sf`` (1, 2, 4 c/deg), each centred on a 4 × 4 grid of positions (every 8 px = 0.5 deg), as one
  matrix product per frame. Spatial envelope sd ``1.5 / (2π sf)`` deg (frequency sd = sf / 1.5, about 1.5
  octaves full bandwidth, like V1 simple cells); each filter is cut to the frame, made zero-mean (no response to
  uniform luminance) and scaled to unit response amplitude for a grating of its frequency. Output
  ``(B, T, 24, 16)`` (orientation × sf × phase, position).
* ``energy`` — V1 complex cells: each spatial channel is filtered in time by causal quadrature temporal filters
  (Gabors in time, envelope centred 2 sd after the present, sd ``1.5 / (2π tf)``, zero-mean, unit amplitude at
  ``tf``) at 5 temporal frequencies ``tf`` (2, 4, 8, 16, 32 Hz); the separable products are combined into
  space-time oriented quadrature pairs (Adelson & Bergen 1985, Fig. 5: ``SeTe ± SoTo``, ``SoTe ∓ SeTo``) for
  both directions of each orientation, and squared and summed: motion energy, phase-invariant. Output
  ``(B, T, 8, 3, 5, 16)``: direction (0, 45, …, 315 deg; 0 = rightwards, 90 = downwards in the image, y down),
  sf, tf, position. Each unit's preferred speed is ``tf / sf`` deg/s (0.5 … 32 deg/s) in its direction.
* ``normalised`` — divisive normalisation (Heeger 1992): energy / (mean energy over the 8 directions of the same
  sf, tf and position + σ²), σ = 0.03: a grating's preferred-direction energy is ≈ 0.58 c² and the direction
  mean ≈ 0.19 of it, so the semi-saturation contrast is ≈ 3σ ≈ 10 %, as in V1 and MT contrast-response
  functions (responses grow little above ~20 % contrast).
* ``mt`` — MT-like units (Simoncelli & Heeger 1998, simplified to the filter grid): for each direction (8) and
  speed (7: 0.5, 1, 2, 4, 8, 16, 32 deg/s) the mean over positions and over the (sf, tf) channels whose
  ``tf / sf`` equals that speed of the normalised energy. Output ``(B, T, 8, 7)`` (direction, speed).

Frame geometry: 32 × 32 px at 16 px/deg (a 2-deg field, about an MT receptive field near the fovea) and
10 ms/frame — chosen so that the filter bank spans 0.5–32 deg/s: the finest grating (4 c/deg) has a 4-px
period (half the Nyquist frequency) and the fastest temporal filter (32 Hz) is below the 50-Hz temporal
Nyquist frequency. Speeds below ~0.5 deg/s or above ~32 deg/s fall off the ends of the bank; the 2-Hz
filters span about 480 ms, so the slow channels need ~0.5 s of stimulus to respond fully (every filter is causal:
network time ``t`` uses input frames ``≤ t``). ``delay_frames`` = 0: the filters' own latency is the model's.

It has no position readout: :meth:`MotionEnergyModel.run` raises a ValueError saying so, so the flash-lag and
pursuit benchmarks fail with that message; the MT/speed benchmarks read the ``mt`` layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..base import VideoModel
from ..commitment import a_priori_map
from .tracker import _preprocess_video

LAYERS = ["spatial", "energy", "normalised", "mt"]
DIRECTIONS_DEG = tuple(range(0, 360, 45))
SPATIAL_FREQS = (1.0, 2.0, 4.0)  # c/deg
TEMPORAL_FREQS = (2.0, 4.0, 8.0, 16.0, 32.0)  # Hz
SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # deg/s: every tf / sf of the bank
BANDWIDTH = 1.5  # envelope sd = BANDWIDTH / (2π f): frequency sd = f / BANDWIDTH


def _spatial_bank(height: int, width: int, px_per_deg: float, stride: int) -> tuple[torch.Tensor, np.ndarray]:
    """Spatial Gabor matrix ``(4 orientations, 3 sf, 2 phases, n_pos, H*W)`` and the grid positions (px)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    grid = [(r, c) for r in np.arange(stride / 2 - 0.5, height, stride) for c in np.arange(stride / 2 - 0.5, width,
                                                                                             stride)]
    bank = np.zeros((4, len(SPATIAL_FREQS), 2, len(grid), height * width))
    for o in range(4):
        th = np.deg2rad(45.0 * o)
        for s, sf in enumerate(SPATIAL_FREQS):
            k = sf / px_per_deg  # c/px
            sd = BANDWIDTH / (2 * np.pi * k)  # px
            for p, (r, c) in enumerate(grid):
                dx, dy = xs - c, ys - r
                env = np.exp(-(dx ** 2 + dy ** 2) / (2 * sd ** 2))
                phase = 2 * np.pi * k * (dx * np.cos(th) + dy * np.sin(th))
                for q, carrier in enumerate((np.cos(phase), np.sin(phase))):
                    g = env * carrier
                    g -= env * g.sum() / env.sum()  # zero-mean within the frame
                    bank[o, s, q, p] = (g * 2 / env.sum()).ravel()  # unit amplitude for a grating of frequency k
    return torch.from_numpy(bank).float(), np.array(grid)


def _temporal_bank(ms_per_frame: float) -> torch.Tensor:
    """Causal temporal quadrature filters ``(5 tf, 2 phases, L)``: ``h[k]`` weights the frame ``k`` frames ago."""
    dt = ms_per_frame / 1000.0
    sds = [BANDWIDTH / (2 * np.pi * tf) for tf in TEMPORAL_FREQS]
    L = int(np.ceil(4 * max(sds) / dt)) + 1
    t = np.arange(L) * dt
    bank = np.zeros((len(TEMPORAL_FREQS), 2, L))
    for i, (tf, sd) in enumerate(zip(TEMPORAL_FREQS, sds)):
        env = np.exp(-(t - 2 * sd) ** 2 / (2 * sd ** 2)) * (t <= 4 * sd + 1e-12)
        for q, carrier in enumerate((np.cos(2 * np.pi * tf * (t - 2 * sd)), np.sin(2 * np.pi * tf * (t - 2 * sd)))):
            h = env * carrier
            h -= env * h.sum() / env.sum()
            bank[i, q] = h * 2 / env.sum()
    return torch.from_numpy(bank).float()


class SpatialGabors(nn.Module):
    """``forward(video (B, T, H, W))`` → ``(B, T, 24, n_pos)``: even/odd spatial Gabor outputs (see the module
    docstring), channel order (orientation, sf, phase)."""

    def __init__(self, height: int, width: int, px_per_deg: float, stride: int = 8):
        super().__init__()
        bank, grid = _spatial_bank(height, width, px_per_deg, stride)
        self.register_buffer("bank", bank)
        self.px_per_deg, self.stride, self.n_pos = float(px_per_deg), int(stride), len(grid)

    def extra_repr(self) -> str:
        return (f"orientations_deg=(0, 45, 90, 135), sf_c_per_deg={SPATIAL_FREQS}, px_per_deg={self.px_per_deg}, "
                f"grid_stride_px={self.stride}, envelope_sd={BANDWIDTH}/(2*pi*sf)")

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        B, T, H, W = video.shape
        w = self.bank.reshape(-1, self.n_pos, H * W)  # (24, P, HW)
        out = video.reshape(B * T, H * W).float() @ w.reshape(-1, H * W).T
        return out.reshape(B, T, w.shape[0], self.n_pos)


class MotionEnergy(nn.Module):
    """``forward(spatial (B, T, 24, P))`` → ``(B, T, 8, 3, 5, P)``: motion energy per direction, sf, tf, position."""

    def __init__(self, ms_per_frame: float):
        super().__init__()
        self.register_buffer("bank", _temporal_bank(ms_per_frame))
        self.ms_per_frame = float(ms_per_frame)

    def extra_repr(self) -> str:
        return (f"tf_hz={TEMPORAL_FREQS}, ms_per_frame={self.ms_per_frame}, causal, "
                f"envelope_sd={BANDWIDTH}/(2*pi*tf), taps={self.bank.shape[-1]}")

    def forward(self, spatial: torch.Tensor) -> torch.Tensor:
        B, T, C, P = spatial.shape
        L = self.bank.shape[-1]
        x = spatial.permute(0, 2, 3, 1).reshape(B * C * P, 1, T)
        w = self.bank.reshape(-1, 1, L).flip(-1)  # conv1d correlates: flip so that w[-1] weights the present frame
        y = F.conv1d(F.pad(x, (L - 1, 0)), w)  # (B*C*P, 10, T)
        nf = len(SPATIAL_FREQS)
        y = y.reshape(B, 4, nf, 2, P, len(TEMPORAL_FREQS), 2, T)  # orientation, sf, s-phase, pos, tf, t-phase
        se, so = y[:, :, :, 0], y[:, :, :, 1]
        sete, seto, sote, soto = se[..., 0, :], se[..., 1, :], so[..., 0, :], so[..., 1, :]
        # the temporal filters are causal (phase measured backwards from the present), so the pair that drifts
        # towards +orientation is cos(kx + w tau) with tau = time before now: SeTe - SoTo, SoTe + SeTo
        e_pos = (sete - soto) ** 2 + (sote + seto) ** 2
        e_neg = (sete + soto) ** 2 + (sote - seto) ** 2
        e = torch.stack([e_pos, e_neg], 1)  # (B, 2, 4, nf, P, ntf, T): direction = orientation + 180 * index
        e = e.reshape(B, 8, nf, P, len(TEMPORAL_FREQS), T)
        return e.permute(0, 5, 1, 2, 4, 3).contiguous()  # (B, T, 8 dirs (0, 45, ..., 315), sf, tf, P)


class DivisiveNormalisation(nn.Module):
    """``energy / (mean over directions + sigma²)`` (Heeger 1992), same shape as the energy."""

    def __init__(self, sigma: float = 0.03):
        super().__init__()
        self.sigma = float(sigma)

    def extra_repr(self) -> str:
        return f"sigma={self.sigma}"

    def forward(self, energy: torch.Tensor) -> torch.Tensor:
        return energy / (energy.mean(2, keepdim=True) + self.sigma ** 2)


class MTPooling(nn.Module):
    """``(B, T, 8, 3, 5, P)`` → ``(B, T, 8, 7)``: per direction and speed (:data:`SPEEDS`), the mean over positions
    and over the (sf, tf) channels with ``tf / sf`` = that speed."""

    def __init__(self):
        super().__init__()
        w = np.zeros((len(SPEEDS), len(SPATIAL_FREQS), len(TEMPORAL_FREQS)))
        for i, v in enumerate(SPEEDS):
            for s, sf in enumerate(SPATIAL_FREQS):
                for j, tf in enumerate(TEMPORAL_FREQS):
                    w[i, s, j] = np.isclose(tf / sf, v)
        self.register_buffer("weights", torch.from_numpy(w / w.sum((1, 2), keepdims=True)).float())

    def extra_repr(self) -> str:
        return f"speeds_deg_s={SPEEDS}"

    def forward(self, normalised: torch.Tensor) -> torch.Tensor:
        return torch.einsum("btdsfp,vsf->btdv", normalised, self.weights) / normalised.shape[-1]


class MotionEnergyNet(nn.Module):
    """spatial Gabors → motion energy → divisive normalisation → MT pooling; ``forward`` returns the MT units
    ``(B, T, 8, 7)`` (see the module docstring)."""

    def __init__(self, height: int = 32, width: int = 32, px_per_deg: float = 16.0, ms_per_frame: float = 10.0):
        super().__init__()
        self.spatial = SpatialGabors(height, width, px_per_deg)
        self.energy = MotionEnergy(ms_per_frame)
        self.normalised = DivisiveNormalisation()
        self.mt = MTPooling()

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        if video.ndim != 4:
            raise ValueError(f"input must be (batch, time, height, width); got shape {tuple(video.shape)}")
        return self.mt(self.normalised(self.energy(self.spatial(video))))


@dataclass
class MotionEnergyModel(VideoModel):
    """The motion-energy model as a :class:`~neurovision.models.base.VideoModel` (no input delay)."""

    #: it has no position readout: behavioural (readout) benchmarks refuse it up front
    position_readout: ClassVar[bool] = False

    def run(self, video, *args, **kwargs) -> dict:
        """Not available: the motion-energy model has no position readout (it encodes local motion, not where a
        target is). Raises ValueError; score it on MT/speed benchmarks (layer ``mt``) instead."""
        raise ValueError(f"model {self.identifier!r} has no position readout (it is a motion-energy model of V1/MT "
                         "direction and speed tuning); flash-lag and pursuit benchmarks need a tracker-like model "
                         "such as 'tracker' or 'kalman_compensating'")


def build(height: int = 32, width: int = 32, px_per_deg: float = 16.0, ms_per_frame: float = 10.0
          ) -> MotionEnergyModel:
    """The registered ``motion_energy`` model (32 × 32 px at 16 px/deg, 10 ms/frame; commitment
    ``commitments/motion_energy.json``: MT and dorsal = ``mt``)."""
    return MotionEnergyModel(identifier="motion_energy", network=MotionEnergyNet(height, width, px_per_deg,
                                                                                 ms_per_frame),
                             preprocess=_preprocess_video, layers=list(LAYERS),
                             region_layer_map=a_priori_map("motion_energy"), visual_degrees=width / px_per_deg,
                             description="motion-energy model (Adelson & Bergen 1985) with divisive normalisation "
                             "and MT-like speed pooling (Simoncelli & Heeger 1998)", height=height, width=width,
                             ms_per_frame=ms_per_frame, px_per_deg=px_per_deg, delay_frames=0)
