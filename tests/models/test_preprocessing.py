"""One parameterised preprocess: resize, colour, channel order, scaling, mean/std, memory format."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from neurovision.models.preprocessing import IMAGENET_MEAN, IMAGENET_STD, normalise_, preprocess, resize_images

IMAGES = np.random.default_rng(0).integers(0, 256, size=(3, 37, 53, 3), dtype=np.uint8)


def _pil(images, size, mode="RGB"):
    return np.stack([np.asarray(Image.fromarray(im).convert(mode).resize((size, size), Image.BILINEAR))
                     for im in images])


def test_imagenet_normalisation_equals_numpy_float32_arithmetic():
    got = preprocess(IMAGES, 24, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    x = _pil(IMAGES, 24).astype(np.float32) / 255.0
    x = (x - np.asarray(IMAGENET_MEAN, np.float32)) / np.asarray(IMAGENET_STD, np.float32)
    assert got.dtype == torch.float32 and got.is_contiguous() and got.shape == (3, 3, 24, 24)
    assert got.numpy().tobytes() == np.ascontiguousarray(x.transpose(0, 3, 1, 2)).tobytes()


def test_every_uint8_value_through_every_scaling_is_numpy_identical():
    values = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)  # gray: replicated to RGB, size kept
    for scale, mean, std in [(255.0, None, None), (127.5, 1.0, None), (None, (104.0, 116.7, 122.7), None),
                             (255.0, (0.1, 0.5, 0.7), (0.2, 0.3, 0.33))]:
        got = preprocess(values, None, scale=scale, mean=mean, std=std).numpy()
        x = np.repeat(values[..., None], 3, -1).astype(np.float32)
        x = x / np.float32(scale) if scale is not None else x
        x = x - np.asarray(mean, np.float32) if mean is not None else x
        x = x / np.asarray(std, np.float32) if std is not None else x
        assert got.tobytes() == np.ascontiguousarray(x.transpose(0, 3, 1, 2)).tobytes()


def test_bgr_gray_channels_last_and_empty():
    bgr = preprocess(IMAGES, None, channel_order="BGR", scale=None)
    np.testing.assert_array_equal(bgr.numpy(), IMAGES[..., ::-1].transpose(0, 3, 1, 2).astype(np.float32))
    gray = preprocess(IMAGES, 20, color="gray", scale=255.0, mean=(0.5,), std=(0.25,))
    assert gray.shape == (3, 1, 20, 20)
    np.testing.assert_array_equal(resize_images(IMAGES, 20, color="gray")[..., 0], _pil(IMAGES, 20, "L"))
    last = preprocess(IMAGES, 16, memory_format="channels_last")
    assert last.is_contiguous(memory_format=torch.channels_last) and last.shape == (3, 3, 16, 16)
    assert preprocess(IMAGES[:0], 16).shape == (0, 3, 16, 16)


def test_bad_arguments():
    with pytest.raises(ValueError, match="uint8"):
        preprocess(IMAGES.astype(np.float32), 16)
    with pytest.raises(ValueError, match="resize method"):
        preprocess(IMAGES, 16, resize="magic")
    with pytest.raises(ValueError, match="memory_format"):
        preprocess(IMAGES, 16, memory_format="NHWC")
    with pytest.raises(ValueError, match="2 values for 3"):
        preprocess(IMAGES, 16, mean=(0.1, 0.2))
    with pytest.raises(ValueError, match="float32"):
        normalise_(torch.zeros(2, dtype=torch.float64), 2.0)
