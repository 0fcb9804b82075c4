"""Kendall's tau-a of two long vectors with the compiled radix kernel (``_tau.c``, built as the extension
``neurovision.rsa._tau_c`` and called through ctypes).

:func:`tau_a` is exact (integer counts) and equals :func:`neurovision.rsa._kernels.tau_a_matrix` and
``scipy.stats.kendalltau(..., variant="b")``'s concordance counts; the tests compare all three. Steps:

1. sort x and y (numpy's SIMD sort of order-preserving uint64 keys with the element index packed into the
   low bits; the two sorts run on two threads);
2. ``nv_min_ranks``: min ranks of y (ties share a rank), pairs tied in y;
3. ``nv_x_sequence``: y's ranks in x order, runs of tied x sorted; pairs tied in x and in both;
4. ``nv_count``: discordant pairs of that sequence by a bitwise MSD radix partition (AVX-512 compress
   where the CPU has it), the top level on one thread (``nv_level``), then each half of the values on its
   own thread;
5. tau-a = (n_c - n_d) / (n (n - 1) / 2) with n_c - n_d = T - T_x - T_y + T_xy - 2 D (Knight 1966).

:data:`AVAILABLE` is False when the extension was not built (then the numba kernels are used); the
environment variable ``NEUROVISION_NO_NATIVE=1`` turns it off as well.

Bootstrap resamples (:func:`tau_a_pairs` with ``counts``): x's order is prepared once (:func:`prepare_x`), the
resample's pair weights c_i c_j are formed in that order, zero-weight pairs dropped, and the weighted count
carries the weights through the same partition (``nv_count_w``), adding up the weight of the pairs tied in y
on the way. Equal to :func:`neurovision.rsa._kernels.tau_a_pairs` with the pair weights (tests).
"""
from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _kernels

__all__ = ["AVAILABLE", "SIMD", "tau_a", "tau_a_matrix", "tau_a_pairs", "sorted_keys", "prepare_x", "prepare_y",
           "discordant_pairs", "release"]

_LIB = None
SIMD = False
_TABLE = None


def _load():
    global _LIB, SIMD, _TABLE
    if os.environ.get("NEUROVISION_NO_NATIVE", "") not in ("", "0"):
        return None
    try:
        spec = importlib.util.find_spec("neurovision.rsa._tau_c")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    try:
        lib = ctypes.CDLL(spec.origin)
    except OSError:
        return None
    p, i64, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
    lib.nv_has_avx512.restype = i32
    lib.nv_level.restype = i64
    lib.nv_level.argtypes = [p, p, p, i64, i32, i64, i64, p]
    lib.nv_min_ranks.restype = ctypes.c_double
    lib.nv_min_ranks.argtypes = [p, p, i64, i32, p, p, ctypes.POINTER(i32), p]
    lib.nv_x_sequence.restype = None
    lib.nv_x_sequence.argtypes = [p, p, p, i64, i32, p, p, p]
    lib.nv_count.restype = i64
    lib.nv_count.argtypes = [p, p, p, i64, i32, i64, i64, p]
    lib.nv_count_w.restype = i64
    lib.nv_count_w.argtypes = [p, p, p, p, p, i64, i32, i64, i64, i32, ctypes.POINTER(i64)]
    lib.nv_x_sequence_w.restype = i64
    lib.nv_x_sequence_w.argtypes = [p, p, p, i64, p, p, p, i64, p, p, p]
    lib.nv_kept_counts.restype = None
    lib.nv_kept_counts.argtypes = [p, p, i64, p]
    lib.nv_x_prepare.restype = i64
    lib.nv_x_prepare.argtypes = [p, p, i64, i32, i64, p, p, p, p]
    lib.nv_kept_counts_c.restype = None
    lib.nv_kept_counts_c.argtypes = [p, p, i64, i64, p]
    SIMD = bool(lib.nv_has_avx512())
    if SIMD:
        # for a 16-lane mask m (bit = 1: the lane's entry goes to the ones), the (one, later zero) pairs
        # inside the 16 lanes: sum over zero lanes of the ones in lower lanes (at most 8 * 8 = 64)
        m = np.arange(1 << 16)
        tab = np.zeros(1 << 16, np.int64)
        below = np.zeros(1 << 16, np.int64)
        for lane in range(16):
            bit = (m >> lane) & 1
            tab += (1 - bit) * below
            below += bit
        _TABLE = np.ascontiguousarray(tab, dtype=np.uint8)
    _LIB = lib
    return lib


_load()
AVAILABLE = _LIB is not None

#: vectors at least this long go to this kernel from :func:`neurovision.rsa.compare.compare_vectors`
#: (below it the numba merge kernel's lower call overhead wins)
MIN_LENGTH = 1000
#: pairs at least this long are counted on two threads (top level first, then one half of the values each)
PARALLEL_MIN = 1 << 15
_POOL = None
_POOL_LOCK = threading.Lock()
#: one call at a time: calls share the helper thread and its reusable work arrays (callers in several
#: threads, e.g. a threaded dask worker, are serialised; each call already uses both cores)
_CALL_LOCK = threading.RLock()


def _serialised(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _CALL_LOCK:
            return fn(*args, **kwargs)
    return wrapper


@_serialised
def release() -> None:
    """Free this module's reusable work arrays, in the calling thread and in the helper thread (a bootstrap
    keeps a few per pooled RDM between resamples; :func:`neurovision.rsa.bootstrap_stimuli` calls this when it
    is done)."""

    def drop():
        _kernels.release_scratch("tau_native")

    drop()
    if _POOL is not None:
        _POOL.submit(drop).result()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(1, thread_name_prefix="neurovision-tau")
        return _POOL


def _ptr(a: np.ndarray):
    return ctypes.c_void_p(a.ctypes.data)


def _idxbits(n: int) -> int:
    """Bits for an index below n (at least 1): the low bits of the packed sort keys, and the radix levels."""
    return max(1, int(n - 1).bit_length())


def _sorted_keys(x: np.ndarray, idxbits: int, name: str) -> np.ndarray:
    keys = _kernels.scratch(name, (x.shape[0],), np.uint64)
    _kernels.packed_keys(x, idxbits, keys)
    keys.sort()
    return keys


@_serialised
def discordant_pairs(v: np.ndarray, E: np.ndarray | None = None, threads: int = 2) -> int:
    """Number of pairs t < u with v[t] > v[u], for int32 values in [0, n) (n = len(v)); ``E`` (n + 1,): the
    number of entries below each value (None: v is a permutation). ``v`` is used as work space."""
    return _discordant_pairs(v, E, threads)


def _discordant_pairs(v: np.ndarray, E: np.ndarray | None, threads: int) -> int:
    """:func:`discordant_pairs` without the call lock (also run on the helper thread)."""
    n = v.shape[0]
    if n < 2:
        return 0
    buf = _kernels.scratch("tau_native_buf", (n,), np.int32)
    nbits = _idxbits(n)
    ep = None if E is None else _ptr(E)
    tab = None if _TABLE is None else _ptr(_TABLE)
    lib = _LIB
    if threads < 2 or n < PARALLEL_MIN or nbits < 8:
        return int(lib.nv_count(_ptr(v), _ptr(buf), ep, n, nbits - 1, 0, 1 << nbits, tab))
    top = nbits - 1
    d = int(lib.nv_level(_ptr(v), _ptr(buf), ep, n, top, 0, 1 << nbits, tab))
    half = 1 << top
    # the data now lie in buf; each half of the value range is a group of its own, on its own thread
    fut = _pool().submit(lib.nv_count, _ptr(buf), _ptr(v), ep, n, top - 1, half, 2 * half, tab)
    d += int(lib.nv_count(_ptr(buf), _ptr(v), ep, n, top - 1, 0, half, tab))
    return d + int(fut.result())


def prepare_y(y: np.ndarray, idxbits: int | None = None, keys: np.ndarray | None = None, tag: str | None = None):
    """(min ranks r int32 (n,), E (n + 1,) or None without ties, pairs tied in y) of one float64 row
    (``idxbits``: that of the row's length, derived when None).

    ``tag``: keep r (and E) in this thread's reusable work arrays of that name (for rows that live one call:
    fresh pages cost more than the ranking on this project's VMs); None: new arrays (rows kept by the caller).
    """
    n = y.shape[0]
    idxbits = _idxbits(n) if idxbits is None else idxbits
    ky = _sorted_keys(y, idxbits, "tau_native_ky") if keys is None else keys
    if tag is None:
        r = np.empty(n, np.int32)
    else:
        r = _kernels.scratch(tag + "_r", (n,), np.int32)
    E = _kernels.scratch("tau_native_E" if tag is None else tag + "_E", (n + 1,), np.int64)
    scratch = _kernels.scratch("tau_native_idx", (n,), np.int64)
    has_ties = ctypes.c_int(0)
    ty = _LIB.nv_min_ranks(_ptr(ky), _ptr(y), n, idxbits, _ptr(r), _ptr(E), ctypes.byref(has_ties),
                           _ptr(scratch))
    if not has_ties.value:
        return r, None, ty
    return r, (E.copy() if tag is None else E), ty


def _pair(kx: np.ndarray, x: np.ndarray, yprep, idxbits: int, threads: int) -> float:
    """tau-a of x (its sorted keys ``kx``) with a prepared y (:func:`prepare_y`)."""
    n = x.shape[0]
    r, E, ty = yprep
    v = _kernels.scratch("tau_native_v", (n,), np.int32)
    scratch = _kernels.scratch("tau_native_idx", (n,), np.int64)
    txy = np.zeros(2)
    _LIB.nv_x_sequence(_ptr(kx), _ptr(x), _ptr(r), n, idxbits, _ptr(v), _ptr(txy), _ptr(scratch))
    d = _discordant_pairs(v, E, threads)
    tot = n * (n - 1) / 2.0
    tau = (tot - txy[0] - ty + txy[1] - 2.0 * d) / tot
    return min(1.0, max(-1.0, tau))


@_serialised
def tau_a(x: np.ndarray, y: np.ndarray, threads: int = 2) -> float:
    """Kendall's tau-a of two float64 vectors of equal length (no NaNs); NaN for fewer than 2 entries."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    n = x.shape[0]
    if n < 2:
        return float("nan")
    idxbits = _idxbits(n)
    if threads >= 2 and n >= PARALLEL_MIN:  # the two sorts side by side
        fut = _pool().submit(_sorted_keys, y, idxbits, "tau_native_ky")
        kx = _sorted_keys(x, idxbits, "tau_native_kx")
        ky = fut.result()
    else:
        kx = _sorted_keys(x, idxbits, "tau_native_kx")
        ky = _sorted_keys(y, idxbits, "tau_native_ky")
    return _pair(kx, x, prepare_y(y, idxbits, ky, tag="tau_native_y0"), idxbits, threads)


@_serialised
def tau_a_matrix(X: np.ndarray, Y: np.ndarray, threads: int = 2) -> np.ndarray:
    """(kx, ky) tau-a of every row of X with every row of Y (float64, no NaNs): each row sorted once."""
    X = np.ascontiguousarray(np.atleast_2d(X), dtype=np.float64)
    Y = np.ascontiguousarray(np.atleast_2d(Y), dtype=np.float64)
    if X.shape[0] == 1 and Y.shape[0] == 1:
        return np.array([[tau_a(X[0], Y[0], threads)]])
    n = X.shape[1]
    out = np.full((X.shape[0], Y.shape[0]), np.nan)
    if n < 2:
        return out
    idxbits = _idxbits(n)
    yprep = [prepare_y(y, idxbits) for y in Y]  # new arrays: a tag per row would keep them all after the call
    for i, x in enumerate(X):
        kx = _sorted_keys(x, idxbits, "tau_native_kx")
        for j in range(Y.shape[0]):
            out[i, j] = _pair(kx, x, yprep[j], idxbits, threads)
    return out


def sorted_keys(x: np.ndarray) -> np.ndarray:
    """Sorted packed keys of one float64 row (a new array, for reuse across calls: see :func:`tau_a_pairs`)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    return _sorted_keys(x, _idxbits(x.shape[0]), "tau_native_kx").copy()


def kept_counts(yprep, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """E (n + 1,): entries with positive weight below each rank of a prepared y (group bounds of the
    weighted count once the zero-weight entries are dropped)."""
    r = yprep[0]
    E = np.empty(r.shape[0] + 1, np.int64) if out is None else out
    _LIB.nv_kept_counts(_ptr(r), _ptr(w), r.shape[0], _ptr(E))
    return E


def prepare_x(x: np.ndarray, ncond: int = 0):
    """Per x row, for weighted comparisons: (sort order int32, the conditions of each pair in that order as
    i << 16 | j — only for an RDM of ``ncond`` > 0 conditions, else None —, the [start, end) runs of tied x
    (k, 2)). Reusable across resamples."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[0]
    if ncond and (ncond * (ncond - 1) // 2 != n or ncond >= 1 << 16):
        raise ValueError(f"{n} entries are not the pairs of fewer than 65536 conditions ({ncond} given)")
    idxbits = _idxbits(n)
    keys = _sorted_keys(x, idxbits, "tau_native_kx")
    ox = np.empty(n, np.int32)
    ij = np.empty(n, np.uint32) if ncond else None
    runs = _kernels.scratch("tau_native_runs", (n,), np.int64)
    scratch = _kernels.scratch("tau_native_idx", (n,), np.int64)
    nr = _LIB.nv_x_prepare(_ptr(keys), _ptr(x), n, idxbits, ncond, _ptr(ox), None if ij is None else _ptr(ij),
                           _ptr(runs), _ptr(scratch))
    if nr < 0:
        raise MemoryError("nv_x_prepare: out of memory")
    return ox, ij, runs[:2 * nr].reshape(nr, 2).copy()


def _pair_w(xprep, yprep, Ew: np.ndarray, n: int, counts=None, w=None) -> float:
    """tau-a of a prepared x and y under multiplicities: c_i c_j from condition ``counts`` (x prepared with
    its conditions), or ``w`` per entry; ``Ew``: the group bounds of the kept entries (:func:`kept_counts`)."""
    ox, ij, runs = xprep
    r = yprep[0]
    v = _kernels.scratch("tau_native_v", (n,), np.int32)
    vw = _kernels.scratch("tau_native_vw", (n,), np.int32)
    sums = np.zeros(4)
    use_c = counts is not None
    m = _LIB.nv_x_sequence_w(_ptr(ox), _ptr(ij) if use_c else None, _ptr(runs), runs.shape[0], _ptr(r),
                             _ptr(counts) if use_c else None, None if use_c else _ptr(w), n, _ptr(v), _ptr(vw),
                             _ptr(sums))
    return _finish_w(v, vw, m, sums, Ew, n)


def _finish_w(v, vw, m, sums, Ew, n) -> float:
    """tau-a from a weighted x-ordered sequence v[:m], vw[:m] (see :func:`_pair_w`)."""
    tx, txy, W, W2 = sums
    den = W * (W - 1.0) / 2.0
    if den <= 0:
        return float("nan")
    bv = _kernels.scratch("tau_native_buf", (n,), np.int32)
    bw = _kernels.scratch("tau_native_bufw", (n,), np.int32)
    nbits = _idxbits(n)
    simd = int(SIMD and W < 2 ** 31)  # the vector loop keeps running weights in int32 lanes
    tied = ctypes.c_int64(0)  # weight of the pairs tied in y, counted on the way
    d = _LIB.nv_count_w(_ptr(v), _ptr(vw), _ptr(bv), _ptr(bw), _ptr(Ew), n, nbits - 1, 0, 1 << nbits, simd,
                        ctypes.byref(tied))
    ty = float(tied.value)
    tot = (W * W - W2) / 2.0
    tau = (tot - tx - ty + txy - 2.0 * float(d)) / den
    return min(1.0, max(-1.0, tau))


@_serialised
def tau_a_pairs(X: np.ndarray, Y: np.ndarray, xi, yi, w=None, kx=None, yprep=None, threads: int = 2,
                counts=None, xprep=None):
    """tau-a of the row pairs (X[xi[t]], Y[yi[t]]), t = 0..len(xi)-1.

    Multiplicities (tau-a of the vector with entry p repeated that many times; 0 drops it): either ``w``
    (P,) non-negative integers per entry, or ``counts`` (n_conditions,): a bootstrap resample of the
    conditions, entry (i, j) of a condensed RDM then counting c_i c_j (faster: no gather of pair weights).
    Reusable across calls (computed when None): ``kx`` (:func:`sorted_keys` of X's rows; unweighted),
    ``xprep`` (:func:`prepare_x` of X's rows, with the number of conditions for ``counts``, without for
    ``w``) and ``yprep`` (:func:`prepare_y` of Y's rows). The pairs (and the preparation of rows) are split
    between ``threads`` (at most 2) threads.
    """
    X = np.ascontiguousarray(np.atleast_2d(X), dtype=np.float64)
    Y = np.ascontiguousarray(np.atleast_2d(Y), dtype=np.float64)
    xi = np.asarray(xi, dtype=np.int64)
    yi = np.asarray(yi, dtype=np.int64)
    n = X.shape[1]
    out = np.full(xi.shape[0], np.nan)
    if n < 2 or xi.shape[0] == 0:
        return out
    idxbits = _idxbits(n)
    mode = "plain" if w is None and counts is None else ("w" if counts is None else "counts")
    if w is not None and counts is not None:
        raise ValueError("give either w or counts, not both")
    if mode == "w":
        w = np.ascontiguousarray(w, dtype=np.float64)
        if w.shape != (n,):
            raise ValueError(f"weights must have shape ({n},); got {w.shape}")
        wmax = w.max(initial=0.0)
    elif mode == "counts":
        counts = np.ascontiguousarray(counts, dtype=np.float64)
        ncond = counts.shape[0]
        if ncond * (ncond - 1) // 2 != n:
            raise ValueError(f"{ncond} condition counts do not fit RDM vectors of {n} pairs")
        wmax = counts.max(initial=0.0) ** 2
    if mode != "plain" and wmax * 16 >= 2 ** 24:
        raise ValueError("multiplicities too large for the compiled tau-a kernel (pair weights must be < 2**20)")
    kx = list(kx) if kx is not None else [None] * X.shape[0]
    xprep = list(xprep) if xprep is not None else [None] * X.shape[0]
    yprep = list(yprep) if yprep is not None else [None] * Y.shape[0]
    Ew = [None] * Y.shape[0]

    def prep(items):
        for kind, i in items:
            if kind == "x":
                if mode == "plain":
                    kx[i] = sorted_keys(X[i])
                else:
                    xprep[i] = prepare_x(X[i], ncond if mode == "counts" else 0)
                continue
            if yprep[i] is None:
                yprep[i] = prepare_y(Y[i], idxbits, tag=f"tau_native_y{i}")
            Ei = None if mode == "plain" else _kernels.scratch(f"tau_native_Ew{i}", (n + 1,), np.int64)
            if mode == "w":
                Ew[i] = kept_counts(yprep[i], w, Ei)
            elif mode == "counts":
                _LIB.nv_kept_counts_c(_ptr(yprep[i][0]), _ptr(counts), ncond, n, _ptr(Ei))
                Ew[i] = Ei

    def run(ts):
        for t in ts:
            a, b = xi[t], yi[t]
            if mode == "plain":
                out[t] = _pair(kx[a], X[a], yprep[b], idxbits, 1)
            elif mode == "w":
                out[t] = _pair_w(xprep[a], yprep[b], Ew[b], n, w=w)
            else:
                out[t] = _pair_w(xprep[a], yprep[b], Ew[b], n, counts=counts)

    xs = kx if mode == "plain" else xprep
    todo = [("x", i) for i in np.unique(xi) if xs[i] is None] + \
        [("y", i) for i in np.unique(yi) if yprep[i] is None or mode != "plain"]
    order = np.arange(xi.shape[0])
    if threads >= 2 and n >= PARALLEL_MIN:
        for items, fn in ((todo, prep), (order, run)):
            if len(items) > 1:
                fut = _pool().submit(fn, items[1::2])
                fn(items[0::2])
                fut.result()
            else:
                fn(items)
    else:
        prep(todo)
        run(order)
    return out
