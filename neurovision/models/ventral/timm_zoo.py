"""Any timm architecture (``pip install 'neurovision[timm]'``), with the user's own weights file, as a :class:`Model`.

``load_model("timm:resnet10t", weights="my.pt")`` (CLI ``neurovision score timm:resnet10t BENCH --weights
my.pt``) builds ``timm.create_model(arch, pretrained=False)`` — nothing is downloaded — and loads a state
dict saved with ``torch.save(net.state_dict(), path)``. The name after the ``timm:`` prefix is any name
in ``timm.list_models()``, optionally with a pretrained tag (``resnet10t.c3_in1k``: the tag only selects
timm's preprocessing configuration). Everything else follows the rules of
:mod:`neurovision.models.ventral.torchvision_zoo`:

* weights are required, unless ``untrained=True`` (identifier ``timm:<arch>@untrained-seed<seed>``);
  with weights the identifier is ``timm:<arch>@<first 8 hex digits of the weights' sha256>``;
* a file that does not fit raises :class:`~neurovision.models.ventral.torchvision_zoo.WeightsMismatchError`;
  ``drop_head=True`` drops the classifier-head entries that do not fit (the head: the entries whose shape
  depends on ``num_classes``, e.g. ``fc.*`` or ``head.*``), reported with a warning and in
  ``Model.description`` / ``Model.dropped_keys``;
* recordable layers: top-level children with ``nn.Sequential`` children expanded one level (``layer1``,
  ``blocks.0``, ``stages.2`` …), those that run once in eval, in execution order; hooks by module name;
* the a-priori commitment: ends of the stride ≤4/8/16/≥32 stages, or relative depth for isotropic
  networks (:func:`~neurovision.models.ventral.torchvision_zoo.a_priori_regions`).

Preprocessing is timm's own evaluation configuration for the architecture,
``timm.data.resolve_data_config({}, model=net, use_test_size=True)`` (as timm's validation script uses):
uint8 RGB ``(n, h, w, 3)`` → resize to its ``input_size`` (H, W) with its ``interpolation`` (PIL
bilinear, bicubic, …; non-square images squashed), scale to [0, 1], normalise with its ``mean`` and
``std`` → float32 ``(n, 3, H, W)``. timm's centre crop (``crop_pct``) is not applied: the whole
stimulus is shown, as for every model here, so the image spans the model's 8 degrees.
"""
from __future__ import annotations

import importlib.util
import os
from functools import partial

from ...errors import NeurovisionError, did_you_mean
from .. import preprocessing
from ..base import Model, UnknownModelError, seeded
from ..preprocessing import RESIZE_METHODS
from . import torchvision_zoo as tv

TIMM_PREFIX = "timm:"

class TimmNotInstalledError(NeurovisionError, ImportError):
    """A ``timm:`` model was asked for but timm is not installed."""


def available() -> bool:
    """Whether timm can be imported."""
    return importlib.util.find_spec("timm") is not None


def _timm():
    if not available():
        raise TimmNotInstalledError("timm architectures need the optional dependency timm: "
                                    "pip install 'neurovision[timm]' (or pip install timm)")
    import timm  # lazy: timm is an optional extra (neurovision[timm]), imported only for timm: models
    return timm


def architectures() -> list[str]:
    """Names of timm's architectures (``timm.list_models()``, without pretrained tags)."""
    return sorted(_timm().list_models())


def _check_arch(arch: str) -> None:
    known = architectures()
    if arch.split(".")[0] in known:
        return
    close = did_you_mean(TIMM_PREFIX + arch, [TIMM_PREFIX + a for a in known])
    raise UnknownModelError(f"unknown timm architecture {arch!r}{close or ';'} {len(known)} are known: "
                            "timm.list_models(); give them as 'timm:<arch>', e.g. 'timm:resnet10t'")


def data_config(network) -> dict:
    """timm's evaluation preprocessing for ``network``: ``input_size`` (C, H, W), ``interpolation``, ``mean``,
    ``std`` (and ``crop_pct``, ``crop_mode``, not used here)."""
    return dict(_timm().data.resolve_data_config({}, model=network, use_test_size=True))


def build(arch: str, weights: str | os.PathLike | None = None, *, untrained: bool = False, drop_head: bool = False,
          seed: int = 0, layers: list[str] | None = None) -> Model:
    """timm architecture ``arch`` (without the ``timm:`` prefix) with the state dict in ``weights``.

    Same arguments, rules and errors as :func:`neurovision.models.ventral.torchvision_zoo.build`;
    raises :class:`TimmNotInstalledError` when timm is missing.
    """
    timm = _timm()
    _check_arch(arch)
    name = TIMM_PREFIX + arch
    tv.check_weights_request(name, weights, untrained, drop_head)
    network = seeded(lambda: timm.create_model(arch, pretrained=False), seed)
    cfg = data_config(network)
    _, height, width = cfg["input_size"]
    interpolation = str(cfg.get("interpolation", "bilinear"))
    mean, std = tuple(map(float, cfg["mean"])), tuple(map(float, cfg["std"]))
    return tv.assemble(
        name=name, label=f"timm architecture {arch!r}", network=network,
        make=lambda n: timm.create_model(arch, pretrained=False, num_classes=n),
        n_classes=int(getattr(network, "num_classes", 1000)),
        weights=weights, untrained=untrained, drop_head=drop_head, seed=seed, layers=layers, candidates=None,
        size=(int(height), int(width)),
        preprocess=partial(preprocessing.preprocess, size=(int(height), int(width)), scale=255.0, mean=mean,
                           std=std, resize=interpolation if interpolation in RESIZE_METHODS else "bilinear"),
        description=(f"timm {timm.__version__} {arch} (input {height}×{width}, {interpolation}, "
                     f"mean {mean}, std {std})"))
