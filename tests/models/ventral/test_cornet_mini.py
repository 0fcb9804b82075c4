"""The committed trained ventral model (cornet_mini on Fashion-MNIST) and its untrained twin."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neurovision.models.registry import load_model


def test_trained_checkpoint_classifies_held_out_fashion_mnist():
    fm = pytest.importorskip("neurovision.data.fashion_mnist")
    try:
        images, labels = fm.load("test", n=500)
    except Exception as err:  # data missing locally
        import os
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Fashion-MNIST unavailable: {err}")
    model = load_model("cornet_mini_fashion")
    rgb = np.repeat(images[..., None], 3, axis=-1)
    with torch.inference_mode():
        logits = model.network(model.preprocess(rgb))
    accuracy = float((logits.argmax(1).numpy() == labels).mean())
    assert accuracy > 0.8  # model.json records 0.851 on the first 2000 test images


def test_untrained_twin_same_architecture_different_weights():
    trained, untrained = load_model("cornet_mini_fashion"), load_model("cornet_mini_untrained")
    assert trained.layers == untrained.layers and trained.region_layer_map == untrained.region_layer_map
    assert trained.weights_hash != untrained.weights_hash
    assert untrained.weights_hash == load_model("cornet_mini_untrained").weights_hash  # seeded
