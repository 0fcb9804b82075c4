"""A small CORnet-like ventral-stream model built from :mod:`neurovision.models.blocks`.

Four areas mapped one-to-one onto the ventral stream, then a linear decoder (Kubilius et al. 2019,
"Brain-like object recognition with high-performing shallow recurrent ANNs", NeurIPS):

=========  ============================================  ==================  =====================
area       stem (feed-forward input, applied once)        body (recurrent)    output at 224 px
=========  ============================================  ==================  =====================
``V1``     7×7 conv stride 2 → BN → ReLU → 3×3 max-pool  depthwise separable  ``(N, 64, 56, 56)``
           stride 2                                        3×3 (64 → 64)
``V2``     depthwise separable 3×3 stride 2 (64 → 128)    Inception block      ``(N, 128, 28, 28)``
``V4``     depthwise separable 3×3 stride 2 (128 → 192)   pre-activation       ``(N, 192, 14, 14)``
                                                          residual, dilation 2
``IT``     depthwise separable 3×3 stride 2 (192 → 256)   pre-activation       ``(N, 256, 7, 7)``
                                                          residual
``decoder``  global average pool → linear (256 → ``num_classes``)               ``(N, num_classes)``
=========  ============================================  ==================  =====================

Recurrence (CORnet-S style, within each area, weights shared over time). With ``times = T`` each area
computes ``h = stem(input)`` once, then

    out_0 = body(h),      out_t = body(h + out_{t−1})   for t = 1 … T−1,

so an area's output at step ``t`` feeds back into the area at ``t + 1``; the area returns ``out_{T−1}``
and the next area starts from it. ``T = 1`` is a plain feed-forward network.

Recording. A forward hook on ``V1`` (``V2``, ``V4``, ``IT``) sees the area's final output once per
forward call. Every area also owns an ``output`` ``nn.Identity`` that it calls once per time step on
``out_t``, so a forward hook on ``"V1.output"`` collects the ``T`` per-step outputs in order (as CORnet's
``output`` modules do). ``decoder`` returns logits ``(N, num_classes)``; ``decoder.output`` is its identity.

The network is untrained (``pretrained=True`` is refused): it serves as an architecture baseline and for
testing the pipeline. About 2.3 M parameters (with 1000 classes).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .. import preprocessing
from ..base import Model, seeded
from ..blocks import DepthwiseSeparableConv2d, GlobalAveragePool, InceptionBlock, PreActResidualBlock
from ..preprocessing import IMAGENET_MEAN, IMAGENET_STD

IMAGE_SIZE = 224
AREAS = ("V1", "V2", "V4", "IT")
DEFAULT_RT_TIMES = 2


class RecurrentArea(nn.Module):
    """``stem`` once, then ``body`` for ``times`` steps with self-feedback; ``output`` called per step.

    Shapes: input ``(N, C_in, H, W)`` → output ``(N, C, H', W')`` as set by ``stem``; ``body`` maps
    ``(N, C, H', W') → (N, C, H', W')``.
    """

    def __init__(self, stem: nn.Module, body: nn.Module, times: int = 1) -> None:
        super().__init__()
        if times < 1:
            raise ValueError(f"times must be >= 1; got {times}")
        self.stem = stem
        self.body = body
        self.output = nn.Identity()
        self.times = times

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)
        out = self.output(self.body(h))
        for _ in range(1, self.times):
            out = self.output(self.body(h + out))
        return out


class Decoder(nn.Module):
    """Global average pool then linear read-out: ``(N, C, H, W)`` → ``(N, num_classes)``."""

    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.avgpool = GlobalAveragePool()
        self.linear = nn.Linear(in_channels, num_classes)
        self.output = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.linear(self.avgpool(x)))


class CORnetLike(nn.Module):
    """V1 → V2 → V4 → IT → decoder; see the module docstring for the architecture and recurrence."""

    def __init__(self, times: int = 1, num_classes: int = 1000) -> None:
        super().__init__()
        self.times = times
        self.V1 = RecurrentArea(
            stem=nn.Sequential(nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                               nn.MaxPool2d(3, stride=2, padding=1)),
            body=DepthwiseSeparableConv2d(64, 64, 3),
            times=times)
        self.V2 = RecurrentArea(
            stem=DepthwiseSeparableConv2d(64, 128, 3, stride=2),
            body=InceptionBlock(128, ch1x1=32, ch3x3_reduce=48, ch3x3=64, ch5x5_reduce=8, ch5x5=16, pool_proj=16),
            times=times)
        self.V4 = RecurrentArea(
            stem=DepthwiseSeparableConv2d(128, 192, 3, stride=2),
            body=PreActResidualBlock(192, 192, dilation=2),
            times=times)
        self.IT = RecurrentArea(
            stem=DepthwiseSeparableConv2d(192, 256, 3, stride=2),
            body=PreActResidualBlock(256, 256),
            times=times)
        self.decoder = Decoder(256, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.IT(self.V4(self.V2(self.V1(x)))))


def preprocess(images: np.ndarray) -> torch.Tensor:
    """uint8 RGB ``(n, h, w, 3)`` (or grayscale ``(n, h, w)``) → float32 ``(n, 3, 224, 224)``.

    Each image is resized to 224×224 with PIL bilinear interpolation, scaled to [0, 1] and normalised
    with the ImageNet channel mean and standard deviation (:func:`neurovision.models.preprocessing.preprocess`).
    """
    return preprocessing.preprocess(images, IMAGE_SIZE, scale=255.0, mean=IMAGENET_MEAN, std=IMAGENET_STD)


def identifier_for(times: int) -> str:
    """``"cornet_like"`` for ``times=1``, ``"cornet_like_rt"`` for the default recurrent ``times=2``,
    ``"cornet_like_rt<T>"`` otherwise (``times`` shares weights, so it must be in the identifier)."""
    if times == 1:
        return "cornet_like"
    if times == DEFAULT_RT_TIMES:
        return "cornet_like_rt"
    return f"cornet_like_rt{times}"


def build(pretrained: bool = False, times: int = 1, num_classes: int = 1000, seed: int = 0) -> Model:
    """Build the CORnet-like model with weights initialised from ``seed`` (global RNG left untouched).

    ``times`` = recurrent steps per area (1: feed-forward). Layers ``["V1", "V2", "V4", "IT", "decoder"]``
    (final outputs; per-step outputs via hooks on ``"<area>.output"``), committed one-to-one to the areas.
    """
    if pretrained:
        raise ValueError("cornet_like has no trained weights; use pretrained=False (random initialisation)")
    network = seeded(lambda: CORnetLike(times=times, num_classes=num_classes), seed)
    n_params = sum(p.numel() for p in network.parameters())
    return Model(
        identifier=identifier_for(times),
        network=network,
        preprocess=preprocess,
        layers=["V1", "V2", "V4", "IT", "decoder"],
        region_layer_map={area: area for area in AREAS},
        visual_degrees=8.0,
        description=(f"CORnet-like V1→V2→V4→IT (separable / inception / pre-activation residual blocks), "
                     f"{times} recurrent step(s) per area, untrained (seed {seed}), {n_params:,} parameters"),
    )
