"""neurovision → Brain-Score: a neurovision model as a Brain-Score ``BrainModel``, a stimulus set as a
``StimulusSet``.

Brain-Score (Schrimpf et al. 2018, "Brain-Score: which artificial neural network for object recognition
is most brain-like?", bioRxiv 407007; Schrimpf et al. 2020, "Integrative benchmarking to advance
neurally mechanistic models of human intelligence", Neuron 108:413-423) treats a model as an
experimental subject behind the ``BrainModel`` interface: ``identifier``, ``visual_degrees()``,
``start_recording(region, time_bins)``, ``start_task(task, ...)`` and ``look_at(stimuli)``.

Needs ``brainscore-vision``, imported lazily inside the functions, never when this module is imported; it
pins numpy<2 and xarray<2022.6, so it lives in its own environment, ``.venv-brainscore``, built by
``.ci/brainscore_env.sh``.

* :func:`activations_model` — a Brain-Score ``PytorchWrapper`` around ``model.network`` whose
  preprocessing loads image files to uint8 RGB and applies the model's own ``preprocess``;
* :func:`brain_model` — a ``ModelCommitment`` (subclass ``NeurovisionCommitment``, built lazily) with
  the model's layers, its explicit ``region_layer_map`` (without it Brain-Score would select layers by
  downloading public benchmarks), its ``visual_degrees`` and its IT layer as the behavioural readout.
  ``look_at`` after ``start_recording(region, time_bins)`` returns a ``NeuroidAssembly``
  ``presentation × neuroid × time_bin`` (kept 3-D even for a single time bin; Brain-Score's benchmarks
  squeeze a length-1 ``time_bin`` themselves). ``start_task('passive')`` and
  ``start_task('probabilities', fitting_stimuli)`` work as in Brain-Score: a multinomial logistic
  regression on standardized IT-layer features, fit to the ``image_label`` column of
  ``fitting_stimuli``. ``start_task('label', ...)`` works for models whose last layer is a
  1000-way ImageNet head (Brain-Score's check).

  Both are built on Brain-Score's own ``model_helpers`` rather than a reimplementation of ``BrainModel``: the
  wrapper runs the very code paths (activation packaging, temporal alignment, probabilities readout,
  microsaccades for ``require_variance``) that a submitted plugin runs on Brain-Score's servers, so what is
  tested locally is what gets scored; ``benchmarks/submit_brainscore.py`` writes a plugin that builds the
  same objects.
* :func:`save_brainscore_stimulus_set` (no Brain-Score needed) / :func:`to_brainscore_stimulus_set` — a
  neurovision stimulus set in Brain-Score's local format (PNG files + CSV) / as a Brain-Score ``StimulusSet``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ...stimuli.images import read_image

__all__ = ["activations_model", "brain_model", "path_preprocessing", "to_brainscore_stimulus_set",
           "save_brainscore_stimulus_set", "DEFAULT_TIME_BINS"]

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
        from ...models.registry import load_model
        return load_model(model)
    return model


def path_preprocessing(model) -> Callable[[Sequence[str]], np.ndarray]:
    """Brain-Score-style preprocessing for ``model``: image paths → float32 ``(n, 3, H, W)``.

    Files are read as uint8 RGB and passed through ``model.preprocess`` (one call per image size, so
    stimulus sets with mixed sizes work; a model's ``preprocess`` resizes to its input size).
    """
    def preprocess(paths) -> np.ndarray:
        images = [read_image(str(p)) for p in paths]
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
