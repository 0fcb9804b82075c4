"""Region commitments: which layer of a model stands for V1, V2, V4 and IT, and how that was decided.

Each registered model's commitment lives in a JSON file beside the models,
``neurovision/models/commitments/<identifier>.json``, the one place its region → layer map is written::

    {"model": ..., "region_layer_map": {"V1": ..., "V2": ..., "V4": ..., "IT": ...},
     "visual_degrees": 8.0, "procedure": "...", "train_stimulus_ids": [...], "layer_scores": {...}}

(the dorsal tracker commits one region, ``{"dorsal": "core_output"}``). A model's constructor takes its
a-priori map from the JSON (:func:`a_priori_map`); :func:`neurovision.models.registry.load_model` applies
the commitment in force (:func:`apply_commitment`). Two procedures:

* **a priori** (the shipped default): layers by relative depth, fixed before looking at any neural
  data — no leakage into any benchmark.
* **data-driven** (:func:`select_commitment`, ``neurovision commit MODEL``): per region, the layer with
  the highest RSA score on *training stimuli only*:

  - V1 — Cichy et al. 2014 fMRI EVC RDMs, training half of the 92 images;
  - IT — mean of Kriegeskorte et al. 2008 human IT and Cichy et al. 2014 fMRI IT, same training half;
  - V4 — Cowley et al. 2023 V4 population RDMs of the sessions whose role is ``train``;
  - V2 — no V2 data are available: the layer halfway (by index) between the V1 and V4 choices.

  The training ids are stored in the JSON; benchmarks then score only the *other* stimuli
  (:meth:`neurovision.benchmarks.base.RSABenchmark.score_layers` drops ids listed there), so the
  selection never leaks into a score. Likewise the Cowley V4 benchmarks skip the ``train_sessions``
  (both are kept on the model as :attr:`Model.chosen_on`).
  The a-priori map it replaces is kept in the record as ``a_priori_region_layer_map``, so
  ``neurovision commit MODEL --a-priori`` can restore it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

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


def _best(scores: dict[str, float]) -> str:
    return max(scores, key=lambda layer: (scores[layer], -list(scores).index(layer)))


def select_commitment(model: Model, split_seed: int = 0, progress: bool = True,
                      v4_sessions: list[str] | None = None) -> dict:
    """Choose each region's layer from data using only training stimuli (see module docstring).

    ``v4_sessions``: a subset of the Cowley ``train`` sessions (default: all of them).
    """
    from ..benchmarks.base import data_rdm_from_xarray, model_rdms, split_halves
    from ..benchmarks.registry import load_benchmark
    from ..data import cichy2014, cowley2023
    from ..rsa import compare, rdm

    layers = list(model.layers)
    stimuli = cichy2014.load_stimuli()
    train, _ = split_halves(stimuli.assign_coords(category=("presentation", _k08_categories())), split_seed)
    record: dict = {"model": model.identifier, "visual_degrees": model.visual_degrees, "layer_scores": {}}

    def rsa_profile(benchmark: str) -> dict[str, float]:
        bench = load_benchmark(benchmark)
        models = model_rdms(model, bench.load_stimuli(), layers, progress=progress).subset(train)
        data = data_rdm_from_xarray(bench.load_data()).subset(train)
        return dict(zip(layers, np.atleast_2d(compare(models, data)).mean(axis=1).tolist()))

    evc = rsa_profile("cichy2014.fmri_evc")
    it = {layer: (a + b) / 2 for (layer, a), b in zip(rsa_profile("kriegeskorte2008.it_human").items(),
                                                       rsa_profile("cichy2014.fmri_it").values())}
    v4: dict[str, list[float]] = {layer: [] for layer in layers}
    train_sessions = [s for s, info in cowley2023.SESSIONS.items() if _role(info) == "train"]
    if v4_sessions is not None:
        not_train = sorted(set(v4_sessions) - set(train_sessions))
        if not_train:
            raise ValueError(f"V4 commitment must use training sessions only; not training: {not_train} "
                             f"(training sessions: {train_sessions})")
        train_sessions = list(v4_sessions)
    for session in train_sessions:
        sess = cowley2023.load_session(session)
        neural = rdm(sess.responses, method="correlation")
        models = model_rdms(model, sess.stimuli, layers, progress=progress)
        for layer, value in zip(layers, np.ravel(compare(models, neural))):
            v4[layer].append(float(value))
    v4_mean = {layer: float(np.mean(v)) for layer, v in v4.items()}
    chosen = {"V1": _best(evc), "V4": _best(v4_mean), "IT": _best(it)}
    i1, i4 = layers.index(chosen["V1"]), layers.index(chosen["V4"])
    chosen["V2"] = layers[(i1 + i4) // 2]
    record["region_layer_map"] = {r: chosen[r] for r in REGIONS}
    record["layer_scores"] = {"V1 (cichy2014 EVC, train half)": evc, "IT (k08 hIT + cichy IT, train half)": it,
                              "V4 (cowley2023 train sessions)": v4_mean}
    record["procedure"] = ("data-driven: per region, the layer with the highest Spearman RSA on training stimuli "
                           f"only (92-image split seed {split_seed}; Cowley train sessions {train_sessions}); "
                           "V2 halfway between the V1 and V4 layers")
    record["train_stimulus_ids"] = sorted(train.tolist())
    record["train_sessions"] = list(train_sessions)
    try:
        record[A_PRIORI_KEY] = a_priori_map(model.identifier)
    except ValueError:  # a model without a stored commitment: its map as built
        record[A_PRIORI_KEY] = dict(model.region_layer_map)
    return record


def _role(info) -> str:
    if isinstance(info, str):
        return info
    return info.get("role") if isinstance(info, dict) else getattr(info, "role", "")


def _k08_categories() -> np.ndarray:
    from ..data import kriegeskorte2008 as k08
    return k08.load_stimuli()["category"].values


def write_commitment(record: dict, folder: Path | None = None) -> Path:
    return write_json_atomic(commitment_path(record["model"], folder), record)
