"""Input handling shared by every similarity measure: two representations of the same stimuli.

A representation is ``(n_stimuli, n_units)``: a numpy array, or an ``xarray.DataArray`` with dims
``("presentation", "neuroid")`` (``("neuroid", "presentation")`` is transposed) and a ``stimulus_id``
coordinate on ``presentation``. Two DataArrays are matched by ``stimulus_id`` (the second is reordered to the
first; ids present in only one of them are named in one ValueError). Otherwise rows are matched by position and
the row counts must agree.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import ConstantRepresentationWarning

__all__ = ["ConstantRepresentationWarning", "Pair", "as_pair", "checked_pair", "center", "is_constant",
           "warn_constant"]


def warn_constant(method: str, which: str, stacklevel: int = 3) -> None:
    """Emit one :class:`ConstantRepresentationWarning` for ``method`` naming ``which`` ("X", "Y" or "X and Y")."""
    warnings.warn(ConstantRepresentationWarning(
        f"{method}: {which} has no variance across stimuli (every unit constant); the measure is undefined "
        "and NaN is returned"), stacklevel=stacklevel)


class Pair:
    """Two matched representations ``x`` (n, p1) and ``y`` (n, p2), float64, and the stimulus ids (n,) or None."""

    __slots__ = ("x", "y", "stimulus_id")

    def __init__(self, x: np.ndarray, y: np.ndarray, stimulus_id: np.ndarray | None):
        self.x, self.y, self.stimulus_id = x, y, stimulus_id


def _is_dataarray(a) -> bool:
    try:
        import xarray as xr
    except ImportError:  # pragma: no cover
        return False
    return isinstance(a, xr.DataArray)


def _from_dataarray(da, name: str) -> tuple[np.ndarray, np.ndarray]:
    if set(da.dims) != {"presentation", "neuroid"}:
        raise ValueError(f"{name}: a DataArray must have dims ('presentation', 'neuroid'); got {tuple(da.dims)}")
    da = da.transpose("presentation", "neuroid")
    try:
        sid = da["stimulus_id"]
    except KeyError:
        sid = None
    if sid is None or sid.dims != ("presentation",):
        raise ValueError(f"{name}: a DataArray needs a 'stimulus_id' coordinate on 'presentation'")
    ids = np.asarray(sid.values).astype(str)
    uniq, counts = np.unique(ids, return_counts=True)
    if uniq.size != ids.size:
        rep = uniq[counts > 1]
        shown = ", ".join(map(repr, rep[:5])) + (f", ... ({rep.size} in all)" if rep.size > 5 else "")
        raise ValueError(f"{name}: stimulus_id values repeat ({shown}); average repeated presentations first, "
                         "e.g. da.groupby('stimulus_id').mean()")
    return np.asarray(da.values, dtype=np.float64), ids


def _as_matrix(a, name: str) -> np.ndarray:
    x = np.asarray(a, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_stimuli, n_units); got shape {x.shape}")
    if x.shape[1] == 0:
        raise ValueError(f"{name} has no units (shape {x.shape})")
    return x


def _listed(ids: np.ndarray) -> str:
    ids = np.asarray(ids)
    return ", ".join(map(repr, ids[:5].tolist())) + (f", ... ({ids.size} in all)" if ids.size > 5 else "")


def as_pair(X, Y, min_stimuli: int = 3) -> Pair:
    """Match ``X`` and ``Y`` by stimulus (see module docstring) and check them.

    ValueError for: not 2-D, no units, NaN/inf values, fewer than ``min_stimuli`` stimuli, unequal row counts
    (arrays), ids present in only one of two DataArrays, repeated ids, wrong dims.
    """
    ids_x: np.ndarray | None = None
    ids_y: np.ndarray | None = None
    ids: np.ndarray | None
    if _is_dataarray(X):
        x, ids_x = _from_dataarray(X, "X")
    else:
        x = _as_matrix(X, "X")
    if _is_dataarray(Y):
        y, ids_y = _from_dataarray(Y, "Y")
    else:
        y = _as_matrix(Y, "Y")
    x, y = _as_matrix(x, "X"), _as_matrix(y, "Y")
    if ids_x is not None and ids_y is not None:
        only_x = np.setdiff1d(ids_x, ids_y)
        only_y = np.setdiff1d(ids_y, ids_x)
        if only_x.size or only_y.size:
            parts = []
            if only_x.size:
                parts.append(f"only in X: {_listed(only_x)}")
            if only_y.size:
                parts.append(f"only in Y: {_listed(only_y)}")
            raise ValueError("X and Y must hold the same stimuli (matched by stimulus_id); " + "; ".join(parts)
                             + ". Select the common stimuli first, e.g. X.sel(presentation=...)")
        pos = {s: i for i, s in enumerate(ids_y)}
        y = y[[pos[s] for s in ids_x]]
        ids = ids_x
    else:
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"X and Y must have one row per stimulus, the same stimuli in the same order; got "
                             f"{x.shape[0]} rows in X and {y.shape[0]} in Y")
        ids = ids_x if ids_x is not None else ids_y
    for name, a in (("X", x), ("Y", y)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf")
    if x.shape[0] < min_stimuli:
        raise ValueError(f"need at least {min_stimuli} stimuli; got {x.shape[0]}")
    return Pair(x, y, ids)


def center(x: np.ndarray) -> np.ndarray:
    """Columns of ``x`` centred across stimuli (rows)."""
    return x - x.mean(axis=0)


def is_constant(x: np.ndarray) -> bool:
    """True when every unit (column) of ``x`` is constant across stimuli, up to rounding (relative 1e-12)."""
    scale = max(1.0, float(np.abs(x).max(initial=0.0)))
    return bool(np.all(np.ptp(x, axis=0) <= 1e-12 * scale))


def checked_pair(X, Y, method: str, min_stimuli: int = 3) -> Pair | None:
    """:func:`as_pair`, or None after one :class:`ConstantRepresentationWarning` naming ``method`` and the side(s)
    without variance (the caller then returns NaN): the one input check of every measure."""
    pair = as_pair(X, Y, min_stimuli=min_stimuli)
    bad = [name for name, a in (("X", pair.x), ("Y", pair.y)) if is_constant(a)]
    if bad:
        warn_constant(method, " and ".join(bad), stacklevel=4)
        return None
    return pair
