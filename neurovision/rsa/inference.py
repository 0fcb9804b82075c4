"""Statistical inference on RDM comparisons.

Bootstrap over stimuli (conditions), over subjects, and over both with the
variance correction of Schütt et al. (2023, eLife 12:e82566, "Statistical
inference on representational geometries"); permutation tests of a model
against zero; pairwise model comparisons with Benjamini-Hochberg FDR
control.

Resampling conditions with replacement never materialises the resampled
RDMs: a resample with condition counts ``c`` (c_i = times condition i was
drawn) is the original RDM vector with entry (i, j) repeated ``c_i c_j``
times, while the pairs of a condition with its own duplicate are excluded
(as in rsatoolbox, where they become NaN).  All comparison methods accept
such multiplicity weights, so each resample costs O(P) memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple

import numpy as np
from scipy import stats as _stats

from .ceiling import ceiling_vectors
from .compare import Prepared, canonical_method, compare_vectors
from .rdm import RDM, _check_same_ids

__all__ = [
    "BootstrapResult", "bootstrap_stimuli", "bootstrap_subjects",
    "bootstrap_dual", "permutation_test", "pairwise_tests", "fdr_bh",
    "PermutationResult", "PairwiseResult",
]


# ---------------------------------------------------------------------------
# result container
# ---------------------------------------------------------------------------
@dataclass
class BootstrapResult:
    """Bootstrap distribution of model scores.

    Attributes
    ----------
    point : (n_models,) score on the full data (mean over data RDMs).
    samples : (n_boot, n_models) score per resample (NaN where a resample
        had fewer than 3 distinct conditions).
    ceiling_samples : (n_boot, 2) noise ceiling (lower, upper) per resample,
        or None.
    ceiling : (lower, upper) on the full data, or None.
    method : comparison method.
    kind : "stimuli", "subjects" or "dual".
    variance : (n_models,) corrected variance of the score where a
        correction applies (dual bootstrap, Schütt et al. 2023), else None.
    """

    point: np.ndarray
    samples: np.ndarray
    ceiling_samples: Optional[np.ndarray] = None
    ceiling: Optional[Tuple[float, float]] = None
    method: str = "spearman"
    kind: str = "stimuli"
    variance: Optional[np.ndarray] = None
    extra: dict = field(default_factory=dict)

    def se(self) -> np.ndarray:
        """Standard error per model: sqrt of the corrected variance when
        available, else the SD (ddof=1) of the bootstrap samples."""
        if self.variance is not None:
            return np.sqrt(np.maximum(self.variance, 0.0))
        return np.nanstd(self.samples, axis=0, ddof=1)

    def ci(self, level: float = 0.95) -> Tuple[np.ndarray, np.ndarray]:
        """Percentile confidence interval (low, high), each (n_models,)."""
        a = (1.0 - level) / 2.0
        lo = np.nanpercentile(self.samples, 100 * a, axis=0)
        hi = np.nanpercentile(self.samples, 100 * (1 - a), axis=0)
        return lo, hi

    def ceiled_samples(self) -> np.ndarray:
        """samples / upper noise ceiling of the same resample."""
        if self.ceiling_samples is None:
            raise ValueError("no noise ceiling samples in this result")
        return self.samples / self.ceiling_samples[:, 1:2]

    @property
    def n_boot(self) -> int:
        return self.samples.shape[0]


# ---------------------------------------------------------------------------
# resampled comparisons
# ---------------------------------------------------------------------------
class _Resampler:
    """Scores of models vs data under condition multiplicities."""

    def __init__(self, model: np.ndarray, data: np.ndarray, method: str,
                 n: int):
        self.method = canonical_method(method)
        self.model = Prepared(model)
        self.data = Prepared(data)
        self.n = n
        self.iu, self.ju = np.triu_indices(n, 1)
        self.cov = self.method in ("corr_cov", "cosine_cov")
        self.gram = self.method in ("pearson", "cosine")
        if self.gram:
            z = np.concatenate([self.model.x, self.data.x])
            if self.method == "pearson":
                # shift invariance: pre-centring keeps the one-pass
                # (uncentred) weighted moments below free of cancellation
                z = z - z.mean(axis=1, keepdims=True)
            self.z = z
            self.buf = np.empty_like(z)
            self.km = self.model.k
        self._last = None

    def weights(self, counts: np.ndarray) -> np.ndarray:
        c = counts.astype(np.float64)
        return c[self.iu] * c[self.ju]

    def _norm_gram(self, w) -> np.ndarray:
        """Weighted correlation (pearson) or cosine matrix of all rows of
        [model; data] under multiplicities w: one GEMM per resample."""
        sw = np.sqrt(w)
        np.multiply(self.z, sw, out=self.buf)
        g = self.buf @ self.buf.T
        if self.method == "pearson":
            wt = float(np.sum(w))
            s = self.z @ w
            g = g / wt - np.outer(s, s) / wt ** 2
        d = np.sqrt(np.diag(g))
        with np.errstate(invalid="ignore", divide="ignore"):
            q = g / np.outer(d, d)
        q[~np.isfinite(q)] = 0.0
        return q

    def scores(self, counts, w) -> np.ndarray:
        """(n_models, n_data) comparison on one resample."""
        if self.gram:
            self._last = self._norm_gram(w)
            return self._last[:self.km, self.km:]
        if self.cov:
            from .compare import compare_cov_resampled
            return compare_cov_resampled(self.model.x, self.data.x, counts,
                                         self.method)
        return compare_vectors(self.model, self.data, self.method, w)

    def ceiling(self, counts, w) -> Tuple[float, float]:
        if self.gram:
            q = self._last if self._last is not None else self._norm_gram(w)
            return _ceiling_from_similarity(q[self.km:, self.km:])
        if self.cov:
            from .compare import compare_cov_resampled

            def cmp(pooled, i):
                return compare_cov_resampled(
                    pooled, self.data.x[i:i + 1], counts, self.method)[0, 0]
            return ceiling_vectors(self.data, self.method, w, cmp=cmp)
        return ceiling_vectors(self.data, self.method, w)


def _ceiling_from_similarity(q: np.ndarray) -> Tuple[float, float]:
    """Noise ceiling for pearson/cosine from the k x k correlation (cosine)
    matrix Q of the subject RDMs.

    The pooled RDM is the mean of z-scored (RMS-normalised) subject RDMs, so
    its similarity with subject j is sum_i Q_ij / sqrt(sum_il Q_il) (upper
    bound) or, leaving j out, sum_{i!=j} Q_ij / sqrt(sum_{i,l!=j} Q_il).
    """
    k = q.shape[0]
    col = q.sum(axis=0)
    upper = np.mean(col / np.sqrt(q.sum()))
    tot = q.sum()
    # sum over i,l != j of Q_il = tot - 2 col_j + Q_jj
    lo_num = col - np.diag(q)
    lo_den = np.sqrt(tot - 2 * col + np.diag(q))
    lower = np.mean(lo_num / lo_den)
    return float(lower), float(upper)


def _check_pair(model: RDM, data: RDM):
    if not isinstance(model, RDM) or not isinstance(data, RDM):
        raise TypeError("model and data must be RDM objects")
    _check_same_ids(model, data)


def _draw(rng, n, n_boot, samples):
    if samples is not None:
        samples = np.asarray(samples, dtype=np.intp)
        if samples.ndim != 2 or samples.shape[1] != n:
            raise ValueError(f"samples must be (n_boot, {n}) indices")
        for s in samples:
            yield s
    else:
        for _ in range(n_boot):
            yield rng.integers(0, n, size=n)


def bootstrap_stimuli(model: RDM, data: RDM, method: str = "spearman",
                      n_boot: int = 1000, seed=0, ceiling: bool = True,
                      samples: Optional[np.ndarray] = None
                      ) -> BootstrapResult:
    """Bootstrap model scores over stimuli (conditions).

    For each of ``n_boot`` resamples of the n conditions with replacement,
    ``score_b = mean over data RDMs of compare(model, data, method)`` on the
    resampled RDMs, shape (model.n_rdms,).  Pairs of a resampled condition
    with its own duplicate are excluded, as in rsatoolbox's
    ``eval_bootstrap_pattern`` (Schütt et al. 2023); resamples with fewer
    than 3 distinct conditions give NaN.  If ``ceiling`` and
    data.n_rdms > 1, the noise ceiling (Nili et al. 2014) is computed on the
    same resample.

    Memory is O(P * (n_models + n_data)): resamples are represented by
    multiplicity weights, never by resampled RDM copies.

    Parameters
    ----------
    seed : int or numpy Generator, used as ``default_rng(seed).integers``.
    samples : optional (n_boot, n) array of condition indices to use instead
        of drawing (e.g. to reproduce another toolbox's resamples).
    """
    _check_pair(model, data)
    method = canonical_method(method)
    n = data.n_conditions
    rs = _Resampler(model.dissimilarities, data.dissimilarities, method, n)
    point = compare_vectors(rs.model, rs.data, method).mean(axis=1)
    do_ceil = ceiling and data.n_rdms > 1
    ceil_point = ceiling_vectors(rs.data, method) if do_ceil else None
    rng = np.random.default_rng(seed)
    if samples is not None:
        n_boot = np.asarray(samples).shape[0]
    out = np.full((n_boot, model.n_rdms), np.nan)
    ceil = np.full((n_boot, 2), np.nan) if do_ceil else None
    for b, idx in enumerate(_draw(rng, n, n_boot, samples)):
        counts = np.bincount(idx, minlength=n)
        if np.count_nonzero(counts) < 3:
            continue
        w = rs.weights(counts)
        out[b] = rs.scores(counts, w).mean(axis=1)
        if do_ceil:
            ceil[b] = rs.ceiling(counts, w)
    return BootstrapResult(point=point, samples=out, ceiling_samples=ceil,
                           ceiling=ceil_point, method=method, kind="stimuli")
