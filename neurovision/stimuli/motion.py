"""Seeded motion videos for the dorsal tracker: moving objects, occluders and brief flashes, with per-frame truth.

A video is a float32 array ``(time, height, width)`` with values in [0, 1] (0 = black background). Physical
units are explicit and are parameters of every video:

* ``ms_per_frame`` — duration of one frame in milliseconds (10 ms = 100 Hz);
* ``px_per_deg`` — pixels per degree of visual angle.

Coordinates. Positions are given either in pixels (``px``: ``x`` = column, ``y`` = row, pixel centres at
integer indices, origin at the top-left pixel) or in degrees of visual angle (``deg``) measured from the
centre of the frame, ``deg = (px - (size - 1) / 2) / px_per_deg``. In both units ``y`` grows *downwards*
(image convention), so a "clockwise" circle is clockwise as seen on the screen.

Scene elements
--------------
* Objects (:class:`MovingObject`) — an anti-aliased ``"disk"`` or a ``"gaussian"`` blob that follows a path:
  :class:`Linear`, :class:`Circular`, :class:`Sinusoidal` (a cosine oscillation along one direction, as the
  occluded-pursuit target of Adams et al. 2015), :class:`Bouncing` (linear with specular reflection off the
  frame edges, Pong-like) or :class:`Custom` (any ``(time, 2)`` array in deg). An object may appear late or
  vanish early (flash-initiated / flash-terminated displays, Eagleman & Sejnowski 2000).
* Occluders (:class:`Occluder`) — uniform grey rectangles in front of everything, active over a frame interval.
  Their geometry is given by the caller (fixed regions, or random placement in :func:`random_scenes`), never
  derived from the part of the path they hide, so an occluder carries no information about where the hidden
  target goes.
* Flashes (:class:`Flash`) — brief static stimuli. By default a *ring* (annulus), which differs in shape from the
  moving disk/blob, so that a flash on the path is never pixel-identical to the target (a flash identical to
  the target and on its path gives a spurious flash-lag even in a network without any extrapolation).

Each generator returns ``(video, meta)`` where ``meta`` is an :class:`xarray.Dataset` over ``time`` (coordinate
``time_ms``) with the true position (deg and px), velocity (deg/s), visibility and flash events.

The flash-lag effect these stimuli probe: Nijhawan (1994) Nature 370:256-257; Whitney, Murakami & Cavanagh (2000)
Vision Res 40:137-149; Eagleman & Sejnowski (2000) Science 287:2036-2038; Kanai, Sheth & Shimojo (2004)
Vision Res 44:2605-2619. Occluded pursuit: Adams, Aponte, Marshall & Friston (2015) J Neurosci Methods 242:1-14.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import xarray as xr

__all__ = [
    "Linear", "Circular", "Sinusoidal", "Bouncing", "Custom", "MovingObject", "Occluder", "Flash",
    "make_video", "delay_video", "delay_frames_from_ms", "random_scenes", "render_shape", "deg_to_px", "px_to_deg",
]

SHAPES = ("disk", "gaussian", "ring")


# --------------------------------------------------------------------------------------------- unit conversions
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


def _check_positive(name: str, value: float, allow_zero: bool = False) -> None:
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} (and finite); got {value!r}")


def _check_frame(n_frames: int, height: int, width: int, ms_per_frame: float, px_per_deg: float) -> None:
    if int(n_frames) != n_frames or n_frames < 1:
        raise ValueError(f"n_frames must be a positive integer; got {n_frames!r}")
    for name, v in (("height", height), ("width", width)):
        if int(v) != v or v < 4:
            raise ValueError(f"{name} must be an integer >= 4 pixels; got {v!r}")
    _check_positive("ms_per_frame", ms_per_frame)
    _check_positive("px_per_deg", px_per_deg)


def _times_s(n_frames: int, ms_per_frame: float) -> np.ndarray:
    return np.arange(n_frames) * ms_per_frame / 1000.0


# ----------------------------------------------------------------------------------------------------- paths
@dataclass(frozen=True)
class Linear:
    """Straight motion from ``start_deg`` (x, y) at ``speed_deg_s`` in direction ``direction_deg``
    (0 = rightwards, 90 = downwards, image convention)."""

    start_deg: tuple[float, float] = (0.0, 0.0)
    speed_deg_s: float = 10.0
    direction_deg: float = 0.0

    def positions(self, n_frames: int, ms_per_frame: float, half_extent_deg=None) -> np.ndarray:
        _check_positive("speed_deg_s", self.speed_deg_s, allow_zero=True)
        t = _times_s(n_frames, ms_per_frame)
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
            _check_positive("angular_speed_deg_s", self.angular_speed_deg_s, allow_zero=True)
            return float(self.angular_speed_deg_s)
        _check_positive("speed_deg_s", self.speed_deg_s, allow_zero=True)
        return float(np.rad2deg(self.speed_deg_s / self.radius_deg))

    def polar_angle_deg(self, n_frames: int, ms_per_frame: float) -> np.ndarray:
        """Polar angle (deg, y downwards so increasing angle is clockwise on screen) per frame."""
        _check_positive("radius_deg", self.radius_deg)
        sign = 1.0 if self.clockwise else -1.0
        return self.start_angle_deg + sign * self.angular_speed() * _times_s(n_frames, ms_per_frame)

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
        _check_positive("amplitude_deg", self.amplitude_deg, allow_zero=True)
        _check_positive("period_ms", self.period_ms)
        t = _times_s(n_frames, ms_per_frame)
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
        _check_positive("speed_deg_s", self.speed_deg_s, allow_zero=True)
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
        return _reflect(free, lim)


def _reflect(free: np.ndarray, lim: np.ndarray) -> np.ndarray:
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


# ----------------------------------------------------------------------------------------- scene elements
@dataclass(frozen=True)
class MovingObject:
    """An object following ``path``. ``shape`` is ``"disk"`` (radius ``size_deg``) or ``"gaussian"``
    (sigma ``size_deg``); it is drawn on frames ``appear_frame <= t < vanish_frame`` (None = to the end)."""

    path: object = field(default_factory=Linear)
    shape: str = "disk"
    size_deg: float = 1.5
    intensity: float = 1.0
    appear_frame: int = 0
    vanish_frame: int | None = None


@dataclass(frozen=True)
class Occluder:
    """Grey rectangle ``x_min..x_max`` × ``y_min..y_max`` (deg from the frame centre, y downwards) drawn in
    front of everything on frames ``on_frame <= t < off_frame`` (None = to the end). Must lie inside the frame."""

    x_min: float
    y_min: float
    x_max: float
    y_max: float
    on_frame: int = 0
    off_frame: int | None = None
    intensity: float = 0.4


@dataclass(frozen=True)
class Flash:
    """A static stimulus at ``position_deg`` shown on frames ``frame <= t < frame + duration_frames``.
    Default appearance: a ring (outer radius ``size_deg``, inner radius 0.55 × that) — distinct from the target."""

    frame: int
    position_deg: tuple[float, float]
    duration_frames: int = 5
    shape: str = "ring"
    size_deg: float = 2.5
    intensity: float = 0.8


# ------------------------------------------------------------------------------------------------ rendering
def render_shape(pos_px: np.ndarray, shape: str, size_px, intensity, height: int, width: int) -> np.ndarray:
    """Render one shape per position: ``pos_px (..., 2)`` → float32 ``(..., height, width)``.

    ``disk``: anti-aliased disk of radius ``size_px``; ``gaussian``: ``exp(-d^2 / 2 size^2)``; ``ring``:
    anti-aliased annulus, outer radius ``size_px``, inner ``0.55 * size_px``. ``size_px``/``intensity`` broadcast
    against ``pos_px[..., 0]``. NaN positions render nothing.
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; known: {', '.join(SHAPES)}")
    pos = np.asarray(pos_px, np.float32)
    size = np.asarray(size_px, np.float32)[..., None, None]
    inten = np.asarray(intensity, np.float32)[..., None, None]
    ys = np.arange(height, dtype=np.float32)[:, None]
    xs = np.arange(width, dtype=np.float32)[None, :]
    dx = xs - pos[..., 0, None, None]
    dy = ys - pos[..., 1, None, None]
    d2 = dx * dx + dy * dy
    if shape == "gaussian":
        img = np.exp(-d2 / (2 * size * size))
    else:
        d = np.sqrt(d2)
        img = np.clip(size + 0.5 - d, 0, 1)
        if shape == "ring":
            img = img * np.clip(d - 0.55 * size + 0.5, 0, 1)
    img = np.nan_to_num(img * inten, nan=0.0)
    return img.astype(np.float32)


def _occluder_px(occ: Occluder, height: int, width: int, px_per_deg: float):
    """Pixel index bounds (r0, r1, c0, c1) of the pixels whose centres the occluder covers."""
    (x0, y0), (x1, y1) = deg_to_px([[occ.x_min, occ.y_min], [occ.x_max, occ.y_max]], height, width, px_per_deg)
    c0, c1 = int(np.ceil(x0 - 1e-6)), int(np.floor(x1 + 1e-6)) + 1
    r0, r1 = int(np.ceil(y0 - 1e-6)), int(np.floor(y1 + 1e-6)) + 1
    return max(r0, 0), min(r1, height), max(c0, 0), min(c1, width)


def _validate_occluder(i: int, occ: Occluder, n_frames: int, height: int, width: int, px_per_deg: float) -> int:
    if not (occ.x_min < occ.x_max and occ.y_min < occ.y_max):
        raise ValueError(f"occluder {i}: need x_min < x_max and y_min < y_max; got {occ}")
    hx, hy = (width - 1) / 2 / px_per_deg + 0.5 / px_per_deg, (height - 1) / 2 / px_per_deg + 0.5 / px_per_deg
    tol = 1e-6
    if occ.x_min < -hx - tol or occ.x_max > hx + tol or occ.y_min < -hy - tol or occ.y_max > hy + tol:
        raise ValueError(f"occluder {i} lies (partly) outside the frame: x {occ.x_min}..{occ.x_max}, y {occ.y_min}.."
                         f"{occ.y_max} deg; the frame spans x ±{hx:.3g}, y ±{hy:.3g} deg")
    off = n_frames if occ.off_frame is None else occ.off_frame
    if not (0 <= occ.on_frame < off <= n_frames):
        raise ValueError(f"occluder {i}: need 0 <= on_frame < off_frame <= n_frames={n_frames}; "
                         f"got on_frame={occ.on_frame}, off_frame={occ.off_frame}")
    if not 0 <= occ.intensity <= 1:
        raise ValueError(f"occluder {i}: intensity must be in [0, 1]; got {occ.intensity}")
    return off


def make_video(objects: Sequence[MovingObject] | MovingObject, occluders: Sequence[Occluder] = (),
               flashes: Sequence[Flash] = (), *, n_frames: int = 80, height: int = 32, width: int = 32,
               ms_per_frame: float = 10.0, px_per_deg: float = 1.0, background: float = 0.0,
               noise_sd: float = 0.0, seed: int = 0) -> tuple[np.ndarray, xr.Dataset]:
    """Render a video and its per-frame truth.

    Returns ``video`` float32 ``(n_frames, height, width)`` in [0, 1] and ``meta`` (xarray Dataset, dims
    ``time`` (coord ``time_ms``), ``object``, ``flash``, ``occluder``, ``axis`` = x, y) with

    * ``position_deg``/``position_px`` ``(time, object, axis)`` — true centre (deg from frame centre; px);
    * ``velocity_deg_s`` ``(time, object, axis)`` — finite-difference velocity in deg/s;
    * ``visible_fraction`` ``(time, object)`` — rendered mass inside the frame and not occluded / total mass;
      ``visible`` = present and ``visible_fraction >= 0.5``; ``present`` = drawn on this frame;
    * ``flash_on`` ``(time,)``, ``flash_position_deg``/``flash_position_px`` ``(time, axis)`` (NaN when off),
      and per flash ``flash_onset_frame``, ``flash_duration_frames``, ``flash_x_deg``/``flash_y_deg``;
    * per occluder ``occluder_{x,y}_{min,max}_deg``, ``occluder_on_frame``, ``occluder_off_frame``.

    Compositing: objects and flashes combine by maximum; occluders paint over both. Optional Gaussian pixel
    noise (``noise_sd``) is drawn from ``numpy.random.default_rng(seed)``; the same arguments always give the
    identical video. Raises ValueError naming any bad parameter.
    """
    _check_frame(n_frames, height, width, ms_per_frame, px_per_deg)
    if isinstance(objects, MovingObject):
        objects = [objects]
    objects, occluders, flashes = list(objects), list(occluders), list(flashes)
    if not objects:
        raise ValueError("need at least one MovingObject")
    if not 0 <= background <= 1:
        raise ValueError(f"background must be in [0, 1]; got {background}")
    _check_positive("noise_sd", noise_sd, allow_zero=True)
    frame = _Frame(n_frames, height, width, ms_per_frame, px_per_deg)

    video = np.full((n_frames, height, width), background, np.float32)
    objs = _render_objects(objects, frame)
    video = np.maximum(video, objs.in_frame_max())
    flash_on, flash_pos = _draw_flashes(video, flashes, frame)
    occ_mask = _draw_occluders(video, occluders, frame)
    vis_frac = objs.visible_fraction(occ_mask)
    video = _add_noise_and_clip(video, noise_sd, seed)
    meta = xr.Dataset(
        {**_object_truth(objs.positions_deg, objs.present, vis_frac, frame),
         **_flash_truth(flashes, flash_on, flash_pos, frame), **_occluder_table(occluders, n_frames)},
        coords={"time": np.arange(n_frames), "time_ms": ("time", np.arange(n_frames) * ms_per_frame),
                "axis": ["x", "y"]},
        attrs={"ms_per_frame": float(ms_per_frame), "px_per_deg": float(px_per_deg), "height": int(height),
               "width": int(width), "seed": int(seed), "units": "position deg from frame centre (y down) or px "
               "(column,row); velocity deg/s; time ms"},
    )
    return video, meta


@dataclass(frozen=True)
class _Frame:
    """The geometry and timing shared by every element of one video."""

    n_frames: int
    height: int
    width: int
    ms_per_frame: float
    px_per_deg: float

    @property
    def half_extent_deg(self) -> np.ndarray:
        """(x, y) distance in deg from the frame centre to the outer edge of the border pixels."""
        return np.array([(self.width - 1) / 2 + 0.5, (self.height - 1) / 2 + 0.5]) / self.px_per_deg


@dataclass
class _RenderedObjects:
    """Objects drawn on a canvas padded by ``pad`` px on every side, so that mass outside the frame is counted.

    ``masks``: one float32 ``(time, H + 2 pad, W + 2 pad)`` image per object (zero where it is absent);
    ``positions_deg``: one ``(time, 2)`` path per object; ``present``: one bool ``(time,)`` per object.
    """

    masks: list
    positions_deg: list
    present: list
    pad: int
    height: int
    width: int

    def in_frame_max(self) -> np.ndarray:
        """The objects composited by maximum, cropped to the frame: float32 ``(time, height, width)``."""
        p = self.pad
        return np.max(self.masks, axis=0)[:, p:p + self.height, p:p + self.width]

    def visible_fraction(self, occ_mask: np.ndarray) -> list:
        """Per object, ``(time,)``: rendered mass inside the frame and not under ``occ_mask`` / total mass
        (0 where the object is absent)."""
        p = self.pad
        out = []
        for full in self.masks:
            total = full.sum(axis=(1, 2))
            inside = full[:, p:p + self.height, p:p + self.width]
            seen = (inside * ~occ_mask).sum(axis=(1, 2))
            out.append(np.where(total > 0, seen / np.maximum(total, 1e-12), 0.0))
        return out


def _validate_object(i: int, obj: MovingObject, n_frames: int) -> int:
    """Check object ``i``'s shape, size, intensity and frame interval; returns its vanish frame."""
    if obj.shape not in ("disk", "gaussian"):
        raise ValueError(f"object {i}: shape must be 'disk' or 'gaussian'; got {obj.shape!r}")
    _check_positive(f"object {i} size_deg", obj.size_deg)
    if not 0 <= obj.intensity <= 1:
        raise ValueError(f"object {i}: intensity must be in [0, 1]; got {obj.intensity}")
    vanish = n_frames if obj.vanish_frame is None else obj.vanish_frame
    if not 0 <= obj.appear_frame < vanish <= n_frames:
        raise ValueError(f"object {i}: need 0 <= appear_frame < vanish_frame <= n_frames={n_frames}; "
                         f"got appear_frame={obj.appear_frame}, vanish_frame={obj.vanish_frame}")
    return vanish


def _render_objects(objects: list[MovingObject], frame: _Frame) -> _RenderedObjects:
    """Each object's path (deg) and presence per frame, rendered on a canvas padded by 4 × the largest object
    size (+ 2 px) on every side."""
    half = frame.half_extent_deg
    pad = int(np.ceil(4 * max([o.size_deg for o in objects]) * frame.px_per_deg)) + 2
    H2, W2 = frame.height + 2 * pad, frame.width + 2 * pad
    masks, positions, present = [], [], []
    for i, obj in enumerate(objects):
        vanish = _validate_object(i, obj, frame.n_frames)
        p = obj.path.positions(frame.n_frames, frame.ms_per_frame, half)
        pres = np.zeros(frame.n_frames, bool)
        pres[obj.appear_frame:vanish] = True
        px = deg_to_px(p, H2, W2, frame.px_per_deg)  # same centre, padded canvas
        masks.append(render_shape(px, obj.shape, obj.size_deg * frame.px_per_deg, obj.intensity, H2, W2)
                     * pres[:, None, None])
        positions.append(p)
        present.append(pres)
    return _RenderedObjects(masks, positions, present, pad, frame.height, frame.width)


def _validate_flash(j: int, fl: Flash, n_frames: int, half_extent_deg: np.ndarray) -> None:
    """Check flash ``j``'s frame interval, shape, size and position (inside the frame)."""
    if not (0 <= fl.frame < n_frames):
        raise ValueError(f"flash {j}: frame {fl.frame} is outside the video (0..{n_frames - 1})")
    if int(fl.duration_frames) != fl.duration_frames or fl.duration_frames < 1:
        raise ValueError(f"flash {j}: duration_frames must be a positive integer; got {fl.duration_frames}")
    if fl.frame + fl.duration_frames > n_frames:
        raise ValueError(f"flash {j}: frames {fl.frame}..{fl.frame + fl.duration_frames - 1} run past the end "
                         f"of the video ({n_frames} frames)")
    if fl.shape not in SHAPES:
        raise ValueError(f"flash {j}: unknown shape {fl.shape!r}; known: {', '.join(SHAPES)}")
    _check_positive(f"flash {j} size_deg", fl.size_deg)
    if np.any(np.abs(np.asarray(fl.position_deg)) > half_extent_deg):
        raise ValueError(f"flash {j}: position {fl.position_deg} deg is outside the frame "
                         f"(±{tuple(half_extent_deg)} deg)")


def _draw_flashes(video: np.ndarray, flashes: list[Flash], frame: _Frame) -> tuple[np.ndarray, np.ndarray]:
    """Composite every flash into ``video`` (in place, by maximum); returns ``flash_on`` bool ``(time,)`` and
    ``flash_pos`` ``(time, 2)`` deg of the flash shown on each frame (NaN when none; the later flash wins)."""
    flash_on = np.zeros(frame.n_frames, bool)
    flash_pos = np.full((frame.n_frames, 2), np.nan)
    for j, fl in enumerate(flashes):
        _validate_flash(j, fl, frame.n_frames, frame.half_extent_deg)
        img = render_shape(deg_to_px(fl.position_deg, frame.height, frame.width, frame.px_per_deg), fl.shape,
                           fl.size_deg * frame.px_per_deg, fl.intensity, frame.height, frame.width)
        sl = slice(fl.frame, fl.frame + fl.duration_frames)
        video[sl] = np.maximum(video[sl], img)
        flash_on[sl] = True
        flash_pos[sl] = fl.position_deg
    return flash_on, flash_pos


def _draw_occluders(video: np.ndarray, occluders: list[Occluder], frame: _Frame) -> np.ndarray:
    """Paint every occluder over ``video`` (in place) on its frames; returns the occluded pixels, bool
    ``(time, height, width)``."""
    occ_mask = np.zeros((frame.n_frames, frame.height, frame.width), bool)
    for k, occ in enumerate(occluders):
        off = _validate_occluder(k, occ, frame.n_frames, frame.height, frame.width, frame.px_per_deg)
        r0, r1, c0, c1 = _occluder_px(occ, frame.height, frame.width, frame.px_per_deg)
        video[occ.on_frame:off, r0:r1, c0:c1] = occ.intensity
        occ_mask[occ.on_frame:off, r0:r1, c0:c1] = True
    return occ_mask


def _add_noise_and_clip(video: np.ndarray, noise_sd: float, seed: int) -> np.ndarray:
    """``video`` plus Gaussian pixel noise of SD ``noise_sd`` from ``default_rng(seed)`` (none when 0), clipped
    to [0, 1], float32."""
    if noise_sd > 0:
        rng = np.random.default_rng(seed)
        video = video + rng.normal(0, noise_sd, video.shape).astype(np.float32)
    return np.clip(video, 0, 1).astype(np.float32)


def _object_truth(positions_deg: list, present: list, vis_frac: list, frame: _Frame) -> dict:
    """The per-object variables of the metadata: positions (deg, px), velocity (deg/s, finite differences),
    presence, visible fraction and visibility, each over ``(time, object[, axis])``."""
    pos_deg = np.stack(positions_deg, 1)
    present = np.stack(present, 1)
    vis_frac = np.stack(vis_frac, 1)
    dt = frame.ms_per_frame / 1000.0
    vel = np.gradient(pos_deg, dt, axis=0) if frame.n_frames > 1 else np.zeros_like(pos_deg)
    return {
        "position_deg": (("time", "object", "axis"), pos_deg),
        "position_px": (("time", "object", "axis"), deg_to_px(pos_deg, frame.height, frame.width, frame.px_per_deg)),
        "velocity_deg_s": (("time", "object", "axis"), vel),
        "present": (("time", "object"), present),
        "visible_fraction": (("time", "object"), vis_frac),
        "visible": (("time", "object"), present & (vis_frac >= 0.5)),
    }


def _flash_truth(flashes: list[Flash], flash_on: np.ndarray, flash_pos: np.ndarray, frame: _Frame) -> dict:
    """The flash variables of the metadata: per frame whether and where (deg, px) a flash is shown, and per
    flash its onset, duration and position (deg)."""
    return {
        "flash_on": (("time",), flash_on),
        "flash_position_deg": (("time", "axis"), flash_pos),
        "flash_position_px": (("time", "axis"), deg_to_px(flash_pos, frame.height, frame.width, frame.px_per_deg)),
        "flash_onset_frame": (("flash",), np.array([f.frame for f in flashes], int)),
        "flash_duration_frames": (("flash",), np.array([f.duration_frames for f in flashes], int)),
        "flash_x_deg": (("flash",), np.array([f.position_deg[0] for f in flashes], float)),
        "flash_y_deg": (("flash",), np.array([f.position_deg[1] for f in flashes], float)),
    }


def _occluder_table(occluders: list[Occluder], n_frames: int) -> dict:
    """The occluder variables of the metadata: per occluder its rectangle (deg) and frame interval."""
    return {
        "occluder_x_min_deg": (("occluder",), np.array([o.x_min for o in occluders], float)),
        "occluder_x_max_deg": (("occluder",), np.array([o.x_max for o in occluders], float)),
        "occluder_y_min_deg": (("occluder",), np.array([o.y_min for o in occluders], float)),
        "occluder_y_max_deg": (("occluder",), np.array([o.y_max for o in occluders], float)),
        "occluder_on_frame": (("occluder",), np.array([o.on_frame for o in occluders], int)),
        "occluder_off_frame": (("occluder",), np.array([n_frames if o.off_frame is None else o.off_frame
                                                        for o in occluders], int)),
    }


# ---------------------------------------------------------------------------------------------------- delay
def delay_frames_from_ms(delay_ms: float, ms_per_frame: float) -> int:
    """Convert a delay in ms to a whole number of frames (ValueError unless it is a multiple of the frame)."""
    _check_positive("delay_ms", delay_ms, allow_zero=True)
    _check_positive("ms_per_frame", ms_per_frame)
    n = delay_ms / ms_per_frame
    if abs(n - round(n)) > 1e-6:
        raise ValueError(f"delay {delay_ms} ms is not a whole number of {ms_per_frame}-ms frames")
    return int(round(n))


def delay_video(video: np.ndarray, delay_frames: int, fill: float = 0.0) -> np.ndarray:
    """Input delay applied on the data side: ``out[..., t, :, :] = video[..., t - delay, :, :]`` for
    ``t >= delay`` and ``fill`` before. ``video`` is ``(..., time, height, width)``; time is axis -3."""
    video = np.asarray(video)
    n = video.shape[-3] if video.ndim >= 3 else 0
    if int(delay_frames) != delay_frames or delay_frames < 0:
        raise ValueError(f"delay_frames must be a non-negative integer; got {delay_frames!r}")
    if video.ndim < 3:
        raise ValueError(f"video must be (..., time, height, width); got shape {video.shape}")
    if delay_frames >= n:
        raise ValueError(f"delay of {delay_frames} frames is not shorter than the video ({n} frames)")
    if delay_frames == 0:
        return video.copy()
    out = np.full_like(video, fill)
    out[..., delay_frames:, :, :] = video[..., :n - delay_frames, :, :]
    return out


# ------------------------------------------------------------------------------------------ random training scenes
def random_scenes(batch: int, rng: np.random.Generator, *, n_frames: int = 80, height: int = 32, width: int = 32,
                  ms_per_frame: float = 10.0, px_per_deg: float = 1.0, speed_range_deg_s=(2.0, 50.0),
                  p_occluder: float = 0.6, p_flash: float = 0.7, p_flash_near: float = 0.6,
                  max_flashes: int = 2, noise_sd: float = 0.02, p_flash_aligned: float = 0.0) -> dict:
    """A batch of random single-target scenes for training (vectorised; everything drawn from ``rng``).

    Target: a disk (radius 1-2 deg) or Gaussian blob (sigma 0.8-1.4 deg), intensity 0.7-1, on a bouncing,
    circular or sinusoidal path with speed log-uniform in ``speed_range_deg_s`` (peak speed for sinusoids).
    Occluder (probability ``p_occluder``): a grey rectangle placed at random — a full-height vertical strip, a
    full-width horizontal strip or a free rectangle — independent of the path, shown for the whole video or a
    random interval. Flashes (probability ``p_flash``, 1..``max_flashes``): rings lasting 2-6 frames, with
    probability ``p_flash_near`` placed within 4 deg of the target's position at onset (near the path),
    otherwise uniformly. Of the near flashes, a fraction ``p_flash_aligned`` is placed as in flash-lag displays:
    aligned with the target along its motion at onset and displaced 2.5-4.5 deg perpendicular to it.

    Returns a dict of numpy arrays: ``video`` float32 ``(B, T, H, W)``; ``position_px`` ``(B, T, 2)``;
    ``visible`` bool ``(B, T)``; ``flash_onset``/``flash_duration`` int ``(B, F)`` (onset -1 = no flash);
    ``flash_px`` ``(B, F, 2)``; ``speed_deg_s`` ``(B,)``; ``occluded_any`` bool ``(B,)``.

    The draws from ``rng`` come in a fixed order (target properties, paths, flashes, occluders, noise), so a
    seeded generator always gives the same batch.
    """
    _check_frame(n_frames, height, width, ms_per_frame, px_per_deg)
    lo, hi = speed_range_deg_s
    if not 0 < lo <= hi:
        raise ValueError(f"speed_range_deg_s must satisfy 0 < low <= high; got {speed_range_deg_s}")
    frame = _Frame(n_frames, height, width, ms_per_frame, px_per_deg)
    half = np.array([(width - 1) / 2, (height - 1) / 2]) / px_per_deg  # centre of the border pixels, deg
    targets = _random_targets(rng, batch, lo, hi)
    lim = np.tile(half - 1.5, (batch, 1))  # (B, 2): the target's centre stays 1.5 deg inside the frame
    pos = _random_paths(rng, targets["kind"], targets["speed"], _times_s(n_frames, ms_per_frame), lim)
    pos_px = deg_to_px(pos, height, width, px_per_deg)
    target = _render_targets(pos_px, targets, frame)
    video = target.copy()
    onset, dur, fpx = _add_random_flashes(video, rng, pos, half, frame, p_flash=p_flash, p_flash_near=p_flash_near,
                                          p_flash_aligned=p_flash_aligned, max_flashes=max_flashes)
    occl, has_occ = _add_random_occluders(video, rng, frame, p_occluder)
    seen = _visible_fraction(target, occl, has_occ)
    if noise_sd > 0:
        video += rng.normal(0, noise_sd, video.shape).astype(np.float32)
    np.clip(video, 0, 1, out=video)
    return {"video": video, "position_px": pos_px.astype(np.float32), "visible": seen >= 0.5,
            "flash_onset": onset, "flash_duration": dur, "flash_px": fpx.astype(np.float32),
            "speed_deg_s": targets["speed"], "occluded_any": has_occ}


def _random_targets(rng: np.random.Generator, B: int, lo: float, hi: float) -> dict:
    """Per scene ``(B,)``: path ``kind`` (0 bouncing, 1 circular, 2 sinusoidal), ``speed`` deg/s log-uniform in
    [lo, hi], ``is_disk`` (else a Gaussian blob), ``size`` deg (disk radius 1-2, blob sigma 0.8-1.4) and
    ``intensity`` (0.7-1)."""
    kind = rng.integers(0, 3, B)
    speed = np.exp(rng.uniform(np.log(lo), np.log(hi), B))
    is_disk = rng.random(B) < 0.5
    size = np.where(is_disk, rng.uniform(1.0, 2.0, B), rng.uniform(0.8, 1.4, B))
    inten = rng.uniform(0.7, 1.0, B)
    return {"kind": kind, "speed": speed, "is_disk": is_disk, "size": size, "intensity": inten}


def _random_paths(rng: np.random.Generator, kind: np.ndarray, speed: np.ndarray, t: np.ndarray,
                  lim: np.ndarray) -> np.ndarray:
    """Target positions ``(B, T, 2)`` deg from the frame centre: a bouncing, circular and sinusoidal path is
    drawn for every scene (in that order) and ``kind`` picks one. ``t``: frame times (s); ``lim`` ``(B, 2)``:
    the largest |x|, |y| the centre may reach."""
    bounce = _bouncing_paths(rng, speed, t, lim)
    circ = _circular_paths(rng, speed, t, lim)
    sinus = _sinusoidal_paths(rng, speed, t, lim)
    return np.where((kind == 0)[:, None, None], bounce, np.where((kind == 1)[:, None, None], circ, sinus))


def _bouncing_paths(rng: np.random.Generator, speed: np.ndarray, t: np.ndarray, lim: np.ndarray) -> np.ndarray:
    """Straight motion from a uniform start inside ``±lim`` in a uniform direction, reflected off ``±lim``."""
    B = len(speed)
    start = rng.uniform(-1, 1, (B, 2)) * lim
    th = rng.uniform(0, 2 * np.pi, B)
    free = start[:, None, :] + speed[:, None, None] * t[None, :, None] * np.stack([np.cos(th), np.sin(th)], -1)[:, None]
    return _reflect(free, lim[:, None, :])


def _circular_paths(rng: np.random.Generator, speed: np.ndarray, t: np.ndarray, lim: np.ndarray) -> np.ndarray:
    """Circles of radius ≥ 3 deg that fit inside ``±lim``, at tangential speed ``speed``, random start angle and
    sense."""
    B = len(speed)
    rmax = lim.min(1)
    radius = rng.uniform(3.0, np.maximum(rmax, 3.01))
    cspan = lim - radius[:, None]
    centre = rng.uniform(-1, 1, (B, 2)) * np.maximum(cspan, 0)
    a = (rng.uniform(0, 2 * np.pi, B)[:, None]
         + np.where(rng.random(B) < 0.5, 1, -1)[:, None] * speed[:, None] / radius[:, None] * t)
    return centre[:, None, :] + radius[:, None, None] * np.stack([np.cos(a), np.sin(a)], -1)


def _sinusoidal_paths(rng: np.random.Generator, speed: np.ndarray, t: np.ndarray, lim: np.ndarray) -> np.ndarray:
    """Cosine oscillations along a random direction, amplitude 40-100 % of what fits inside ``±lim``, period set
    so that the peak speed is ``speed``, random phase and centre."""
    B = len(speed)
    dth = rng.uniform(0, np.pi, B)
    u = np.stack([np.cos(dth), np.sin(dth)], -1)
    amax = np.min(lim / np.maximum(np.abs(u), 1e-6), axis=1)
    amp = rng.uniform(0.4, 1.0, B) * amax
    period = 2 * np.pi * amp / speed
    ph = rng.uniform(0, 2 * np.pi, B)
    s = amp[:, None] * np.cos(2 * np.pi * t[None] / period[:, None] + ph[:, None])
    span = np.maximum(lim - amp[:, None] * np.abs(u), 0)
    c2 = rng.uniform(-1, 1, (B, 2)) * span
    return c2[:, None, :] + s[..., None] * u[:, None, :]


def _render_targets(pos_px: np.ndarray, targets: dict, frame: _Frame) -> np.ndarray:
    """The target alone on every frame: float32 ``(B, T, H, W)``."""
    B = len(pos_px)
    target = np.empty((B, frame.n_frames, frame.height, frame.width), np.float32)
    for b in range(B):
        target[b] = render_shape(pos_px[b], "disk" if targets["is_disk"][b] else "gaussian",
                                 targets["size"][b] * frame.px_per_deg, targets["intensity"][b],
                                 frame.height, frame.width)
    return target


def _random_flash_position(rng: np.random.Generator, path: np.ndarray, o: int, half: np.ndarray,
                           p_flash_near: float, p_flash_aligned: float) -> np.ndarray:
    """Where a flash with onset frame ``o`` goes (deg): with probability ``p_flash_near`` near the target's
    position ``path[o]`` — aligned with its motion and 2.5-4.5 deg to either side (a share ``p_flash_aligned``)
    or within 4 deg in any direction — kept 1 deg inside the frame; otherwise uniform over the frame."""
    T = len(path)
    if rng.random() < p_flash_near:
        if p_flash_aligned > 0 and rng.random() < p_flash_aligned:
            v = path[min(o + 1, T - 1)] - path[max(o - 1, 0)]
            nrm = np.array([-v[1], v[0]]) / max(np.linalg.norm(v), 1e-9)
            p = path[o] + rng.choice([-1.0, 1.0]) * rng.uniform(2.5, 4.5) * nrm
        else:
            r, ang = rng.uniform(0, 4.0), rng.uniform(0, 2 * np.pi)
            p = path[o] + r * np.array([np.cos(ang), np.sin(ang)])
        return np.clip(p, -half + 1.0, half - 1.0)
    return rng.uniform(-1, 1, 2) * (half - 1.0)


def _add_random_flashes(video: np.ndarray, rng: np.random.Generator, pos: np.ndarray, half: np.ndarray,
                        frame: _Frame, *, p_flash: float, p_flash_near: float, p_flash_aligned: float,
                        max_flashes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw ring flashes (2.5 deg, intensity 0.6-0.9, onset frame 5..T-9, 2-6 frames) into ``video`` (in place,
    by maximum): in a share ``p_flash`` of the scenes, 1..``max_flashes`` each. Returns ``onset`` int ``(B, F)``
    (-1: no flash), ``dur`` int ``(B, F)`` and ``fpx`` ``(B, F, 2)`` px (NaN: no flash)."""
    B, T = pos.shape[:2]
    F = max_flashes
    onset = np.full((B, F), -1, int)
    dur = np.zeros((B, F), int)
    fpx = np.full((B, F, 2), np.nan)
    has_flash = rng.random(B) < p_flash
    nfl = rng.integers(1, F + 1, B)
    for b in np.flatnonzero(has_flash):
        for j in range(nfl[b]):
            o = int(rng.integers(5, T - 8))
            d = int(rng.integers(2, 7))
            p = _random_flash_position(rng, pos[b], o, half, p_flash_near, p_flash_aligned)
            onset[b, j], dur[b, j] = o, d
            fpx[b, j] = deg_to_px(p, frame.height, frame.width, frame.px_per_deg)
            img = render_shape(fpx[b, j], "ring", 2.5 * frame.px_per_deg, rng.uniform(0.6, 0.9), frame.height,
                               frame.width)
            video[b, o:o + d] = np.maximum(video[b, o:o + d], img)
    return onset, dur, fpx


def _random_occluder_rect(rng: np.random.Generator, frame: _Frame) -> tuple[int, int, int, int]:
    """Pixel bounds ``(r0, r1, c0, c1)`` of a random occluder: a full-height strip 3-10 deg wide, a full-width
    strip 3-10 deg high, or a free rectangle 4-14 deg on a side (one of the three with equal probability)."""
    height, width, px_per_deg = frame.height, frame.width, frame.px_per_deg
    typ = rng.integers(0, 3)
    if typ == 0:
        w = int(rng.integers(3, 11) * px_per_deg)
        c0 = int(rng.integers(0, width - w + 1))
        r0, r1, c1 = 0, height, c0 + w
    elif typ == 1:
        h = int(rng.integers(3, 11) * px_per_deg)
        r0 = int(rng.integers(0, height - h + 1))
        r1, c0, c1 = r0 + h, 0, width
    else:
        w, h = (int(v) for v in rng.integers(4, 15, 2) * px_per_deg)
        w, h = min(w, width), min(h, height)
        c0, r0 = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
        c1, r1 = c0 + w, r0 + h
    return r0, r1, c0, c1


def _random_interval(rng: np.random.Generator, T: int) -> tuple[int, int]:
    """Frames ``[on, off)`` of an occluder: the whole video or (probability 0.5) a random interval of >= 10 frames."""
    if rng.random() < 0.5:
        return 0, T
    on = int(rng.integers(0, T - 10))
    return on, int(rng.integers(on + 10, T + 1))


def _add_random_occluders(video: np.ndarray, rng: np.random.Generator, frame: _Frame,
                          p_occluder: float) -> tuple[np.ndarray, np.ndarray]:
    """Paint one random grey occluder (intensity 0.2-0.5; placement independent of the path) over ``video`` (in
    place) in a share ``p_occluder`` of the scenes. Returns the occluded pixels, bool ``(B, T, H, W)``, and which
    scenes have an occluder, bool ``(B,)``."""
    B, T = video.shape[:2]
    occl = np.zeros((B, T, frame.height, frame.width), bool)
    has_occ = rng.random(B) < p_occluder
    for b in np.flatnonzero(has_occ):
        r0, r1, c0, c1 = _random_occluder_rect(rng, frame)
        on, off = _random_interval(rng, T)
        video[b, on:off, r0:r1, c0:c1] = rng.uniform(0.2, 0.5)
        occl[b, on:off, r0:r1, c0:c1] = True
    return occl, has_occ


def _visible_fraction(target: np.ndarray, occl: np.ndarray, has_occ: np.ndarray) -> np.ndarray:
    """Share of the target's rendered mass not under an occluder, ``(B, T)`` (1 in scenes without one; the target
    stays inside the frame by construction)."""
    B, T = target.shape[:2]
    mass = target.sum(axis=(2, 3)) + 1e-9
    seen = np.ones((B, T))
    idx = np.flatnonzero(has_occ)
    if idx.size:
        seen[idx] = (target[idx] * ~occl[idx]).sum(axis=(2, 3)) / mass[idx]
    return seen
