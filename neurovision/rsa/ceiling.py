"""Noise ceiling of RDM comparisons (Nili et al. 2014, PLoS Comput Biol).

Given one RDM per subject, the noise ceiling brackets the best score a model
could attain given inter-subject variability:

* upper bound: mean over subjects of compare(subject_i, pooled(all subjects))
* lower bound: mean over subjects of compare(subject_i, pooled(all but i))

The pooled RDM is the one that maximises the average score under the chosen
comparison method, computed exactly as rsatoolbox's ``pool_rdm`` /
``boot_noise_ceiling`` do: average of rank-transformed RDMs for rank methods
(spearman, rho_a, kendall_tau_a), of z-scored RDMs for pearson/corr_cov and
of RMS-normalised RDMs for cosine/cosine_cov.

A subject RDM that makes the comparison undefined (all dissimilarities
equal; for cosine/cosine_cov all zero; see
:func:`neurovision.rsa.compare.degenerate_rows`) makes both bounds NaN;
:func:`noise_ceiling` then emits a
:class:`neurovision.errors.ConstantRDMWarning` naming the subject.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .compare import Prepared, canonical_method, compare_vectors, degenerate_rows, prepared, rdm_labels, warn_constant
from .dissimilarity import RDM

__all__ = ["noise_ceiling", "pool_transform", "ceiling_vectors"]


def _t_rank(p: Prepared, w):
    return p.ranks(w)


def _t_zscore(p: Prepared, w):
    x = p.x
    if w is None:
        m = x.mean(axis=1, keepdims=True)
        xc = x - m
        sd = np.sqrt(np.mean(xc * xc, axis=1, keepdims=True))
    else:
        ws = np.sum(w)
        m = (x @ w)[:, None] / ws
        xc = x - m
        sd = np.sqrt(((xc * xc) @ w)[:, None] / ws)
    return xc / sd


def _t_rms(p: Prepared, w):
    x = p.x
    if w is None:
        rms = np.sqrt(np.mean(x * x, axis=1, keepdims=True))
    else:
        rms = np.sqrt(((x * x) @ w)[:, None] / np.sum(w))
    return x / rms


# transformation applied to each subject RDM before averaging
_POOL = {
    "spearman": _t_rank,
    "rho_a": _t_rank,
    "kendall_tau_a": _t_rank,
    "pearson": _t_zscore,
    "corr_cov": _t_zscore,
    "cosine": _t_rms,
    "cosine_cov": _t_rms,
}


def pool_transform(x, method: str, w=None) -> np.ndarray:
    """Per-subject transform whose average is the pooled RDM, (k, P)."""
    return _POOL[canonical_method(method)](prepared(x), w)


def ceiling_vectors(x, method: str = "spearman", w=None,
                    cmp=None) -> Tuple[float, float]:
    """Noise ceiling (lower, upper) of a stack x (k, P) of subject RDMs.

    ``w``: optional multiplicity weights of the entries (bootstrap
    resamples); ``cmp(pooled, prepared_subjects_row_i, i)`` can override the
    comparison (used for covariance-whitened methods on resamples).
    Returns (NaN, NaN), without a warning, when a subject RDM is degenerate
    under ``w`` (:func:`degenerate_rows`).
    """
    method = canonical_method(method)
    data = prepared(x)
    k = data.k
    if k < 2:
        raise ValueError("noise ceiling needs at least 2 subject RDMs")
    if np.any(degenerate_rows(data, method, w)):
        return np.nan, np.nan
    t = pool_transform(data, method, w)
    total = t.sum(axis=0)
    upper_pool = total[None, :] / k
    loo = (total[None, :] - t) / (k - 1)
    if cmp is not None:
        up = np.array([cmp(upper_pool, i) for i in range(k)])
        lo = np.array([cmp(loo[i:i + 1], i) for i in range(k)])
    elif method == "kendall_tau_a":
        # tau-a is O(P log P) per pair: compute only the k needed pairs
        up = compare_vectors(upper_pool, data, method, w)[0]
        lo = np.array([compare_vectors(loo[i:i + 1], _row(data, i), method,
                                       w)[0, 0] for i in range(k)])
    else:
        up = compare_vectors(upper_pool, data, method, w)[0]
        lo = np.einsum("ii->i", compare_vectors(loo, data, method, w))
    return float(np.mean(lo)), float(np.mean(up))


def _row(p: Prepared, i: int) -> Prepared:
    """Row i of a Prepared stack sharing its cached rank information."""
    q = Prepared(p.x[i:i + 1])
    if p._order is not None:
        q._order = p._order[i:i + 1]
        q._dense = p._dense[i:i + 1]
        q._ngroups = p._ngroups[i:i + 1]
    return q


def noise_ceiling(data: RDM, method: str = "spearman") -> Tuple[float, float]:
    """Noise ceiling (lower, upper) of Nili et al. (2014).

    Parameters
    ----------
    data : RDM
        One RDM per subject (``data.n_rdms >= 2``) over the same conditions.
    method : str
        Comparison method (see :func:`neurovision.rsa.compare`).

    Returns
    -------
    (lower, upper): leave-one-subject-out and all-subject bounds, in the
    units of the comparison method; identical to rsatoolbox's
    ``boot_noise_ceiling`` with one RDM per subject.  (NaN, NaN) when a
    subject RDM is degenerate (all dissimilarities equal; for cosine and
    cosine_cov all zero), with one
    :class:`neurovision.errors.ConstantRDMWarning` naming the subject(s) by
    descriptor (``subject='3'``) or index.
    """
    if not isinstance(data, RDM):
        raise TypeError("noise_ceiling expects an RDM")
    method = canonical_method(method)
    prep = Prepared(data.dissimilarities)
    bad = degenerate_rows(prep, method)
    if np.any(bad):
        warn_constant("noise_ceiling", method, rdm_labels(data, np.flatnonzero(bad), "data"),
                      "the noise ceiling is (NaN, NaN)")
        return np.nan, np.nan
    return ceiling_vectors(prep, method)
