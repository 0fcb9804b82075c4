"""Coordinates, units and the motion paths of :mod:`neurovision.stimuli.motion`.

Physical units are explicit: ``ms_per_frame`` — duration of one frame in milliseconds (10 ms = 100 Hz);
``px_per_deg`` — pixels per degree of visual angle.

Coordinates. Positions are given either in pixels (``px``: ``x`` = column, ``y`` = row, pixel centres at
integer indices, origin at the top-left pixel) or in degrees of visual angle (``deg``) measured from the
centre of the frame, ``deg = (px - (size - 1) / 2) / px_per_deg``. In both units ``y`` grows *downwards*
(image convention), so a "clockwise" circle is clockwise as seen on the screen.

Paths give an object's centre (deg) on every frame, ``positions(n_frames, ms_per_frame, half_extent_deg)`` →
``(n_frames, 2)``: :class:`Linear`, :class:`Circular`, :class:`Sinusoidal` (a cosine oscillation along one
direction, as the occluded-pursuit target of Adams et al. 2015), :class:`Bouncing` (linear with specular
reflection off the frame edges, Pong-like) or :class:`Custom` (any ``(time, 2)`` array in deg).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Linear", "Circular", "Sinusoidal", "Bouncing", "Custom", "deg_to_px", "px_to_deg", "delay_frames_from_ms"]


def deg_to_px(pos_deg, height: int, width: int, px_per_deg: float) -> np.ndarray:
    """Positions ``(..., 2)`` (x, y) in deg from the frame centre → pixel coordinates (column, row)."""
    pos = np.asarray(pos_deg, dtype=np.float64)
    centre = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
    return pos * px_per_deg + centre


def px_to_deg(pos_px, height: int, width: int, px_per_deg: float) -> np.ndarray:
    """Pixel coordinates ``(..., 2)`` (column, row) → deg from the frame centre (y downwards)."""
    pos = np.asarray(pos_px, dtype=np.float64)
    centre = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
    return (pos - centre) / px_per_deg


def check_positive(name: str, value: float, allow_zero: bool = False) -> None:
    """ValueError naming ``name`` unless ``value`` is finite and > 0 (>= 0 with ``allow_zero``)."""
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} (and finite); got {value!r}")


def check_frame(n_frames: int, height: int, width: int, ms_per_frame: float, px_per_deg: float) -> None:
    """ValueError naming the bad parameter of a video's frame: ``n_frames`` a positive integer, ``height`` and
    ``width`` integers >= 4 px, ``ms_per_frame`` and ``px_per_deg`` > 0."""
    if int(n_frames) != n_frames or n_frames < 1:
        raise ValueError(f"n_frames must be a positive integer; got {n_frames!r}")
    for name, v in (("height", height), ("width", width)):
        if int(v) != v or v < 4:
            raise ValueError(f"{name} must be an integer >= 4 pixels; got {v!r}")
    check_positive("ms_per_frame", ms_per_frame)
    check_positive("px_per_deg", px_per_deg)


def frame_times_s(n_frames: int, ms_per_frame: float) -> np.ndarray:
    """The time (s) of every frame from the first, ``(n_frames,)``."""
    return np.arange(n_frames) * ms_per_frame / 1000.0


def delay_frames_from_ms(delay_ms: float, ms_per_frame: float) -> int:
    """Convert a delay in ms to a whole number of frames (ValueError unless it is a multiple of the frame)."""
    check_positive("delay_ms", delay_ms, allow_zero=True)
    check_positive("ms_per_frame", ms_per_frame)
    n = delay_ms / ms_per_frame
    if abs(n - round(n)) > 1e-6:
        raise ValueError(f"delay {delay_ms} ms is not a whole number of {ms_per_frame}-ms frames")
    return int(round(n))


@dataclass(frozen=True)
class Linear:
    """Straight motion from ``start_deg`` (x, y) at ``speed_deg_s`` in direction ``direction_deg``
    (0 = rightwards, 90 = downwards, image convention)."""

    start_deg: tuple[float, float] = (0.0, 0.0)
    speed_deg_s: float = 10.0
    direction_deg: float = 0.0

    def positions(self, n_frames: int, ms_per_frame: float, half_extent_deg=None) -> np.ndarray:
        check_positive("speed_deg_s", self.speed_deg_s, allow_zero=True)
        t = frame_times_s(n_frames, ms_per_frame)
        th = np.deg2rad(self.direction_deg)
        return np.asarray(self.start_deg, float) + self.speed_deg_s * t[:, None] * np.array([np.cos(th), np.sin(th)])


@dataclass(frozen=True)
class Circular:
    """Motion on a circle of ``radius_deg`` around ``center_deg`` at tangential speed ``speed_deg_s``
    (angular speed = speed / radius rad/s), starting at polar angle ``start_angle_deg`` (0 = right of centre).
    ``angular_speed_deg_s`` (polar deg/s, e.g. 180 in Cottier et al. 2023) overrides ``speed_deg_s`` when given."""

    center_deg: tuple[float, float] = (0.0, 0.0)
    radius_deg: float = 5.0
    speed_deg_s: float = 10.0
    start_angle_deg: float = 0.0
    clockwise: bool = True
    angular_speed_deg_s: float | None = None

    def angular_speed(self) -> float:
        """Polar-angle speed in deg/s (positive number; the sense is given by ``clockwise``)."""
        if self.angular_speed_deg_s is not None:
            check_positive("angular_speed_deg_s", self.angular_speed_deg_s, allow_zero=True)
            return float(self.angular_speed_deg_s)
        check_positive("speed_deg_s", self.speed_deg_s, allow_zero=True)
        return float(np.rad2deg(self.speed_deg_s / self.radius_deg))

    def polar_angle_deg(self, n_frames: int, ms_per_frame: float) -> np.ndarray:
        """Polar angle (deg, y downwards so increasing angle is clockwise on screen) per frame."""
        check_positive("radius_deg", self.radius_deg)
        sign = 1.0 if self.clockwise else -1.0
        return self.start_angle_deg + sign * self.angular_speed() * frame_times_s(n_frames, ms_per_frame)

    def positions(self, n_frames: int, ms_per_frame: float, half_extent_deg=None) -> np.ndarray:
        a = np.deg2rad(self.polar_angle_deg(n_frames, ms_per_frame))
        return np.asarray(self.center_deg, float) + self.radius_deg * np.stack([np.cos(a), np.sin(a)], -1)


@dataclass(frozen=True)
class Sinusoidal:
    """Cosine oscillation ``center + amplitude * cos(2 pi t / period + phase)`` along ``direction_deg``
    (the Adams et al. 2015 pursuit target is one period of this along x). Peak speed = 2 pi A / period."""

    center_deg: tuple[float, float] = (0.0, 0.0)
    amplitude_deg: float = 5.0
    period_ms: float = 1000.0
    direction_deg: float = 0.0
    phase_deg: float = 0.0

    def positions(self, n_frames: int, ms_per_frame: float, half_extent_deg=None) -> np.ndarray:
        check_positive("amplitude_deg", self.amplitude_deg, allow_zero=True)
        check_positive("period_ms", self.period_ms)
        t = frame_times_s(n_frames, ms_per_frame)
        s = self.amplitude_deg * np.cos(2 * np.pi * t / (self.period_ms / 1000.0) + np.deg2rad(self.phase_deg))
        th = np.deg2rad(self.direction_deg)
        return np.asarray(self.center_deg, float) + s[:, None] * np.array([np.cos(th), np.sin(th)])


@dataclass(frozen=True)
class Bouncing:
    """Linear motion that reflects off the frame edges (Pong-like). The object's centre stays ``margin_deg``
    inside the frame; ``start_deg`` must lie inside that box."""

    start_deg: tuple[float, float] = (0.0, 0.0)
    speed_deg_s: float = 10.0
    direction_deg: float = 30.0
    margin_deg: float = 1.5

    def positions(self, n_frames: int, ms_per_frame: float, half_extent_deg=None) -> np.ndarray:
        check_positive("speed_deg_s", self.speed_deg_s, allow_zero=True)
        if half_extent_deg is None:
            raise ValueError("Bouncing needs the frame size (use it through make_video)")
        lim = np.asarray(half_extent_deg, float) - self.margin_deg
        if np.any(lim <= 0):
            raise ValueError(f"margin_deg={self.margin_deg} leaves no room inside the frame "
                             f"(half extent {half_extent_deg})")
        start = np.asarray(self.start_deg, float)
        if np.any(np.abs(start) > lim + 1e-9):
            raise ValueError(f"Bouncing start_deg {tuple(start)} lies outside the box ±{tuple(lim)} deg "
                             f"(frame half-extent minus margin_deg)")
        free = Linear(tuple(start), self.speed_deg_s, self.direction_deg).positions(n_frames, ms_per_frame)
        return reflect(free, lim)


def reflect(free: np.ndarray, lim: np.ndarray) -> np.ndarray:
    """Fold unbounded coordinates into [-lim, lim] (triangle wave = specular reflection)."""
    period = 4 * lim
    u = np.mod(free + lim, period)
    return np.where(u <= 2 * lim, u, period - u) - lim


@dataclass(frozen=True)
class Custom:
    """Any trajectory: ``positions_deg`` of shape ``(n_frames, 2)`` (x, y deg from the frame centre)."""

    positions_deg: np.ndarray = field(default_factory=lambda: np.zeros((1, 2)))

    def positions(self, n_frames: int, ms_per_frame: float, half_extent_deg=None) -> np.ndarray:
        p = np.asarray(self.positions_deg, float)
        if p.shape != (n_frames, 2):
            raise ValueError(f"Custom positions_deg must have shape (n_frames, 2) = ({n_frames}, 2); got {p.shape}")
        if not np.all(np.isfinite(p)):
            raise ValueError("Custom positions_deg contains NaN or inf")
        return p
