"""Activations larger than memory: written batch by batch to a chunked store on disk, read back lazily.

For stimulus sets whose activations (``n_presentations × n_units`` float32) do not fit in memory,
:func:`extract_to_store` runs the model over the stimuli ``batch_size`` images at a time and writes each
batch's activations straight into a zarr store (or a netCDF file) chunked by presentation, so at most one
batch of images and activations is in memory. It returns the store opened lazily (:func:`open_store`): a
dask-backed :class:`xarray.DataArray` ``(presentation, neuroid)`` with the stimulus coordinates. Its RDM is
computed block by block by :func:`neurovision.rsa.blockwise.blockwise_rdm`.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from .activations import extract_layers, presentation_coords
from .models.base import Model
from .progress import bar as progress_bar

__all__ = ["extract_to_store", "open_store"]

VARIABLE = "activations"
_FORMATS = ("zarr", "netcdf")


def open_store(path: str | os.PathLike, format: str | None = None) -> xr.DataArray:
    """Open a store written by :func:`extract_to_store` lazily (dask-backed, presentation chunks).

    ``format`` defaults to ``"zarr"`` for a directory and ``"netcdf"`` for a file. Coordinates (small)
    are loaded into memory; the activations stay on disk until computed.
    """
    path = Path(path)
    format = format or ("zarr" if path.is_dir() else "netcdf")
    if format == "zarr":
        ds = xr.open_zarr(path)
    elif format == "netcdf":
        ds = xr.open_dataset(path, chunks={})  # dask chunks = the file's own chunks
    else:
        raise ValueError(f"unknown store format {format!r}; use one of {_FORMATS}")
    arr = ds[VARIABLE]
    return arr.assign_coords({name: coord.load() for name, coord in arr.coords.items()})


def extract_to_store(model: Model, stimuli: xr.DataArray, layer: str, path: str | os.PathLike,
                     batch_size: int = 32, format: str = "zarr", overwrite: bool = False,
                     progress: bool = True) -> xr.DataArray:
    """Activations of ``layer`` to ``stimuli``, written batch by batch to a chunked store at ``path``.

    Parameters
    ----------
    stimuli : ``(presentation, ...)`` images with a ``stimulus_id`` coordinate; may itself be
        dask-backed — only ``batch_size`` images are loaded at a time.
    batch_size : images per forward pass, and the presentation chunk size of the store.
    format : ``"zarr"`` (a directory, zarr format 2, readable by zarr 2 and 3) or ``"netcdf"``
        (a netCDF-4/HDF5 file, chunked ``batch_size × all units``).
    overwrite : replace an existing store at ``path``; otherwise an existing path raises
        :class:`FileExistsError`.

    Returns
    -------
    The store opened with :func:`open_store`: float32 ``(presentation, neuroid)`` — with a trailing
    ``time_bin`` for a layer called once per time step — dask-backed with presentation chunks of
    ``batch_size``, carrying the stimuli's presentation coordinates (``stimulus_id``, …),
    ``neuroid_num`` and attrs ``layer``, ``model``, ``weights_hash``.

    Failure handling: the store is built under a temporary name beside ``path`` and renamed onto
    ``path`` only when every batch is written, so an interrupted run leaves no partial store at
    ``path`` (at most a hidden ``.<name>.partial-*`` sibling, removed on ordinary exceptions).
    """
    if format not in _FORMATS:
        raise ValueError(f"unknown store format {format!r}; use one of {_FORMATS}")
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    if "stimulus_id" not in stimuli.coords:
        raise ValueError("stimuli must carry a 'stimulus_id' coordinate on 'presentation'")
    layer = model.check_layers([layer])[0]
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    target = tmp / ("store.zarr" if format == "zarr" else "store.nc")
    n = stimuli.sizes["presentation"]
    if n == 0:
        raise ValueError("no stimuli to extract")
    writer = None
    try:
        starts = range(0, n, batch_size)
        bar = progress_bar(starts, desc=f"{model.identifier}:{layer} → {format}", unit="batch",
                           disable=not progress, delay=0.5)
        for start in bar:
            stop = min(start + batch_size, n)
            batch = extract_layers(model, stimuli.isel(presentation=slice(start, stop)), [layer],
                                   batch_size=batch_size, progress=False)[layer]
            if writer is None:
                writer = _open_writer(format, target, batch, stimuli, n, batch_size)
            writer(start, stop, np.asarray(batch.values, dtype=np.float32))
        writer.close()
        writer = None
        if path.exists():  # overwrite=True
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        os.replace(target, path)
    finally:
        if writer is not None:
            writer.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return open_store(path, format)


def _template(batch: xr.DataArray, stimuli: xr.DataArray, n: int, chunk: int) -> xr.Dataset:
    """An empty (lazy) dataset of the full store's shape, coordinates and attrs."""
    import dask.array as dsa
    shape = (n,) + batch.shape[1:]
    data = dsa.zeros(shape, chunks=(chunk,) + batch.shape[1:], dtype=np.float32)
    coords = presentation_coords(stimuli)
    coords.update({name: (c.dims, np.asarray(c.values)) for name, c in batch.coords.items()
                   if "presentation" not in c.dims})
    return xr.Dataset({VARIABLE: (batch.dims, data, dict(batch.attrs))}, coords=coords)


class _ZarrWriter:
    def __init__(self, target: Path, template: xr.Dataset):
        self.target = target
        self.dims = template[VARIABLE].dims
        template.to_zarr(target, mode="w", compute=False, zarr_format=2, consolidated=True)

    def close(self) -> None:
        pass

    def __call__(self, start: int, stop: int, values: np.ndarray) -> None:
        # region writes of whole chunks (the last one may be short): no read-modify-write, no locks
        xr.Dataset({VARIABLE: (self.dims, values)}).to_zarr(self.target, region={"presentation": slice(start, stop)})


class _NetCDFWriter:
    def __init__(self, target: Path, template: xr.Dataset, chunk: int):
        import netCDF4
        shape = template[VARIABLE].shape
        template.to_netcdf(target, compute=False, engine="netcdf4",
                           encoding={VARIABLE: {"chunksizes": (min(chunk, shape[0]),) + shape[1:]}})
        self.nc = netCDF4.Dataset(target, "a")
        self.var = self.nc[VARIABLE]
        self.var.set_auto_maskandscale(False)

    def __call__(self, start: int, stop: int, values: np.ndarray) -> None:
        self.var[start:stop] = values

    def close(self) -> None:
        self.nc.close()


def _open_writer(format, target, batch, stimuli, n, chunk):
    template = _template(batch, stimuli, n, chunk)
    return _ZarrWriter(target, template) if format == "zarr" else _NetCDFWriter(target, template, chunk)
