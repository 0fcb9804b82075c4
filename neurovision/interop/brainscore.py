"""Brain-Score interoperability: neurovision models as Brain-Score ``BrainModel``s, Brain-Score data in
neurovision benchmarks.

Brain-Score (Schrimpf et al. 2018, "Brain-Score: which artificial neural network for object recognition
is most brain-like?", bioRxiv 407007; Schrimpf et al. 2020, "Integrative benchmarking to advance
neurally mechanistic models of human intelligence", Neuron 108:413-423) treats a model as an
experimental subject behind the ``BrainModel`` interface: ``identifier``, ``visual_degrees()``,
``start_recording(region, time_bins)``, ``start_task(task, ...)`` and ``look_at(stimuli)``.

Two directions live here:

**neurovision → Brain-Score** (needs ``brainscore-vision``, imported lazily inside the functions, never
when this module is imported; it pins numpy<2 and xarray<2022.6, so it lives in its own environment,
``.venv-brainscore``, built by ``.ci/brainscore_env.sh``):

* :func:`activations_model` — a Brain-Score ``PytorchWrapper`` around ``model.network`` whose
  preprocessing loads image files to uint8 RGB and applies the model's own ``preprocess``;
* :func:`brain_model` — a ``ModelCommitment`` (subclass :class:`NeurovisionCommitment`, built lazily) with
  the model's layers, its explicit ``region_layer_map`` (without it Brain-Score would select layers by
  downloading public benchmarks), its ``visual_degrees`` and its IT layer as the behavioural readout.
  ``look_at`` after ``start_recording(region, time_bins)`` returns a ``NeuroidAssembly``
  ``presentation × neuroid × time_bin`` (kept 3-D even for a single time bin; Brain-Score's benchmarks
  squeeze a length-1 ``time_bin`` themselves). ``start_task('passive')`` and
  ``start_task('probabilities', fitting_stimuli)`` work as in Brain-Score: a multinomial logistic
  regression on standardized IT-layer features, fit to the ``image_label`` column of
  ``fitting_stimuli``. ``start_task('label', ...)`` works for models whose last layer is a
  1000-way ImageNet head (Brain-Score's check).

  Why build on Brain-Score's own ``model_helpers`` rather than reimplementing ``BrainModel``: the
  wrapper then runs the very code paths (activation packaging, temporal alignment, probabilities
  readout, microsaccades for ``require_variance``) that a submitted plugin runs on Brain-Score's
  servers, so what we test locally is what gets scored; :mod:`benchmarks.submit_brainscore` writes a
  plugin that builds the same objects.
* :func:`to_brainscore_stimulus_set` — a neurovision stimulus set as a Brain-Score ``StimulusSet``
  (images written as PNG files).

**Brain-Score → neurovision** (plain pandas/xarray/h5py, no Brain-Score needed):

* :func:`load_brainscore_stimulus_set` — a StimulusSet saved locally (CSV with ``stimulus_id`` and
  ``filename`` columns + the image directory) as a neurovision stimulus set;
* :func:`load_brainscore_assembly` — a NeuroidAssembly saved as netCDF (as ``brainio``'s
  ``write_netcdf`` writes it: MultiIndexes reset to plain coordinates, optionally as a Dataset with a
  ``data`` variable, zlib-compressed) as an xarray DataArray. netCDF-4 (HDF5) files are read with
  xarray when a netCDF-4 engine is installed, else with a small h5py reader (h5py is a core
  dependency);
* :func:`assembly_rdm` / :func:`brainscore_rsa_benchmark` — RDMs from such an assembly (optionally one
  per subject/animal) and an :class:`~neurovision.benchmarks.base.RSABenchmark` on them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "activations_model", "brain_model", "to_brainscore_stimulus_set", "save_brainscore_stimulus_set",
    "load_brainscore_stimulus_set", "load_brainscore_assembly", "assembly_rdm", "brainscore_rsa_benchmark",
    "DEFAULT_TIME_BINS",
]

DEFAULT_TIME_BINS = [(70, 170)]  # ms; Brain-Score's standard static IT/V4 window (Majaj et al. 2015)


def _require_brainscore():
    try:
        import brainscore_vision  # noqa: F401
    except ImportError as err:  # pragma: no cover - exercised only without brainscore
        raise ImportError(
            "this needs brainscore-vision, which pins numpy<2 and xarray<2022.6: use its own environment "
            "(`bash .ci/brainscore_env.sh` builds .venv-brainscore)") from err


def _resolve(model):
    """A :class:`~neurovision.models.base.Model` from a Model or a registered model name."""
    if isinstance(model, str):
        from ..models.registry import load_model
        return load_model(model)
    return model


# ---------------------------------------------------------------------------------------------
# neurovision -> Brain-Score
# ---------------------------------------------------------------------------------------------
def _read_rgb(path) -> np.ndarray:
    """An image file as uint8 ``(h, w, 3)`` (grayscale, palette and alpha images converted to RGB)."""
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def path_preprocessing(model) -> Callable[[Sequence[str]], np.ndarray]:
    """Brain-Score-style preprocessing for ``model``: image paths → float32 ``(n, 3, H, W)``.

    Files are read as uint8 RGB and passed through ``model.preprocess`` (one call per image size, so
    stimulus sets with mixed sizes work; a model's ``preprocess`` resizes to its input size).
    """
    def preprocess(paths) -> np.ndarray:
        images = [_read_rgb(str(p)) for p in paths]
        out: list = [None] * len(images)
        by_shape: dict = {}
        for i, im in enumerate(images):
            by_shape.setdefault(im.shape, []).append(i)
        for idx in by_shape.values():
            batch = model.preprocess(np.stack([images[i] for i in idx]))
            batch = batch.detach().float().cpu().numpy() if hasattr(batch, "detach") else np.asarray(batch, np.float32)
            for j, i in enumerate(idx):
                out[i] = batch[j]
        return np.stack(out).astype(np.float32, copy=False)

    return preprocess


@lru_cache(maxsize=None)
def _wrapper_class():
    """``PytorchWrapper`` subclass whose hooks match :mod:`neurovision.activations`: a tuple output
    contributes its first element, outputs are cast to float32, and a layer called once per time
    step (recurrent models) keeps its last call — the area's final output."""
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper

    class NeurovisionPytorchWrapper(PytorchWrapper):
        def get_activations(self, images, layer_names):
            """``{layer: ndarray (n, ...)}`` for a batch of preprocessed images; like the parent's, but
            also for networks without parameters (the ``pixels`` baseline)."""
            from collections import OrderedDict

            import torch
            batch = torch.stack([torch.as_tensor(np.asarray(im)) for im in images]).to(self._device)
            params = next(self._model.parameters(), None)
            if params is not None and params.dtype != batch.dtype:
                batch = batch.to(params.dtype)
            self._model.eval()
            results = OrderedDict()
            handles = [self.register_hook(self.get_layer(name), name, target_dict=results) for name in layer_names]
            try:
                with torch.inference_mode():
                    self._model(batch, **self._forward_kwargs)
            finally:
                for handle in handles:
                    handle.remove()
            return OrderedDict((name, results[name]) for name in layer_names)

        def register_hook(self, layer, layer_name, target_dict):
            def hook(_module, _inputs, output, name=layer_name):
                if isinstance(output, (tuple, list)):
                    output = output[0]
                target_dict[name] = output.detach().float().cpu().numpy()
            return layer.register_forward_hook(hook)

    return NeurovisionPytorchWrapper


def activations_model(model, identifier: str | None = None, batch_size: int = 32):
    """A Brain-Score activations model (``PytorchWrapper``) for a neurovision model or model name.

    Calling it as Brain-Score does — ``wrapper(stimuli, layers=[...])`` with a ``StimulusSet`` or a
    list of image paths — returns a ``NeuroidAssembly`` ``presentation × neuroid`` whose neuroids are
    the flattened ``C×H×W`` units (coords ``layer``, ``channel``, ``channel_x``, ``channel_y``,
    ``neuroid_num``), in the same order as :func:`neurovision.activations.extract_layers`.
    """
    _require_brainscore()
    model = _resolve(model)
    wrapper = _wrapper_class()(model=model.network, preprocessing=path_preprocessing(model),
                               identifier=identifier or model.identifier, batch_size=batch_size)
    wrapper.neurovision_model = model
    return wrapper


@lru_cache(maxsize=None)
def _commitment_class():
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly, walk_coords
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    class NeurovisionCommitment(ModelCommitment):
        """``ModelCommitment`` whose recordings keep the ``time_bin`` dimension (with
        ``time_bin_start``/``time_bin_end``) even for a single requested time bin."""

        def start_recording(self, recording_target, time_bins=None):
            self._time_bins = [tuple(int(t) for t in b) for b in (time_bins or DEFAULT_TIME_BINS)]
            return super().start_recording(recording_target, self._time_bins)

        def look_at(self, stimuli, number_of_trials: int = 1, require_variance: bool = False):
            result = super().look_at(stimuli, number_of_trials=number_of_trials,
                                     require_variance=require_variance)
            if self.do_behavior or result is None or "time_bin" in result.dims:
                return result
            (start, end), = self._time_bins
            coords = {name: (dims, values) for name, dims, values in walk_coords(result)
                      if not (name.startswith("time_bin") and dims == ())}
            coords["time_bin_start"] = ("time_bin", [start])
            coords["time_bin_end"] = ("time_bin", [end])
            return NeuroidAssembly(result.values[..., None], coords=coords, dims=list(result.dims) + ["time_bin"])

    return NeurovisionCommitment


def brain_model(model, identifier: str | None = None, batch_size: int = 32,
                behavioral_readout_layer: str | None = None):
    """A Brain-Score ``BrainModel`` for a neurovision model (or registered model name).

    Commitments come from the model: ``layers``, ``region_layer_map`` (passed explicitly, so no layer
    selection and no downloads), ``visual_degrees``; the behavioural readout layer (``probabilities``,
    ``odd_one_out``) defaults to the model's IT layer. ``identifier`` defaults to the model's.

    Example (in ``.venv-brainscore``)::

        bm = brain_model("mobilenet_v1")
        bm.start_recording("IT", [(70, 170)])
        assembly = bm.look_at(stimulus_set)      # NeuroidAssembly presentation × neuroid × time_bin
    """
    _require_brainscore()
    model = _resolve(model)
    if not model.region_layer_map:
        raise ValueError(f"model {model.identifier!r} has no region_layer_map; Brain-Score would try to select "
                         "layers by downloading benchmarks — give the model a region commitment first")
    readout = behavioral_readout_layer or model.region_layer_map.get("IT") or model.layers[-1]
    acts = activations_model(model, identifier=identifier or model.identifier, batch_size=batch_size)
    commitment = _commitment_class()(
        identifier=identifier or model.identifier, activations_model=acts, layers=list(model.layers),
        behavioral_readout_layer=readout, region_layer_map=dict(model.region_layer_map),
        visual_degrees=model.visual_degrees)
    commitment.neurovision_model = model
    return commitment


def save_brainscore_stimulus_set(stimuli: xr.DataArray, directory, name: str = "stimuli") -> tuple[Path, Path]:
    """Write a neurovision stimulus set as Brain-Score's local format: PNG files plus a CSV.

    The CSV has ``stimulus_id``, ``filename`` (relative to the image directory) and every 1-D
    ``presentation`` coordinate as a column. Returns ``(csv_path, image_dir)``; needs no Brain-Score.
    """
    from PIL import Image
    directory = Path(directory)
    image_dir = directory / name
    image_dir.mkdir(parents=True, exist_ok=True)
    ids = [str(s) for s in stimuli["stimulus_id"].values]
    rows = {"stimulus_id": ids, "filename": [f"{sid}.png" for sid in ids]}
    for key, coord in stimuli.coords.items():
        if key not in rows and coord.dims == ("presentation",):
            rows[key] = coord.values
    for sid, image in zip(ids, stimuli.values):
        path = image_dir / f"{sid}.png"
        if not path.is_file():
            Image.fromarray(np.asarray(image, dtype=np.uint8)).save(path)
    csv_path = directory / f"{name}.csv"
    pd.DataFrame(rows).to_csv(csv_path, index=False)
    return csv_path, image_dir


def to_brainscore_stimulus_set(stimuli: xr.DataArray, directory, identifier: str | None = None):
    """A neurovision stimulus set as a Brain-Score ``StimulusSet`` (images written to ``directory``).

    ``identifier`` (default ``None``) names the set for Brain-Score's activation cache; leave it
    ``None`` to compute activations without caching.
    """
    _require_brainscore()
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
    name = identifier or str(stimuli.attrs.get("name") or stimuli.name or "stimuli")
    csv_path, image_dir = save_brainscore_stimulus_set(stimuli, directory, name=name.replace("/", "_"))
    stimulus_set = StimulusSet.from_files(csv_path, image_dir)
    stimulus_set.identifier = identifier
    return stimulus_set


# ---------------------------------------------------------------------------------------------
# Brain-Score -> neurovision (no Brain-Score needed)
# ---------------------------------------------------------------------------------------------
def load_brainscore_stimulus_set(csv, image_dir=None, size: tuple[int, int] | None = None,
                                 name: str | None = None) -> xr.DataArray:
    """A Brain-Score StimulusSet saved locally (CSV + image directory) as a neurovision stimulus set.

    The CSV needs a ``stimulus_id`` (or legacy ``image_id``) column and a ``filename`` column with each
    image's path relative to ``image_dir`` (default: a folder named like the CSV without ``.csv``, or
    the CSV's folder). Every other column becomes a ``presentation`` coordinate. Images are read as
    uint8 RGB; all must have one size unless ``size=(height, width)`` is given, which resizes them
    (PIL bilinear). Returns uint8 ``(presentation, height, width, channel)``.
    """
    from PIL import Image

    from ..stimuli.images import stimulus_set
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
    images = []
    for filename in table["filename"]:
        path = image_dir / str(filename)
        if not path.is_file():
            raise FileNotFoundError(f"stimulus file {path} listed in {csv} does not exist")
        with Image.open(path) as im:
            im = im.convert("RGB")
            if size is not None:
                im = im.resize((int(size[1]), int(size[0])), Image.BILINEAR)
            images.append(np.asarray(im, dtype=np.uint8))
    shapes = sorted({im.shape for im in images})
    if len(shapes) > 1:
        raise ValueError(f"{csv}: images have {len(shapes)} different sizes ({shapes[:3]}...); "
                         "pass size=(height, width) to resize them to one")
    coords = {}
    for column in table.columns:
        if column in ("stimulus_id",):
            continue
        values = table[column].to_numpy()
        coords[column] = values.astype(str) if values.dtype == object else values
    return stimulus_set(np.stack(images), table["stimulus_id"].astype(str).to_numpy(),
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


def _rdm_function():
    """``neurovision.rsa.rdm`` (the function, also while ``rsa`` is a namespace package)."""
    from ..rsa import rdm
    return getattr(rdm, "rdm", rdm) if not callable(rdm) else rdm


def assembly_rdm(assembly: xr.DataArray, method: str = "correlation", split_coord: str | None = None,
                 stimulus_ids: Iterable[str] | None = None) -> xr.DataArray:
    """RDM(s) from a neural assembly ``presentation × neuroid [× time_bin]``.

    Repeated presentations of a stimulus are averaged, then time bins (if any). With ``split_coord``
    (a ``neuroid`` coordinate such as ``animal`` or ``subject``) one RDM per value: returns
    ``(subject, stimulus_id, stimulus_id_2)``; otherwise ``(stimulus_id, stimulus_id_2)`` — the layout
    :func:`neurovision.benchmarks.base.data_rdm_from_xarray` takes. ``stimulus_ids`` orders (and
    subsets) the conditions; default: order of first appearance.
    """
    compute_rdm = _rdm_function()
    if "time_bin" in assembly.dims:
        assembly = assembly.mean("time_bin")
    extra = [d for d in assembly.dims if d not in ("presentation", "neuroid")]
    if extra:
        raise ValueError(f"assembly must be presentation × neuroid [× time_bin]; extra dims {extra}")
    assembly = assembly.transpose("presentation", "neuroid")
    try:
        sid = np.asarray(assembly["stimulus_id"].values).astype(str)
    except KeyError:
        raise ValueError("assembly has no 'stimulus_id' coordinate on 'presentation' (brainio stores a lone "
                         "presentation coordinate as 'presentation_': rename it)") from None
    values = np.asarray(assembly.values, dtype=np.float64)
    order = list(dict.fromkeys(sid)) if stimulus_ids is None else [str(s) for s in stimulus_ids]
    index = {s: i for i, s in enumerate(order)}
    keep = np.array([s in index for s in sid])
    group = np.array([index[s] for s in sid[keep]])
    missing = set(order) - set(sid[keep].tolist())
    if missing:
        raise ValueError(f"stimulus_ids not in the assembly: {sorted(missing)[:5]}")
    sums = np.zeros((len(order), values.shape[1]))
    np.add.at(sums, group, values[keep])
    means = sums / np.bincount(group, minlength=len(order))[:, None]
    ids = np.array(order)
    attrs = {k: v for k, v in assembly.attrs.items() if isinstance(v, (str, int, float))}
    attrs.update(measure={"correlation": "1 - Pearson r"}.get(method, method), source="Brain-Score assembly")
    if split_coord is None:
        matrix = compute_rdm(means, method=method, stimulus_id=ids).matrix
        return xr.DataArray(np.asarray(matrix).reshape(len(ids), len(ids)), dims=("stimulus_id", "stimulus_id_2"),
                            coords={"stimulus_id": ids, "stimulus_id_2": ids}, attrs=attrs)
    labels = np.asarray(assembly[split_coord].values).astype(str)
    subjects = list(dict.fromkeys(labels))
    mats = [np.asarray(compute_rdm(means[:, labels == s], method=method, stimulus_id=ids).matrix).reshape(len(ids), -1)
            for s in subjects]
    return xr.DataArray(np.stack(mats), dims=("subject", "stimulus_id", "stimulus_id_2"),
                        coords={"subject": subjects, "stimulus_id": ids, "stimulus_id_2": ids}, attrs=attrs)


def brainscore_rsa_benchmark(identifier: str, region: str, stimuli_csv, assembly_netcdf, image_dir=None,
                             split_coord: str | None = None, citation: str = "", size=None, **kwargs):
    """An :class:`~neurovision.benchmarks.base.RSABenchmark` on locally saved Brain-Score data.

    Stimuli from ``stimuli_csv`` (+ ``image_dir``), data RDMs from ``assembly_netcdf`` via
    :func:`assembly_rdm` (one per ``split_coord`` value, which enables the noise ceiling), restricted
    to and ordered like the stimulus set. Extra keyword arguments go to ``RSABenchmark``.
    """
    from ..benchmarks.base import RSABenchmark

    @lru_cache(maxsize=1)
    def stimuli():
        return load_brainscore_stimulus_set(stimuli_csv, image_dir, size=size)

    def data():
        ids = stimuli()["stimulus_id"].values
        return assembly_rdm(load_brainscore_assembly(assembly_netcdf), split_coord=split_coord, stimulus_ids=ids)

    return RSABenchmark(identifier=identifier, region=region, load_stimuli=stimuli, load_data=data,
                        citation=citation, description=f"Brain-Score assembly {Path(assembly_netcdf).name}",
                        **kwargs)
