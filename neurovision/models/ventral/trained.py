"""Small networks trained by ``neurovision train ventral`` as :class:`~neurovision.models.base.Model`\\ s.

A checkpoint ``model.pt`` (written and sha256-verified by :mod:`neurovision.checkpoints`) holds the state dict, the
training configuration (the fields of :class:`neurovision.training.ventral.VentralTrainConfig` as a dict), the class
names and the training set's channel mean and standard deviation; these two functions turn it into a Model. They
live with the models (not with the trainer) so that building a registered model never imports the trainer.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Mapping

from torch import nn

from ...checkpoints import load_verified
from .. import preprocessing
from ..base import Model
from . import small_convnets

#: the configuration fields a trained model is built from
CONFIG_FIELDS = ("arch", "dataset", "image_size", "optimizer", "weight_decay", "epochs", "seed")


def model_from_network(network: nn.Module, config: Mapping[str, Any], classes, mean, std) -> Model:
    """A network of :mod:`neurovision.models.ventral.small_convnets` trained (or initialised) with the training
    configuration ``config`` (a mapping with at least :data:`CONFIG_FIELDS`), as a Model.

    Preprocessing: uint8 RGB ``(n, h, w, 3)`` (or gray ``(n, h, w)``) → float32 ``(n, C, S, S)`` with ``S`` the
    training image size (28 for Fashion-MNIST) — converted to gray by ITU-R 601-2 luma when the network has
    one channel (``C = len(mean)``; exact for R = G = B), resized (PIL bilinear), scaled to [0, 1] and
    standardised with the training set's channel ``mean`` / ``std``
    (:func:`neurovision.models.preprocessing.preprocess`). Layers: the network's ``layers``; a cornet_mini
    commits its areas ``V1``, ``V2``, ``V4``, ``IT`` to the same-named layers. ``classes``: class names.
    """
    missing = [k for k in CONFIG_FIELDS if k not in config]
    if missing:
        raise ValueError(f"training configuration lacks {missing}")
    c = config
    size = 28 if c["dataset"] == "fashion_mnist" else c["image_size"]
    preprocess = partial(preprocessing.preprocess, size=size, color="gray" if len(mean) == 1 else "rgb",
                         scale=255.0, mean=tuple(mean), std=tuple(std))
    layers = list(getattr(network, "layers", []))
    regions = small_convnets.CORNET_MINI_REGIONS if c["arch"] == "cornet_mini" else {}
    return Model(identifier=f"{c['arch']}_trained_seed{c['seed']}", network=network, preprocess=preprocess,
                 layers=layers, region_layer_map=dict(regions), visual_degrees=8.0,
                 description=f"{c['arch']} trained on {c['dataset']} ({c['optimizer']}, wd {c['weight_decay']}, "
                 f"{c['epochs']} epoch(s), seed {c['seed']}); classes {', '.join(classes)}")


def load_trained(path: str | Path, weights: bool = True, network: nn.Module | None = None) -> Model:
    """The ``model.pt`` at ``path`` (sha256 verified) as a Model: with its trained weights, or, with
    ``weights=False``, the same architecture and preprocessing around ``network`` (e.g. a seeded untrained twin;
    default: a freshly initialised network)."""
    ck = load_verified(path)
    config = ck["config"]
    if network is None:
        network = small_convnets.build(config["arch"], in_channels=ck["in_channels"], num_classes=len(ck["classes"]))
    if weights:
        network.load_state_dict(ck["state_dict"])
    return model_from_network(network, config, ck["classes"], ck["mean"], ck["std"])
