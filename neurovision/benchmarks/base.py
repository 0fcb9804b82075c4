"""Benchmarks: stimuli + data + metric + ceiling, called as ``benchmark(model) -> Score``.

:class:`Benchmark` is the one contract every benchmark implements (ventral RSA, encoding, dorsal behaviour):
``identifier``, ``version``, ``citation``, ``region``, ``description``; ``bench(model, *, layer=None, n_boot=1000,
seed=0, progress=True, cache=True) -> Score`` (default layer: the model's commitment for ``region``);
``bench.score_layers(model, layers=None, ...) -> list[Score]`` (default: every layer — the layer profile);
``bench.ceiling()``. ``n_boot`` is validated once here (:func:`neurovision.rsa.check_n_boot`: 0 = no CI, 1 and
negatives are errors) and ``cache=False`` turns the result cache off for the call
(:func:`neurovision.cache.caching`).

:class:`RSABenchmark` is the subject-level RSA benchmark (Kriegeskorte et al. 2008; Nili et al. 2014):

1. the model's activations to the benchmark's stimuli at a layer → a correlation-distance RDM;
2. the comparison (Spearman ρ by default) of that RDM with each subject's RDM, averaged over subjects
   (subject RDM = mean over that subject's sessions) — the ``raw`` score;
3. the Nili et al. noise ceiling from the subjects' RDMs (needs ≥ 2 subjects);
4. a percentile bootstrap over stimuli (pairs of a resampled stimulus with its own copy excluded),
   recomputing raw score and ceiling on every resample → CI of raw and of ceiled.

Build one from your own data with :meth:`RSABenchmark.from_rdms` (subject RDMs) or
:meth:`RSABenchmark.from_responses` (``presentation × neuroid [× repetition]`` responses of one or more subjects).

Caching is by content only. Model RDMs are cached in ``<cache>/results/rdm`` keyed by the model's
:meth:`~neurovision.models.base.Model.fingerprint` at the layer (architecture, weights, preprocessing and the
layer's outputs to fixed probe images), the stimuli's pixels and ids, and the RDM method; whole results in
``<cache>/results/scores`` keyed additionally by the data RDMs actually used (their values and ids), the
benchmark's settings, layer set, number of resamples and seed — so re-scoring is seconds, and any change to what
determines a result gives a new key, whatever the names.
"""
from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import Field, dataclass, field, fields, is_dataclass
from typing import Callable, Iterable, Mapping

import numpy as np
import xarray as xr

from .. import __version__
from ..activations import default_device, extract_layers, layer_groups, layer_sizes
from ..cache import atomic_path, cache_dir, caching, content_key, enabled
from ..models.base import Model, callable_key
from ..progress import progress as show_progress
from ..rsa import METHODS, RDM, align, bootstrap_stimuli, check_n_boot, compare, noise_ceiling, rdm
from ..rsa.preprocessing import apply_rdm_steps, check_preprocessing, describe, rdm_steps
from ..rsa.reliability import odd_even_repeats, spearman_brown
from ..scores import Score, load_scores, make_score, scores_to_json
from ..stimuli.images import stimuli_hash


class Benchmark(ABC):
    """The contract of every benchmark (see the module docstring).

    Subclasses set ``identifier``, ``version``, ``citation``, ``region`` and ``description`` and implement
    :meth:`_score_layers`; the public calls validate ``n_boot`` and apply ``cache`` here, once.
    """

    identifier: str
    version: int
    citation: str
    region: str
    description: str

    def __call__(self, model: Model, *, layer: str | None = None, n_boot: int = 1000, seed: int = 0,
                 progress: bool = True, cache: bool = True, device=None) -> Score:
        """Score ``model`` at ``layer`` (default: :meth:`default_layers`, the model's committed layer for
        ``region``). ``n_boot`` bootstrap resamples give the 95% CI (0: no CI); ``cache=False`` neither reads nor
        writes cached results; ``device`` (``"cuda"``, ``"mps"``, …) runs the model's forward passes there."""
        layers = [layer] if layer is not None else self.default_layers(model)
        return self.score_layers(model, layers, n_boot=n_boot, seed=seed, progress=progress, cache=cache,
                                 device=device)[0]

    def score_layers(self, model: Model, layers: Iterable[str] | None = None, *, n_boot: int = 1000, seed: int = 0,
                     progress: bool = True, cache: bool = True, device=None) -> list[Score]:
        """One :class:`Score` per layer (default: every layer of the model) — the layer profile, all layers on the
        same bootstrap resamples."""
        n_boot = check_n_boot(n_boot)
        # progress=False silences every bar below (bootstrap, CV); device: where every extraction below runs
        with caching(cache), show_progress(progress), default_device(device):
            return self._score_layers(model, None if layers is None else list(layers), n_boot=n_boot, seed=seed,
                                      progress=progress)

    def default_layers(self, model: Model) -> list[str]:
        """The layer(s) scored when none is given: the model's commitment for :attr:`region`."""
        return [model.layer_for(self.region)]

    def ceiling(self) -> tuple[float, float] | None:
        """``(lower, upper)`` bounds of the benchmark's noise ceiling on its full data, or None when none can be
        estimated from the data (the Score's notes then say so)."""
        return None

    def content_key(self) -> str:
        """A key of everything that determines this benchmark's scores (other than the model and the call's
        arguments): the class, package version, identifier, version, and every setting — callables (data
        loaders, scoring functions) by their code (:func:`~neurovision.models.base.callable_key`). Subclasses
        add the data they score against. Used to key results outside the benchmark's own cache (sweeps)."""
        own_fields: tuple[Field, ...] = fields(self) if is_dataclass(self) else ()
        settings = {f.name: (callable_key(v) if callable(v) else v)
                    for f in own_fields for v in [getattr(self, f.name)]}
        return content_key("benchmark", type(self).__module__, type(self).__qualname__, __version__,
                           self.identifier, self.version, settings)

    @abstractmethod
    def _score_layers(self, model: Model, layers: list[str] | None, *, n_boot: int, seed: int,
                      progress: bool) -> list[Score]:
        """Compute the scores (``n_boot`` already validated, caching already set)."""


def provenance(benchmark: str, version: int, model: Model, **extra) -> dict:
    """The provenance every Score carries: package version, model identifier, weights sha256, the benchmark's
    identifier and version, the weights not loaded (e.g. a dropped classifier head) when there are any, plus
    ``extra``."""
    out = {"neurovision": __version__, "model": model.identifier, "weights_sha256": model.weights_hash,
           "benchmark": benchmark, "benchmark_version": version, **extra}
    if model.dropped_keys:
        out["weights_not_loaded"] = dict(model.dropped_keys)
    return out


def rdm_content_hash(data: RDM) -> str:
    """sha256 over an RDM stack's dissimilarities, stimulus ids and descriptors: the cache key of data RDMs."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(data.dissimilarities, dtype=np.float64).tobytes())
    h.update("\x00".join(map(str, data.stimulus_id)).encode())
    h.update(repr(sorted((k, list(map(str, v))) for k, v in (data.descriptors or {}).items())).encode())
    return h.hexdigest()


def data_rdm_from_xarray(da: xr.DataArray) -> RDM:
    """Subject RDMs from ``(subject[, session], stimulus_id, stimulus_id_2)`` (or one ``(stimulus_id,
    stimulus_id_2)`` RDM); sessions are averaged. Dims are checked by name (transposed into this order)."""
    expected = ("subject", "session", "stimulus_id", "stimulus_id_2")
    unknown = [d for d in da.dims if d not in expected]
    if unknown or "stimulus_id" not in da.dims or "stimulus_id_2" not in da.dims:
        raise ValueError(f"data RDMs must have dims (subject[, session], stimulus_id, stimulus_id_2); got {da.dims}")
    da = da.transpose(*[d for d in expected if d in da.dims])
    if "session" in da.dims:
        da = da.mean("session", keep_attrs=True)
    ids = da["stimulus_id"].values.astype(str)
    if "stimulus_id_2" in da.coords and not np.array_equal(da["stimulus_id_2"].values.astype(str), ids):
        raise ValueError("data RDMs: the stimulus_id and stimulus_id_2 coordinates differ (rows and columns must "
                         "list the same stimuli in the same order)")
    if "subject" not in da.dims:
        return RDM(da.values, ids)
    return RDM(da.values, ids, descriptors={"subject": [str(s) for s in da["subject"].values]})


def model_rdms(model: Model, stimuli: xr.DataArray, layers: list[str], method: str = "correlation",
               progress: bool = True, max_bytes: float = 768e6, preprocessing=()) -> RDM:
    """One RDM per layer (stacked, descriptor ``layer``), computed once and cached by content.

    ``preprocessing``: the steps of :mod:`neurovision.rsa.preprocessing` applied to the activations before the RDM
    and to the RDM after it (default none); they enter the cache key when given.

    Memory stays bounded when many layers are requested: layers are extracted in groups whose
    activations fit ``max_bytes`` (one pass over the stimuli per group), each group's RDMs are computed
    and its activations freed before the next group runs.
    """
    stim_key = stimuli_hash(stimuli)
    folder = cache_dir("results") / "rdm"
    use_cache = enabled()
    steps = check_preprocessing(preprocessing)
    extra = (("preprocessing", steps),) if steps else ()  # the key of no preprocessing is the key it always had
    keys = {layer: content_key("model_rdm", __version__, model.fingerprint([layer]), stim_key, layer, method, *extra)
            for layer in layers} if use_cache else {}
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
                try:
                    mats[layer] = np.asarray(rdm(acts.pop(layer), method=method, preprocessing=steps).matrix,
                                             dtype=np.float64)
                except ValueError as err:
                    raise ValueError(f"layer {layer!r} of model {model.identifier!r}: {err}") from None
                if use_cache:
                    with atomic_path(folder / f"{keys[layer]}.npy") as tmp:
                        with open(tmp, "wb") as f:
                            np.save(f, mats[layer])
    ids = stimuli["stimulus_id"].values.astype(str)
    return RDM(np.stack([mats[layer] for layer in layers]), ids, descriptors={"layer": list(layers)})


def cached_scores(key: str, compute: Callable[[], list[Score]]) -> list[Score]:
    """The scores stored under ``key`` in ``<cache>/results/scores``, or ``compute()`` written there
    atomically (a killed run never leaves a half-written entry). Either way the scores returned are the ones
    read back from the file (values rounded to 12 significant digits by :func:`scores_to_json`), so a first
    (cold) and a later (warm) run give byte-identical outputs. With the cache off (:func:`~neurovision.cache.caching`)
    ``compute()`` is returned as computed and nothing is written."""
    if not enabled():
        return compute()
    path = cache_dir("results") / "scores" / f"{key}.json"
    if not path.is_file():
        scores_to_json(compute(), path)
    return load_scores(path)


@dataclass
class RSABenchmark(Benchmark):
    """A subject-level RSA benchmark (see the module docstring for the computation).

    ``load_stimuli()`` returns the stimulus set (``presentation × height × width × channel`` uint8 with
    ``stimulus_id``); ``load_data()`` the subject RDMs ``(subject[, session], stimulus_id, stimulus_id_2)``.
    ``load_split_halves()``, when given (one subject with repeated measurements, :meth:`from_responses`), returns the
    two RDMs of the odd and even repetitions: the ceiling is then their Spearman–Brown corrected agreement
    (both bounds equal) instead of the Nili et al. (2014) between-subject interval.

    ``preprocessing`` (default ``()``, none): steps of :mod:`neurovision.rsa.preprocessing`, e.g.
    ``("standardize", ("pca", 50), "rdm_double_center")``. Pattern steps (``standardize``, ``cocktail_blank``,
    ``("pca", k)``, ``("random_projection", k[, seed])``) act on the model's activations; the RDM step
    ``rdm_double_center`` on the model's RDM *and* on every data RDM (each subject's, after averaging its sessions,
    and the split halves), so both sides are compared in the same form. The canonical steps enter every cache key
    and are recorded in each Score's ``metric`` and ``provenance["preprocessing"]``. The double centring is applied
    once, on all stimuli, before the bootstrap (resamples reuse it).
    """

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
    load_split_halves: Callable[[], tuple[RDM, RDM]] | None = None
    preprocessing: tuple = ()

    def __post_init__(self) -> None:
        if self.comparison not in METHODS:
            raise ValueError(f"unknown comparison {self.comparison!r}; known: {', '.join(sorted(METHODS))}")
        self.preprocessing = check_preprocessing(self.preprocessing)

    def _rdm_steps(self, data: RDM) -> RDM:
        """``data`` with the benchmark's RDM preprocessing steps applied (the same object when there are none)."""
        if not rdm_steps(self.preprocessing):
            return data
        return RDM(apply_rdm_steps(data.dissimilarities, self.preprocessing), data.stimulus_id,
                   descriptors=data.descriptors)

    def _halves(self) -> tuple[RDM, RDM] | None:
        if self.load_split_halves is None:
            return None
        a, b = self.load_split_halves()
        return self._rdm_steps(a), self._rdm_steps(b)

    # ------------------------------------------------------------------------------------------ constructors
    @classmethod
    def from_rdms(cls, identifier: str, stimuli: xr.DataArray, rdms, region: str, *, stimulus_ids=None,
                  comparison: str = "spearman", rdm_method: str = "correlation", citation: str = "",
                  description: str = "", version: int = 1) -> "RSABenchmark":
        """A benchmark from your own subject RDMs.

        ``stimuli``: a stimulus set (e.g. :func:`neurovision.stimuli_from_files`). ``rdms``: an xarray
        ``(subject[, session], stimulus_id, stimulus_id_2)`` (sessions are averaged per subject), or a numpy array
        ``(n_subjects, n, n)`` / ``(n, n)`` of square RDMs together with ``stimulus_ids`` (length n, the order of
        the rows). With two or more subjects the ceiling is Nili et al.'s (2014) interval; with one RDM there is
        none (raw score only). Every data stimulus must be in ``stimuli``; the error lists the ones missing.
        """
        data = _rdms_as_xarray(rdms, stimulus_ids)
        check_ids_in(data["stimulus_id"].values.astype(str), stimuli, "the data RDMs")
        data_rdm_from_xarray(data)  # validate now, not at the first score
        return cls(identifier=identifier, region=region, load_stimuli=lambda: stimuli, load_data=lambda: data,
                   citation=citation, description=description, version=version, comparison=comparison,
                   rdm_method=rdm_method)

    @classmethod
    def from_responses(cls, identifier: str, stimuli: xr.DataArray, responses, region: str, *,
                       comparison: str = "spearman", rdm_method: str = "correlation", citation: str = "",
                       description: str = "", version: int = 1) -> "RSABenchmark":
        """A benchmark from your own measured responses.

        ``responses``: an xarray ``presentation × neuroid [× repetition]`` with a ``stimulus_id`` coordinate on
        ``presentation`` (one subject), optionally with a ``subject`` dim, or a mapping ``{subject: DataArray}`` (the
        subjects may have different neuroids). Each subject's RDM (``rdm_method``) is computed from its responses
        averaged over repetitions (NaN repetitions ignored). Ceiling: with two or more subjects, Nili et al.'s
        (2014) interval; with one subject and ≥ 2 repetitions, the split-half reliability — the comparison between
        the RDMs of the odd and of the even valid repetitions of each presentation × neuroid
        (:func:`neurovision.rsa.reliability.odd_even_repeats`), Spearman–Brown corrected to the full data; with one
        subject and no repetitions, none.
        """
        subjects = _responses_by_subject(responses)
        rdms, halves = [], None
        for name, da in subjects.items():
            rdms.append(rdm(_mean_repetitions(da), method=rdm_method))
            check_ids_in(rdms[-1].stimulus_id, stimuli, f"the responses of subject {name!r}")
        ids = rdms[0].stimulus_id
        for name, r in zip(subjects, rdms):
            if sorted(r.stimulus_id) != sorted(ids):
                raise ValueError(f"subject {name!r} has responses to other stimuli than subject {list(subjects)[0]!r}")
        mats = np.stack([r.subset(ids).matrix for r in rdms])
        data = xr.DataArray(mats, dims=("subject", "stimulus_id", "stimulus_id_2"),
                            coords={"subject": [str(s) for s in subjects], "stimulus_id": ids, "stimulus_id_2": ids})
        only = next(iter(subjects.values())) if len(subjects) == 1 else None
        if only is not None and "repetition" in only.dims and only.sizes["repetition"] >= 2:
            reps = only.transpose("presentation", "neuroid", "repetition")
            template = reps.isel(repetition=0, drop=True)
            odd, even = (rdm(_mean_repetitions(template.copy(data=half)), method=rdm_method)
                         for half in odd_even_repeats(reps.values))
            halves = (odd, even)
        return cls(identifier=identifier, region=region, load_stimuli=lambda: stimuli, load_data=lambda: data,
                   citation=citation, description=description, version=version, comparison=comparison,
                   rdm_method=rdm_method, load_split_halves=None if halves is None else (lambda: halves))

    # ------------------------------------------------------------------------------------------------ data
    def data_rdms(self) -> RDM:
        """The subject RDMs (one per subject, sessions averaged), with the RDM preprocessing steps applied."""
        return self._rdm_steps(data_rdm_from_xarray(self.load_data()))

    def ceiling(self) -> tuple[float, float] | None:
        """Nili et al. (2014) ``(lower, upper)`` with ≥ 2 subjects; the Spearman–Brown split-half reliability
        (both bounds) for one subject with repetitions; None for a single RDM."""
        halves = self._halves()
        if halves is not None:
            a, b = halves
            r = spearman_brown(float(np.ravel(compare(a, b.subset(a.stimulus_id), method=self.comparison))[0]))
            return float(r), float(r)
        data = self.data_rdms()
        if data.n_rdms <= 1:
            return None
        lower, upper = noise_ceiling(data, method=self.comparison)
        return float(lower), float(upper)

    def content_key(self) -> str:
        """:meth:`Benchmark.content_key` plus the data RDMs (values, ids), the split halves and the stimuli."""
        halves = self._halves() or ()
        return content_key(super().content_key(), rdm_content_hash(self.data_rdms()),
                           [rdm_content_hash(h) for h in halves], stimuli_hash(self.load_stimuli()))

    def _metric_text(self) -> str:
        """The Score's ``metric``: comparison, RDM method and, when there is any, the preprocessing."""
        text = f"{self.comparison} (RDM: {self.rdm_method})"
        return text + (f"; preprocessing: {describe(self.preprocessing)}" if self.preprocessing else "")

    def score_selected(self, model: Model, layers: Iterable[str] | None = None, n_boot: int = 1000,
                       seed: int = 0, split_seed: int = 0, progress: bool = True) -> Score:
        """Best layer chosen on one half of the stimuli, scored on the other (see :func:`score_selected`)."""
        return score_selected(self, model, layers, n_boot=check_n_boot(n_boot), seed=seed, split_seed=split_seed,
                              progress=progress)

    def _score_layers(self, model: Model, layers: list[str] | None, *, n_boot: int, seed: int,
                      progress: bool) -> list[Score]:
        layers = model.check_layers(list(layers) if layers is not None else list(model.layers))
        stimuli = held_out(self.load_stimuli(), model)
        data = self.data_rdms()
        halves = self._halves()
        extra = (("preprocessing", self.preprocessing),) if self.preprocessing else ()  # none: the key it always had
        key = content_key("scores", __version__, self.identifier, self.version, self.comparison, self.rdm_method,
                          rdm_content_hash(data), [rdm_content_hash(h) for h in halves or ()], model.identifier,
                          model.fingerprint(layers), stimuli_hash(stimuli), layers, n_boot, seed, *extra)
        return cached_scores(key, lambda: self._score(model, stimuli, data, halves, layers, n_boot, seed, progress))

    def _score(self, model: Model, stimuli: xr.DataArray, data: RDM, halves, layers: list[str], n_boot: int,
               seed: int, progress: bool) -> list[Score]:
        models = model_rdms(model, stimuli, layers, self.rdm_method, progress=progress,
                            preprocessing=self.preprocessing)
        models, data = align(models, data, names=(f"model {model.identifier!r}", f"benchmark {self.identifier!r}"))
        nili = data.n_rdms > 1 and halves is None
        boot = bootstrap_stimuli(models, data, method=self.comparison, n_boot=n_boot, seed=seed, ceiling=nili)
        prov = provenance(self.identifier, self.version, model, stimuli_sha256=stimuli_hash(stimuli),
                          data_sha256=dict(self.data_files),
                          data_rdms_sha256=rdm_content_hash(data), rdm_method=self.rdm_method,
                          n_subjects=int(data.n_rdms), n_stimuli=int(data.n_conditions))
        if self.preprocessing:
            prov["preprocessing"] = [list(s) if isinstance(s, tuple) else s for s in self.preprocessing]
        ceiling = ceiled_samples = None
        notes = ""
        if nili:
            ceiling = noise_ceiling(data, method=self.comparison)
            ceiled_samples = boot.ceiled_samples() if n_boot else None
        elif halves is not None:
            a, b = (align(models, h, names=(f"model {model.identifier!r}", "split half"))[1] for h in halves)
            split = bootstrap_stimuli(a, b, method=self.comparison, n_boot=n_boot, seed=seed, ceiling=False)
            reliability = float(spearman_brown(float(np.ravel(split.point)[0])))
            ceiling = (reliability, reliability)
            ceiled_samples = boot.samples / spearman_brown(np.asarray(split.samples)[:, :1]) if n_boot else None
            notes = ("ceiling = Spearman-Brown corrected agreement of the odd- and even-repetition RDMs "
                     "(split-half reliability; the resamples' ceiling is recomputed on each resample)")
            prov["ceiling"] = {"method": "split-half (odd/even repetitions), Spearman-Brown",
                               "split_half": float(np.ravel(split.point)[0]), "reliability": reliability}
        else:
            notes = ("no noise ceiling: the data are a single RDM, so between-subject reliability cannot be "
                     "estimated; raw score only")
        if model.chosen_on.get("stimulus_id"):
            notes = (notes + "; " if notes else "") + (
                f"scored on the {data.n_conditions} stimuli not used to choose the model's commitment")
        samples = np.asarray(boot.samples)
        return [make_score(raw=float(boot.point[i]), samples=samples[:, i], model=model.identifier, layer=layer,
                           benchmark=self.identifier, metric=self._metric_text(),
                           n_boot=n_boot, seed=seed, provenance=prov, ceiling=ceiling,
                           ceiled_samples=None if ceiled_samples is None else np.asarray(ceiled_samples)[:, i],
                           notes=notes)
                for i, layer in enumerate(layers)]


def _rdms_as_xarray(rdms, stimulus_ids) -> xr.DataArray:
    """Subject RDMs as ``(subject, stimulus_id, stimulus_id_2)`` from an xarray (dims checked by name) or from a
    square numpy array ``(n, n)`` / ``(n_subjects, n, n)`` plus ``stimulus_ids``."""
    if isinstance(rdms, xr.DataArray):
        if stimulus_ids is not None:
            raise ValueError("stimulus_ids are read from the xarray's stimulus_id coordinate; do not pass them too")
        if "stimulus_id" not in rdms.coords:
            raise ValueError(f"the RDM xarray needs a 'stimulus_id' coordinate; it has {list(rdms.coords)}")
        return rdms
    a = np.asarray(rdms, dtype=float)
    if stimulus_ids is None:
        raise ValueError("numpy RDMs need stimulus_ids (one id per row, in row order)")
    ids = np.asarray(stimulus_ids).astype(str)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[1] != a.shape[2]:
        raise ValueError(f"numpy RDMs must be square, (n, n) or (n_subjects, n, n); got shape {np.shape(rdms)} "
                         "(condensed vectors: convert with scipy.spatial.distance.squareform)")
    if a.shape[1] != len(ids):
        raise ValueError(f"{len(ids)} stimulus_ids for RDMs over {a.shape[1]} stimuli")
    return xr.DataArray(a, dims=("subject", "stimulus_id", "stimulus_id_2"),
                        coords={"subject": [str(i) for i in range(a.shape[0])], "stimulus_id": ids,
                                "stimulus_id_2": ids})


def check_ids_in(ids: Iterable[str], stimuli: xr.DataArray, what: str) -> None:
    """ValueError unless every id of ``ids`` is a ``stimulus_id`` of ``stimuli``; the message names ``what``
    (e.g. ``"the responses"``) and up to 10 of the ids the stimulus set lacks. The ``from_rdms`` /
    ``from_responses`` constructors of user-data benchmarks check their data with it."""
    have = set(stimuli["stimulus_id"].values.astype(str))
    missing = [i for i in ids if i not in have]
    if missing:
        raise ValueError(f"{what} have {len(missing)} stimulus ids that the stimulus set lacks: "
                         f"{missing[:10]}{' ...' if len(missing) > 10 else ''}")


def _responses_by_subject(responses) -> dict[str, xr.DataArray]:
    """``{subject: presentation × neuroid [× repetition]}`` from a DataArray (optional ``subject`` dim) or a mapping;
    dims are checked by name."""
    if isinstance(responses, Mapping):
        subjects = {str(k): v for k, v in responses.items()}
    elif isinstance(responses, xr.DataArray):
        subjects = ({str(s): responses.sel(subject=s, drop=True) for s in responses["subject"].values}
                    if "subject" in responses.dims else {"0": responses})
    else:
        raise TypeError(f"responses must be an xarray.DataArray or a mapping subject -> DataArray; got "
                        f"{type(responses).__name__}")
    if not subjects:
        raise ValueError("no responses given")
    for name, da in subjects.items():
        if not isinstance(da, xr.DataArray):
            raise TypeError(f"responses of subject {name!r} must be an xarray.DataArray")
        extra = set(da.dims) - {"presentation", "neuroid", "repetition"}
        if "presentation" not in da.dims or "neuroid" not in da.dims or extra:
            raise ValueError(f"responses of subject {name!r} must have dims presentation × neuroid [× repetition]; "
                             f"got {da.dims}")
        if "stimulus_id" not in da.coords or da["stimulus_id"].dims != ("presentation",):
            raise ValueError(f"responses of subject {name!r} need a 'stimulus_id' coordinate on 'presentation'")
    return subjects


def _mean_repetitions(da: xr.DataArray) -> xr.DataArray:
    """``presentation × neuroid``: the mean over ``repetition`` (NaN repetitions ignored); an error when a
    presentation × neuroid has no finite value."""
    if "repetition" in da.dims:
        with np.errstate(invalid="ignore"):
            da = da.mean("repetition", skipna=True)
    da = da.transpose("presentation", "neuroid")
    if not np.isfinite(da.values).all():
        raise ValueError("responses have presentation × neuroid entries without any finite value")
    return da


def held_out(stimuli: xr.DataArray, model: Model) -> xr.DataArray:
    """``stimuli`` without those the model's commitment was chosen on (no selection leaks into a score)."""
    chosen = model.chosen_on.get("stimulus_id", frozenset())
    if not chosen:
        return stimuli
    keep = ~np.isin(stimuli["stimulus_id"].values.astype(str), list(chosen))
    if keep.sum() < 3:
        raise ValueError(f"fewer than 3 stimuli remain after removing the {len(chosen)} "
                         f"stimuli {model.identifier!r}'s commitment was chosen on")
    return stimuli.isel(presentation=np.flatnonzero(keep))


def split_halves(stimuli: xr.DataArray, seed: int = 0,
                 stratify: str | None = "category") -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint halves of the stimulus ids, stratified by ``stratify`` when that coordinate exists."""
    rng = np.random.default_rng(seed)
    ids = stimuli["stimulus_id"].values.astype(str)
    groups = stimuli[stratify].values if stratify and stratify in stimuli.coords else np.zeros(len(ids))
    a: list[str] = []
    b: list[str] = []
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
    models = model_rdms(model, stimuli, layers, bench.rdm_method, progress=progress, preprocessing=bench.preprocessing)
    models, data = align(models, bench.data_rdms(), names=(f"model {model.identifier!r}",
                                                           f"benchmark {bench.identifier!r}"))
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
    ceiled = np.mean([b.ceiled_samples()[:, 0] for b in boots], axis=0) if ceilings and n_boot else None
    return make_score(raw=raw, samples=samples, model=model.identifier, layer=f"A:{chosen[0]}|B:{chosen[1]}",
                      benchmark=bench.identifier,
                      metric=f"{bench._metric_text()}; layer chosen on the other half",
                      n_boot=n_boot, seed=seed, notes=f"split-half layer selection (split seed {split_seed})",
                      ceiling=tuple(np.mean(ceilings, axis=0)) if ceilings else None, ceiled_samples=ceiled,
                      provenance=provenance(bench.identifier, bench.version, model,
                                            stimuli_sha256=stimuli_hash(stimuli),
                                            data_rdms_sha256=rdm_content_hash(data), half_a=half_a.tolist(),
                                            half_b=half_b.tolist()))
