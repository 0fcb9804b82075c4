"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 28×28 grayscale images of Zalando articles in 10 classes.

60,000 training and 10,000 test images in the idx format of MNIST (LeCun et al. 1998): an images file
(magic 2051, big-endian ``int32`` counts ``n, 28, 28``, then ``n·784`` ``uint8`` pixels, row-major, white
garment on a black background) and a labels file (magic 2049, ``n``, then ``n`` ``uint8`` labels 0–9).
The files come through :func:`neurovision.data.registry.fetch` — mirror, the Debian package
``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``, ``apt-get install dataset-fashion-mnist``),
cache, or the original repository — and are checked against the sha256 of the decompressed idx bytes.

* :func:`load` → ``(images, labels)``: ``uint8 (n, 28, 28)`` and ``int64 (n,)``.
* :func:`stimulus_set` → the same images as a stimulus set (``uint8 (presentation, 28, 28, 3)``), the gray
  value replicated into the three RGB channels (R = G = B, which is what a gray pixel is in RGB: no
  weighting, no gamma change), with coordinates ``stimulus_id`` (``"fmnist_<split>_<index>"``, the index in
  the original file), ``label`` and ``category``.

``n`` takes the *first* ``n`` images of the file (the files are in a fixed random order, so the first
6,000 training images hold every class, 560–643 each, rather than exactly 600).

Citation: Xiao H, Rasul K, Vollgraf R (2017). Fashion-MNIST: a novel image dataset for benchmarking machine
learning algorithms. arXiv:1708.07747. Licence: MIT.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..stimuli import images as _images
from .registry import fetch

DATASET = "fashion_mnist"
CITATION = ("Xiao H, Rasul K, Vollgraf R (2017). Fashion-MNIST: a novel image dataset for benchmarking "
            "machine learning algorithms. arXiv:1708.07747.")
#: label index -> class name (from the dataset's README)
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot")
IMAGE_SIZE = 28
_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_IMAGES_MAGIC, _LABELS_MAGIC = 2051, 2049


def _read_idx(path, magic: int, ndim: int, count: int | None) -> np.ndarray:
    """Read an idx file: header ``>i4`` magic and ``ndim`` sizes, then ``uint8`` data; first ``count`` items."""
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(4 * (1 + ndim)), dtype=">i4")
        if len(header) != 1 + ndim or header[0] != magic:
            raise ValueError(f"{path} is not an idx file with magic {magic} (header {header.tolist()})")
        shape = tuple(int(s) for s in header[1:])
        n = shape[0] if count is None else min(count, shape[0])
        item = int(np.prod(shape[1:], dtype=np.int64))
        data = np.frombuffer(f.read(n * item), dtype=np.uint8)
    if data.size != n * item:
        raise ValueError(f"{path} is truncated: expected {n * item} bytes of data, found {data.size}")
    return data.reshape((n,) + shape[1:])


def load(split: str = "train", n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` (default all) images and labels of ``split`` (``"train"``: 60,000, ``"test"``: 10,000).

    Returns ``images`` uint8 ``(n, 28, 28)`` (0 = black background) and ``labels`` int64 ``(n,)`` in 0–9
    (names in :data:`CLASSES`).
    """
    if split not in _FILES:
        raise ValueError(f"unknown split {split!r}; use 'train' or 'test'")
    if n is not None and n < 0:
        raise ValueError(f"n must be >= 0 or None; got {n}")
    images_file, labels_file = _FILES[split]
    images = _read_idx(fetch(DATASET, images_file), _IMAGES_MAGIC, 3, n)
    labels = _read_idx(fetch(DATASET, labels_file), _LABELS_MAGIC, 1, n).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"fashion_mnist {split}: {len(images)} images but {len(labels)} labels")
    return images.copy(), labels


def stimulus_set(split: str = "test", n: int | None = None) -> xr.DataArray:
    """:func:`load` as a stimulus set: uint8 ``(presentation, 28, 28, 3)`` with R = G = B = the gray value.

    Coordinates on ``presentation``: ``stimulus_id`` (``"fmnist_<split>_<NNNNN>"``), ``label`` (0–9) and
    ``category`` (class name).
    """
    gray, labels = load(split, n)
    rgb = np.repeat(gray[..., None], 3, axis=-1)
    ids = [f"fmnist_{split}_{i:05d}" for i in range(len(gray))]
    return _images.stimulus_set(rgb, ids, name=f"fashion_mnist_{split}", label=labels,
                                category=np.asarray([CLASSES[k] for k in labels]))
