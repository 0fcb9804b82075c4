"""Convolution as deep-learning libraries compute it: cross-correlation (LeCun et al. 1998).

``torch.nn.Conv2d`` / :func:`torch.nn.functional.conv2d` compute, for input ``x`` of shape
``(N, C_in, H, W)`` and weight ``w`` of shape ``(C_out, C_in, kH, kW)``,

    y[n, o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] * x[n, c, i*s + u*d, j*s + v*d]

(stride ``s``, dilation ``d``, after padding) — a *cross-correlation*: the kernel slides over the input
without being flipped. The mathematical (true) convolution ``(x * w)[i] = sum_u w[u] x[i - u]`` flips the
kernel; it equals cross-correlation with the kernel rotated by 180° (:func:`convolve2d`). Because
the weights are learnt, the two are interchangeable for networks — but not when comparing with signal
processing code (``scipy.signal.convolve2d`` vs ``correlate2d``) or when composing filters in the
Fourier domain, where the convolution theorem holds for true convolution.

Reference: LeCun, Bottou, Bengio & Haffner (1998), "Gradient-based learning applied to document
recognition", Proc. IEEE 86(11).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def cross_correlate2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                      stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1) -> torch.Tensor:
    """Cross-correlation of ``x`` ``(N, C_in, H, W)`` with ``weight`` ``(C_out, C_in/groups, kH, kW)``.

    Exactly what ``nn.Conv2d`` computes (zero padding); output ``(N, C_out, H', W')`` with
    ``H' = floor((H + 2p - d(kH - 1) - 1) / s) + 1``.
    """
    return F.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


def convolve2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
               stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1) -> torch.Tensor:
    """True (flipped-kernel) 2-D convolution, summed over input channels.

    ``y[n, o] = sum_c x[n, c] (*) w[o, c]`` with ``(*)`` the mathematical convolution
    ``(f (*) g)[i, j] = sum_{u, v} g[u, v] f[i - u, j - v]``; computed as cross-correlation with the kernel
    rotated by 180° (both spatial axes flipped). Same shapes as :func:`cross_correlate2d`.
    With ``padding=0`` this matches ``scipy.signal.convolve2d(x, w, mode="valid")`` per channel pair.
    """
    return F.conv2d(x, torch.flip(weight, dims=(-2, -1)), bias, stride=stride, padding=padding,
                    dilation=dilation, groups=groups)


class ConvBNReLU(nn.Sequential):
    """``Conv2d(bias=False) → BatchNorm2d → ReLU``, padded so stride 1 keeps the spatial size.

    Input ``(N, in_channels, H, W)`` → output ``(N, out_channels, ceil(H / stride), ceil(W / stride))``
    (odd ``kernel_size``). Padding is ``dilation * (kernel_size - 1) // 2``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 dilation: int = 1, groups: int = 1, padding_mode: str = "zeros") -> None:
        padding = dilation * (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                      dilation=dilation, groups=groups, bias=False, padding_mode=padding_mode),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=False),
        )
