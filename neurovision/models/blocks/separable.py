"""Depthwise separable convolution: a per-channel spatial filter, then a 1×1 channel mix.

A standard ``k×k`` convolution from ``C_in`` to ``C_out`` channels has ``k²·C_in·C_out`` weights and
filters space and channels jointly. The depthwise separable factorisation splits it into

1. a *depthwise* ``k×k`` convolution (``groups=C_in``: each input channel filtered on its own),
   ``k²·C_in`` weights, then
2. a *pointwise* 1×1 convolution mixing channels, ``C_in·C_out`` weights,

for ``k²·C_in + C_in·C_out`` weights in total — a ratio ``1/C_out + 1/k²`` of the standard count
(≈ 8.7× fewer for ``k=3``, ``C_in=C_out=256``); multiply-adds shrink by the same ratio.

References: Chollet (2017), "Xception: Deep learning with depthwise separable convolutions", CVPR;
Howard et al. (2017), "MobileNets: Efficient convolutional neural networks for mobile vision
applications", arXiv:1704.04861.
"""
from __future__ import annotations

from torch import nn


def standard_conv_params(kernel_size: int, in_channels: int, out_channels: int) -> int:
    """Weights of a bias-free ``k×k`` convolution: ``k²·C_in·C_out``."""
    return kernel_size * kernel_size * in_channels * out_channels


def separable_conv_params(kernel_size: int, in_channels: int, out_channels: int) -> int:
    """Weights of a bias-free depthwise separable convolution: ``k²·C_in + C_in·C_out``."""
    return kernel_size * kernel_size * in_channels + in_channels * out_channels


class DepthwiseSeparableConv2d(nn.Module):
    """Depthwise ``k×k`` conv (``groups=C_in``) → [BN → ReLU] → pointwise 1×1 conv → [BN → ReLU].

    Input ``(N, C_in, H, W)`` → output ``(N, C_out, ceil(H / stride), ceil(W / stride))`` (odd ``k``,
    padding ``dilation·(k−1)//2``). The stride and dilation act in the depthwise step, as in MobileNet.
    ``norm=True`` inserts BatchNorm + ReLU after each step (MobileNet's block); ``norm=False`` gives the
    bare linear factorisation whose parameter count is exactly :func:`separable_conv_params` (with
    ``bias=False``).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 dilation: int = 1, bias: bool = False, norm: bool = True) -> None:
        super().__init__()
        padding = dilation * (kernel_size - 1) // 2
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, stride=stride, padding=padding,
                                   dilation=dilation, groups=in_channels, bias=bias)
        self.depthwise_act = (nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU()) if norm
                              else nn.Identity())
        self.pointwise = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=bias)
        self.pointwise_act = (nn.Sequential(nn.BatchNorm2d(out_channels), nn.ReLU()) if norm
                              else nn.Identity())

    def forward(self, x):
        return self.pointwise_act(self.pointwise(self.depthwise_act(self.depthwise(x))))
