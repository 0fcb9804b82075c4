"""Cross-validated linear predictivity: how well a linear read-out of model features predicts neurons.

The "neural predictivity" of Yamins et al. (2014, PNAS 111:8619) and Brain-Score (Schrimpf et al. 2018,
bioRxiv 407007): a linear map from a model layer's features to each recorded neuron is fitted on some
images and evaluated on held-out images; the score of a neuron is the Pearson r between its held-out
predictions and its measured responses.

Protocol (both :func:`ridge_predictivity` and :func:`pls_predictivity`)
----------------------------------------------------------------------
* **Folds.** K-fold over stimuli (default 5): a permutation of the stimuli drawn with
  ``numpy.random.default_rng(seed)``; stimulus ``perm[i]`` goes to fold ``i % K`` (sizes differ by at most
  one). Every stimulus is predicted exactly once, by the map fitted on the other K-1 folds.
* **Features.** Only training-fold statistics touch the features: with ``standardize="zscore"`` each feature
  is centred by its training-fold mean and divided by its training-fold standard deviation (ddof 0;
  constant features are left at 0); with ``standardize="center"`` features are only centred by the
  training-fold mean (Brain-Score's ridge and PLS do not rescale features). Responses are centred by the
  training-fold mean (an unpenalised intercept); they are never rescaled.
* **Score.** ``r``: per neuron, the Pearson r between held-out predictions and responses *within each
  held-out fold* (``r_folds``), averaged over the folds — Brain-Score's convention. The r of the
  predictions concatenated over folds (``r_concatenated``) is also returned but is not the score: the
  intercept of each fold's map is its training-fold mean, which is anticorrelated with the held-out
  fold's mean, so for weakly predictable neurons the concatenated r is biased below zero (measured: median
  -0.08 for pure-noise responses, 400 stimuli, vs -0.005 for the per-fold mean). A neuron whose
  predictions or responses are constant within a fold gets NaN for that fold (ignored in the mean).

Ridge (dual / kernel form)
--------------------------
Layers can have ~10^5 features and ~10^3 stimuli, so ridge is solved in the dual: with ``Z`` the
(standardised) training features and ``K = Z Z^T`` (``n_train x n_train``), the weights are
``Z^T (K + lambda I)^-1 y_c`` and a test stimulus is predicted as ``k_test^T (K + lambda I)^-1 y_c + mean(y)``.
``K`` is eigendecomposed once per fold, so every penalty on the grid costs only matrix-vector work.

The penalty is chosen **per neuron, on the training fold only**, by exact leave-one-out error: for the
linear smoother ``H = 11^T/n + U diag(s/(s+lambda)) U^T`` (ridge with an unpenalised intercept), the LOO
residual is ``(y - H y)_i / (1 - H_ii)`` (Allen 1974; Golub, Heath & Wahba 1979); the feature scaling is
treated as fixed within the training fold. Penalties are given relative to the scale of the features:
``lambda = alpha * trace(K)/n_train`` (the mean squared norm of a centred training pattern), so the same grid
(:data:`DEFAULT_ALPHAS`, 10^-4 .. 10^5) suits layers of any width.

PLS (kernel form)
-----------------
Partial least squares regression with a fixed number of components (default 25, as in Brain-Score's
``pls_regression``), multi-response (PLS2), without scaling the responses. Written in the kernel form of
Lindgren, Geladi & Wold (1993) / Rosipal & Trejo (2001), which gives the same predictions as NIPALS PLS2
on the features themselves: at component ``a``, with deflated kernel ``K_a`` and deflated responses
``Y_a``, the response weight ``c_a`` is the leading eigenvector of ``Y_a^T K_a Y_a`` (computed exactly by
``eigh`` rather than by NIPALS power iterations), ``u_a = Y_a c_a``, the score ``t_a = K_a u_a / ||K_a u_a||``,
and ``K``, ``Y`` are deflated by ``I - t_a t_a^T``. Predictions: ``K_test U (T^T K U)^-1 T^T Y_c + mean(y)``.

Both regressions can also start from a precomputed Gram matrix (:func:`predictivity_from_gram`), so one
``n x n`` product of a wide layer serves every fold, both regressions and a correlation RDM
(:func:`correlation_rdm_from_gram`).

Bootstrap statistics of held-out predictions
--------------------------------------------
A percentile bootstrap over stimuli keeps the predictions fixed and redraws the stimuli:
:func:`resample_counts` gives how often each stimulus is drawn in each resample, :func:`weighted_pearson`
the column-wise Pearson r on every resample at once (the counts as row weights), and :func:`fold_pearson`
the per-fold r averaged over folds — the score above — on every resample. The encoding benchmarks
(:mod:`neurovision.benchmarks.encoding`, :mod:`neurovision.benchmarks.ventral.cowley2023`) use them for the
CIs of raw scores and of split-half ceilings.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from .progress import bar
from .rsa.gram import correlation_distance_from_gram
from .threads import limit_threads

__all__ = ["DEFAULT_ALPHAS", "DEFAULT_PLS_COMPONENTS", "Predictivity", "kfold", "gram", "center_gram",
           "ridge_fit_predict", "pls_fit_predict", "pearson_columns", "ridge_predictivity", "pls_predictivity",
           "predictivity_from_gram", "correlation_rdm_from_gram", "weighted_pearson", "fold_pearson",
           "resample_counts"]

#: Ridge penalties relative to the mean squared norm of a centred training pattern (``trace(K)/n``).
DEFAULT_ALPHAS = np.logspace(-4, 5, 19)
#: Number of PLS components (Brain-Score's ``pls_regression`` default).
DEFAULT_PLS_COMPONENTS = 25
_STANDARDIZE = ("zscore", "center")


@dataclass
class Predictivity:
    """Result of a cross-validated predictivity run.

    ``r`` (n_neurons,): mean over folds of ``r_folds`` (NaN folds ignored) — the score.
    ``r_folds`` (n_splits, n_neurons): Pearson r of held-out predictions with responses within each fold.
    ``r_concatenated`` (n_neurons,): Pearson r over all stimuli of the predictions concatenated over folds
    (biased low for weak neurons; see module docstring).
    ``predictions`` (n_stim, n_neurons): held-out prediction of every stimulus (response units).
    ``folds`` (n_stim,): the fold each stimulus was held out in.
    ``alphas`` (n_splits, n_neurons): chosen relative ridge penalty per fold and neuron (ridge only).
    """

    r: np.ndarray
    r_folds: np.ndarray
    r_concatenated: np.ndarray
    predictions: np.ndarray
    folds: np.ndarray
    method: str
    alphas: np.ndarray | None = None
    params: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------- helpers
def kfold(n: int, n_splits: int = 5, seed: int = 0) -> np.ndarray:
    """Fold label (0..n_splits-1) of each of ``n`` stimuli: a seeded permutation dealt round-robin."""
    if not 2 <= n_splits <= n:
        raise ValueError(f"n_splits must be between 2 and the number of stimuli ({n}); got {n_splits}")
    perm = np.random.default_rng(seed).permutation(n)
    folds = np.empty(n, dtype=np.int64)
    folds[perm] = np.arange(n) % n_splits
    return folds


def gram(features: np.ndarray, block: int = 8192) -> np.ndarray:
    """``features @ features.T`` as float64, accumulated over blocks of ``block`` feature columns.

    Each block's product is computed in the features' dtype (float32 for activations: fast BLAS) and
    summed in float64, which bounds the rounding error of wide layers. Shape ``(n, n)``.
    """
    x = np.asarray(features)
    if x.ndim != 2:
        raise ValueError(f"features must be 2-D (n_stimuli, n_features); got shape {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    n, p = x.shape
    out = np.zeros((n, n), dtype=np.float64)
    for start in range(0, p, block):
        part = np.ascontiguousarray(x[:, start:start + block])
        out += part @ part.T
    return (out + out.T) / 2  # exact symmetry


def center_gram(g: np.ndarray, train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Training-centred kernel blocks from a Gram ``g = X X^T`` of (arbitrarily shifted) features.

    With ``delta`` the training-fold mean of the rows of ``X``, returns ``K_tr = Z_tr Z_tr^T`` and
    ``K_te = Z_te Z_tr^T`` for ``Z = X - delta`` — exactly, using only ``g`` (``x_i . delta`` is the mean of
    ``g[i, train]`` and ``delta . delta`` the mean of ``g[train][:, train]``). Any shift applied to ``X``
    before ``g`` was computed cancels, so it leaks nothing about the test stimuli.
    """
    gi = g[:, train].mean(axis=1)  # x_i . delta
    dd = gi[train].mean()  # delta . delta
    k_tr = g[np.ix_(train, train)] - gi[train][:, None] - gi[train][None, :] + dd
    k_te = g[np.ix_(test, train)] - gi[test][:, None] - gi[train][None, :] + dd
    return (k_tr + k_tr.T) / 2, k_te


def pearson_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r between matching columns of ``a`` and ``b`` (n, m) → (m,); NaN where a column is constant."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    num = (a * b).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return np.clip(r, -1.0, 1.0)


# -------------------------------------------------------------- correlations on bootstrap resamples
def weighted_pearson(w: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column-wise Pearson r of ``a`` and ``b`` (n, m) on resampled rows: ``w`` (B, n) holds how often each
    row is drawn in each of B resamples. Rows where either value is NaN are left out per column.
    Returns (B, m); NaN where fewer than 3 rows remain or a column is constant."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    mask = np.isfinite(a) & np.isfinite(b)
    ac = np.where(mask, a - np.nanmean(np.where(mask, a, np.nan), axis=0), 0.0)
    bc = np.where(mask, b - np.nanmean(np.where(mask, b, np.nan), axis=0), 0.0)
    m = a.shape[1]
    with limit_threads(1):  # small products: threads only add overhead on a busy machine
        sums = w @ np.concatenate([ac, bc, ac * ac, bc * bc, ac * bc, mask.astype(np.float64)], axis=1)
    sa, sb, saa, sbb, sab, sw = (sums[:, k * m:(k + 1) * m] for k in range(6))
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sab - sa * sb / sw
        va = saa - sa * sa / sw
        vb = sbb - sb * sb / sw
        r = cov / np.sqrt(va * vb)
    tiny = 1e-12 * np.maximum(saa, 1e-300)
    bad = (sw < 3) | (va <= tiny) | (vb <= 1e-12 * np.maximum(sbb, 1e-300))
    r[bad] = np.nan
    return np.clip(r, -1.0, 1.0)


def fold_pearson(w: np.ndarray, pred: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Per-unit r within each fold on resampled rows (``w`` (B, n) counts), averaged over folds → (B, m)."""
    rs = [weighted_pearson(w[:, folds == f], pred[folds == f], y[folds == f]) for f in np.unique(folds)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns → NaN
        return np.nanmean(rs, axis=0)


def resample_counts(rng: np.random.Generator, n: int, n_boot: int) -> np.ndarray:
    """(n_boot, n) float64: how often each of n items is drawn in each of n_boot draws of n with replacement."""
    draws = rng.integers(n, size=(n_boot, n)) + (np.arange(n_boot) * n)[:, None]
    return np.bincount(draws.ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(np.float64)


def _as_responses(responses: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(responses, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != n:
        raise ValueError(f"responses must be (n_stimuli={n}, n_neurons); got shape {np.shape(responses)}")
    if not np.all(np.isfinite(y)):
        raise ValueError("responses contain NaN or inf")
    return y


# ----------------------------------------------------------------------------------------------- ridge
def ridge_fit_predict(k_tr: np.ndarray, k_te: np.ndarray, y_tr: np.ndarray, alphas=DEFAULT_ALPHAS,
                      relative: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Kernel ridge with an unpenalised intercept and per-neuron penalty chosen by exact LOO.

    ``k_tr`` (n_tr, n_tr) and ``k_te`` (n_te, n_tr): kernels of training-centred features (see
    :func:`center_gram`); ``y_tr`` (n_tr, m) training responses (centred here). ``alphas``: the penalty
    grid, multiplied by ``trace(k_tr)/n_tr`` when ``relative`` (absolute otherwise). The penalty of each
    neuron minimises its leave-one-out squared error on the training fold (ties: the smaller penalty).
    Returns ``(predictions (n_te, m), chosen alpha per neuron (m,))`` (alphas as given, i.e. relative).
    """
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if alphas.size == 0 or np.any(alphas <= 0):
        raise ValueError("ridge alphas must be a non-empty list of positive numbers")
    y_tr = np.asarray(y_tr, dtype=np.float64)
    n = k_tr.shape[0]
    ybar = y_tr.mean(axis=0)
    yc = y_tr - ybar
    # all eigenpairs: LAPACK's divide-and-conquer (evd) is ~30 % faster than the default (evr) here
    s, u = linalg.eigh(k_tr, check_finite=False, driver="evd")
    s = np.clip(s, 0.0, None)
    scale = float(np.trace(k_tr)) / n if relative else 1.0
    lams = alphas * (scale if scale > 0 else 1.0)
    uty = u.T @ yc
    u2 = u * u
    m = yc.shape[1]
    best = np.full(m, np.inf)
    choice = np.zeros(m, dtype=np.int64)
    if len(lams) > 1:
        for a, lam in enumerate(lams):
            f = s / (s + lam)
            fit = u @ (f[:, None] * uty)
            one_minus_h = np.maximum(1.0 - (1.0 / n + u2 @ f), 1e-12)
            err = (((yc - fit) / one_minus_h[:, None]) ** 2).mean(axis=0)
            better = err < best
            best[better] = err[better]
            choice[better] = a
    k_te_u = k_te @ u
    pred = np.empty((k_te.shape[0], m), dtype=np.float64)
    for a in np.unique(choice):
        cols = choice == a
        pred[:, cols] = k_te_u @ (uty[:, cols] / (s + lams[a])[:, None])
    return pred + ybar, alphas[choice]


# ----------------------------------------------------------------------------------------------- PLS
def pls_fit_predict(k_tr: np.ndarray, k_te: np.ndarray, y_tr: np.ndarray,
                    n_components: int = DEFAULT_PLS_COMPONENTS) -> np.ndarray:
    """Kernel PLS2 (see module docstring) with ``n_components`` components → predictions (n_te, m).

    ``k_tr``, ``k_te``: kernels of training-centred features; ``y_tr`` (n_tr, m) raw training responses.
    Fewer components are used if the deflated kernel or responses vanish (at most ``n_tr - 1``).
    """
    if n_components < 1:
        raise ValueError(f"n_components must be >= 1; got {n_components}")
    y_tr = np.asarray(y_tr, dtype=np.float64)
    ybar = y_tr.mean(axis=0)
    yc = y_tr - ybar
    n = k_tr.shape[0]
    k = k_tr.copy()
    y = yc.copy()
    ts, us = [], []
    scale = max(float(np.abs(k_tr).max()), 1e-300)
    for _ in range(min(n_components, n - 1)):
        ky = k @ y
        cov = y.T @ ky
        w, v = linalg.eigh((cov + cov.T) / 2, check_finite=False)
        if w[-1] <= 1e-14 * scale * max(float((yc * yc).sum()), 1e-300):
            break
        c = v[:, -1]
        u = y @ c
        t = ky @ c  # = k @ u
        norm = np.linalg.norm(t)
        if norm == 0:
            break
        t /= norm
        kt = k @ t
        tkt = t @ kt
        k = k - np.outer(t, kt) - np.outer(kt, t) + tkt * np.outer(t, t)
        y = y - np.outer(t, t @ y)
        ts.append(t)
        us.append(u)
    if not ts:
        return np.broadcast_to(ybar, (k_te.shape[0], yc.shape[1])).copy()
    t_mat = np.stack(ts, axis=1)
    u_mat = np.stack(us, axis=1)
    inner = t_mat.T @ k_tr @ u_mat
    coef = u_mat @ np.linalg.solve(inner, t_mat.T @ yc)  # dual coefficients (n_tr, m)
    return k_te @ coef + ybar


# ----------------------------------------------------------------------------------------------- drivers
def _fold_kernels(features, folds, standardize):
    """Yield ``(train, test, K_tr, K_te)`` per fold from raw features."""
    if standardize not in _STANDARDIZE:
        raise ValueError(f"standardize must be one of {_STANDARDIZE}; got {standardize!r}")
    x = np.asarray(features)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    if standardize == "center":
        # one Gram for all folds; the shift by the overall mean only improves rounding, it cancels exactly
        shifted = x - x.mean(axis=0, dtype=np.float64).astype(x.dtype)
        g = gram(shifted)
        del shifted
        for f in range(folds.max() + 1):
            train, test = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
            yield (train, test) + center_gram(g, train, test)
        return
    for f in range(folds.max() + 1):
        train, test = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        mu = x[train].mean(axis=0, dtype=np.float64)
        sd = x[train].std(axis=0, dtype=np.float64)
        sd[sd == 0] = 1.0
        z = ((x - mu.astype(x.dtype)) / sd.astype(x.dtype)).astype(x.dtype, copy=False)
        g = gram(z)
        del z
        yield train, test, (g[np.ix_(train, train)] + g[np.ix_(train, train)].T) / 2, g[np.ix_(test, train)]


def _run(kernels, y, folds, method, alphas, n_components, params) -> Predictivity:
    n, m = y.shape
    n_splits = int(folds.max()) + 1
    pred = np.empty((n, m), dtype=np.float64)
    chosen = np.full((n_splits, m), np.nan) if method == "ridge" else None
    r_folds = np.empty((n_splits, m))
    for f, (train, test, k_tr, k_te) in enumerate(bar(kernels, desc=f"{method} cross-validation", unit="fold",
                                                       total=n_splits)):
        # one BLAS thread: the n x n solves of a fold (n ~ 1000) are too small to gain from threads, and
        # multi-threaded OpenBLAS eigh on busy cores is many times slower (see neurovision.threads)
        with limit_threads(1):
            if method == "ridge":
                pred[test], chosen[f] = ridge_fit_predict(k_tr, k_te, y[train], alphas)
            else:
                pred[test] = pls_fit_predict(k_tr, k_te, y[train], n_components)
        r_folds[f] = pearson_columns(pred[test], y[test])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns → NaN
        r = np.nanmean(r_folds, axis=0)
    return Predictivity(r=r, r_folds=r_folds, r_concatenated=pearson_columns(pred, y), predictions=pred,
                        folds=folds, method=method, alphas=chosen, params=params)


def _check_features(features) -> np.ndarray:
    x = np.asarray(features)
    if x.ndim != 2:
        raise ValueError(f"features must be 2-D (n_stimuli, n_features); got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("features contain NaN or inf")
    return x


def ridge_predictivity(features: np.ndarray, responses: np.ndarray, n_splits: int = 5, alphas=DEFAULT_ALPHAS,
                       seed: int = 0, standardize: str = "zscore") -> Predictivity:
    """K-fold cross-validated kernel ridge predictivity (see module docstring).

    ``features`` (n_stim, n_feat), ``responses`` (n_stim, n_neurons) or (n_stim,). Returns a
    :class:`Predictivity`; ``.r`` (n_neurons,) is the per-fold Pearson r of held-out predictions with the
    responses, averaged over folds.
    """
    x = _check_features(features)
    y = _as_responses(responses, x.shape[0])
    folds = kfold(x.shape[0], n_splits, seed)
    params = dict(n_splits=n_splits, seed=seed, standardize=standardize,
                  alphas=[float(a) for a in np.atleast_1d(alphas)], alpha_scale="relative to trace(K)/n_train")
    return _run(_fold_kernels(x, folds, standardize), y, folds, "ridge", alphas, None, params)


def pls_predictivity(features: np.ndarray, responses: np.ndarray, n_components: int = DEFAULT_PLS_COMPONENTS,
                     n_splits: int = 5, seed: int = 0, standardize: str = "zscore") -> Predictivity:
    """K-fold cross-validated kernel PLS2 predictivity with ``n_components`` components (see module docstring)."""
    x = _check_features(features)
    y = _as_responses(responses, x.shape[0])
    folds = kfold(x.shape[0], n_splits, seed)
    params = dict(n_splits=n_splits, seed=seed, standardize=standardize, n_components=n_components)
    return _run(_fold_kernels(x, folds, standardize), y, folds, "pls", None, n_components, params)


def predictivity_from_gram(g: np.ndarray, responses: np.ndarray, method: str = "ridge", n_splits: int = 5,
                           seed: int = 0, alphas=DEFAULT_ALPHAS,
                           n_components: int = DEFAULT_PLS_COMPONENTS) -> Predictivity:
    """Like :func:`ridge_predictivity` / :func:`pls_predictivity` with ``standardize="center"``, from the
    Gram ``g = X X^T`` (n_stim, n_stim) of the features (any constant shift of the features allowed)."""
    if method not in ("ridge", "pls"):
        raise ValueError(f"method must be 'ridge' or 'pls'; got {method!r}")
    g = np.asarray(g, dtype=np.float64)
    if g.ndim != 2 or g.shape[0] != g.shape[1]:
        raise ValueError(f"g must be a square Gram matrix; got shape {g.shape}")
    y = _as_responses(responses, g.shape[0])
    folds = kfold(g.shape[0], n_splits, seed)
    kernels = ((np.flatnonzero(folds != f), np.flatnonzero(folds == f))
               + center_gram(g, np.flatnonzero(folds != f), np.flatnonzero(folds == f))
               for f in range(n_splits))
    params = dict(n_splits=n_splits, seed=seed, standardize="center")
    if method == "ridge":
        params.update(alphas=[float(a) for a in np.atleast_1d(alphas)], alpha_scale="relative to trace(K)/n_train")
    else:
        params.update(n_components=n_components)
    return _run(kernels, y, folds, method, alphas, n_components, params)


def correlation_rdm_from_gram(g: np.ndarray, row_sums: np.ndarray, shift_dot: np.ndarray, shift_sq: float,
                              n_features: int) -> np.ndarray:
    """Correlation-distance RDM ``1 - r(x_i, x_j)`` (r across features) from a shifted Gram matrix.

    ``g = Xs Xs^T`` for ``Xs = X - 1 m^T`` (a column shift ``m``), ``row_sums = Xs 1`` (n,),
    ``shift_dot = Xs v`` and ``shift_sq = v . v`` with ``v = m - mean(m)``; ``n_features`` = p. Uses
    ``(Xr Xr^T)_ij = g_ij - p a_i a_j + b_i + b_j + v.v`` for the row-centred patterns ``Xr`` (``a`` = row
    means of ``Xs``, ``b = Xs v``), then :func:`neurovision.rsa.gram.correlation_distance_from_gram`. Returns
    the square (n, n) float64 RDM with a zero diagonal (distance 1 to a constant pattern).
    """
    a = np.asarray(row_sums, dtype=np.float64) / n_features
    b = np.asarray(shift_dot, dtype=np.float64)
    c = np.asarray(g, dtype=np.float64) - n_features * np.outer(a, a) + b[:, None] + b[None, :] + float(shift_sq)
    return correlation_distance_from_gram(c)
