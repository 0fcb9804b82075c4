"""Stimuli: image stimulus sets (``images.py``) and motion videos (``motion.py``)."""
from .images import stimuli_hash, stimulus_set

__all__ = ["stimulus_set", "stimuli_hash"]
