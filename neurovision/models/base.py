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
* ``identifier`` and ``weights_hash`` (sha256 over the state dict) for provenance and caching.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from ..errors import UnknownNameError


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
    _weights_hash: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.network.eval()

    @property
    def weights_hash(self) -> str:
        if self._weights_hash is None:
            self._weights_hash = state_dict_hash(self.network)
        return self._weights_hash

    def check_layers(self, layers: list[str]) -> list[str]:
        """Return ``layers`` unchanged, or raise naming the unknown ones and listing the known ones."""
        unknown = [layer for layer in layers if layer not in self.layers]
        if unknown:
            raise UnknownLayerError(
                f"model {self.identifier!r} has no layer(s) {', '.join(map(repr, unknown))}; "
                f"known layers: {', '.join(self.layers)}"
            )
        return list(layers)

    def layer_for(self, region: str) -> str:
        """The layer committed to ``region`` (e.g. 'IT')."""
        try:
            return self.region_layer_map[region]
        except KeyError:
            raise UnknownLayerError(
                f"model {self.identifier!r} has no commitment for region {region!r}; "
                f"committed regions: {', '.join(self.region_layer_map) or 'none'}"
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
