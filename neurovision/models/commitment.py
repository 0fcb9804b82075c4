"""Region commitments: which layer of a model stands for V1, V2, V4 and IT — stored, read and applied.

Each registered model's commitment lives in a JSON file beside the models,
``neurovision/models/commitments/<identifier>.json``, the one place its region → layer map is written::

    {"model": ..., "region_layer_map": {"V1": ..., "V2": ..., "V4": ..., "IT": ...},
     "visual_degrees": 8.0, "procedure": "...", "train_stimulus_ids": [...], "layer_scores": {...}}

(the dorsal tracker commits one region, ``{"dorsal": "core_output"}``). A model's constructor takes its
a-priori map from the JSON (:func:`a_priori_map`); :func:`neurovision.models.registry.load_model` applies
the commitment in force (:func:`apply_commitment`). Two procedures write these records:

* **a priori** (the shipped default, :func:`a_priori`): layers by relative depth, fixed before looking at any
  neural data — no leakage into any benchmark.
* **data-driven** (:func:`neurovision.analysis.commitment_selection.select_commitment`,
  ``neurovision commit MODEL``): per region, the layer with the highest RSA score on *training stimuli only*.
  The record lists those stimuli (``train_stimulus_ids``) and sessions (``train_sessions``);
  :func:`apply_commitment` keeps both on the model as :attr:`Model.chosen_on`, and benchmarks score only the
  *other* stimuli and sessions, so the selection never leaks into a score. The a-priori map it replaces is
  kept in the record as ``a_priori_region_layer_map``, so ``neurovision commit MODEL --a-priori`` can restore
  it.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..cache import write_json_atomic
from .base import Model

COMMITMENT_DIR = Path(__file__).resolve().parent / "commitments"
REGIONS = ("V1", "V2", "V4", "IT")
A_PRIORI_PROCEDURE = "a priori: layers by relative depth, chosen without looking at neural data"
#: Key under which a data-driven record keeps the a-priori map it replaced.
A_PRIORI_KEY = "a_priori_region_layer_map"


def commitment_path(identifier: str, folder: Path | None = None) -> Path:
    return Path(folder or COMMITMENT_DIR) / f"{identifier}.json"


def load_commitment(identifier: str, folder: Path | None = None) -> dict | None:
    """The stored commitment of ``identifier`` (None when no JSON exists)."""
    path = commitment_path(identifier, folder)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"commitment file {path} is not valid JSON: {err}") from err
    if not isinstance(data.get("region_layer_map"), dict):
        raise ValueError(f"commitment file {path} has no 'region_layer_map' object")
    return data


def apply_commitment(model: Model, folder: Path | None = None) -> Model:
    """Set ``model.region_layer_map`` / ``visual_degrees`` from its JSON (checking the layers exist)."""
    data = load_commitment(model.identifier, folder)
    if data is None:
        return model
    model.check_layers(list(data["region_layer_map"].values()))
    model.region_layer_map = dict(data["region_layer_map"])
    model.visual_degrees = float(data.get("visual_degrees", model.visual_degrees))
    model.chosen_on = {kind: frozenset(data.get(key, ())) for kind, key in
                       (("stimulus_id", "train_stimulus_ids"), ("session", "train_sessions")) if data.get(key)}
    return model


def a_priori_map(identifier: str, folder: Path | None = None) -> dict[str, str]:
    """The a-priori region → layer map of model ``identifier``, from its commitment JSON.

    That is the JSON's ``region_layer_map`` when its procedure is a priori, else the map a data-driven
    record keeps under ``a_priori_region_layer_map``. Raises ValueError (naming the file) when there is no
    JSON or it holds no a-priori map.
    """
    data = load_commitment(identifier, folder)
    path = commitment_path(identifier, folder)
    if data is None:
        raise ValueError(f"model {identifier!r} has no commitment file {path}")
    if isinstance(data.get(A_PRIORI_KEY), dict):
        return dict(data[A_PRIORI_KEY])
    if str(data.get("procedure", "")).startswith("a priori"):
        return dict(data["region_layer_map"])
    raise ValueError(f"commitment file {path} holds neither an a-priori map nor {A_PRIORI_KEY!r}")


def a_priori(model: Model) -> dict:
    """The model's a-priori (depth-based) map as built by its constructor, as a commitment record."""
    return {"model": model.identifier, "region_layer_map": dict(model.region_layer_map),
            "visual_degrees": model.visual_degrees, "procedure": A_PRIORI_PROCEDURE, "train_stimulus_ids": []}


def write_commitment(record: dict, folder: Path | None = None) -> Path:
    return write_json_atomic(commitment_path(record["model"], folder), record)
