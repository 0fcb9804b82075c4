"""The renderer of :mod:`neurovision.stimuli.motion`: scene elements drawn into a video with its per-frame truth.

Scene elements
--------------
* Objects (:class:`MovingObject`) — an anti-aliased ``"disk"`` or a ``"gaussian"`` blob that follows a path
  (:mod:`neurovision.stimuli.motion.paths`). An object may appear late or vanish early (flash-initiated /
  flash-terminated displays, Eagleman & Sejnowski 2000).
* Occluders (:class:`Occluder`) — uniform grey rectangles in front of everything, active over a frame interval.
  Their geometry is given by the caller (fixed regions, or random placement in
  :func:`neurovision.stimuli.motion.scenes.random_scenes`), never derived from the part of the path they hide,
  so an occluder carries no information about where the hidden target goes.
* Flashes (:class:`Flash`) — brief static stimuli. By default a *ring* (annulus), which differs in shape from the
  moving disk/blob, so that a flash on the path is never pixel-identical to the target (a flash identical to
  the target and on its path gives a spurious flash-lag even in a network without any extrapolation).

:func:`make_video` returns ``(video, meta)`` where ``meta`` is an :class:`xarray.Dataset` over ``time``
(coordinate ``time_ms``) with the true position (deg and px), velocity (deg/s), visibility and flash events.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import xarray as xr

from .paths import Linear, check_frame, check_positive, deg_to_px

__all__ = ["MovingObject", "Occluder", "Flash", "make_video", "render_shape", "Frame", "SHAPES"]

SHAPES = ("disk", "gaussian", "ring")


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
    check_frame(n_frames, height, width, ms_per_frame, px_per_deg)
    if isinstance(objects, MovingObject):
        objects = [objects]
    objects, occluders, flashes = list(objects), list(occluders), list(flashes)
    if not objects:
        raise ValueError("need at least one MovingObject")
    if not 0 <= background <= 1:
        raise ValueError(f"background must be in [0, 1]; got {background}")
    check_positive("noise_sd", noise_sd, allow_zero=True)
    frame = Frame(n_frames, height, width, ms_per_frame, px_per_deg)

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
class Frame:
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
    check_positive(f"object {i} size_deg", obj.size_deg)
    if not 0 <= obj.intensity <= 1:
        raise ValueError(f"object {i}: intensity must be in [0, 1]; got {obj.intensity}")
    vanish = n_frames if obj.vanish_frame is None else obj.vanish_frame
    if not 0 <= obj.appear_frame < vanish <= n_frames:
        raise ValueError(f"object {i}: need 0 <= appear_frame < vanish_frame <= n_frames={n_frames}; "
                         f"got appear_frame={obj.appear_frame}, vanish_frame={obj.vanish_frame}")
    return vanish


def _render_objects(objects: list[MovingObject], frame: Frame) -> _RenderedObjects:
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
    check_positive(f"flash {j} size_deg", fl.size_deg)
    if np.any(np.abs(np.asarray(fl.position_deg)) > half_extent_deg):
        raise ValueError(f"flash {j}: position {fl.position_deg} deg is outside the frame "
                         f"(±{tuple(half_extent_deg)} deg)")


def _draw_flashes(video: np.ndarray, flashes: list[Flash], frame: Frame) -> tuple[np.ndarray, np.ndarray]:
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


def _draw_occluders(video: np.ndarray, occluders: list[Occluder], frame: Frame) -> np.ndarray:
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


def _object_truth(positions_deg: list, present: list, vis_frac: list, frame: Frame) -> dict:
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


def _flash_truth(flashes: list[Flash], flash_on: np.ndarray, flash_pos: np.ndarray, frame: Frame) -> dict:
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
