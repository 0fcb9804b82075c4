"""Image stimulus sets as xarray: ``uint8 (presentation, height, width, channel)`` with a ``stimulus_id`` coordinate.

A stimulus set is the first stage of the data flow (stimuli → model → activations → RDM → …). Any
extra per-image metadata (category labels, …) rides along as coordinates on ``presentation``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import xarray as xr


def stimulus_set(images: np.ndarray, stimulus_id, name: str = "", **coords) -> xr.DataArray:
    """Wrap ``images`` (uint8, ``(n, h, w, 3)``) as a stimulus set with ids and per-image coordinates."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must have shape (n, height, width, 3); got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8; got {images.dtype}")
    coord = stimulus_coords(stimulus_id, images.shape[0], "image", coords)
    return xr.DataArray(images, dims=("presentation", "height", "width", "channel"), coords=coord,
                        name=name or "stimuli", attrs={"name": name})


def stimulus_coords(stimulus_id, n: int, unit: str, coords: dict) -> dict:
    """The ``presentation`` coordinates of a set of ``n`` stimuli (``unit``: what one is, e.g. ``"image"``): the
    ``stimulus_id`` (one unique id per stimulus) and every per-stimulus value in ``coords`` (first axis of length
    ``n``; further axes get dims ``<name>_dim1``, …). Raises ValueError naming the problem."""
    ids = np.asarray(stimulus_id, dtype=str)
    if ids.shape != (n,):
        raise ValueError(f"need one stimulus_id per {unit}: {ids.shape[0] if ids.ndim else 0} ids for {n} {unit}s")
    if len(set(ids.tolist())) != n:
        raise ValueError("stimulus_id values must be unique")
    coord: dict = {"stimulus_id": ("presentation", ids)}
    for key, values in coords.items():
        values = np.asarray(values)
        if values.ndim == 0 or values.shape[0] != n:
            raise ValueError(f"coordinate {key!r} has {values.shape[0] if values.ndim else 0} values for {n} {unit}s")
        coord[key] = ("presentation",) + tuple(f"{key}_dim{i}" for i in range(1, values.ndim)), values
    return coord


def stimuli_hash(stimuli: xr.DataArray) -> str:
    """sha256 (hex) over the ids and pixel bytes of a stimulus set — the cache key of its content."""
    h = hashlib.sha256()
    h.update("\x00".join(map(str, stimuli["stimulus_id"].values)).encode())
    h.update(np.ascontiguousarray(stimuli.values).tobytes())
    return h.hexdigest()


def read_image(path, size: tuple[int, int] | None = None) -> np.ndarray:
    """One image file as uint8 RGB ``(height, width, 3)`` (grayscale, palette and alpha images converted to RGB),
    resized to ``size`` = ``(height, width)`` (PIL bilinear) when given and different. A file that cannot be read
    as an image raises a ValueError naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            if size is not None and im.size != (int(size[1]), int(size[0])):
                im = im.resize((int(size[1]), int(size[0])), Image.BILINEAR)
            return np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ValueError(f"{path} cannot be read as an image ({type(err).__name__}: {err})") from None


def read_images(paths, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """Image files as one uint8 RGB array ``(n, height, width, 3)`` (:func:`read_image` each). They must all have
    the same size unless ``size`` is given (``(height, width)`` or one int for square), to which each image is
    resized (PIL bilinear); a ValueError says so otherwise."""
    target = (size, size) if isinstance(size, int) else (tuple(size) if size is not None else None)
    images = [read_image(path, target) for path in paths]
    shapes = sorted({im.shape for im in images})
    if len(shapes) > 1:
        raise ValueError(f"the images have different sizes ({', '.join(f'{h}x{w}' for h, w, _ in shapes[:5])}); "
                         "pass size=(height, width) to resize them all")
    return np.stack(images)


def stimuli_from_files(paths_or_folder, ids=None, size: int | tuple[int, int] | None = None,
                       name: str = "") -> xr.DataArray:
    """A stimulus set from image files: ``uint8 (presentation, height, width, channel)`` with ``stimulus_id``.

    ``paths_or_folder``: a folder (every file in it, sorted by name; hidden files skipped) or a sequence of paths.
    ``ids``: one stimulus id per image (default: the file names without extension; they must be unique).
    Images are converted to RGB. They must all have the same size unless ``size`` is given (``(height, width)``
    or one int for square), to which each image is resized (PIL bilinear). The file path of every image is kept in
    the ``path`` coordinate. A file that cannot be read as an image raises a ValueError naming it.
    """
    if isinstance(paths_or_folder, (str, Path)) and Path(paths_or_folder).is_dir():
        paths = sorted(p for p in Path(paths_or_folder).iterdir() if p.is_file() and not p.name.startswith("."))
        if not paths:
            raise ValueError(f"no files in folder {paths_or_folder}")
    elif isinstance(paths_or_folder, (str, Path)):
        raise ValueError(f"{paths_or_folder} is not a folder; pass a folder or a list of image paths")
    else:
        paths = [Path(p) for p in paths_or_folder]
    images = read_images(paths, size)
    ids = [p.stem for p in paths] if ids is None else list(ids)
    if len(ids) != len(paths):
        raise ValueError(f"{len(ids)} ids for {len(paths)} images")
    dupes = sorted({i for i in map(str, ids) if list(map(str, ids)).count(i) > 1})
    if dupes:
        raise ValueError(f"stimulus ids must be unique; repeated: {dupes[:10]} (pass ids=...)")
    return stimulus_set(images, ids, name=name, path=[str(p) for p in paths])
