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

Degenerate RDMs (all dissimilarities equal; for cosine/cosine_cov all zero;
:func:`neurovision.rsa.compare.degenerate_rows`) make a comparison
undefined: the scores involving them are NaN (point estimate, samples,
noise ceiling) and one :class:`neurovision.errors.ConstantRDMWarning` per
call names them.  A resample can make an RDM degenerate on the drawn
conditions (e.g. an RDM with few distinct values); those samples are NaN and
the percentile intervals are taken over the remaining samples.

``n_boot`` (and ``n_perm``) are checked by :func:`check_n_boot`: 0 means no
resampling (0 sample rows, NaN interval bounds).
"""
from __future__ import annotations

import operator
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np
from scipy import stats as _stats

from ..errors import ConstantRDMWarning
from ..progress import bar
from ..threads import limit_threads
from . import _kernels, _tau_native
from .ceiling import ceiling_vectors, pool_transform
from .compare import (
    CONSTANT_TOLERANCE,
    ZERO_NORM_METHODS,
    Prepared,
    canonical_method,
    compare_cov_resampled,
    compare_vectors,
    constant_rdm_message,
    degenerate_rows,
    mask_degenerate,
    rdm_labels,
)
from .dissimilarity import RDM, check_same_ids, condensed_index, n_from_pairs

__all__ = [
    "BootstrapResult", "bootstrap_stimuli", "bootstrap_subjects",
    "bootstrap_dual", "permutation_test", "pairwise_tests", "fdr_bh",
    "PermutationResult", "PairwiseResult", "check_n_boot",
]


def check_n_boot(n_boot, name: str = "n_boot") -> int:
    """Validate a number of bootstrap resamples and return it as an int.

    0 means "no resampling, no confidence interval": the bootstrap functions
    then return results with 0 sample rows whose ``ci()`` bounds are NaN.
    With ``name="n_perm"`` the same rules apply to a number of permutations
    (0: no test, p-values NaN).

    Raises
    ------
    ValueError
        Naming ``name``, for a non-integer (floats such as ``1000.0`` and
        bools included), a negative number, or 1 (a single resample gives no
        interval, a single permutation no usable p-value).
    """
    perm = "perm" in name
    unit = "permutations" if perm else "resamples"
    if isinstance(n_boot, (bool, np.bool_)):
        n = None
    else:
        try:
            n = operator.index(n_boot)
        except TypeError:
            n = None
    if n is None:
        raise ValueError(f"{name} must be an integer number of {unit} (0, or >= 2), got {n_boot!r} "
                         f"({type(n_boot).__name__})")
    if n < 0:
        raise ValueError(f"{name} must be >= 0 (0: no {'test' if perm else 'CI'}; >= 2 {unit}), got {n}")
    if n == 1:
        if perm:
            raise ValueError("n_perm=1 gives no usable null distribution; use 0 for no test or >= 2 "
                             "permutations (e.g. 1000)")
        raise ValueError(f"{name}=1 gives no interval; use 0 for no CI or >= 2 {unit} (e.g. 1000)")
    return int(n)


def _tolerance(x: np.ndarray, zero: bool) -> float:
    """Widest range of values that :func:`degenerate_rows` can call constant (``zero``: all zero) on any
    subset of the entries of the condensed RDM ``x``."""
    return CONSTANT_TOLERANCE if zero else CONSTANT_TOLERANCE * max(1.0, float(np.max(np.abs(x))))


def _most_within(v: np.ndarray, tol: float, zero: bool) -> int:
    """Most entries of ``v`` (NaN ignored) in one window [a, a + tol] (``zero``: with |v| <= tol)."""
    v = v[~np.isnan(v)]
    if zero:
        return int(np.count_nonzero(np.abs(v) <= tol))
    if v.shape[0] == 0:
        return 0
    vs = np.sort(v)
    return int((np.searchsorted(vs, vs + tol, side="right") - np.arange(vs.shape[0])).max())


def _condition_ties(x: np.ndarray, tol: float, zero: bool, block_elems: int = 1 << 20) -> np.ndarray:
    """(n,) for one condensed RDM ``x``: per condition i, the most of its n - 1 dissimilarities d_ij in one
    window of width ``tol`` (``zero``: with |d_ij| <= tol).  Rows of the square matrix are gathered in
    blocks of about ``block_elems`` entries, so memory stays O(block_elems) whatever n."""
    n = n_from_pairs(x.shape[0])
    out = np.empty(n, dtype=np.int64)
    step = max(1, block_elems // n)
    cols = np.arange(n)
    for i0 in range(0, n, step):
        rows = np.arange(i0, min(i0 + step, n))
        blk = x[condensed_index(rows[:, None], cols[None, :], n)]
        blk[rows - i0, rows] = np.nan  # the diagonal (a meaningless index) is left out
        for r in range(blk.shape[0]):
            out[rows[r]] = _most_within(blk[r], tol, zero)
    return out


class _DegenerateCheck:
    """Which rows of a condensed stack are degenerate (:func:`degenerate_rows`)
    on bootstrap resamples of the conditions.

    On a resample with m distinct conditions only the m (m - 1) / 2 pairs of
    distinct drawn conditions count; the row is degenerate when
    :func:`degenerate_rows` says so for those entries.  Two necessary
    conditions skip most (row, resample) combinations without touching the
    P entries: at least m (m - 1) / 2 entries of the row must lie in one
    window of the tolerance's width (or near 0 for cosine methods), and so
    must at least m - 1 of the dissimilarities of every drawn condition.
    Rows without large ties thus cost nothing per resample.
    """

    def __init__(self, p: Prepared, method: str):
        self.method = canonical_method(method)
        self.p = p
        self.zero = self.method in ZERO_NORM_METHODS
        self.full = degenerate_rows(p, self.method)
        self.tol = np.array([_tolerance(p.x[r], self.zero) for r in range(p.k)])
        self.tie = np.array([0 if self.full[r] else _most_within(p.x[r], self.tol[r], self.zero)
                             for r in range(p.k)], dtype=np.int64)
        self._cond_ties = {}

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        """(B, k) bool for condition counts (B, n); True for rows that are degenerate on the full data."""
        counts = np.atleast_2d(counts)
        out = np.zeros((counts.shape[0], self.p.k), dtype=bool)
        out[:, self.full] = True
        m = np.count_nonzero(counts, axis=1)
        pairs = m * (m - 1) // 2
        # (resample, row) combinations that can be degenerate: >= 3 distinct conditions, enough tied entries
        cand = (m[:, None] >= 3) & (pairs[:, None] <= self.tie[None, :]) & ~self.full[None, :]
        for r in np.flatnonzero(cand.any(axis=0)):
            if r not in self._cond_ties:
                self._cond_ties[r] = _condition_ties(self.p.x[r], self.tol[r], self.zero)
            fewest = np.where(counts > 0, self._cond_ties[r][None, :], np.iinfo(np.int64).max).min(axis=1)
            cand[:, r] &= fewest >= m - 1
        for b in np.flatnonzero(cand.any(axis=1)):
            rows = np.flatnonzero(cand[b])
            out[b, rows] = degenerate_rows(self.p.x[rows], self.method, _kernels.pair_weights(counts[b]))
        return out


def _constant_warning(where: str, method: str, model: RDM, data: RDM, bad_m: np.ndarray, bad_d: np.ndarray,
                      res_m: Optional[np.ndarray] = None, res_d: Optional[np.ndarray] = None,
                      consequence: str = "the scores involving {it} (point estimate and samples) are NaN"
                      ) -> None:
    """One :class:`ConstantRDMWarning` for a resampling call: RDMs degenerate on the full data
    (``bad_m``, ``bad_d``, (k,) bool) and RDMs that became degenerate on some resamples
    (``res_m``, ``res_d``, (n_boot, k) bool, full-data ones included)."""
    parts: List[str] = []
    if np.any(bad_m) or np.any(bad_d):
        labels = rdm_labels(model, np.flatnonzero(bad_m), "model") + rdm_labels(data, np.flatnonzero(bad_d), "data")
        if np.any(bad_d):
            consequence += " (a data RDM makes every model's mean score and the noise ceiling NaN)"
        parts.append(constant_rdm_message(where, method, labels, consequence))
    if res_m is not None and res_d is not None:
        new_m = res_m & ~bad_m[None, :]
        new_d = res_d & ~bad_d[None, :]
        hit = new_m.any(axis=1) | new_d.any(axis=1)
        if np.any(hit):
            labels = (rdm_labels(model, np.flatnonzero(new_m.any(axis=0)), "model")
                      + rdm_labels(data, np.flatnonzero(new_d.any(axis=0)), "data"))
            what = "all zero" if canonical_method(method) in ZERO_NORM_METHODS else "constant"
            shown = "; ".join(labels[:10]) + (f"; ... ({len(labels)} in all)" if len(labels) > 10 else "")
            head = "" if parts else f"{where}(method={canonical_method(method)!r}): "
            parts.append(f"{head}in {int(hit.sum())} of {hit.shape[0]} resamples {shown} became {what} on the "
                         "drawn conditions; those samples are NaN and intervals use the remaining ones")
    if parts:
        warnings.warn(ConstantRDMWarning(". ".join(parts)), stacklevel=4)


def _single_thread_blas(fn):
    """``fn`` run with BLAS limited to one thread (:func:`neurovision.threads.limit_threads`): resampling
    loops do many small products (k × P by P × k), which gain nothing from BLAS threads."""
    return limit_threads(1)(fn)


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
        had fewer than 3 distinct conditions or an RDM was degenerate on
        it); (0, n_models) for ``n_boot=0``.
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
        available, else the SD (ddof=1) of the finite bootstrap samples; NaN
        where fewer than 2 samples are finite (e.g. ``n_boot=0``)."""
        if self.variance is not None:
            return np.sqrt(np.maximum(self.variance, 0.0))
        if self.samples.shape[0] < 2:
            return np.full(self.samples.shape[1:], np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN, as documented
            return np.nanstd(self.samples, axis=0, ddof=1)

    def ci(self, level: float = 0.95) -> Tuple[np.ndarray, np.ndarray]:
        """Confidence interval (low, high), each (n_models,).

        Percentile interval of the finite bootstrap samples (NaN samples,
        from resamples with fewer than 3 distinct conditions or on which an
        RDM was degenerate, are left out); when a corrected variance is
        present (dual bootstrap) the normal interval point -/+ z se is
        returned instead, since the raw dual samples overestimate the
        variance (Schütt et al. 2023).  Bounds are NaN for a model without
        finite samples and for ``n_boot=0`` (no samples).
        """
        a = (1.0 - level) / 2.0
        if self.variance is not None:
            z = _stats.norm.ppf(1 - a)
            return self.point - z * self.se(), self.point + z * self.se()
        if self.samples.shape[0] == 0:
            nan = np.full(self.samples.shape[1:], np.nan)
            return nan, nan.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN, as documented
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

    # pearson/cosine: resamples are processed in batches of this many, the
    # condensed pairs in chunks of about _CHUNK_ELEMS / n_columns entries
    BATCH = 64
    _CHUNK_ELEMS = 1 << 18

    def __init__(self, model: np.ndarray, data: np.ndarray, method: str,
                 n: int):
        self.method = canonical_method(method)
        self.model = Prepared(model)
        self.data = Prepared(data)
        self.n = n
        self.cov = self.method in ("corr_cov", "cosine_cov")
        self.gram = self.method in ("pearson", "cosine")
        if self.gram:
            z = np.concatenate([self.model.x, self.data.x])
            if self.method == "pearson":
                # shift invariance: pre-centring keeps the one-pass
                # (uncentred) weighted moments below free of cancellation
                z = z - z.mean(axis=1, keepdims=True)
            # row 0 of ones: the weighted sums of [1; z] (x) [1; z] hold
            # the total weight, the weighted sums and the weighted Gram
            r = z.shape[0] + 1
            self.z1 = np.concatenate([np.ones((1, z.shape[1])), z])
            self.tri = np.triu_indices(r)
            self.km = self.model.k
        self._last = None
        self._tau_prep = None  # compiled tau-a: (prepared x order of the data rows, ranks of the model rows)

    def weights(self, counts: np.ndarray) -> np.ndarray:
        return _kernels.pair_weights(counts)

    # -- pearson / cosine: all moments of a batch of resamples by GEMMs ----
    def gram_moments(self, counts: np.ndarray) -> np.ndarray:
        """Weighted second moments of [1; z] for a batch of resamples.

        counts (B, n) -> (B, R, R) with R = 1 + n_rows:
        M[b] = sum_p w_bp [1; z_p][1; z_p]^T, w_bp = c_bi c_bj.  The pair
        axis is processed in chunks: per chunk the (B, chunk) weights and
        the (chunk, K) products of row pairs are formed and multiplied in
        one GEMM, so memory stays O(B * chunk + K * chunk) whatever P.
        """
        counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
        nb = counts.shape[0]
        ri, si = self.tri
        k = ri.shape[0]
        z1 = self.z1
        p = z1.shape[1]
        chunk = max(1024, self._CHUNK_ELEMS // max(k, nb))
        acc = np.zeros((nb, k))
        wbuf = np.empty((nb, min(chunk, p)))
        prod = np.empty((k, min(chunk, p)))
        for p0 in range(0, p, chunk):
            p1 = min(p0 + chunk, p)
            m = p1 - p0
            wc = _kernels.pair_weights_block(counts, p0, p1, wbuf[:, :m])
            zc = z1[:, p0:p1]
            np.multiply(zc[ri], zc[si], out=prod[:, :m])
            acc += wc @ prod[:, :m].T
        r = z1.shape[0]
        out = np.empty((nb, r, r))
        out[:, ri, si] = acc
        out[:, si, ri] = acc
        return out

    def _similarity(self, mom: np.ndarray) -> np.ndarray:
        """Correlation (pearson) or cosine matrix of all rows of
        [model; data] from one resample's moment matrix."""
        wt = mom[0, 0]
        g = mom[1:, 1:]
        if self.method == "pearson":
            s = mom[0, 1:]
            g = g / wt - np.outer(s, s) / wt ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            # a row without variance on the resample can give a variance of -1e-17: its scores are set
            # to NaN by the caller (_DegenerateCheck)
            d = np.sqrt(np.diag(g))
            q = g / np.outer(d, d)
        q[~np.isfinite(q)] = 0.0
        return q

    def gram_batch(self, counts: np.ndarray, ceiling: bool):
        """(scores (B, n_models, n_data), ceilings (B, 2) or None)."""
        mom = self.gram_moments(counts)
        nb = mom.shape[0]
        km = self.km
        sc = np.empty((nb, km, mom.shape[1] - 1 - km))
        ce = np.empty((nb, 2)) if ceiling else None
        for b in range(nb):
            q = self._similarity(mom[b])
            sc[b] = q[:km, km:]
            if ceiling:
                ce[b] = _ceiling_from_similarity(q[km:, km:])
        return sc, ce

    # -- kendall tau-a: scores and ceiling of a resample in one kernel call
    def tau_scores_ceiling(self, counts, ceiling: bool):
        """(scores (n_models, n_data), (lower, upper) or None) for tau-a under the
        condition counts of a resample (None: the data as they are).

        Every pair involves one data RDM, whose cached sort order serves
        as x for the model, pooled (all subjects) and leave-one-out pooled
        RDMs alike; the values equal :func:`ceiling_vectors`'s.
        """
        data, km = self.data, self.model.k
        k = data.k
        native = _tau_native.AVAILABLE and data.x.shape[1] >= _tau_native.MIN_LENGTH
        # pair weights: for the pooled ranks of the ceiling and the numba kernels (the compiled one takes counts)
        w = None if counts is None or (native and not ceiling) else self.weights(counts)
        ys = [self.model.x]
        if ceiling:
            t = pool_transform(data, self.method, w)
            total = t.sum(axis=0)
            ys += [total[None, :] / k, (total[None, :] - t) / (k - 1)]
        y = np.concatenate(ys)
        per = km + (2 if ceiling else 0)
        xi = np.repeat(np.arange(k), per)
        yi = np.empty((k, per), dtype=np.int64)
        yi[:, :km] = np.arange(km)
        if ceiling:
            yi[:, km] = km
            yi[:, km + 1] = km + 1 + np.arange(k)
        if native:
            # compiled radix count; the data rows' prepared x order and the model rows' ranks are kept
            # across resamples, the pooled rows (new every resample) are ranked on each call
            if self._tau_prep is None:
                self._tau_prep = ([_tau_native.prepare_x(row, self.n) for row in data.x],
                                  [_tau_native.prepare_y(row) for row in self.model.x])
            xprep, ymodel = self._tau_prep
            r = _tau_native.tau_a_pairs(data.x, y, xi, yi.ravel(), counts=counts, xprep=xprep,
                                        yprep=ymodel + [None] * (y.shape[0] - km)).reshape(k, per)
        else:
            r = _kernels.tau_a_pairs(data.x, y, xi, yi.ravel(), w,
                                     data.order).reshape(k, per)
        sc = r[:, :km].T
        if not ceiling:
            return sc, None
        return sc, (float(np.mean(r[:, km + 1])), float(np.mean(r[:, km])))

    def scores(self, counts, w) -> np.ndarray:
        """(n_models, n_data) comparison on one resample."""
        if self.gram:
            self._last = self._similarity(self.gram_moments(counts)[0])
            return self._last[:self.km, self.km:]
        if self.cov:
            return compare_cov_resampled(self.model.x, self.data.x, counts,
                                         self.method)
        return compare_vectors(self.model, self.data, self.method, w)

    def ceiling(self, counts, w) -> Tuple[float, float]:
        if self.gram:
            q = self._last if self._last is not None else \
                self._similarity(self.gram_moments(counts)[0])
            return _ceiling_from_similarity(q[self.km:, self.km:])
        if self.cov:
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
    check_same_ids(model, data)


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


@_single_thread_blas
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

    Degenerate RDMs (all dissimilarities equal; for cosine methods all
    zero): a degenerate model RDM has a NaN point estimate and NaN samples;
    a degenerate data RDM makes every score and the ceiling NaN (the mean
    over data RDMs includes it).  A resample on which an RDM becomes
    degenerate gives NaN for the scores involving it (and the ceiling, for
    a data RDM).  One :class:`neurovision.errors.ConstantRDMWarning` per
    call names the RDMs.

    Memory is O(P * (n_models + n_data)): resamples are represented by
    multiplicity weights, never by resampled RDM copies.

    Parameters
    ----------
    n_boot : number of resamples (:func:`check_n_boot`); 0 gives a result
        with ``samples`` of shape (0, n_models) and NaN ``ci()`` bounds.
    seed : int or numpy Generator, used as ``default_rng(seed).integers``.
    samples : optional (n_boot, n) array of condition indices to use instead
        of drawing (e.g. to reproduce another toolbox's resamples); its
        number of rows replaces ``n_boot``.
    """
    _check_pair(model, data)
    method = canonical_method(method)
    n = data.n_conditions
    if samples is not None:
        samples = np.asarray(samples, dtype=np.intp)
        if samples.ndim != 2 or samples.shape[1] != n:
            raise ValueError(f"samples must be (n_boot, {n}) indices")
        n_boot = check_n_boot(samples.shape[0], "len(samples)")
    else:
        n_boot = check_n_boot(n_boot)
    rs = _Resampler(model.dissimilarities, data.dissimilarities, method, n)
    do_ceil = ceiling and data.n_rdms > 1
    if method == "kendall_tau_a" and _kernels.USE_NUMBA:
        sc, ceil_point = rs.tau_scores_ceiling(None, do_ceil)
        point = sc.mean(axis=1)
    else:
        point = compare_vectors(rs.model, rs.data, method).mean(axis=1)
        ceil_point = ceiling_vectors(rs.data, method) if do_ceil else None
    check_m, check_d = _DegenerateCheck(rs.model, method), _DegenerateCheck(rs.data, method)
    point = np.array(point, dtype=np.float64)
    point[check_m.full] = np.nan
    if np.any(check_d.full):
        point[:] = np.nan
        if do_ceil:
            ceil_point = (np.nan, np.nan)
    rng = np.random.default_rng(seed)
    out = np.full((n_boot, model.n_rdms), np.nan)
    ceil = np.full((n_boot, 2), np.nan) if do_ceil else None
    all_counts = np.array([np.bincount(idx, minlength=n) for idx in
                           _draw(rng, n, n_boot, samples)],
                          dtype=np.intp).reshape(n_boot, n)
    ok = np.count_nonzero(all_counts, axis=1) >= 3
    good = np.flatnonzero(ok)
    if good.size == 0:
        pass
    elif rs.gram:
        # batches of resamples share one pass over the RDMs (GEMMs)
        for s0 in bar(range(0, good.shape[0], rs.BATCH), desc=f"bootstrap over stimuli ({n_boot} resamples)",
                      unit="batch"):
            sel = good[s0:s0 + rs.BATCH]
            sc, ce = rs.gram_batch(all_counts[sel], do_ceil)
            out[sel] = sc.mean(axis=2)
            if do_ceil:
                ceil[sel] = ce
    elif method == "spearman" and _kernels.USE_NUMBA:
        # all resamples in one call (spread over threads); ranks from the stored sort orders
        out[good] = _kernels.spearman_resampled(rs.model.sorted_pairs(), rs.data.sorted_pairs(),
                                                all_counts[good]).mean(axis=2)
        if do_ceil:
            for b in bar(good, desc="bootstrap ceiling", unit="resample"):
                ceil[b] = rs.ceiling(all_counts[b], rs.weights(all_counts[b]))
    elif method == "kendall_tau_a" and _kernels.USE_NUMBA:
        for b in bar(good, desc="bootstrap over stimuli (tau-a)", unit="resample"):
            sc, ce = rs.tau_scores_ceiling(all_counts[b], do_ceil)
            out[b] = sc.mean(axis=1)
            if do_ceil:
                ceil[b] = ce
        if rs._tau_prep is not None:
            _tau_native.release()  # the work arrays kept between resamples
    else:
        for b in bar(good, desc=f"bootstrap over stimuli ({method})", unit="resample"):
            counts = all_counts[b]
            w = rs.weights(counts)
            out[b] = rs.scores(counts, w).mean(axis=1)
            if do_ceil:
                ceil[b] = rs.ceiling(counts, w)
    # the kernels score degenerate RDMs as 0 (or as rounding noise): NaN instead
    res_m, res_d = check_m(all_counts), check_d(all_counts)
    out[res_m] = np.nan
    bad_rows = res_d.any(axis=1)
    out[bad_rows] = np.nan
    if do_ceil:
        ceil[bad_rows] = np.nan
    _constant_warning("bootstrap_stimuli", method, model, data, check_m.full, check_d.full, res_m, res_d)
    return BootstrapResult(point=point, samples=out, ceiling_samples=ceil,
                           ceiling=ceil_point, method=method, kind="stimuli")


# ---------------------------------------------------------------------------
# bootstrap over subjects and dual bootstrap (Schütt et al. 2023)
# ---------------------------------------------------------------------------
def _ceiling_subject_weights(data: Prepared, method: str, cs: np.ndarray,
                             w=None) -> Tuple[float, float]:
    """Noise ceiling on a subject resample with subject counts ``cs``.

    Copies of a subject are left out together for the lower bound and the
    bounds are averaged over distinct subjects, as rsatoolbox's
    ``boot_noise_ceiling`` with ``rdm_descriptor`` naming the subject.
    (NaN, NaN) when fewer than 2 distinct subjects are drawn or any subject
    RDM is degenerate under ``w`` (as the scores, whose NaN propagates
    through the subject weighting).
    """
    keep = np.flatnonzero(cs)
    if keep.shape[0] < 2 or np.any(degenerate_rows(data, method, w)):
        return np.nan, np.nan
    t = pool_transform(data, method, w)
    c = cs.astype(np.float64)
    tot = c @ t
    pool_all = tot[None, :] / c.sum()
    up = compare_vectors(pool_all, data.x[keep], method, w)[0]
    lo = np.empty(keep.shape[0])
    for n_, j in enumerate(keep):
        loo = (tot - c[j] * t[j]) / (c.sum() - c[j])
        lo[n_] = compare_vectors(loo[None], data.x[j:j + 1], method, w)[0, 0]
    # as rsatoolbox's boot_noise_ceiling grouped by subject: the pooled RDMs
    # count every copy, the final average is over distinct subjects
    return float(np.mean(lo)), float(np.mean(up))


@_single_thread_blas
def bootstrap_subjects(model: RDM, data: RDM, method: str = "spearman",
                       n_boot: int = 1000, seed=0, ceiling: bool = True
                       ) -> BootstrapResult:
    """Bootstrap model scores over subjects (data RDMs).

    The (n_models, n_subjects) score matrix is computed once; each resample
    averages its columns with the subject counts.  The noise ceiling per
    resample leaves all copies of a subject out together.  Schütt et al.
    (2023) recommend this to generalise to new subjects for fixed stimuli.

    ``n_boot``: number of resamples (:func:`check_n_boot`); 0 gives
    ``samples`` of shape (0, n_models) and NaN ``ci()`` bounds.  A
    degenerate model RDM (all dissimilarities equal; cosine methods: all
    zero) has NaN point and samples; a degenerate subject RDM makes every
    score, sample and the ceiling NaN; one
    :class:`neurovision.errors.ConstantRDMWarning` names them.
    """
    _check_pair(model, data)
    method = canonical_method(method)
    n_boot = check_n_boot(n_boot)
    k = data.n_rdms
    if k < 2:
        raise ValueError("bootstrap over subjects needs >= 2 data RDMs")
    dp = Prepared(data.dissimilarities)
    mp = Prepared(model.dissimilarities)
    s = np.array(compare_vectors(mp, dp, method), dtype=np.float64)  # (km, k)
    bad_m, bad_d = degenerate_rows(mp, method), degenerate_rows(dp, method)
    mask_degenerate(s, bad_m, bad_d)
    _constant_warning("bootstrap_subjects", method, model, data, bad_m, bad_d)
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, model.n_rdms))
    do_ceil = ceiling
    ceil = np.full((n_boot, 2), np.nan) if do_ceil else None
    for b in range(n_boot):
        cs = np.bincount(rng.integers(0, k, size=k), minlength=k)
        out[b] = s @ cs / k
        if do_ceil:
            ceil[b] = _ceiling_subject_weights(dp, method, cs)
    # NaN scores of degenerate RDMs, also where a resample gives them weight 0 (BLAS may skip 0 * NaN)
    out[:, bad_m] = np.nan
    if np.any(bad_d):
        out[:] = np.nan
    return BootstrapResult(
        point=s.mean(axis=1), samples=out, ceiling_samples=ceil,
        ceiling=ceiling_vectors(dp, method) if do_ceil else None,
        method=method, kind="subjects")


def _dual_variance(v_dual, v_subj, v_stim, n_subj, n_stim):
    """Schütt et al. (2023) correction of the dual-bootstrap variance.

    The dual (subjects x stimuli) bootstrap counts the interaction term
    twice; combining it with one-factor bootstraps gives
    var = a v_S + b v_C - a b (v_SC - v_S - v_C), a = n_S/(n_S-1),
    b = n_C/(n_C-1), clipped to [max(a v_S, b v_C), v_SC] (as rsatoolbox's
    ``_dual_bootstrap``).
    """
    a = n_subj / (n_subj - 1)
    b = n_stim / (n_stim - 1)
    var = a * v_subj + b * v_stim - a * b * (v_dual - v_subj - v_stim)
    var = np.maximum(np.maximum(var, a * v_subj), b * v_stim)
    return np.minimum(var, v_dual)


@_single_thread_blas
def bootstrap_dual(model: RDM, data: RDM, method: str = "spearman",
                   n_boot: int = 1000, seed=0, ceiling: bool = True
                   ) -> BootstrapResult:
    """Two-factor bootstrap over subjects and stimuli (Schütt et al. 2023).

    Runs ``n_boot`` resamples of each of: both factors, subjects only and
    stimuli only, and returns the dual samples with the corrected variance
    (:func:`_dual_variance`) in ``variance`` (so ``se()`` is corrected).
    ``extra`` holds the one-factor samples.

    ``n_boot``: number of resamples (:func:`check_n_boot`); 0 gives
    ``samples`` of shape (0, n_models) and NaN ``variance`` and ``ci()``
    bounds.  Degenerate RDMs (all dissimilarities equal; cosine methods: all
    zero), on the full data or on a stimulus resample, give NaN as in
    :func:`bootstrap_stimuli`, with one
    :class:`neurovision.errors.ConstantRDMWarning`.
    """
    _check_pair(model, data)
    method = canonical_method(method)
    n_boot = check_n_boot(n_boot)
    k, n = data.n_rdms, data.n_conditions
    if k < 2:
        raise ValueError("dual bootstrap needs >= 2 data RDMs")
    rng = np.random.default_rng(seed)
    rs = _Resampler(model.dissimilarities, data.dissimilarities, method, n)
    full = np.array(compare_vectors(rs.model, rs.data, method), dtype=np.float64)  # (km, k)
    check_m, check_d = _DegenerateCheck(rs.model, method), _DegenerateCheck(rs.data, method)
    mask_degenerate(full, check_m.full, check_d.full)
    res_m = np.zeros((n_boot, model.n_rdms), dtype=bool)
    res_d = np.zeros((n_boot, k), dtype=bool)
    km = model.n_rdms
    dual = np.full((n_boot, km), np.nan)
    stim = np.full((n_boot, km), np.nan)
    ceil = np.full((n_boot, 2), np.nan) if ceiling else None
    for b in range(n_boot):
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n)
        cs = np.bincount(rng.integers(0, k, size=k), minlength=k)
        if np.count_nonzero(counts) < 3:
            continue
        w = rs.weights(counts)
        sc = np.array(rs.scores(counts, w), dtype=np.float64)  # (km, k) on this stimulus resample
        res_m[b], res_d[b] = check_m(counts)[0], check_d(counts)[0]
        mask_degenerate(sc, res_m[b], res_d[b])
        stim[b] = sc.mean(axis=1)
        dual[b] = sc @ cs / k
        dual[b, res_m[b]] = np.nan  # also where the subject weights are 0 (BLAS may skip 0 * NaN)
        if np.any(res_d[b]):
            dual[b] = np.nan
        if ceiling and not rs.cov:
            ceil[b] = _ceiling_subject_weights(rs.data, method, cs, w)
    subj = np.empty((n_boot, km))
    for b in range(n_boot):
        cs = np.bincount(rng.integers(0, k, size=k), minlength=k)
        subj[b] = full @ cs / k
    subj[:, check_m.full] = np.nan
    if np.any(check_d.full):
        subj[:] = np.nan
    if n_boot == 0:
        v = np.full(km, np.nan)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (degenerate RDMs) give NaN
            v = _dual_variance(np.nanvar(dual, axis=0, ddof=1),
                               np.nanvar(subj, axis=0, ddof=1),
                               np.nanvar(stim, axis=0, ddof=1), k, n)
    _constant_warning("bootstrap_dual", method, model, data, check_m.full, check_d.full, res_m, res_d)
    ceil_point = None
    if ceiling:
        ceil_point = (np.nan, np.nan) if np.any(check_d.full) else ceiling_vectors(rs.data, method)
    return BootstrapResult(
        point=full.mean(axis=1), samples=dual, ceiling_samples=ceil,
        ceiling=ceil_point,
        method=method, kind="dual", variance=v,
        extra={"subject_samples": subj, "stimulus_samples": stim,
               "n_subjects": k, "n_conditions": n})


# ---------------------------------------------------------------------------
# permutation test against zero
# ---------------------------------------------------------------------------
@dataclass
class PermutationResult:
    """point (n_models,), null (n_perm, n_models), p (n_models,) one-sided
    p-value of H0 "no relation" (score <= chance), with the +1 correction
    p = (1 + #{null >= point}) / (1 + n_perm).  p is NaN where the point
    estimate is NaN (degenerate RDMs) and for ``n_perm=0``."""

    point: np.ndarray
    null: np.ndarray
    p: np.ndarray
    method: str = "spearman"


@_single_thread_blas
def permutation_test(model: RDM, data: RDM, method: str = "spearman",
                     n_perm: int = 1000, seed=0) -> PermutationResult:
    """Test model scores against zero by permuting the model's condition
    labels (rows and columns together; Kriegeskorte et al. 2008, Nili et al.
    2014).  Vectorised over model RDMs; data ranks are cached.

    ``n_perm`` is checked by :func:`check_n_boot` (0: no test, p NaN).  A
    degenerate model RDM (all dissimilarities equal; cosine methods: all
    zero) gets a NaN point, null and p; a degenerate data RDM makes all of
    them NaN; one :class:`neurovision.errors.ConstantRDMWarning` names them.
    """
    _check_pair(model, data)
    method = canonical_method(method)
    n_perm = check_n_boot(n_perm, "n_perm")
    n = model.n_conditions
    dp = Prepared(data.dissimilarities)
    mp = Prepared(model.dissimilarities)
    bad_m, bad_d = degenerate_rows(mp, method), degenerate_rows(dp, method)
    point = mask_degenerate(np.array(compare_vectors(mp, dp, method), dtype=np.float64), bad_m, bad_d).mean(axis=1)
    rng = np.random.default_rng(seed)
    null = np.empty((n_perm, model.n_rdms))
    for b in range(n_perm):
        perm = rng.permutation(n)
        # a permutation keeps every RDM's set of values: degenerate rows stay degenerate
        null[b] = mask_degenerate(np.array(compare_vectors(model.take(perm), dp, method), dtype=np.float64),
                                  bad_m, bad_d).mean(axis=1)
    p = (1 + np.sum(null >= point[None, :] - 1e-12, axis=0)) / (1 + n_perm)
    p[~np.isfinite(point)] = np.nan
    if n_perm == 0:
        p[:] = np.nan
    _constant_warning("permutation_test", method, model, data, bad_m, bad_d,
                      consequence="the point estimates, nulls and p-values involving {it} are NaN")
    return PermutationResult(point=point, null=null, p=p, method=method)


# ---------------------------------------------------------------------------
# pairwise model comparison with FDR control
# ---------------------------------------------------------------------------
def fdr_bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (same shape as ``p``; NaNs kept).
    Reject H0_i at FDR q where adjusted p_i <= q."""
    p = np.asarray(p, dtype=np.float64)
    flat = p.ravel()
    ok = np.flatnonzero(np.isfinite(flat))
    out = np.full(flat.shape, np.nan)
    if ok.size:
        pv = flat[ok]
        order = np.argsort(pv)
        m = pv.shape[0]
        adj = pv[order] * m / np.arange(1, m + 1)
        adj = np.minimum.accumulate(adj[::-1])[::-1]
        res = np.empty(m)
        res[order] = np.minimum(adj, 1.0)
        out[ok] = res
    return out.reshape(p.shape)


@dataclass
class PairwiseResult:
    """Pairwise differences between models (row minus column).

    diff, se, p, p_fdr, ci_low, ci_high: (n_models, n_models), NaN on the
    diagonal; significant: p_fdr <= alpha.
    """

    diff: np.ndarray
    se: np.ndarray
    p: np.ndarray
    p_fdr: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    significant: np.ndarray
    alpha: float


def pairwise_tests(result: BootstrapResult, alpha: float = 0.05,
                   level: float = 0.95) -> PairwiseResult:
    """Compare every pair of models from one bootstrap result.

    For models a, b the bootstrap distribution of score_a - score_b gives a
    two-sided p-value 2 min(P(d <= 0), P(d >= 0)) (ties split), a percentile
    CI and an SE; p-values over all pairs a < b are FDR-corrected with
    Benjamini-Hochberg (Schütt et al. 2023).  For a dual bootstrap the SE
    uses the corrected variance of the differences.  Samples where either
    score is NaN are left out per pair; with fewer than 2 finite
    differences (``n_boot=0``, a degenerate RDM) se, p and the CI are NaN.
    """
    s = result.samples
    km = s.shape[1]
    shape = (km, km)
    diff = np.full(shape, np.nan)
    se = np.full(shape, np.nan)
    p = np.full(shape, np.nan)
    lo = np.full(shape, np.nan)
    hi = np.full(shape, np.nan)
    a_ = (1 - level) / 2
    for i in range(km):
        for j in range(km):
            if i == j:
                continue
            d = s[:, i] - s[:, j]
            d = d[np.isfinite(d)]  # resamples where either model's score is undefined are left out
            nb = d.shape[0]
            diff[i, j] = result.point[i] - result.point[j]
            if nb < 2:
                continue  # no samples (n_boot=0) or a model without finite scores: se, p, CI stay NaN
            if result.kind == "dual" and "subject_samples" in result.extra:
                ex = result.extra
                dv = _dual_variance(
                    np.var(d, ddof=1),
                    np.nanvar(ex["subject_samples"][:, i]
                              - ex["subject_samples"][:, j], ddof=1),
                    np.nanvar(ex["stimulus_samples"][:, i]
                              - ex["stimulus_samples"][:, j], ddof=1),
                    result.extra.get("n_subjects", 2),
                    result.extra.get("n_conditions", 2))
                se[i, j] = np.sqrt(max(dv, 0.0))
            else:
                se[i, j] = np.std(d, ddof=1)
            le = (np.sum(d < 0) + 0.5 * np.sum(d == 0) + 0.5) / (nb + 1)
            ge = (np.sum(d > 0) + 0.5 * np.sum(d == 0) + 0.5) / (nb + 1)
            p[i, j] = min(1.0, 2 * min(le, ge))
            lo[i, j], hi[i, j] = np.percentile(d, [100 * a_, 100 * (1 - a_)])
    iu = np.triu_indices(km, 1)
    p_fdr = np.full(shape, np.nan)
    if iu[0].size:
        adj = fdr_bh(p[iu])
        p_fdr[iu] = adj
        p_fdr[(iu[1], iu[0])] = adj
    return PairwiseResult(diff=diff, se=se, p=p, p_fdr=p_fdr, ci_low=lo,
                          ci_high=hi, significant=p_fdr <= alpha, alpha=alpha)
