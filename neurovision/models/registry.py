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
    from .mobilenet_v1 import build
    return build(pretrained=True)


def _mobilenet_v1_untrained() -> Model:
    from .mobilenet_v1 import build
    return build(pretrained=False)


def _pixels() -> Model:
    from .pixels import build
    return build()


MODELS: dict[str, Callable[[], Model]] = {
    "mobilenet_v1": _mobilenet_v1,
    "mobilenet_v1_untrained": _mobilenet_v1_untrained,
    "pixels": _pixels,
}


def load_model(name: str) -> Model:
    """Build the registered model ``name``."""
    try:
        constructor = MODELS[name]
    except KeyError:
        raise UnknownModelError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}") from None
    return constructor()
