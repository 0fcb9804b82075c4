"""Registry of models: a plain dict of names to constructors (each returns a :class:`~neurovision.models.base.Model`).

Constructors import their module on call, so listing models stays cheap.
"""
from __future__ import annotations

from typing import Callable

from ..errors import UnknownNameError
from .base import Model


class UnknownModelError(UnknownNameError):
    """A model name that is not registered."""


def _mobilenet_v1() -> Model:
    from .ventral.mobilenet_v1 import build
    return build(pretrained=True)


def _mobilenet_v1_untrained() -> Model:
    from .ventral.mobilenet_v1 import build
    return build(pretrained=False)


def _vgg16_hed() -> Model:
    from .ventral.vgg16_hed import build
    return build(pretrained=True)


def _vgg16_hed_untrained() -> Model:
    from .ventral.vgg16_hed import build
    return build(pretrained=False)


def _cornet_like() -> Model:
    from .ventral.cornet_like import build
    return build()


def _cornet_like_rt() -> Model:
    from .ventral.cornet_like import build
    return build(times=2)


def _cornet_mini_fashion() -> Model:
    from .ventral.cornet_mini import build
    return build(pretrained=True)


def _cornet_mini_untrained() -> Model:
    from .ventral.cornet_mini import build
    return build(pretrained=False)


def _pixels() -> Model:
    from .ventral.pixels import build
    return build()


def _tracker() -> Model:
    from .dorsal.tracker import build
    return build()


def _tracker_control() -> Model:
    from .dorsal.tracker import build_control
    return build_control()


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
    "tracker": _tracker,  # dorsal stream (videos); commits only region "dorsal" (no commitment JSON)
    "tracker_control": _tracker_control,
}


def load_model(name: str, weights: str | None = None) -> Model:
    """Build the registered model ``name``.

    ``weights``: a state-dict file for a torchvision architecture given by name (``resnet18``, …);
    names that are not registered are looked up among torchvision's classification models.
    """
    if name in MODELS:
        if weights is not None:
            raise ValueError(f"model {name!r} brings its own weights; --weights applies to torchvision "
                             "architectures (e.g. resnet18)")
        from .commitment import apply_commitment
        return apply_commitment(MODELS[name]())
    from .ventral.torchvision_zoo import classification_architectures, build
    if name in classification_architectures():
        return build(name, weights)
    raise UnknownModelError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))} "
                            "(or any torchvision classification architecture, e.g. resnet18, with --weights PATH)")
