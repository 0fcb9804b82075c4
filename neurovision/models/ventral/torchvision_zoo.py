"""Any torchvision classification architecture, with the user's own weights file, as a :class:`Model`.

``build("resnet18", "my_resnet18.pt")`` constructs the architecture by name with
``torchvision.models.get_model(arch, weights=None)`` (nothing is downloaded) and loads a state dict
saved with ``torch.save(net.state_dict(), path)``. The file is read with ``torch.load(...,
weights_only=True)``; a dict that wraps the state dict under ``"state_dict"`` or ``"model"`` and a
``"module."`` prefix on every key (``nn.DataParallel``) are accepted. A file that does not fit the
architecture raises :class:`WeightsMismatchError` listing the missing keys, the unexpected keys and
the shape mismatches (keys ending in ``num_batches_tracked``, BatchNorm's step counter, may be absent:
it does not affect evaluation). Without a weights file the network keeps torchvision's random
initialisation, drawn under ``torch.manual_seed(seed)`` so that it is reproducible.

Identifier: ``arch`` without weights, ``f"{arch}@{h[:8]}"`` with weights, ``h`` being
:func:`~neurovision.models.base.state_dict_hash` of the loaded network (the same hex digest as
``Model.weights_hash``), so the same weights give the same identifier whatever the file name.

Recordable layers (``Model.layers``), unless given explicitly with ``layers=``:

* ResNet family (``resnet*``, ``resnext*``, ``wide_resnet*``; He et al. 2016): ``maxpool``,
  ``layer1`` … ``layer4`` (the four residual stages), ``avgpool``, ``fc`` — with the a-priori,
  depth-based commitment V1 → layer1, V2 → layer2, V4 → layer3, IT → layer4;
* any other architecture: its top-level children, each ``nn.Sequential`` / ``nn.ModuleList`` child
  replaced by its own children (one level: ``features.0``, ``features.1``, …, ``classifier.1``), without
  ``Dropout``, ``Identity`` and ``Flatten`` modules; no region commitment (``Model.layer_for`` says so).

Either way, one forward pass on a blank image at build time keeps only the modules that run exactly
once in evaluation mode (so e.g. Inception's auxiliary classifier, unused in eval, is dropped) and
orders them by execution, shallow to deep. In-place activations are switched to out-of-place
(``inplace = False``; outputs are unchanged) so that a recorded convolution output is not overwritten
by the ReLU that follows it.

Preprocessing: uint8 RGB ``(n, h, w, 3)`` → resize to 224×224 (PIL bilinear, non-square images
squashed), scale to [0, 1], normalise with the ImageNet mean (0.485, 0.456, 0.406) and standard
deviation (0.229, 0.224, 0.225) → float32 ``(n, 3, 224, 224)``. The image spans 8 degrees.
"""
from __future__ import annotations

import difflib
import os
import re
from functools import partial
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from PIL import Image
from torch import nn

from ..base import Model, UnknownLayerError, seeded, state_dict_hash, to_uint8_rgb
from ..registry import UnknownModelError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
INPUT_SIZE = 224
RESNET_LAYERS = ["maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]
RESNET_REGIONS = {"V1": "layer1", "V2": "layer2", "V4": "layer3", "IT": "layer4"}
_SKIPPED = (nn.Dropout, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.Identity, nn.Flatten)
_MAX_LISTED = 8


class WeightsMismatchError(ValueError):
    """A weights file that does not fit the architecture (or is not a state dict)."""


def classification_architectures() -> list[str]:
    """Names of torchvision's image-classification architectures (``torchvision.models.list_models``)."""
    import torchvision.models

    return sorted(torchvision.models.list_models(module=torchvision.models))


def _check_arch(arch: str) -> None:
    known = classification_architectures()
    if arch in known:
        return
    import torchvision.models

    close = difflib.get_close_matches(arch, known, n=3, cutoff=0.6)
    hint = f" did you mean {', '.join(map(repr, close))}?" if close else ""
    other = " (it is a torchvision model, but not an image classifier)" if arch in torchvision.models.list_models() else ""
    examples = ", ".join(a for a in ["alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2", "densenet121",
                                     "efficientnet_b0", "convnext_tiny", "vit_b_16"] if a in known)
    raise UnknownModelError(
        f"unknown torchvision classification architecture {arch!r}{other};{hint} "
        f"known ones include {examples} ({len(known)} in all: torchvision.models.list_models(module=torchvision.models))"
    )


def _preview(items: list[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    return shown + (f", … ({len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else "")


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a state dict from ``path`` (``torch.load``, ``weights_only=True``, on the CPU), unwrapped.

    Unwraps ``{"state_dict": sd}`` / ``{"model": sd}`` and strips a ``"module."`` prefix present on every key.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file not found: {path}")
    try:
        obj: Any = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds here; report one clear message
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsMismatchError(
            f"cannot read {path} as a state dict (torch.load with weights_only=True failed: {first}); "
            f"save weights with torch.save(model.state_dict(), path)"
        ) from None
    for wrapper in ("state_dict", "model"):
        if isinstance(obj, Mapping) and wrapper in obj and isinstance(obj[wrapper], Mapping):
            obj = obj[wrapper]
            break
    if not isinstance(obj, Mapping) or not obj:
        raise WeightsMismatchError(f"{path} does not hold a state dict (a mapping of names to tensors); got {type(obj).__name__}")
    bad = [k for k, v in obj.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise WeightsMismatchError(f"{path}: entries that are not tensors: {_preview([str(k) for k in bad])}")
    state = dict(obj)
    if all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def check_state_dict(network: nn.Module, state: Mapping[str, torch.Tensor], arch: str, source: str) -> None:
    """Raise :class:`WeightsMismatchError` unless ``state`` has exactly ``network``'s keys and shapes."""
    expected = network.state_dict()
    missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in expected]
    mismatched = [
        f"{k}: file {tuple(state[k].shape)} vs {arch} {tuple(expected[k].shape)}"
        for k in expected
        if k in state and tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    if missing or unexpected or mismatched:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing key(s): {_preview(missing)}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s): {_preview(unexpected)}")
        if mismatched:
            parts.append(f"{len(mismatched)} shape mismatch(es): {_preview(mismatched)}")
        raise WeightsMismatchError(
            f"weights {source} do not fit torchvision architecture {arch!r} "
            f"({len(state)} tensors in the file, {len(expected)} in the model) — " + "; ".join(parts)
        )


def preprocess(images: np.ndarray, size: int = INPUT_SIZE) -> torch.Tensor:
    """uint8 RGB ``(n, h, w, 3)`` (or grayscale ``(n, h, w)``) → float32 ``(n, 3, size, size)``, ImageNet-normalised."""
    images = to_uint8_rgb(images)
    images = np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BILINEAR)) for im in images])
    x = (images.astype(np.float32) / 255.0 - np.asarray(IMAGENET_MEAN, np.float32)) / np.asarray(IMAGENET_STD, np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def _is_resnet(arch: str, network: nn.Module) -> bool:
    return bool(re.match(r"(resnet|resnext|wide_resnet)\d", arch)) and all(hasattr(network, n) for n in RESNET_LAYERS)


def _candidate_layers(network: nn.Module) -> list[str]:
    names = []
    for name, child in network.named_children():
        if isinstance(child, (nn.Sequential, nn.ModuleList)):
            names += [f"{name}.{sub}" for sub, grandchild in child.named_children() if not isinstance(grandchild, _SKIPPED)]
        elif not isinstance(child, _SKIPPED):
            names.append(name)
    return names


def _executed_once(network: nn.Module, names: list[str], size: int) -> list[str]:
    """``names`` that run exactly once in an eval forward pass on a blank image, in execution order."""
    calls: list[str] = []
    handles = [
        network.get_submodule(n).register_forward_hook(lambda _m, _i, _o, n=n: calls.append(n)) for n in names
    ]
    try:
        network.eval()
        with torch.no_grad():
            network(torch.zeros(1, 3, size, size))
    finally:
        for h in handles:
            h.remove()
    order = list(dict.fromkeys(calls))
    return [n for n in order if calls.count(n) == 1]


def build(arch: str, weights: str | os.PathLike | None = None, *, seed: int = 0,
          layers: list[str] | None = None) -> Model:
    """torchvision classification architecture ``arch`` with the state dict in ``weights`` (or seeded random init).

    ``layers`` overrides the default recordable layers (any names ``network.get_submodule`` accepts).
    Raises :class:`~neurovision.models.registry.UnknownModelError` for an unknown architecture and
    :class:`WeightsMismatchError` for a file that does not fit it.
    """
    import torchvision.models

    _check_arch(arch)
    state = read_state_dict(weights) if weights is not None else None
    network = seeded(lambda: torchvision.models.get_model(arch, weights=None), seed)
    for module in network.modules():
        if isinstance(getattr(module, "inplace", None), bool):
            module.inplace = False
    if state is not None:
        check_state_dict(network, state, arch, source=f"file {weights}")
        network.load_state_dict(state, strict=False)  # keys checked above; only num_batches_tracked may be absent
    network.eval()

    resnet = _is_resnet(arch, network)
    if layers is None:
        candidates = RESNET_LAYERS if resnet else _candidate_layers(network)
        layers = _executed_once(network, candidates, INPUT_SIZE)
    else:
        layers = list(layers)
        for name in layers:
            try:
                network.get_submodule(name)
            except AttributeError:
                raise UnknownLayerError(f"{arch} has no submodule {name!r}; top-level modules: "
                                        f"{', '.join(n for n, _ in network.named_children())}") from None
    regions = {r: l for r, l in RESNET_REGIONS.items() if l in layers} if resnet else {}

    digest = state_dict_hash(network)
    if state is None:
        identifier = arch
        description = f"torchvision {arch}, untrained (torchvision default init, seed {seed})"
    else:
        identifier = f"{arch}@{digest[:8]}"
        description = f"torchvision {arch} with weights from {Path(weights).name}"
    return Model(
        identifier=identifier,
        network=network,
        preprocess=partial(preprocess, size=INPUT_SIZE),
        layers=layers,
        region_layer_map=regions,
        visual_degrees=8.0,
        description=description,
        _weights_hash=digest,
    )
