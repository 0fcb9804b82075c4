"""Image preprocessing: uint8 images → the float32 tensor a network takes, in one parameterised function.

Every image model's ``preprocess`` is :func:`preprocess` with its own settings:

* ``mobilenet_v1`` (TF-slim/Inception): 224 px, RGB, ``x / 127.5 − 1`` ∈ [−1, 1], channels-last;
* ``vgg16_hed`` (Caffe): 224 px (or the image's own size), BGR, ``x − HED_BGR_MEAN`` in 0–255 units;
* ``cornet_like`` and torchvision classifiers: 224 px, RGB, ``(x / 255 − IMAGENET_MEAN) / IMAGENET_STD``;
* ``pixels``: 64 px, RGB, ``x / 255`` ∈ [0, 1], channels-last;
* networks trained by :mod:`neurovision.training.ventral`: their training size, gray or RGB,
  ``(x / 255 − mean) / std`` with the training set's statistics.

Steps, in this order (each optional step is skipped when its argument is None):

1. **validate** — uint8 ``(n, h, w, 3)`` RGB, or grayscale ``(n, h, w)`` replicated to RGB
   (:func:`neurovision.models.base.to_uint8_rgb`);
2. **colour** — ``color="gray"``: converted to one channel by PIL's ITU-R 601-2 luma
   (``L = R·299/1000 + G·587/1000 + B·114/1000``, exact for R = G = B);
3. **resize** — each image to ``size × size`` pixels with PIL (``resize="bilinear"`` etc.; PIL's filters
   scale their support when downsampling, i.e. they antialias); ``size=None`` keeps the images' own size;
4. **channel order** — ``channel_order="BGR"`` reverses the channels (Caffe-trained weights);
5. **normalise** (:func:`normalise_`, float32) — ``x / scale``, then ``− mean``, then ``/ std``, where
   ``mean``/``std`` are a scalar or one value per channel *in the output channel order*, in the units
   after scaling (e.g. ImageNet statistics of [0, 1] images with ``scale=255``);
6. **layout** — ``(n, C, size, size)`` float32; ``memory_format="channels_last"`` returns it as a view of the
   ``(n, size, size, C)`` buffer (no copy; for networks with channels-last weights), ``"contiguous"`` as a
   C-contiguous NCHW tensor.

Each float operation is one IEEE-754 float32 operation per value, the same as numpy's on float32 arrays,
so the result does not depend on how it is computed. The float conversion and the normalisation are done
in place on one float32 buffer (no temporaries of the full batch).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from PIL import Image

from .base import to_uint8_rgb

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "RESIZE_METHODS", "preprocess", "resize_images", "normalise_"]

#: ImageNet channel mean and standard deviation (RGB) of images scaled to [0, 1] (torchvision's convention).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: PIL resampling filters by name.
RESIZE_METHODS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
                  "lanczos": Image.LANCZOS, "box": Image.BOX, "hamming": Image.HAMMING}
_COLORS = ("rgb", "gray")
_ORDERS = ("RGB", "BGR")
_FORMATS = ("contiguous", "channels_last")


def resize_images(images: np.ndarray, size: int | tuple[int, int] | None, *, resize: str = "bilinear",
                  color: str = "rgb", channel_order: str = "RGB") -> np.ndarray:
    """Steps 1–4 of :func:`preprocess`: uint8 ``(n, h, w, 3)`` or ``(n, h, w)`` → uint8 ``(n, H, W, C)``.

    ``(H, W)`` = ``size`` (an int for square; the images' own ``h, w`` when ``size`` is None); ``C`` = 3
    (``color="rgb"``) or 1 (``"gray"``). ``channel_order="BGR"`` reverses the three channels. Raises
    ``ValueError`` for images of
    another shape or dtype, or unknown options.
    """
    if resize not in RESIZE_METHODS:
        raise ValueError(f"unknown resize method {resize!r}; choose from {sorted(RESIZE_METHODS)}")
    if color not in _COLORS:
        raise ValueError(f"color must be one of {_COLORS}; got {color!r}")
    if channel_order not in _ORDERS:
        raise ValueError(f"channel_order must be one of {_ORDERS}; got {channel_order!r}")
    images = to_uint8_rgb(images)
    n, h, w = images.shape[:3]
    shape = (h, w) if size is None else ((int(size), int(size)) if np.ndim(size) == 0 else
                                         (int(size[0]), int(size[1])))
    channels = 1 if color == "gray" else 3
    out = np.empty((n,) + shape + (channels,), dtype=np.uint8)
    rgb_view = out[..., ::-1] if channel_order == "BGR" else out
    if size is None and color == "rgb":
        rgb_view[...] = images
        return out
    filt = RESIZE_METHODS[resize]
    for i, image in enumerate(images):
        pil = Image.fromarray(image)
        if color == "gray":
            pil = pil.convert("L")
        if size is not None:
            pil = pil.resize((shape[1], shape[0]), filt)
        arr = np.asarray(pil)
        rgb_view[i] = arr[..., None] if arr.ndim == 2 else arr
    return out


def _per_channel(value, channels: int, what: str) -> torch.Tensor | float:
    if np.ndim(value) == 0:
        return float(value)
    v = torch.tensor(np.asarray(value, dtype=np.float64).ravel(), dtype=torch.float32)
    if v.numel() != channels:
        raise ValueError(f"{what} has {v.numel()} values for {channels} channel(s)")
    return v


def normalise_(x: torch.Tensor, scale: float | None = None, mean=None, std=None, channel_dim: int = -1) -> torch.Tensor:
    """In place on float32 ``x``: ``x / scale``, then ``− mean``, then ``/ std`` (each step skipped when None).

    ``mean`` and ``std``: a scalar or one value per channel (converted to float32), the channels along
    ``channel_dim`` of ``x`` (last by default: NHWC). Returns ``x``.
    """
    if x.dtype != torch.float32:
        raise ValueError(f"normalise_ works on float32 tensors; got {x.dtype}")
    channels = x.shape[channel_dim] if x.ndim else 1
    view = [1] * x.ndim
    if x.ndim:
        view[channel_dim] = channels
    if scale is not None:
        x.div_(float(scale))
    if mean is not None:
        m = _per_channel(mean, channels, "mean")
        x.sub_(m.view(view) if isinstance(m, torch.Tensor) else m)
    if std is not None:
        s = _per_channel(std, channels, "std")
        x.div_(s.view(view) if isinstance(s, torch.Tensor) else s)
    return x


def preprocess(images: np.ndarray, size: int | tuple[int, int] | None = 224, *, resize: str = "bilinear",
               color: str = "rgb", channel_order: str = "RGB", scale: float | None = 255.0,
               mean: float | Sequence[float] | None = None,
               std: float | Sequence[float] | None = None, memory_format: str = "contiguous") -> torch.Tensor:
    """uint8 images → float32 network input ``(n, C, size, size)`` (see the module docstring for the steps).

    Parameters
    ----------
    images : uint8 ``(n, h, w, 3)`` RGB or ``(n, h, w)`` grayscale, values 0–255; all of one size.
    size : output height and width in pixels (an int for square, or ``(height, width)``); None keeps the images'
        own ``h × w``.
    resize : PIL filter name (:data:`RESIZE_METHODS`), default ``"bilinear"``.
    color : ``"rgb"`` (C = 3) or ``"gray"`` (C = 1, ITU-R 601-2 luma).
    channel_order : ``"RGB"`` or ``"BGR"`` (order of the output channels).
    scale : divisor applied first (255 maps 0–255 to [0, 1]; 127.5 to [0, 2]); None for none.
    mean, std : subtracted, then divided by: a scalar or one value per output channel, in the scaled units.
    memory_format : ``"contiguous"`` (NCHW) or ``"channels_last"`` (an NCHW view of an NHWC buffer).

    Returns
    -------
    float32 tensor ``(n, C, size, size)`` (``(n, C, h, w)`` for ``size=None``); an empty batch gives ``n = 0``.
    """
    if memory_format not in _FORMATS:
        raise ValueError(f"memory_format must be one of {_FORMATS}; got {memory_format!r}")
    pixels = resize_images(images, size, resize=resize, color=color, channel_order=channel_order)
    x = normalise_(torch.from_numpy(pixels).to(torch.float32), scale, mean, std)  # NHWC float32
    x = x.permute(0, 3, 1, 2)  # (n, C, H, W) view: channels-last memory
    return x if memory_format == "channels_last" else x.clone(memory_format=torch.contiguous_format)
