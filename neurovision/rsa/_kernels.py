"""Compiled kernels of the RSA engine (numba), with pure-numpy fallbacks.

* :func:`argsort` — stable argsort of float64 rows: numpy's (SIMD) sort
  of the order-preserving integer image of the floats with the element
  index packed into its low bits, then an exact fix-up of the rare runs
  whose truncated keys tie.
* :func:`tau_a_matrix` / :func:`tau_a_pairs` — Kendall's tau-a of every row of X with every row
  of Y under optional multiplicity weights, O(P log P) per pair (Knight
  1966): order by x (sort orders supplied by the caller and reused), sort
  the y values inside each run of tied x, then count the weighted
  discordant pairs with a merge sort of y. (Long vectors without weights and the
  bootstrap's resamples go to the compiled radix count of :mod:`._tau_native`
  instead when it is built; these kernels remain the fallback and an oracle.)
* :func:`pair_weights` / :func:`pair_weights_block` — condition counts
  c (n,) to condensed pair multiplicities c_i c_j (bootstrap resamples).
* :func:`spearman_resampled` — Spearman correlations on a batch of stimulus
  resamples from each RDM's stored sort order: per resample one flat pass per
  RDM (average ranks of the expanded vector by a running sum of the pair
  weights), no sorting; equal to ranking each resample (tests compare).

Weighted tau-a is the tau-a of the *expanded* vector in which entry p is
repeated w_p times (w_p a non-negative integer).  With W = sum w_p:

    n_c - n_d = T - T_x - T_y + T_xy - 2 D
    tau_a     = (n_c - n_d) / (W (W - 1) / 2)

where, over pairs of distinct entries p < q weighted by w_p w_q, T is the
total weight, T_x / T_y / T_xy the weight of pairs tied in x / in y / in
both, and D the weight of discordant pairs.  Pairs of copies of one entry
are tied in both x and y: they count in the denominator only.  All these
sums are integers below 2**53 for any realistic RDM, so float64 keeps them
exact.

The numba import is guarded: without numba (or with the environment
variable ``NEUROVISION_NO_NUMBA=1``) the numpy implementations below are
used; tests compare the two.  Compiled kernels are cached next to this
module (``cache=True``); where that directory is read-only numba falls
back to its user cache directory.
"""
from __future__ import annotations

import os
import threading

import numpy as np

try:  # pragma: no cover - exercised implicitly
    if os.environ.get("NEUROVISION_NO_NUMBA", "") not in ("", "0"):
        raise ImportError("numba disabled by NEUROVISION_NO_NUMBA")
    import numba as _nb
    HAVE_NUMBA = True
except Exception:  # pragma: no cover - numba is optional
    _nb = None
    HAVE_NUMBA = False

__all__ = ["HAVE_NUMBA", "argsort", "tau_a_matrix", "tau_a_pairs",
           "avg_ranks", "pair_weights",
           "pair_weights_block", "spearman_resampled", "argsort_numpy", "tau_a_matrix_numpy",
           "pair_weights_numpy", "pair_weights_block_numpy",
           "weighted_discordant_numpy", "scratch", "release_scratch"]

# runtime switch (tests flip it to compare the two implementations)
USE_NUMBA = HAVE_NUMBA


# ===========================================================================
# pure-numpy implementations (fallback and test oracle)
# ===========================================================================
def argsort_numpy(x: np.ndarray) -> np.ndarray:
    """Stable argsort of each row of a 2-D float array -> int64."""
    return np.argsort(x, axis=-1, kind="stable").astype(np.int64, copy=False)


def pair_weights_numpy(c: np.ndarray) -> np.ndarray:
    """Condensed c_i c_j, i < j, in squareform order, float64 (P,)."""
    c = np.asarray(c, dtype=np.float64)
    n = c.shape[0]
    out = np.empty(n * (n - 1) // 2)
    pos = 0
    for i in range(n - 1):
        m = n - 1 - i
        np.multiply(c[i], c[i + 1:], out=out[pos:pos + m])
        pos += m
    return out


def _pair_start(p0: int, n: int):
    """(i, j) of condensed position p0 of an n-condition RDM."""
    i = 0
    start = 0
    while start + (n - 1 - i) <= p0:
        start += n - 1 - i
        i += 1
    return i, i + 1 + (p0 - start)


def pair_weights_block_numpy(c: np.ndarray, p0: int, p1: int,
                             out: np.ndarray = None) -> np.ndarray:
    """Pair multiplicities of condensed positions p0..p1-1 for a batch of
    count vectors c (B, n) -> (B, p1 - p0)."""
    c = np.asarray(c, dtype=np.float64)
    b, n = c.shape
    if out is None:
        out = np.empty((b, p1 - p0))
    i, j = _pair_start(p0, n)
    pos = 0
    total = p1 - p0
    while pos < total:
        m = min(n - j, total - pos)
        np.multiply(c[:, i:i + 1], c[:, j:j + m], out=out[:, pos:pos + m])
        pos += m
        i += 1
        j = i + 1
    return out


def weighted_discordant_numpy(yd: np.ndarray, w: np.ndarray = None) -> float:
    """sum over p < q with y_p > y_q of w_p w_q, for a sequence y (integer
    dense ranks) already ordered by (x, y).  Bottom-up merge levels done
    with stable sorts: at each level the weight of left-half elements not
    above each right-half element is a cumulative sum."""
    y = np.asarray(yd, dtype=np.int64)
    p = y.shape[0]
    if p < 2:
        return 0.0
    w = np.ones(p) if w is None else np.asarray(w, dtype=np.float64)
    m = int(y.max()) + 1
    arr = np.arange(p)
    total = 0.0
    s = 1
    while s < p:
        blk = arr // (2 * s)
        arr = arr[np.argsort(blk * m + y[arr], kind="stable")]
        blk = arr // (2 * s)
        isleft = ((arr // s) & 1) == 0
        wl = np.where(isleft, w[arr], 0.0)
        cum = np.cumsum(wl)
        starts = np.searchsorted(blk, np.arange(blk[-1] + 1))
        before = np.concatenate(([0.0], cum))[starts]
        ltot = np.add.reduceat(wl, starts)
        right = ~isleft
        # left weight of the block minus left weight with y <= y_right
        # (stable order puts equal-y left elements first)
        le = cum[right] - before[blk[right]]
        total += float(np.sum(w[arr[right]] * (ltot[blk[right]] - le)))
        s *= 2
    return total


def _tie_weight(dense: np.ndarray, w: np.ndarray) -> float:
    """Weight of pairs of distinct entries sharing a dense rank."""
    g = np.bincount(dense, weights=w)
    g2 = np.bincount(dense, weights=w * w)
    return float(np.sum(g * g - g2) / 2.0)


def _tau_pair_numpy(x: np.ndarray, y: np.ndarray, w) -> float:
    if w is not None:
        keep = w > 0
        x, y, ww = x[keep], y[keep], np.asarray(w, dtype=np.float64)[keep]
    else:
        ww = np.ones(x.shape[0])
    tw = float(ww.sum())
    den = tw * (tw - 1.0) / 2.0
    if den <= 0:
        return np.nan
    _, xd = np.unique(x, return_inverse=True)
    _, yd = np.unique(y, return_inverse=True)
    xd = xd.ravel()
    yd = yd.ravel()
    order = np.lexsort((yd, xd))
    xs, ys, ws = xd[order], yd[order], ww[order]
    t = (tw * tw - float(np.sum(ws * ws))) / 2.0
    tx = _tie_weight(xs, ws)
    ty = _tie_weight(ys, ws)
    joint = xs.astype(np.int64) * (int(ys.max()) + 1) + ys
    _, jd = np.unique(joint, return_inverse=True)
    txy = _tie_weight(jd.ravel(), ws)
    dis = weighted_discordant_numpy(ys, ws)
    tau = (t - tx - ty + txy - 2.0 * dis) / den
    return min(1.0, max(-1.0, tau))


def tau_a_matrix_numpy(X, Y, w=None, orders=None) -> np.ndarray:
    """(kx, ky) tau-a of rows of X with rows of Y (``orders`` ignored)."""
    X = np.atleast_2d(X)
    Y = np.atleast_2d(Y)
    out = np.empty((X.shape[0], Y.shape[0]))
    for i in range(X.shape[0]):
        for j in range(Y.shape[0]):
            out[i, j] = _tau_pair_numpy(X[i], Y[j], w)
    return out


# ===========================================================================
# numba kernels
# ===========================================================================
if HAVE_NUMBA:
    _njit = _nb.njit(cache=True, nogil=True)

    @_njit
    def _sort_group(ys, ws, s, e):
        """Sort ys[s:e] (with ws) ascending in place."""
        n = e - s
        if n <= 24:
            for i in range(s + 1, e):
                v = ys[i]
                wv = ws[i]
                j = i - 1
                while j >= s and ys[j] > v:
                    ys[j + 1] = ys[j]
                    ws[j + 1] = ws[j]
                    j -= 1
                ys[j + 1] = v
                ws[j + 1] = wv
        else:
            o = np.argsort(ys[s:e], kind="mergesort")
            ty = ys[s:e][o]
            tw = ws[s:e][o]
            ys[s:e] = ty
            ws[s:e] = tw

    @_njit
    def _run_ties(ys, ws, s, e):
        """Weight of pairs of distinct entries with equal ys in sorted
        ys[s:e]."""
        t = 0.0
        i = s
        while i < e:
            j = i + 1
            g = ws[i]
            g2 = ws[i] * ws[i]
            while j < e and ys[j] == ys[i]:
                g += ws[j]
                g2 += ws[j] * ws[j]
                j += 1
            if j - i > 1:
                t += (g * g - g2) * 0.5
            i = j
        return t

    @_njit
    def _merge_count(ys, ws, ty, tw, m):
        """Sort ys[:m] (ws carried) ascending; return (weighted discordant
        count, True if the sorted data ended in ty/tw)."""
        run = 16
        dis = 0.0
        for lo in range(0, m, run):
            hi = min(lo + run, m)
            for i in range(lo + 1, hi):
                v = ys[i]
                wv = ws[i]
                j = i - 1
                acc = 0.0
                while j >= lo and ys[j] > v:
                    ys[j + 1] = ys[j]
                    ws[j + 1] = ws[j]
                    acc += ws[j]
                    j -= 1
                ys[j + 1] = v
                ws[j + 1] = wv
                dis += wv * acc
        sy, sw, dy, dw = ys, ws, ty, tw
        swapped = False
        width = run
        while width < m:
            for lo in range(0, m, 2 * width):
                mid = min(lo + width, m)
                hi = min(lo + 2 * width, m)
                if mid >= hi or sy[mid - 1] <= sy[mid]:
                    for k in range(lo, hi):
                        dy[k] = sy[k]
                        dw[k] = sw[k]
                    continue
                i = lo
                j = mid
                k = lo
                rdone = 0.0
                # branch-free merge step (the comparison is unpredictable)
                while i < mid and j < hi:
                    yl = sy[i]
                    yr = sy[j]
                    wl = sw[i]
                    wr = sw[j]
                    r = yr < yl
                    dy[k] = yr if r else yl
                    dw[k] = wr if r else wl
                    rdone += wr if r else 0.0
                    dis += 0.0 if r else wl * rdone
                    j += 1 if r else 0
                    i += 0 if r else 1
                    k += 1
                while i < mid:
                    dy[k] = sy[i]
                    dw[k] = sw[i]
                    dis += sw[i] * rdone
                    i += 1
                    k += 1
                while j < hi:
                    dy[k] = sy[j]
                    dw[k] = sw[j]
                    j += 1
                    k += 1
            sy, dy = dy, sy
            sw, dw = dw, sw
            swapped = not swapped
            width *= 2
        return dis, swapped

    @_njit
    def _sort_group_u(ys, s, e):
        if e - s <= 24:
            for i in range(s + 1, e):
                v = ys[i]
                j = i - 1
                while j >= s and ys[j] > v:
                    ys[j + 1] = ys[j]
                    j -= 1
                ys[j + 1] = v
        else:
            ys[s:e] = np.sort(ys[s:e])

    @_njit
    def _run_ties_u(ys, s, e):
        t = 0.0
        i = s
        while i < e:
            j = i + 1
            while j < e and ys[j] == ys[i]:
                j += 1
            g = j - i
            t += g * (g - 1) * 0.5
            i = j
        return t

    @_njit
    def _merge_two_u(sy, dy, lo, mid, hi):
        """Merge the sorted runs sy[lo:mid] and sy[mid:hi] into dy[lo:hi];
        return the number of pairs (left, right) with left > right: a left
        element is discordant with the j - mid right elements already output
        (all strictly smaller; on ties the left one goes first)."""
        i = lo
        j = mid
        k = lo
        dis = 0
        while i < mid and j < hi:
            yl = sy[i]
            yr = sy[j]
            r = yr < yl
            dy[k] = yr if r else yl
            dis += 0 if r else j - mid
            j += 1 if r else 0
            i += 0 if r else 1
            k += 1
        while i < mid:
            dy[k] = sy[i]
            dis += j - mid
            i += 1
            k += 1
        while j < hi:
            dy[k] = sy[j]
            j += 1
            k += 1
        return dis

    @_njit
    def _merge_count_u(ys, ty, m):
        """Unweighted variant of :func:`_merge_count` (no weight arrays)."""
        run = 16
        dis = 0
        for lo in range(0, m, run):
            hi = min(lo + run, m)
            for i in range(lo + 1, hi):
                v = ys[i]
                j = i - 1
                while j >= lo and ys[j] > v:
                    ys[j + 1] = ys[j]
                    j -= 1
                ys[j + 1] = v
                dis += i - 1 - j
        sy, dy = ys, ty
        swapped = False
        width = run
        while width < m:
            for lo in range(0, m, 2 * width):
                mid = min(lo + width, m)
                hi = min(lo + 2 * width, m)
                if mid >= hi or sy[mid - 1] <= sy[mid]:
                    for k in range(lo, hi):
                        dy[k] = sy[k]
                    continue
                dis += _merge_two_u(sy, dy, lo, mid, hi)
            sy, dy = dy, sy
            swapped = not swapped
            width *= 2
        return float(dis), swapped

    @_njit
    def _y_in_x_order_u(yr, keep, m, gstart, ng, ys):
        """ys[:m] = yr at the x-ordered positions ``keep``, each run of tied x
        (``gstart`` pairs) sorted by y; returns the number of pairs tied in both."""
        for t in range(m):
            ys[t] = yr[keep[t]]
        txy = 0.0
        for g in range(0, ng, 2):
            _sort_group_u(ys, gstart[g], gstart[g + 1])
            txy += _run_ties_u(ys, gstart[g], gstart[g + 1])
        return txy

    @_njit
    def _tau_from_counts(tot, tx, ty, txy, dis, den):
        """tau-a = (T - T_x - T_y + T_xy - 2 D) / denominator, clipped to [-1, 1]."""
        return min(1.0, max(-1.0, (tot - tx - ty + txy - 2.0 * dis) / den))

    @_nb.njit(cache=True, nogil=True, parallel=True)
    def _tau_a_single_u(order, x, y, fs, iscr):
        """Unweighted tau-a of one pair of long vectors on two threads: after
        the x-order preparation (as :func:`_tau_a_pairs_range`), each half of
        the y sequence is merge-sorted (counting its discordant pairs) by its
        own thread, then one merge counts the pairs across the halves."""
        keep = iscr[0]
        gstart = iscr[1]
        xs = fs[0]
        ws0 = fs[1]
        ys = fs[2]
        ty = fs[4]
        m, ng, tx, tot, den = _prep_x(x, order, ws0, False, keep, xs, ws0, gstart)
        if den <= 0.0:
            return np.nan
        txy = _y_in_x_order_u(y, keep, m, gstart, ng, ys)
        h = m // 2
        dis = np.zeros(2)
        for half in _nb.prange(2):
            lo = 0 if half == 0 else h
            hi = h if half == 0 else m
            d, swapped = _merge_count_u(ys[lo:hi], ty[lo:hi], hi - lo)
            if swapped:  # the sorted half ended in ty: back into ys
                ys[lo:hi] = ty[lo:hi]
            dis[half] = d
        total = dis[0] + dis[1] + _merge_two_u(ys, ty, 0, h, m)
        return _tau_from_counts(tot, tx, _run_ties_u(ty, 0, m), txy, total, den)

    @_njit
    def packed_keys(x, idxbits, out):
        """Order-preserving uint64 image of x, low ``idxbits`` bits
        replaced by the element index (for a SIMD np.sort), into ``out``."""
        n = x.shape[0]
        xb = (x + 0.0).view(np.uint64)
        sign = np.uint64(1) << np.uint64(63)
        full = ~np.uint64(0)
        sh = np.uint64(idxbits)
        for i in range(n):
            b = xb[i]
            k = (b ^ full) if (b & sign) else (b | sign)
            out[i] = ((k >> sh) << sh) | np.uint64(i)
        return out

    @_njit
    def _unpack_fix(srt, x, idxbits, out):
        """Indices from sorted packed keys; runs whose truncated keys tie
        but whose values differ are re-sorted stably by value."""
        n = srt.shape[0]
        sh = np.uint64(idxbits)
        mask = (np.uint64(1) << sh) - np.uint64(1)
        for i in range(n):
            out[i] = np.int64(srt[i] & mask)
        i = 0
        while i < n:
            hk = srt[i] >> sh
            j = i + 1
            ok = True
            while j < n and (srt[j] >> sh) == hk:
                if x[out[j]] < x[out[j - 1]]:
                    ok = False
                j += 1
            if not ok:
                seg = out[i:j].copy()
                o = np.argsort(x[seg], kind="mergesort")
                out[i:j] = seg[o]
            i = j

    @_njit
    def _prep_x(xr, od, w, weighted, keep, xs, ws0, gstart):
        """Entries of x with positive weight in x order (positions in keep,
        values in xs, weights in ws0), runs of tied x (gstart pairs).
        Returns (m, n_run_bounds, T_x, T, denominator)."""
        p = xr.shape[0]
        m = 0
        tw_sum = 0.0
        tw_sq = 0.0
        for t in range(p):
            q = od[t]
            if weighted:
                wq = w[q]
                if wq <= 0.0:
                    continue
            else:
                wq = 1.0
            keep[m] = q
            xs[m] = xr[q]
            ws0[m] = wq
            tw_sum += wq
            tw_sq += wq * wq
            m += 1
        ng = 0
        tx = 0.0
        i = 0
        while i < m:
            j = i + 1
            g = ws0[i]
            g2 = ws0[i] * ws0[i]
            while j < m and xs[j] == xs[i]:
                g += ws0[j]
                g2 += ws0[j] * ws0[j]
                j += 1
            if j - i > 1:
                gstart[ng] = i
                gstart[ng + 1] = j
                ng += 2
                tx += (g * g - g2) * 0.5
            i = j
        tot = (tw_sum * tw_sum - tw_sq) * 0.5
        den = tw_sum * (tw_sum - 1.0) * 0.5
        return m, ng, tx, tot, den

    @_nb.njit(cache=True, nogil=True, parallel=True)
    def _tau_a_pairs_kernel(orders, X, Y, w, weighted, xi, yi, bounds, fs, iscr, out):
        """tau-a of the pairs (X[xi[t]], Y[yi[t]]) into ``out``; the per-x
        preparation is shared by consecutive pairs with the same xi (runs
        [bounds[g], bounds[g + 1])).  The runs are spread over ``fs.shape[0]``
        threads, thread b working in its scratch ``fs[b]`` (6, P) float64 and
        ``iscr[b]`` (2, P + 1) int64 (allocated by the caller and reused: fresh
        pages cost more than the merge sort on this project's VMs)."""
        nb = bounds.shape[0] - 1
        nblk = fs.shape[0]
        for blk in _nb.prange(nblk):
            for g in range(blk * nb // nblk, (blk + 1) * nb // nblk):
                _tau_a_pairs_range(orders, X, Y, w, weighted, xi, yi,
                                   bounds[g], bounds[g + 1], out, fs[blk], iscr[blk])
        return out

    @_njit
    def _tau_a_pairs_range(orders, X, Y, w, weighted, xi, yi, lo, hi, out, fs, iscr):
        keep = iscr[0]
        gstart = iscr[1]
        xs = fs[0]
        ws0 = fs[1]
        ys = fs[2]
        ws = fs[3]
        ty = fs[4]
        tw = fs[5]
        a = -1
        m = 0
        ng = 0
        tx = 0.0
        tot = 0.0
        den = 0.0
        for t_pair in range(lo, hi):
            if xi[t_pair] != a:
                a = xi[t_pair]
                m, ng, tx, tot, den = _prep_x(X[a], orders[a], w, weighted,
                                              keep, xs, ws0, gstart)
            if den <= 0.0:
                out[t_pair] = np.nan
                continue
            yr = Y[yi[t_pair]]
            if weighted:
                for t in range(m):
                    ys[t] = yr[keep[t]]
                    ws[t] = ws0[t]
                txy = 0.0
                for g in range(0, ng, 2):
                    s = gstart[g]
                    e = gstart[g + 1]
                    _sort_group(ys, ws, s, e)
                    txy += _run_ties(ys, ws, s, e)
                dis, swapped = _merge_count(ys, ws, ty, tw, m)
                if swapped:
                    tyy = _run_ties(ty, tw, 0, m)
                else:
                    tyy = _run_ties(ys, ws, 0, m)
            else:
                txy = _y_in_x_order_u(yr, keep, m, gstart, ng, ys)
                dis, swapped = _merge_count_u(ys, ty, m)
                if swapped:
                    tyy = _run_ties_u(ty, 0, m)
                else:
                    tyy = _run_ties_u(ys, 0, m)
            out[t_pair] = _tau_from_counts(tot, tx, tyy, txy, dis, den)

    @_nb.njit(cache=True, nogil=True, parallel=True)
    def _avg_ranks_nb(dense, ng, w, weighted, out):
        """Average (1-based) ranks of the expanded rows from dense ranks
        (rows spread over threads: the noise ceiling re-ranks every subject
        RDM on every bootstrap resample)."""
        k, p = dense.shape
        for r in _nb.prange(k):
            tot = np.zeros(ng[r])
            d = dense[r]
            if weighted:
                for t in range(p):
                    tot[d[t]] += w[t]
            else:
                for t in range(p):
                    tot[d[t]] += 1.0
            end = 0.0
            for g in range(ng[r]):
                cnt = tot[g]
                end += cnt
                # same expression as the numpy path: end - tot + (tot+1)/2
                tot[g] = end - cnt + (cnt + 1.0) / 2.0
            o = out[r]
            for t in range(p):
                o[t] = tot[d[t]]
        return out

    @_njit
    def _pair_weights_nb(c):
        n = c.shape[0]
        out = np.empty(n * (n - 1) // 2)
        pos = 0
        for i in range(n - 1):
            ci = c[i]
            for j in range(i + 1, n):
                out[pos] = ci * c[j]
                pos += 1
        return out

    @_njit
    def _pair_weights_block_nb(C, p0, p1, out):
        b, n = C.shape
        i = 0
        start = 0
        while start + (n - 1 - i) <= p0:
            start += n - 1 - i
            i += 1
        j0 = i + 1 + (p0 - start)
        for r in range(b):
            ii = i
            jj = j0
            cr = C[r]
            ci = cr[ii]
            for t in range(p1 - p0):
                out[r, t] = ci * cr[jj]
                jj += 1
                if jj == n:
                    ii += 1
                    jj = ii + 1
                    if ii < n:
                        ci = cr[ii]
        return out


    _fast = _nb.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})

    # One pass over a row in its sorted order under the pair weights
    # w = c[idx_i] c[idx_j] of a resample (writing its ranks, or reading another's).
    # ``ties`` (g, 2): [start, end) of each run of tied values (length > 1), in order; v = (average rank of a
    # position's tie group in the expanded vector) - m.  Between tie runs the
    # loops are flat and branch-free in the weights (in a bootstrap resample
    # about 40% of the pairs, in random order, have weight 0: they add zero).

    @_fast
    def _rank_pass(c, idx_i, idx_j, ties, m, dst, pi, rb):
        """With ``rb`` empty: writes v at every sorted position (``dst[t]``;
        zero weights too, so that a later reader never meets an unset
        value).  Otherwise: accumulates sum w v rb[pi[t]], ``pi`` mapping this
        row's sorted positions to those of the row whose v ``rb`` holds.
        Returns (sum w v^2, that sum)."""
        P = idx_i.shape[0]
        nt = ties.shape[0]
        gather = rb.shape[0] > 0
        cum = 0.0
        s2 = 0.0
        acc = 0.0
        t = 0
        for g in range(nt + 1):
            stop = ties[g, 0] if g < nt else P
            if gather:  # the mode test stays outside the hot loops
                for u in range(t, stop):
                    w = c[idx_i[u]] * c[idx_j[u]]
                    v = cum + (w + 1.0) * 0.5 - m
                    s2 += w * v * v
                    acc += w * v * rb[pi[u]]
                    cum += w
            else:
                for u in range(t, stop):
                    w = c[idx_i[u]] * c[idx_j[u]]
                    v = cum + (w + 1.0) * 0.5 - m
                    s2 += w * v * v
                    dst[u] = v
                    cum += w
            if g == nt:
                break
            e = ties[g, 1]
            gw = 0.0
            for u in range(stop, e):
                gw += c[idx_i[u]] * c[idx_j[u]]
            v = cum + (gw + 1.0) * 0.5 - m
            s2 += gw * v * v
            for u in range(stop, e):
                if gather:
                    acc += c[idx_i[u]] * c[idx_j[u]] * v * rb[pi[u]]
                else:
                    dst[u] = v
            cum += gw
            t = e
        return s2, acc

    @_nb.njit(cache=True, nogil=True, parallel=True)
    def _spearman_batch_kernel(counts, ia, ja, ta, ib, jb, tb, pi, proto, nthreads, out):
        """Spearman of every row of a with every row of b on each resample
        (condition counts ``counts[r]``), resamples spread over threads.
        ``ta``/``tb``: typed lists of each row's tie runs; ``proto``: an
        empty array whose dtype holds the centred ranks; ``nthreads``: blocks
        of resamples run in parallel."""
        nres = counts.shape[0]
        ka = ia.shape[0]
        kb = ib.shape[0]
        P = ia.shape[1]
        # one block of resamples per thread, each with its scratch allocated
        # once (fresh pages per resample cost more than the passes in a VM)
        nblk = max(1, min(nres, nthreads))
        for blk in _nb.prange(nblk):
            rbs = np.empty((kb, P), proto.dtype)
            sb = np.empty(kb)
            nor = np.empty(0, proto.dtype)
            nop = np.empty(0, pi.dtype)
            for r in range(blk * nres // nblk, (blk + 1) * nres // nblk):
                c = counts[r]
                tot = 0.0
                sq = 0.0
                for i in range(c.shape[0]):
                    tot += c[i]
                    sq += c[i] * c[i]
                # total pair weight W; the weighted mean rank is (W + 1) / 2
                m = ((tot * tot - sq) * 0.5 + 1.0) * 0.5
                for q in range(kb):
                    sb[q] = _rank_pass(c, ib[q], jb[q], tb[q], m, rbs[q], nop, nor)[0]
                for a in range(ka):
                    for q in range(kb):
                        sa, cross = _rank_pass(c, ia[a], ja[a], ta[a], m, nor, pi[a, q], rbs[q])
                        den = np.sqrt(sa * sb[q])
                        out[r, a, q] = cross / den if den > 0.0 else 0.0
        return out


# ===========================================================================
# dispatching front ends
# ===========================================================================
def argsort(X: np.ndarray) -> np.ndarray:
    """Stable argsort of each row of a (k, P) float64 array -> int64."""
    X = np.ascontiguousarray(np.atleast_2d(X), dtype=np.float64)
    if not USE_NUMBA:
        return argsort_numpy(X)
    k, n = X.shape
    if n < 256:
        return argsort_numpy(X)
    # numpy's (SIMD) sort of uint64 keys carrying the index in their low
    # bits, then an exact fix-up of runs whose truncated keys tie
    idxbits = max(1, int(n - 1).bit_length())
    out = np.empty((k, n), np.int64)
    keys = scratch("argsort_keys", (n,), np.uint64)
    for r in range(k):
        packed_keys(X[r], idxbits, keys)
        keys.sort()  # in place: numpy's SIMD sort
        _unpack_fix(keys, X[r], idxbits, out[r])
    return out


_SCRATCH = threading.local()
#: One unweighted tau-a pair at least this long (entries) is merge-sorted on two threads.
SINGLE_PAIR_PARALLEL_MIN = 1 << 15


def scratch(name: str, shape: tuple, dtype) -> np.ndarray:
    """A work array of ``shape`` (contents undefined), reused between calls in this thread.

    Kernels over ~10^6-entry RDM vectors used to allocate their work arrays on every call; on this
    project's VMs the page faults of touching fresh memory (~4 µs per 4 KiB page) cost more than the
    merge sort itself. Each thread keeps the largest array asked for under each name (a few tens of MB
    for 1000-condition RDMs); :func:`release_scratch` frees them.
    """
    pool = getattr(_SCRATCH, "pool", None)
    if pool is None:
        pool = _SCRATCH.pool = {}
    dtype = np.dtype(dtype)
    need = int(np.prod(shape, dtype=np.int64))
    arr = pool.get(name)
    if arr is None or arr.dtype != dtype or arr.size < need:
        arr = pool[name] = np.empty(need, dtype)
    return arr[:need].reshape(shape)


def release_scratch(prefix: str | None = None) -> None:
    """Free this thread's reusable work arrays (see :func:`scratch`): all of them, or only those whose names
    start with ``prefix``."""
    if prefix is None:
        _SCRATCH.pool = {}
        return
    pool = getattr(_SCRATCH, "pool", None) or {}
    for name in [k for k in pool if k.startswith(prefix)]:
        del pool[name]


def _tau_a_pairs_nb(orders, X, Y, w, xi, yi) -> np.ndarray:
    """Numba tau-a of the row pairs (X[xi[t]], Y[yi[t]]) with per-thread scratch (see :func:`scratch`)."""
    npair = xi.shape[0]
    out = np.empty(npair)
    if npair == 0:
        return out
    bounds = np.flatnonzero(np.r_[True, xi[1:] != xi[:-1], True]).astype(np.int64)
    nthreads = _nb.get_num_threads()
    nblk = max(1, min(bounds.shape[0] - 1, nthreads))
    p = X.shape[1]
    fs = scratch("tau_f", (nblk, 6, p), np.float64)
    iscr = scratch("tau_i", (nblk, 2, p + 1), np.int64)
    if npair == 1 and w is None and nthreads > 1 and p >= SINGLE_PAIR_PARALLEL_MIN:
        # one long pair: split its merge sort over two threads instead
        out[0] = _tau_a_single_u(orders[xi[0]], X[xi[0]], Y[yi[0]], fs[0], iscr[0])
        return out
    if w is None:
        wv, weighted = np.empty(0), False
    else:
        wv, weighted = np.ascontiguousarray(w, dtype=np.float64), True
    return _tau_a_pairs_kernel(orders, X, Y, wv, weighted, xi, yi, bounds, fs, iscr, out)


def tau_a_matrix(X, Y, w=None, orders=None) -> np.ndarray:
    """Kendall tau-a (kx, ky) of rows of X with rows of Y.

    ``orders`` (kx, P): argsorts of the rows of X (computed if None; pass
    cached ones to reuse them across resamples).  ``w`` (P,): optional
    non-negative integer multiplicities (zero drops an entry).
    """
    X = np.ascontiguousarray(np.atleast_2d(X), dtype=np.float64)
    Y = np.ascontiguousarray(np.atleast_2d(Y), dtype=np.float64)
    if not USE_NUMBA:
        return tau_a_matrix_numpy(X, Y, w)
    if orders is None:
        orders = argsort(X)
    orders = np.ascontiguousarray(orders, dtype=np.int64)
    kx, ky = X.shape[0], Y.shape[0]
    xi = np.repeat(np.arange(kx, dtype=np.int64), ky)
    yi = np.tile(np.arange(ky, dtype=np.int64), kx)
    return _tau_a_pairs_nb(orders, X, Y, w, xi, yi).reshape(kx, ky)


def tau_a_pairs(X, Y, xi, yi, w=None, orders=None) -> np.ndarray:
    """tau-a of the row pairs (X[xi[t]], Y[yi[t]]), t = 0..len(xi)-1.

    Pairs sharing an x row should be consecutive: the x preparation is
    reused between them (numba path).
    """
    X = np.ascontiguousarray(np.atleast_2d(X), dtype=np.float64)
    Y = np.ascontiguousarray(np.atleast_2d(Y), dtype=np.float64)
    xi = np.ascontiguousarray(xi, dtype=np.int64)
    yi = np.ascontiguousarray(yi, dtype=np.int64)
    if not USE_NUMBA:
        return np.array([_tau_pair_numpy(X[a], Y[b], w)
                         for a, b in zip(xi, yi)])
    if orders is None:
        orders = argsort(X)
    orders = np.ascontiguousarray(orders, dtype=np.int64)
    return _tau_a_pairs_nb(orders, X, Y, w, xi, yi)


def avg_ranks(dense: np.ndarray, ngroups: np.ndarray, w=None) -> np.ndarray:
    """Average ranks (1-based) of rows given their dense ranks; with
    multiplicity weights, the ranks within the expanded vector.  numba
    only (callers keep the numpy path)."""
    out = np.empty(dense.shape)
    dense = np.ascontiguousarray(dense, dtype=np.int64)
    ng = np.ascontiguousarray(ngroups, dtype=np.int64)
    if w is None:
        return _avg_ranks_nb(dense, ng, np.empty(0), False, out)
    return _avg_ranks_nb(dense, ng, np.ascontiguousarray(w, dtype=np.float64),
                         True, out)


def pair_weights(c: np.ndarray) -> np.ndarray:
    """Condition counts (n,) -> condensed pair multiplicities c_i c_j."""
    c = np.ascontiguousarray(c, dtype=np.float64)
    if USE_NUMBA:
        return _pair_weights_nb(c)
    return pair_weights_numpy(c)


def pair_weights_block(C: np.ndarray, p0: int, p1: int,
                       out: np.ndarray = None) -> np.ndarray:
    """Pair multiplicities of positions p0..p1-1 for counts C (B, n)."""
    C = np.ascontiguousarray(C, dtype=np.float64)
    if out is None:
        out = np.empty((C.shape[0], p1 - p0))
    if USE_NUMBA:
        return _pair_weights_block_nb(C, int(p0), int(p1), out)
    return pair_weights_block_numpy(C, p0, p1, out)


def spearman_resampled(a_sorted: tuple, b_sorted: tuple, counts: np.ndarray) -> np.ndarray:
    """Spearman correlation of every row of an RDM stack a with every row of
    b on each bootstrap resample of the conditions (numba only).

    ``a_sorted``/``b_sorted``: ``(order, I, J, ties)`` of each stack (see
    :meth:`neurovision.rsa.compare.Prepared.sorted_pairs`): the sort order of
    each row's condensed vector, the two conditions of each pair in that
    order, and the runs of tied values.  ``counts`` (B, n): condition
    multiplicities of all the resamples (pass them in one call: the
    permutation between the two sort orders is built once per call).
    Returns (B, k_a, k_b).

    Same value as the Pearson correlation of the average ranks of the
    expanded vectors (pairs of distinct conditions weighted c_i c_j; the
    generic path of :func:`neurovision.rsa.compare.compare_vectors`), but
    computed from the stored sort orders: per resample one sequential pass
    over each row of b (writing its centred ranks in sorted order) and one
    over each row of a (reading b's rank of the same pair through a fixed
    permutation) — no sorting, no scatter, and the weighted mean rank is
    known in closed form, (W + 1) / 2 with W the total pair weight.  Ranks
    are held in float32 where that is exact (centred ranks are multiples of
    1/2 below W / 2 < 2**23), else float64.
    """
    counts = np.ascontiguousarray(np.atleast_2d(counts), dtype=np.float64)
    oa, ia, ja, ta = a_sorted
    ob, ib, jb, tb = b_sorted
    P = oa.shape[1]
    # pi[a, q, t]: position in b[q]'s sorted order of the pair at a[a]'s sorted position t
    inv = np.empty(ob.shape, dtype=oa.dtype)
    rows = np.arange(P, dtype=oa.dtype)
    for q in range(ob.shape[0]):
        inv[q, ob[q]] = rows
    pi = np.stack([inv[:, oa[a]] for a in range(oa.shape[0])])
    n = counts.shape[1]
    proto = np.empty(0, np.float32 if n * n / 2 < 2 ** 23 else np.float64)
    out = np.empty((counts.shape[0], oa.shape[0], ob.shape[0]))
    return _spearman_batch_kernel(counts, ia, ja, ta, ib, jb, tb, pi, proto, _nb.get_num_threads(), out)


def tie_runs(sorted_dense: np.ndarray):
    """Per row of ``sorted_dense`` (k, P) (dense ranks in sorted order), the
    [start, end) of every run of equal values longer than 1, as a numba typed
    list of (g, 2) int64 arrays."""
    from numba.typed import List  # lazy: numba is optional (see the module docstring); only its kernels need this
    runs = List()
    P = sorted_dense.shape[1]
    for row in sorted_dense:
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        ends = np.append(starts[1:], P)
        long = ends - starts > 1
        runs.append(np.ascontiguousarray(np.stack([starts[long], ends[long]], axis=1), dtype=np.int64))
    return runs
