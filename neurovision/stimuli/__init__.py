"""Stimuli: image stimulus sets (``images.py``) and motion videos (``motion.py``)."""
from .images import stimulus_set, stimuli_hash

__all__ = ["stimulus_set", "stimuli_hash"]
