"""Dilated (atrous) convolution and receptive-field arithmetic.

A ``k×k`` convolution with dilation ``d`` samples its input on a grid with spacing ``d``:
``y[i] = sum_u w[u] x[i + d·u]``. Same weights, wider reach: its receptive field is ``(k−1)·d + 1``
pixels per axis. Stacking layers with dilations ``1, 2, 4, …, 2^(L−1)`` (stride 1) grows the receptive
field exponentially in depth, ``1 + (k−1)·(2^L − 1)``, while the parameter count grows linearly and the
resolution is kept — the "context module" of Yu & Koltun.

Receptive field of a stack (layer ``l`` with kernel ``k_l``, dilation ``d_l``, stride ``s_l``):

    RF = 1 + sum_l (k_l − 1) · d_l · prod_{m < l} s_m

Reference: Yu & Koltun (2016), "Multi-scale context aggregation by dilated convolutions", ICLR.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class DilatedConv2d(nn.Conv2d):
    """``k×k`` conv with dilation ``d`` and "same" padding ``d·(k−1)//2``.

    ``(N, C_in, H, W)`` → ``(N, C_out, H, W)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, dilation: int = 1,
                 bias: bool = False) -> None:
        super().__init__(in_channels, out_channels, kernel_size, padding=dilation * (kernel_size - 1) // 2,
                         dilation=dilation, bias=bias)


def receptive_field(kernel_sizes: Sequence[int], dilations: Sequence[int] | None = None,
                    strides: Sequence[int] | None = None) -> int:
    """Receptive field (pixels per axis) of a chain of convolutions: ``1 + Σ (k_l−1)·d_l·Π_{m<l} s_m``."""
    n = len(kernel_sizes)
    dilations = [1] * n if dilations is None else list(dilations)
    strides = [1] * n if strides is None else list(strides)
    if not len(dilations) == len(strides) == n:
        raise ValueError("kernel_sizes, dilations and strides must have the same length")
    rf, jump = 1, 1
    for k, d, s in zip(kernel_sizes, dilations, strides):
        rf += (k - 1) * d * jump
        jump *= s
    return rf


def dilated_stack(channels: int, kernel_size: int, num_layers: int, activation: bool = False) -> nn.Sequential:
    """``num_layers`` same-padded convolutions ``channels → channels`` with dilations ``1, 2, 4, …``.

    Receptive field ``1 + (k−1)·(2^L − 1)``. ``activation=True`` puts a ReLU after each convolution.
    """
    layers: list[nn.Module] = []
    for i in range(num_layers):
        layers.append(DilatedConv2d(channels, channels, kernel_size, dilation=2 ** i))
        if activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def empirical_receptive_field(module: nn.Module, in_channels: int, size: int) -> tuple[int, int]:
    """Measure the receptive field of the centre output unit of ``module`` by back-propagation.

    Feeds a random ``(1, in_channels, size, size)`` float64 input, back-propagates from the centre pixel
    of output channel 0, and returns the ``(height, width)`` of the bounding box of input pixels whose
    gradient is non-zero. ``module`` is converted to float64 in place and must preserve spatial size; choose ``size``
    larger than the receptive field, and weights without exact cancellations (e.g. positive ones).
    """
    module = module.double()
    x = torch.randn(1, in_channels, size, size, dtype=torch.float64, generator=torch.Generator().manual_seed(0),
                    requires_grad=True)
    y = module(x)
    c = size // 2
    y[0, 0, c, c].backward()
    nonzero = (x.grad[0].abs().sum(0) != 0).nonzero()
    if nonzero.numel() == 0:
        return (0, 0)
    extent = nonzero.max(0).values - nonzero.min(0).values + 1
    return int(extent[0]), int(extent[1])
