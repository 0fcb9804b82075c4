"""The ``pixels`` baseline: the preprocessed image itself as the representation.

Images are resized to 64×64 (PIL bilinear) and scaled to [0, 1]; the single layer ``pixels`` is the
flattened ``3×64×64`` vector. Any model should beat this to claim it explains more than low-level
image similarity.
"""
from __future__ import annotations

import numpy as np
import torch

from .. import preprocessing
from ..base import Model

SIZE = 64


class Pixels(torch.nn.Module):
    """Identity network with one addressable layer, ``pixels``."""

    def __init__(self) -> None:
        super().__init__()
        self.pixels = torch.nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pixels(x)


def preprocess(images: np.ndarray) -> torch.Tensor:
    """uint8 ``(n, h, w, 3)`` (or grayscale ``(n, h, w)``) → float32 ``(n, 3, 64, 64)`` in [0, 1], channels-last
    memory (:func:`neurovision.models.preprocessing.preprocess`)."""
    return preprocessing.preprocess(images, SIZE, scale=255.0, memory_format="channels_last")


def build() -> Model:
    return Model(identifier="pixels", network=Pixels(), preprocess=preprocess, layers=["pixels"],
                 region_layer_map={region: "pixels" for region in ("V1", "V2", "V4", "IT")},
                 visual_degrees=8.0, description="pixel baseline (64x64 RGB in [0,1])")
