"""Cowley et al. (2023) macaque V4 benchmarks: neural predictivity (ridge, PLS) and RSA, 12 sessions.

Data: :mod:`neurovision.data.cowley2023`, the spike counts of Utah-array V4 units to 112x112 natural and
synthetic images (Cowley, Stan, Pillow & Smith 2023), repeat-averaged, 12 sessions (24-89 units and
400-1200 images each; 598 units and 12,640 images in all). Units of different sessions are different
recordings, and every session has its own images, so every session is fitted and scored on its own.

``cowley2023.v4`` — neural predictivity with ridge (Yamins et al. 2014; Schrimpf et al. 2018)
    For every session, the model's activations to the session's images at the layer committed to V4
    (``model.layer_for("V4")``; or the layer asked for) are mapped to each unit by 5-fold cross-validated
    kernel ridge (:mod:`neurovision.encoding`: features centred by training-fold means, an unpenalised
    intercept, the penalty chosen per unit by exact leave-one-out on the training folds only, from the
    grid :data:`neurovision.encoding.DEFAULT_ALPHAS`). A unit's score is the Pearson r between its held-out
    predictions and its responses within each held-out fold, averaged over the 5 folds (Brain-Score's
    convention; the r of predictions concatenated over folds is biased low, see :mod:`neurovision.encoding`).
    The folds are fixed by the benchmark (``CV_SEED``), not by the bootstrap seed.
    **raw** = the median of r over all units of all scored sessions pooled (598 units with all 12
    sessions); the per-session medians are in ``provenance["per_session"]``.

``cowley2023.v4_pls`` — the same with 25-component PLS regression instead of ridge (Brain-Score's
    default read-out).

Noise ceiling (both predictivity benchmarks)
    Only session 210325 has per-repeat responses (6-9 valid repeats per image). Each unit's repeats are
    split in recorded order into odd (1st, 3rd, ...) and even (2nd, 4th, ...) repeats, the two half means
    are correlated across images (Pearson r), and the Spearman-Brown formula ``2r / (1 + r)`` (Spearman
    1910; Brown 1910) predicts the reliability of the mean over all repeats — the same procedure as
    :func:`neurovision.data.cowley2023.split_half_reliability` with ``seed=None``. **ceiling** = the median
    of that corrected reliability over the 50 units of 210325 (about 0.77), and **ceiled = raw / ceiling**
    (Brain-Score's convention). The other 11 sessions have no repeats in the released data, so *their*
    reliability is not measured: the 210325 median stands in for all of them. That is an assumption (those
    sessions differ in array, units, images and repeat counts), stated in every Score's ``notes``;
    ``provenance["ceiling"]`` also gives raw and ceiled computed on session 210325 alone, where the
    ceiling is that session's own. ``ceiling_lower`` = ``ceiling_upper`` (one estimate, not a Nili
    interval). Note that a perfect model's expected r with a noisy repeat average is ``sqrt(reliability)``,
    not the reliability, so ceiled values above 1 are possible under this convention.

Confidence intervals
    Percentile bootstrap (95 %) with ``n_boot`` resamples drawn from ``numpy.random.default_rng(seed)``:
    each resample draws the images of every session with replacement (the held-out predictions are kept
    fixed — the maps are not refitted — so the CI covers image and unit sampling, not fitting noise) and
    the units of every session with replacement, and recomputes every r and the pooled median. The
    ceiling is recomputed on the same resample of session 210325 (its images and units; an independent
    resample when 210325 is not among the scored sessions), so ``ceiled_ci_*`` bootstrap the ratio.

``cowley2023.v4_rsa`` — RSA on the same data
    Per session, the correlation-distance RDM (1 - Pearson r across units/features) of the model layer
    over the session's images is compared (Spearman rho) with the correlation-distance RDM of the V4
    population's responses; raw = the mean of the per-session rho. CI: a stimulus bootstrap per session
    (:func:`neurovision.rsa.bootstrap_stimuli`, seed ``seed + session index``), the per-session samples
    averaged. No ceiling: each session has one population RDM.

Speed and caching
    Per session and layer, one ``n x n`` Gram matrix of the (mean-shifted) activations gives every fold
    of both regressions exactly (:func:`neurovision.encoding.center_gram`) and the model's correlation RDM
    (:func:`neurovision.encoding.correlation_rdm_from_gram`), so a wide layer is multiplied once. The
    held-out predictions (ridge and PLS, with the chosen penalties and folds) and the model RDM
    (condensed, float32; ~2.9 MB for 1200 images) are cached under ``<cache>/results/cowley2023`` keyed by
    package version, model, weights hash, the sha256 of the session's image zip and response file, layer
    and the regression settings; entries are written atomically. Sessions are processed one at a time,
    and the layers of one session in groups whose activations fit :data:`MEMORY_BUDGET_BYTES`, so peak
    memory is bounded by one session's activations of one group of layers. A warm run loads no images.

Citations: Cowley BR, Stan PL, Pillow JW, Smith MA (2023). Compact deep neural network models of visual
cortex. bioRxiv 2023.11.22. Yamins DLK et al. (2014). PNAS 111:8619-8624. Schrimpf M et al. (2018).
Brain-Score. bioRxiv 407007. Spearman C (1910). Br J Psychol 3:271-295. Brown W (1910). Br J Psychol
3:296-322.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Iterable, Sequence

import numpy as np

from ... import __version__
from ...activations import extract_layers, layer_groups, layer_sizes
from ...cache import atomic_path, cache_dir, content_key, enabled
from ...data import cowley2023 as c23
from ...data.registry import DATASETS, fetch
from ...encoding import (
    DEFAULT_ALPHAS,
    DEFAULT_PLS_COMPONENTS,
    correlation_rdm_from_gram,
    fold_pearson,
    gram,
    predictivity_from_gram,
    resample_counts,
    weighted_pearson,
)
from ...models.base import Model
from ...progress import bar as progress_bar
from ...rsa import RDM, bootstrap_stimuli, rdm
from ...rsa.reliability import odd_even_repeats, spearman_brown
from ...scores import Score, make_score
from ..base import Benchmark, cached_scores, provenance

BENCHMARK_VERSION = 1
CACHE_FORMAT = 1
CV_SPLITS = 5
CV_SEED = 0
CEILING_SESSION = "210325"
#: Activations of one session held at once are kept below this (layers are grouped to fit).
MEMORY_BUDGET_BYTES = 1_500_000_000
REGION = "V4"
CITATION = ("Cowley BR, Stan PL, Pillow JW, Smith MA (2023). Compact deep neural network models of visual "
            "cortex. bioRxiv 2023.11.22. Data: github.com/cowleygroup/V4_compact_models (GPL-3.0).")
_ENCODING = {"n_splits": CV_SPLITS, "cv_seed": CV_SEED, "alphas": [float(a) for a in DEFAULT_ALPHAS],
             "alpha_scale": "relative to trace(K)/n_train", "alpha_selection": "per unit, exact LOO on training folds",
             "features": "centred by training-fold mean", "pls_components": DEFAULT_PLS_COMPONENTS,
             "r": "Pearson r of held-out predictions within each fold, mean over folds"}


# ------------------------------------------------------------------------------------------ data access
def _files(session: str) -> dict[str, str]:
    files = DATASETS[c23.DATASET].files
    rels = [f"images/images_{session}.zip", f"responses_repeat_averaged/responses_{session}.npy"]
    return {rel: files[rel] for rel in rels}


def _ceiling_file() -> str:
    return f"responses_raw/responses_{CEILING_SESSION}.npy"


def check_sessions(sessions: Iterable | None) -> tuple[str, ...]:
    """Validated session ids (all 12 by default); ValueError naming the unknown ones and the known ones."""
    if sessions is None:
        return tuple(c23.SESSIONS)
    if isinstance(sessions, (str, int)):
        sessions = [sessions]
    out = tuple(str(s).strip() for s in sessions)
    unknown = [s for s in out if s not in c23.SESSIONS]
    if unknown:
        raise ValueError(f"unknown Cowley 2023 session(s) {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(c23.SESSIONS)}")
    if not out:
        raise ValueError("no sessions given")
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate sessions in {out}")
    return out


def load_ceiling_halves() -> tuple[np.ndarray, np.ndarray]:
    """Odd/even half means (presentation, neuroid) of session 210325's per-repeat responses in recorded order
    (:func:`neurovision.rsa.reliability.odd_even_repeats`)."""
    reps = c23.load_repeats(CEILING_SESSION)
    return odd_even_repeats(reps.transpose("presentation", "neuroid", "repetition").values)


# ------------------------------------------------------------------------------------- model features
def _model_dir():
    return cache_dir("results") / "cowley2023"


def _pred_key(model: Model, session: str, layer: str) -> str:
    return content_key("cowley2023_predictions", CACHE_FORMAT, __version__, model.fingerprint([layer]),
                       _files(session), layer, _ENCODING)


def _gram_key(model: Model, session: str, layer: str) -> str:
    zip_rel = f"images/images_{session}.zip"
    return content_key("cowley2023_model_gram", CACHE_FORMAT, __version__, model.fingerprint([layer]),
                       {zip_rel: _files(session)[zip_rel]}, layer, "centred gram")


def _rdm_key(model: Model, session: str, layer: str) -> str:
    zip_rel = f"images/images_{session}.zip"
    return content_key("cowley2023_model_rdm", CACHE_FORMAT, __version__, model.fingerprint([layer]),
                       {zip_rel: _files(session)[zip_rel]}, layer, "correlation")


def _load_npz(path) -> dict | None:
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _layer_arrays(x: np.ndarray) -> dict[str, np.ndarray]:
    """Gram (shifted), and the statistics the correlation RDM needs, from activations (n, p); x is modified."""
    if x.ndim == 3:  # (presentation, neuroid, time_bin): the final time step
        x = np.ascontiguousarray(x[..., -1])
    x = np.asarray(x, dtype=np.float32) if x.dtype != np.float64 else x
    n, p = x.shape
    shift = x.mean(axis=0, dtype=np.float64)
    x -= shift.astype(x.dtype)
    g = gram(x)
    v = shift - shift.mean()
    row_sums = np.zeros(n)
    shift_dot = np.zeros(n)
    for start in range(0, p, 8192):
        block = x[:, start:start + 8192].astype(np.float64)
        row_sums += block.sum(axis=1)
        shift_dot += block @ v[start:start + 8192]
    rdm = correlation_rdm_from_gram(g, row_sums, shift_dot, float(v @ v), p)
    return {"gram": g, "rdm": rdm}


def _condensed(square: np.ndarray) -> np.ndarray:
    iu = np.triu_indices(square.shape[0], k=1)
    return square[iu]


def session_results(model: Model, session: str, layers: Sequence[str], want: str = "predictions",
                    progress: bool = True) -> dict[str, dict]:
    """Cached per-layer results of one session (computed from activations when missing).

    ``want="predictions"``: ``{layer: {"ridge": (n, m), "pls": (n, m), "ridge_alpha": (5, m),
    "folds": (n,)}}`` — held-out predictions (spike counts) of the session's units. ``want="rdm"``:
    ``{layer: {"rdm": condensed float64 (n(n-1)/2,)}}`` — the model's correlation-distance RDM (stored as
    float32). ``want="gram"``: ``{layer: {"gram": (n, n) float64}}`` — the Gram matrix ``Xc Xc^T`` of the
    activations centred across the session's images. Computing predictions or the RDM writes both of those
    entries; computing the Gram writes all three.
    """
    if want not in ("predictions", "rdm", "gram"):
        raise ValueError(f"want must be 'predictions', 'rdm' or 'gram'; got {want!r}")
    session = check_sessions([session])[0]
    folder = _model_dir()
    out: dict[str, dict] = {}
    use_cache = enabled()
    for layer in layers if use_cache else ():
        keyer = {"predictions": _pred_key, "rdm": _rdm_key, "gram": _gram_key}[want]
        path = folder / f"{keyer(model, session, layer)}.npz"
        entry = _load_npz(path)
        if entry is not None:
            if want == "rdm":
                entry = {"rdm": entry["rdm"].astype(np.float64)}
            out[layer] = entry
    missing = [layer for layer in layers if layer not in out]
    if not missing:
        return out
    for rel in _files(session):
        fetch(c23.DATASET, rel)  # verify the files the cache key names
    stimuli, responses = c23.load_session(session)
    y = responses.values
    sizes = layer_sizes(model, stimuli, missing) if len(missing) > 1 else {missing[0]: 0}
    for group in layer_groups(sizes, stimuli.sizes["presentation"], MEMORY_BUDGET_BYTES):
        acts = extract_layers(model, stimuli, group, progress=progress)
        for layer in group:
            arrays = _layer_arrays(acts.pop(layer).values)
            ridge = predictivity_from_gram(arrays["gram"], y, "ridge", CV_SPLITS, CV_SEED, DEFAULT_ALPHAS)
            pls = predictivity_from_gram(arrays["gram"], y, "pls", CV_SPLITS, CV_SEED,
                                         n_components=DEFAULT_PLS_COMPONENTS)
            preds = {"ridge": ridge.predictions, "pls": pls.predictions, "ridge_alpha": ridge.alphas,
                     "folds": ridge.folds}
            rdm32 = _condensed(arrays["rdm"]).astype(np.float32)
            entries = [(_pred_key(model, session, layer), preds), (_rdm_key(model, session, layer), {"rdm": rdm32})]
            if want == "gram":
                entries.append((_gram_key(model, session, layer), {"gram": arrays["gram"]}))
            for key, payload in entries if use_cache else ():
                with atomic_path(folder / f"{key}.npz") as tmp:
                    with open(tmp, "wb") as f:
                        np.savez(f, **payload)
            out[layer] = {"predictions": preds, "rdm": {"rdm": rdm32.astype(np.float64)},
                          "gram": {"gram": arrays["gram"]}}[want]
            del arrays
        del acts
    return out


def _session_responses(session: str) -> np.ndarray:
    return c23.load_responses(session).values


# ------------------------------------------------------------------------------------------ benchmarks
def _sessions_files(sessions) -> dict[str, str]:
    """Relative path -> sha256 of every file the given sessions are scored from."""
    files: dict[str, str] = {}
    for s in sessions:
        files.update(_files(s))
    return files


def _without_training_sessions(bench, model: Model):
    """A copy of ``bench`` without the sessions the model's commitment was chosen on (None if none were)."""
    used = set(model.chosen_on.get("session", ())) & set(bench.sessions)
    if not used:
        return None
    remaining = tuple(s for s in bench.sessions if s not in used)
    if not remaining:
        raise ValueError(f"every session of {bench.identifier} was used to choose {model.identifier!r}'s commitment")
    return replace(bench, sessions=remaining)


@dataclass
class _SessionBenchmark(Benchmark):
    """What the Cowley benchmarks share: the recording ``sessions`` (checked), region, version and citation;
    sessions held out from the model's commitment; whole results cached in ``<cache>/results/scores`` keyed by
    benchmark (every field: identifier, version, method, sessions, ...; data hashes), model (identifier, weights
    hash), layer set, number of resamples and seed."""

    sessions: tuple[str, ...] = field(default_factory=lambda: tuple(c23.SESSIONS))
    region: str = REGION
    version: int = BENCHMARK_VERSION
    citation: str = CITATION

    def __post_init__(self) -> None:
        self.sessions = check_sessions(self.sessions)

    def _files_with_ceiling(self) -> dict[str, str]:
        """The sessions' data files and the per-repeat file of the ceiling session (registry sha256s)."""
        files = _sessions_files(self.sessions)
        files[_ceiling_file()] = DATASETS[c23.DATASET].files[_ceiling_file()]
        return files

    def content_key(self) -> str:
        """:meth:`Benchmark.content_key` plus the sha256 of every data file scored (registry-verified)."""
        return content_key(super().content_key(), self.data_files)

    def _score_layers(self, model: Model, layers: list[str] | None, *, n_boot: int, seed: int,
                      progress: bool) -> list[Score]:
        """One :class:`Score` per layer (default: every layer of the model)."""
        held_out = _without_training_sessions(self, model)
        if held_out is not None:
            return held_out._score_layers(model, layers, n_boot=n_boot, seed=seed, progress=progress)
        layers = model.check_layers(list(layers) if layers is not None else list(model.layers))
        key = content_key("scores", CACHE_FORMAT, __version__, asdict(self), self.data_files, model.identifier,
                          model.fingerprint(layers), layers, n_boot, seed)
        return cached_scores(key, lambda: self._score(model, layers, n_boot, seed, progress))


@dataclass
class PredictivityBenchmark(_SessionBenchmark):
    """Neural predictivity of V4 units from one model layer (see module docstring)."""

    identifier: str = "cowley2023.v4"
    regression: str = "ridge"
    description: str = ("macaque V4 Utah-array units (Cowley et al. 2023), 12 sessions, 598 units, 12,640 images; "
                        "5-fold CV ridge, Pearson r on held-out images, median over units")

    def __post_init__(self) -> None:
        if self.regression not in ("ridge", "pls"):
            raise ValueError(f"regression must be 'ridge' or 'pls'; got {self.regression!r}")
        super().__post_init__()

    @property
    def data_files(self) -> dict[str, str]:
        return self._files_with_ceiling()

    def ceiling(self) -> tuple[float, float]:
        """The median Spearman–Brown corrected odd/even split-half reliability of session 210325's units (both
        bounds; see the module docstring)."""
        half_a, half_b = load_ceiling_halves()
        split_r = weighted_pearson(np.ones((1, half_a.shape[0])), half_a, half_b)[0]
        value = float(np.nanmedian(spearman_brown(split_r)))
        return value, value

    @property
    def metric(self) -> str:
        how = "ridge, LOO-chosen penalty" if self.regression == "ridge" else f"PLS, {DEFAULT_PLS_COMPONENTS} components"
        return f"pearson r (held-out images, {CV_SPLITS}-fold CV {how}); median over units"

    def _score(self, model: Model, layers: list[str], n_boot: int, seed: int, progress: bool) -> list[Score]:
        """One :class:`Score` per layer, each on the same resamples; no layer is chosen here.

        Steps: the held-out r of every unit, per session (point and ``n_boot`` resamples of images and units);
        the split-half ceiling of session 210325 (on that session's resamples); the provenance shared by all
        layers; then per layer the pooled median r, its ceiled value and their bootstrap samples. All draws
        come from ``numpy.random.default_rng(seed)`` in that order.
        """
        if n_boot < 0:
            raise ValueError(f"n_boot must be >= 0; got {n_boot}")
        rng = np.random.default_rng(seed)
        units = self._unit_correlations(model, layers, n_boot, rng, progress)
        ceiling = _split_half_ceiling(rng, n_boot, units.ceiling_draw)
        prov_base = self._shared_provenance(model, units.per_session)
        notes = (f"raw = median over {prov_base['n_units']} units of {len(self.sessions)} session(s) of the held-out "
                 f"Pearson r; ceiling = median Spearman-Brown corrected odd/even split-half reliability of the "
                 f"{ceiling.n_units} units of session {CEILING_SESSION}, the only session with per-repeat data, "
                 "applied to all sessions (their own reliability is not measured); ceiled = raw / ceiling "
                 "(Brain-Score convention; a perfect model's expected r is sqrt(reliability), so ceiled can exceed 1)")
        return [self._layer_score(model, layer, units, ceiling, prov_base, notes, n_boot, seed) for layer in layers]

    def _unit_correlations(self, model: Model, layers: list[str], n_boot: int, rng: np.random.Generator,
                           progress: bool) -> _UnitCorrelations:
        """Per session (in order) and layer, every unit's held-out Pearson r (mean over folds) and its ``n_boot``
        resamples — images drawn with replacement (predictions fixed), then units drawn with replacement —
        with the per-session medians of r and of the chosen ridge penalties."""
        r_point = {layer: [] for layer in layers}
        r_boot = {layer: [] for layer in layers}
        per_session = {}
        ceiling_draw = None
        for session in progress_bar(self.sessions, desc=f"{self.identifier}: sessions", unit="session",
                                    disable=not progress):
            results = session_results(model, session, layers, "predictions", progress)
            y = _session_responses(session)
            n, m = y.shape
            w = resample_counts(rng, n, n_boot)
            units = rng.integers(m, size=(n_boot, m))
            if session == CEILING_SESSION:
                ceiling_draw = (w, units)
            per_session[session] = {"n_images": n, "n_units": m, "median_r": {}, "median_alpha": {},
                                    "alpha_at_grid_edge": {}}
            for layer in layers:
                pred, folds = results[layer][self.regression], results[layer]["folds"]
                point = fold_pearson(np.ones((1, n)), pred, y, folds)[0]
                r_point[layer].append(point)
                per_session[session]["median_r"][layer] = float(np.nanmedian(point))
                if n_boot:
                    r_boot[layer].append(np.take_along_axis(fold_pearson(w, pred, y, folds), units, axis=1))
                median_alpha, at_edge = self._penalty_summary(results[layer]["ridge_alpha"])
                per_session[session]["median_alpha"][layer] = median_alpha
                per_session[session]["alpha_at_grid_edge"][layer] = at_edge
        return _UnitCorrelations(r_point, r_boot, per_session, ceiling_draw)

    def _penalty_summary(self, alpha: np.ndarray) -> tuple[float | None, float | None]:
        """Median of the units' ridge penalties and the share at an end of the grid (None, None for PLS)."""
        if self.regression != "ridge":
            return None, None
        return float(np.median(alpha)), float(np.isin(alpha, DEFAULT_ALPHAS[[0, -1]]).mean())

    def _shared_provenance(self, model: Model, per_session: dict) -> dict:
        """The provenance every layer's Score shares: data hashes, sessions, regression settings, unit and image
        counts, how raw is aggregated and how it is bootstrapped."""
        return provenance(
            self.identifier, self.version, model,
            stimuli_sha256={s: _files(s)[f"images/images_{s}.zip"] for s in self.sessions},
            stimuli_hash_kind="sha256 of each session's image zip (registry-verified)",
            data_sha256=self.data_files, sessions=list(self.sessions), regression=self.regression,
            encoding=dict(_ENCODING), n_units=int(sum(v["n_units"] for v in per_session.values())),
            n_images=int(sum(v["n_images"] for v in per_session.values())),
            aggregate="median over all units of all sessions pooled",
            bootstrap="percentile; images (predictions fixed) and units resampled within each session")

    def _layer_score(self, model: Model, layer: str, units: _UnitCorrelations, ceiling: _Ceiling,
                     prov_base: dict, notes: str, n_boot: int, seed: int) -> Score:
        """One layer's Score: raw = median r over all units of all sessions pooled, ceiled = raw / ceiling, the
        bootstrap samples of both, and provenance with the per-session figures and the ceiling's details."""
        pooled = np.concatenate(units.r_point[layer])
        raw = float(np.nanmedian(pooled))
        if n_boot:
            raw_boot = np.nanmedian(np.concatenate(units.r_boot[layer], axis=1), axis=1)
            ceiled_boot = raw_boot / ceiling.samples
        else:
            raw_boot = ceiled_boot = np.empty(0)
        own_session = (float(units.per_session[CEILING_SESSION]["median_r"][layer])
                       if CEILING_SESSION in units.per_session else None)
        prov = dict(prov_base)
        prov["per_session"] = {s: {"n_images": v["n_images"], "n_units": v["n_units"],
                                   "median_r": v["median_r"][layer], "median_alpha": v["median_alpha"][layer],
                                   "alpha_at_grid_edge": v["alpha_at_grid_edge"][layer]}
                               for s, v in units.per_session.items()}
        prov["n_units_nan_r"] = int(np.isnan(pooled).sum())
        prov["ceiling"] = {
            "session": CEILING_SESSION, "n_units": int(ceiling.n_units), "method": "odd/even split-half (recorded "
            "order), Pearson r across images, Spearman-Brown 2r/(1+r), median over units",
            "median_split_half_r": float(np.nanmedian(ceiling.split_r)),
            "median_reliability": ceiling.value,
            "median_sqrt_reliability": float(np.nanmedian(np.sqrt(ceiling.reliability))),
            "raw_own_session": own_session,
            "ceiled_own_session": None if own_session is None else own_session / ceiling.value,
        }
        return make_score(raw=raw, samples=raw_boot, model=model.identifier, layer=layer,
                          benchmark=self.identifier, metric=self.metric, ceiling=(ceiling.value, ceiling.value),
                          ceiled_samples=ceiled_boot, n_boot=n_boot, seed=seed, notes=notes, provenance=prov)


@dataclass
class _UnitCorrelations:
    """Held-out r of every unit: ``r_point[layer]`` one ``(m,)`` array per session; ``r_boot[layer]`` one
    ``(n_boot, m)`` array per session (empty lists when ``n_boot == 0``); ``per_session[session]`` counts and
    per-layer medians; ``ceiling_draw``: the ``(image counts (n_boot, n), unit indices (n_boot, m))`` resample
    of session 210325, or None when it is not scored."""

    r_point: dict
    r_boot: dict
    per_session: dict
    ceiling_draw: tuple | None


@dataclass
class _Ceiling:
    """The split-half ceiling of session 210325: ``value`` (median Spearman–Brown reliability over units),
    ``samples`` ``(n_boot,)`` (None when ``n_boot == 0``), per-unit ``split_r`` and ``reliability``, ``n_units``."""

    value: float
    samples: np.ndarray | None
    split_r: np.ndarray
    reliability: np.ndarray
    n_units: int


def _split_half_ceiling(rng: np.random.Generator, n_boot: int, draw: tuple | None) -> _Ceiling:
    """Median Spearman–Brown corrected odd/even split-half reliability of session 210325's units and its
    bootstrap samples on ``draw`` (image counts, unit indices) — a fresh draw from ``rng`` when None."""
    half_a, half_b = load_ceiling_halves()
    n_c, m_c = half_a.shape
    if draw is None:
        draw = (resample_counts(rng, n_c, n_boot),
                rng.integers(m_c, size=(n_boot, m_c)))
    split_r = weighted_pearson(np.ones((1, n_c)), half_a, half_b)[0]
    reliability = spearman_brown(split_r)
    samples = None
    if n_boot:
        rel_boot = spearman_brown(np.take_along_axis(weighted_pearson(draw[0], half_a, half_b), draw[1], axis=1))
        samples = np.nanmedian(rel_boot, axis=1)
    return _Ceiling(float(np.nanmedian(reliability)), samples, split_r, reliability, m_c)


@dataclass
class RSAV4Benchmark(_SessionBenchmark):
    """Per-session RSA of a model layer with the V4 population (see module docstring)."""

    identifier: str = "cowley2023.v4_rsa"
    comparison: str = "spearman"
    rdm_method: str = "correlation"
    description: str = ("macaque V4 population RDMs (Cowley et al. 2023), 12 sessions; Spearman rho with the model "
                        "layer's correlation RDM per session, averaged over sessions")

    @property
    def data_files(self) -> dict[str, str]:
        return _sessions_files(self.sessions)

    def _score(self, model: Model, layers: list[str], n_boot: int, seed: int, progress: bool) -> list[Score]:
        points, samples, per_session = [], [], {}
        for i, session in enumerate(progress_bar(self.sessions, desc=f"{self.identifier}: sessions",
                                                 unit="session", disable=not progress)):
            results = session_results(model, session, layers, "rdm", progress)
            responses = c23.load_responses(session)
            ids = responses["stimulus_id"].values.astype(str)
            data = rdm(responses.values, method=self.rdm_method, stimulus_id=ids)
            models = RDM(np.stack([results[layer]["rdm"] for layer in layers]), ids,
                         descriptors={"layer": list(layers)})
            boot = bootstrap_stimuli(models, data, method=self.comparison, n_boot=n_boot, seed=seed + i, ceiling=False)
            point = np.asarray(boot.point, dtype=np.float64).reshape(len(layers))
            points.append(point)
            if n_boot:
                samples.append(np.asarray(boot.samples, dtype=np.float64).reshape(n_boot, len(layers)))
            per_session[session] = {"n_images": len(ids), "n_units": int(responses.sizes["neuroid"]),
                                    "rho": {layer: float(point[j]) for j, layer in enumerate(layers)}}
        raw = np.mean(points, axis=0)
        mean_samples = np.mean(samples, axis=0) if samples else np.empty((0, len(layers)))
        prov_base = provenance(
            self.identifier, self.version, model,
            stimuli_sha256={s: _files(s)[f"images/images_{s}.zip"] for s in self.sessions},
            data_sha256=self.data_files, sessions=list(self.sessions), rdm_method=self.rdm_method,
            aggregate="mean over sessions of the per-session comparison",
            bootstrap="stimuli within each session (seed + session index); per-session samples averaged")
        notes = ("raw = mean over sessions of the Spearman rho between the model's and the V4 population's "
                 "correlation RDMs; no noise ceiling (one population RDM per session)")
        scores = []
        for j, layer in enumerate(layers):
            prov = dict(prov_base, per_session={s: {"n_images": v["n_images"], "n_units": v["n_units"],
                                                    "rho": v["rho"][layer]} for s, v in per_session.items()})
            scores.append(make_score(raw=float(raw[j]), samples=mean_samples[:, j], model=model.identifier,
                                     layer=layer, benchmark=self.identifier,
                                     metric=f"{self.comparison} (RDM: {self.rdm_method}); mean over sessions",
                                     n_boot=n_boot, seed=seed, notes=notes, provenance=prov))
        return scores


# ------------------------------------------------------------------------------- other similarity measures
#: Measures :class:`SimilarityV4Benchmark` computes, and how the model side enters: ``rsa`` from the layer's
#: correlation RDM, the others from its centred Gram matrix (they are invariant to orthogonal transforms of the
#: model's units, so the Gram's scaled eigenvectors stand in exactly for the activations).
SIMILARITY_METRICS = ("rsa", "linear_cka", "debiased_cka", "procrustes", "shape_metric")
#: Measures that are similarities with a split-half ceiling (the others are distances: no ceiling).
_CEILED = ("rsa", "linear_cka", "debiased_cka")
_METRIC_TEXT = {
    "rsa": "RSA: Spearman rho between correlation-distance RDMs (Kriegeskorte et al. 2008)",
    "linear_cka": "linear CKA (Kornblith et al. 2019)",
    "debiased_cka": "debiased linear CKA (unbiased HSIC, Song et al. 2012)",
    "procrustes": "angular Procrustes distance in radians (Williams et al. 2021; lower = more similar)",
    "shape_metric": "generalized shape metric in radians (Williams et al. 2021; lower = more similar)",
}


def gram_coordinates(g: np.ndarray) -> np.ndarray:
    """``Z`` (n, r) with ``Z Z^T = H g H`` (``H`` the centring matrix): the scaled eigenvectors of the centred Gram
    matrix of a layer's activations, eigenvalues below 1e-10 of the largest dropped. ``Z`` equals the centred
    activations up to an orthogonal transform of the units (their PCA scores), so every measure invariant to such
    transforms (CKA, Procrustes, shape metrics at alpha 0 or 1, ridge predictivity on unstandardised features) gives
    the same value on ``Z`` as on the activations, at ``r <= n`` columns instead of a layer's width."""
    g = np.asarray(g, dtype=np.float64)
    gc = g - g.mean(axis=0) - g.mean(axis=1)[:, None] + g.mean()
    w, v = np.linalg.eigh((gc + gc.T) / 2)
    keep = w > 1e-10 * max(float(w[-1]), 1e-300)
    return v[:, keep] * np.sqrt(w[keep])


def cka_resamples(k: np.ndarray, lm: np.ndarray, counts: np.ndarray, debiased: bool = False) -> np.ndarray:
    """Linear CKA (or debiased CKA) of every bootstrap resample of the stimuli, from two Gram matrices.

    ``k``, ``lm``: ``(n, n)`` Gram matrices ``X X^T`` and ``Y Y^T`` of the two representations (for linear CKA any
    shift across stimuli cancels; with copy pairs left out the debiased value depends slightly on it: pass the Grams
    of the representations centred on all n stimuli, as the benchmark does);
    ``counts``: ``(n_boot, n)``, how often each stimulus is drawn (rows summing to ``N``).
    Returns ``(n_boot,)``: the value :func:`neurovision.similarity.linear_cka` gives on the resampled rows
    ``X[idx], Y[idx]`` (copies of a stimulus kept as separate rows) — or, ``debiased``, the unbiased-HSIC CKA of
    those rows with the pairs of a stimulus and its own copy left out like the self-pairs (their kernel entries set
    to 0), so that copies do not inflate it — computed without forming the rows:
    with ``w`` a row of ``counts``, the biased HSIC numerator is
    ``w'(K∘L)w - 2/N Σ_i w_i (Kw)_i (Lw)_i + (w'Kw)(w'Lw)/N²`` (Kornblith et al. 2019), and the unbiased one
    (Song et al. 2012) ``[T + S_K S_L/((N-1)(N-2)) - 2/(N-2) Σ_i w_i ((Kw)_i - K_ii)((Lw)_i - L_ii)] / (N(N-3))``
    with ``T = w'(K∘L)w - Σ_i w_i K_ii L_ii`` and ``S_K = w'Kw - Σ_i w_i K_ii``. Three ``(n_boot, n) @ (n, n)``
    products per pair of kernels."""
    w = np.asarray(counts, dtype=np.float64)
    n_total = w.sum(axis=1)

    def hsic(a: np.ndarray, b: np.ndarray, wa: np.ndarray, wb: np.ndarray) -> np.ndarray:
        quad = ((w @ (a * b)) * w).sum(axis=1)
        if not debiased:
            cross = (w * wa * wb).sum(axis=1)
            return quad - 2 * cross / n_total + (w * wa).sum(axis=1) * (w * wb).sum(axis=1) / n_total ** 2
        da, db = np.diag(a), np.diag(b)  # zero here: copy pairs and self-pairs left out
        t = quad - w @ (da * db)
        sa, sb = (w * wa).sum(axis=1) - w @ da, (w * wb).sum(axis=1) - w @ db
        cross = (w * (wa - da) * (wb - db)).sum(axis=1)
        nn = n_total
        return (t + sa * sb / ((nn - 1) * (nn - 2)) - 2 * cross / (nn - 2)) / (nn * (nn - 3))

    if debiased:
        k, lm = k - np.diag(np.diag(k)), lm - np.diag(np.diag(lm))
    wk, wl = w @ k, w @ lm
    kl, kk, ll = hsic(k, lm, wk, wl), hsic(k, k, wk, wk), hsic(lm, lm, wl, wl)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = kl / np.sqrt(kk * ll)
    return out if debiased else np.clip(out, 0.0, 1.0)


def _resample_rows(counts: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(counts.size), counts.astype(np.int64))


@dataclass
class SimilarityV4Benchmark(_SessionBenchmark):
    """Per-session similarity of a model layer and the V4 population under any symmetric measure of
    :func:`neurovision.similarity.compare_representations` (``metric`` and ``metric_options``).

    For every session, the measure between the layer's activations to the session's images and the units'
    repeat-averaged responses (``images × units``); raw = the mean over sessions. ``rsa`` uses the layer's cached
    correlation RDM (the same computation and resamples as ``cowley2023.v4_rsa``); CKA, Procrustes and shape metrics
    use the layer's centred Gram matrix through :func:`gram_coordinates` (exact: those measures are invariant to
    orthogonal transforms of the model's units; ``shape_metric`` only at ``alpha`` 0 or 1, because between them its
    regularisation is scaled by the number of units). ``soft_matching`` is not offered: it is invariant only to
    permutations of units, so it needs the full activations (up to 800,000 units per layer here), and
    ``linear_predictivity`` is :class:`PredictivityBenchmark` (``cowley2023.v4``), see :func:`v4_metric`.

    CI: percentile bootstrap over the images of every session (the same draws for every layer; ``rsa``: the
    draws of :func:`neurovision.rsa.bootstrap_stimuli`, seed ``seed + session index``, as ``cowley2023.v4_rsa``;
    the other measures: ``numpy.random.default_rng(seed)``, sessions in order), the per-session samples averaged.
    Pairs of an image with its own copy in a resample are dropped for ``rsa`` and ``debiased_cka`` (their U-statistic
    leaves out self-pairs, :func:`cka_resamples`). Linear CKA and the distances keep copies as separate rows, which
    biases their resamples: for MobileNetV1 on session 210325 the linear-CKA resamples sit about 0.03 above the point
    estimate and the percentile interval can exclude it — use ``debiased_cka`` when the interval matters.

    Ceiling (similarities only; session 210325, the only one with per-repeat responses, stands in for every
    session as in ``cowley2023.v4``): the same measure between the means of the odd and of the even repeats
    (recorded order, :func:`neurovision.rsa.reliability.odd_even_repeats`), recomputed on 210325's resamples.
    ``rsa``: Spearman–Brown corrected (``2r / (1 + r)``), the package's convention for a correlation between two
    half-data RDMs. CKA: not corrected — Spearman–Brown predicts the correlation of parallel measurements of
    doubled length, and CKA (a normalised inner product of centred kernels, i.e. the RV coefficient) is not such a
    correlation; the half-data value understates the full data's reliability, so ceiled CKA is an upper estimate.
    Procrustes and shape metrics are distances: no ceiling; the odd/even distance (the distance expected from
    noise alone, at half the repeats) is in ``provenance["split_half"]``.
    """

    identifier: str = "cowley2023.v4_cka"
    metric: str = "linear_cka"
    metric_options: dict = field(default_factory=dict)
    description: str = ("macaque V4 population (Cowley et al. 2023), 12 sessions; a similarity measure between the "
                        "model layer's and the units' responses per session, averaged over sessions")

    def __post_init__(self) -> None:
        if self.metric not in SIMILARITY_METRICS:
            raise ValueError(_metric_error(self.metric))
        _check_options(self.metric, self.metric_options)
        alpha = float(self.metric_options.get("alpha", 1.0))
        if self.metric == "shape_metric" and 0 < alpha < 1:
            raise ValueError(f"shape_metric with 0 < alpha < 1 (got {alpha}) scales its regularisation by the number "
                             "of units, which the layer's Gram matrix does not keep; use alpha=0 or alpha=1 on Cowley "
                             "V4, or neurovision.similarity.shape_metric on activations you extract")
        if self.metric == "rsa" and set(self.metric_options) - {"comparison"}:
            raise ValueError("rsa on Cowley V4 uses the cached correlation RDM: only 'comparison' can be set")
        self.metric_options = dict(self.metric_options)
        super().__post_init__()

    @property
    def data_files(self) -> dict[str, str]:
        return self._files_with_ceiling()

    @property
    def metric_text(self) -> str:
        """The measure and its options, in words (the Score's ``metric``)."""
        opts = ", ".join(f"{k}={v!r}" for k, v in sorted(self.metric_options.items()))
        return f"{_METRIC_TEXT[self.metric]}{f' ({opts})' if opts else ''}; mean over sessions"

    def _measure(self, x: np.ndarray, y: np.ndarray) -> float:
        from ...similarity import compare_representations

        return float(compare_representations(x, y, self.metric, **self.metric_options))

    def _resampled(self, z: np.ndarray, y: np.ndarray, counts: np.ndarray, label: str, progress: bool) -> np.ndarray:
        """The measure on every resample (rows of ``counts``) of the images of ``z`` (n, r) and ``y`` (n, m)."""
        if self.metric in ("linear_cka", "debiased_cka"):
            z, y = z - z.mean(axis=0), y - y.mean(axis=0)
            return cka_resamples(z @ z.T, y @ y.T, counts, debiased=self.metric == "debiased_cka")
        out = np.empty(len(counts))
        for b in progress_bar(range(len(counts)), desc=f"{self.metric} resamples ({label})", unit="resample",
                              disable=not progress):
            rows = _resample_rows(counts[b])
            out[b] = self._measure(z[rows], y[rows])
        return out

    def ceiling(self) -> tuple[float, float] | None:
        """The measure between the odd- and even-repeat halves of session 210325 (``rsa``: Spearman–Brown corrected;
        both bounds equal); None for the distances."""
        if self.metric not in _CEILED:
            return None
        value = self._split_half(n_boot=0, rng=None, counts=None, progress=False)[0]
        return value, value

    def _split_half(self, n_boot: int, rng, counts, progress: bool, rsa_seed: int = 0):
        """``(value, samples or None, split value)`` of the odd/even comparison of session 210325 (``value``
        Spearman–Brown corrected for ``rsa``)."""
        half_a, half_b = load_ceiling_halves()
        if self.metric == "rsa":
            method = self.metric_options.get("comparison", "spearman")
            a, b = rdm(half_a, method="correlation"), rdm(half_b, method="correlation")
            boot = bootstrap_stimuli(a, b, method=method, n_boot=n_boot, seed=rsa_seed, ceiling=False)
            split = float(np.ravel(boot.point)[0])
            samples = spearman_brown(np.asarray(boot.samples, dtype=np.float64)[:, 0]) if n_boot else None
            return float(spearman_brown(split)), samples, split
        split = self._measure(half_a, half_b)
        samples = None
        if n_boot:
            if counts is None:
                counts = resample_counts(rng, half_a.shape[0], n_boot)
            samples = self._resampled(half_a, half_b, counts, "odd/even halves", progress)
        return split, samples, split

    def _score(self, model: Model, layers: list[str], n_boot: int, seed: int, progress: bool) -> list[Score]:
        rng = np.random.default_rng(seed)
        points, samples, per_session = [], [], {}
        ceiling_counts, ceiling_index = None, 0
        for i, session in enumerate(progress_bar(self.sessions, desc=f"{self.identifier}: sessions",
                                                 unit="session", disable=not progress)):
            responses = c23.load_responses(session)
            ids = responses["stimulus_id"].values.astype(str)
            y = responses.values
            if self.metric == "rsa":
                point, boot = self._rsa_session(model, session, layers, ids, y, n_boot, seed + i, progress)
                if session == CEILING_SESSION:
                    ceiling_index = i
            else:
                grams = session_results(model, session, layers, "gram", progress)
                counts = resample_counts(rng, len(ids), n_boot)
                if session == CEILING_SESSION:
                    ceiling_counts = counts
                point, boot = np.empty(len(layers)), np.empty((n_boot, len(layers)))
                y = y - y.mean(axis=0)  # centred on all images (the measures are shift-invariant; the resamples' Grams
                for j, layer in enumerate(layers):  # are taken from centred representations)
                    z = gram_coordinates(grams[layer]["gram"])
                    point[j] = self._measure(z, y)
                    if n_boot:
                        boot[:, j] = self._resampled(z, y, counts, f"{session} {layer}", progress)
            points.append(point)
            samples.append(boot)
            per_session[session] = {"n_images": len(ids), "n_units": int(y.shape[1]),
                                    "value": {layer: float(point[j]) for j, layer in enumerate(layers)}}
        raw = np.mean(points, axis=0)
        mean_samples = np.mean(samples, axis=0) if n_boot else np.empty((0, len(layers)))
        prov_base = provenance(
            self.identifier, self.version, model,
            stimuli_sha256={s: _files(s)[f"images/images_{s}.zip"] for s in self.sessions},
            data_sha256=self.data_files, sessions=list(self.sessions),
            similarity={"method": self.metric, "options": dict(self.metric_options),
                        "model_side": "correlation RDM" if self.metric == "rsa" else
                        "centred Gram matrix (scaled eigenvectors; exact for rotation-invariant measures)"},
            aggregate="mean over sessions of the per-session value",
            copies_in_resamples="pairs of an image with its copy dropped" if self.metric in ("rsa", "debiased_cka")
            else "copies kept as separate rows",
            bootstrap=("images within each session" + (" (bootstrap_stimuli, seed + session index)"
                                                       if self.metric == "rsa" else " (default_rng(seed))")
                       + "; per-session samples averaged"))
        ceiling = ceiled_samples = None
        notes = f"raw = mean over {len(self.sessions)} session(s) of the {self.metric} between layer and V4 units"
        if self.metric in _CEILED:
            value, c_samples, split = self._split_half(
                n_boot, rng, ceiling_counts, progress,
                rsa_seed=seed + ceiling_index if CEILING_SESSION in self.sessions else seed)
            ceiling = (value, value)
            ceiled_samples = mean_samples / c_samples[:, None] if n_boot else None
            corrected = self.metric == "rsa"
            prov_base["ceiling"] = {
                "session": CEILING_SESSION, "split_half": split, "value": value,
                "method": ("odd/even repeats (recorded order), the same measure between the half means"
                           + (", Spearman-Brown 2r/(1+r)" if corrected else ", not Spearman-Brown corrected"))}
            notes += (f"; ceiling = {self.metric} between the odd- and even-repeat means of session {CEILING_SESSION}"
                      + (", Spearman-Brown corrected" if corrected else
                         " (half data, uncorrected: understates the full data's reliability)")
                      + ", applied to every session; ceiled = raw / ceiling")
        else:
            split = self._measure(*load_ceiling_halves())
            prov_base["split_half"] = {"session": CEILING_SESSION, "distance": split,
                                       "method": "odd/even repeats (recorded order), the same distance between "
                                                 "the half means (distance expected from noise alone at half data)"}
            notes += (f"; a distance: no ceiling (the odd/even-repeat distance of session {CEILING_SESSION}, "
                      f"{split:.3g}, is in provenance['split_half'])")
        if self.metric in ("linear_cka", "procrustes", "shape_metric") and n_boot:
            notes += ("; CI caveat: resamples keep copies of an image as separate rows, which biases them (linear CKA "
                      "about +0.03 for MobileNetV1 on 210325) — use debiased_cka when the interval matters")
        scores = []
        for j, layer in enumerate(layers):
            prov = dict(prov_base, per_session={s: {"n_images": v["n_images"], "n_units": v["n_units"],
                                                    "value": v["value"][layer]} for s, v in per_session.items()})
            scores.append(make_score(raw=float(raw[j]), samples=mean_samples[:, j], model=model.identifier,
                                     layer=layer, benchmark=self.identifier, metric=self.metric_text,
                                     n_boot=n_boot, seed=seed, notes=notes, provenance=prov, ceiling=ceiling,
                                     ceiled_samples=None if ceiled_samples is None else ceiled_samples[:, j]))
        return scores

    def _rsa_session(self, model: Model, session: str, layers: list[str], ids: np.ndarray, y: np.ndarray,
                     n_boot: int, seed: int, progress: bool) -> tuple[np.ndarray, np.ndarray]:
        """Per-layer Spearman rho of one session and its resamples, as ``cowley2023.v4_rsa`` computes them."""
        results = session_results(model, session, layers, "rdm", progress)
        data = rdm(y, method="correlation", stimulus_id=ids)
        models = RDM(np.stack([results[layer]["rdm"] for layer in layers]), ids, descriptors={"layer": list(layers)})
        boot = bootstrap_stimuli(models, data, method=self.metric_options.get("comparison", "spearman"),
                                 n_boot=n_boot, seed=seed, ceiling=False)
        point = np.asarray(boot.point, dtype=np.float64).reshape(len(layers))
        return point, np.asarray(boot.samples, dtype=np.float64).reshape(n_boot, len(layers))


def _metric_error(metric: str) -> str:
    if metric == "soft_matching":
        return ("soft_matching is not offered on Cowley V4: it is invariant only to permutations of units, so it "
                "needs each layer's full activations (the benchmark keeps the n x n Gram matrix); use "
                "neurovision.similarity.soft_matching on activations you extract")
    if metric == "linear_predictivity":
        return "linear_predictivity on Cowley V4 is cowley2023.v4 (PredictivityBenchmark); use v4_metric()"
    return f"unknown metric {metric!r} for Cowley V4; known: {', '.join(SIMILARITY_METRICS + ('linear_predictivity',))}"


def _check_options(metric: str, options: dict) -> None:
    import inspect

    from ...similarity import METHODS

    allowed = [k for k in inspect.signature(METHODS[metric]).parameters if k not in ("X", "Y")]
    extra = [k for k in options if k not in allowed]
    if extra:
        raise ValueError(f"{metric}: unknown option(s) {', '.join(map(repr, extra))}; {metric} takes "
                         f"{', '.join(allowed) if allowed else 'no options'}")


def v4_metric(metric: str, sessions: Iterable | None = None, **options) -> Benchmark:
    """A Cowley V4 benchmark under ``metric``, one of :data:`neurovision.similarity.METHODS` but ``soft_matching``.

    ``linear_predictivity`` → ``cowley2023.v4`` (:class:`PredictivityBenchmark`: the Cowley ridge read-out on
    centred, unstandardised features, the split-half ceiling of the units); any other →
    :class:`SimilarityV4Benchmark` with identifier ``cowley2023.v4_<metric>`` (``cowley2023.v4_cka`` for
    ``linear_cka``; ``cowley2023.v4_rsa_ceiled`` for ``rsa``, which adds the split-half ceiling to
    ``cowley2023.v4_rsa``'s values). ``options`` are the measure's keyword options (e.g. ``alpha=0.5`` for
    ``shape_metric``); an unknown metric or option is a ValueError.
    """
    sessions = check_sessions(sessions)
    if metric == "linear_predictivity":
        if options:
            raise ValueError(f"linear_predictivity on Cowley V4 takes no options; got {sorted(options)}")
        return PredictivityBenchmark(identifier="cowley2023.v4", regression="ridge", sessions=sessions)
    if metric not in SIMILARITY_METRICS:
        raise ValueError(_metric_error(metric))
    name = {"linear_cka": "cka", "rsa": "rsa_ceiled"}.get(metric, metric)
    suffix = "" if not options else "[" + ",".join(f"{k}={v}" for k, v in sorted(options.items())) + "]"
    return SimilarityV4Benchmark(identifier=f"cowley2023.v4_{name}{suffix}", metric=metric, metric_options=options,
                                 sessions=sessions)


def v4_cka(sessions: Iterable | None = None) -> SimilarityV4Benchmark:
    """``cowley2023.v4_cka``: per-session linear CKA with the V4 population, averaged over sessions."""
    return SimilarityV4Benchmark(sessions=check_sessions(sessions))


def v4_debiased_cka(sessions: Iterable | None = None) -> SimilarityV4Benchmark:
    """``cowley2023.v4_debiased_cka``: per-session debiased linear CKA with the V4 population."""
    return SimilarityV4Benchmark(identifier="cowley2023.v4_debiased_cka", metric="debiased_cka",
                                 sessions=check_sessions(sessions))


def v4(sessions: Iterable | None = None) -> PredictivityBenchmark:
    """``cowley2023.v4``: ridge neural predictivity of V4 units (all 12 sessions by default)."""
    return PredictivityBenchmark(identifier="cowley2023.v4", regression="ridge", sessions=check_sessions(sessions))


def v4_pls(sessions: Iterable | None = None) -> PredictivityBenchmark:
    """``cowley2023.v4_pls``: 25-component PLS neural predictivity of V4 units."""
    return PredictivityBenchmark(
        identifier="cowley2023.v4_pls", regression="pls", sessions=check_sessions(sessions),
        description=("macaque V4 Utah-array units (Cowley et al. 2023), 12 sessions, 598 units, 12,640 images; "
                     "5-fold CV PLS (25 components), Pearson r on held-out images, median over units"))


def v4_rsa(sessions: Iterable | None = None) -> RSAV4Benchmark:
    """``cowley2023.v4_rsa``: per-session RSA with the V4 population, averaged over sessions."""
    return RSAV4Benchmark(sessions=check_sessions(sessions))
