"""Registry of models: a plain dict of names to constructors (each returns a :class:`~neurovision.models.base.Model`),
extended by :func:`register_model` and by installed plugins (entry-point group ``neurovision.models``, see
:mod:`neurovision.plugins`).

Constructors build on call (weights are read or converted then), so listing models stays cheap.
"""
from __future__ import annotations

from typing import Callable

from ..errors import did_you_mean
from ..plugins import MODEL_GROUP, load_entry_points, register
from .base import Model, UnknownModelError
from .commitment import apply_commitment
from .dorsal import motion_energy, observers, tracker
from .ventral import cornet_like, cornet_mini, mobilenet_v1, pixels, timm_zoo, torchvision_zoo, vgg16_hed

__all__ = ["MODELS", "UnknownModelError", "architecture_names", "model_names", "register_model", "load_model"]


def _mobilenet_v1() -> Model:
    return mobilenet_v1.build(pretrained=True)


def _mobilenet_v1_untrained() -> Model:
    return mobilenet_v1.build(pretrained=False)


def _vgg16_hed() -> Model:
    return vgg16_hed.build(pretrained=True)


def _vgg16_hed_untrained() -> Model:
    return vgg16_hed.build(pretrained=False)


def _cornet_like() -> Model:
    return cornet_like.build()


def _cornet_like_rt() -> Model:
    return cornet_like.build(times=2)


def _cornet_mini_fashion() -> Model:
    return cornet_mini.build(pretrained=True)


def _cornet_mini_untrained() -> Model:
    return cornet_mini.build(pretrained=False)


def _pixels() -> Model:
    return pixels.build()


def _tracker() -> Model:
    return tracker.build()


def _tracker_control() -> Model:
    return tracker.build_control()


def _kalman_compensating() -> Model:
    return observers.build("kalman_compensating")


def _kalman_uncompensated() -> Model:
    return observers.build("kalman_uncompensated")


def _postdictive() -> Model:
    return observers.build("postdictive")


def _motion_energy() -> Model:
    return motion_energy.build()


MODELS: dict[str, Callable[[], Model]] = {
    "mobilenet_v1": _mobilenet_v1,
    "mobilenet_v1_untrained": _mobilenet_v1_untrained,
    "vgg16_hed": _vgg16_hed,
    "vgg16_hed_untrained": _vgg16_hed_untrained,
    "cornet_like": _cornet_like,
    "cornet_like_rt": _cornet_like_rt,
    "cornet_mini_fashion": _cornet_mini_fashion,
    "cornet_mini_untrained": _cornet_mini_untrained,
    "pixels": _pixels,
    "tracker": _tracker,  # dorsal stream (videos); commits only region "dorsal"
    "tracker_control": _tracker_control,
    # reference observers for the dorsal benchmarks (no fitted parameters; commit "dorsal" and "MT")
    "kalman_compensating": _kalman_compensating,
    "kalman_uncompensated": _kalman_uncompensated,
    "postdictive": _postdictive,
    "motion_energy": _motion_energy,  # Adelson & Bergen (1985) energy + MT pooling; no position readout
}


def architecture_names() -> list[str]:
    """Every architecture name :func:`load_model` accepts besides registered models: torchvision's
    classification architectures and, when timm is installed, ``"timm:<arch>"`` for each of timm's."""
    names = torchvision_zoo.classification_architectures()
    if timm_zoo.available():
        names += [timm_zoo.TIMM_PREFIX + a for a in timm_zoo.architectures()]
    return names


def model_names() -> list[str]:
    """Every registered model name (built-in, registered in this process, and installed plugins)."""
    return sorted(load_entry_points(MODEL_GROUP, MODELS))


def register_model(name: str, constructor: Callable[[], Model], overwrite: bool = False) -> None:
    """Register ``constructor`` (called with no arguments, returns a :class:`Model`) under ``name``, so that
    ``load_model(name)``, ``neurovision.score(name, benchmark)`` and ``neurovision list models`` know it."""
    register(MODELS, "model", name, constructor, overwrite)


def load_model(name: str, weights: str | None = None, *, untrained: bool = False, drop_head: bool = False) -> Model:
    """Build the model ``name``: a registered model, a torchvision classification architecture
    (``resnet18``, ``vgg16``, …) or, with timm installed, a timm architecture ``"timm:<arch>"``.

    For architectures (:mod:`neurovision.models.ventral.torchvision_zoo`, :mod:`~.ventral.timm_zoo`):
    ``weights`` is the state-dict file to load and is required unless ``untrained=True`` asks for the
    seeded random initialisation explicitly (identifier ``<name>@untrained-seed0``); ``drop_head=True``
    drops the classifier-head entries that do not fit the file (e.g. a 10-class ``fc``) and reports them.
    Registered models bring their own weights and take none of these. An unknown name raises
    :class:`UnknownModelError` with the closest registered, torchvision and timm names.
    """
    if name in load_entry_points(MODEL_GROUP, MODELS):
        given = [f for f, v in (("weights", weights is not None), ("untrained", untrained),
                                ("drop_head", drop_head)) if v]
        if given:
            twin = f" (registered: {name + '_untrained'!r})" if untrained and name + "_untrained" in MODELS else ""
            raise ValueError(f"model {name!r} brings its own weights; {', '.join(given)} appl"
                             f"{'ies' if len(given) == 1 else 'y'} to torchvision and timm architectures "
                             f"(e.g. resnet18, timm:resnet10t){twin}")
        model = MODELS[name]()
        if not isinstance(model, Model):
            raise TypeError(f"the constructor registered as model {name!r} returned {type(model).__name__}, "
                            "not a neurovision Model (wrap a torch module with neurovision.from_torch)")
        return apply_commitment(model)
    if name.startswith(timm_zoo.TIMM_PREFIX):
        return timm_zoo.build(name[len(timm_zoo.TIMM_PREFIX):], weights, untrained=untrained, drop_head=drop_head)
    if name in torchvision_zoo.classification_architectures():
        return torchvision_zoo.build(name, weights, untrained=untrained, drop_head=drop_head)
    timm = " or timm:<arch> for a timm architecture," if timm_zoo.available() else ""
    close = did_you_mean(name, [*MODELS, *architecture_names()])
    if timm and name in timm_zoo.architectures():  # a timm name without its prefix
        close = f"; did you mean {timm_zoo.TIMM_PREFIX + name!r}?"
    raise UnknownModelError(
        f"unknown model {name!r}{close or ';'} "
        f"known models: {', '.join(sorted(MODELS))} (or any torchvision classification architecture, e.g. "
        f"resnet18,{timm} with --weights PATH or --untrained)")
