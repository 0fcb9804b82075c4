"""``stocker2006.speed_discrimination``: human speed perception (contrast bias and Weber-like thresholds) vs a
model's speed estimates read out of its MT layer.

Human data (Stocker AA, Simoncelli EP (2006) Noise characteristics and prior expectations in human visual speed
perception. Nat Neurosci 9:578-585; trials from :func:`neurovision.data.stocker2006.load_speed_discrimination`).
Five people compared two simultaneous patches of drifting broadband noise, a reference (0.5-12 deg/s) and a
test, and said which moved faster. Three pairings of (reference contrast, test contrast) were run by every
subject (subject 3 only at reference speeds 0.5-4 deg/s) and are used here, each with 80 trials per reference
speed:

* ``contrast`` — reference 0.075, test 0.8. A low-contrast stimulus is seen as slower (Stocker & Simoncelli
  2006, Fig. 4; Thompson P (1982) Vision Res 22:377-380), so the high-contrast test matches the reference at a
  *lower* physical speed: the relative matching speed PSE / reference < 1, i.e. ``log_pse_ratio`` < 0;
* ``weber_high`` — reference and test 0.5; ``weber_low`` — both 0.075: discrimination thresholds.

Measures, per subject, condition and reference speed v, from a maximum-likelihood psychometric fit
(:func:`neurovision.analysis.psychometric.fit_psychometric_counts`: cumulative Gaussian with a symmetric lapse
rate ≤ 0.06, Wichmann & Hill 2001) of P("test faster") against x = ln(test speed):

* ``log_pse_ratio`` = μ − ln v = ln(PSE / v) (condition ``contrast``);
* ``log_weber`` = ln W with W = exp(Φ⁻¹(0.75) σ) − 1 = (v75 − PSE) / PSE, the speed increment from the PSE to
  the 75 % point of the non-lapse part, relative to the PSE (conditions ``weber_high``, ``weber_low``).

Both are clipped to a finite range (ln PSE ratio to ±ln 4, ln W to [ln 0.001, ln 4]): beyond it the
levels tested carry no information, and a model whose answers are all one way in a condition (the PSE outside
the tested range) gets the clip value in the direction of its answers and W = 4. One of the 24,480 trials
(subject 2) has a test speed ≤ 0 (−0.0075 deg/s), where ln speed is undefined; it is dropped. Subject 3's 320
``contrast`` trials (0.5-4 deg/s) are identical, row for row including reaction times, to subject 1's trials of
that condition (a duplicate in the source files), so subject 3's ``log_pse_ratio`` is not used (:data:`EXCLUDED`).

Model. The model's speed estimate of a stimulus is a linear read-out of ln speed from its MT-layer response
(``model.layer_for("MT")`` unless ``layer=`` is given), averaged over the response window (``window_ms``, network
time after the input delay; the whole response for a layer without a time axis):

1. stimuli: :func:`neurovision.stimuli.motion.patterns.drifting_noise` (1/f noise, default spatial-frequency
   cut-off, RMS contrast = Stocker & Simoncelli's contrast value), moving rightwards or leftwards (alternating
   over patterns, as the two directions of the experiment), in a circular aperture of radius 0.45 × the smaller
   frame side, ``duration_ms`` long (500 ms; Stocker & Simoncelli showed their patches for about 1 s — the
   shorter duration halves the cost and stays within the 800-ms clips the tracker was trained on), at the
   model's ``px_per_deg`` and ``ms_per_frame``. At contrast 0.8 about a fifth of the pixels clip at 0 or 1;
2. decoder: ridge regression of ln speed on the z-scored window-mean responses, fitted on ``n_train`` patterns
   at each of 13 log-spaced speeds 0.25-24 deg/s (the full range of tested speeds) at contrast 0.5 (the high
   reference contrast) only; the penalty α is chosen by exact leave-one-out error over 10^-3 … 10^4 (× the
   number of training patterns);
3. simulated trials: ``n_patterns`` new noise patterns (new seeds) per reference stimulus (v, reference contrast)
   and per test stimulus (v × 2^(k/4), k = −4 … 4, test contrast); each (reference pattern, test pattern) pair is a
   trial, answered "test faster" when the decoded test speed exceeds the decoded reference speed (ties count
   half). The model's variability is its response to different noise patterns of the same speed and contrast;
4. the same psychometric fit and measures as for people.

Score. ``similarity(model, subject)`` = ½ (S_bias + S_weber) with
S_bias = 1 − Σ_v |b_model − b_subject| / Σ_v |b_subject| (b = ``log_pse_ratio``) and
S_weber = 1 − Σ |w_model − w_subject| / Σ |w_subject| (w = ``log_weber`` of both Weber conditions), summed over the
reference speeds the subject was tested at (subject 3 has no S_bias: :data:`EXCLUDED`). Each part is 1 for
identical measures and 0 for a model at the reference point of no effect: no contrast bias (b = 0), or
W = 1 (the 75 % point at double the PSE: an observer that barely discriminates within an octave); it is
negative for a model further from the subject than that.
``raw`` = mean over the 5 subjects (unclipped). ``ceiling`` (both bounds) = leave-one-subject-out agreement: each
subject's measures scored as a model against the mean measures of the other four with the same function, averaged.
``ceiled`` = raw / ceiling clipped to [0, 1]. CI: percentile bootstrap; each resample redraws the trials within
every subject × condition × reference speed (with replacement) and the model's patterns within every stimulus
(reference and test patterns, with replacement), refits all psychometric functions and recomputes raw and ceiling
(the decoder is not refitted).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import xarray as xr

from ...activations import extract_layers
from ...analysis.psychometric import MAX_LAPSE, Z75, fit_psychometric_counts
from ...data import stocker2006 as data
from ...data.registry import DATASETS
from ...models.base import Model, VideoModel
from ...scores import Score, make_score
from ...stimuli.videos import video_set
from ..base import Benchmark, provenance

IDENTIFIER = "stocker2006.speed_discrimination"
VERSION = 1

#: reference speeds (deg/s) of the experiment (the data files)
REFERENCE_SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 12.0)
#: condition -> (reference contrast, test contrast): the pairings every subject ran (the data files)
CONDITIONS = {"contrast": (0.075, 0.8), "weber_high": (0.5, 0.5), "weber_low": (0.075, 0.075)}
#: the model's test speeds relative to the reference: 2^(k/4), k = -4..4 (one octave either way)
TEST_FACTORS = 2.0 ** (np.arange(-4, 5) / 4)
#: the decoder's training speeds (deg/s): 13 log-spaced from the slowest to the fastest test speed
TRAIN_SPEEDS = tuple(np.geomspace(0.25, 24.0, 13))
TRAIN_CONTRAST = 0.5
#: clip ranges of the measures (natural log)
LOG_PSE_CLIP = float(np.log(4.0))
LOG_WEBER_CLIP = (float(np.log(1e-3)), float(np.log(4.0)))
RIDGE_ALPHAS = tuple(10.0 ** np.arange(-3, 5))
MEASURES = ("log_pse_ratio", "log_weber_high", "log_weber_low")
#: (subject, condition) left out: subject 3's contrast trials duplicate subject 1's (module docstring)
EXCLUDED = frozenset({(3, "contrast")})


# ------------------------------------------------------------------------------------------------ measures
def measures_from_fits(pse: np.ndarray, sigma: np.ndarray, reference_speed, condition: str,
                       yes_fraction: np.ndarray | None = None) -> np.ndarray:
    """The clipped measure of ``condition`` (module docstring) from fits on x = ln speed: ``ln(PSE / v)`` for
    ``"contrast"``, ``ln W`` (W = exp(Φ⁻¹(0.75) σ) − 1) for the Weber conditions. NaN fits (degenerate data) get
    the clip value in the direction of ``yes_fraction`` (the fraction of "test faster" answers) and W = 4."""
    pse, sigma = np.asarray(pse, float), np.asarray(sigma, float)
    bad = ~np.isfinite(pse)
    if condition == "contrast":
        out = np.clip(pse - np.log(np.asarray(reference_speed, float)), -LOG_PSE_CLIP, LOG_PSE_CLIP)
        if bad.any():
            frac = np.broadcast_to(np.asarray(0.5 if yes_fraction is None else yes_fraction, float), out.shape)
            out = np.where(bad, np.where(frac > 0.5, -LOG_PSE_CLIP, LOG_PSE_CLIP), out)
        return out
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; choose one of {', '.join(CONDITIONS)}")
    with np.errstate(over="ignore"):
        w = np.log(np.expm1(Z75 * sigma))
    return np.clip(np.where(bad, LOG_WEBER_CLIP[1], w), *LOG_WEBER_CLIP)


def similarity(model: dict, subject: dict) -> float:
    """Agreement of two sets of measures (module docstring): ½ (S_bias + S_weber). ``model`` and ``subject``
    map each of :data:`MEASURES` to an array over :data:`REFERENCE_SPEEDS` (NaN = not measured; speeds the
    subject lacks are skipped, and a part the subject lacks entirely is left out of the mean). NaN when a
    normaliser is 0 or nothing is measured."""
    parts = []
    for keys in (["log_pse_ratio"], ["log_weber_high", "log_weber_low"]):
        m = np.concatenate([np.asarray(model[k], float) for k in keys])
        h = np.concatenate([np.asarray(subject[k], float) for k in keys])
        ok = np.isfinite(h) & np.isfinite(m)
        if ok.any():
            denom = np.abs(h[ok]).sum()
            parts.append(1.0 - np.abs(m[ok] - h[ok]).sum() / denom if denom > 0 else np.nan)
    return float(np.mean(parts)) if parts else float("nan")


def mean_measures(subjects: list[dict]) -> dict:
    """Per-speed mean of each measure over ``subjects`` (NaN-aware: a speed counts the subjects measured there)."""
    with np.errstate(invalid="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return {k: np.nanmean(np.stack([np.asarray(s[k], float) for s in subjects]), axis=0) for k in MEASURES}


def leave_one_out_ceiling(subjects: list[dict]) -> float:
    """Mean over subjects of :func:`similarity` (subject as the model, the mean of the others as the subject)."""
    if len(subjects) < 2:
        raise ValueError("the leave-one-subject-out ceiling needs at least 2 subjects")
    return float(np.mean([similarity(s, mean_measures(subjects[:i] + subjects[i + 1:]))
                          for i, s in enumerate(subjects)]))


# ------------------------------------------------------------------------------------------------- humans
def _pad(rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    width = max(len(r[0]) for r in rows)
    x, k, n = (np.zeros((len(rows), width)) for _ in range(3))
    for i, (xi, ki, ni) in enumerate(rows):
        x[i, :len(xi)], k[i, :len(xi)], n[i, :len(xi)] = xi, ki, ni
    return x, k, n


def human_conditions(ds: xr.Dataset | None = None) -> list[dict]:
    """One entry per subject × condition × reference speed present in the data: ``subject``, ``condition``,
    ``reference_speed``, ``levels`` (ln test speed, distinct values), ``level_index`` (per trial) and
    ``chose`` (per trial, float 0/1). Trials with test speed ≤ 0 and the conditions of :data:`EXCLUDED` are
    dropped."""
    ds = data.load_speed_discrimination() if ds is None else ds
    subj = ds["subject"].values
    rs, rc, ts, tc = (ds[v].values for v in ("reference_speed", "reference_contrast", "test_speed", "test_contrast"))
    chose = ds["chose_test_faster"].values.astype(float)
    out = []
    for s in np.unique(subj):
        for cond, (c_ref, c_test) in CONDITIONS.items():
            if (int(s), cond) in EXCLUDED:
                continue
            for v in REFERENCE_SPEEDS:
                m = (subj == s) & (rs == v) & np.isclose(rc, c_ref) & np.isclose(tc, c_test) & (ts > 0)
                if not m.any():
                    continue
                levels, inv = np.unique(np.log(ts[m]), return_inverse=True)
                out.append({"subject": int(s), "condition": cond, "reference_speed": v, "levels": levels,
                            "level_index": inv, "chose": chose[m]})
    return out


def _fit_rows(x, k, n, init=None) -> dict:
    return fit_psychometric_counts(x, k, n, degenerate="nan", init=init, max_lapse=MAX_LAPSE)


def _to_measures(conds: list[dict], fits: dict, yes: np.ndarray, subjects: list[int]) -> list[dict]:
    """``[{measure: (6,) array}]`` per subject from per-condition fits (arrays over ``conds``)."""
    per = {s: {k: np.full(len(REFERENCE_SPEEDS), np.nan) for k in MEASURES} for s in subjects}
    for i, c in enumerate(conds):
        key = "log_pse_ratio" if c["condition"] == "contrast" else f"log_{c['condition']}"
        per[c["subject"]][key][REFERENCE_SPEEDS.index(c["reference_speed"])] = measures_from_fits(
            fits["pse"][i], fits["sigma"][i], c["reference_speed"], c["condition"], yes[i])
    return [per[s] for s in subjects]


@lru_cache(maxsize=4)
def human_results(n_boot: int = 0, seed: int = 0) -> dict:
    """Human measures and their bootstrap: ``subjects`` (ids), ``measures`` (per subject, :data:`MEASURES` ->
    (6,) over :data:`REFERENCE_SPEEDS`), ``fits`` (per condition: subject, condition, reference_speed, pse (deg/s),
    pse_ratio, weber, lapse, n_trials), ``ceiling`` and, with ``n_boot``, ``boot_measures`` (n_boot lists like
    ``measures``) and ``boot_ceiling`` (n_boot,). Resamples draw trials with replacement within each condition
    (``numpy.random.default_rng(seed)``)."""
    conds = human_conditions()
    subjects = sorted({c["subject"] for c in conds})
    rows = [(c["levels"], np.bincount(c["level_index"], weights=c["chose"], minlength=len(c["levels"])),
             np.bincount(c["level_index"], minlength=len(c["levels"])).astype(float)) for c in conds]
    x, k, n = _pad(rows)
    fits = _fit_rows(x, k, n)
    yes = k.sum(1) / n.sum(1)
    measures = _to_measures(conds, fits, yes, subjects)
    table = [{"subject": c["subject"], "condition": c["condition"], "reference_speed": c["reference_speed"],
              "pse_deg_s": float(np.exp(fits["pse"][i])), "pse_ratio": float(np.exp(fits["pse"][i]) /
                                                                              c["reference_speed"]),
              "weber": float(np.expm1(Z75 * fits["sigma"][i])), "lapse": float(fits["lapse"][i]),
              "n_trials": int(n[i].sum())} for i, c in enumerate(conds)]
    out = {"subjects": subjects, "measures": measures, "fits": table, "ceiling": leave_one_out_ceiling(measures)}
    if n_boot:
        rng = np.random.default_rng(seed)
        bk = np.zeros((n_boot, len(conds), x.shape[1]))
        bn = np.zeros_like(bk)
        for i, c in enumerate(conds):
            m, L = len(c["chose"]), len(c["levels"])
            draw = rng.integers(0, m, (n_boot, m))
            flat = (np.arange(n_boot)[:, None] * L + c["level_index"][draw]).ravel()
            bn[:, i, :L] = np.bincount(flat, minlength=n_boot * L).reshape(n_boot, L)
            bk[:, i, :L] = np.bincount(flat, weights=c["chose"][draw].ravel(), minlength=n_boot * L).reshape(n_boot, L)
        init = {key: np.tile(fits[key], n_boot) for key in ("pse", "sigma", "lapse")}
        bf = _fit_rows(np.tile(x, (n_boot, 1)), bk.reshape(-1, x.shape[1]), bn.reshape(-1, x.shape[1]), init=init)
        byes = (bk.sum(2) / bn.sum(2)).reshape(-1)
        nc = len(conds)
        boot = [_to_measures(conds, {key: bf[key][b * nc:(b + 1) * nc] for key in ("pse", "sigma")},
                             byes[b * nc:(b + 1) * nc], subjects) for b in range(n_boot)]
        out["boot_measures"] = boot
        out["boot_ceiling"] = np.array([leave_one_out_ceiling(m) for m in boot])
    return out


# -------------------------------------------------------------------------------------------------- model
def check_speed_model(model: Model, identifier: str = IDENTIFIER) -> None:
    """ValueError unless ``model`` is a :class:`~neurovision.models.base.VideoModel`."""
    if not isinstance(model, VideoModel):
        raise ValueError(f"{identifier} shows videos of drifting noise; model {getattr(model, 'identifier', model)!r}"
                         f" is not a VideoModel (a video model with an 'MT' commitment, e.g. 'tracker')")


def _aperture_deg(model: VideoModel) -> float:
    return 0.45 * min(model.height, model.width) / model.px_per_deg


def make_videos(model: VideoModel, speeds, contrasts, seeds, n_frames: int,
                noise: Callable | None = None) -> np.ndarray:
    """Drifting-noise videos ``(n, n_frames, height, width)`` float32 for per-video ``speeds`` (deg/s),
    ``contrasts`` (RMS) and ``seeds``; even seeds move rightwards, odd seeds leftwards; circular aperture of
    radius 0.45 × the smaller frame side; the model's frame size, ``ms_per_frame`` and ``px_per_deg``."""
    if noise is None:
        from ...stimuli.motion.patterns import drifting_noise as noise
    radius = _aperture_deg(model)
    return np.stack([noise(n_frames, float(v), 0.0 if int(s) % 2 == 0 else 180.0, contrast=float(c),
                           height=model.height, width=model.width, ms_per_frame=model.ms_per_frame,
                           px_per_deg=model.px_per_deg, seed=int(s), aperture_radius_deg=radius)
                     for v, c, s in zip(speeds, contrasts, seeds)]).astype(np.float32)


def window_responses(model: VideoModel, layer: str, videos: np.ndarray, window_ms: tuple[float, float]) -> np.ndarray:
    """``(n_videos, n_features)``: the layer's response averaged over network time bins whose stimulus time
    (``time_ms − delay``) lies in ``window_ms`` (the whole output for a layer without a time axis)."""
    ids = [str(i) for i in range(len(videos))]
    act = extract_layers(model, video_set(videos, ids, ms_per_frame=model.ms_per_frame), [layer],
                         progress=False)[layer]
    if "time_bin" not in act.dims:
        return np.asarray(act.transpose("presentation", "neuroid").values, np.float64)
    t = np.arange(act.sizes["time_bin"]) * model.ms_per_frame - model.delay_ms
    keep = (t >= window_ms[0]) & (t < window_ms[1])
    if not keep.any():
        raise ValueError(f"no network time bin of {model.identifier!r} falls in the response window {window_ms} ms "
                         f"(stimulus time; delay {model.delay_ms} ms)")
    a = act.transpose("presentation", "neuroid", "time_bin").values[:, :, keep]
    return np.asarray(a.mean(-1), np.float64)


def fit_ridge(features: np.ndarray, target: np.ndarray, alphas=RIDGE_ALPHAS) -> dict:
    """Ridge regression of ``target`` on z-scored ``features`` (n, p), the penalty α × n chosen from ``alphas``
    by exact leave-one-out squared error. Returns ``mean``, ``scale``, ``weights``, ``intercept``, ``alpha`` and
    ``loo_rmse``; predict with :func:`predict_ridge`."""
    mean = features.mean(0)
    scale = features.std(0)
    scale = np.where(scale > 1e-8 * max(scale.max(), 1e-30), scale, np.inf)
    z = (features - mean) / scale
    y0 = target.mean()
    yc = target - y0
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    n = len(target)
    uty = u.T @ yc
    best = None
    for a in alphas:
        d = s / (s ** 2 + a * n)
        w = vt.T @ (d * uty)
        h = (u ** 2) @ (s ** 2 / (s ** 2 + a * n)) + 1.0 / n  # leverage incl. the intercept
        loo = (yc - z @ w) / (1 - h)
        err = float(np.sqrt(np.mean(loo ** 2)))
        if best is None or err < best["loo_rmse"]:
            best = {"weights": w, "alpha": float(a), "loo_rmse": err}
    return {"mean": mean, "scale": scale, "intercept": float(y0), **best}


def predict_ridge(dec: dict, features: np.ndarray) -> np.ndarray:
    """Decoded values of ``features`` (n, p) under a :func:`fit_ridge` decoder."""
    return ((features - dec["mean"]) / dec["scale"]) @ dec["weights"] + dec["intercept"]


def model_estimates(model: VideoModel, layer: str, *, n_patterns: int, n_train: int, duration_ms: float,
                    window_ms: tuple[float, float], seed: int = 0, noise: Callable | None = None) -> dict:
    """The model's decoded ln speed for every stimulus of the benchmark (module docstring, steps 1-2).

    Returns ``reference`` {(v, contrast): (n_patterns,)}, ``test`` {(speed, contrast): (n_patterns,)} (speeds
    rounded to 1e-9 deg/s), ``decoder`` (alpha, loo_rmse, n_train_videos, train speeds/contrast)."""
    n_frames = int(round(duration_ms / model.ms_per_frame))
    if n_frames < 2:
        raise ValueError(f"duration_ms={duration_ms} gives fewer than 2 frames at {model.ms_per_frame} ms/frame")
    next_seed = iter(range(1_000_000 * (seed + 1), 1_000_000 * (seed + 2)))
    train = [(v, TRAIN_CONTRAST, next(next_seed)) for v in TRAIN_SPEEDS for _ in range(n_train)]
    refs = sorted({(v, CONDITIONS[c][0]) for c in CONDITIONS for v in REFERENCE_SPEEDS})
    tests = sorted({(round(v * f, 9), CONDITIONS[c][1]) for c in CONDITIONS for v in REFERENCE_SPEEDS
                    for f in TEST_FACTORS})
    ref_rows = [(v, c, next(next_seed)) for v, c in refs for _ in range(n_patterns)]
    test_rows = [(v, c, next(next_seed)) for v, c in tests for _ in range(n_patterns)]
    rows = train + ref_rows + test_rows
    speeds, contrasts, seeds = (np.array([r[i] for r in rows]) for i in range(3))
    videos = make_videos(model, speeds, contrasts, seeds, n_frames, noise)
    feats = window_responses(model, layer, videos, window_ms)
    nt = len(train)
    dec = fit_ridge(feats[:nt], np.log(speeds[:nt]))
    est = predict_ridge(dec, feats[nt:]).reshape(-1, n_patterns)
    return {"reference": {key: est[i] for i, key in enumerate(refs)},
            "test": {key: est[len(refs) + i] for i, key in enumerate(tests)},
            "decoder": {"target": "ln speed (deg/s)", "features": f"z-scored mean {layer!r} response in "
                        f"{list(window_ms)} ms", "ridge_alpha_per_sample": dec["alpha"],
                        "alphas": list(RIDGE_ALPHAS), "loo_rmse_ln_speed": dec["loo_rmse"],
                        "n_train_videos": nt, "train_speeds_deg_s": [float(v) for v in TRAIN_SPEEDS],
                        "train_contrast": TRAIN_CONTRAST, "n_train_per_speed": n_train}}


def _model_counts(est: dict, w_ref: dict | None = None, w_test: dict | None = None):
    """Per condition × reference speed (order: CONDITIONS, REFERENCE_SPEEDS): x (levels), k, n from all
    (reference, test) pattern pairs, with optional bootstrap multiplicities ``w_*`` {key: (B, n_patterns)}.
    Returns x (C, L), k, n of shape (C, L) or (B, C, L) and the condition list."""
    conds, ks, ns, xs = [], [], [], []
    for cond, (c_ref, c_test) in CONDITIONS.items():
        for v in REFERENCE_SPEEDS:
            r = est["reference"][(v, c_ref)]
            keys = [(round(v * f, 9), c_test) for f in TEST_FACTORS]
            t = np.stack([est["test"][key] for key in keys])  # (L, P)
            cmp = (t[:, None, :] > r[None, :, None]) + 0.5 * (t[:, None, :] == r[None, :, None])  # (L, Pr, Pt)
            if w_ref is None:
                ks.append(cmp.sum((1, 2)))
                ns.append(np.full(len(keys), float(cmp.shape[1] * cmp.shape[2])))
            else:
                wr = w_ref[(v, c_ref)]  # (B, P)
                wt = np.stack([w_test[key] for key in keys], 1)  # (B, L, P)
                ks.append(np.einsum("bi,lij,blj->bl", wr, cmp, wt))
                ns.append(np.einsum("bi,blj->bl", wr, wt))
            xs.append(np.log(v * TEST_FACTORS))
            conds.append({"condition": cond, "reference_speed": v})
    axis = 0 if w_ref is None else 1
    return np.stack(xs), np.stack(ks, axis), np.stack(ns, axis), conds


def model_measures(est: dict, n_boot: int = 0, seed: int = 0) -> tuple[dict, list[dict], list[dict]]:
    """The model's measures (:data:`MEASURES` -> (6,)), its per-condition fits, and ``n_boot`` bootstrap
    measures (patterns redrawn with replacement within every stimulus; ``default_rng(seed + 1)``)."""
    x, k, n, conds = _model_counts(est)
    fits = _fit_rows(x, k, n)
    yes = k.sum(1) / n.sum(1)
    tagged = [{"subject": 0, **c} for c in conds]
    measures = _to_measures(tagged, fits, yes, [0])[0]
    table = [{**c, "pse_ratio": float(np.exp(fits["pse"][i]) / c["reference_speed"]),
              "weber": float(np.expm1(Z75 * fits["sigma"][i])), "lapse": float(fits["lapse"][i])}
             for i, c in enumerate(conds)]
    boot: list[dict] = []
    if n_boot:
        rng = np.random.default_rng(seed + 1)

        def weights(group):
            out = {}
            for key, e in group.items():
                p = len(e)
                draw = rng.integers(0, p, (n_boot, p))
                out[key] = np.stack([np.bincount(d, minlength=p) for d in draw]).astype(float)
            return out
        wr, wt = weights(est["reference"]), weights(est["test"])
        _, bk, bn, _ = _model_counts(est, wr, wt)
        nc, L = x.shape
        init = {key: np.tile(fits[key], n_boot) for key in ("pse", "sigma", "lapse")}
        bf = _fit_rows(np.tile(x, (n_boot, 1)), bk.reshape(-1, L), bn.reshape(-1, L), init=init)
        byes = (bk.sum(2) / bn.sum(2)).reshape(-1)
        boot = [_to_measures(tagged, {key: bf[key][b * nc:(b + 1) * nc] for key in ("pse", "sigma")},
                             byes[b * nc:(b + 1) * nc], [0])[0] for b in range(n_boot)]
    return measures, table, boot


def _listed(measures: dict) -> dict:
    return {k: [None if not np.isfinite(v) else float(v) for v in np.asarray(measures[k])] for k in MEASURES}


# ---------------------------------------------------------------------------------------------- benchmark
@dataclass
class SpeedDiscrimination(Benchmark):
    """``stocker2006.speed_discrimination`` (module docstring). Settings: ``n_patterns`` noise patterns per
    reference and test stimulus, ``n_train`` per decoder training speed, ``duration_ms`` of each video,
    ``window_ms`` the response window (stimulus time, ms)."""

    identifier: str = IDENTIFIER
    version: int = VERSION
    citation: str = data.CITATION
    region: str = "MT"
    description: str = ("contrast-induced speed bias (ln matching-speed ratio, reference 0.075 vs test 0.8) and "
                        "Weber fractions at contrasts 0.5 and 0.075, 0.5-12 deg/s, from a ln-speed read-out of "
                        "the MT layer, vs 5 people")
    n_patterns: int = 12
    n_train: int = 8
    duration_ms: float = 500.0
    window_ms: tuple[float, float] = (100.0, 500.0)

    def default_layers(self, model: Model) -> list[str]:
        check_speed_model(model, self.identifier)
        if self.region not in getattr(model, "region_layer_map", {}):
            regions = ", ".join(sorted(model.region_layer_map)) or "none"
            raise ValueError(f"{self.identifier} reads speed from the model's MT layer; model {model.identifier!r} "
                             f"has no 'MT' commitment (its regions: {regions}); pass layer=... to choose one")
        return [model.layer_for(self.region)]

    def ceiling(self) -> tuple[float, float] | None:
        c = human_results()["ceiling"]
        return float(c), float(c)

    def _score_layers(self, model: Model, layers: list[str] | None, *, n_boot: int, seed: int,
                      progress: bool) -> list[Score]:
        check_speed_model(model, self.identifier)
        assert isinstance(model, VideoModel)
        layers = model.check_layers(list(layers) if layers is not None else list(model.layers))
        humans = human_results(n_boot, seed)
        return [self._score_layer(model, layer, humans, n_boot, seed) for layer in layers]

    def _score_layer(self, model: VideoModel, layer: str, humans: dict, n_boot: int, seed: int) -> Score:
        est = model_estimates(model, layer, n_patterns=self.n_patterns, n_train=self.n_train,
                              duration_ms=self.duration_ms, window_ms=tuple(self.window_ms), seed=seed)
        measures, table, boot = model_measures(est, n_boot, seed)
        per_subject = [similarity(measures, h) for h in humans["measures"]]
        raw = float(np.mean(per_subject))
        ceiling = humans["ceiling"]
        samples = np.array([np.mean([similarity(boot[b], h) for h in humans["boot_measures"][b]])
                            for b in range(n_boot)]) if n_boot else np.array([])
        ceiled_samples = samples / humans["boot_ceiling"] if n_boot else None
        details = {
            "human": {f"subject{s}": _listed(m) for s, m in zip(humans["subjects"], humans["measures"])},
            "human_fits": humans["fits"], "model": _listed(measures), "model_fits": table,
            "per_subject_similarity": dict(zip([f"subject{s}" for s in humans["subjects"]], per_subject)),
            "reference_speeds_deg_s": list(REFERENCE_SPEEDS), "measures": list(MEASURES),
            "conditions": {k: {"reference_contrast": a, "test_contrast": b} for k, (a, b) in CONDITIONS.items()},
            "decoder": est["decoder"],
            "stimulus": {"pattern": "drifting_noise (1/f, default sf cut-off), RMS contrast", "duration_ms":
                         self.duration_ms, "window_ms": list(self.window_ms), "aperture_radius_deg":
                         _aperture_deg(model), "directions_deg": [0.0, 180.0], "n_patterns": self.n_patterns,
                         "test_factors": [float(f) for f in TEST_FACTORS], "ms_per_frame": model.ms_per_frame,
                         "px_per_deg": model.px_per_deg},
        }
        files = [f"behavior/NN2006/SUB{s}.mat" for s in data.SUBJECTS]
        prov = provenance(self.identifier, self.version, model, layer=layer, details=details,
                          data_sha256={rel: DATASETS[data.DATASET].files[rel] for rel in files})
        return make_score(raw=raw, samples=samples, model=model.identifier, layer=layer, benchmark=self.identifier,
                          metric="1/2 (S_bias + S_weber): 1 - normalised L1 distance of ln matching-speed ratios "
                                 "and ln Weber fractions, mean over 5 subjects",
                          n_boot=n_boot, seed=seed, provenance=prov, ceiling=(ceiling, ceiling),
                          ceiled_samples=ceiled_samples, clip_ceiled=True,
                          notes="ceiling = leave-one-subject-out agreement with the mean of the other subjects")


def stocker2006() -> SpeedDiscrimination:
    """Registry constructor of ``stocker2006.speed_discrimination``."""
    return SpeedDiscrimination()


#: identifier -> registry constructor
BENCHMARKS = {IDENTIFIER: stocker2006}
