"""Small convnets for 28×28 images that isolate one CNN principle each, built from :mod:`.blocks`.

All take ``(N, in_channels, H, W)`` float images (28×28 for Fashion-MNIST; any size works, the head is a
global average pool) and return logits ``(N, num_classes)``. Each network lists its recordable stages in
``layers`` (shallow → deep; ``network.get_submodule(name)``), so it can be wrapped as a
:class:`~neurovision.models.base.Model`.

Three comparisons (run in ``notebooks/04_cnn_principles.ipynb``):

* **Plain vs residual at equal depth** (He, Zhang, Ren & Sun 2016, "Deep residual learning for image
  recognition", CVPR; "Identity mappings in deep residual networks", ECCV). :class:`PlainNet` stacks
  ``2·blocks_per_stage`` ``Conv→BN→ReLU`` layers per stage (:class:`~.blocks.ConvBNReLU`);
  :class:`ResidualNet` has the same convolutions grouped in pre-activation residual blocks
  (:class:`~.blocks.PreActResidualBlock`, ``BN→ReLU→conv`` twice plus an identity skip). Both have
  ``depth = 2 + 6·blocks_per_stage`` weighted layers (stem, 3 stages at 28, 14, 7 px, linear head). The
  *degradation problem*: beyond some depth the plain stack reaches a *higher training loss* than the
  residual one — an optimisation difficulty, not over-fitting — while residual blocks, whose identity
  path passes signals and gradients unattenuated, train as easily as shallow nets.
* **Standard vs depthwise separable** (Howard et al. 2017, "MobileNets", arXiv:1704.04861; Chollet 2017).
  :func:`standard_net` and :func:`separable_net` share the channel plan; the separable one replaces each
  ``k×k`` convolution (``k²·C_in·C_out`` weights) by depthwise ``k×k`` + pointwise ``1×1``
  (``k²·C_in + C_in·C_out``; :class:`~.blocks.DepthwiseSeparableConv2d`), ≈ 7–8× fewer parameters here.
* **Weight decay** (Krogh & Hertz 1992, "A simple weight decay can improve generalization", NIPS 4;
  Loshchilov & Hutter 2019, "Decoupled weight decay regularization", ICLR): the same network trained with
  different ``λ``; see :mod:`neurovision.training.weight_decay` for its reading as a Gaussian prior.

:class:`CORnetMini` is a V1 → V2 → V4 → IT network for 28×28 input in the layout of
:mod:`.cornet_like` (same :class:`~.cornet_like.RecurrentArea`, separable / inception / residual blocks),
the default architecture of ``neurovision train ventral``.

:data:`ARCHITECTURES` maps names (``plain20``, ``residual20``, ``standard``, ``separable``,
``cornet_mini``, …) to constructors ``f(in_channels, num_classes) -> nn.Module``; :func:`build` looks one
up. Weights are initialised by PyTorch's defaults from the global RNG: seed it (``torch.manual_seed``)
before building for reproducible weights.
"""
from __future__ import annotations

import re
from typing import Callable

from torch import nn

from ..blocks import ConvBNReLU, DepthwiseSeparableConv2d, GlobalAveragePool, InceptionBlock, PreActResidualBlock
from .cornet_like import RecurrentArea


class _Head(nn.Sequential):
    """Global average pool → linear: ``(N, C, H, W)`` → ``(N, num_classes)``."""

    def __init__(self, in_channels: int, num_classes: int, preact: bool = False) -> None:
        layers: list[nn.Module] = [nn.BatchNorm2d(in_channels), nn.ReLU()] if preact else []
        super().__init__(*layers, GlobalAveragePool(), nn.Linear(in_channels, num_classes))


class PlainNet(nn.Module):
    """Plain stack: stem ``ConvBNReLU(in→w)``, three stages of ``2·blocks_per_stage`` ``ConvBNReLU``.

    Stage ``s`` (``s = 1, 2, 3``) has ``w·2^(s−1)`` channels; stages 2 and 3 start with stride 2
    (28 → 14 → 7 px). ``depth = 2 + 6·blocks_per_stage`` weighted layers. Output ``(N, num_classes)``.
    """

    def __init__(self, blocks_per_stage: int = 3, width: int = 16, in_channels: int = 1,
                 num_classes: int = 10) -> None:
        super().__init__()
        self.stem = ConvBNReLU(in_channels, width)
        c = width
        for s in range(3):
            out = width * 2 ** s
            convs = []
            for b in range(blocks_per_stage):
                stride = 2 if (s > 0 and b == 0) else 1
                convs += [ConvBNReLU(c, out, stride=stride), ConvBNReLU(out, out)]
                c = out
            setattr(self, f"stage{s + 1}", nn.Sequential(*convs))
        self.head = _Head(c, num_classes)
        self.layers = ["stem", "stage1", "stage2", "stage3", "head"]
        self.depth = 2 + 6 * blocks_per_stage

    def forward(self, x):
        return self.head(self.stage3(self.stage2(self.stage1(self.stem(x)))))


class ResidualNet(nn.Module):
    """Pre-activation residual twin of :class:`PlainNet`: each pair of convolutions is one
    :class:`~.blocks.PreActResidualBlock` (1×1 projection shortcut where channels / stride change).

    Stem is a bare 3×3 conv (the first block pre-activates it); the head is BN → ReLU → pool → linear.
    Same ``depth`` (weighted layers on the longest path, projections not counted) and channel plan.
    """

    def __init__(self, blocks_per_stage: int = 3, width: int = 16, in_channels: int = 1,
                 num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        c = width
        for s in range(3):
            out = width * 2 ** s
            blocks = []
            for b in range(blocks_per_stage):
                blocks.append(PreActResidualBlock(c, out, stride=2 if (s > 0 and b == 0) else 1))
                c = out
            setattr(self, f"stage{s + 1}", nn.Sequential(*blocks))
        self.head = _Head(c, num_classes, preact=True)
        self.layers = ["stem", "stage1", "stage2", "stage3", "head"]
        self.depth = 2 + 6 * blocks_per_stage

    def forward(self, x):
        return self.head(self.stage3(self.stage2(self.stage1(self.stem(x)))))


#: channel plan of the standard / separable pair: (out_channels, stride) after a 3×3 stem to 32 channels
#: (28 px stem, then 14 px and 7 px — downsampling early keeps a CPU epoch short)
CONV_PLAN = ((64, 2), (64, 1), (128, 2), (128, 1))


class ConvPlanNet(nn.Module):
    """Stem ``ConvBNReLU(in→stem)`` then one layer per ``plan`` entry ``(C_out, stride)``, pool, linear.

    ``separable=False``: each layer is ``ConvBNReLU`` (3×3, ``9·C_in·C_out`` weights);
    ``separable=True``: ``DepthwiseSeparableConv2d`` (depthwise 3×3 → BN → ReLU → 1×1 → BN → ReLU,
    ``9·C_in + C_in·C_out`` weights). The stem is a standard conv in both (1 input channel has nothing to
    separate), as in MobileNet. Layers: ``stem``, ``conv1`` … ``conv<len(plan)>``, ``head``.
    """

    def __init__(self, separable: bool, in_channels: int = 1, num_classes: int = 10, stem: int = 32,
                 plan=CONV_PLAN) -> None:
        super().__init__()
        self.stem = ConvBNReLU(in_channels, stem)
        c = stem
        self.layers = ["stem"]
        for i, (out, stride) in enumerate(plan, 1):
            layer = (DepthwiseSeparableConv2d(c, out, 3, stride=stride) if separable
                     else ConvBNReLU(c, out, 3, stride=stride))
            setattr(self, f"conv{i}", layer)
            self.layers.append(f"conv{i}")
            c = out
        self.head = _Head(c, num_classes)
        self.layers.append("head")

    def forward(self, x):
        for name in self.layers:
            x = getattr(self, name)(x)
        return x


def standard_net(in_channels: int = 1, num_classes: int = 10) -> ConvPlanNet:
    """:class:`ConvPlanNet` with standard 3×3 convolutions (≈ 270 k parameters for 10 classes)."""
    return ConvPlanNet(False, in_channels, num_classes)


def separable_net(in_channels: int = 1, num_classes: int = 10) -> ConvPlanNet:
    """:class:`ConvPlanNet` with depthwise separable convolutions (≈ 36 k parameters for 10 classes)."""
    return ConvPlanNet(True, in_channels, num_classes)


class CORnetMini(nn.Module):
    """V1 → V2 → V4 → IT → decoder for 28×28 input, in the layout of :class:`~.cornet_like.CORnetLike`.

    ==========  ====================================  ==============================  ===================
    area        stem                                  body (``times`` steps)          output at 28 px
    ==========  ====================================  ==============================  ===================
    ``V1``      ConvBNReLU 3×3 (in → 16)              separable 3×3 (16 → 16)         ``(N, 16, 28, 28)``
    ``V2``      separable 3×3 stride 2 (16 → 32)      Inception (8 + 12 + 4 + 8 = 32)  ``(N, 32, 14, 14)``
    ``V4``      separable 3×3 stride 2 (32 → 64)      pre-act residual, dilation 2    ``(N, 64, 7, 7)``
    ``IT``      separable 3×3 stride 2 (64 → 128)     pre-act residual                ``(N, 128, 4, 4)``
    ``decoder`` global average pool → linear (128 → ``num_classes``)                  ``(N, num_classes)``
    ==========  ====================================  ==============================  ===================

    About 0.5 M parameters (10 classes). ``times > 1`` adds within-area recurrence as in CORnet-S.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, times: int = 1) -> None:
        super().__init__()
        self.V1 = RecurrentArea(ConvBNReLU(in_channels, 16), DepthwiseSeparableConv2d(16, 16), times)
        self.V2 = RecurrentArea(DepthwiseSeparableConv2d(16, 32, stride=2),
                                InceptionBlock(32, ch1x1=8, ch3x3_reduce=12, ch3x3=12, ch5x5_reduce=4, ch5x5=4,
                                               pool_proj=8), times)
        self.V4 = RecurrentArea(DepthwiseSeparableConv2d(32, 64, stride=2), PreActResidualBlock(64, 64, dilation=2),
                                times)
        self.IT = RecurrentArea(DepthwiseSeparableConv2d(64, 128, stride=2), PreActResidualBlock(128, 128), times)
        self.decoder = _Head(128, num_classes)
        self.layers = ["V1", "V2", "V4", "IT", "decoder"]

    def forward(self, x):
        return self.decoder(self.IT(self.V4(self.V2(self.V1(x)))))


#: region commitment of :class:`CORnetMini` (one area per region)
CORNET_MINI_REGIONS = {"V1": "V1", "V2": "V2", "V4": "V4", "IT": "IT"}

ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "cornet_mini": lambda in_channels=1, num_classes=10: CORnetMini(in_channels, num_classes),
    "standard": standard_net,
    "separable": separable_net,
    **{f"plain{2 + 6 * b}": (lambda in_channels=1, num_classes=10, b=b: PlainNet(b, 16, in_channels, num_classes))
       for b in (1, 3, 5)},
    **{f"residual{2 + 6 * b}": (lambda in_channels=1, num_classes=10, b=b:
                                ResidualNet(b, 16, in_channels, num_classes)) for b in (1, 3, 5)},
}
_DEPTH_NAME = re.compile(r"^(plain|residual)(\d+)(?:_w(\d+))?$")


def build(arch: str, in_channels: int = 1, num_classes: int = 10) -> nn.Module:
    """Construct architecture ``arch`` for ``in_channels``-channel input and ``num_classes`` outputs.

    ``arch`` is a key of :data:`ARCHITECTURES`, or ``plain<D>`` / ``residual<D>`` for any depth
    ``D = 2 + 6·b`` (``b ≥ 1``), optionally with a base width: ``plain32_w8`` (default width 16)."""
    if arch in ARCHITECTURES:
        return ARCHITECTURES[arch](in_channels=in_channels, num_classes=num_classes)
    m = _DEPTH_NAME.match(arch)
    if m and int(m.group(2)) >= 8 and (int(m.group(2)) - 2) % 6 == 0:
        cls = PlainNet if m.group(1) == "plain" else ResidualNet
        return cls((int(m.group(2)) - 2) // 6, int(m.group(3) or 16), in_channels, num_classes)
    raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHITECTURES)} "
                     "(or plain<D> / residual<D> with D = 2 + 6·b and optional width suffix _w<W>, e.g. plain32_w8)")


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters (weights, biases, BN affine; not BN running statistics)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
