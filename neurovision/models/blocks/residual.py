"""Pre-activation residual block (He, Zhang, Ren & Sun 2016, "Identity mappings in deep residual networks", ECCV).

    y = shortcut(x) + F(x),    F(x) = conv2(ReLU(BN2(conv1(ReLU(BN1(x))))))

with 3×3 convolutions (optionally dilated). When input and output shapes agree (same channels,
stride 1) the shortcut is the bare identity — nothing (no BN, no ReLU) after the addition — so

    ∂y/∂x = I + ∂F/∂x,

and the gradient of any later loss reaches ``x`` unattenuated through the ``I`` term. A block whose
residual branch is zero is exactly the identity map (:meth:`PreActResidualBlock.zero_residual`). Only
when the shape changes (channels or stride) does the shortcut become a 1×1 (strided) projection;
following the paper's implementation it is applied to the pre-activated input ``ReLU(BN1(x))``.

Input ``(N, in_channels, H, W)`` → output ``(N, out_channels, ceil(H / stride), ceil(W / stride))``.
"""
from __future__ import annotations

import torch
from torch import nn


class PreActResidualBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=dilation,
                               dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=dilation, dilation=dilation, bias=False)
        self.relu = nn.ReLU()
        if in_channels != out_channels or stride != 1:
            self.projection: nn.Module | None = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
        else:
            self.projection = None

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The residual branch ``F(x)`` alone."""
        return self._residual_from_preact(self.relu(self.bn1(x)))

    def _residual_from_preact(self, a: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.relu(self.bn2(self.conv1(a))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.relu(self.bn1(x))
        shortcut = x if self.projection is None else self.projection(a)
        return shortcut + self._residual_from_preact(a)

    @torch.no_grad()
    def zero_residual(self) -> "PreActResidualBlock":
        """Zero the last convolution so ``F ≡ 0`` (the block becomes its shortcut); returns ``self``."""
        self.conv2.weight.zero_()
        return self
