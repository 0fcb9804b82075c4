"""Benchmarks: stimuli + data + metric + ceiling, called as ``benchmark(model) -> Score``.

:class:`RSABenchmark` is the subject-level RSA benchmark (Kriegeskorte et al. 2008; Nili et al. 2014):

1. the model's activations to the benchmark's stimuli at a layer → a correlation-distance RDM;
2. the comparison (Spearman ρ by default) of that RDM with each subject's RDM, averaged over subjects
   (subject RDM = mean over that subject's sessions) — the ``raw`` score;
3. the Nili et al. noise ceiling from the subjects' RDMs (needs ≥ 2 subjects);
4. a percentile bootstrap over stimuli (pairs of a resampled stimulus with its own copy excluded),
   recomputing raw score and ceiling on every resample → CI of raw and of ceiled.

Model RDMs are cached in ``<cache>/results/rdm`` keyed by model, weights hash, stimuli hash, layer
and RDM method; whole results in ``<cache>/results/scores`` keyed additionally by benchmark, version,
data hashes, layer set, number of resamples and seed — so re-scoring is seconds, and any change to
what determines a result gives a new key.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import xarray as xr

from .. import __version__
from ..activations import extract_layers, layer_groups, layer_sizes
from ..cache import atomic_path, cache_dir, content_key
from ..models.base import Model
from ..rsa import RDM, bootstrap_stimuli, compare, noise_ceiling, rdm
from ..scores import Score, load_scores, scores_to_json
from ..stimuli.images import stimuli_hash


def data_rdm_from_xarray(da: xr.DataArray) -> RDM:
    """Subject RDMs from ``(subject[, session], stimulus_id, stimulus_id_2)``; sessions are averaged."""
    if "session" in da.dims:
        da = da.mean("session", keep_attrs=True)
    ids = da["stimulus_id"].values.astype(str)
    values = da.values
    if values.ndim == 2:
        return RDM(values, ids)
    if values.ndim != 3 or da.dims[0] != "subject":
        raise ValueError(f"data RDMs must be (subject[, session], stimulus_id, stimulus_id_2); got dims {da.dims}")
    return RDM(values, ids, descriptors={"subject": [str(s) for s in da["subject"].values]})


def model_rdms(model: Model, stimuli: xr.DataArray, layers: list[str], method: str = "correlation",
               progress: bool = True, max_bytes: float = 768e6) -> RDM:
    """One RDM per layer (stacked, descriptor ``layer``), computed once and cached by content.

    Memory stays bounded when many layers are requested: layers are extracted in groups whose
    activations fit ``max_bytes`` (one pass over the stimuli per group), each group's RDMs are computed
    and its activations freed before the next group runs.
    """
    stim_key = stimuli_hash(stimuli)
    folder = cache_dir("results") / "rdm"
    keys = {layer: content_key("model_rdm", __version__, model.identifier, model.weights_hash, stim_key, layer, method)
            for layer in layers}
    mats: dict[str, np.ndarray] = {}
    for layer, key in keys.items():
        path = folder / f"{key}.npy"
        if path.is_file():
            mats[layer] = np.load(path)
    missing = [layer for layer in layers if layer not in mats]
    if missing:
        sizes = layer_sizes(model, stimuli, missing) if len(missing) > 1 else {missing[0]: 0}
        for group in layer_groups(sizes, stimuli.sizes["presentation"], max_bytes):
            acts = extract_layers(model, stimuli, group, progress=progress)
            for layer in group:
                mats[layer] = np.asarray(rdm(acts.pop(layer), method=method).matrix, dtype=np.float64)
                with atomic_path(folder / f"{keys[layer]}.npy") as tmp:
                    with open(tmp, "wb") as f:
                        np.save(f, mats[layer])
    ids = stimuli["stimulus_id"].values.astype(str)
    return RDM(np.stack([mats[layer] for layer in layers]), ids, descriptors={"layer": list(layers)})


def cached_scores(key: str, compute: Callable[[], list[Score]]) -> list[Score]:
    """The scores stored under ``key`` in ``<cache>/results/scores``, or ``compute()`` written there
    atomically (a killed run never leaves a half-written entry). Either way the scores returned are the ones
    read back from the file (values rounded to 12 significant digits by :func:`scores_to_json`), so a first
    (cold) and a later (warm) run give byte-identical outputs."""
    path = cache_dir("results") / "scores" / f"{key}.json"
    if not path.is_file():
        scores_to_json(compute(), path)
    return load_scores(path)


class LayerBenchmark:
    """What every ventral benchmark shares: ``bench(model, layer=None)`` scores one layer — by default the
    layer the model commits to the benchmark's ``region`` — through the subclass's ``score_layers``."""

    region: str

    def __call__(self, model: Model, layer: str | None = None, n_boot: int = 1000, seed: int = 0,
                 progress: bool = True) -> Score:
        """Score ``model`` at ``layer`` (default: the model's committed layer for this region)."""
        layer = layer or model.layer_for(self.region)
        return self.score_layers(model, [layer], n_boot=n_boot, seed=seed, progress=progress)[0]


@dataclass
class RSABenchmark(LayerBenchmark):
    """A subject-level RSA benchmark (see module docstring)."""

    identifier: str
    region: str
    load_stimuli: Callable[[], xr.DataArray]
    load_data: Callable[[], xr.DataArray]
    citation: str
    description: str = ""
    version: int = 1
    comparison: str = "spearman"
    rdm_method: str = "correlation"
    data_files: dict = field(default_factory=dict)  # relative path -> sha256, for provenance

    def data_rdms(self) -> RDM:
        return data_rdm_from_xarray(self.load_data())

    def score_selected(self, model: Model, layers: Iterable[str] | None = None, n_boot: int = 1000,
                       seed: int = 0, split_seed: int = 0, progress: bool = True) -> Score:
        """Best layer chosen on one half of the stimuli, scored on the other (see :func:`score_selected`)."""
        return score_selected(self, model, layers, n_boot=n_boot, seed=seed, split_seed=split_seed,
                              progress=progress)

    def score_layers(self, model: Model, layers: Iterable[str] | None = None, n_boot: int = 1000,
                     seed: int = 0, progress: bool = True) -> list[Score]:
        """One :class:`Score` per layer (default: every layer of the model) — the layer profile."""
        layers = model.check_layers(list(layers) if layers is not None else list(model.layers))
        stimuli = held_out(self.load_stimuli(), model)
        key = content_key("scores", __version__, self.identifier, self.version, self.comparison, self.rdm_method,
                          self.data_files, model.identifier, model.weights_hash, stimuli_hash(stimuli), layers,
                          n_boot, seed)
        return cached_scores(key, lambda: self._score(model, stimuli, layers, n_boot, seed, progress))

    def _score(self, model: Model, stimuli: xr.DataArray, layers: list[str], n_boot: int, seed: int,
               progress: bool) -> list[Score]:
        data = self.data_rdms()
        models = model_rdms(model, stimuli, layers, self.rdm_method, progress=progress)
        data = data.subset(models.stimulus_id)
        has_ceiling = data.n_rdms > 1
        boot = bootstrap_stimuli(models, data, method=self.comparison, n_boot=n_boot, seed=seed,
                                 ceiling=has_ceiling)
        low, high = boot.ci(0.95)
        provenance = {
            "neurovision": __version__, "model": model.identifier, "weights_sha256": model.weights_hash,
            "stimuli_sha256": stimuli_hash(stimuli), "data_sha256": dict(self.data_files),
            "benchmark_version": self.version, "rdm_method": self.rdm_method,
            "n_subjects": int(data.n_rdms), "n_stimuli": int(data.n_conditions),
        }
        scores = []
        if has_ceiling:
            c_low, c_up = noise_ceiling(data, method=self.comparison)
            ceiled_low, ceiled_high = np.percentile(boot.ceiled_samples(), [2.5, 97.5], axis=0)
        for i, layer in enumerate(layers):
            raw = float(boot.point[i])
            kwargs = {}
            if has_ceiling:
                kwargs = dict(ceiling_lower=float(c_low), ceiling_upper=float(c_up), ceiled=raw / float(c_up),
                              ceiled_ci_low=float(ceiled_low[i]), ceiled_ci_high=float(ceiled_high[i]))
            notes = "" if has_ceiling else (
                "no noise ceiling: the data are a single RDM, so between-subject reliability cannot be estimated; "
                "raw score only")
            if model.train_stimulus_ids:
                notes = (notes + "; " if notes else "") + (
                    f"scored on the {data.n_conditions} stimuli not used to choose the model's commitment")
            scores.append(Score(raw=raw, ci_low=float(low[i]), ci_high=float(high[i]), model=model.identifier,
                                layer=layer, benchmark=self.identifier, metric=f"{self.comparison} (RDM: {self.rdm_method})",
                                n_boot=n_boot, seed=seed, notes=notes, provenance=provenance, **kwargs))
        return scores


def held_out(stimuli: xr.DataArray, model: Model) -> xr.DataArray:
    """``stimuli`` without those the model's commitment was chosen on (no selection leaks into a score)."""
    if not model.train_stimulus_ids:
        return stimuli
    keep = ~np.isin(stimuli["stimulus_id"].values.astype(str), list(model.train_stimulus_ids))
    if keep.sum() < 3:
        raise ValueError(f"fewer than 3 stimuli remain after removing the {len(model.train_stimulus_ids)} "
                         f"stimuli {model.identifier!r}'s commitment was chosen on")
    return stimuli.isel(presentation=np.flatnonzero(keep))


def split_halves(stimuli: xr.DataArray, seed: int = 0, stratify: str | None = "category") -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint halves of the stimulus ids, stratified by ``stratify`` when that coordinate exists."""
    rng = np.random.default_rng(seed)
    ids = stimuli["stimulus_id"].values.astype(str)
    groups = stimuli[stratify].values if stratify and stratify in stimuli.coords else np.zeros(len(ids))
    a, b = [], []
    for g in dict.fromkeys(groups.tolist()):
        members = rng.permutation(ids[groups == g])
        half = len(members) // 2 + (len(a) <= len(b)) * (len(members) % 2)
        a.extend(members[:half])
        b.extend(members[half:])
    return np.array(sorted(a)), np.array(sorted(b))


def score_selected(bench: "RSABenchmark", model: Model, layers: Iterable[str] | None = None, n_boot: int = 1000,
                   seed: int = 0, split_seed: int = 0, progress: bool = True) -> Score:
    """Layer selection without leakage: choose the best layer on one half of the stimuli, score it on the
    other half, and the reverse; the score is the mean of the two held-out scores.

    The bootstrap resamples the held-out stimuli of each half (the two halves' samples are averaged), and
    the noise ceiling is computed on each held-out half. ``layer`` reads ``"A:<layer>|B:<layer>"``: the
    layer chosen on half A (scored on B), and on half B (scored on A).
    """
    layers = model.check_layers(list(layers) if layers is not None else list(model.layers))
    stimuli = bench.load_stimuli()
    models = model_rdms(model, stimuli, layers, bench.rdm_method, progress=progress)
    data = bench.data_rdms().subset(models.stimulus_id)
    half_a, half_b = split_halves(stimuli, split_seed)
    chosen, boots, ceilings = [], [], []
    for train, test in ((half_a, half_b), (half_b, half_a)):
        train_scores = np.asarray(compare(models.subset(train), data.subset(train), method=bench.comparison))
        best = int(np.argmax(np.atleast_2d(train_scores).mean(axis=1)))
        chosen.append(layers[best])
        has_ceiling = data.n_rdms > 1
        boots.append(bootstrap_stimuli(models[best].subset(test), data.subset(test), method=bench.comparison,
                                       n_boot=n_boot, seed=seed, ceiling=has_ceiling))
        if has_ceiling:
            ceilings.append(noise_ceiling(data.subset(test), method=bench.comparison))
    raw = float(np.mean([b.point[0] for b in boots]))
    samples = np.mean([b.samples[:, 0] for b in boots], axis=0)
    low, high = np.nanpercentile(samples, [2.5, 97.5])
    kwargs = {}
    if ceilings:
        c_low, c_up = np.mean(ceilings, axis=0)
        ceiled = np.mean([b.ceiled_samples()[:, 0] for b in boots], axis=0)
        kwargs = dict(ceiling_lower=float(c_low), ceiling_upper=float(c_up), ceiled=raw / float(c_up),
                      ceiled_ci_low=float(np.nanpercentile(ceiled, 2.5)),
                      ceiled_ci_high=float(np.nanpercentile(ceiled, 97.5)))
    return Score(raw=raw, ci_low=float(low), ci_high=float(high), model=model.identifier,
                 layer=f"A:{chosen[0]}|B:{chosen[1]}", benchmark=bench.identifier,
                 metric=f"{bench.comparison} (RDM: {bench.rdm_method}); layer chosen on the other half",
                 n_boot=n_boot, seed=seed, notes=f"split-half layer selection (split seed {split_seed})",
                 provenance={"neurovision": __version__, "model": model.identifier,
                             "weights_sha256": model.weights_hash, "stimuli_sha256": stimuli_hash(stimuli),
                             "data_sha256": dict(bench.data_files), "half_a": half_a.tolist(),
                             "half_b": half_b.tolist()}, **kwargs)
