"""1×1 ("pointwise") convolution: one linear map across channels, applied at every pixel.

A 1×1 convolution with weight ``W`` of shape ``(C_out, C_in, 1, 1)`` and bias ``b`` computes

    y[n, :, i, j] = W[:, :, 0, 0] @ x[n, :, i, j] + b

i.e. the same fully connected layer shared over all spatial positions (a per-pixel multilayer perceptron
when stacked with non-linearities — the "network in network" of Lin et al.). It mixes channels without
mixing space, and is the cheap way to change the channel count (the reductions of Inception and the
second half of a depthwise separable convolution).

Reference: Lin, Chen & Yan (2013), "Network In Network", arXiv:1312.4400 (ICLR 2014).
"""
from __future__ import annotations

import torch
from torch import nn


class PointwiseConv2d(nn.Conv2d):
    """``nn.Conv2d`` with ``kernel_size=1``: ``(N, C_in, H, W)`` → ``(N, C_out, H, W)``."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size=1, stride=stride, bias=bias)

    def matrix(self) -> torch.Tensor:
        """The per-pixel linear map, shape ``(C_out, C_in)``."""
        return self.weight[:, :, 0, 0]


def pointwise_linear(x: torch.Tensor, matrix: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Apply ``matrix`` ``(C_out, C_in)`` to the channel vector at every pixel of ``x`` ``(N, C_in, H, W)``.

    Written with ``einsum`` (no convolution) — the reference a 1×1 convolution must equal.
    Returns ``(N, C_out, H, W)``.
    """
    y = torch.einsum("oc,nchw->nohw", matrix, x)
    if bias is not None:
        y = y + bias[None, :, None, None]
    return y
