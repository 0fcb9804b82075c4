"""Inception module: parallel multi-scale branches concatenated on channels.

Four branches see the same input ``(N, C_in, H, W)`` and keep its spatial size:

* ``branch1``: 1×1 conv → ``ch1x1`` channels;
* ``branch3``: 1×1 reduction → ``ch3x3_reduce``, then 3×3 conv → ``ch3x3``;
* ``branch5``: 1×1 reduction → ``ch5x5_reduce``, then 5×5 conv → ``ch5x5``;
* ``branch_pool``: 3×3 max-pool (stride 1, padding 1), then 1×1 projection → ``pool_proj``.

Their outputs are concatenated along channels, in that order:
``(N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)``. Every convolution is followed by BatchNorm and ReLU
(BN as in Inception-v2; the 2015 original had ReLU only). The 1×1 reductions are what make the large
kernels affordable: a 5×5 conv ``C_in → C`` costs ``25·C_in·C`` weights, a reduction to ``r`` channels
first costs ``C_in·r + 25·r·C``.

Reference: Szegedy et al. (2015), "Going deeper with convolutions", CVPR.
"""
from __future__ import annotations

import torch
from torch import nn

from .conv import ConvBNReLU


class InceptionBlock(nn.Module):
    def __init__(self, in_channels: int, ch1x1: int, ch3x3_reduce: int, ch3x3: int, ch5x5_reduce: int,
                 ch5x5: int, pool_proj: int) -> None:
        super().__init__()
        self.branch1 = ConvBNReLU(in_channels, ch1x1, kernel_size=1)
        self.branch3 = nn.Sequential(ConvBNReLU(in_channels, ch3x3_reduce, kernel_size=1),
                                     ConvBNReLU(ch3x3_reduce, ch3x3, kernel_size=3))
        self.branch5 = nn.Sequential(ConvBNReLU(in_channels, ch5x5_reduce, kernel_size=1),
                                     ConvBNReLU(ch5x5_reduce, ch5x5, kernel_size=5))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                         ConvBNReLU(in_channels, pool_proj, kernel_size=1))
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x)], dim=1)
