"""Data-driven region commitments: per region, the layer that best matches neural data on *training* stimuli.

:func:`select_commitment` (``neurovision commit MODEL``) scores every layer of a model with Spearman RSA and
picks, per region, the layer with the highest score:

* V1 — Cichy et al. 2014 fMRI EVC RDMs, training half of the 92 images;
* IT — mean of Kriegeskorte et al. 2008 human IT and Cichy et al. 2014 fMRI IT, same training half;
* V4 — Cowley et al. 2023 V4 population RDMs of the sessions whose role is ``train``;
* V2 — no V2 data are available: the layer halfway (by index) between the V1 and V4 choices.

Ties go to the earlier layer. The training half is :func:`neurovision.benchmarks.base.split_halves` of the 92
images, stratified by the Kriegeskorte 2008 category, with ``split_seed``. The record it returns lists the
training ids (``train_stimulus_ids``) and sessions (``train_sessions``), the per-layer scores, the procedure
and the a-priori map it replaces (``a_priori_region_layer_map``); stored with
:func:`neurovision.models.commitment.write_commitment` and applied by
:func:`neurovision.models.commitment.apply_commitment`, it makes the benchmarks score only the *other* stimuli
(:meth:`neurovision.benchmarks.base.RSABenchmark.score_layers` drops the ids listed there) and the Cowley V4
benchmarks skip the training sessions, so the selection never leaks into a score.
"""
from __future__ import annotations

import numpy as np

from ..benchmarks.base import data_rdm_from_xarray, model_rdms, split_halves
from ..benchmarks.registry import load_benchmark
from ..data import cichy2014, cowley2023
from ..data import kriegeskorte2008 as k08
from ..models.base import Model
from ..models.commitment import A_PRIORI_KEY, REGIONS, a_priori_map
from ..rsa import compare, rdm

__all__ = ["select_commitment"]


def _best(scores: dict[str, float]) -> str:
    return max(scores, key=lambda layer: (scores[layer], -list(scores).index(layer)))


def select_commitment(model: Model, split_seed: int = 0, progress: bool = True,
                      v4_sessions: list[str] | None = None) -> dict:
    """Choose each region's layer from data using only training stimuli (see the module docstring); returns the
    commitment record (:func:`neurovision.models.commitment.write_commitment` stores it).

    ``v4_sessions``: a subset of the Cowley ``train`` sessions (default: all of them).
    """
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
    return k08.load_stimuli()["category"].values
