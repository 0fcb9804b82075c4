"""Video stimulus sets as xarray: ``(presentation, time, height, width)`` grey frames with a ``stimulus_id``.

The stimuli of a :class:`~neurovision.models.base.VideoModel`, as image stimulus sets
(:mod:`neurovision.stimuli.images`) are those of an image model. Values are grey levels, float in [0, 1] or
uint8 (0–255). ``time`` indexes the frames of the stimulus; with ``ms_per_frame`` the set carries a ``time_ms``
coordinate on ``time`` (stimulus time, ms from the first frame). Per-video metadata rides along as coordinates
on ``presentation``. :func:`neurovision.stimuli.images.stimuli_hash` keys a video set by content like an image set.

Model responses to videos are indexed by network time on the dimension ``time_bin``
(:func:`neurovision.activations.extract_layers`), never on ``time``. A model's input delay is applied to its
videos on the data side by :func:`delay_video` (frames shifted later in time, blank frames first); per-frame
values seen through that delay (a target's position in the frame the network sees) by :func:`delay_values`.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .images import stimulus_coords

__all__ = ["video_set", "delay_video", "delay_values", "VIDEO_DIMS"]

#: the dimensions of a video stimulus set, in order
VIDEO_DIMS = ("presentation", "time", "height", "width")


def video_set(videos: np.ndarray, stimulus_id, name: str = "", ms_per_frame: float | None = None,
              **coords) -> xr.DataArray:
    """Wrap ``videos`` ``(n, time, height, width)`` as a video stimulus set.

    ``videos``: uint8, or float in [0, 1] (kept in its float dtype). ``stimulus_id``: one unique id per video.
    ``ms_per_frame`` (ms, optional): adds ``time_ms`` = frame index × ``ms_per_frame`` on ``time`` and the attr
    ``ms_per_frame``. Keyword ``coords``: per-video values (first axis of length ``n``) stored on
    ``presentation`` (further axes get dims ``<name>_dim1``, …). Raises ValueError naming the problem for another
    shape, dtype or value range, missing or repeated ids, or a coordinate of the wrong length.
    """
    videos = np.asarray(videos)
    if videos.ndim != 4:
        raise ValueError(f"videos must have shape (n, time, height, width); got {videos.shape}")
    if videos.dtype != np.uint8:
        if not np.issubdtype(videos.dtype, np.floating):
            raise ValueError(f"videos must be uint8 or float in [0, 1]; got dtype {videos.dtype}")
        if not np.isfinite(videos).all():
            raise ValueError("float videos must hold finite values in [0, 1]; got NaN or inf")
        if videos.size and not (videos.min() >= 0.0 and videos.max() <= 1.0):
            raise ValueError(f"float videos must hold values in [0, 1]; got values in [{videos.min()}, {videos.max()}]")
    coord = stimulus_coords(stimulus_id, videos.shape[0], "video", coords)
    attrs: dict = {"name": name}
    if ms_per_frame is not None:
        if not ms_per_frame > 0:
            raise ValueError(f"ms_per_frame must be > 0; got {ms_per_frame}")
        coord["time_ms"] = ("time", np.arange(videos.shape[1]) * float(ms_per_frame))
        attrs["ms_per_frame"] = float(ms_per_frame)
    return xr.DataArray(videos, dims=VIDEO_DIMS, coords=coord, name=name or "videos", attrs=attrs)


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


def delay_values(values: np.ndarray, delay: int, fill=None) -> np.ndarray:
    """Per-frame values ``(batch, time, ...)`` (positions, visibility, …) as seen through an input delay of
    ``delay`` frames: ``out[:, t] = values[:, t - delay]``; the first ``delay`` frames repeat frame 0, or are
    ``fill`` when it is given. ``delay = 0`` returns ``values`` itself."""
    if delay == 0:
        return values
    head = np.repeat(values[:, :1], delay, 1) if fill is None else np.full_like(values[:, :delay], fill)
    return np.concatenate([head, values[:, :values.shape[1] - delay]], 1)
