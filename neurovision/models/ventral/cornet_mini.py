"""``cornet_mini_fashion``: a small V1 → V2 → V4 → IT network trained on Fashion-MNIST, and its untrained twin.

The committed checkpoint ``checkpoints/cornet_mini_fashion/model.pt`` (1.6 MB) was produced on 2 CPU
cores in about a minute by exactly the command stored in ``model.json`` beside it::

    neurovision train ventral --dataset fashion_mnist --arch cornet_mini --optimizer sgd --lr 0.05 \\
        --weight-decay 0.0005 --epochs 1 --batch-size 64 --seed 0 --n-train 20000 --n-test 2000

(held-out accuracy 0.851 on 2000 Fashion-MNIST test images). Its sha256 is verified on every load.
Images are converted to gray, resized to 28×28 and standardised with the training statistics; the
areas ``V1``, ``V2``, ``V4``, ``IT`` are its committed layers. ``cornet_mini_untrained`` has the same
architecture and preprocessing with seeded random weights (a control for what training adds).
"""
from __future__ import annotations

from pathlib import Path

from ...checkpoints import load_verified
from ..base import Model, seeded
from . import small_convnets
from .trained import load_trained, model_from_network

CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "cornet_mini_fashion" / "model.pt"


def build(pretrained: bool = True, seed: int = 0) -> Model:
    """``cornet_mini_fashion`` (the committed checkpoint's weights) or, with ``pretrained=False``,
    ``cornet_mini_untrained`` (the same architecture and preprocessing, PyTorch's default initialisation drawn under
    ``seed``)."""
    if pretrained:
        model = load_trained(CHECKPOINT)
        model.identifier = "cornet_mini_fashion"
        return model
    ck = load_verified(CHECKPOINT)
    network = seeded(lambda: small_convnets.build(ck["config"]["arch"], in_channels=ck["in_channels"],
                                                  num_classes=len(ck["classes"])), seed)
    model = model_from_network(network, ck["config"], ck["classes"], ck["mean"], ck["std"])
    model.identifier = "cornet_mini_untrained"
    return model
