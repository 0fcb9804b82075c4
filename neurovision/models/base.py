"""What a model is to the rest of neurovision: a network plus its preprocessing and commitments.

Two stimulus contracts share one class hierarchy:

* :class:`Model` — image models. Stimuli are uint8 RGB images ``(presentation, height, width, 3)``;
  ``preprocess`` maps a batch of them to the network input (e.g. float ``(n, 3, H, W)``), exactly as the network
  was trained (resizing, channel order, scaling belong to the model, not to callers).
* :class:`VideoModel` — video models. Stimuli are videos ``(presentation, time, height, width)``, grey levels
  float in [0, 1] or uint8; ``preprocess`` maps a batch of them to the network input ``(n, time, ...)``
  (time second), and the model commits to physical units: ``ms_per_frame`` (ms of stimulus time per frame),
  ``px_per_deg`` and the input delay ``delay_frames``, which :meth:`VideoModel.network_input` applies on the data
  side, never inside ``forward``.

Both bundle

* ``network`` — a ``torch.nn.Module`` whose named sub-modules (``network.get_submodule(name)``) are the
  recordable layers; :mod:`neurovision.activations` records them with forward hooks, so ``forward``
  stays plain (no device calls, no bookkeeping inside it);
* ``preprocess`` (above) and :meth:`Model.network_input`, the network's input for a batch of stimuli (for image
  models ``preprocess`` itself; for video models ``preprocess`` followed by the input delay);
* ``layers`` — the recordable layer names, shallow to deep;
* ``region_layer_map`` — the layer committed to each area (V1, V2, V4, IT, dorsal), and
  ``visual_degrees`` — the field of view the input frame spans (deg);
* ``chosen_on`` — what the commitment was chosen on, by kind (``{"stimulus_id": ..., "session": ...}``)
  (benchmarks never score them);
* ``identifier`` and ``weights_hash`` (sha256 over the state dict) for provenance, and
  :meth:`Model.fingerprint` — what every cached result is keyed by: architecture, weights, preprocessing and the
  network's outputs to fixed probe inputs at the requested layers (:func:`probe_images`, :func:`probe_videos`),
  so that any change of the forward pass or of the preprocessing under the same identifier gives a new key.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field, fields
from typing import Callable, Sequence

import numpy as np
import torch

from ..errors import UnknownNameError, did_you_mean
from ..stimuli.videos import delay_video


def state_dict_hash(module: torch.nn.Module) -> str:
    """sha256 (hex) over the names, shapes, dtypes and bytes of a module's state dict."""
    h = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode() + str(t.dtype).encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()


class UnknownLayerError(UnknownNameError):
    """A layer (or region) name the model does not have."""


class UnknownModelError(UnknownNameError):
    """A model name that is not registered, nor a known torchvision or timm architecture."""


def callable_key(f) -> str:
    """A text that changes when the code (or the bound arguments) of a callable changes: module, qualified name,
    bytecode and constants of a function; the same of ``func`` plus the arguments of a ``functools.partial``;
    the class and attributes of any other callable object."""
    if isinstance(f, functools.partial):
        return f"partial({callable_key(f.func)}, {f.args!r}, {sorted(f.keywords.items())!r})"
    code = getattr(f, "__code__", None)
    if code is not None:
        cells = [c.cell_contents for c in (getattr(f, "__closure__", None) or ()) if _has_contents(c)]
        cell_keys = [callable_key(c) if callable(c) else repr(c) for c in cells]
        return (f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', '')}:"
                f"{hashlib.sha256(code.co_code).hexdigest()}:{code.co_consts!r}:{cell_keys!r}")
    if hasattr(f, "__func__"):  # bound method
        return f"method({callable_key(f.__func__)})"
    return f"{type(f).__module__}.{type(f).__qualname__}:{sorted(vars(f).items()) if hasattr(f, '__dict__') else ''!r}"


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def probe_images() -> np.ndarray:
    """The fixed probe stimuli of :meth:`Model.fingerprint`: three uint8 RGB images ``(3, 96, 96, 3)`` — a colour
    ramp, a checkerboard of 12-px squares, and uniform noise from ``numpy.random.default_rng(0)``."""
    y, x = np.mgrid[0:96, 0:96]
    ramp = np.stack([x * 255 // 95, y * 255 // 95, (x + y) * 255 // 190], axis=-1)
    checker = np.repeat(((((x // 12) + (y // 12)) % 2) * 255)[..., None], 3, axis=-1)
    noise = np.random.default_rng(0).integers(0, 256, size=(96, 96, 3))
    return np.stack([ramp, checker, noise]).astype(np.uint8)


def probe_videos(height: int, width: int, n_frames: int = 20) -> np.ndarray:
    """The fixed probe stimuli of :meth:`VideoModel.fingerprint`: three grey videos ``(3, n_frames, height, width)``
    float32 in [0, 1] — the :func:`probe_images` averaged over colour, divided by 255, nearest-neighbour resampled
    to ``height`` × ``width`` px and drifting rightwards by 1 px per frame (circularly)."""
    grey = probe_images().mean(axis=-1) / 255.0
    rows = np.linspace(0, grey.shape[1] - 1, height).round().astype(int)
    cols = np.linspace(0, grey.shape[2] - 1, width).round().astype(int)
    frames = grey[:, rows][:, :, cols]
    return np.stack([np.roll(frames, t, axis=-1) for t in range(n_frames)], axis=1).astype(np.float32)


def _quantised(a: np.ndarray) -> bytes:
    """float32 bytes with the 8 lowest mantissa bits cleared (relative precision 2**-15): identical for runs that
    differ only by floating-point summation order, different for any real change of the values."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    return (bits & np.uint32(0xFFFFFF00)).tobytes()


@dataclass
class Model:
    """An image model (see the module docstring): ``preprocess`` maps uint8 RGB images ``(n, h, w, 3)`` to the
    network input. :class:`VideoModel` is the video contract."""

    identifier: str
    network: torch.nn.Module
    preprocess: Callable[[np.ndarray], torch.Tensor]
    layers: list[str]
    region_layer_map: dict[str, str] = field(default_factory=dict)
    visual_degrees: float = 8.0
    description: str = ""
    #: what the region commitment was chosen on, by kind: ``"stimulus_id"`` → stimulus ids, ``"session"`` →
    #: recording sessions; benchmarks never score these (no selection leaks into a score)
    chosen_on: dict[str, frozenset] = field(default_factory=dict)
    dropped_keys: dict = field(default_factory=dict)  # weights not loaded (a classifier head dropped): key -> why
    _weights_hash: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.network.eval()

    @property
    def weights_hash(self) -> str:
        if self._weights_hash is None:
            self._weights_hash = state_dict_hash(self.network)
        return self._weights_hash

    def network_input(self, stimuli: np.ndarray) -> torch.Tensor:
        """The network input for a batch of stimuli (the values of a stimulus set, ``presentation`` first):
        ``preprocess(stimuli)``. This is what :mod:`neurovision.activations` feeds the network."""
        return self.preprocess(stimuli)

    def probe_batch(self) -> torch.Tensor:
        """The network input of :meth:`fingerprint`: :func:`probe_images` through ``preprocess``."""
        return self.preprocess(probe_images())

    def fingerprint(self, layers: Sequence[str] | None = None) -> str:
        """sha256 (hex) of everything that determines this model's activations at ``layers``: the model class,
        the network's architecture (``repr``: module types and hyper-parameters, e.g. ReLU vs Tanh), the weights
        (:attr:`weights_hash`), the preprocessing code (:func:`callable_key`), the model's scalar settings, and
        the outputs of ``layers`` (default: all) to :meth:`probe_batch`, quantised to a relative precision of
        2**-15. Results cached under it cannot be served for a model whose forward pass or preprocessing differs.

        The probe outputs of all layers are computed in one forward pass and kept on the instance for as long as
        the architecture, preprocessing and weights hash are unchanged (weights edited in place on the same
        ``Model`` object are not re-hashed: build a new ``Model`` after changing weights).
        """
        layers = self.check_layers(list(self.layers if layers is None else layers))
        settings = {f.name: getattr(self, f.name) for f in fields(self)
                    if isinstance(getattr(self, f.name), (str, int, float, bool, type(None)))
                    and f.name not in ("identifier", "description", "_weights_hash")}
        head = "\x00".join(map(str, (type(self).__module__, type(self).__qualname__, repr(self.network),
                                     self.weights_hash, callable_key(self.preprocess), sorted(settings.items()))))
        memo = self.__dict__.get("_probe_memo")
        if memo is None or memo[0] != head:
            memo = (head, self._probe_digests())
            self.__dict__["_probe_memo"] = memo
        h = hashlib.sha256(head.encode())
        for layer in layers:
            h.update(layer.encode() + b"\x00" + memo[1][layer].encode())
        return h.hexdigest()

    def _probe_digests(self) -> dict[str, str]:
        """sha256 of each layer's quantised outputs to :meth:`probe_batch` (one forward pass, all layers)."""
        outputs: dict[str, list[bytes]] = {layer: [] for layer in self.layers}

        def record(layer):
            def hook(_module, _inputs, output):
                t = output[0] if isinstance(output, (tuple, list)) else output
                if isinstance(t, dict):
                    t = torch.cat([v.reshape(v.shape[0], -1) for _, v in sorted(t.items())], dim=1)
                outputs[layer].append(_quantised(t.detach().float().cpu().numpy()))
            return hook

        handles = [(self.network.get_submodule(layer) if layer else self.network).register_forward_hook(record(layer))
                   for layer in self.layers]
        try:
            with torch.inference_mode():
                self.network(self.probe_batch())
        finally:
            for handle in handles:
                handle.remove()
        return {layer: hashlib.sha256(b"".join(chunks)).hexdigest() for layer, chunks in outputs.items()}

    def check_layers(self, layers: list[str]) -> list[str]:
        """Return ``layers`` unchanged, or raise naming the unknown ones and listing the known ones."""
        unknown = [layer for layer in layers if layer not in self.layers]
        if unknown:
            raise UnknownLayerError(
                f"model {self.identifier!r} has no layer(s) {', '.join(map(repr, unknown))}"
                f"{did_you_mean(unknown[0], self.layers) or ';'} known layers: {', '.join(self.layers)}"
            )
        return list(layers)

    def layer_for(self, region: str) -> str:
        """The layer committed to ``region`` (e.g. 'IT')."""
        try:
            return self.region_layer_map[region]
        except KeyError:
            raise UnknownLayerError(
                f"model {self.identifier!r} has no commitment for region {region!r}; "
                f"committed regions: {', '.join(self.region_layer_map) or 'none'} (pass layer=... to score a "
                "layer of your choice)"
            ) from None


@dataclass
class VideoModel(Model):
    """A video model (see the module docstring): stimuli are videos ``(presentation, time, height, width)``,
    float in [0, 1] or uint8.

    * ``preprocess`` — a batch of videos ``(n, time, height, width)`` → the network input, a float tensor with
      ``n`` first and time second (``(n, time, height, width)`` for a network that takes grey frames); it must
      keep the number of frames. It does not delay the input.
    * ``height``, ``width`` — the frame size (px) of the preprocessed input the network takes;
    * ``ms_per_frame`` — stimulus time per frame (ms); frame ``t`` of a video is shown at ``t * ms_per_frame``;
    * ``px_per_deg`` — pixels per degree of visual angle of the (preprocessed) frame;
    * ``delay_frames`` — the input delay Δ (frames): at network time step ``t`` the network sees input frame
      ``t - Δ``, and a blank (0) frame for ``t < Δ``. Applied by :meth:`network_input` on the data side
      (:func:`neurovision.stimuli.videos.delay_video`), never in ``forward``.

    Activations of a layer whose output has a time axis come out as ``presentation × neuroid × time_bin``,
    indexed by network time (see :func:`neurovision.activations.extract_layers`).
    """

    height: int = 32
    width: int = 32
    ms_per_frame: float = 10.0
    px_per_deg: float = 1.0
    delay_frames: int = 0

    @property
    def delay_ms(self) -> float:
        """The input delay in ms (``delay_frames * ms_per_frame``)."""
        return self.delay_frames * self.ms_per_frame

    def network_input(self, stimuli: np.ndarray, delay_frames: int | None = None) -> torch.Tensor:
        """The network input for videos ``(n, time, height, width)`` (or one video ``(time, height, width)``,
        given a batch axis of 1): ``preprocess``, a check that the frames are ``height`` × ``width`` px, then the
        input delay (default ``delay_frames``; :func:`~neurovision.stimuli.videos.delay_video`, blank frames = 0).
        Output time step ``t`` holds input frame ``t - delay``. Raises ValueError for another frame size or a
        delay not shorter than the video."""
        x = self.preprocess(stimuli)
        if tuple(x.shape[-2:]) != (self.height, self.width):
            raise ValueError(f"video frames must be {self.height}x{self.width} px for {self.identifier}; "
                             f"got {tuple(x.shape[-2:])}")
        d = self.delay_frames if delay_frames is None else delay_frames
        return torch.from_numpy(delay_video(x.numpy(), d))

    def probe_batch(self) -> torch.Tensor:
        """The network input of :meth:`fingerprint`: :func:`probe_videos` of the model's frame size through
        ``preprocess``, without the input delay (``delay_frames`` enters the fingerprint as a setting)."""
        return self.preprocess(probe_videos(self.height, self.width))


def seeded(factory: Callable[[], torch.nn.Module], seed: int) -> torch.nn.Module:
    """``factory()`` with PyTorch's default initialisation drawn under ``torch.manual_seed(seed)``.

    The global RNG state is restored afterwards, so building an untrained twin never changes the
    random numbers a caller draws next.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return factory()


def to_uint8_rgb(images: np.ndarray) -> np.ndarray:
    """Validate a batch of images as uint8 ``(n, h, w, 3)``; grayscale ``(n, h, w)`` is replicated to RGB."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=-1)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError("images must have shape (n, height, width, 3) (RGB) or (n, height, width); "
                         f"got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (0-255); got dtype {images.dtype}")
    return images
