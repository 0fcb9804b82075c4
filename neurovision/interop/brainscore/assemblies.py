"""Brain-Score → neurovision: StimulusSets and NeuroidAssemblies saved locally, read into neurovision's xarray
layout with plain pandas/xarray/h5py (no Brain-Score needed).

* :func:`load_brainscore_stimulus_set` — a StimulusSet saved locally (CSV with ``stimulus_id`` and
  ``filename`` columns + the image directory) as a neurovision stimulus set;
* :func:`load_brainscore_assembly` — a NeuroidAssembly saved as netCDF (as ``brainio``'s
  ``write_netcdf`` writes it: MultiIndexes reset to plain coordinates, optionally as a Dataset with a
  ``data`` variable, zlib-compressed) as an xarray DataArray. netCDF-4 (HDF5) files are read with
  xarray when a netCDF-4 engine is installed, else with a small h5py reader (h5py is a core
  dependency).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ...stimuli.images import read_images, stimulus_set

__all__ = ["load_brainscore_stimulus_set", "load_brainscore_assembly"]


def load_brainscore_stimulus_set(csv, image_dir=None, size: tuple[int, int] | None = None,
                                 name: str | None = None) -> xr.DataArray:
    """A Brain-Score StimulusSet saved locally (CSV + image directory) as a neurovision stimulus set.

    The CSV needs a ``stimulus_id`` (or legacy ``image_id``) column and a ``filename`` column with each
    image's path relative to ``image_dir`` (default: a folder named like the CSV without ``.csv``, or
    the CSV's folder). Every other column becomes a ``presentation`` coordinate. Images are read as
    uint8 RGB; all must have one size unless ``size=(height, width)`` is given, which resizes them
    (PIL bilinear). Returns uint8 ``(presentation, height, width, channel)``.
    """
    csv = Path(csv)
    table = pd.read_csv(csv)
    if "stimulus_id" not in table.columns:
        if "image_id" not in table.columns:
            raise ValueError(f"{csv}: no 'stimulus_id' (or 'image_id') column; columns: {list(table.columns)}")
        table = table.rename(columns={"image_id": "stimulus_id"})
    if "filename" not in table.columns:
        raise ValueError(f"{csv}: no 'filename' column (image path relative to the image directory)")
    if image_dir is None:
        candidate = csv.with_suffix("")
        image_dir = candidate if candidate.is_dir() else csv.parent
    image_dir = Path(image_dir)
    paths = [image_dir / str(filename) for filename in table["filename"]]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"stimulus file {path} listed in {csv} does not exist")
    try:
        images = read_images(paths, size)
    except ValueError as err:
        raise ValueError(f"{csv}: {err}") from None
    coords = {}
    for column in table.columns:
        if column in ("stimulus_id",):
            continue
        values = table[column].to_numpy()
        coords[column] = values.astype(str) if values.dtype == object else values
    return stimulus_set(images, table["stimulus_id"].astype(str).to_numpy(),
                        name=name or csv.stem, **coords)


def _xarray_engines_for(path: Path) -> list[str]:
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic.startswith(b"CDF"):
        return ["scipy", "netcdf4"]
    engines = []
    for module, engine in (("netCDF4", "netcdf4"), ("h5netcdf", "h5netcdf")):
        try:
            __import__(module)
            engines.append(engine)
        except ImportError:
            pass
    return engines


def _h5_decode(values: np.ndarray, attrs: dict) -> np.ndarray:
    """netCDF-4/CF decoding of one HDF5 variable: strings, fill values, packed and boolean data."""
    if values.dtype == object or values.dtype.kind == "S":
        flat = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values.ravel()]
        return np.array(flat, dtype=object).reshape(values.shape)
    fill = attrs.get("_FillValue")
    scale, offset = attrs.get("scale_factor"), attrs.get("add_offset")
    if scale is not None or offset is not None:
        values = values * (1 if scale is None else scale) + (0 if offset is None else offset)
    if fill is not None and values.dtype.kind == "f":
        fill = np.asarray(fill).ravel()[0]
        values = np.where(values == fill, np.nan, values) if not np.isnan(fill) else values
    if attrs.get("dtype") in ("bool", b"bool"):
        values = values.astype(bool)
    return values


def _attr(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "OS":
        value = value.ravel()[0]
        return value.decode("utf-8") if isinstance(value, bytes) else value
    return value


def _open_netcdf4_h5py(path: Path, group: str | None = None) -> xr.Dataset:
    """Read a netCDF-4 (HDF5) file with h5py into an xarray Dataset (no netCDF engine needed)."""
    import h5py
    skip_attrs = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid", "_Netcdf4Coordinates",
                  "_nc3_strict", "_NCProperties", "coordinates"}
    with h5py.File(path, "r") as f:
        root = f[group] if group else f
        variables, coordinate_names = {}, set()
        for name, ds in root.items():
            if not isinstance(ds, h5py.Dataset):
                continue
            attrs = {k: _attr(v) for k, v in ds.attrs.items()}
            is_dim_only = str(attrs.get("NAME", "")).startswith("This is a netCDF dimension but not a netCDF variable")
            if is_dim_only:
                continue
            dims = []
            for i, dim in enumerate(ds.dims):
                if len(dim) == 0:
                    dims.append(f"dim_{i}")
                else:
                    dims.append(dim[0].name.rsplit("/", 1)[-1])
            raw = ds[()]
            values = _h5_decode(np.asarray(raw), attrs)
            if "coordinates" in attrs:
                coordinate_names.update(str(attrs["coordinates"]).split())
            variables[name] = xr.Variable(dims, values, {k: v for k, v in attrs.items() if k not in skip_attrs
                                                        and k not in ("_FillValue", "scale_factor", "add_offset",
                                                                      "dtype")})
        global_attrs = {k: _attr(v) for k, v in root.attrs.items() if k not in skip_attrs}
    coords = {k: v for k, v in variables.items() if k in coordinate_names or (v.dims == (k,))}
    data = {k: v for k, v in variables.items() if k not in coords}
    return xr.Dataset(data, coords=coords, attrs=global_attrs)


def load_brainscore_assembly(netcdf, group: str | None = None) -> xr.DataArray:
    """A Brain-Score DataAssembly saved as netCDF (``brainio.packaging.write_netcdf``) as a DataArray.

    Dims as stored (typically ``presentation × neuroid [× time_bin]``); every former MultiIndex level
    (``stimulus_id``, ``neuroid_id``, ``time_bin_start``, …) is a plain coordinate on its dimension, a
    legacy ``image_id`` is copied to ``stimulus_id``. Reads netCDF-3 with xarray's scipy engine and
    netCDF-4 (HDF5) with an installed netCDF-4 engine or, failing that, h5py.
    """
    path = Path(netcdf)
    if not path.is_file():
        raise FileNotFoundError(f"no assembly file at {path}")
    dataset = None
    errors = []
    for engine in _xarray_engines_for(path):
        try:
            with xr.open_dataset(path, engine=engine, group=group) as ds:
                dataset = ds.load()
            break
        except Exception as err:  # noqa: BLE001 - try the next reader
            errors.append(f"{engine}: {type(err).__name__}: {err}")
    if dataset is None:
        try:
            dataset = _open_netcdf4_h5py(path, group)
        except Exception as err:
            errors.append(f"h5py: {type(err).__name__}: {err}")
            raise ValueError(f"cannot read {path} as a netCDF assembly ({'; '.join(errors)})") from err
    names = list(dataset.data_vars)
    if "data" in names:
        name = "data"
    elif "__xarray_dataarray_variable__" in names:
        name = "__xarray_dataarray_variable__"
    elif len(names) == 1:
        name = names[0]
    else:
        raise ValueError(f"{path}: expected one data variable (or 'data'); found {names}")
    da = dataset[name]
    da.attrs = {**dataset.attrs, **da.attrs}
    da.name = None if name in ("data", "__xarray_dataarray_variable__") else name
    if "stimulus_id" not in da.coords and "image_id" in da.coords:
        da = da.assign_coords(stimulus_id=da["image_id"])
    for coord in list(da.coords):
        if da[coord].dtype == object:
            da = da.assign_coords({coord: (da[coord].dims, np.asarray(da[coord].values).astype(str))})
    return da
