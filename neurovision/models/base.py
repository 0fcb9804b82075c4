"""What every ventral model is to the rest of neurovision: a network plus its preprocessing and commitments.

A :class:`Model` bundles

* ``network`` — a ``torch.nn.Module`` whose named sub-modules (``network.get_submodule(name)``) are the
  recordable layers; :mod:`neurovision.activations` records them with forward hooks, so ``forward``
  stays plain (no device calls, no bookkeeping inside it);
* ``preprocess`` — uint8 RGB images ``(n, height, width, 3)`` → float tensor ``(n, 3, H, W)`` exactly as
  the network was trained (resizing, channel order, scaling belong to the model, not to callers);
* ``layers`` — the recordable layer names, shallow to deep;
* ``region_layer_map`` — the layer committed to each visual area (V1, V2, V4, IT), and
  ``visual_degrees`` — the field of view the input image spans;
* ``train_stimulus_ids`` — stimuli the commitment was chosen on (benchmarks never score them);
* ``identifier`` and ``weights_hash`` (sha256 over the state dict) for provenance, and
  :meth:`Model.fingerprint` — what every cached result is keyed by: architecture, weights, preprocessing and the
  network's outputs to fixed probe inputs at the requested layers, so that any change of the forward pass or of
  the preprocessing under the same identifier gives a new key.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field, fields
from typing import Callable, Sequence

import numpy as np
import torch

from ..errors import UnknownNameError, did_you_mean


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


def callable_key(f) -> str:
    """A text that changes when the code (or the bound arguments) of a callable changes: module, qualified name,
    bytecode and constants of a function; the same of ``func`` plus the arguments of a ``functools.partial``;
    the class and attributes of any other callable object."""
    if isinstance(f, functools.partial):
        return f"partial({callable_key(f.func)}, {f.args!r}, {sorted(f.keywords.items())!r})"
    code = getattr(f, "__code__", None)
    if code is not None:
        cells = [c.cell_contents for c in (getattr(f, "__closure__", None) or ()) if _has_contents(c)]
        return (f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', '')}:"
                f"{hashlib.sha256(code.co_code).hexdigest()}:{code.co_consts!r}:{[callable_key(c) if callable(c) else repr(c) for c in cells]!r}")
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


def _quantised(a: np.ndarray) -> bytes:
    """float32 bytes with the 8 lowest mantissa bits cleared (relative precision 2**-15): identical for runs that
    differ only by floating-point summation order, different for any real change of the values."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    return (bits & np.uint32(0xFFFFFF00)).tobytes()


@dataclass
class Model:
    identifier: str
    network: torch.nn.Module
    preprocess: Callable[[np.ndarray], torch.Tensor]
    layers: list[str]
    region_layer_map: dict[str, str] = field(default_factory=dict)
    visual_degrees: float = 8.0
    description: str = ""
    train_stimulus_ids: frozenset = field(default_factory=frozenset)  # used to choose the commitment
    train_sessions: frozenset = field(default_factory=frozenset)  # Cowley V4 sessions used likewise
    dropped_keys: dict = field(default_factory=dict)  # weights not loaded (a classifier head dropped): key -> why
    _weights_hash: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.network.eval()

    @property
    def weights_hash(self) -> str:
        if self._weights_hash is None:
            self._weights_hash = state_dict_hash(self.network)
        return self._weights_hash

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
        raise ValueError(f"images must have shape (n, height, width, 3) (RGB) or (n, height, width); got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (0-255); got dtype {images.dtype}")
    return images
