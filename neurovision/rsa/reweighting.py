"""Cross-validated feature-reweighted RSA.

A model's representation is split into components (e.g. layers or feature
subsets), each with its own RDM.  Non-negative weights combining the
component RDMs are fitted to the data RDM on training stimuli and the
reweighted model RDM is evaluated on held-out stimuli
(Khaligh-Razavi & Kriegeskorte 2014, PLoS Comput Biol 10:e1003915;
Storrs et al. 2021, J Cogn Neurosci 33:2044).

Leakage control: only pairs of two training stimuli enter the fit and only
pairs of two test stimuli enter the evaluation; pairs with one training and
one test stimulus are excluded from both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy.optimize import nnls

from .compare import canonical_method, compare_vectors, degenerate_rows, mask_degenerate, rdm_labels, warn_constant
from .dissimilarity import RDM, check_same_ids

__all__ = ["fit_weights", "crossval_reweighted", "ReweightingResult",
           "stimulus_folds"]


def fit_weights(components: np.ndarray, target: np.ndarray,
                intercept: bool = False) -> np.ndarray:
    """Non-negative least squares weights w >= 0 minimising
    ||components.T @ w (+ b) - target||.

    components : (n_components, n_pairs) condensed component RDMs
    target : (n_pairs,) data RDM
    Returns (n_components,) or (n_components + 1,) with the non-negative
    intercept last when ``intercept``.
    """
    a = np.asarray(components, dtype=np.float64).T
    if intercept:
        a = np.concatenate([a, np.ones((a.shape[0], 1))], axis=1)
    w, _ = nnls(a, np.asarray(target, dtype=np.float64))
    return w


def stimulus_folds(n: int, n_folds: int, seed=0) -> np.ndarray:
    """Fold label (0..n_folds-1) per stimulus, balanced, random order."""
    if n_folds < 2:
        raise ValueError("need at least 2 folds")
    if n // n_folds < 3:
        raise ValueError(f"{n} stimuli are too few for {n_folds} folds "
                         "(each test set needs >= 3 stimuli)")
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(n) % n_folds)


@dataclass
class ReweightingResult:
    """scores (n_folds, n_data): held-out score per fold and data RDM;
    weights (n_folds, n_components[+1]); folds (n,) fold label per stimulus;
    score: mean over folds and data RDMs."""

    scores: np.ndarray
    weights: np.ndarray
    folds: np.ndarray
    method: str

    @property
    def score(self) -> float:
        return float(np.nanmean(self.scores))


def crossval_reweighted(components: RDM, data: RDM, method: str = "pearson",
                        n_folds: int = 5, seed=0, intercept: bool = False,
                        folds: Optional[np.ndarray] = None
                        ) -> ReweightingResult:
    """Cross-validated reweighted-model RSA.

    For each fold f the test stimuli are those with fold label f.  Weights
    are fitted (NNLS) to the mean data RDM restricted to train x train
    pairs; the weighted component RDM restricted to test x test pairs is
    compared (``method``) with each data RDM on the same pairs.

    components : RDM stack, one RDM per component
    data : RDM stack, one RDM per subject (same stimulus_id as components)
    folds : optional fold label per stimulus (overrides n_folds/seed)

    A fold whose reweighted model RDM (e.g. all NNLS weights 0) or whose data RDM is constant on the test pairs
    has no defined comparison: its score is NaN, with one :class:`~neurovision.errors.ConstantRDMWarning`
    naming the folds; :attr:`ReweightingResult.score` averages the finite ones.
    """
    check_same_ids(components, data)
    method = canonical_method(method)
    n = data.n_conditions
    if folds is None:
        folds = stimulus_folds(n, n_folds, seed)
    folds = np.asarray(folds)
    labels = np.unique(folds)
    iu, ju = np.triu_indices(n, 1)
    comp = components.dissimilarities
    dat = data.dissimilarities
    scores = np.empty((labels.shape[0], data.n_rdms))
    weights = []
    constant: list[str] = []
    for f_i, f in enumerate(labels):
        test = folds == f
        train_pairs = ~test[iu] & ~test[ju]
        test_pairs = test[iu] & test[ju]
        if np.count_nonzero(test) < 3 or np.count_nonzero(~test) < 3:
            raise ValueError("each train and test set needs >= 3 stimuli")
        w = fit_weights(comp[:, train_pairs],
                        dat[:, train_pairs].mean(axis=0), intercept)
        weights.append(w)
        pred = w[:comp.shape[0]] @ comp[:, test_pairs]
        if intercept:
            pred = pred + w[-1]
        bad_pred = degenerate_rows(pred[None], method)
        bad_data = degenerate_rows(dat[:, test_pairs], method)
        constant += [f"{label} in test fold {f}" for label in
                     ["reweighted model RDM"] * int(bad_pred[0])
                     + rdm_labels(data, np.flatnonzero(bad_data), "data")]
        scores[f_i] = mask_degenerate(compare_vectors(pred[None], dat[:, test_pairs], method),
                                      bad_pred, bad_data)[0]
    if constant:
        warn_constant("crossval_reweighted", method, constant,
                      "the fold scores involving {it} are NaN (e.g. all NNLS weights 0)")
    return ReweightingResult(scores=scores, weights=np.array(weights),
                             folds=folds, method=method)
