"""Encoding models on himalaya (Dupré la Tour, Eickenberg, Nunez-Elizalde & Gallant 2022, NeuroImage 264:119728):
ridge with one penalty per target, banded ridge over several feature spaces, and variance partitioning.

himalaya is optional (``pip install himalaya``); importing this module works without it, calling a function
raises an ImportError saying how to install it. Computations run on himalaya's numpy backend (CPU; ``force_cpu=True``).

Outer protocol — identical to :mod:`neurovision.encoding`
---------------------------------------------------------
K-fold over stimuli with :func:`neurovision.encoding.kfold` (seeded); per fold, features are standardised with
training-fold statistics only (``"zscore"``: centred and divided by the training standard deviation, ddof 0,
constant features left at 0; ``"center"``: centred only) and responses are centred by their training mean
(an unpenalised intercept). The score of a target is the Pearson r between held-out predictions and responses
within each fold, averaged over folds (:class:`neurovision.encoding.Predictivity`).

Penalties
---------
Penalty grids are *relative*, as in :mod:`neurovision.encoding`: ``lambda = alpha * trace(K_tr) / n_tr`` with
``K_tr = Z_tr Z_tr^T`` the training kernel of the standardised features (the mean squared norm of a training
pattern), so :data:`neurovision.encoding.DEFAULT_ALPHAS` suits layers of any width. The penalty of each target is
chosen on the training fold by himalaya's inner K-fold cross-validation (``inner_splits`` folds, shuffled with
``seed``; held-out squared error), not by the exact leave-one-out error of :mod:`neurovision.encoding`. Inner
folds reuse the outer training-fold centring.

Banded ridge and variance partitioning
--------------------------------------
Banded ridge (Nunez-Elizalde, Huth & Gallant 2019, NeuroImage 197:482) fits one regression on several feature
spaces with one penalty per space and target: ``min_b ||Y - sum_s Z_s b_s||^2 + sum_s lambda_s ||b_s||^2``.
It is solved in the dual with himalaya's ``MultipleKernelRidgeCV`` (random search over the simplex of kernel
weights × the penalty grid, ``n_iter`` candidates, seeded) on the linear kernels of the standardised spaces,
each divided by ``trace(K_s,tr)/n_tr`` so the spaces start on an equal footing. A single space uses
``KernelRidgeCV`` on the same kernel with the same penalty grid.

Variance partitioning (Lescroart, Stansbury & Gallant 2015, Front. Comput. Neurosci. 9:135; de Heer et al.
2017, J. Neurosci. 37:6539) of two spaces A and B uses held-out R² (``1 - SS_res/SS_tot`` of the held-out
predictions concatenated over folds, ``SS_tot`` around the mean response) of the joint banded model and of each
space alone::

    shared = R²_A + R²_B - R²_AB,   unique_A = R²_AB - R²_B,   unique_B = R²_AB - R²_A

Estimates, per target; with noise any of them can be slightly negative.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from .encoding import DEFAULT_ALPHAS, Predictivity, kfold, pearson_columns

__all__ = ["himalaya_ridge_predictivity", "banded_ridge_predictivity", "variance_partitioning", "BandedRidge",
           "VariancePartition"]

_STANDARDIZE = ("zscore", "center")


def _himalaya():
    try:
        import himalaya  # noqa: F401
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("neurovision.encoding_himalaya needs himalaya: pip install himalaya") from err
    import himalaya.kernel_ridge as kr
    import himalaya.ridge as rr
    return rr, kr


def _inner_cv(inner_splits: int, seed: int):
    from sklearn.model_selection import KFold
    return KFold(n_splits=inner_splits, shuffle=True, random_state=seed)


def _check(features, responses) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be 2-D (n_stimuli, n_features); got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("features contain NaN or inf")
    y = np.asarray(responses, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"responses must be (n_stimuli={x.shape[0]}, n_targets); got shape {np.shape(responses)}")
    if not np.all(np.isfinite(y)):
        raise ValueError("responses contain NaN or inf")
    return x, y


def _standardize(x: np.ndarray, train: np.ndarray, how: str) -> np.ndarray:
    if how not in _STANDARDIZE:
        raise ValueError(f"standardize must be one of {_STANDARDIZE}; got {how!r}")
    mu = x[train].mean(axis=0)
    z = x - mu
    if how == "zscore":
        sd = x[train].std(axis=0)
        sd[sd == 0] = 1.0
        z /= sd
    return z


def _alphas(alphas) -> np.ndarray:
    a = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if a.size == 0 or np.any(a <= 0) or not np.all(np.isfinite(a)):
        raise ValueError("ridge alphas must be a non-empty list of positive numbers")
    return a


def _score(pred: np.ndarray, y: np.ndarray, folds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r_folds = np.stack([pearson_columns(pred[folds == f], y[folds == f]) for f in range(folds.max() + 1)])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(r_folds, axis=0), r_folds


def held_out_r2(pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per target ``1 - sum (y - pred)^2 / sum (y - mean y)^2`` over all stimuli; NaN for a constant target."""
    ss_res = ((y - pred) ** 2).sum(axis=0)
    ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), np.nan)


def himalaya_ridge_predictivity(features: np.ndarray, responses: np.ndarray, n_splits: int = 5,
                                alphas=DEFAULT_ALPHAS, seed: int = 0, standardize: str = "zscore",
                                inner_splits: int = 5) -> Predictivity:
    """Cross-validated ridge predictivity with himalaya's ``RidgeCV`` (one penalty per target); with more
    features than training stimuli, ``KernelRidgeCV`` on the linear kernel (same solution, cheaper).

    ``features`` (n_stim, n_feat), ``responses`` (n_stim, n_targets) or (n_stim,). Same outer folds, feature
    standardisation, relative penalty grid and score as :func:`neurovision.encoding.ridge_predictivity` (see
    module docstring); the penalty is chosen per target by an inner ``inner_splits``-fold CV on the training
    fold. With a single alpha both give the same predictions. ``.alphas`` (n_splits, n_targets) holds the
    chosen relative penalties.
    """
    rr, kr = _himalaya()
    x, y = _check(features, responses)
    grid = _alphas(alphas)
    folds = kfold(x.shape[0], n_splits, seed)
    pred = np.empty_like(y)
    chosen = np.empty((n_splits, y.shape[1]))
    for f in range(n_splits):
        train, test = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        z = _standardize(x, train, standardize)
        scale = float((z[train] ** 2).sum()) / train.size
        scale = scale if scale > 0 else 1.0
        ybar = y[train].mean(axis=0)
        wide = x.shape[1] > train.size  # more features than training stimuli: the dual (kernel) form is cheaper
        a_tr, a_te = (z[train] @ z[train].T, z[test] @ z[train].T) if wide else (z[train], z[test])
        if grid.size == 1:
            model = (kr.KernelRidge(alpha=grid[0] * scale, kernel="precomputed", force_cpu=True) if wide
                     else rr.Ridge(alpha=grid[0] * scale, fit_intercept=False, force_cpu=True))
            model.fit(a_tr, y[train] - ybar)
            chosen[f] = grid[0]
        else:
            cv = _inner_cv(inner_splits, seed)
            model = (kr.KernelRidgeCV(alphas=grid * scale, kernel="precomputed", cv=cv, force_cpu=True) if wide
                     else rr.RidgeCV(alphas=grid * scale, fit_intercept=False, cv=cv, force_cpu=True))
            model.fit(a_tr, y[train] - ybar)
            chosen[f] = np.asarray(model.best_alphas_) / scale
        pred[test] = np.asarray(model.predict(a_te)).reshape(test.size, -1) + ybar
    r, r_folds = _score(pred, y, folds)
    params = dict(n_splits=n_splits, seed=seed, standardize=standardize, inner_splits=inner_splits,
                  alphas=[float(a) for a in grid], alpha_scale="relative to trace(K)/n_train", solver="himalaya")
    return Predictivity(r=r, r_folds=r_folds, r_concatenated=pearson_columns(pred, y), predictions=pred,
                        folds=folds, method="ridge", alphas=chosen, params=params)


@dataclass
class BandedRidge:
    """Result of :func:`banded_ridge_predictivity`.

    ``r`` (n_targets,): per-fold held-out Pearson r averaged over folds; ``r_folds`` (n_splits, n_targets);
    ``r2`` (n_targets,): held-out R² of the predictions concatenated over folds; ``predictions`` (n_stim,
    n_targets); ``folds`` (n_stim,); ``space_weights`` (n_splits, n_spaces, n_targets): the kernel weights
    ``exp(delta_s)`` chosen per fold (the effective penalty of space s is ``1/exp(delta_s)``, relative);
    ``spaces``: the names of the feature spaces.
    """

    r: np.ndarray
    r_folds: np.ndarray
    r2: np.ndarray
    predictions: np.ndarray
    folds: np.ndarray
    space_weights: np.ndarray
    spaces: list
    params: dict = field(default_factory=dict)


def _named_spaces(feature_spaces) -> tuple[list, list]:
    if isinstance(feature_spaces, Mapping):
        names, arrays = list(map(str, feature_spaces)), list(feature_spaces.values())
    elif isinstance(feature_spaces, Sequence) and not isinstance(feature_spaces, np.ndarray):
        names, arrays = [f"space{i}" for i in range(len(feature_spaces))], list(feature_spaces)
    else:
        raise ValueError("feature_spaces must be a list of (n_stimuli, n_features) arrays or a dict name -> array")
    if not arrays:
        raise ValueError("feature_spaces is empty")
    return names, arrays


def _space_kernels(arrays, train, test, standardize):
    k_tr, k_te = [], []
    for a in arrays:
        z = _standardize(a, train, standardize)
        kt = z[train] @ z[train].T
        scale = float(np.trace(kt)) / train.size
        scale = scale if scale > 0 else 1.0
        k_tr.append((kt + kt.T) / (2 * scale))
        k_te.append(z[test] @ z[train].T / scale)
    return np.stack(k_tr), np.stack(k_te)


def banded_ridge_predictivity(feature_spaces, responses: np.ndarray, n_splits: int = 5, alphas=DEFAULT_ALPHAS,
                              n_iter: int = 50, seed: int = 0, standardize: str = "zscore",
                              inner_splits: int = 5) -> BandedRidge:
    """Cross-validated banded ridge over several feature spaces (himalaya ``MultipleKernelRidgeCV``).

    ``feature_spaces``: a list of arrays (n_stim, n_feat_s), or a dict name → array; ``responses`` (n_stim,
    n_targets). ``alphas``: relative penalty grid (each space's kernel is normalised to mean squared norm 1);
    ``n_iter`` kernel-weight candidates of the random search (one space: plain ``KernelRidgeCV``). See module
    docstring. Returns a :class:`BandedRidge`.
    """
    _, kr = _himalaya()
    names, arrays = _named_spaces(feature_spaces)
    y = np.asarray(responses, dtype=np.float64)
    checked = [_check(a, y)[0] for a in arrays]
    y = _check(checked[0], y)[1]
    grid = _alphas(alphas)
    folds = kfold(y.shape[0], n_splits, seed)
    pred = np.empty_like(y)
    weights = np.empty((n_splits, len(checked), y.shape[1]))
    for f in range(n_splits):
        train, test = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        k_tr, k_te = _space_kernels(checked, train, test, standardize)
        ybar = y[train].mean(axis=0)
        if len(checked) == 1:
            model = kr.KernelRidgeCV(alphas=grid, kernel="precomputed", cv=_inner_cv(inner_splits, seed),
                                      force_cpu=True)
            model.fit(k_tr[0], y[train] - ybar)
            p = model.predict(k_te[0])
            weights[f, 0] = 1.0 / np.asarray(model.best_alphas_)
        else:
            model = kr.MultipleKernelRidgeCV(
                kernels="precomputed", solver="random_search", cv=_inner_cv(inner_splits, seed),
                random_state=seed, solver_params=dict(n_iter=n_iter, alphas=grid, progress_bar=False), force_cpu=True)
            model.fit(k_tr, y[train] - ybar)
            p = model.predict(k_te)
            weights[f] = np.exp(np.asarray(model.deltas_))
        pred[test] = np.asarray(p).reshape(test.size, -1) + ybar
    r, r_folds = _score(pred, y, folds)
    params = dict(n_splits=n_splits, seed=seed, standardize=standardize, inner_splits=inner_splits, n_iter=n_iter,
                  alphas=[float(a) for a in grid], alpha_scale="relative; each space's kernel has trace n_train")
    return BandedRidge(r=r, r_folds=r_folds, r2=held_out_r2(pred, y), predictions=pred, folds=folds,
                       space_weights=weights, spaces=names, params=params)


@dataclass
class VariancePartition:
    """Held-out R² of two feature spaces A, B and their partition (per target, (n_targets,) each).

    ``r2_joint``, ``r2_a``, ``r2_b``: held-out R² of the banded model on A and B and of each alone;
    ``unique_a = r2_joint - r2_b``, ``unique_b = r2_joint - r2_a``, ``shared = r2_a + r2_b - r2_joint``.
    """

    r2_joint: np.ndarray
    r2_a: np.ndarray
    r2_b: np.ndarray
    unique_a: np.ndarray
    unique_b: np.ndarray
    shared: np.ndarray
    names: tuple = ("a", "b")

    def summary(self) -> dict:
        """Median over targets of every quantity, keyed ``r2_joint``, ``r2_<a>``, ``unique_<a>``, ..., ``shared``."""
        a, b = self.names
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return {"r2_joint": float(np.nanmedian(self.r2_joint)), f"r2_{a}": float(np.nanmedian(self.r2_a)),
                    f"r2_{b}": float(np.nanmedian(self.r2_b)), f"unique_{a}": float(np.nanmedian(self.unique_a)),
                    f"unique_{b}": float(np.nanmedian(self.unique_b)), "shared": float(np.nanmedian(self.shared))}


def variance_partitioning(space_a: np.ndarray, space_b: np.ndarray, responses: np.ndarray,
                          names: tuple = ("a", "b"), **options) -> VariancePartition:
    """Unique and shared held-out variance of two feature spaces (see module docstring).

    ``space_a`` (n_stim, n_feat_a), ``space_b`` (n_stim, n_feat_b), ``responses`` (n_stim, n_targets); the
    ``options`` (n_splits, alphas, n_iter, seed, standardize, inner_splits) go to
    :func:`banded_ridge_predictivity`, which fits the joint model and each space alone on the same folds.
    """
    joint = banded_ridge_predictivity([space_a, space_b], responses, **options)
    only_a = banded_ridge_predictivity([space_a], responses, **options)
    only_b = banded_ridge_predictivity([space_b], responses, **options)
    r2ab, r2a, r2b = joint.r2, only_a.r2, only_b.r2
    return VariancePartition(r2_joint=r2ab, r2_a=r2a, r2_b=r2b, unique_a=r2ab - r2b, unique_b=r2ab - r2a,
                             shared=r2a + r2b - r2ab, names=tuple(map(str, names)))
