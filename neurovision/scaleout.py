"""Activations larger than memory: chunked stores on disk and RDMs computed block by block.

Two functions, for stimulus sets whose activations (``n_presentations × n_units`` float32) do not fit
in memory:

* :func:`extract_to_store` runs the model over the stimuli ``batch_size`` images at a time and writes
  each batch's activations straight into a zarr store (or a netCDF file) chunked by presentation, so
  at most one batch of images and activations is in memory. It returns the store opened lazily: a
  dask-backed :class:`xarray.DataArray` ``(presentation, neuroid)`` with the stimulus coordinates.
* :func:`blockwise_rdm` computes the RDM of such an array (dask, xarray, zarr or numpy) from blocks of
  rows. Every method used here turns each pattern into a *row-local* vector — correlation centres
  and normalises each presentation's pattern, cosine normalises it, euclidean needs only its squared
  norm — so the Gram matrix ``G = Z Zᵀ`` can be assembled from pairs of row blocks,
  ``G[I, J] = Z_I Z_Jᵀ``, reading only two blocks at a time. Memory is the condensed result
  (``n(n-1)/2`` float64) plus one panel ``block × n`` and two blocks of rows; the result equals
  :func:`neurovision.rsa.rdm` on the same data up to floating-point summation order (≈1e-15).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from .activations import extract_layers
from .models.base import Model
from .rsa.rdm import RDM

__all__ = ["extract_to_store", "open_store", "blockwise_rdm"]

VARIABLE = "activations"
_FORMATS = ("zarr", "netcdf")


# ---------------------------------------------------------------------------------------- stores
def _presentation_coords(stimuli: xr.DataArray) -> dict:
    return {name: ("presentation", np.asarray(coord.values)) for name, coord in stimuli.coords.items()
            if coord.dims == ("presentation",)}


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
        bar = tqdm(starts, desc=f"{model.identifier}:{layer} → {format}", unit="batch", disable=not progress,
                   leave=False)
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
    coords = _presentation_coords(stimuli)
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


# ---------------------------------------------------------------------------------- blockwise RDM
_METHODS = ("correlation", "cosine", "euclidean")


def _resolve(patterns, stimulus_id):
    """(row-sliceable 2-D array, ids) — repeated presentations of a stimulus averaged lazily."""
    if isinstance(patterns, xr.DataArray):
        dim0 = patterns.dims[0]
        if stimulus_id is None and "stimulus_id" in patterns.coords \
                and patterns.coords["stimulus_id"].dims == (dim0,):
            sid = np.asarray(patterns.coords["stimulus_id"].values).astype(str)
            order = list(dict.fromkeys(sid.tolist()))  # first appearance, as rsa.rdm does
            if len(order) != sid.shape[0]:
                patterns = patterns.groupby("stimulus_id").mean().sel(stimulus_id=order)
            stimulus_id = np.asarray(order)
        return patterns.data, stimulus_id
    return patterns, stimulus_id


def _default_block(x) -> int:
    chunks = getattr(x, "chunks", None)
    if isinstance(chunks, tuple) and chunks:
        first = chunks[0]
        size = first[0] if isinstance(first, tuple) else first  # dask: tuple of sizes; zarr: int
        if isinstance(size, (int, np.integer)) and size > 0:
            return int(size)
    return 256


def _load_rows(x, i0: int, i1: int) -> np.ndarray:
    """Rows ``i0:i1`` as float64. Dask blocks are read in this thread (synchronous scheduler): one
    block's graph is small, and idle scheduler threads competing with BLAS threads slowed the Gram
    products by orders of magnitude on a busy machine."""
    rows = x[i0:i1]
    if hasattr(rows, "compute"):
        rows = rows.compute(scheduler="synchronous")
    return np.asarray(rows, dtype=np.float64)


def _prepare(rows: np.ndarray, method: str, i0: int, ids) -> tuple[np.ndarray, np.ndarray | None]:
    """Row-local transform of a block: (Z, squared norms or None). Same arithmetic as rsa.rdm."""
    if not np.all(np.isfinite(rows)):
        bad = i0 + np.nonzero(~np.all(np.isfinite(rows), axis=1))[0]
        raise ValueError(f"patterns contain NaN/inf for conditions {_names(bad, ids)}")
    if method == "euclidean":
        return rows, np.einsum("ij,ij->i", rows, rows)
    if method == "correlation":
        z = rows - rows.mean(axis=1, keepdims=True)
        norm = np.sqrt(np.einsum("ij,ij->i", z, z))
        scale = np.abs(rows).max(axis=1) if rows.size else norm
        bad = norm <= 1e-12 * np.maximum(scale, 1e-300)
        what = "correlation distance undefined for constant patterns"
    else:  # cosine
        z = rows
        norm = np.sqrt(np.einsum("ij,ij->i", z, z))
        bad = norm == 0
        what = "cosine distance undefined for all-zero patterns"
    if np.any(bad):
        raise ValueError(f"{what} of conditions {_names(i0 + np.nonzero(bad)[0], ids)}")
    return z / norm[:, None], None


def _names(idx, ids) -> list[str]:
    idx = list(np.asarray(idx).ravel()[:10])
    return [str(i) for i in idx] if ids is None else [str(np.asarray(ids)[i]) for i in idx]


def blockwise_rdm(patterns, method: str = "correlation", block: int | None = None, stimulus_id=None, *,
                  normalize: bool = True, progress: bool = False) -> RDM:
    """RDM of ``(n_conditions, n_channels)`` patterns computed from blocks of ``block`` rows.

    Parameters
    ----------
    patterns : a dask array, an xarray DataArray (dask- or numpy-backed; condition ids from a
        ``stimulus_id`` coordinate on its first dim, repeated presentations averaged lazily, ids in
        order of first appearance), a zarr array or a numpy array — anything 2-D sliceable by rows.
    method : ``"correlation"`` (1 − Pearson r), ``"cosine"`` (1 − cosine similarity) or
        ``"euclidean"`` (squared distance, divided by ``n_channels`` when ``normalize``) — the
        definitions of :func:`neurovision.rsa.rdm`.
    block : rows per block; default the array's chunk size along the first dim (so reads are whole
        chunks), else 256. Larger blocks mean fewer reads (each block is read about ``n_blocks / 2``
        times) and more memory.

    Returns
    -------
    :class:`~neurovision.rsa.RDM` with one RDM over the ``n`` conditions — the same object, and the
    same values up to ≈1e-15, as ``rsa.rdm(patterns, method)``.

    Computation: for each row block ``I`` (rows transformed row-locally, see module docstring) and
    each block ``J ≥ I``, ``Z_I Z_Jᵀ`` fills a ``block × n`` panel, whose upper-triangle part is
    converted to distances and copied into the condensed result. Peak memory: ``n(n-1)/2 + block·n``
    float64 plus two blocks of rows.

    Raises
    ------
    ValueError
        for an unknown method, patterns that are not 2-D or have fewer than 3 conditions, NaN/inf
        values, or (correlation/cosine) patterns whose distance is undefined (constant/all-zero rows);
        the message names the offending conditions, as :func:`neurovision.rsa.rdm` does.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown blockwise RDM method {method!r}; choose from {list(_METHODS)} "
                         "(crossnobis needs rsa.rdm in memory)")
    x, ids = _resolve(patterns, stimulus_id)
    if len(x.shape) != 2:
        raise ValueError(f"patterns must be (n_conditions, n_channels), got shape {tuple(x.shape)}")
    n, p = (int(s) for s in x.shape)
    if n < 3:
        raise ValueError(f"need at least 3 conditions to form an RDM, got {n}")
    if ids is not None and len(ids) != n:
        raise ValueError(f"stimulus_id has {len(ids)} entries but patterns have {n} conditions")
    block = int(block) if block is not None else _default_block(x)
    if block < 1:
        raise ValueError("block must be >= 1")
    bounds = [(i, min(i + block, n)) for i in range(0, n, block)]
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    starts = np.concatenate(([0], np.cumsum(np.arange(n - 1, 0, -1))))  # condensed offset of row i
    sq_all = np.empty(n) if method == "euclidean" else None
    for bi, (i0, i1) in enumerate(tqdm(bounds, desc="blockwise RDM", unit="block", disable=not progress,
                                       leave=False)):
        zi, sqi = _prepare(_load_rows(x, i0, i1), method, i0, ids)
        panel = np.empty((i1 - i0, n - i0))
        for j0, j1 in bounds[bi:]:
            zj, sqj = (zi, sqi) if j0 == i0 else _prepare(_load_rows(x, j0, j1), method, j0, ids)
            panel[:, j0 - i0:j1 - i0] = zi @ zj.T
            if sq_all is not None:
                sq_all[j0:j1] = sqj
            del zj
        for r, i in enumerate(range(i0, min(i1, n - 1))):
            g = panel[r, i - i0 + 1:]
            seg = out[starts[i]:starts[i] + n - 1 - i]
            if method == "euclidean":
                np.subtract(sq_all[i] + sq_all[i + 1:], 2.0 * g, out=seg)
                np.maximum(seg, 0.0, out=seg)
                if normalize:
                    seg /= p
            else:
                np.subtract(1.0, g, out=seg)
    return RDM(out.reshape(1, -1), ids)
