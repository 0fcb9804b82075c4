"""Any ``torch.nn.Module`` as a neurovision :class:`~neurovision.models.base.Model` — your own network, scored on
any benchmark.

>>> import neurovision as nv
>>> model = nv.from_torch(my_net, layers=["layer1", "layer2"], region_layer_map={"IT": "layer2"},
...                       identifier="my_net")
>>> nv.score(model, "kriegeskorte2008.it_human")

Layers are recorded with forward hooks on ``network.get_submodule(name)`` (the names of
``network.named_modules()``); ``forward`` is never modified. Nothing is moved between devices here: the network
runs where its parameters are.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from ..errors import did_you_mean
from .base import Model, UnknownLayerError, probe_images
from .ventral import torchvision_zoo as zoo


def _executed_once(module: torch.nn.Module, names: list[str], preprocess) -> list[str]:
    """``names`` that run exactly once when ``module`` (in eval mode) sees one preprocessed probe image, in the
    order they run."""
    calls: list[str] = []
    handles = [module.get_submodule(n).register_forward_hook(lambda _m, _i, _o, n=n: calls.append(n)) for n in names]
    try:
        module.eval()
        with torch.inference_mode():
            module(preprocess(probe_images()[:1]))
    finally:
        for h in handles:
            h.remove()
    return [n for n in dict.fromkeys(calls) if calls.count(n) == 1]


def from_torch(module: torch.nn.Module, preprocess: Callable[[np.ndarray], torch.Tensor] | None = None,
               layers: Sequence[str] | None = None, region_layer_map: Mapping[str, str] | None = None,
               visual_degrees: float = 8.0, identifier: str | None = None, description: str = "") -> Model:
    """Wrap ``module`` as a :class:`Model`.

    ``preprocess``: uint8 RGB images ``(n, height, width, 3)`` → the float batch tensor ``module`` expects. The
    default is ImageNet-style: resize to 224 × 224 (PIL bilinear; non-square images are squashed), scale to [0, 1],
    normalise with the ImageNet mean (0.485, 0.456, 0.406) and standard deviation (0.229, 0.224, 0.225) →
    ``(n, 3, 224, 224)`` float32 — right for most torchvision/timm classifiers, wrong for a network trained on
    other inputs: pass your own then.

    ``layers``: module names to record, shallow to deep (default: the top-level children, each ``Sequential`` /
    ``ModuleList`` child replaced by its own children, keeping those that run exactly once per forward pass, in
    execution order). ``region_layer_map``: the layer committed to each region (``{"V1": ..., "IT": ...}``), used
    when a benchmark is scored without ``layer=``. ``visual_degrees``: the field of view the input image spans.
    ``identifier``: the name scores carry (default: the module's class name). Cached results are keyed by the
    model's :meth:`~neurovision.models.base.Model.fingerprint` (architecture, weights, preprocessing and probe
    outputs), never by this name alone.
    """
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch needs a torch.nn.Module; got {type(module).__name__}")
    preprocess = preprocess or zoo.preprocess
    layers = list(layers) if layers is not None else _executed_once(module, zoo.candidate_layers(module), preprocess)
    names = dict(module.named_modules())
    unknown = [layer for layer in layers if layer not in names]
    if unknown:
        raise UnknownLayerError(f"module {type(module).__name__} has no submodule(s) {unknown}"
                                f"{did_you_mean(unknown[0], names)} (names as in module.named_modules())")
    model = Model(identifier=identifier or type(module).__name__, network=module, preprocess=preprocess,
                  layers=layers, region_layer_map={}, visual_degrees=float(visual_degrees),
                  description=description or f"user torch module {type(module).__name__}")
    regions = dict(region_layer_map or {})
    model.check_layers(list(regions.values()))
    model.region_layer_map = regions
    return model
