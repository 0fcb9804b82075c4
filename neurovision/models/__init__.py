"""Models: CNN building blocks, one file per model, and the registry of names to constructors."""
from .base import Model, UnknownLayerError
from .registry import MODELS, UnknownModelError, load_model

__all__ = ["Model", "UnknownLayerError", "MODELS", "UnknownModelError", "load_model"]
