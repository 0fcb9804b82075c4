"""Stimuli: image stimulus sets (``images.py``), video stimulus sets (``videos.py``) and motion videos (``motion/``)."""
from .images import stimuli_hash, stimulus_set

__all__ = ["stimulus_set", "stimuli_hash"]
