"""Model activations: forward hooks on named layers → xarray ``presentation × neuroid``.

Stage two of the data flow (stimuli → model → **activations** → RDM → comparison → Score). The
network's ``forward`` is never modified: a forward hook on ``network.get_submodule(layer)`` copies
each requested layer's output, flattened per image, into a preallocated float32 array. Images are
preprocessed by the model itself (``model.preprocess``), in batches, under ``torch.inference_mode``.

Once the first batch has shown that every requested layer fires exactly once per forward pass, later
passes stop as soon as the deepest requested layer has fired (the rest of the network is skipped).

Recurrent models whose layer fires several times per forward pass (one call per time step) yield a
``time_bin`` dimension: ``presentation × neuroid × time_bin``.

Batch size. By default (``batch_size=None``) the number of images per forward pass is chosen by
:func:`auto_batch_size` so that the largest intermediate tensor of one batch stays below
:data:`BATCH_BYTES` (16 MiB). Larger tensors are given fresh ``mmap`` memory by glibc's allocator on
every pass (its ``mmap`` threshold is at most 32 MiB), and on this project's CPU machines the page
faults of touching that memory cost more than the arithmetic: MobileNetV1 at batch 32 took about
4,000 page faults and 20–22 ms per image up to ``Conv2d_7_pointwise``; at batch 4 (chosen
automatically), about 2 faults and 10–11 ms per image.
"""
from __future__ import annotations

import mmap
from contextlib import contextmanager
from typing import Iterable

import numpy as np
import torch
import xarray as xr
from tqdm.auto import tqdm

from .models.base import Model

#: Largest intermediate tensor of one batch that :func:`auto_batch_size` aims for (bytes).
BATCH_BYTES = 16 * 2**20
#: Upper bound on the automatic batch size.
MAX_BATCH_SIZE = 64


def auto_batch_size(model: Model, images: np.ndarray, max_bytes: int = BATCH_BYTES) -> int:
    """Images per forward pass such that the largest tensor any module of ``model.network`` outputs for one
    batch stays below ``max_bytes``: ``clip(max_bytes // largest_per_image, 1, MAX_BATCH_SIZE)``.

    ``largest_per_image`` (bytes) is read from one forward pass of ``images[:1]`` with a hook on every
    module. See the module docstring for why (allocator page faults), with measurements.
    """
    largest = 0

    def hook(_module, _inputs, output):
        nonlocal largest
        for t in output if isinstance(output, (tuple, list)) else (output,):
            if isinstance(t, torch.Tensor):
                largest = max(largest, t.numel() * t.element_size())

    handles = [module.register_forward_hook(hook) for module in model.network.modules()]
    try:
        with torch.inference_mode():
            model.network(model.preprocess(images[:1]))
    finally:
        for handle in handles:
            handle.remove()
    return int(np.clip(max_bytes // max(largest, 1), 1, MAX_BATCH_SIZE))


def _mapped_empty(shape: tuple) -> np.ndarray:
    """``np.empty(shape, float32)`` whose memory is mapped up front (Linux ``MAP_POPULATE``) for arrays of
    4 MiB or more: one system call instead of a page fault per 4 KiB page when the hooks first write the
    activations (measured: 70 vs 150 ms for the 148 MB of ``Conv2d_3_pointwise`` over 92 images). The
    memory is released when the array is. Plain ``np.empty`` where ``MAP_POPULATE`` does not exist."""
    nbytes = int(np.prod(shape, dtype=np.int64)) * 4
    populate = getattr(mmap, "MAP_POPULATE", None)
    if populate is None or nbytes < (1 << 22):
        return np.empty(shape, np.float32)
    buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
    return np.frombuffer(buffer, np.float32).reshape(shape)


def presentation_coords(stimuli: xr.DataArray) -> dict:
    """The coordinates of ``stimuli`` along ``presentation`` alone (``stimulus_id``, ``category``, …) as
    ``{name: ("presentation", values)}``, ready for an activations array with a ``presentation`` dimension."""
    return {name: ("presentation", np.asarray(coord.values)) for name, coord in stimuli.coords.items()
            if coord.dims == ("presentation",)}


class _AllRecorded(Exception):
    """Raised from a hook once every requested layer has fired: the rest of the forward pass is skipped."""


def _as_tensor(output) -> torch.Tensor:
    """A layer's output as a float32 CPU tensor (no copy when it already is one, whatever its memory format)."""
    if isinstance(output, (tuple, list)):
        output = output[0]
    a = output.detach()
    if a.dtype != torch.float32:
        a = a.float()
    return a.cpu()


def _copy_into(dest: np.ndarray, a: torch.Tensor) -> None:
    """Copy ``a`` ``(b, ...)`` into the C-ordered rows ``dest`` ``(b, prod(...))`` in one pass, whatever a's
    strides (channels-last activations are transposed on the fly by torch's vectorised copy)."""
    torch.from_numpy(dest).view(a.shape).copy_(a)


@contextmanager
def _hooks(network: torch.nn.Module, layers: list[str], record, stop_early: bool = False):
    """Forward hooks calling ``record(layer, tensor)`` with each output; the hook must copy what it keeps
    (a later in-place operation, e.g. ``ReLU(inplace=True)``, may overwrite the tensor)."""
    handles = []
    seen: set = set()
    for layer in layers:
        module = network.get_submodule(layer) if layer else network

        def hook(_module, _inputs, output, layer=layer):
            record(layer, _as_tensor(output))
            seen.add(layer)
            if stop_early and len(seen) == len(layers):
                raise _AllRecorded

        handles.append(module.register_forward_hook(hook))
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


def extract_layers(model: Model, stimuli: xr.DataArray, layers: Iterable[str] | None = None,
                   batch_size: int | None = None, progress: bool = True) -> dict[str, xr.DataArray]:
    """Activations of ``layers`` (default: all of ``model.layers``) to ``stimuli``.

    Returns ``{layer: DataArray}``, each float32 ``(presentation, neuroid)`` — or
    ``(presentation, neuroid, time_bin)`` when the layer is called once per time step — with the
    stimulus set's ``presentation`` coordinates (``stimulus_id``, …), ``neuroid_num`` (index of the
    unit in the flattened ``C×H×W`` output) and attrs ``layer``, ``model``, ``weights_hash``.

    Each hook copies its layer's output straight into the preallocated result (one copy per value,
    made inside the hook, so in-place operations later in the network cannot alter what was recorded).
    ``batch_size``: images per forward pass; ``None`` chooses it with :func:`auto_batch_size`.
    """
    layers = model.check_layers(list(layers) if layers is not None else list(model.layers))
    if "stimulus_id" not in stimuli.coords:
        raise ValueError("stimuli must carry a 'stimulus_id' coordinate on 'presentation'")
    images = stimuli.values
    n = images.shape[0]
    if batch_size is None:
        batch_size = auto_batch_size(model, images) if n > 1 else 1  # one image: no probe pass needed
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    out: dict[str, np.ndarray] = {}
    n_steps: dict[str, int] = {}
    starts = range(0, n, batch_size)
    bar = tqdm(starts, desc=f"{model.identifier} activations", unit="batch", disable=not progress,
               leave=False)
    network = model.network
    with torch.inference_mode():
        for start in bar:
            batch = model.preprocess(images[start:start + batch_size])
            b = batch.shape[0]
            calls: dict[str, list] = {}  # layers not (yet) known to fire once per pass: one copy per call

            def record(layer, a, start=start, b=b, calls=calls):
                if n_steps.get(layer) == 1:  # one call per pass (known from the first batch): into the result
                    _copy_into(out[layer][start:start + b], a)
                else:
                    flat = np.empty((a.shape[0], int(np.prod(a.shape[1:], dtype=np.int64))), np.float32)
                    _copy_into(flat, a)
                    calls.setdefault(layer, []).append(flat)

            # after the first batch has shown every layer fires once per forward pass, stop the pass as soon
            # as the deepest requested layer has fired (layers after it cost time and record nothing)
            stop_early = bool(n_steps) and all(steps == 1 for steps in n_steps.values())
            with _hooks(network, layers, record, stop_early) as seen:
                try:
                    network(batch)
                except _AllRecorded:
                    pass
            for layer in layers:
                if layer not in seen:
                    raise RuntimeError(f"layer {layer!r} of {model.identifier!r} was not called in forward")
                if layer not in calls:
                    continue
                steps = len(calls[layer])
                acts = np.stack(calls[layer], axis=-1) if steps > 1 else calls[layer][0]
                if layer not in n_steps:
                    n_steps[layer] = steps
                    out[layer] = _mapped_empty((n,) + acts.shape[1:])
                elif steps != n_steps[layer]:
                    raise RuntimeError(f"layer {layer!r} of {model.identifier!r} was called {steps} times in one "
                                       f"forward pass, {n_steps[layer]} times in the first")
                out[layer][start:start + acts.shape[0]] = acts
    coords = presentation_coords(stimuli)
    result = {}
    for layer in layers:
        arr = out[layer]
        dims = ("presentation", "neuroid") + (("time_bin",) if n_steps[layer] > 1 else ())
        da = xr.DataArray(arr, dims=dims, coords=dict(coords, neuroid_num=("neuroid", np.arange(arr.shape[1]))),
                          attrs={"layer": layer, "model": model.identifier, "weights_hash": model.weights_hash})
        if n_steps[layer] > 1:
            da = da.assign_coords(time_bin=np.arange(n_steps[layer]))
        result[layer] = da
    return result


def layer_sizes(model: Model, stimuli: xr.DataArray, layers: Iterable[str]) -> dict[str, int]:
    """Number of float32 values one image produces at each layer (units × time steps), from one image."""
    probe = extract_layers(model, stimuli.isel(presentation=slice(0, 1)), layers, progress=False)
    return {layer: int(np.prod(da.shape[1:])) for layer, da in probe.items()}


def layer_groups(sizes: dict[str, int], n_images: int, max_bytes: float) -> list[list[str]]:
    """Split layers (in order) into groups whose float32 activations to ``n_images`` fit ``max_bytes``.

    A single layer larger than the budget forms its own group. Each group costs one pass over the
    stimuli, so peak memory is bounded by about ``max_bytes`` (plus one layer's RDM work).
    """
    groups: list[list[str]] = [[]]
    used = 0.0
    for layer, size in sizes.items():
        need = 4.0 * size * n_images
        if groups[-1] and used + need > max_bytes:
            groups.append([])
            used = 0.0
        groups[-1].append(layer)
        used += need
    return [g for g in groups if g]


def extract(model: Model, stimuli: xr.DataArray, layers: Iterable[str] | None = None,
            batch_size: int | None = None, progress: bool = True) -> xr.DataArray:
    """All requested layers concatenated along ``neuroid`` (Brain-Score's assembly layout).

    ``(presentation, neuroid)`` float32 with per-neuroid coordinates ``layer`` and ``neuroid_num``.
    Prefer :func:`extract_layers` for large layers (no concatenation copy).
    """
    per_layer = extract_layers(model, stimuli, layers, batch_size, progress)
    parts = [da.assign_coords(layer=("neuroid", np.full(da.sizes["neuroid"], name))) for name, da in per_layer.items()]
    merged = xr.concat(parts, dim="neuroid", coords="different", compat="equals")
    merged.attrs = {"model": model.identifier, "weights_hash": model.weights_hash, "layers": list(per_layer)}
    return merged
