"""RDMs from Gram matrices: the shared arithmetic of every correlation, cosine and euclidean RDM.

Each of these distances between condition patterns ``x_i`` (rows of an ``(n_conditions, n_channels)``
array) is a function of a Gram matrix ``G = Z Zᵀ`` of *row-locally* transformed patterns ``Z``:

=============  ===========================================  ==============================================
method         row transform ``z_i`` (:func:`prepare_rows`)  distance from ``g_ij = z_i · z_j``
=============  ===========================================  ==============================================
correlation    ``x_i`` centred, scaled to unit norm         ``1 − g_ij`` (1 − Pearson r)
cosine         ``x_i`` scaled to unit norm                  ``1 − g_ij``
euclidean      ``x_i`` unchanged; ``s_i = ‖x_i‖²`` kept      ``max(s_i + s_j − 2 g_ij, 0)``, ``/ n_channels``
                                                            when normalised (rsatoolbox's convention)
=============  ===========================================  ==============================================

Because the transforms are row-local, ``G`` can be formed in one product (:func:`neurovision.rsa.rdm`) or
from pairs of row blocks (:func:`neurovision.rsa.blockwise.blockwise_rdm`) with the same arithmetic per
entry: :func:`prepare_rows` and :func:`distances_from_gram` are that arithmetic.

When only the Gram matrix of the *raw* (or column-shifted) patterns is available, e.g. because one
``n × n`` product of a wide layer serves a regression as well (:mod:`neurovision.encoding`), the
correlation is normalised after the product instead: :func:`correlation_distance_from_gram` takes the
Gram matrix of row-centred patterns and divides by its diagonal.
"""
from __future__ import annotations

import numpy as np

__all__ = ["METHODS", "prepare_rows", "distances_from_gram", "correlation_distance_from_gram", "condition_names"]

#: Distances computed from a Gram matrix of row-locally transformed patterns.
METHODS = ("correlation", "cosine", "euclidean")


def condition_names(idx, ids=None) -> list[str]:
    """The first ten of the conditions ``idx`` as strings: their ``ids`` when given, else the indices."""
    idx = list(np.asarray(idx).ravel()[:10])
    return [str(i) for i in idx] if ids is None else [str(np.asarray(ids)[i]) for i in idx]


def prepare_rows(rows: np.ndarray, method: str, ids=None, offset: int = 0,
                 check_finite: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Row-local transform of float64 patterns ``rows`` ``(k, n_channels)`` for ``method`` (see module table).

    Returns ``(z, sq)``: ``z`` ``(k, n_channels)`` (a new array for correlation and cosine, ``rows`` itself
    for euclidean) and, for euclidean only, the squared row norms ``sq`` ``(k,)`` (else None).

    ``ids`` (all conditions) and ``offset`` (index of ``rows[0]`` among them) only name conditions in errors.
    A correlation pattern counts as constant when its centred norm is at most ``1e-12`` times its largest
    absolute value.

    Raises
    ------
    ValueError
        for NaN/inf values (when ``check_finite``), constant patterns (correlation), all-zero patterns
        (cosine) or an unknown method; the message names the offending conditions.
    """
    if method not in METHODS:
        raise ValueError(f"unknown Gram-based RDM method {method!r}; choose from {list(METHODS)}")
    if check_finite and not np.all(np.isfinite(rows)):
        bad = offset + np.nonzero(~np.all(np.isfinite(rows), axis=1))[0]
        raise ValueError(f"patterns contain NaN/inf for conditions {condition_names(bad, ids)}")
    if method == "euclidean":
        return rows, np.einsum("ij,ij->i", rows, rows)
    if method == "correlation":
        z = rows - rows.mean(axis=1, keepdims=True)
        norm = np.sqrt(np.einsum("ij,ij->i", z, z))
        scale = np.abs(rows).max(axis=1) if rows.size else norm
        bad = norm <= 1e-12 * np.maximum(scale, 1e-300)
        what = "correlation distance undefined for constant patterns"
    else:  # cosine
        z = rows
        norm = np.sqrt(np.einsum("ij,ij->i", z, z))
        bad = norm == 0
        what = "cosine distance undefined for all-zero patterns"
    if np.any(bad):
        raise ValueError(f"{what} of conditions {condition_names(offset + np.nonzero(bad)[0], ids)}")
    if z is rows:
        return z / norm[:, None], None
    z /= norm[:, None]
    return z, None


def distances_from_gram(g: np.ndarray, method: str, sq_i=None, sq_j=None, n_channels: int | None = None,
                        normalize: bool = True, out: np.ndarray | None = None) -> np.ndarray:
    """Distances from Gram entries ``g = z_i · z_j`` of :func:`prepare_rows` output (any shape).

    correlation, cosine: ``1 − g``. euclidean: ``max(sq_i + sq_j − 2 g, 0)``, divided by ``n_channels`` when
    ``normalize``; ``sq_i``, ``sq_j`` are the squared norms of the two patterns of each entry (broadcast
    against ``g``). Written into ``out`` when given (``out`` may be ``g`` itself), else a new float64 array.
    """
    if method == "euclidean":
        out = np.subtract(sq_i + sq_j, 2.0 * g, out=out)
        np.maximum(out, 0.0, out=out)
        if normalize:
            out /= n_channels
        return out
    if method not in METHODS:
        raise ValueError(f"unknown Gram-based RDM method {method!r}; choose from {list(METHODS)}")
    return np.subtract(1.0, g, out=out)


def correlation_distance_from_gram(c: np.ndarray) -> np.ndarray:
    """Square correlation-distance RDM ``1 − r_ij`` from the Gram matrix ``c`` ``(n, n)`` of row-centred patterns.

    ``r_ij = c_ij / sqrt(c_ii c_jj)``, clipped to [−1, 1]; a constant pattern (``c_ii = 0``) correlates with
    nothing (r = 0, distance 1). The result is float64, exactly symmetric, with a zero diagonal.
    """
    c = np.asarray(c, dtype=np.float64)
    d = np.sqrt(np.clip(np.diag(c), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = c / np.outer(d, d)
    r[~np.isfinite(r)] = 0.0
    out = 1.0 - np.clip(r, -1.0, 1.0)
    out = (out + out.T) / 2
    np.fill_diagonal(out, 0.0)
    return out
