"""Video stimulus sets as xarray: ``(presentation, time, height, width)`` grey frames with a ``stimulus_id``.

The stimuli of a :class:`~neurovision.models.base.VideoModel`, as image stimulus sets
(:mod:`neurovision.stimuli.images`) are those of an image model. Values are grey levels, float in [0, 1] or
uint8 (0–255). ``time`` indexes the frames of the stimulus; with ``ms_per_frame`` the set carries a ``time_ms``
coordinate on ``time`` (stimulus time, ms from the first frame). Per-video metadata rides along as coordinates
on ``presentation``. :func:`neurovision.stimuli.images.stimuli_hash` keys a video set by content like an image set.

Model responses to videos are indexed by network time on the dimension ``time_bin``
(:func:`neurovision.activations.extract_layers`), never on ``time``.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["video_set", "VIDEO_DIMS"]

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
    n = videos.shape[0]
    ids = np.asarray(stimulus_id, dtype=str)
    if ids.shape != (n,):
        raise ValueError(f"need one stimulus_id per video: {ids.shape[0] if ids.ndim else 0} ids for {n} videos")
    if len(set(ids.tolist())) != n:
        raise ValueError("stimulus_id values must be unique")
    coord: dict = {"stimulus_id": ("presentation", ids)}
    for key, values in coords.items():
        values = np.asarray(values)
        if values.ndim == 0 or values.shape[0] != n:
            raise ValueError(f"coordinate {key!r} has {values.shape[0] if values.ndim else 0} values for {n} videos")
        coord[key] = ("presentation",) + tuple(f"{key}_dim{i}" for i in range(1, values.ndim)), values
    attrs: dict = {"name": name}
    if ms_per_frame is not None:
        if not ms_per_frame > 0:
            raise ValueError(f"ms_per_frame must be > 0; got {ms_per_frame}")
        coord["time_ms"] = ("time", np.arange(videos.shape[1]) * float(ms_per_frame))
        attrs["ms_per_frame"] = float(ms_per_frame)
    return xr.DataArray(videos, dims=VIDEO_DIMS, coords=coord, name=name or "videos", attrs=attrs)
