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
from functools import wraps
from typing import Optional, Sequence, Tuple

import numpy as np
from scipy import stats as _stats
from threadpoolctl import threadpool_limits

from .ceiling import ceiling_vectors
from . import _kernels, _tau_native
from .compare import Prepared, canonical_method, compare_vectors
from .rdm import RDM, _check_same_ids

__all__ = [
    "BootstrapResult", "bootstrap_stimuli", "bootstrap_subjects",
    "bootstrap_dual", "permutation_test", "pairwise_tests", "fdr_bh",
    "PermutationResult", "PairwiseResult",
]


def _single_thread_blas(fn):
    """Run ``fn`` with BLAS limited to one thread.

    Resampling loops do many small products (k × P by P × k); a multi-threaded OpenBLAS synchronises
    its threads on each, which on a busy 2-core machine was measured ~200× slower than one thread
    (186 ms vs 0.85 ms for 16×4186 @ 4186×16). One thread is never slower here.
    """
    @wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)
    return wrapper


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
        """Confidence interval (low, high), each (n_models,).

        Percentile interval of the bootstrap samples; when a corrected
        variance is present (dual bootstrap) the normal interval
        point -/+ z se is returned instead, since the raw dual samples
        overestimate the variance (Schütt et al. 2023).
        """
        a = (1.0 - level) / 2.0
        if self.variance is not None:
            z = _stats.norm.ppf(1 - a)
            return self.point - z * self.se(), self.point + z * self.se()
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
        d = np.sqrt(np.diag(g))
        with np.errstate(invalid="ignore", divide="ignore"):
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
        from .ceiling import pool_transform
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
            from .compare import compare_cov_resampled
            return compare_cov_resampled(self.model.x, self.data.x, counts,
                                         self.method)
        return compare_vectors(self.model, self.data, self.method, w)

    def ceiling(self, counts, w) -> Tuple[float, float]:
        if self.gram:
            q = self._last if self._last is not None else \
                self._similarity(self.gram_moments(counts)[0])
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
    do_ceil = ceiling and data.n_rdms > 1
    if method == "kendall_tau_a" and _kernels.USE_NUMBA:
        sc, ceil_point = rs.tau_scores_ceiling(None, do_ceil)
        point = sc.mean(axis=1)
    else:
        point = compare_vectors(rs.model, rs.data, method).mean(axis=1)
        ceil_point = ceiling_vectors(rs.data, method) if do_ceil else None
    rng = np.random.default_rng(seed)
    if samples is not None:
        n_boot = np.asarray(samples).shape[0]
    out = np.full((n_boot, model.n_rdms), np.nan)
    ceil = np.full((n_boot, 2), np.nan) if do_ceil else None
    all_counts = np.array([np.bincount(idx, minlength=n) for idx in
                           _draw(rng, n, n_boot, samples)],
                          dtype=np.intp).reshape(n_boot, n)
    ok = np.count_nonzero(all_counts, axis=1) >= 3
    if rs.gram:
        # batches of resamples share one pass over the RDMs (GEMMs)
        good = np.flatnonzero(ok)
        for s0 in range(0, good.shape[0], rs.BATCH):
            sel = good[s0:s0 + rs.BATCH]
            sc, ce = rs.gram_batch(all_counts[sel], do_ceil)
            out[sel] = sc.mean(axis=2)
            if do_ceil:
                ceil[sel] = ce
    elif method == "spearman" and _kernels.USE_NUMBA:
        # all resamples in one call (spread over threads); ranks from the stored sort orders
        good = np.flatnonzero(ok)
        out[good] = _kernels.spearman_resampled(rs.model.sorted_pairs(), rs.data.sorted_pairs(),
                                                all_counts[good]).mean(axis=2)
        if do_ceil:
            for b in good:
                ceil[b] = rs.ceiling(all_counts[b], rs.weights(all_counts[b]))
    elif method == "kendall_tau_a" and _kernels.USE_NUMBA:
        for b in np.flatnonzero(ok):
            sc, ce = rs.tau_scores_ceiling(all_counts[b], do_ceil)
            out[b] = sc.mean(axis=1)
            if do_ceil:
                ceil[b] = ce
        if rs._tau_prep is not None:
            _tau_native.release()  # the work arrays kept between resamples
    else:
        for b in np.flatnonzero(ok):
            counts = all_counts[b]
            w = rs.weights(counts)
            out[b] = rs.scores(counts, w).mean(axis=1)
            if do_ceil:
                ceil[b] = rs.ceiling(counts, w)
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
    """
    from .ceiling import pool_transform
    t = pool_transform(data, method, w)
    keep = np.flatnonzero(cs)
    if keep.shape[0] < 2:
        return np.nan, np.nan
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
    """
    _check_pair(model, data)
    method = canonical_method(method)
    k = data.n_rdms
    if k < 2:
        raise ValueError("bootstrap over subjects needs >= 2 data RDMs")
    dp = Prepared(data.dissimilarities)
    s = compare_vectors(model.dissimilarities, dp, method)  # (km, k)
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, model.n_rdms))
    do_ceil = ceiling
    ceil = np.full((n_boot, 2), np.nan) if do_ceil else None
    for b in range(n_boot):
        cs = np.bincount(rng.integers(0, k, size=k), minlength=k)
        out[b] = s @ cs / k
        if do_ceil:
            ceil[b] = _ceiling_subject_weights(dp, method, cs)
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
    """
    _check_pair(model, data)
    method = canonical_method(method)
    k, n = data.n_rdms, data.n_conditions
    if k < 2:
        raise ValueError("dual bootstrap needs >= 2 data RDMs")
    rng = np.random.default_rng(seed)
    rs = _Resampler(model.dissimilarities, data.dissimilarities, method, n)
    full = compare_vectors(rs.model, rs.data, method)  # (km, k)
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
        sc = rs.scores(counts, w)  # (km, k) on this stimulus resample
        stim[b] = sc.mean(axis=1)
        dual[b] = sc @ cs / k
        if ceiling and not rs.cov:
            ceil[b] = _ceiling_subject_weights(rs.data, method, cs, w)
    subj = np.empty((n_boot, km))
    for b in range(n_boot):
        cs = np.bincount(rng.integers(0, k, size=k), minlength=k)
        subj[b] = full @ cs / k
    v = _dual_variance(np.nanvar(dual, axis=0, ddof=1),
                       np.nanvar(subj, axis=0, ddof=1),
                       np.nanvar(stim, axis=0, ddof=1), k, n)
    return BootstrapResult(
        point=full.mean(axis=1), samples=dual, ceiling_samples=ceil,
        ceiling=ceiling_vectors(rs.data, method) if ceiling else None,
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
    p = (1 + #{null >= point}) / (1 + n_perm)."""

    point: np.ndarray
    null: np.ndarray
    p: np.ndarray
    method: str = "spearman"


@_single_thread_blas
def permutation_test(model: RDM, data: RDM, method: str = "spearman",
                     n_perm: int = 1000, seed=0) -> PermutationResult:
    """Test model scores against zero by permuting the model's condition
    labels (rows and columns together; Kriegeskorte et al. 2008, Nili et al.
    2014).  Vectorised over model RDMs; data ranks are cached."""
    _check_pair(model, data)
    method = canonical_method(method)
    n = model.n_conditions
    dp = Prepared(data.dissimilarities)
    point = compare_vectors(model.dissimilarities, dp, method).mean(axis=1)
    rng = np.random.default_rng(seed)
    null = np.empty((n_perm, model.n_rdms))
    for b in range(n_perm):
        perm = rng.permutation(n)
        null[b] = compare_vectors(model.take(perm), dp, method).mean(axis=1)
    p = (1 + np.sum(null >= point[None, :] - 1e-12, axis=0)) / (1 + n_perm)
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
    uses the corrected variance of the differences.
    """
    s = result.samples
    s = s[np.all(np.isfinite(s), axis=1)]
    km = s.shape[1]
    shape = (km, km)
    diff = np.full(shape, np.nan)
    se = np.full(shape, np.nan)
    p = np.full(shape, np.nan)
    lo = np.full(shape, np.nan)
    hi = np.full(shape, np.nan)
    a_ = (1 - level) / 2
    nb = s.shape[0]
    for i in range(km):
        for j in range(km):
            if i == j:
                continue
            d = s[:, i] - s[:, j]
            diff[i, j] = result.point[i] - result.point[j]
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
