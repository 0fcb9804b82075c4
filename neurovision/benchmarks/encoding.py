"""Encoding benchmarks from your own data: cross-validated linear predictivity of measured responses from a model
layer, with a split-half Spearman–Brown ceiling (the Brain-Score neural-predictivity recipe; Yamins et al. 2014,
Schrimpf et al. 2018).

For each neuroid (unit, voxel, channel), a model layer's activations to the stimuli predict its responses
(averaged over repetitions) by K-fold cross-validated kernel ridge regression (:func:`neurovision.encoding.
ridge_predictivity`, penalty chosen per fold and neuroid) or PLS (:func:`~neurovision.encoding.pls_predictivity`);
the neuroid's score is the Pearson r of held-out predictions with responses within each fold, averaged over folds.
``raw`` = the median over neuroids. Ceiling: each neuroid's odd/even split-half reliability
(:func:`neurovision.rsa.reliability.odd_even_repeats`, Pearson r across stimuli), Spearman–Brown corrected to the
full number of repetitions; ``ceiling`` = its median over neuroids, ``ceiled = raw / ceiling``. The CI is a
percentile bootstrap over stimuli (predictions fixed) and neuroids, the ceiling recomputed on every resample.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import xarray as xr

from .. import __version__
from ..activations import extract_layers, layer_groups, layer_sizes
from ..cache import content_key
from ..encoding import (
    DEFAULT_PLS_COMPONENTS,
    fold_pearson,
    pls_predictivity,
    resample_counts,
    ridge_predictivity,
    weighted_pearson,
)
from ..models.base import Model
from ..rsa.reliability import odd_even_repeats, spearman_brown
from ..scores import Score, make_score
from ..stimuli.images import stimuli_hash
from .base import Benchmark, cached_scores, check_ids_in, held_out, provenance

#: activations held in memory at once while scoring several layers (bytes)
MEMORY_BUDGET_BYTES = 768e6


@dataclass
class EncodingBenchmark(Benchmark):
    """Neural predictivity of ``presentation × neuroid × repetition`` responses (see the module docstring)."""

    identifier: str
    region: str
    load_stimuli: Callable[[], xr.DataArray]
    load_responses: Callable[[], xr.DataArray]
    citation: str = ""
    description: str = ""
    version: int = 1
    method: str = "ridge"
    n_splits: int = 5
    cv_seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in ("ridge", "pls"):
            raise ValueError(f"method must be 'ridge' or 'pls'; got {self.method!r}")

    @classmethod
    def from_responses(cls, identifier: str, stimuli: xr.DataArray, responses: xr.DataArray, region: str, *,
                       method: str = "ridge", n_splits: int = 5, citation: str = "", description: str = "",
                       version: int = 1) -> "EncodingBenchmark":
        """A benchmark from ``responses``: xarray ``presentation × neuroid × repetition`` (dims by name; NaN marks a
        missing repetition) with a ``stimulus_id`` coordinate on ``presentation``; at least 2 repetitions (the
        ceiling needs them). Every stimulus id must be in ``stimuli``."""
        if not isinstance(responses, xr.DataArray):
            raise TypeError(f"responses must be an xarray.DataArray; got {type(responses).__name__}")
        if set(responses.dims) != {"presentation", "neuroid", "repetition"}:
            raise ValueError(f"responses must have dims presentation × neuroid × repetition; got {responses.dims}")
        if "stimulus_id" not in responses.coords or responses["stimulus_id"].dims != ("presentation",):
            raise ValueError("responses need a 'stimulus_id' coordinate on 'presentation'")
        if responses.sizes["repetition"] < 2:
            raise ValueError("an encoding benchmark needs >= 2 repetitions per stimulus for its split-half ceiling")
        responses = responses.transpose("presentation", "neuroid", "repetition")
        check_ids_in(responses["stimulus_id"].values.astype(str), stimuli, "the responses")
        return cls(identifier=identifier, region=region, load_stimuli=lambda: stimuli,
                   load_responses=lambda: responses, citation=citation, description=description, version=version,
                   method=method, n_splits=n_splits)

    def _data(self, stimuli: xr.DataArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean responses ``(n, m)`` and the odd/even half means, in the order of ``stimuli``."""
        da = self.load_responses()
        index = {sid: i for i, sid in enumerate(da["stimulus_id"].values.astype(str))}
        ids = stimuli["stimulus_id"].values.astype(str)
        missing = [i for i in ids if i not in index]
        if missing:
            raise ValueError(f"benchmark {self.identifier!r} has no responses to {len(missing)} of the stimuli: "
                             f"{missing[:10]}")
        reps = da.values[[index[i] for i in ids]].astype(np.float64)
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(reps, axis=2)
        if not np.isfinite(mean).all():
            raise ValueError(f"benchmark {self.identifier!r}: some stimulus × neuroid has no finite response")
        half_a, half_b = odd_even_repeats(reps)
        return mean, half_a, half_b

    def ceiling(self) -> tuple[float, float]:
        """The median over neuroids of the Spearman–Brown corrected odd/even split-half reliability (both bounds)."""
        _, a, b = self._data(self.load_stimuli())
        value = float(np.nanmedian(spearman_brown(weighted_pearson(np.ones((1, a.shape[0])), a, b)[0])))
        return value, value

    def responses_hash(self) -> str:
        """sha256 over the responses' values and their own stimulus ids (which stimulus each row belongs to)."""
        da = self.load_responses()
        h = hashlib.sha256(np.ascontiguousarray(da.values, dtype=np.float64).tobytes())
        h.update("\x00".join(da["stimulus_id"].values.astype(str)).encode())
        return h.hexdigest()

    def content_key(self) -> str:
        """:meth:`Benchmark.content_key` plus the responses (:meth:`responses_hash`) and the stimuli."""
        return content_key(super().content_key(), stimuli_hash(self.load_stimuli()), self.responses_hash())

    @property
    def metric(self) -> str:
        how = "ridge" if self.method == "ridge" else f"PLS ({DEFAULT_PLS_COMPONENTS} components)"
        return f"pearson r (held-out stimuli, {self.n_splits}-fold CV {how}); median over neuroids"

    def _score_layers(self, model: Model, layers: list[str] | None, *, n_boot: int, seed: int,
                      progress: bool) -> list[Score]:
        layers = model.check_layers(list(layers) if layers is not None else list(model.layers))
        stimuli = held_out(self.load_stimuli(), model)
        y, half_a, half_b = self._data(stimuli)
        key = content_key("scores", __version__, "encoding", self.identifier, self.version, self.method,
                          self.n_splits, self.cv_seed, self.responses_hash(), model.identifier,
                          model.fingerprint(layers),
                          stimuli_hash(stimuli), layers, n_boot, seed)
        return cached_scores(key, lambda: self._score(model, stimuli, y, half_a, half_b, layers, n_boot, seed,
                                                      progress))

    def _score(self, model, stimuli, y, half_a, half_b, layers, n_boot, seed, progress) -> list[Score]:
        n, m = y.shape
        rng = np.random.default_rng(seed)
        w = resample_counts(rng, n, n_boot)
        units = rng.integers(m, size=(n_boot, m))
        split_r = weighted_pearson(np.ones((1, n)), half_a, half_b)[0]
        ceiling = float(np.nanmedian(spearman_brown(split_r)))
        ceiling_boot = np.nanmedian(spearman_brown(np.take_along_axis(weighted_pearson(w, half_a, half_b), units,
                                                                      axis=1)), axis=1) if n_boot else None
        fit = ridge_predictivity if self.method == "ridge" else pls_predictivity
        prov = provenance(self.identifier, self.version, model, stimuli_sha256=stimuli_hash(stimuli),
                          method=self.method,
                          n_splits=self.n_splits, n_stimuli=int(n), n_neuroids=int(m),
                          ceiling={"method": "odd/even split-half, Pearson r across stimuli, Spearman-Brown, median "
                                   "over neuroids", "median_split_half_r": float(np.nanmedian(split_r))})
        scores = []
        sizes = layer_sizes(model, stimuli, layers) if len(layers) > 1 else {layers[0]: 0}
        for group in layer_groups(sizes, n, MEMORY_BUDGET_BYTES):
            acts = extract_layers(model, stimuli, group, progress=progress)
            for layer in group:
                x = acts.pop(layer).values
                x = x[..., -1] if x.ndim == 3 else x  # (presentation, neuroid, time_bin): the final time step
                result = fit(x, y, n_splits=self.n_splits, seed=self.cv_seed)
                point = fold_pearson(np.ones((1, n)), result.predictions, y, result.folds)[0]
                raw_boot = (np.nanmedian(np.take_along_axis(fold_pearson(w, result.predictions, y, result.folds),
                                                            units, axis=1), axis=1) if n_boot else np.empty(0))
                scores.append(make_score(
                    raw=float(np.nanmedian(point)), samples=raw_boot, model=model.identifier, layer=layer,
                    benchmark=self.identifier, metric=self.metric, n_boot=n_boot, seed=seed, provenance=prov,
                    ceiling=(ceiling, ceiling),
                    ceiled_samples=None if ceiling_boot is None else raw_boot / ceiling_boot,
                    notes=("ceiled = raw / ceiling (Brain-Score convention; a perfect model's expected r is "
                           "sqrt(reliability), so ceiled can exceed 1)")))
        return scores
