"""Image stimulus sets as xarray: ``uint8 (presentation, height, width, channel)`` with a ``stimulus_id`` coordinate.

A stimulus set is the first stage of the data flow (stimuli → model → activations → RDM → …). Any
extra per-image metadata (category labels, …) rides along as coordinates on ``presentation``.
"""
from __future__ import annotations

import hashlib

import numpy as np
import xarray as xr


def stimulus_set(images: np.ndarray, stimulus_id, name: str = "", **coords) -> xr.DataArray:
    """Wrap ``images`` (uint8, ``(n, h, w, 3)``) as a stimulus set with ids and per-image coordinates."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must have shape (n, height, width, 3); got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8; got {images.dtype}")
    ids = np.asarray(stimulus_id, dtype=str)
    if ids.shape != (images.shape[0],):
        raise ValueError(f"need one stimulus_id per image: {ids.shape[0] if ids.ndim else 0} ids for {images.shape[0]} images")
    if len(set(ids.tolist())) != len(ids):
        raise ValueError("stimulus_id values must be unique")
    coord = {"stimulus_id": ("presentation", ids)}
    for key, values in coords.items():
        values = np.asarray(values)
        if values.shape[0] != images.shape[0]:
            raise ValueError(f"coordinate {key!r} has {values.shape[0]} values for {images.shape[0]} images")
        coord[key] = ("presentation",) + tuple(f"{key}_dim{i}" for i in range(1, values.ndim)), values
    return xr.DataArray(images, dims=("presentation", "height", "width", "channel"), coords=coord,
                        name=name or "stimuli", attrs={"name": name})


def stimuli_hash(stimuli: xr.DataArray) -> str:
    """sha256 (hex) over the ids and pixel bytes of a stimulus set — the cache key of its content."""
    h = hashlib.sha256()
    h.update("\x00".join(map(str, stimuli["stimulus_id"].values)).encode())
    h.update(np.ascontiguousarray(stimuli.values).tobytes())
    return h.hexdigest()
