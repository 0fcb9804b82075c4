"""Comparison of RDMs (second-order similarity).

Every method maps two stacks of condensed RDM vectors ``X`` (k1, P) and
``Y`` (k2, P) to a (k1, k2) similarity matrix.  Each implementation also
accepts integer multiplicity weights ``w`` (P,) — entry ``p`` counted
``w[p]`` times — which is how a bootstrap resample of conditions is
represented without materialising the resampled RDMs (see
:mod:`neurovision.rsa.inference`).  With all weights 1 the usual statistics
result.

Methods (Kriegeskorte et al. 2008; Nili et al. 2014, PLoS Comput Biol
10:e1003553; Diedrichsen et al. 2021, arXiv:2007.02789):

``"spearman"``      Pearson correlation of average ranks.
``"pearson"``       Pearson correlation.
``"kendall_tau_a"`` Kendall's tau-a: (concordant - discordant) / (N(N-1)/2),
                    O(N log N) via Knight's algorithm.
``"rho_a"``         Spearman's rho-a: 12 * sum(centred rank products)/(N^3-N).
``"cosine"``        cosine similarity.
``"corr_cov"``      Pearson correlation after whitening by the covariance of
                    RDM estimates under i.i.d. pattern noise
                    (Diedrichsen et al. 2021).
``"cosine_cov"``    cosine similarity after the same whitening.

Degenerate RDMs: every method is undefined for an RDM without rank order or
variance, i.e. whose dissimilarities are all equal (for ``cosine`` and
``cosine_cov``, whose norm is zero: all dissimilarities 0).
:func:`compare` returns NaN for every pair involving such an RDM and emits
one :class:`neurovision.errors.ConstantRDMWarning` naming it;
:func:`degenerate_rows` detects them.  The low-level
:func:`compare_vectors` does not check: its kernels give 0 there.
"""
from __future__ import annotations

import warnings
from typing import Callable, Dict, Optional, Sequence

import numpy as np

from ..errors import ConstantRDMWarning
from . import _kernels, _tau_native
from .dissimilarity import RDM, check_same_ids, n_from_pairs

__all__ = ["compare", "compare_vectors", "METHODS", "canonical_method", "degenerate_rows"]


# ---------------------------------------------------------------------------
# prepared RDM stacks (cached sort orders / ranks, reused across resamples)
# ---------------------------------------------------------------------------
class Prepared:
    """Condensed vectors plus lazily computed rank information.

    Attributes (computed on first use):
      order  (k, P) intp   stable argsort of each row
      dense  (k, P) intp   dense ranks 0..G-1 of each row (ties share a rank)
      n_groups (k,)        number of distinct values per row
    """

    __slots__ = ("x", "_order", "_dense", "_ngroups", "_sorted_pairs")

    def __init__(self, x: np.ndarray):
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self._order = None
        self._dense = None
        self._ngroups = None
        self._sorted_pairs = None

    @property
    def k(self) -> int:
        return self.x.shape[0]

    def _get_order(self):
        if self._order is None:
            # stable argsort of each row (numba: SIMD sort of packed keys)
            self._order = _kernels.argsort(self.x)
        return self._order

    def _rank_info(self):
        if self._dense is None:
            k, p = self.x.shape
            order = self._get_order()
            # dense ranks of all rows at once (no per-row Python loop: the noise
            # ceiling ranks k + 1 pooled rows on every bootstrap resample)
            xs = np.take_along_axis(self.x, order, axis=1)
            g = np.zeros((k, p), dtype=np.int64)
            np.cumsum(xs[:, 1:] != xs[:, :-1], axis=1, out=g[:, 1:])
            dense = np.empty((k, p), dtype=np.int64)
            np.put_along_axis(dense, order, g, axis=1)
            self._dense, self._ngroups = dense, (g[:, -1] + 1).astype(np.intp)
        return self._order, self._dense, self._ngroups

    @property
    def order(self):
        return self._get_order()

    def sorted_pairs(self) -> tuple:
        """``(order, I, J, ties)`` of each row, computed once: the stable sort
        order (int32, (k, P)), the conditions i < j of the pair at each sorted
        position (uint16, or int32 beyond 65535 conditions; (k, P)), and per
        row the [start, end) of every run of tied values longer than 1 (a numba
        typed list of (g, 2) int64 arrays).  Used by
        :func:`_kernels.spearman_resampled`."""
        if self._sorted_pairs is None:
            order, dense, _ = self._rank_info()
            n = n_from_pairs(self.x.shape[1])
            iu, ju = np.triu_indices(n, k=1)
            cond = np.uint16 if n <= np.iinfo(np.uint16).max else np.int32
            pos = np.int32 if order.shape[1] < 2 ** 31 else np.int64
            ties = _kernels.tie_runs(np.take_along_axis(dense, order, axis=1))
            self._sorted_pairs = (order.astype(pos), iu.astype(cond)[order], ju.astype(cond)[order], ties)
        return self._sorted_pairs

    @property
    def dense(self):
        return self._rank_info()[1]

    @property
    def n_groups(self):
        return self._rank_info()[2]

    def ranks(self, w: Optional[np.ndarray] = None) -> np.ndarray:
        """Average ranks (1-based) of each row; with multiplicity weights the
        ranks are those of the expanded vector, O(P) without re-sorting."""
        _, dense, ng = self._rank_info()
        if _kernels.USE_NUMBA:
            return _kernels.avg_ranks(dense, ng, w)
        out = np.empty_like(self.x)
        for r in range(self.k):
            if w is None:
                tot = np.bincount(dense[r], minlength=ng[r]).astype(np.float64)
            else:
                tot = np.bincount(dense[r], weights=w, minlength=ng[r])
            end = np.cumsum(tot)
            out[r] = (end - tot + (tot + 1.0) / 2.0)[dense[r]]
        return out


def prepared(x) -> Prepared:
    """``x`` as a :class:`Prepared` stack: itself if it is one (keeping its cached sort orders and ranks),
    else the condensed vector(s) ``x`` ((P,) or (k, P)) wrapped."""
    return x if isinstance(x, Prepared) else Prepared(np.atleast_2d(x))


# ---------------------------------------------------------------------------
# weighted moment helpers
# ---------------------------------------------------------------------------
def _wsum(w, n):
    return float(n) if w is None else float(np.sum(w))


def _center(x: np.ndarray, w) -> np.ndarray:
    if w is None:
        m = x.mean(axis=1, keepdims=True)
    else:
        m = (x @ w)[:, None] / np.sum(w)
    return x - m


def _wcos(x: np.ndarray, y: np.ndarray, w) -> np.ndarray:
    """Cosine of rows of x with rows of y under weights w (0 for 0-norm)."""
    xw = x if w is None else x * w
    num = xw @ y.T
    nx = np.sqrt(np.einsum("ij,ij->i", xw, x))
    ny = np.sqrt(np.einsum("ij,ij->i", y if w is None else y * w, y))
    den = np.outer(nx, ny)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return out


# ---------------------------------------------------------------------------
# methods
# ---------------------------------------------------------------------------
def _cmp_cosine(a: Prepared, b: Prepared, w=None) -> np.ndarray:
    """Cosine similarity of the dissimilarity vectors."""
    return _wcos(a.x, b.x, w)


def _cmp_pearson(a: Prepared, b: Prepared, w=None) -> np.ndarray:
    """Pearson correlation of the dissimilarity vectors."""
    return _wcos(_center(a.x, w), _center(b.x, w), w)


def _cmp_spearman(a: Prepared, b: Prepared, w=None) -> np.ndarray:
    """Spearman correlation: Pearson correlation of average ranks."""
    return _wcos(_center(a.ranks(w), w), _center(b.ranks(w), w), w)


def _cmp_rho_a(a: Prepared, b: Prepared, w=None) -> np.ndarray:
    """Spearman's rho-a (Nili et al. 2014): 12 sum (r_x - m)(r_y - m) /
    (N^3 - N) with average ranks; equals the expected rho under random tie
    breaking."""
    n = _wsum(w, a.x.shape[1])
    ra = _center(a.ranks(w), w)
    rb = _center(b.ranks(w), w)
    if w is not None:
        ra = ra * w
    return (ra @ rb.T) * (12.0 / (n ** 3 - n))


def _discordant_numpy(xd: np.ndarray, yd: np.ndarray, w=None) -> float:
    """Weighted number of pairs p < q with x_p < x_q and y_p > y_q (strict)
    for x sorted ascending; pure numpy (merge levels by stable sorts).
    Kept as the reference of the compiled kernel."""
    xd = np.asarray(xd)
    yd = np.asarray(yd)
    if xd.shape[0] < 2:
        return 0
    order = np.lexsort((yd, xd))
    _, ydense = np.unique(yd, return_inverse=True)
    ww = None if w is None else np.asarray(w, dtype=np.float64)[order]
    d = _kernels.weighted_discordant_numpy(ydense.ravel()[order], ww)
    return int(round(d)) if w is None else d


def _cmp_tau_a(a: Prepared, b: Prepared, w=None) -> np.ndarray:
    """Kendall's tau-a (Nili et al. 2014): (n_c - n_d) / (N (N-1) / 2).

    Knight's O(N log N) algorithm: order by x, sort y within runs of tied
    x, count the (weighted) discordant pairs n_d and recover
    n_c - n_d = T - T_x - T_y + T_xy - 2 n_d.  Vectors of at least
    ``_tau_native.MIN_LENGTH`` entries without weights go to the compiled
    radix count (:mod:`._tau_native`, C); otherwise the numba merge-sort
    kernels (:mod:`._kernels`; sort orders cached per RDM and reused
    across resamples).
    Ties are not broken (tau-a): tied pairs contribute 0.  With
    multiplicity weights the statistic of the expanded vector results.
    """
    if w is None and _tau_native.AVAILABLE and a.x.shape[1] >= _tau_native.MIN_LENGTH:
        # unweighted: the compiled radix count (sorts each row once; no cached orders needed)
        return _tau_native.tau_a_matrix(a.x, b.x)
    if not _kernels.USE_NUMBA:
        return _kernels.tau_a_matrix_numpy(a.x, b.x, w)
    # tau is symmetric: sort the side whose orders are cached, else the
    # side with fewer rows (fewer sorts)
    a_c, b_c = a._order is not None, b._order is not None
    swap = (b_c and not a_c) or (a_c == b_c and b.k < a.k)
    if swap:
        return _kernels.tau_a_matrix(b.x, a.x, w, b.order).T
    return _kernels.tau_a_matrix(a.x, b.x, w, a.order)


# -- covariance-whitened comparisons (Diedrichsen et al. 2021) -------------
def _whiten_cov(x: np.ndarray, w=None) -> np.ndarray:
    """Map condensed RDMs to the whitened space of Diedrichsen et al. 2021.

    Under i.i.d. pattern noise the covariance of distance estimates is
    proportional to (C C^T) o (C C^T) (C: pairwise contrast matrix); the
    whitening is equivalent to comparing the double-centred second-moment
    matrices G = -1/2 H D H in the Frobenius inner product.  Returns
    (k, P + n): off-diagonal G entries scaled by sqrt(2), then diag(G).
    Only unweighted input (complete RDMs) is handled here; resampled RDMs
    go through :func:`_whiten_cov_masked`.
    """
    k, p = x.shape
    n = n_from_pairs(p)
    i, j = np.triu_indices(n, 1)
    a = -0.5 * x
    rowsum = np.zeros((k, n))
    for r in range(k):
        rowsum[r] = np.bincount(i, a[r], minlength=n) + \
            np.bincount(j, a[r], minlength=n)
    m = rowsum / n
    mm = 2.0 * a.sum(axis=1, keepdims=True) / (n * n)
    off = (a - m[:, i] - m[:, j] + mm) * np.sqrt(2.0)
    diag = -2.0 * m + mm
    return np.concatenate([off, diag], axis=1)


def _cmp_cosine_cov(a: Prepared, b: Prepared, w=None) -> np.ndarray:
    """Whitened cosine similarity (Diedrichsen et al. 2021, 'cosine_cov')."""
    if w is not None:
        return _cov_weighted_resampled(a.x, b.x, w, center=False)
    return _wcos(_whiten_cov(a.x), _whiten_cov(b.x), None)


def _cmp_corr_cov(a: Prepared, b: Prepared, w=None) -> np.ndarray:
    """Whitened Pearson correlation (Diedrichsen et al. 2021, 'corr_cov'):
    the RDM vectors are mean-centred, then whitened as for cosine_cov."""
    if w is not None:
        return _cov_weighted_resampled(a.x, b.x, w, center=True)
    return _wcos(_whiten_cov(_center(a.x, None)),
                 _whiten_cov(_center(b.x, None)), None)


def _cov_weighted_resampled(x, y, w, center):
    """Multiplicities alone do not fix the resampled condition structure that
    the whitening needs; resamples go through :func:`compare_cov_resampled`.
    """
    raise NotImplementedError(
        "covariance-whitened methods on resamples need the condition counts;"
        " use compare_cov_resampled")


def _whiten_cov_masked(v: np.ndarray, ia: np.ndarray, ib: np.ndarray,
                       same: np.ndarray, m: int) -> np.ndarray:
    """Whitening of an RDM with missing entries (Diedrichsen et al. 2021).

    ``v`` (k, n_valid) holds the valid entries at condition pairs (ia, ib)
    of an m-condition RDM; ``same`` (m, m) marks condition pairs that are
    missing (including the diagonal).  The second-moment vector
    u = -v/2 (plus zero diagonal entries) has its additive row/column
    effects removed by least squares with pair entries weighted 1/2 and
    diagonal entries 1 — the masked generalisation of double centring used
    by rsatoolbox — then pair entries are scaled by sqrt(2).
    Returns (k, n_valid + m).
    """
    k = v.shape[0]
    u = -0.5 * v
    a = np.empty((k, m))
    for r in range(k):
        a[r] = np.bincount(ia, u[r], minlength=m) + \
            np.bincount(ib, u[r], minlength=m)
    deg = np.bincount(ia, minlength=m) + np.bincount(ib, minlength=m)
    adj = (~same).astype(np.float64)
    mat = 0.5 * adj
    mat[np.diag_indices(m)] += 0.5 * deg + 1.0
    beta = np.linalg.solve(mat, a.T).T
    off = (u - 0.5 * (beta[:, ia] + beta[:, ib])) * np.sqrt(2.0)
    return np.concatenate([off, -beta], axis=1)


def compare_cov_resampled(x: np.ndarray, y: np.ndarray, counts: np.ndarray,
                          method: str) -> np.ndarray:
    """corr_cov / cosine_cov between x (k1, P) and y (k2, P) on the resample
    in which condition i appears ``counts[i]`` times; pairs of a condition
    with its own copy are missing (rsatoolbox's ``subsample_pattern``).
    """
    method = canonical_method(method)
    n = len(counts)
    idx = np.repeat(np.arange(n), counts)
    m = idx.shape[0]
    ia, ib = np.triu_indices(m, 1)
    ca, cb = idx[ia], idx[ib]
    valid = ca != cb
    ia, ib = ia[valid], ib[valid]
    pos = _condensed_pos(ca[valid], cb[valid], n)
    same = idx[:, None] == idx[None, :]
    vx = np.atleast_2d(x)[:, pos]
    vy = np.atleast_2d(y)[:, pos]
    if method == "corr_cov":
        vx = vx - vx.mean(axis=1, keepdims=True)
        vy = vy - vy.mean(axis=1, keepdims=True)
    elif method != "cosine_cov":
        raise ValueError("compare_cov_resampled: corr_cov or cosine_cov only")
    return _wcos(_whiten_cov_masked(vx, ia, ib, same, m),
                 _whiten_cov_masked(vy, ia, ib, same, m), None)


def _condensed_pos(i, j, n):
    a = np.minimum(i, j).astype(np.intp)
    b = np.maximum(i, j).astype(np.intp)
    return a * n - a * (a + 1) // 2 + (b - a - 1)


_FUNCS: Dict[str, Callable] = {
    "spearman": _cmp_spearman,
    "pearson": _cmp_pearson,
    "kendall_tau_a": _cmp_tau_a,
    "rho_a": _cmp_rho_a,
    "cosine": _cmp_cosine,
    "corr_cov": _cmp_corr_cov,
    "cosine_cov": _cmp_cosine_cov,
}

_ALIASES = {
    "corr": "pearson", "correlation": "pearson",
    "tau_a": "kendall_tau_a", "tau-a": "kendall_tau_a",
    "rho-a": "rho_a",
}

METHODS = tuple(_FUNCS)


def canonical_method(method: str) -> str:
    """Resolve aliases ('corr', 'tau-a', 'rho-a', ...) to a method name."""
    m = _ALIASES.get(method, method)
    if m not in _FUNCS:
        raise ValueError(f"unknown comparison method {method!r}; choose from "
                         f"{sorted(_FUNCS)}")
    return m


#: methods for which only an all-zero RDM (zero norm) is degenerate; the others
#: need at least two distinct dissimilarities (a rank order / nonzero variance)
ZERO_NORM_METHODS = ("cosine", "cosine_cov")


def degenerate_rows(x, method: str, w=None) -> np.ndarray:
    """Which RDMs of a condensed stack ``x`` (k, P) make ``method`` undefined.

    Returns a (k,) bool array: True where all dissimilarities are equal (no
    rank order or variance; spearman, pearson, kendall_tau_a, rho_a,
    corr_cov), or, for cosine and cosine_cov, all zero (zero norm).  With
    multiplicity weights ``w`` (P,) only entries with ``w > 0`` count, so a
    bootstrap resample can make a row degenerate.  "Equal" allows floating-point
    round-off: ``np.ptp(row) <= 1e-10 * max(1, max|row|)`` (a model RDM of identical
    patterns computed through a Gram matrix has entries of order 1e-16, not exact
    zeros); an RDM whose whole range is below 1e-10 is treated as constant.
    Likewise "all zero" (cosine methods) means ``max|row| <= 1e-10``.
    O(k P), no sorting.
    """
    x = x.x if isinstance(x, Prepared) else np.atleast_2d(np.asarray(x, dtype=np.float64))
    if w is not None:
        sel = np.asarray(w) > 0
        if not np.any(sel):
            return np.ones(x.shape[0], dtype=bool)
        if not np.all(sel):
            x = x[:, sel]
    if x.shape[1] == 0:
        return np.ones(x.shape[0], dtype=bool)
    if canonical_method(method) in ZERO_NORM_METHODS:
        return np.max(np.abs(x), axis=1) <= CONSTANT_TOLERANCE
    return np.ptp(x, axis=1) <= CONSTANT_TOLERANCE * np.maximum(1.0, np.max(np.abs(x), axis=1))


#: relative range below which an RDM counts as constant (see :func:`degenerate_rows`)
CONSTANT_TOLERANCE = 1e-10


def _degenerate_what(method: str) -> str:
    if canonical_method(method) in ZERO_NORM_METHODS:
        return "all zero (zero norm: the cosine is undefined)"
    return "constant (all dissimilarities equal: no rank order, no variance)"


def rdm_labels(r: Optional[RDM], idx, role: str = "") -> list:
    """Labels of RDMs ``idx`` of ``r`` for messages, e.g. ``"model RDM
    layer='conv1'"`` or ``"data RDM #2"``: the RDM's descriptors when ``r``
    has any, else its index; ``role`` says which argument it belongs to."""
    head = f"{role} RDM " if role else "RDM "
    out = []
    desc = r.descriptors if r is not None else {}
    for i in np.asarray(idx, dtype=np.intp).ravel():
        if desc:
            parts = []
            for key, vals in desc.items():
                v = vals[i]
                if isinstance(v, np.generic):
                    v = v.item()
                parts.append(f"{key}={v!r}")
            out.append(head + ", ".join(parts))
        else:
            out.append(f"{head}#{i}")
    return out


def constant_rdm_message(where: str, method: str, labels: Sequence[str], consequence: str) -> str:
    """Text of a :class:`ConstantRDMWarning`: ``where`` (the call), the
    degenerate RDMs (:func:`rdm_labels`, up to 10 listed) and what was
    returned for them (``consequence``; ``{it}`` becomes "it" or "them")."""
    labels = list(labels)
    shown = "; ".join(labels[:10]) + (f"; ... ({len(labels)} in all)" if len(labels) > 10 else "")
    one = len(labels) == 1
    verb, it = ("is", "it") if one else ("are", "them")
    return (f"{where}(method={canonical_method(method)!r}): {shown} {verb} {_degenerate_what(method)}; "
            + consequence.format(it=it))


def warn_constant(where: str, method: str, labels: Sequence[str], consequence: str, stacklevel: int = 3) -> None:
    """Emit one :class:`ConstantRDMWarning` (see :func:`constant_rdm_message`)."""
    warnings.warn(ConstantRDMWarning(constant_rdm_message(where, method, labels, consequence)),
                  stacklevel=stacklevel)


def compare_vectors(x, y, method: str = "spearman", w=None) -> np.ndarray:
    """Compare condensed RDM stacks x (k1, P) and y (k2, P) -> (k1, k2).

    ``x``/``y`` may be :class:`Prepared` to reuse cached ranks.  Low-level:
    degenerate rows (:func:`degenerate_rows`) are not checked and compare as
    0; use :func:`compare` (or mask with :func:`degenerate_rows`) for NaN.
    """
    fn = _FUNCS[canonical_method(method)]
    a, b = prepared(x), prepared(y)
    if a.x.shape[1] != b.x.shape[1]:
        raise ValueError("RDM vectors differ in length")
    return fn(a, b, w)


def mask_degenerate(out: np.ndarray, bad_a: np.ndarray, bad_b: np.ndarray) -> np.ndarray:
    """Set rows ``bad_a`` and columns ``bad_b`` of a (k1, k2) score matrix to NaN (in place)."""
    if np.any(bad_a):
        out[bad_a, :] = np.nan
    if np.any(bad_b):
        out[:, bad_b] = np.nan
    return out


def compare(a: RDM, b: RDM, method: str = "spearman", *, backend: str = "numpy", device=None):
    """Similarity of every RDM in ``a`` with every RDM in ``b``.

    Parameters
    ----------
    a, b : RDM
        Must share ``stimulus_id`` exactly (same ids, same order); a mismatch
        raises ValueError: align explicitly with
        :func:`neurovision.rsa.align` or ``b.subset(a.stimulus_id)``.
    method : str
        One of ``"spearman", "pearson", "kendall_tau_a", "rho_a", "cosine",
        "corr_cov", "cosine_cov"`` (aliases: corr, tau_a, tau-a, rho-a).

    backend, device : ``"numpy"`` (default) or ``"torch"`` on ``device``: Pearson, Spearman and cosine by
        :func:`neurovision.rsa.torch_backend.compare_condensed` (float64; equal to numpy within 1e-10).

    Returns
    -------
    ndarray (a.n_rdms, b.n_rdms), or a float when both hold one RDM; unitless
    similarities in [-1, 1].  NaN for every pair involving a degenerate RDM
    (all dissimilarities equal; for cosine and cosine_cov: all zero), with
    one :class:`neurovision.errors.ConstantRDMWarning` per call naming those
    RDMs by their descriptors (``layer='conv1'``) or index.
    """
    if not isinstance(a, RDM) or not isinstance(b, RDM):
        raise TypeError("compare expects two RDM objects")
    check_same_ids(a, b)
    method = canonical_method(method)
    pa, pb = Prepared(a.dissimilarities), Prepared(b.dissimilarities)
    if backend == "torch":
        import torch

        from .torch_backend import COMPARE_METHODS, compare_condensed
        if method not in COMPARE_METHODS:
            raise ValueError(f"backend='torch' supports {list(COMPARE_METHODS)}; got {method!r}")
        out = compare_condensed(pa.x, pb.x, method, device=device, dtype=torch.float64).cpu().numpy()
    elif backend == "numpy":
        if device is not None:
            raise ValueError("device= needs backend='torch'")
        out = np.array(compare_vectors(pa, pb, method), dtype=np.float64)
    else:
        raise ValueError(f"backend must be 'numpy' or 'torch'; got {backend!r}")
    bad_a, bad_b = degenerate_rows(pa, method), degenerate_rows(pb, method)
    if np.any(bad_a) or np.any(bad_b):
        mask_degenerate(out, bad_a, bad_b)
        labels = rdm_labels(a, np.flatnonzero(bad_a), "first") + rdm_labels(b, np.flatnonzero(bad_b), "second")
        warn_constant("compare", method, labels, "every similarity involving {it} is NaN")
    if out.shape == (1, 1):
        return float(out[0, 0])
    return out
