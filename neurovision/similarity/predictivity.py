"""Linear predictivity as a representational similarity measure: how well a linear map of X predicts Y.

The "neural predictivity" of Yamins et al. (2014, PNAS 111:8619) and Schrimpf et al. (2018, bioRxiv 407007):
cross-validated ridge regression from every unit of ``X`` (n stimuli × p1) to each unit of ``Y`` (n × p2),
scored per Y unit by the Pearson r of held-out predictions with the responses. The protocol is
:mod:`neurovision.encoding`'s: K-fold over stimuli (seeded, :func:`neurovision.encoding.kfold`), features
standardised and responses centred with training-fold statistics, the r computed within each held-out fold and
averaged over folds. The penalty is chosen per Y unit on the training stimuli only:

* ``backend="neurovision"`` (default): by the exact leave-one-out error of kernel ridge
  (:func:`neurovision.encoding.ridge_predictivity`);
* ``backend="himalaya"``: by himalaya's ``RidgeCV`` with an inner seeded K-fold
  (:func:`neurovision.encoding_himalaya.himalaya_ridge_predictivity`; needs ``pip install himalaya``).

Not symmetric: ``linear_predictivity(X, Y)`` predicts Y from X.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..encoding import DEFAULT_ALPHAS, ridge_predictivity
from ..errors import unknown_name
from ._inputs import as_pair

__all__ = ["linear_predictivity", "BACKENDS", "SUMMARIES"]

BACKENDS = ("neurovision", "himalaya")
SUMMARIES = ("median", "mean")


def linear_predictivity(X, Y, n_splits: int = 5, seed: int = 0, alphas=DEFAULT_ALPHAS, summary: str = "median",
                        backend: str = "neurovision", standardize: str = "zscore") -> dict:
    """Cross-validated ridge predictivity of ``Y`` (n × p2) from ``X`` (n × p1); see module docstring.

    Returns a dict: ``"score"`` the ``summary`` ("median" or "mean") over Y units of their r (NaN units
    ignored), ``"median"``, ``"mean"``, ``"r"`` (p2,) the per-unit r (Pearson r, unitless, in [-1, 1]; NaN for a
    unit constant within every held-out fold), ``"r_folds"`` (n_splits, p2), ``"alphas"`` (n_splits, p2) the
    chosen relative penalties, ``"summary"``, ``"backend"``.
    """
    if summary not in SUMMARIES:
        raise ValueError(unknown_name("summary", summary, SUMMARIES))
    if backend not in BACKENDS:
        raise ValueError(unknown_name("predictivity backend", backend, BACKENDS))
    pair = as_pair(X, Y, min_stimuli=max(3, n_splits))
    if backend == "neurovision":
        res = ridge_predictivity(pair.x, pair.y, n_splits=n_splits, alphas=alphas, seed=seed, standardize=standardize)
    else:
        from ..encoding_himalaya import himalaya_ridge_predictivity
        res = himalaya_ridge_predictivity(pair.x, pair.y, n_splits=n_splits, alphas=alphas, seed=seed,
                                          standardize=standardize)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN → NaN
        med, mean = float(np.nanmedian(res.r)), float(np.nanmean(res.r))
    return {"score": med if summary == "median" else mean, "summary": summary, "median": med, "mean": mean,
            "r": res.r, "r_folds": res.r_folds, "alphas": res.alphas, "backend": backend}
