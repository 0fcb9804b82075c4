"""Checkpoint files shared by the trainers: a torch pickle written atomically, with a JSON record beside it.

* :func:`save_atomic` — ``torch.save`` to a temporary file in the target folder, then a rename: a reader never
  sees a half-written file.
* :func:`save_verified` / :func:`load_verified` — the file plus ``<name>.json`` holding its sha256 (and any
  record the caller adds); loading checks the bytes against that hash, so a corrupt file, or one whose write was
  interrupted before its record, is refused (:class:`CheckpointError`) rather than loaded.

The ventral trainer (:mod:`neurovision.training.ventral`) writes and reads every checkpoint and its final
``model.pt`` this way; the tracker trainer (:mod:`neurovision.training.tracker`) writes its resumable state and
its final checkpoint with :func:`save_atomic` (the final one with a JSON of its own that records the sha256).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .cache import atomic_path, file_sha256, write_json_atomic
from .errors import NeurovisionError

__all__ = ["CheckpointError", "save_atomic", "save_verified", "load_verified"]


class CheckpointError(NeurovisionError, RuntimeError):
    """A checkpoint that fails its sha256 check, lacks its hash record, or does not fit the run."""


def save_atomic(obj, path: Path) -> None:
    """``torch.save(obj)`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def save_verified(obj: dict, path: Path, record: dict) -> str:
    """``torch.save(obj)`` atomically to ``path``, then its sha256 (plus ``record``) to ``path`` + ``.json``;
    returns the sha256."""
    save_atomic(obj, path)
    sha = file_sha256(path)
    write_json_atomic(path.with_suffix(".json"), {**record, "file": path.name, "sha256": sha})
    return sha


def load_verified(path: str | Path) -> dict:
    """Load a file written by :func:`save_verified` after checking its sha256 against the JSON beside it.

    Raises :class:`CheckpointError` if the file or its JSON is missing or the bytes do not hash to the recorded
    value.
    """
    path = Path(path)
    record_path = path.with_suffix(".json")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if not record_path.is_file():
        raise CheckpointError(f"checkpoint {path} has no hash record {record_path.name} beside it; "
                              "it was not written completely or not by neurovision")
    expected = json.loads(record_path.read_text()).get("sha256")
    actual = file_sha256(path)
    if actual != expected:
        raise CheckpointError(f"checkpoint {path} is corrupt: sha256 {actual} does not match {expected} recorded in "
                              f"{record_path.name}; delete it (and its .json) to fall back to an older checkpoint")
    return torch.load(path, map_location="cpu", weights_only=True)
