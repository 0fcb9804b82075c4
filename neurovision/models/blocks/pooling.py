"""Pooling: summarising a neighbourhood, which buys invariance to small shifts.

* Max-pooling with window ``p`` and stride ``p`` reports the largest value in each ``p×p`` cell, so moving
  a feature *within* its cell leaves the output unchanged (local translation invariance); moving it across a
  cell boundary does not (LeCun et al. 1998 used subsampling layers for the same purpose).
* Global average pooling ``(N, C, H, W) → (N, C)`` averages each channel over all positions. Applied after
  translation-equivariant convolutions it gives features invariant to translation — exactly so for
  circular shifts with circular padding (Lin et al. 2013 introduced it as a classifier head).

References: LeCun et al. (1998), Proc. IEEE 86(11); Lin, Chen & Yan (2013), "Network In Network".
"""
from __future__ import annotations

import torch
from torch import nn


class GlobalAveragePool(nn.Module):
    """Mean over the spatial axes: ``(N, C, H, W)`` → ``(N, C)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(-2, -1))


class GlobalMaxPool(nn.Module):
    """Max over the spatial axes: ``(N, C, H, W)`` → ``(N, C)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(-2, -1))
