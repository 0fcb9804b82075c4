"""Macaque MT speed tuning: ``nover2005.mt_speed_tuning``.

Compares the speed tuning of a video model's MT layer with that of 470 macaque MT neurons (Nover, Anderson &
DeAngelis 2005, J Neurosci 25:10049-10060; data :mod:`neurovision.data.nover2005`), by the distributions of
single-unit tuning properties (Marques, Schrimpf & DiCarlo 2021, Sci Adv 7:eabd6127) and by the population's
representational geometry over speed.

Measurement (:func:`measure_speed_tuning`)
------------------------------------------
100 %-coherent random dots (:func:`~neurovision.stimuli.motion.patterns.random_dots`: mixed-polarity dots of
radius 1 deg, 0.05 dots/deg², Michelson contrast 1 on a 0.5 grey) fill the model's frame (its own ``height`` ×
``width`` px, ``px_per_deg`` and ``ms_per_frame``), moving for :data:`STIMULUS_MS` = 500 ms in each of 8
directions (0, 45, …, 315 deg) at each speed of :data:`SPEEDS` = {0, 0.5, 1, 2, 4, 8, 16, 32} deg/s (the
neurons' common speed set; speed 0 = stationary dots, shared by all directions), with :data:`N_SEEDS` = 4 dot
layouts (seeds) per condition as repeats, plus one blank (uniform 0.5 grey) video. The video is extended by the
model's input delay so that the network sees all 500 ms. A unit's response to a video is its mean activation over
the network time steps at which it sees stimulus time 200–500 ms (:data:`WINDOW_MS`, the sustained response after
the onset transient); a layer without a time axis is used as it is. For a layer with spatial positions (output
``(batch, time, channel, y, x)`` or ``(batch * time, channel, y, x)``) only the units at the central position(s)
(the middle row/column, the middle two for an even size) are used, all channels; other layers use every unit.

Each unit's preferred direction is the direction of its largest mean response at 8 deg/s (:data:`PROBE_SPEED`),
as for the neurons, whose speed tuning was measured in their preferred direction; its speed tuning is the series
over :data:`SPEEDS` in that direction.

Model activations can be negative (a GRU's lie in (-1, 1)). They are turned into rate-like responses by one
shift per unit: the unit's lowest mean response over the blank and the 8 speeds in its preferred direction is
taken as zero rate (rates = activation - that minimum; trials are shifted by the same amount). Neurons' rates are
used as recorded.

Tuning properties (:func:`tuning_properties`, the same code for units and neurons)
------------------------------------------------------------------------------------
Selection: a unit (neuron) is kept when a one-way ANOVA of its trials over the 8 speeds gives p <
:data:`ANOVA_P` = 0.01 (trials = dot seeds for a model, recorded trials for neurons) and its modulation (max − min
of the mean rates over speeds) is at least :data:`MIN_MODULATION` = 1 % of the largest modulation in its
population (which drops numerically dead units). Neurons: those that saw all 8 speeds (466 of 470).

Fit: the log-Gaussian of Nover et al. (2005) and of the data's fits,
``r(s) = base + amp * exp(-log((s + offset) / (pref + offset))^2 / (2 sigma^2))``, by least squares on the mean
rates (``scipy.optimize.least_squares``, bounds base, amp >= 0, 0.1 <= sigma <= 20, 0 <= offset <= 10 deg/s,
0.01 <= pref <= 100 deg/s, best of 3 starts). Properties:

* ``preferred_speed`` — the fitted ``pref`` (deg/s), the speed of the curve's peak;
* ``tuning_width`` — the fitted ``sigma`` (natural-log units of ``s + offset``);
* ``baseline_ratio`` — the mean rate to stationary dots (speed 0) / the largest mean rate over the 8 speeds
  (from the measured means, not the fit).

Neurons' properties are computed by this same fit from their recorded mean rates (the repository's own fits,
``fit`` in the data, agree; see the tests).

Score
-----
(a) Per property: similarity = 1 − KS statistic (two-sample Kolmogorov–Smirnov) between the model units' and the
neurons' distributions (Marques et al. 2021). Ceiling: 1 − KS between two random halves of the neurons, averaged
over :data:`N_SPLITS` = 100 splits, without a correction for the halves' smaller size (as Marques et al.); a
model with as many units as half the neurons drawn from the neurons' distribution would score about this ceiling.

(b) Population RDM over the 8 speeds: correlation distance between the speeds' response patterns across the
selected units' mean rates (neurons: their mean rates in spikes/s), compared with the neurons' RDM by Spearman ρ
over the 28 pairs. Ceiling: Spearman ρ between the RDMs of two random halves of the neurons, Spearman–Brown
corrected to the full set (:func:`neurovision.rsa.reliability.spearman_brown`), averaged over the splits.
``population_metric="linear_cka"`` or ``"debiased_cka"`` replaces (b) by CKA between the speed × unit mean-rate
matrices (:func:`neurovision.compare_representations`), its ceiling the same CKA between halves of the neurons,
uncorrected; the metric is recorded in the Score.

raw = the mean of the four components (three property similarities and the RDM ρ), ceiling = the mean of their
four ceilings, ceiled = raw / ceiling clipped to [0, 1]. CI: a percentile bootstrap resampling model units and
neurons (with replacement, both in every replicate) and recomputing raw; the ceiled CI divides these by the
full-data ceiling. Fewer than :data:`MIN_UNITS` = 10 selected units give a NaN score with a warning and a note.
Every component, its ceiling, the distributions' summaries and the stimulus parameters are in the score's
``provenance["details"]``.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import xarray as xr

from ...data import nover2005 as nover2005_data
from ...models.base import Model, VideoModel
from ...rsa.reliability import spearman_brown
from ...scores import Score, make_score
from ...stimuli.motion.patterns import random_dots
from ..base import Benchmark, provenance

IDENTIFIER = "nover2005.mt_speed_tuning"
CITATION = ("Nover H, Anderson CH, DeAngelis GC (2005). A logarithmic, scale-invariant representation of speed in "
            "macaque middle temporal area accounts for speed discrimination performance. J Neurosci "
            "25(43):10049-10060. Method: Marques T, Schrimpf M, DiCarlo JJ (2021). Multi-scale hierarchical neural "
            "network models that bridge from single neurons in the primate primary visual cortex to object "
            "recognition behavior. Sci Adv 7:eabd6127.")

SPEEDS = nover2005_data.STANDARD_SPEEDS
DIRECTIONS = (0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0)
PROBE_SPEED = 8.0
STIMULUS_MS = 500.0
WINDOW_MS = (200.0, 500.0)
N_SEEDS = 4
DOTS = {"contrast": 1.0, "density": 0.05, "dot_radius_deg": 1.0, "polarity": "mixed", "background": 0.5}
ANOVA_P = 0.01
MIN_MODULATION = 0.01
MIN_UNITS = 10
N_SPLITS = 100
PROPERTIES = ("preferred_speed", "tuning_width", "baseline_ratio")
#: least-squares bounds of [base, amp, sigma, offset, pref]
_LOWER = np.array([0.0, 0.0, 0.1, 0.0, 0.01])
_UPPER_FIXED = np.array([np.inf, np.inf, 20.0, 10.0, 100.0])


# ---------------------------------------------------------------------------------------------------- measurement
def _check_model(model: object) -> VideoModel:
    if not isinstance(model, VideoModel):
        raise ValueError(f"{IDENTIFIER} drives a video model with moving dots; {getattr(model, 'identifier', model)!r} "
                         "is not a VideoModel")
    return model


def _central_units(shape: tuple[int, ...], n_neuroid: int) -> np.ndarray | None:
    """Indices of the central-position units of a spatial layer whose output (one call) has ``shape``, or None
    when the layer has no spatial positions. ``n_neuroid`` = units per stimulus and time step."""
    for per in (shape[2:], shape[1:]):
        if len(per) == 3 and int(np.prod(per)) == n_neuroid and per[1] > 1 and per[2] > 1:
            c, h, w = per
            rows = sorted({(h - 1) // 2, h // 2})
            cols = sorted({(w - 1) // 2, w // 2})
            idx = [ch * h * w + y * w + x for ch in range(c) for y in rows for x in cols]
            return np.asarray(idx)
    return None


def measure_speed_tuning(model: VideoModel, layer: str, *, n_seeds: int = N_SEEDS, progress: bool = False,
                         extract: Callable | None = None) -> xr.Dataset:
    """The responses of ``layer`` of ``model`` to the random-dot stimuli described in the module docstring.

    Returns a Dataset with ``responses`` ``(neuroid, direction, speed, seed)`` (mean activation over the response
    window; direction in deg, speed in deg/s) and ``blank`` ``(neuroid,)``; attrs: the stimulus parameters and
    ``spatial`` (whether only central units were kept). ``extract`` replaces
    :func:`neurovision.activations.extract_layers` (tests).
    """
    import torch

    from ...activations import extract_layers
    from ...stimuli.videos import video_set

    _check_model(model)
    if int(n_seeds) != n_seeds or n_seeds < 2:
        raise ValueError(f"n_seeds must be an integer >= 2 (repeats for the ANOVA); got {n_seeds!r}")
    extract = extract or extract_layers
    ms = float(model.ms_per_frame)
    stim_frames = int(round(STIMULUS_MS / ms))
    w0, w1 = int(round(WINDOW_MS[0] / ms)), int(round(WINDOW_MS[1] / ms))
    if w1 - w0 < 1 or stim_frames < w1:
        raise ValueError(f"ms_per_frame={ms} is too long for a {STIMULUS_MS:g} ms stimulus with a "
                         f"{WINDOW_MS[0]:g}-{WINDOW_MS[1]:g} ms response window")
    delay = int(model.delay_frames)
    n_frames = stim_frames + delay
    kw = dict(height=int(model.height), width=int(model.width), ms_per_frame=ms, px_per_deg=float(model.px_per_deg),
              **DOTS)
    videos, ids, index = [], [], []
    for seed in range(n_seeds):
        videos.append(random_dots(n_frames, 0.0, 0.0, seed=seed, **kw))
        ids.append(f"s0_seed{seed}")
        index.append((None, 0, seed))
        for d, direction in enumerate(DIRECTIONS):
            for s, speed in enumerate(SPEEDS[1:], start=1):
                videos.append(random_dots(n_frames, speed, direction, seed=seed, **kw))
                ids.append(f"d{direction:g}_s{speed:g}_seed{seed}")
                index.append((d, s, seed))
    videos.append(np.full((n_frames, kw["height"], kw["width"]), DOTS["background"], np.float32))
    ids.append("blank")
    stimuli = video_set(np.stack(videos), ids, name="nover2005_random_dots", ms_per_frame=ms)

    shapes: list[tuple[int, ...]] = []
    module = dict(model.network.named_modules()).get(layer)

    def hook(_m, _i, out):
        if not shapes:
            o = out[0] if isinstance(out, (tuple, list)) else out
            shapes.append(tuple(o.shape))

    handle = module.register_forward_hook(hook) if module is not None else None
    try:
        with torch.no_grad():
            acts = extract(model, stimuli, [layer], progress=progress)[layer]
    finally:
        if handle is not None:
            handle.remove()
    a = np.asarray(acts.values, np.float64)
    if a.ndim == 3:
        t0, t1 = delay + w0, delay + w1
        if a.shape[2] < t1:
            raise ValueError(f"layer {layer!r} has {a.shape[2]} time steps; the response window needs {t1}")
        a = a[:, :, t0:t1].mean(axis=2)
    keep = _central_units(shapes[0], a.shape[1]) if shapes else None
    if keep is not None:
        a = a[:, keep]
    n_units = a.shape[1]
    resp = np.empty((n_units, len(DIRECTIONS), len(SPEEDS), n_seeds))
    for row, (d, s, seed) in enumerate(index):
        if d is None:
            resp[:, :, 0, seed] = a[row][:, None]
        else:
            resp[:, d, s, seed] = a[row]
    units = np.arange(n_units) if keep is None else keep
    return xr.Dataset(
        {"responses": (("neuroid", "direction", "speed", "seed"), resp), "blank": (("neuroid",), a[-1])},
        coords={"neuroid": units, "direction": list(DIRECTIONS), "speed": list(SPEEDS), "seed": np.arange(n_seeds)},
        attrs={"layer": layer, "spatial": keep is not None, "stimulus_ms": STIMULUS_MS,
               "window_ms": list(WINDOW_MS), "n_frames": n_frames, "delay_frames": delay},
    )


def unit_speed_trials(measured: xr.Dataset) -> np.ndarray:
    """Rate-like speed trials ``(unit, speed, seed)`` in each unit's preferred direction (its largest mean
    response at :data:`PROBE_SPEED`), shifted so the unit's lowest mean over the blank and the 8 speeds is 0."""
    resp = measured["responses"].values
    probe = list(SPEEDS).index(PROBE_SPEED)
    pref_dir = resp[:, :, probe, :].mean(axis=2).argmax(axis=1)
    trials = resp[np.arange(resp.shape[0]), pref_dir]                       # (unit, speed, seed)
    floor = np.minimum(trials.mean(axis=2).min(axis=1), measured["blank"].values)
    return trials - floor[:, None, None]


# ------------------------------------------------------------------------------------------------------ properties
def _anova_p(trials: np.ndarray) -> np.ndarray:
    """One-way ANOVA p value per row of ``trials`` ``(unit, group, repeat)`` (NaN = missing trial)."""
    from scipy.stats import f as f_dist

    ok = ~np.isnan(trials)
    n_j = ok.sum(axis=2)
    x = np.where(ok, trials, 0.0)
    mean_j = x.sum(axis=2) / np.maximum(n_j, 1)
    n = n_j.sum(axis=1)
    k = (n_j > 0).sum(axis=1)
    grand = x.sum(axis=(1, 2)) / np.maximum(n, 1)
    ssb = (n_j * (mean_j - grand[:, None]) ** 2).sum(axis=1)
    ssw = (np.where(ok, trials - mean_j[:, :, None], 0.0) ** 2).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        fval = (ssb / (k - 1)) / (ssw / (n - k))
    p = f_dist.sf(fval, k - 1, n - k)
    p[(ssb <= 0) | ~np.isfinite(fval) & ~((ssw == 0) & (ssb > 0))] = np.nan
    p[(ssw == 0) & (ssb > 0)] = 0.0
    return p


def fit_log_gaussian(speeds, rates) -> np.ndarray:
    """Least-squares fit of the log-Gaussian (:func:`neurovision.data.nover2005.log_gaussian`) to one tuning
    curve: ``rates`` (spikes/s or rate-like) at ``speeds`` (deg/s) → ``[base, amp, sigma, offset, pref]``. Bounds
    and starts as in the module docstring."""
    from scipy.optimize import least_squares

    s = np.asarray(speeds, np.float64)
    r = np.asarray(rates, np.float64)
    lo, hi = r.min(), r.max()
    span = max(hi - lo, 1e-12)
    upper = _UPPER_FIXED.copy()
    upper[0] = max(hi, 1e-12)
    upper[1] = 10 * span + 1e-12
    peak = float(np.clip(s[r.argmax()], 0.05, 90.0))
    best = None
    for pref0 in (peak, 2.0, 16.0):
        x0 = np.clip([max(lo, 0.0), span, 1.0, 1.0, pref0], _LOWER, upper - 1e-9 * (upper - _LOWER))
        res = least_squares(lambda p: nover2005_data.log_gaussian(s, *p) - r, x0, bounds=(_LOWER, upper),
                            x_scale=np.array([span, span, 1.0, 1.0, 4.0]), max_nfev=400)
        if best is None or res.cost < best.cost:
            best = res
    return np.asarray(best.x)


def tuning_properties(trials: np.ndarray, speeds=SPEEDS) -> dict:
    """Selection and tuning properties of a population from its speed trials ``(unit, speed, repeat)`` (NaN =
    missing trial; rates ≥ 0 expected), as in the module docstring.

    Returns a dict: ``selected`` (bool, per unit), ``p_anova``, ``modulation``, and for the selected units only
    ``mean`` ``(n_selected, n_speeds)``, ``fit`` ``(n_selected, 5)`` and the properties ``preferred_speed``,
    ``tuning_width``, ``baseline_ratio`` (each ``(n_selected,)``).
    """
    trials = np.asarray(trials, np.float64)
    speeds = np.asarray(speeds, np.float64)
    if trials.ndim != 3 or trials.shape[1] != speeds.size:
        raise ValueError(f"trials must be (unit, speed, repeat) with {speeds.size} speeds; got {trials.shape}")
    if speeds[0] != 0:
        raise ValueError(f"the first speed must be 0 (stationary; the baseline); got {speeds[0]}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(trials, axis=2)
    complete = np.isfinite(mean).all(axis=1)
    modulation = np.where(complete, np.nanmax(np.where(complete[:, None], mean, 0), axis=1)
                          - np.nanmin(np.where(complete[:, None], mean, 0), axis=1), 0.0)
    p = _anova_p(trials)
    top = modulation.max() if modulation.size else 0.0
    selected = complete & (p < ANOVA_P) & (modulation >= MIN_MODULATION * top) & (modulation > 0)
    m = mean[selected]
    fits = np.array([fit_log_gaussian(speeds, row) for row in m]).reshape(-1, 5)
    peak = m.max(axis=1) if m.size else np.zeros(0)
    return {
        "selected": selected, "p_anova": p, "modulation": modulation, "mean": m, "fit": fits,
        "preferred_speed": fits[:, 4], "tuning_width": fits[:, 2],
        "baseline_ratio": np.where(peak > 0, m[:, 0] / np.where(peak > 0, peak, 1), np.nan) if m.size else peak,
    }


@lru_cache(maxsize=1)
def neuron_properties() -> dict:
    """:func:`tuning_properties` of the MT neurons that saw all 8 speeds of :data:`SPEEDS` (their recorded trials
    at those speeds), plus ``neuroid`` (ids of the selected neurons) and ``n_recorded``."""
    ds = nover2005_data.load_mt_speed_tuning()
    ds = ds.isel(neuroid=ds["standard_set"].values).sel(speed=list(SPEEDS))
    props = tuning_properties(ds["responses"].values)
    props["neuroid"] = ds["neuroid"].values[props["selected"]]
    props["n_recorded"] = int(ds.sizes["neuroid"])
    props["repository_fit"] = ds["fit"].values[props["selected"]]
    return props


# ------------------------------------------------------------------------------------------------------- scoring
def ks_statistic(a, b) -> float:
    """Two-sample Kolmogorov–Smirnov statistic ``sup_x |F_a(x) - F_b(x)|`` of two samples (NaNs dropped)."""
    a = np.sort(np.asarray(a, np.float64)[~np.isnan(a)])
    b = np.sort(np.asarray(b, np.float64)[~np.isnan(b)])
    if a.size == 0 or b.size == 0:
        return float("nan")
    x = np.concatenate([a, b])
    fa = np.searchsorted(a, x, side="right") / a.size
    fb = np.searchsorted(b, x, side="right") / b.size
    return float(np.abs(fa - fb).max())


def speed_rdm(mean: np.ndarray) -> np.ndarray:
    """Correlation-distance RDM over speeds from mean responses ``(unit, speed)``: the upper triangle (28 values
    for 8 speeds) of ``1 - corr`` between the speeds' patterns across units."""
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.corrcoef(np.asarray(mean, np.float64).T)
    return 1.0 - c[np.triu_indices(c.shape[0], 1)]


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import rankdata

    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return float("nan")
    rx, ry = rankdata(x), rankdata(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


#: measures of the population component: Spearman ρ of the speed RDMs (``"rsa"``, the default), or linear /
#: debiased linear CKA (Kornblith et al. 2019; Song et al. 2012) between the speed × unit mean-rate matrices
POPULATION_METRICS = ("rsa", "linear_cka", "debiased_cka")


def population_similarity(model_mean: np.ndarray, neuron_mean: np.ndarray, metric: str = "rsa") -> float:
    """Similarity of two populations' speed tuning from their mean rates ``(unit, speed)``: ``"rsa"`` = Spearman ρ
    of the correlation-distance speed RDMs (:func:`speed_rdm`); ``"linear_cka"`` / ``"debiased_cka"`` =
    :func:`neurovision.compare_representations` with speeds as stimuli and units as features."""
    if metric == "rsa":
        return _spearman(speed_rdm(model_mean), speed_rdm(neuron_mean))
    if metric not in POPULATION_METRICS:
        raise ValueError(f"population metric must be one of {', '.join(POPULATION_METRICS)}; got {metric!r}")
    from ...similarity import compare_representations
    return float(compare_representations(np.asarray(model_mean, float).T, np.asarray(neuron_mean, float).T,
                                         metric))


def component_names(metric: str = "rsa") -> tuple[str, ...]:
    """The four components' names: the three properties and ``speed_rdm`` (rsa) or ``speed_<metric>``."""
    return (*PROPERTIES, "speed_rdm" if metric == "rsa" else f"speed_{metric}")


def _components(model: dict, neurons: dict, mi: np.ndarray, ni: np.ndarray, metric: str = "rsa") -> np.ndarray:
    out = [1.0 - ks_statistic(model[p][mi], neurons[p][ni]) for p in PROPERTIES]
    out.append(population_similarity(model["mean"][mi], neurons["mean"][ni], metric))
    return np.array(out)


def neuron_ceilings(neurons: dict, n_splits: int = N_SPLITS, seed: int = 0, metric: str = "rsa") -> np.ndarray:
    """Ceilings of the four components (:func:`component_names`) from random halves of the neurons: 1 − KS between
    halves per property, and the population measure between the halves — Spearman ρ of their speed RDMs
    Spearman–Brown corrected for ``"rsa"``; CKA uncorrected (Spearman–Brown predicts a correlation of parallel
    measurements, which CKA is not; the half-data value understates the full data's) — averaged over
    ``n_splits`` splits."""
    rng = np.random.default_rng(seed)
    n = neurons["mean"].shape[0]
    vals = []
    for _ in range(n_splits):
        perm = rng.permutation(n)
        h1, h2 = perm[: n // 2], perm[n // 2: 2 * (n // 2)]
        row = [1.0 - ks_statistic(neurons[p][h1], neurons[p][h2]) for p in PROPERTIES]
        pop = population_similarity(neurons["mean"][h1], neurons["mean"][h2], metric)
        row.append(float(spearman_brown(pop)) if metric == "rsa" else pop)
        vals.append(row)
    return np.nanmean(np.array(vals), axis=0)


def _summary(props: dict) -> dict:
    out = {"n": int(props["mean"].shape[0])}
    for p in PROPERTIES:
        v = props[p][np.isfinite(props[p])]
        out[p] = {q: (float(np.percentile(v, pc)) if v.size else None)
                  for q, pc in (("q25", 25), ("median", 50), ("q75", 75))}
    return out


def score_responses(model_props: dict, neurons: dict, *, n_boot: int, seed: int,
                    ceilings: np.ndarray | None = None, metric: str = "rsa") -> dict:
    """The score of a model population against the neurons, both as returned by :func:`tuning_properties`.

    ``metric``: the population component's measure (:data:`POPULATION_METRICS`).
    Returns ``raw``, ``ceiling``, ``components`` and ``component_ceilings`` (dicts over :func:`component_names`),
    ``samples`` (``n_boot`` bootstrap replicates of raw, units and neurons resampled together) and ``n_units``.
    With fewer than :data:`MIN_UNITS` selected units, ``raw`` and ``samples`` are NaN.
    """
    ceil = neuron_ceilings(neurons, metric=metric) if ceilings is None else np.asarray(ceilings, float)
    names = component_names(metric)
    n_m, n_n = model_props["mean"].shape[0], neurons["mean"].shape[0]
    out = {"n_units": n_m, "n_neurons": n_n, "ceiling": float(np.mean(ceil)),
           "component_ceilings": dict(zip(names, map(float, ceil)))}
    if n_m < MIN_UNITS:
        out.update(raw=float("nan"), samples=np.full(n_boot, np.nan),
                   components=dict.fromkeys(names, float("nan")))
        return out
    comp = _components(model_props, neurons, np.arange(n_m), np.arange(n_n), metric)
    rng = np.random.default_rng(seed)
    samples = np.empty(n_boot)
    for b in range(n_boot):
        samples[b] = np.mean(_components(model_props, neurons, rng.integers(0, n_m, n_m), rng.integers(0, n_n, n_n),
                                         metric))
    out.update(raw=float(np.mean(comp)), samples=samples, components=dict(zip(names, map(float, comp))))
    return out


# ------------------------------------------------------------------------------------------------------ benchmark
@dataclass
class MTSpeedTuningBenchmark(Benchmark):
    """``nover2005.mt_speed_tuning`` (see the module docstring): ``bench(model, *, layer=None, n_boot=1000, seed=0)
    -> Score``; the default layer is the model's commitment for region ``"MT"``."""

    identifier: str = IDENTIFIER
    version: int = 1
    citation: str = CITATION
    region: str = "MT"
    description: str = ("Distributions of MT speed-tuning properties (preferred speed, width, baseline) and the "
                        "population's speed RDM, model units vs macaque MT neurons (random dots, 0-32 deg/s)")
    n_seeds: int = N_SEEDS
    #: the population component's measure (:data:`POPULATION_METRICS`), recorded in the Score's metric and details
    population_metric: str = "rsa"

    def __post_init__(self) -> None:
        if self.population_metric not in POPULATION_METRICS:
            raise ValueError(f"population_metric must be one of {', '.join(POPULATION_METRICS)}; "
                             f"got {self.population_metric!r}")

    def default_layers(self, model: Model) -> list[str]:
        _check_model(model)
        if self.region not in model.region_layer_map:
            regions = ", ".join(sorted(model.region_layer_map)) or "none"
            raise ValueError(f"{self.identifier}: model {model.identifier!r} has no commitment for region 'MT' "
                             f"(its regions: {regions}); pass layer=... to score a layer of your choice")
        return [model.layer_for(self.region)]

    def ceiling(self) -> tuple[float, float] | None:
        c = float(np.mean(neuron_ceilings(neuron_properties(), metric=self.population_metric)))
        return c, c

    def _score_layers(self, model: Model, layers: list[str] | None, *, n_boot: int, seed: int,
                      progress: bool) -> list[Score]:
        vm = _check_model(model)
        layers = self.default_layers(vm) if layers is None else vm.check_layers(layers)
        neurons = neuron_properties()
        ceil = neuron_ceilings(neurons, metric=self.population_metric)
        return [self._score_layer(vm, layer, neurons, ceil, n_boot=n_boot, seed=seed, progress=progress)
                for layer in layers]

    def _score_layer(self, model: VideoModel, layer: str, neurons: dict, ceil: np.ndarray, *, n_boot: int,
                     seed: int, progress: bool) -> Score:
        measured = measure_speed_tuning(model, layer, n_seeds=self.n_seeds, progress=progress)
        props = tuning_properties(unit_speed_trials(measured))
        res = score_responses(props, neurons, n_boot=n_boot, seed=seed, ceilings=ceil, metric=self.population_metric)
        notes = ""
        if not np.isfinite(res["raw"]):
            notes = (f"only {res['n_units']} of {measured.sizes['neuroid']} units of layer {layer!r} are responsive "
                     f"and speed-tuned (ANOVA p < {ANOVA_P}, modulation >= {MIN_MODULATION:g} x the largest); "
                     f"at least {MIN_UNITS} are needed: no score")
            warnings.warn(f"{self.identifier}, model {model.identifier!r}: {notes}", stacklevel=3)
        details = {
            "components": res["components"], "component_ceilings": res["component_ceilings"],
            "combination": "raw = mean of the 3 property similarities (1 - KS) and the population measure; "
                           "ceiling = mean of their ceilings",
            "population_metric": self.population_metric,
            "n_units_measured": int(measured.sizes["neuroid"]), "n_units_selected": int(res["n_units"]),
            "n_neurons_recorded": int(neurons["n_recorded"]), "n_neurons_selected": int(res["n_neurons"]),
            "spatial_layer_central_units": bool(measured.attrs["spatial"]),
            "model_summary": _summary(props), "neuron_summary": _summary(neurons),
            "stimulus": {"kind": "random_dots", "speeds_deg_s": list(SPEEDS), "directions_deg": list(DIRECTIONS),
                         "probe_speed_deg_s": PROBE_SPEED, "stimulus_ms": STIMULUS_MS,
                         "window_ms": list(WINDOW_MS), "n_seeds": int(self.n_seeds), **DOTS,
                         "height_px": int(model.height), "width_px": int(model.width)},
            "selection": {"anova_p": ANOVA_P, "min_modulation": MIN_MODULATION, "min_units": MIN_UNITS},
            "ceiling_splits": N_SPLITS,
            "ceiled_ci": "bootstrap raw / full-data ceiling",
        }
        prov = provenance(self.identifier, self.version, model, ms_per_frame=float(model.ms_per_frame),
                          px_per_deg=float(model.px_per_deg), delay_ms=float(model.delay_frames * model.ms_per_frame),
                          details=details)
        samples = np.asarray(res["samples"], float)
        return make_score(raw=res["raw"], samples=samples, model=model.identifier, layer=layer,
                          benchmark=self.identifier, metric="mean(1 - KS per property, " + (
                              "speed-RDM Spearman)" if self.population_metric == "rsa" else
                              f"{self.population_metric} of the speed x unit mean rates)"),
                          n_boot=n_boot, seed=seed, provenance=prov, ceiling=(res["ceiling"], res["ceiling"]),
                          ceiled_samples=samples / res["ceiling"], clip_ceiled=bool(np.isfinite(res["raw"])),
                          notes=notes)


def mt_speed_tuning() -> MTSpeedTuningBenchmark:
    """The ``nover2005.mt_speed_tuning`` benchmark."""
    return MTSpeedTuningBenchmark()


BENCHMARKS: dict[str, Callable[[], Benchmark]] = {IDENTIFIER: mt_speed_tuning}
