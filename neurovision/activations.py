"""Model activations: forward hooks on named layers → xarray ``presentation × neuroid [× time_bin]``.

Stage two of the data flow (stimuli → model → **activations** → RDM → comparison → Score). The
network's ``forward`` is never modified: a forward hook on ``network.get_submodule(layer)`` copies
each requested layer's output, flattened per stimulus, into a preallocated float32 array. Stimuli are
turned into the network input by the model itself (:meth:`~neurovision.models.base.Model.network_input`),
in batches, under ``torch.inference_mode``.

Once the first batch has shown that every requested layer fires exactly once per forward pass, later
passes stop as soon as the deepest requested layer has fired (the rest of the network is skipped).

The time axis is always the dimension ``time_bin`` (integer steps 0, 1, …). It arises in two ways:

* image models whose layer fires several times per forward pass (a recurrent model unrolled in time, one
  call per step): ``time_bin`` = the call's index;
* video models (:class:`~neurovision.models.base.VideoModel`, stimuli ``(presentation, time, height, width)``)
  whose layer output carries the input's time axis, either batch-first ``(batch, time, ...)`` (e.g. a GRU
  with ``batch_first=True``) or with the frames folded into the batch ``(batch * time, ...)`` (a per-frame
  convolution): ``time_bin`` = the network time step ``t``, and a ``time_ms`` coordinate on ``time_bin`` =
  ``t * model.ms_per_frame``, the network time in ms from the first frame of the video. The input delay is
  applied before the network (``network_input``), so at ``time_bin`` ``t`` the network has seen input frames
  up to ``t - model.delay_frames`` (stimulus time up to ``time_ms - model.delay_ms``). A video layer whose
  output has neither form (e.g. pooled over time) gives ``presentation × neuroid``; one whose batch-first
  output ``(batch, n, ...)`` has ``n`` equal to the number of frames is read as time-resolved.

Batch size. By default (``batch_size=None``) the number of images per forward pass is chosen by
:func:`auto_batch_size` so that the largest intermediate tensor of one batch stays below
:data:`BATCH_BYTES` (16 MiB). Larger tensors are given fresh ``mmap`` memory by glibc's allocator on
every pass (its ``mmap`` threshold is at most 32 MiB), and on this project's CPU machines the page
faults of touching that memory cost more than the arithmetic: MobileNetV1 at batch 32 took about
4,000 page faults and 20–22 ms per image up to ``Conv2d_7_pointwise``; at batch 4 (chosen
automatically), about 2 faults and 10–11 ms per image. On a CUDA device the page-fault argument does not
apply; there the batch is sized from the device's free memory (:func:`auto_batch_size`).

Device. ``device=None`` runs the network where its parameters are (the CPU unless the caller moved it);
``device="cpu" | "cuda" | "cuda:1" | "mps"`` (or a :class:`torch.device`) moves the network there for the call
and back afterwards, also when the forward pass raises (:func:`network_on`): ``Module.to`` replaces each
parameter's data in place, so no copy of the network is made and the parameter objects keep their identity.
Each batch is moved to the device after preprocessing (from pinned memory, asynchronously, on CUDA); the
hooks copy each output back to the CPU as float32, laid out C-contiguous on the device first, so the host
copy is one straight transfer. Models must not move tensors themselves inside ``forward``.
"""
from __future__ import annotations

import mmap
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterable, Iterator, Union

import numpy as np
import torch
import xarray as xr

from .models.base import Model, VideoModel
from .progress import bar as progress_bar

#: Largest intermediate tensor of one batch that :func:`auto_batch_size` aims for (bytes).
BATCH_BYTES = 16 * 2**20
#: Upper bound on the automatic batch size.
MAX_BATCH_SIZE = 64
#: Upper bound on the automatic batch size on a CUDA device.
MAX_CUDA_BATCH_SIZE = 256
#: Share of a CUDA device's free memory that :func:`auto_batch_size` lets one batch use.
CUDA_MEMORY_FRACTION = 0.5
#: Bytes a CUDA batch is budgeted per byte of its largest intermediate tensor (that tensor, the layer's input,
#: convolution workspace and the float32 copies of the recorded outputs).
CUDA_BYTES_PER_LARGEST = 4

DeviceLike = Union[str, torch.device, None]


_DEFAULT_DEVICE: ContextVar[DeviceLike] = ContextVar("neurovision_device", default=None)


@contextmanager
def default_device(device: DeviceLike) -> Iterator[None]:
    """Inside the block, extractions with ``device=None`` run on ``device`` (checked here, once): what
    ``neurovision.score(..., device=)`` and ``bench(model, device=...)`` use, so that every activation a benchmark
    computes runs there. Results are cached by content only, so a result computed on one device is served on the
    other (they agree to float32 rounding)."""
    resolve_device(device)
    token = _DEFAULT_DEVICE.set(device)
    try:
        yield
    finally:
        _DEFAULT_DEVICE.reset(token)


def available_devices() -> list[str]:
    """Names of the devices this process can run a network on: ``"cpu"``, ``"cuda:0"`` … ``"cuda:{n-1}"`` when
    CUDA is available, and ``"mps"`` when ``torch.backends.mps.is_available()``."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def resolve_device(device: DeviceLike) -> torch.device | None:
    """``device`` as a :class:`torch.device` with an explicit index for CUDA and MPS (``"cuda"`` is the current
    CUDA device, ``"mps"`` is ``mps:0``); ``None`` stays ``None`` (the network's own device).

    Raises
    ------
    ValueError
        for a string torch cannot parse, a device type other than cpu, cuda and mps, or a device that is not
        available in this process; the message names it and lists :func:`available_devices`.
    """
    if device is None:
        return None
    if not isinstance(device, (str, torch.device)):
        raise ValueError(f"device must be a str, a torch.device or None; got {type(device).__name__} {device!r}")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        dev = None
    avail = available_devices()
    if dev is None or dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unknown device {device!r}; available devices: {avail}")
    if dev.type == "cpu":
        return torch.device("cpu")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} is not available: CUDA is not available in this process "
                             f"(torch {torch.__version__}); available devices: {avail}")
        index = torch.cuda.current_device() if dev.index is None else dev.index
        if not 0 <= index < torch.cuda.device_count():
            raise ValueError(f"device {device!r} is not available: this process sees "
                             f"{torch.cuda.device_count()} CUDA device(s); available devices: {avail}")
        return torch.device("cuda", index)
    if "mps" not in avail:
        raise ValueError(f"device {device!r} is not available: torch.backends.mps.is_available() is False; "
                         f"available devices: {avail}")
    return torch.device("mps", 0 if dev.index is None else dev.index)


def network_device(network: torch.nn.Module) -> torch.device | None:
    """The one device holding every parameter and buffer of ``network``; ``None`` when it has none.

    Raises ValueError when they are spread over several devices (a model-parallel network: leave
    ``device=None`` and place its inputs yourself)."""
    devices = {t.device for t in network.parameters()} | {t.device for t in network.buffers()}
    if len(devices) > 1:
        raise ValueError(f"the network's parameters and buffers are on several devices {sorted(map(str, devices))}; "
                         "extraction moves one network to one device: move it to one device first")
    return devices.pop() if devices else None


@contextmanager
def network_on(network: torch.nn.Module, device: DeviceLike) -> Iterator[torch.device]:
    """Run the body with ``network`` on ``device`` (:func:`resolve_device`; ``None``: where it is) and move it
    back to its original device afterwards, also when the body raises. Yields the device the inputs belong on
    (the CPU for a network without parameters or buffers and ``device=None``).

    ``Module.to`` replaces each parameter's and buffer's data in place (memory format kept), so nothing is
    copied beyond the transfer itself and references to the parameters stay valid; when the network is already
    on ``device`` nothing is moved."""
    target = resolve_device(device)
    origin = network_device(network)
    if target is None:
        yield origin if origin is not None else torch.device("cpu")
        return
    if origin is None or origin == target:
        yield target
        return
    network.to(target)
    try:
        yield target
    finally:
        network.to(origin)


def _to_device(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``batch`` on ``device``: unchanged when it is there; to CUDA from pinned host memory without blocking
    (the caching host allocator keeps the pinned buffer alive until the copy has run)."""
    if batch.device == device:
        return batch
    if device.type == "cuda" and batch.device.type == "cpu":
        return batch.pin_memory().to(device, non_blocking=True)
    return batch.to(device)


def auto_batch_size(model: Model, images: np.ndarray, max_bytes: int = BATCH_BYTES,
                    device: DeviceLike = None) -> int:
    """Stimuli (images or videos) per forward pass of ``model.network`` on ``device`` (:func:`resolve_device`;
    ``None``: where the network is).

    ``largest_per_stimulus`` (bytes) is the largest tensor any module outputs for one stimulus, read from one
    forward pass of ``images[:1]`` with a hook on every module (run on ``device``). On the CPU and MPS,
    ``clip(max_bytes // largest_per_stimulus, 1, MAX_BATCH_SIZE)``: the largest intermediate tensor of a batch
    stays below ``max_bytes`` (see the module docstring for why: allocator page faults, with measurements).
    On CUDA, ``clip(CUDA_MEMORY_FRACTION * free // (CUDA_BYTES_PER_LARGEST * largest_per_stimulus), 1,
    MAX_CUDA_BATCH_SIZE)`` with ``free`` the device's free memory in bytes (``torch.cuda.mem_get_info``) after
    the probe; ``max_bytes`` is not used there.
    """
    largest = 0

    def hook(_module, _inputs, output):
        nonlocal largest
        for t in output if isinstance(output, (tuple, list)) else (output,):
            if isinstance(t, torch.Tensor):
                largest = max(largest, t.numel() * t.element_size())

    with network_on(model.network, device) as dev:
        handles = [module.register_forward_hook(hook) for module in model.network.modules()]
        try:
            with torch.inference_mode():
                model.network(_to_device(model.network_input(images[:1]), dev))
        finally:
            for handle in handles:
                handle.remove()
        if dev.type == "cuda":
            free, _total = torch.cuda.mem_get_info(dev)
            per_stimulus = CUDA_BYTES_PER_LARGEST * max(largest, 1)
            return int(np.clip(int(CUDA_MEMORY_FRACTION * free) // per_stimulus, 1, MAX_CUDA_BATCH_SIZE))
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
    """A layer's output as a float32 CPU tensor (no copy when it already is one, whatever its memory format).
    An output on an accelerator is converted and made C-contiguous there, then copied to the host in one
    transfer (synchronous, so the copy is complete before a later in-place operation can alter the output)."""
    if isinstance(output, (tuple, list)):
        output = output[0]
    a = output.detach()
    if a.dtype != torch.float32:
        a = a.float()
    if a.device.type != "cpu":
        a = a.contiguous().cpu()
    return a


def _copy_into(dest: np.ndarray, a: torch.Tensor) -> None:
    """Copy ``a`` ``(b, ...)`` into the C-ordered rows ``dest`` ``(b, prod(...))`` in one pass, whatever a's
    strides (channels-last activations are transposed on the fly by torch's vectorised copy)."""
    torch.from_numpy(dest).view(a.shape).copy_(a)


def _time_layout(shape: tuple, b: int, n_time: int) -> str | None:
    """How a video model's layer output of ``shape`` for a batch of ``b`` videos of ``n_time`` frames carries
    time: ``"batch_time"`` for ``(b, n_time, ...)``, ``"folded"`` for ``(b * n_time, ...)``, ``None`` (no time
    axis) otherwise. With one frame every output counts as time-resolved with one time bin."""
    if shape[0] == b * n_time:
        return "folded"
    if len(shape) >= 2 and shape[0] == b and shape[1] == n_time:
        return "batch_time"
    return None


def _copy_time_into(dest: np.ndarray, a: torch.Tensor, b: int, n_time: int) -> None:
    """Copy a time-resolved output ``a`` (``(b, n_time, ...)`` or ``(b * n_time, ...)``) into the C-ordered
    ``dest`` ``(b, units, n_time)``, units in the flattened order of one time step's output."""
    torch.from_numpy(dest).copy_(a.reshape(b, n_time, -1).transpose(1, 2))


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
                   batch_size: int | None = None, progress: bool = True,
                   device: DeviceLike = None) -> dict[str, xr.DataArray]:
    """Activations of ``layers`` (default: all of ``model.layers``) to ``stimuli``.

    ``stimuli``: an image stimulus set (:func:`neurovision.stimuli.images.stimulus_set`) for a :class:`Model`, a
    video set ``(presentation, time, height, width)`` (:func:`neurovision.stimuli.videos.video_set`) for a
    :class:`VideoModel`; both with a ``stimulus_id`` coordinate.

    Returns ``{layer: DataArray}``, each float32 ``(presentation, neuroid)`` — or
    ``(presentation, neuroid, time_bin)`` when the layer is time-resolved (called once per time step, or, for a
    video model, an output with the input's time axis; see the module docstring) — with the stimulus set's
    ``presentation`` coordinates (``stimulus_id``, …), ``neuroid_num`` (index of the unit in the flattened
    output of one stimulus and time step, e.g. ``C×H×W``), ``time_bin`` (0, 1, …) and, for video models,
    ``time_ms`` on ``time_bin`` (network time, ms: ``time_bin * ms_per_frame``; the network has seen input
    frames up to ``time_bin - delay_frames``). Attrs ``layer``, ``model``, ``weights_hash``, and for video
    models ``ms_per_frame`` and ``delay_frames``.

    Each hook copies its layer's output straight into the preallocated result (one copy per value,
    made inside the hook, so in-place operations later in the network cannot alter what was recorded).
    ``batch_size``: stimuli per forward pass; ``None`` chooses it with :func:`auto_batch_size`. (Float32 results
    of some layers, e.g. a GRU's, can differ in the last bit between batch sizes.)

    ``device``: where the forward passes run: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` or a
    :class:`torch.device`; ``None`` (default) runs the network where its parameters are. The network is moved
    there for the call and back to its original device afterwards, also on error (:func:`network_on`); the
    results are float32 numpy arrays on the host either way. (Results on an accelerator can differ from the
    CPU's in the last bits: different convolution algorithms.) An unknown or unavailable device raises
    ValueError naming it and :func:`available_devices`.
    """
    layers = model.check_layers(list(layers) if layers is not None else list(model.layers))
    if "stimulus_id" not in stimuli.coords:
        raise ValueError("stimuli must carry a 'stimulus_id' coordinate on 'presentation'")
    video_model = model if isinstance(model, VideoModel) else None
    video = video_model is not None
    _check_stimulus_kind(model, stimuli, video)
    images = stimuli.values
    n = images.shape[0]
    n_time = images.shape[1] if video else 0
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    with network_on(model.network, device if device is not None else _DEFAULT_DEVICE.get()) as dev:
        if batch_size is None:
            batch_size = auto_batch_size(model, images, device=dev) if n > 1 else 1  # one stimulus: no probe
        out, n_steps, timed = _record_batches(model, images, layers, batch_size, dev, progress, video, n_time)
    coords = presentation_coords(stimuli)
    attrs: dict[str, object] = {"model": model.identifier, "weights_hash": model.weights_hash}
    if video_model is not None:
        attrs.update(ms_per_frame=float(video_model.ms_per_frame), delay_frames=int(video_model.delay_frames))
    result = {}
    for layer in layers:
        arr = out[layer]
        has_time = n_steps[layer] > 1 or timed[layer]
        dims = ("presentation", "neuroid") + (("time_bin",) if has_time else ())
        da = xr.DataArray(arr, dims=dims, coords=dict(coords, neuroid_num=("neuroid", np.arange(arr.shape[1]))),
                          attrs={"layer": layer, **attrs})
        if has_time:
            da = da.assign_coords(time_bin=np.arange(arr.shape[2]))
            if video_model is not None:
                da = da.assign_coords(time_ms=("time_bin", np.arange(arr.shape[2]) * float(video_model.ms_per_frame)))
        result[layer] = da
    return result


def _record_batches(model: Model, images: np.ndarray, layers: list[str], batch_size: int, device: torch.device,
                    progress: bool, video: bool, n_time: int) -> tuple[dict, dict, dict]:
    """The forward passes of :func:`extract_layers` over ``images`` in batches on ``device`` (the network is
    there already): ``(out, n_steps, timed)``, the float32 results per layer, the calls per forward pass and
    whether a video layer's output carries the time axis."""
    n = images.shape[0]
    out: dict[str, np.ndarray] = {}
    n_steps: dict[str, int] = {}  # calls per forward pass, known from the first batch
    timed: dict[str, bool] = {}  # video models: the (single) output carries the input's time axis
    starts = range(0, n, batch_size)
    bar = progress_bar(starts, desc=f"{model.identifier} activations ({n} stimuli)", unit="batch",
                       disable=not progress, delay=0.5)
    network = model.network
    with torch.inference_mode():
        for start in bar:
            batch = _to_device(model.network_input(images[start:start + batch_size]), device)
            b = batch.shape[0]
            if video and (batch.ndim < 2 or batch.shape[1] != n_time):
                raise ValueError(f"{model.identifier!r}: network_input must keep the {n_time} frames on axis 1 "
                                 f"(batch, time, ...); got shape {tuple(batch.shape)}")
            calls: dict[str, list] = {}  # layers not (yet) known to fire once per pass: one copy per call

            def record(layer, a, start=start, b=b, calls=calls):
                if n_steps.get(layer) == 1:  # one call per pass (known from the first batch): into the result
                    if timed[layer]:
                        _copy_time_into(out[layer][start:start + b], a, b, n_time)
                    else:
                        _copy_into(out[layer][start:start + b], a)
                    return
                layout = _time_layout(tuple(a.shape), b, n_time) if video else None
                if layout is not None:
                    flat = np.empty((b, a.numel() // (b * n_time), n_time), np.float32)
                    _copy_time_into(flat, a, b, n_time)
                else:
                    flat = np.empty((a.shape[0], int(np.prod(a.shape[1:], dtype=np.int64))), np.float32)
                    _copy_into(flat, a)
                calls.setdefault(layer, []).append((flat, layout is not None))

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
                if steps > 1 and any(t for _, t in calls[layer]):
                    raise RuntimeError(f"layer {layer!r} of {model.identifier!r} is called {steps} times in one "
                                       "forward pass with an output that has a time axis: two time axes")
                acts = np.stack([c for c, _ in calls[layer]], axis=-1) if steps > 1 else calls[layer][0][0]
                if layer not in n_steps:
                    n_steps[layer] = steps
                    timed[layer] = steps == 1 and calls[layer][0][1]
                    out[layer] = _mapped_empty((n,) + acts.shape[1:])
                elif steps != n_steps[layer]:
                    raise RuntimeError(f"layer {layer!r} of {model.identifier!r} was called {steps} times in one "
                                       f"forward pass, {n_steps[layer]} times in the first")
                out[layer][start:start + acts.shape[0]] = acts
    return out, n_steps, timed


def _check_stimulus_kind(model: Model, stimuli: xr.DataArray, video: bool) -> None:
    """Raise ValueError unless ``stimuli`` are videos ``(presentation, time, height, width)`` for a video model,
    and not videos for an image model."""
    if video and tuple(stimuli.dims) != ("presentation", "time", "height", "width"):
        raise ValueError(f"{model.identifier!r} is a video model: stimuli must have dims (presentation, time, height, "
                         f"width) (neurovision.stimuli.videos.video_set); got {tuple(stimuli.dims)}")
    if not video and "time" in stimuli.dims:
        raise ValueError(f"{model.identifier!r} is an image model and these stimuli are videos (dims "
                         f"{tuple(stimuli.dims)}); record videos with a neurovision.models.base.VideoModel")


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
            batch_size: int | None = None, progress: bool = True, device: DeviceLike = None) -> xr.DataArray:
    """All requested layers concatenated along ``neuroid`` (Brain-Score's assembly layout).

    ``(presentation, neuroid)`` float32 with per-neuroid coordinates ``layer`` and ``neuroid_num``.
    Prefer :func:`extract_layers` for large layers (no concatenation copy). ``device``: as for
    :func:`extract_layers`.
    """
    per_layer = extract_layers(model, stimuli, layers, batch_size, progress, device=device)
    parts = [da.assign_coords(layer=("neuroid", np.full(da.sizes["neuroid"], name))) for name, da in per_layer.items()]
    merged = xr.concat(parts, dim="neuroid", coords="different", compat="equals")
    merged.attrs = {"model": model.identifier, "weights_hash": model.weights_hash, "layers": list(per_layer)}
    return merged
