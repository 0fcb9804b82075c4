"""Representational dissimilarity matrices (RDMs) and their computation.

An RDM summarises a representation by the dissimilarity of the activity
patterns evoked by every pair of experimental conditions (stimuli)
(Kriegeskorte, Mur & Bandettini 2008, *Front. Syst. Neurosci.* 2:4).

:class:`RDM` holds a stack of ``k`` RDMs over the same ``n`` conditions in
condensed form (the upper triangle, in :func:`scipy.spatial.distance.squareform`
order, i.e. row-major over pairs ``(i, j)`` with ``i < j``).  :func:`rdm`
computes RDMs from activity patterns: correlation, cosine and euclidean RDMs
through one Gram product with the row transforms and distance step of
:mod:`neurovision.rsa.gram`, crossnobis RDMs (Walther et al. 2016) from
cross-validated, noise-whitened pattern differences.

This module is :mod:`neurovision.rsa.dissimilarity`; ``from neurovision.rsa
import RDM, rdm`` is the usual import.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Sequence

import numpy as np
from scipy.linalg import blas as _blas
from scipy.linalg import cholesky, solve_triangular

from .gram import METHODS as GRAM_METHODS
from .gram import distances_from_gram, prepare_rows
from .preprocessing import apply_rdm_steps, check_preprocessing, preprocess_patterns

__all__ = ["RDM", "rdm", "align", "check_same_ids", "noise_covariance", "n_from_pairs", "condensed_index"]


# ---------------------------------------------------------------------------
# helpers: condensed <-> square
# ---------------------------------------------------------------------------
def n_from_pairs(n_pairs: int) -> int:
    """Number of conditions ``n`` such that ``n * (n - 1) / 2 == n_pairs``.

    Raises ValueError if ``n_pairs`` is not a triangular number.
    """
    n = int(round((1 + np.sqrt(1 + 8 * n_pairs)) / 2))
    if n * (n - 1) // 2 != n_pairs:
        raise ValueError(
            f"length {n_pairs} is not n*(n-1)/2 for any integer n; "
            "not a condensed RDM vector")
    return n


def _square_to_condensed(mats: np.ndarray, out: Optional[np.ndarray] = None
                         ) -> np.ndarray:
    """(k, n, n) -> (k, n*(n-1)/2) upper triangle in squareform order.

    Row-block copies avoid materialising ``triu_indices`` (which for
    n = 5000 would cost 200 MB of index arrays).
    """
    k, n, _ = mats.shape
    p = n * (n - 1) // 2
    if out is None:
        out = np.empty((k, p), dtype=np.float64)
    pos = 0
    for i in range(n - 1):
        m = n - 1 - i
        out[:, pos:pos + m] = mats[:, i, i + 1:]
        pos += m
    return out


def _condensed_to_square(vecs: np.ndarray) -> np.ndarray:
    """(k, n*(n-1)/2) -> (k, n, n) symmetric with zero diagonal."""
    k, p = vecs.shape
    n = n_from_pairs(p)
    out = np.zeros((k, n, n), dtype=vecs.dtype)
    iu = np.triu_indices(n, 1)
    out[:, iu[0], iu[1]] = vecs
    out[:, iu[1], iu[0]] = vecs
    return out


def _triangular_hint(p: int) -> str:
    """Message part for a length ``p`` that is not n*(n-1)/2: the two triangular numbers around it."""
    n = max(int((1 + np.sqrt(1 + 8 * max(p, 0))) // 2), 1)
    lo, hi = n * (n - 1) // 2, (n + 1) * n // 2
    return f"{p} is not n*(n-1)/2 for any integer n (it lies between {lo} for n = {n} and {hi} for n = {n + 1})"


def _check_condensed_length(p: int, ids: Optional[np.ndarray], what: str) -> int:
    """Number of conditions of condensed vectors of length ``p``; ValueError unless ``p`` is triangular
    and matches ``ids`` (when given)."""
    try:
        n = n_from_pairs(p)
    except ValueError:
        raise ValueError(f"{what}: its length must be n*(n-1)/2 for n conditions; "
                         f"{_triangular_hint(p)}") from None
    if ids is not None and ids.shape[0] != n:
        m = ids.shape[0]
        raise ValueError(f"{what} of length {p}, i.e. {n} conditions, but stimulus_id has {m} entries "
                         f"({m} ids need length {m * (m - 1) // 2})")
    return n


def _parse_2d(a: np.ndarray, ids: Optional[np.ndarray], form: Optional[str]) -> np.ndarray:
    """A 2-D array as a (1, n, n) square stack or a (k, P) condensed stack (see :class:`RDM`, ``form``)."""
    r, c = a.shape
    if form == "square":
        if r != c:
            raise ValueError(f"form='square' needs an (n, n) array; got shape {a.shape}")
        return a[None]
    if form == "condensed":
        _check_condensed_length(c, ids, f"form='condensed' reads each of the {r} rows as a condensed RDM")
        return a
    if ids is not None:
        m = ids.shape[0]
        if r == c == m:
            return a[None]
        if c == m * (m - 1) // 2:
            return a
        raise ValueError(
            f"stimulus_id has {m} entries, so a 2-D RDM array must be square ({m}, {m}) or a stack of "
            f"condensed RDMs (k, {m * (m - 1) // 2}); got shape {a.shape}")
    if r == c:
        return a[None]
    try:
        n = n_from_pairs(c)
    except ValueError:
        raise ValueError(
            f"a 2-D RDM array must be square (n, n) or a stack (k, n*(n-1)/2) of condensed RDMs; got shape "
            f"{a.shape}: not square, and {_triangular_hint(c)}") from None
    if r < n:
        return a
    raise ValueError(
        f"a {r} x {c} array without stimulus_id is ambiguous: it reads as {r} condensed RDMs over {n} "
        f"conditions (more RDMs than conditions), or as a matrix whose {r} rows are conditions but which is "
        f"not square (a square RDM over {r} conditions is ({r}, {r}); activity patterns go to rdm()). "
        "Pass stimulus_id (its length decides the form) or form='condensed' / form='square'")


# ---------------------------------------------------------------------------
# RDM container
# ---------------------------------------------------------------------------
class RDM:
    """A stack of ``k`` RDMs over the same ``n`` conditions.

    Parameters
    ----------
    dissimilarities : array_like
        One of: a single condensed vector ``(n*(n-1)/2,)``, a square
        ``(n, n)`` matrix, a stack of square matrices ``(k, n, n)`` or a stack
        of condensed vectors ``(k, n*(n-1)/2)``.  Condensed vectors hold the
        upper triangle in :func:`scipy.spatial.distance.squareform` order.
        Square input must be symmetric with a zero diagonal (diagonal entries
        within 1e-12 of zero are set to 0).
    stimulus_id : sequence of str, optional
        Unique condition ids, length ``n``; default ``"0" .. "n-1"``.  For a
        2-D array its length decides the form: ``(n, n)`` is one square RDM,
        ``(k, n*(n-1)/2)`` a stack of condensed RDMs.
    descriptors : mapping str -> sequence, optional
        Per-RDM descriptors (e.g. ``{"subject": [...], "layer": [...]}``),
        each of length ``k``.
    form : {"square", "condensed"}, optional
        How to read a 2-D array.  Without it (and without ``stimulus_id``) a
        square 2-D array is one square RDM, and a non-square ``(k, P)`` array
        is read as ``k`` condensed RDMs only when that reading is unambiguous:
        ``P = n*(n-1)/2`` and there are fewer RDMs than conditions
        (``k < n``).  Any other non-square 2-D array, such as a ``(92, 91)``
        array that could be 92 condensed RDMs over 14 conditions or a
        92-condition matrix that is not square, raises ValueError: pass
        ``stimulus_id`` or ``form``.  ``form="condensed"`` also reads a square
        ``(k, k)`` array as ``k`` condensed RDMs.

    Raises
    ------
    ValueError
        On NaN/inf values, fewer than 3 conditions, non-symmetric square
        input or a nonzero diagonal, a vector length that is not
        ``n*(n-1)/2``, an ambiguous 2-D shape (see ``form``), or
        ids/descriptors whose lengths do not match the RDMs.

    Notes
    -----
    Comparisons (:func:`neurovision.rsa.compare`) require identical
    ``stimulus_id`` (same ids, same order); use :func:`align` or
    :meth:`subset` to align.
    """

    __slots__ = ("_d", "_ids", "descriptors")

    def __init__(self, dissimilarities, stimulus_id=None, descriptors=None,
                 *, form: Optional[str] = None, _validated: bool = False):
        ids = None
        if stimulus_id is not None:
            ids = np.asarray(stimulus_id).astype(str).ravel()
        if _validated:
            d = dissimilarities
        else:
            d = self._parse(dissimilarities, ids, form)
        n = n_from_pairs(d.shape[1])
        if n < 3:
            raise ValueError(f"an RDM needs at least 3 conditions, got {n}")
        self._d = d
        if ids is None:
            ids = np.array([str(i) for i in range(n)])
        else:
            if ids.shape[0] != n:
                raise ValueError(
                    f"stimulus_id has {ids.shape[0]} entries but the RDM has {n} conditions "
                    f"(condensed length {d.shape[1]}; {ids.shape[0]} ids need "
                    f"{ids.shape[0] * (ids.shape[0] - 1) // 2})")
            if not _validated and len(set(ids.tolist())) != n:
                raise ValueError("stimulus_id entries must be unique")
        self._ids = ids
        k = d.shape[0]
        desc: Dict[str, list] = {}
        if descriptors is not None:
            for key, val in dict(descriptors).items():
                val = list(np.asarray(val, dtype=object).ravel()) \
                    if not isinstance(val, (list, tuple)) else list(val)
                if len(val) == 1 and k != 1:
                    val = val * k
                if len(val) != k:
                    raise ValueError(
                        f"descriptor {key!r} has {len(val)} entries but there "
                        f"are {k} RDMs")
                desc[str(key)] = val
        self.descriptors = desc

    @staticmethod
    def _parse(x, ids: Optional[np.ndarray] = None, form: Optional[str] = None) -> np.ndarray:
        """Condensed (k, P) float64 copy of ``x`` (see the class docstring for the accepted forms)."""
        if form not in (None, "square", "condensed"):
            raise ValueError(f"form must be 'square', 'condensed' or None, got {form!r}")
        if isinstance(x, RDM):
            return x._d.copy()
        a = np.asarray(x, dtype=np.float64)
        if a.ndim == 1:
            if form == "square":
                raise ValueError(f"form='square' needs an (n, n) or (k, n, n) array; got a 1-D vector of "
                                 f"length {a.shape[0]}")
            _check_condensed_length(a.shape[0], ids, "a 1-D RDM is a condensed vector")
            a = a[None, :]
        elif a.ndim == 2:
            a = _parse_2d(a, ids, form)
        elif a.ndim == 3:
            if form == "condensed":
                raise ValueError(f"form='condensed' needs a (P,) or (k, P) array; got shape {a.shape}")
        else:
            raise ValueError(
                f"dissimilarities must be (n,n), (k,n,n), (k,P) or (P,); got "
                f"shape {a.shape}")
        if a.ndim == 3:
            if a.shape[1] != a.shape[2]:
                raise ValueError(
                    f"3-D input must be a (k, n, n) stack, got {a.shape}")
            if ids is not None and a.shape[1] != ids.shape[0]:
                raise ValueError(f"stimulus_id has {ids.shape[0]} entries but the square RDMs are "
                                 f"{a.shape[1]} x {a.shape[2]}")
            if not np.all(np.isfinite(a)):
                raise ValueError("RDM contains NaN or infinite values")
            # a diagonal within 1e-12 of zero (e.g. 1 - np.corrcoef leaves
            # ~1e-16 there) is set to exactly 0; larger ones are rejected
            diag = np.diagonal(a, axis1=1, axis2=2)
            if np.any(np.abs(diag) > 1e-12):
                raise ValueError("square RDM has a nonzero diagonal")
            scale = max(np.max(np.abs(a)), 1e-300)
            if not np.allclose(a, np.swapaxes(a, 1, 2), rtol=1e-10,
                               atol=1e-12 * scale):
                raise ValueError("square RDM is not symmetric")
            return _square_to_condensed(a)
        if not np.all(np.isfinite(a)):
            raise ValueError("RDM contains NaN or infinite values")
        return np.ascontiguousarray(a)

    # -- basic properties --------------------------------------------------
    @property
    def dissimilarities(self) -> np.ndarray:
        """(k, n*(n-1)/2) float64, upper triangle in ``squareform`` order."""
        return self._d

    @property
    def stimulus_id(self) -> np.ndarray:
        """Condition ids, array of str with length n."""
        return self._ids

    @property
    def n_rdms(self) -> int:
        return self._d.shape[0]

    @property
    def n_conditions(self) -> int:
        return self._ids.shape[0]

    @property
    def n_pairs(self) -> int:
        return self._d.shape[1]

    @property
    def matrix(self) -> np.ndarray:
        """Square form: (n, n) if one RDM else (k, n, n)."""
        m = _condensed_to_square(self._d)
        return m[0] if self.n_rdms == 1 else m

    def __array__(self, dtype=None, copy=None):
        m = self.matrix
        return m if dtype is None else m.astype(dtype)

    def __len__(self) -> int:
        return self.n_rdms

    def __iter__(self):
        for i in range(self.n_rdms):
            yield self[i]

    def __getitem__(self, idx) -> "RDM":
        if isinstance(idx, (int, np.integer)):
            idx = [int(idx) % self.n_rdms if idx < 0 else int(idx)]
            if idx[0] >= self.n_rdms:
                raise IndexError("RDM index out of range")
        sel = np.arange(self.n_rdms)[idx]
        sel = np.atleast_1d(sel)
        d = self._d[sel]
        desc = {k: [v[i] for i in sel] for k, v in self.descriptors.items()}
        return RDM(d, self._ids, desc, _validated=True)

    def __repr__(self) -> str:
        desc = ", ".join(self.descriptors) or "none"
        return (f"RDM(n_rdms={self.n_rdms}, n_conditions={self.n_conditions},"
                f" descriptors: {desc})")

    # -- manipulation --------------------------------------------------------
    def subset(self, stimulus_ids: Sequence | np.ndarray) -> "RDM":
        """RDM restricted to, and reordered as, ``stimulus_ids``.

        Raises ValueError for repeated ids, fewer than 3 ids, or ids this RDM
        does not have (the message lists up to 10 of them and a few of the
        ids it has).
        """
        want = np.asarray(stimulus_ids).astype(str).ravel()
        if len(set(want.tolist())) != want.shape[0]:
            raise ValueError("subset: stimulus ids must be unique")
        lookup = {s: i for i, s in enumerate(self._ids.tolist())}
        missing = [s for s in want.tolist() if s not in lookup]
        if missing:
            listed = "" if len(missing) <= 10 else " (first 10 listed)"
            raise ValueError(
                f"subset: this RDM has no stimulus ids {missing[:10]}{listed}: {len(missing)} of the "
                f"{want.shape[0]} requested are missing (it has {self.n_conditions} ids, e.g. "
                f"{self._ids[:3].tolist()})")
        if want.shape[0] < 3:
            raise ValueError("subset: an RDM needs at least 3 conditions")
        idx = np.array([lookup[s] for s in want.tolist()], dtype=np.intp)
        return RDM(self.take(idx), want, self.descriptors, _validated=True)

    def take(self, idx: np.ndarray) -> np.ndarray:
        """Condensed (k, m*(m-1)/2) entries for condition indices ``idx``.

        Repeated indices are allowed (pairs of a condition with itself give
        0); used internally by resampling.
        """
        idx = np.asarray(idx, dtype=np.intp)
        i, j = np.triu_indices(idx.shape[0], 1)
        return self._d[:, condensed_index(idx[i], idx[j], self.n_conditions)]

    def mean(self) -> "RDM":
        """Average of the stack, an RDM with k = 1.

        Descriptors that are constant over the stack are kept.
        """
        desc = {}
        for k, v in self.descriptors.items():
            if all(x == v[0] for x in v):
                desc[k] = [v[0]]
        return RDM(self._d.mean(axis=0, keepdims=True), self._ids, desc,
                   _validated=True)

    @staticmethod
    def concat(rdms: Iterable["RDM"]) -> "RDM":
        """Stack several RDM objects over the same conditions."""
        rdms = list(rdms)
        if not rdms:
            raise ValueError("concat: nothing to concatenate")
        ids = rdms[0].stimulus_id
        for r in rdms[1:]:
            check_same_ids(rdms[0], r)
        keys = set(rdms[0].descriptors)
        for r in rdms[1:]:
            keys &= set(r.descriptors)
        desc = {k: sum((r.descriptors[k] for r in rdms), []) for k in keys}
        return RDM(np.concatenate([r._d for r in rdms]), ids, desc,
                   _validated=True)

    # -- xarray ------------------------------------------------------------
    @classmethod
    def from_xarray(cls, da) -> "RDM":
        """Build from a DataArray with dims ``(..., "stimulus_id", "stimulus_id_2")``.

        This is the layout :meth:`to_xarray` writes (and the data RDMs of the
        benchmarks use): two dims of equal length ``n`` that index the
        conditions, found by name and moved last if they are not.  Condition
        ids come from the ``stimulus_id`` coordinate (else from
        ``stimulus_id_2``, else ``"0" .. "n-1"``); when both coordinates are
        present they must list the same ids in the same order.  Any other dims
        are flattened (C order) into the RDM stack and their coordinates
        become descriptors.

        Raises
        ------
        ValueError
            If either dim is missing (the message names the dims found), the
            two dims differ in length, or their coordinates disagree.
        """
        d1, d2 = "stimulus_id", "stimulus_id_2"
        dims = tuple(da.dims)
        if d1 not in dims or d2 not in dims:
            raise ValueError(
                f"from_xarray: expected dims (..., {d1!r}, {d2!r}), two dims indexing the conditions as "
                f"RDM.to_xarray writes them; got dims {dims}")
        lead = tuple(d for d in dims if d not in (d1, d2))
        if dims[-2:] != (d1, d2):
            da = da.transpose(*lead, d1, d2)
        n = da.sizes[d1]
        if da.sizes[d2] != n:
            raise ValueError(
                f"from_xarray: dims {d1!r} ({n}) and {d2!r} ({da.sizes[d2]}) differ in length")
        ids = None
        for c in (d1, d2):
            if c in da.coords and da.coords[c].dims == (c,):
                v = np.asarray(da.coords[c].values).astype(str)
                if ids is None:
                    ids = v
                elif not np.array_equal(ids, v):
                    raise ValueError(
                        f"from_xarray: coordinates {d1!r} and {d2!r} list different ids (or orders), e.g. "
                        f"{ids[:3].tolist()} vs {v[:3].tolist()}")
        vals = np.asarray(da.values, dtype=np.float64).reshape(-1, n, n)
        k = vals.shape[0]
        desc = {}
        if lead:
            shape = tuple(da.sizes[d] for d in lead)
            grid = np.unravel_index(np.arange(k), shape)
            for ax, dname in enumerate(lead):
                for c in da.coords:
                    cdims = da.coords[c].dims
                    if cdims == (dname,):
                        v = np.asarray(da.coords[c].values)
                        desc[str(c)] = [v[g].item() if hasattr(v[g], "item")
                                        else v[g] for g in grid[ax]]
                if dname not in desc:
                    desc[str(dname)] = list(grid[ax])
        return cls(vals, ids, desc)

    def to_xarray(self):
        """DataArray with dims ("rdm", "stimulus_id", "stimulus_id_2")."""
        import xarray as xr  # lazy: xarray (with pandas) is only needed here; `import neurovision.rsa` stays light
        m = _condensed_to_square(self._d)
        coords: Dict[str, Any] = {
            "stimulus_id": ("stimulus_id", self._ids),
            "stimulus_id_2": ("stimulus_id_2", self._ids),
        }
        for k, v in self.descriptors.items():
            coords[k] = ("rdm", np.asarray(v, dtype=object))
        return xr.DataArray(m, dims=("rdm", "stimulus_id", "stimulus_id_2"),
                            coords=coords)


def condensed_index(i, j, n: int):
    """Position of pair (i, j), i != j, in a condensed vector of n conditions.

    Where ``i == j`` the result is meaningless; callers mask those pairs.
    """
    i = np.asarray(i, dtype=np.intp)
    j = np.asarray(j, dtype=np.intp)
    a = np.minimum(i, j)
    b = np.maximum(i, j)
    return a * n - a * (a + 1) // 2 + (b - a - 1)


def check_same_ids(a: RDM, b: RDM) -> None:
    """ValueError unless ``a`` and ``b`` have identical stimulus ids in the same order.

    The message says whether the id sets differ (listing up to 5 ids only in each) or only their order;
    :func:`align` or :meth:`RDM.subset` align them. Every comparison of two RDM objects checks this first.
    """
    ia, ib = a.stimulus_id, b.stimulus_id
    if ia.shape == ib.shape and np.array_equal(ia, ib):
        return
    sa, sb = set(ia.tolist()), set(ib.tolist())
    if sa != sb:
        only_a = sorted(sa - sb)[:5]
        only_b = sorted(sb - sa)[:5]
        raise ValueError(
            "RDMs have different stimulus_id sets "
            f"({len(ia)} vs {len(ib)} conditions; only in first: {only_a}, "
            f"only in second: {only_b}); align them with RDM.subset(ids)")
    raise ValueError(
        "RDMs have the same stimulus ids in a different order; align them "
        "with RDM.subset(other.stimulus_id)")


def align(a: RDM, b: RDM, names: Sequence[str] = ("model", "data")) -> "tuple[RDM, RDM]":
    """``(a, b)`` with ``b`` restricted to, and reordered as, ``a``'s stimulus ids.

    Strict: every stimulus id of ``a`` must be in ``b`` (``b`` may have more,
    which are dropped); ``a`` is returned unchanged.

    Parameters
    ----------
    a, b : RDM
        E.g. model RDMs and data RDMs.
    names : (str, str)
        What ``a`` and ``b`` are, for the error message.

    Raises
    ------
    ValueError
        ``"the data RDMs lack N of the model's stimulus ids: [...]"`` (up to
        10 listed) when ``b`` lacks ids of ``a``; when ``b`` also has ids
        ``a`` lacks, the message lists those too.
    """
    if not isinstance(a, RDM) or not isinstance(b, RDM):
        raise TypeError("align expects two RDM objects")
    na, nb = names
    ia, ib = a.stimulus_id.tolist(), b.stimulus_id.tolist()
    sa, sb = set(ia), set(ib)
    lack = [s for s in ia if s not in sb]
    if not lack:
        return a, (b if ia == ib else b.subset(ia))
    extra = [s for s in ib if s not in sa]

    def _listed(v):
        return f"{v[:10]}" + (" (first 10 listed)" if len(v) > 10 else "")

    msg = f"the {nb} RDMs lack {len(lack)} of the {na}'s stimulus ids: {_listed(lack)}"
    if extra:
        msg += f"; and the {nb} RDMs have {len(extra)} stimulus ids the {na} lacks: {_listed(extra)}"
    raise ValueError(msg)


# ---------------------------------------------------------------------------
# computing RDMs from patterns
# ---------------------------------------------------------------------------
def _as_patterns(patterns, stimulus_id):
    """Return (array, ids) from numpy or xarray input.

    A DataArray must have a ``presentation`` dim (moved first when it is
    not); its condition ids come from a ``stimulus_id`` coordinate on
    ``presentation`` (also as a MultiIndex level), else from a plain
    ``presentation`` coordinate, else ``"0" .. "n-1"``.  Repeated
    presentations of a stimulus are averaged (ids in order of first
    appearance).  An explicit ``stimulus_id`` argument overrides the
    coordinates and disables the averaging.
    """
    try:
        import xarray as xr  # lazy: only DataArray input needs xarray; `import neurovision.rsa` stays light
        is_xr = isinstance(patterns, xr.DataArray)
    except ImportError:  # pragma: no cover
        is_xr = False
    if is_xr:
        da = patterns
        if "presentation" not in da.dims:
            raise ValueError(
                "rdm: a DataArray of patterns needs a 'presentation' dim (one entry per stimulus "
                f"presentation, e.g. dims ('presentation', 'neuroid')); got dims {tuple(da.dims)}")
        if da.dims[0] != "presentation":
            da = da.transpose("presentation", ...)
        if da.ndim != 2:
            raise ValueError(
                f"rdm: patterns must be ('presentation', 'neuroid'); got dims {tuple(da.dims)} "
                "(use rdm_timecourse for one RDM per time bin)")
        x = np.asarray(da.values, dtype=np.float64)
        sid_da = None
        if stimulus_id is None:
            # item access also finds stimulus_id as a MultiIndex level, which
            # older xarray (2022.x) does not list in ``da.coords``
            try:
                sid_da = da["stimulus_id"]
            except KeyError:
                sid_da = None
            if sid_da is None or sid_da.dims != ("presentation",):
                sid_da = None
                idx = da.indexes.get("presentation") if "presentation" in da.coords else None
                if idx is not None and getattr(idx, "nlevels", 1) == 1:
                    sid_da = da["presentation"]
        if sid_da is not None:
            sid = np.asarray(sid_da.values).astype(str)
            uniq, first, inv = np.unique(sid, return_index=True,
                                         return_inverse=True)
            if uniq.shape[0] != sid.shape[0]:
                order = np.argsort(first)
                rank = np.empty_like(order)
                rank[order] = np.arange(order.shape[0])
                g = rank[inv]
                sums = np.zeros((uniq.shape[0],) + x.shape[1:])
                np.add.at(sums, g, x)
                cnt = np.bincount(g, minlength=uniq.shape[0])
                x = sums / cnt.reshape((-1,) + (1,) * (x.ndim - 1))
                sid = uniq[order]
            stimulus_id = sid
        return x, stimulus_id
    return np.asarray(patterns, dtype=np.float64), stimulus_id


def _check_patterns(x: np.ndarray) -> None:
    """ValueError unless ``x`` is ``(n_conditions, n_channels)`` with at least 3 conditions (NaN/inf values
    are found by :func:`neurovision.rsa.gram.prepare_rows`)."""
    if x.ndim != 2:
        raise ValueError(
            f"patterns must be (n_conditions, n_channels), got {x.shape}")
    if x.shape[0] < 3:
        raise ValueError(
            f"need at least 3 conditions to form an RDM, got {x.shape[0]}")


def _gram_condensed(z: np.ndarray, dtype) -> np.ndarray:
    """Condensed upper triangle of z @ z.T, via a symmetric rank-k update.

    ``syrk`` does half the flops of a GEMM.  ``dtype`` float32 uses single
    precision BLAS (about 1e-7 relative error).
    """
    if dtype == np.float32:
        zz = np.asarray(z, dtype=np.float32, order="C")
        # C-order z (n, c) is the Fortran-order matrix z.T (c, n), so
        # trans=1 yields z @ z.T without a copy.
        g = _blas.ssyrk(1.0, zz.T, trans=1, lower=1)
    else:
        zz = np.asarray(z, dtype=np.float64, order="C")
        g = _blas.dsyrk(1.0, zz.T, trans=1, lower=1)
    # g (Fortran order) has its lower triangle filled, so the C-contiguous
    # g.T has the upper triangle filled: row i of the condensed vector is the
    # contiguous slice g.T[i, i+1:].
    return _square_to_condensed(g.T[None])[0]


def _rdm_from_gram(x, ids, method, dtype=np.float64, normalize=True):
    """correlation, cosine or euclidean RDM (condensed) of float64 patterns ``x`` (n, c): the row transform
    and distance step of :mod:`neurovision.rsa.gram` around one Gram product (:func:`_gram_condensed`).

    correlation: 1 - Pearson r (Kriegeskorte 2008); cosine: 1 - cosine similarity; euclidean: squared
    distance, divided by n_channels if ``normalize`` (rsatoolbox's 'euclidean' RDM).
    """
    z, sq = prepare_rows(x, method, ids)
    g = _gram_condensed(z, dtype)
    if sq is None:
        return distances_from_gram(g, method, out=g)
    i, j = np.triu_indices(x.shape[0], 1)
    return distances_from_gram(g, method, sq[i], sq[j], n_channels=x.shape[1], normalize=normalize, out=g)


def noise_covariance(residuals: np.ndarray, dof: Optional[int] = None,
                     shrinkage: str = "diag") -> np.ndarray:
    """Shrinkage estimate of the noise covariance over channels.

    ``residuals`` is (n_obs, n_channels), assumed zero-mean per channel.
    ``shrinkage="diag"`` shrinks the sample covariance toward its diagonal
    with the analytic optimal intensity of Schäfer & Strimmer (2005) (a
    Ledoit-Wolf-type estimator applied to the correlation matrix), as used
    for crossnobis RDMs by Walther et al. (2016, NeuroImage 137:188).
    ``shrinkage="eye"`` shrinks toward a scaled identity (Ledoit & Wolf
    2004); ``"none"`` returns the sample covariance.

    Returns (n_channels, n_channels).
    """
    r = np.asarray(residuals, dtype=np.float64)
    r = r - r.mean(axis=0, keepdims=True)
    n_obs, n_ch = r.shape
    if dof is None:
        dof = n_obs - 1
    xtx = r.T @ r
    if shrinkage == "none":
        return xtx / dof
    if shrinkage == "diag":
        s = xtx / dof
        var = np.diag(s).copy()
        if np.any(var <= 0):
            raise ValueError("noise_covariance: a channel has zero variance")
        std = np.sqrt(var)
        r2 = r * r
        s2 = r2.T @ r2  # sum over obs of x_i^2 x_j^2
        inv_std = 1.0 / std
        s_mean = xtx * inv_std[None, :] * inv_std[:, None] / (n_obs - 1)
        s2_mean = s2 * (inv_std ** 2)[None, :] * (inv_std ** 2)[:, None] \
            / (n_obs - 1)
        var_hat = n_obs / dof ** 2 * (s2_mean - s_mean ** 2)
        off = ~np.eye(n_ch, dtype=bool)
        lam = np.sum(var_hat[off]) / np.sum(s_mean[off] ** 2)
        lam = min(max(lam, 0.0), 1.0)
        out = s * (1.0 - lam)
        np.fill_diagonal(out, var)
        return out
    if shrinkage == "eye":
        s = xtx / n_obs
        r2 = r * r
        b2 = np.sum((r2.T @ r2) / n_obs - s * s) / n_obs
        m = np.trace(s) / n_ch
        d2 = np.sum((s - m * np.eye(n_ch)) ** 2)
        b2 = min(d2, b2)
        out = (b2 / d2) * m * np.eye(n_ch) + ((d2 - b2) / d2) * s
        return out * n_obs / dof
    raise ValueError(f"unknown shrinkage {shrinkage!r}; use diag, eye, none")


def _rdm_crossnobis(x, noise=None, shrinkage="diag"):
    """Crossnobis (cross-validated Mahalanobis) distance, Walther et al. 2016.

    ``x`` is (n_partitions, n_conditions, n_channels).  With difference
    vectors d_ij^(p) = x[p, i] - x[p, j], the distance is the mean over
    pairs of different partitions p != q of d^(p)^T Sigma^-1 d^(q) /
    n_channels.  Sigma is ``noise`` (a covariance matrix) if given, else a
    shrinkage estimate (:func:`noise_covariance`) from the residuals of each
    partition's patterns around the per-condition mean, with
    dof = n_conditions * (n_partitions - 1).
    """
    n_part, n_cond, n_ch = x.shape
    if n_part < 2:
        raise ValueError("crossnobis needs at least 2 partitions")
    if noise is None:
        res = (x - x.mean(axis=0, keepdims=True)).reshape(-1, n_ch)
        noise = noise_covariance(res, dof=n_cond * (n_part - 1),
                                 shrinkage=shrinkage)
    noise = np.asarray(noise, dtype=np.float64)
    if noise.shape != (n_ch, n_ch):
        raise ValueError(f"noise must be ({n_ch}, {n_ch}), got {noise.shape}")
    # whiten: Sigma^-1 = L^-T L^-1 with Sigma = L L^T
    lo = cholesky(noise, lower=True)
    w = solve_triangular(lo, x.reshape(-1, n_ch).T, lower=True).T
    w = w.reshape(n_part, n_cond, n_ch)
    # sum over p != q of a_p^T b_q = (sum_p a_p)^T (sum_q b_q) - sum_p a_p^T b_p
    tot = w.sum(axis=0)
    k_all = tot @ tot.T
    k_same = np.einsum("pic,pjc->ij", w, w)
    k = (k_all - k_same) / (n_part * (n_part - 1))
    dg = np.diag(k)
    i, j = np.triu_indices(n_cond, 1)
    return (dg[i] + dg[j] - k[i, j] - k[j, i]) / n_ch


_RDM_METHODS = (*GRAM_METHODS, "crossnobis")


def rdm(patterns, method: str = "correlation", stimulus_id=None, *,
        dtype=np.float64, normalize: bool = True, noise=None,
        shrinkage: str = "diag", descriptors=None, preprocessing=(), backend: str = "numpy", device=None) -> RDM:
    """Compute an RDM from activity patterns (Kriegeskorte et al. 2008).

    Parameters
    ----------
    patterns : ndarray or xarray.DataArray
        ``(n_conditions, n_channels)``.  A DataArray must have a
        ``presentation`` dim (ValueError naming the dims found otherwise);
        ``(neuroid, presentation)`` is transposed.  Its condition ids come
        from the ``stimulus_id`` coordinate on ``presentation`` (else a plain
        ``presentation`` coordinate); repeated presentations are averaged.  For
        ``"crossnobis"``: ``(n_partitions, n_conditions, n_channels)`` (or a
        DataArray whose first dim is the partition dim).
    method : {"correlation", "euclidean", "cosine", "crossnobis"}
        correlation: 1 - Pearson r; euclidean: squared Euclidean distance
        (divided by n_channels when ``normalize``, as rsatoolbox does);
        cosine: 1 - cosine similarity; crossnobis: see Walther et al. 2016.
    dtype : np.float64 or np.float32
        Precision of the Gram matrix product.  float32 is ~2x faster and
        accurate to ~1e-7.
    noise : ndarray, optional
        Noise covariance (n_channels, n_channels) for crossnobis.
    preprocessing : sequence of steps, optional
        :mod:`neurovision.rsa.preprocessing`: ``"standardize"``, ``"cocktail_blank"``, ``("pca", k)``,
        ``("random_projection", k[, seed])`` transform the patterns before the RDM, ``"rdm_double_center"``
        the RDM after it. Default ``()``: none. Not for crossnobis.
    backend, device : ``"numpy"`` (default) or ``"torch"`` on ``device`` (``"cpu"``, ``"cuda"``, ``"mps"``, …):
        correlation / euclidean / cosine RDMs by :func:`neurovision.rsa.torch_backend.condensed_rdm` (equal to the
        numpy path within 1e-6 in float32, 1e-10 in float64; pass ``dtype=np.float32`` for speed on a GPU).

    Returns
    -------
    RDM with one dissimilarity vector.
    """
    if method not in _RDM_METHODS:
        raise ValueError(f"unknown RDM method {method!r}; choose from "
                         f"{sorted(_RDM_METHODS)}")
    dtype = np.dtype(dtype).type
    steps = check_preprocessing(preprocessing)
    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend must be 'numpy' or 'torch'; got {backend!r}")
    if backend == "numpy" and device is not None:
        raise ValueError("device= needs backend='torch'")
    if backend == "torch" and (method == "crossnobis" or steps):
        raise ValueError("backend='torch' computes correlation, cosine and euclidean RDMs without preprocessing")
    if steps and method == "crossnobis":
        raise ValueError("preprocessing is not available for crossnobis RDMs (they whiten the patterns themselves)")
    if method == "crossnobis":
        x, stimulus_id = _crossnobis_input(patterns, stimulus_id)
        if not np.all(np.isfinite(x)):
            raise ValueError("patterns contain NaN/inf")
        if x.shape[1] < 3:
            raise ValueError("need at least 3 conditions to form an RDM")
        d = _rdm_crossnobis(x, noise=noise, shrinkage=shrinkage)
    else:
        x, stimulus_id = _as_patterns(patterns, stimulus_id)
        _check_patterns(x)
        if steps:
            x = preprocess_patterns(x, steps)
        if backend == "torch":
            import torch

            from .torch_backend import condensed_rdm
            tdtype = torch.float32 if dtype == np.float32 else torch.float64
            d = condensed_rdm(x, method, device=device, dtype=tdtype, normalize=normalize).double().cpu().numpy()
        else:
            d = _rdm_from_gram(x, stimulus_id, method, dtype=dtype, normalize=normalize)
        if steps:
            d = apply_rdm_steps(d, steps)
    return RDM(d.reshape(1, -1), stimulus_id, descriptors)


def _crossnobis_input(patterns, stimulus_id):
    try:
        import xarray as xr  # lazy: only DataArray input needs xarray; `import neurovision.rsa` stays light
        if isinstance(patterns, xr.DataArray):
            da = patterns
            if stimulus_id is None and "stimulus_id" in da.coords:
                stimulus_id = np.asarray(da.coords["stimulus_id"].values)
            patterns = da.values
    except ImportError:  # pragma: no cover
        pass
    x = np.asarray(patterns, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(
            "crossnobis needs patterns (n_partitions, n_conditions, "
            f"n_channels), got shape {x.shape}")
    return x, stimulus_id
