"""Any torchvision classification architecture, with the user's own weights file, as a :class:`Model`.

``build("resnet18", "my_resnet18.pt")`` constructs the architecture by name with
``torchvision.models.get_model(arch, weights=None)`` (nothing is downloaded) and loads a state dict
saved with ``torch.save(net.state_dict(), path)``. The file is read with ``torch.load(...,
weights_only=True)``; a dict that wraps the state dict under ``"state_dict"`` or ``"model"`` and a
``"module."`` prefix on every key (``nn.DataParallel``) are accepted. The machinery here is shared with
:mod:`neurovision.models.ventral.timm_zoo` (timm architectures, ``"timm:<arch>"``).

**Weights are required.** Without a file, :class:`WeightsRequiredError` is raised, unless a randomly
initialised network is asked for explicitly with ``untrained=True`` (CLI ``--untrained``): the
architecture's default initialisation drawn under ``torch.manual_seed(seed)``, identified as
``f"{arch}@untrained-seed{seed}"`` so that it cannot be mistaken for a trained network. A weights path
that does not exist or cannot be read raises :class:`WeightsFileError` naming the path.

**Fit.** A file that does not fit the architecture raises :class:`WeightsMismatchError` listing the
missing keys, the unexpected keys and the shape mismatches (keys ending in ``num_batches_tracked``,
BatchNorm's step counter, may be absent: it does not affect evaluation).

**Classifier head.** The head is the set of state-dict entries whose shape depends on the number of
classes, found by constructing the architecture on the ``meta`` device (no memory, no computation) with
two different ``num_classes`` and comparing shapes — ``fc.*`` for ResNets, ``classifier.6.*`` for VGG,
``classifier.1.*`` for MobileNetV2, and the auxiliary classifiers of Inception/GoogLeNet too. (Where
the meta construction fails, the head is the ``Linear``/``Conv`` modules with as many outputs as the
network has classes.) With ``drop_head=True`` (CLI ``--drop-head``) the head entries that do not fit
the file — mis-shaped, missing, or unexpected keys under a head module's name — are dropped: each such
head module is replaced by ``nn.Identity`` (so the network holds only loaded weights), a
:class:`HeadDroppedWarning` names the dropped keys, and the model records them in ``Model.description``
and ``Model.dropped_keys`` (``{key: reason}``). The head modules and every layer that runs after them
are then not recordable. Any other key that does not fit is still an error.

Identifier: ``f"{arch}@{h[:8]}"`` with weights, ``h`` being
:func:`~neurovision.models.base.state_dict_hash` of the loaded network (the same hex digest as
``Model.weights_hash``), so the same weights give the same identifier whatever the file name.

Recordable layers (``Model.layers``), unless given explicitly with ``layers=``:

* ResNet family (``resnet*``, ``resnext*``, ``wide_resnet*``; He et al. 2016): ``maxpool``,
  ``layer1`` … ``layer4`` (the four residual stages), ``avgpool``, ``fc``;
* any other architecture: its top-level children, each ``nn.Sequential`` / ``nn.ModuleList`` child
  replaced by its own children (one level: ``features.0``, ``features.1``, …, ``classifier.1``), without
  ``Dropout``, ``Identity`` and ``Flatten`` modules.

Either way, one forward pass on a blank image at build time keeps only the modules that run exactly
once in evaluation mode (so e.g. Inception's auxiliary classifier, unused in eval, is dropped) and
orders them by execution, shallow to deep. In-place activations are switched to out-of-place
(``inplace = False``; outputs are unchanged) so that a recorded convolution output is not overwritten
by the ReLU that follows it.

**A-priori region commitment** (:func:`a_priori_regions`), fixed from the architecture alone, without
neural data. The same probe pass gives each layer's output shape; a layer whose output is a spatial map
(``(n, c, h, w)``, or channels-last ``(n, h, w, c)``, with ``h > 1``) has the cumulative downsampling
(output stride) ``s = 2**round(log2(input_height / h))``.

Only the layers that finish before the classifier head (see above) are candidates. Then

* V1 = the last layer with ``s ≤ 4``, V2 = the last with ``s = 8``, V4 = the last with ``s = 16``,
  IT = the last spatial layer with ``s ≥ 32`` (the deepest map before global pooling) —
  i.e. the ends of the stride-4, 8, 16 and 32 stages: ``layer1``–``layer4`` for ResNets,
  ``features.15/22/29`` (relu3_3, relu4_3, relu5_3) and ``avgpool`` (7×7, = pool5 at 224 px) for VGG16,
  ``features.3/6/13/18`` for MobileNetV2, ``features.2/3/5/8`` for EfficientNet-B0,
  ``features.1/3/5/7`` for ConvNeXt;
* when one of these strides has no layer (isotropic networks such as ViTs, whose tokens keep one
  resolution; SqueezeNet, whose deepest maps have stride 16), by relative depth instead: over the
  layers whose output is still per location (a spatial map or a token sequence ``(n, tokens, d)``,
  tokens > 1), in execution order, V1, V2 and V4 are the layers at 1/4, 1/2 and 3/4 of the way from
  the first to the last, and IT is the last.

Explicitly given ``layers=`` get no commitment.

Preprocessing: uint8 RGB ``(n, h, w, 3)`` → resize to 224×224 (PIL bilinear, non-square images
squashed), scale to [0, 1], normalise with the ImageNet mean (0.485, 0.456, 0.406) and standard
deviation (0.229, 0.224, 0.225) → float32 ``(n, 3, 224, 224)``. The image spans 8 degrees.
"""
from __future__ import annotations

import math
import os
import re
import warnings
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from ...errors import NeurovisionError, did_you_mean
from .. import preprocessing
from ..base import Model, UnknownLayerError, UnknownModelError, seeded, state_dict_hash
from ..preprocessing import IMAGENET_MEAN, IMAGENET_STD

INPUT_SIZE = 224
RESNET_LAYERS = ["maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]
REGION_DEPTHS = {"V1": 0.25, "V2": 0.5, "V4": 0.75, "IT": 1.0}
_SKIPPED = (nn.Dropout, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.Identity, nn.Flatten)
_MAX_LISTED = 8


class WeightsRequiredError(NeurovisionError, ValueError):
    """An architecture asked for by name without a weights file and without ``untrained=True``."""


class WeightsFileError(NeurovisionError, OSError):
    """A weights path that does not exist or cannot be read (the message names the path)."""


class WeightsMismatchError(NeurovisionError, ValueError):
    """A weights file that does not fit the architecture (or is not a state dict)."""


class HeadDroppedWarning(UserWarning):
    """Classifier-head entries of a weights file were dropped (``drop_head=True``); the message names them."""


def classification_architectures() -> list[str]:
    """Names of torchvision's image-classification architectures (``torchvision.models.list_models``)."""
    import torchvision.models  # lazy: ~1 s; only the torchvision zoo needs it

    return sorted(torchvision.models.list_models(module=torchvision.models))


def _check_arch(arch: str) -> None:
    known = classification_architectures()
    if arch in known:
        return
    import torchvision.models  # lazy: ~1 s; only the torchvision zoo needs it

    other = (" (it is a torchvision model, but not an image classifier)"
             if arch in torchvision.models.list_models() else "")
    examples = ", ".join(a for a in ["alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2", "densenet121",
                                     "efficientnet_b0", "convnext_tiny", "vit_b_16"] if a in known)
    raise UnknownModelError(
        f"unknown torchvision classification architecture {arch!r}{other}{did_you_mean(arch, known) or ';'} "
        f"known ones include {examples} "
        f"({len(known)} in all: torchvision.models.list_models(module=torchvision.models))"
    )


def _preview(items: Sequence[str]) -> str:
    items = list(items)
    shown = ", ".join(items[:_MAX_LISTED])
    return shown + (f", … ({len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else "")


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a state dict from ``path`` (``torch.load``, ``weights_only=True``, on the CPU), unwrapped.

    Unwraps ``{"state_dict": sd}`` / ``{"model": sd}`` and strips a ``"module."`` prefix present on every key.
    Raises :class:`WeightsFileError` for a path that is missing or unreadable and
    :class:`WeightsMismatchError` for a file that is not a state dict.
    """
    path = Path(path)
    if not path.exists():
        raise WeightsFileError(f"weights file not found: {path}")
    if not path.is_file():
        raise WeightsFileError(f"weights path is not a file: {path}")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise WeightsFileError(f"cannot read weights file {path}: {exc.strerror or exc}") from None
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
        raise WeightsMismatchError(f"{path} does not hold a state dict (a mapping of names to tensors); "
                                   f"got {type(obj).__name__}")
    bad = [k for k, v in obj.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise WeightsMismatchError(f"{path}: entries that are not tensors: {_preview([str(k) for k in bad])}")
    state = dict(obj)
    if all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def head_keys(make: Callable[[int], nn.Module], network: nn.Module | None, n_classes: int) -> list[str]:
    """State-dict keys of the classifier head of ``network``: the entries whose shape depends on the number
    of classes.

    ``make(num_classes)`` builds the architecture; it is called twice on the ``meta`` device (7 and 11
    classes, the global random state left untouched) and the shapes compared. If that fails, the head is
    the parameters and buffers of the ``Linear`` / ``Conv`` modules of ``network`` with ``n_classes`` outputs.
    """
    try:
        with warnings.catch_warnings(), torch.random.fork_rng(devices=[]), torch.device("meta"):
            warnings.simplefilter("ignore")
            a, b = make(7).state_dict(), make(11).state_dict()
        keys = [k for k in a if k in b and tuple(a[k].shape) != tuple(b[k].shape)]
        if keys:
            return keys
    except Exception:  # noqa: BLE001 - some constructors copy data at init, which meta tensors cannot do
        pass
    keys = []
    for name, module in network.named_modules() if network is not None else ():
        if isinstance(module, nn.Linear):
            outputs = module.out_features
        elif isinstance(module, nn.modules.conv._ConvNd):
            outputs = module.out_channels
        else:
            continue
        if outputs == n_classes:
            prefix = f"{name}." if name else ""
            keys += [prefix + k for k in module.state_dict()]
    return keys


def _module_of(key: str) -> str:
    return key.rpartition(".")[0]


def fit_state_dict(network: nn.Module, state: Mapping[str, torch.Tensor], label: str, source: str,
                   head: Sequence[str] = (), drop_head: bool = False) -> tuple[dict[str, str], list[str]]:
    """Load ``state`` into ``network`` (in place) if it fits; return the dropped keys ``{key: reason}`` and the
    names of the head modules replaced by ``nn.Identity`` (both empty when everything fits).

    ``state`` fits when it has exactly ``network``'s keys and shapes (``num_batches_tracked`` may be
    absent). Otherwise :class:`WeightsMismatchError` lists the missing, unexpected and mis-shaped keys —
    unless ``drop_head`` and every such key belongs to the classifier head ``head`` (keys, see
    :func:`head_keys`; an unexpected key under a head module's name counts as the head's). Then each head
    module with a key that does not fit is replaced by ``nn.Identity``, the file's entries for it (and the
    unexpected head entries) are not loaded, and they are returned with the reason each was dropped.
    ``label`` names the architecture in messages (e.g. ``"torchvision architecture 'resnet18'"``).
    """
    expected = network.state_dict()
    head = set(head)
    head_modules = {_module_of(k) for k in head}
    short = label.split()[-1].strip("'")

    def in_head(key: str) -> bool:
        return key in head or any(key.startswith(m + ".") for m in head_modules if m)

    missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in expected]
    mismatched = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    problems = missing + unexpected + mismatched
    mismatched_set, unexpected_set = set(mismatched), set(unexpected)
    others = [k for k in problems if not in_head(k)]
    if problems and (others or not drop_head):
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing key(s): {_preview(missing)}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s): {_preview(unexpected)}")
        if mismatched:
            parts.append(f"{len(mismatched)} shape mismatch(es): "
                         + _preview([f"{k}: file {tuple(state[k].shape)} vs {short} {tuple(expected[k].shape)}"
                                     for k in mismatched]))
        msg = (f"weights {source} do not fit {label} "
               f"({len(state)} tensors in the file, {len(expected)} in the model) — " + "; ".join(parts))
        if not others:
            msg += (f". Only the classifier head ({_preview(sorted(head))}) does not fit: pass drop_head=True "
                    "(CLI --drop-head) to drop it and record the layers before it")
        elif drop_head:
            msg += (f". drop_head drops only the classifier head ({_preview(sorted(head))}); "
                    f"these keys are not part of it: {_preview(others)}")
        raise WeightsMismatchError(msg)
    if not problems:
        network.load_state_dict(state, strict=False)  # only num_batches_tracked may be absent
        return {}, []

    replaced = sorted({m for m in map(_module_of, missing + mismatched) if m})
    dropped: dict[str, str] = {}
    for k in state:
        if k in mismatched_set:
            dropped[k] = f"file {tuple(state[k].shape)} vs {short} {tuple(expected[k].shape)}"
        elif k in unexpected_set:
            dropped[k] = f"not in {short}"
        elif _module_of(k) in replaced:
            dropped[k] = "belongs to a dropped head module"
    for k in missing:
        dropped[k] = "not in the file"
    for name in replaced:
        parent, _, child = name.rpartition(".")
        setattr(network.get_submodule(parent) if parent else network, child, nn.Identity())
    network.load_state_dict({k: v for k, v in state.items() if k not in dropped}, strict=False)
    left = [k for k in network.state_dict() if k not in state and not k.endswith("num_batches_tracked")]
    if left:  # cannot happen when ``head`` lists whole modules' keys; never leave an entry at its random init
        raise WeightsMismatchError(f"weights {source}: after dropping the head of {label}, entries not loaded "
                                   f"from the file remain: {_preview(left)}")
    return dropped, replaced


def preprocess(images: np.ndarray, size: int = INPUT_SIZE) -> torch.Tensor:
    """uint8 RGB ``(n, h, w, 3)`` (or grayscale ``(n, h, w)``) → float32 ``(n, 3, size, size)``: PIL bilinear resize
    (non-square images squashed), ``(x / 255 − IMAGENET_MEAN) / IMAGENET_STD``
    (:func:`neurovision.models.preprocessing.preprocess`)."""
    return preprocessing.preprocess(images, size, scale=255.0, mean=IMAGENET_MEAN, std=IMAGENET_STD)


def _is_resnet(arch: str, network: nn.Module) -> bool:
    return bool(re.match(r"(resnet|resnext|wide_resnet)\d", arch)) and all(hasattr(network, n) for n in RESNET_LAYERS)


def candidate_layers(network: nn.Module) -> list[str]:
    """Top-level children of ``network``, ``nn.Sequential`` / ``nn.ModuleList`` children expanded one level,
    without ``Dropout``, ``Identity`` and ``Flatten`` modules (module order, not yet execution order)."""
    names = []
    for name, child in network.named_children():
        if isinstance(child, (nn.Sequential, nn.ModuleList)):
            names += [f"{name}.{sub}" for sub, grandchild in child.named_children()
                      if not isinstance(grandchild, _SKIPPED)]
        elif not isinstance(child, _SKIPPED):
            names.append(name)
    return names


def probe(network: nn.Module, names: Sequence[str], size: tuple[int, int]) -> tuple[list[str], dict[str, tuple | None]]:
    """One eval forward pass on a blank ``(1, 3, H, W)`` image: the ``names`` that ran exactly once, in
    execution order (order in which their forward hooks fired, i.e. in which they finished), and the
    shape of each one's output (``None`` when it is not a tensor)."""
    calls: list[str] = []
    shapes: dict[str, tuple | None] = {}

    def hook(_m, _i, output, name):
        calls.append(name)
        shapes[name] = tuple(output.shape) if isinstance(output, torch.Tensor) else None

    handles = [network.get_submodule(n).register_forward_hook(partial(hook, name=n)) for n in names]
    try:
        network.eval()
        with torch.no_grad():
            network(torch.zeros(1, 3, *size))
    finally:
        for h in handles:
            h.remove()
    order = list(dict.fromkeys(calls))
    return [n for n in order if calls.count(n) == 1], shapes


def _map_side(shape: tuple | None) -> int | None:
    """Side length of a spatial map output ``(n, c, h, w)`` or channels-last ``(n, h, w, c)`` (square maps:
    the two equal trailing or middle sizes); ``None`` for any other output or a 1×1 map."""
    if shape is None or len(shape) != 4:
        return None
    _, a, b, c = shape
    side = b if b == c else a if a == b else None
    return side if side and side > 1 else None


def output_stride(shape: tuple | None, input_height: int) -> int | None:
    """Cumulative spatial downsampling of a layer output of ``shape`` for an input ``input_height`` pixels
    high: ``2**round(log2(input_height / h))``, or ``None`` when the output is not a spatial map (h > 1)."""
    side = _map_side(shape)
    return None if side is None else 2 ** round(math.log2(input_height / side))


def _per_location(shape: tuple | None) -> bool:
    return _map_side(shape) is not None or (shape is not None and len(shape) == 3 and shape[1] > 1)


def a_priori_regions(layers: Sequence[str], shapes: Mapping[str, tuple | None], input_height: int) -> dict[str, str]:
    """The a-priori V1/V2/V4/IT layers among ``layers`` (execution order) from their output ``shapes`` on an
    input ``input_height`` pixels high — the rule in the module docstring: ends of the stride ≤4, 8, 16 and
    ≥32 stages when all four exist (in that order), otherwise relative depth among the per-location layers."""
    layers = list(layers)
    strides = {layer: output_stride(shapes.get(layer), input_height) for layer in layers}
    tests = {"V1": lambda s: s <= 4, "V2": lambda s: s == 8, "V4": lambda s: s == 16, "IT": lambda s: s >= 32}
    chosen = {}
    for region, test in tests.items():
        matching = [layer for layer in layers if strides[layer] is not None and test(strides[layer])]
        if matching:
            chosen[region] = matching[-1]
    positions = [layers.index(chosen[r]) for r in tests if r in chosen]
    if len(chosen) == len(tests) and positions == sorted(set(positions)):
        return chosen
    body = [layer for layer in layers if _per_location(shapes.get(layer))] or layers
    if not body:
        return {}
    last = len(body) - 1
    return {region: body[int(math.floor(depth * last + 0.5))] for region, depth in REGION_DEPTHS.items()}


def check_weights_request(name: str, weights, untrained: bool, drop_head: bool) -> None:
    """Raise unless exactly one of ``weights`` and ``untrained`` is given (``drop_head`` needs ``weights``)."""
    if weights is None and not untrained:
        raise WeightsRequiredError(
            f"no weights given for {name!r}: pass a state-dict file, load_model({name!r}, weights='file.pt') "
            f"(CLI: --weights FILE), or ask for a randomly initialised network explicitly with "
            f"load_model({name!r}, untrained=True) (CLI: --untrained); pretrained weights are never downloaded")
    if weights is not None and untrained:
        raise WeightsRequiredError(f"{name!r}: weights={str(weights)!r} and untrained=True exclude each other")
    if drop_head and weights is None:
        raise WeightsRequiredError(f"{name!r}: drop_head applies to a weights file (weights=...); an untrained "
                                   "network has no head to drop")


def assemble(*, name: str, label: str, network: nn.Module, make: Callable[[int], nn.Module], n_classes: int,
             weights, untrained: bool, drop_head: bool, seed: int, layers: Sequence[str] | None,
             candidates: Sequence[str] | None, size: tuple[int, int], preprocess: Callable[[np.ndarray], torch.Tensor],
             description: str) -> Model:
    """The :class:`Model` for ``network`` (freshly built by the caller, default initialisation under ``seed``).

    Loads ``weights`` (see :func:`fit_state_dict`; head from :func:`head_keys` with ``make`` and
    ``n_classes``), switches in-place activations off, chooses the recordable layers among ``candidates``
    (default :func:`candidate_layers`) or checks the explicit ``layers``, and sets the a-priori commitment
    from a probe pass at input ``size = (H, W)``. ``name`` is the name given to ``load_model`` (used in
    the identifier), ``label`` names the architecture in messages.
    """
    check_weights_request(name, weights, untrained, drop_head)
    state = read_state_dict(weights) if weights is not None else None
    for module in network.modules():
        if isinstance(getattr(module, "inplace", None), bool):
            module.inplace = False
    head = head_keys(make, network, n_classes)
    dropped: dict[str, str] = {}
    replaced: list[str] = []
    if state is not None:
        dropped, replaced = fit_state_dict(network, state, label, f"file {weights}", head=head, drop_head=drop_head)
    network.eval()

    if layers is None:
        names = [c for c in (candidates if candidates is not None else candidate_layers(network)) if c not in replaced]
        head_modules = sorted({m for m in map(_module_of, head) if m and _get(network, m) is not None})
        order, shapes = probe(network, list(dict.fromkeys(names + head_modules)), size)

        def before(modules):  # the layers that finish before the first of ``modules`` that runs
            cut = [order.index(m) for m in modules if m in order]
            return [n for n in order[:min(cut)] if n in names] if cut else [n for n in order if n in names]

        # a dropped head, and every layer that finishes after it (its containers, later layers), is not recordable
        layers = before(replaced) if replaced else [n for n in order if n in names]
        regions = a_priori_regions(before(head_modules), shapes, size[0])  # regions lie before the classifier
    else:
        layers = list(layers)
        for layer in layers:
            if layer in replaced:
                raise UnknownLayerError(f"layer {layer!r} of {label} was dropped with the classifier head")
            if _get(network, layer) is None:
                raise UnknownLayerError(f"{label} has no submodule {layer!r}; top-level modules: "
                                        f"{', '.join(n for n, _ in network.named_children())}")
        regions = {}

    digest = state_dict_hash(network)
    if state is None:
        identifier = f"{name}@untrained-seed{seed}"
        description = f"{description}, UNTRAINED (default initialisation, seed {seed})"
    else:
        identifier = f"{name}@{digest[:8]}"
        description = f"{description} with weights from {Path(weights).name}"
    if dropped:
        listed = ", ".join(f"{k} ({why})" for k, why in dropped.items())
        description += f"; classifier head dropped (did not fit the file): {listed}"
        warnings.warn(f"{identifier}: dropped {len(dropped)} classifier-head key(s) that do not fit {weights}: "
                      f"{listed}; not recordable: {', '.join(replaced)} and the layers after it; the layers "
                      f"before it carry the loaded weights", HeadDroppedWarning, stacklevel=3)
    model = Model(identifier=identifier, network=network, preprocess=preprocess, layers=layers,
                  region_layer_map=regions, visual_degrees=8.0, description=description, _weights_hash=digest)
    model.dropped_keys = dict(dropped)
    return model


def _get(network: nn.Module, name: str) -> nn.Module | None:
    try:
        return network.get_submodule(name)
    except AttributeError:
        return None


def build(arch: str, weights: str | os.PathLike | None = None, *, untrained: bool = False, drop_head: bool = False,
          seed: int = 0, layers: list[str] | None = None) -> Model:
    """torchvision classification architecture ``arch`` with the state dict in ``weights``.

    ``untrained=True`` (instead of ``weights``): the default initialisation drawn under
    ``torch.manual_seed(seed)``, identified as ``f"{arch}@untrained-seed{seed}"``. ``drop_head=True``: drop
    the classifier-head entries that do not fit the file (see the module docstring). ``layers`` overrides
    the default recordable layers (any names ``network.get_submodule`` accepts; no commitment then).
    Raises :class:`~neurovision.models.base.UnknownModelError` for an unknown architecture,
    :class:`WeightsRequiredError` without weights or ``untrained``, :class:`WeightsFileError` for a missing
    or unreadable path and :class:`WeightsMismatchError` for a file that does not fit.
    """
    import torchvision.models  # lazy: ~1 s; only the torchvision zoo needs it

    _check_arch(arch)
    check_weights_request(arch, weights, untrained, drop_head)
    network = seeded(lambda: torchvision.models.get_model(arch, weights=None), seed)
    return assemble(
        name=arch, label=f"torchvision architecture {arch!r}", network=network,
        make=lambda n: torchvision.models.get_model(arch, weights=None, num_classes=n), n_classes=1000,
        weights=weights, untrained=untrained, drop_head=drop_head, seed=seed, layers=layers,
        candidates=RESNET_LAYERS if _is_resnet(arch, network) else None, size=(INPUT_SIZE, INPUT_SIZE),
        preprocess=partial(preprocess, size=INPUT_SIZE), description=f"torchvision {arch}")
