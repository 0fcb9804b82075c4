"""RDMs of activations larger than memory, computed from blocks of rows.

:func:`blockwise_rdm` computes the RDM of a 2-D array read by rows — dask, xarray, zarr or numpy, e.g. a
store written by :func:`neurovision.activation_store.extract_to_store`. Every method used here turns each
pattern into a *row-local* vector (:func:`neurovision.rsa.gram.prepare_rows`: correlation centres and
normalises each presentation's pattern, cosine normalises it, euclidean needs only its squared norm), so
the Gram matrix ``G = Z Zᵀ`` can be assembled from pairs of row blocks, ``G[I, J] = Z_I Z_Jᵀ``, reading only
two blocks at a time. Memory is the condensed result (``n(n-1)/2`` float64) plus one panel ``block × n``
and two blocks of rows; the result equals :func:`neurovision.rsa.rdm` on the same data up to
floating-point summation order (≈1e-15).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..progress import bar as progress_bar
from .dissimilarity import RDM
from .gram import METHODS as _METHODS
from .gram import distances_from_gram, prepare_rows

__all__ = ["blockwise_rdm"]


def _resolve(patterns, stimulus_id):
    """(row-sliceable 2-D array, ids) — repeated presentations of a stimulus averaged lazily."""
    if isinstance(patterns, xr.DataArray):
        dim0 = patterns.dims[0]
        if stimulus_id is None and "stimulus_id" in patterns.coords \
                and patterns.coords["stimulus_id"].dims == (dim0,):
            sid = np.asarray(patterns.coords["stimulus_id"].values).astype(str)
            order = list(dict.fromkeys(sid.tolist()))  # first appearance, as rsa.rdm does
            if len(order) != sid.shape[0]:
                patterns = patterns.groupby("stimulus_id").mean().sel(stimulus_id=order)
            stimulus_id = np.asarray(order)
        return patterns.data, stimulus_id
    return patterns, stimulus_id


def _default_block(x) -> int:
    chunks = getattr(x, "chunks", None)
    if isinstance(chunks, tuple) and chunks:
        first = chunks[0]
        size = first[0] if isinstance(first, tuple) else first  # dask: tuple of sizes; zarr: int
        if isinstance(size, (int, np.integer)) and size > 0:
            return int(size)
    return 256


def _load_rows(x, i0: int, i1: int) -> np.ndarray:
    """Rows ``i0:i1`` as float64. Dask blocks are read in this thread (synchronous scheduler): one
    block's graph is small, and idle scheduler threads competing with BLAS threads slowed the Gram
    products by orders of magnitude on a busy machine."""
    rows = x[i0:i1]
    if hasattr(rows, "compute"):
        rows = rows.compute(scheduler="synchronous")
    return np.asarray(rows, dtype=np.float64)


def blockwise_rdm(patterns, method: str = "correlation", block: int | None = None, stimulus_id=None, *,
                  normalize: bool = True, progress: bool = False) -> RDM:
    """RDM of ``(n_conditions, n_channels)`` patterns computed from blocks of ``block`` rows.

    Parameters
    ----------
    patterns : a dask array, an xarray DataArray (dask- or numpy-backed; condition ids from a
        ``stimulus_id`` coordinate on its first dim, repeated presentations averaged lazily, ids in
        order of first appearance), a zarr array or a numpy array — anything 2-D sliceable by rows.
    method : ``"correlation"`` (1 − Pearson r), ``"cosine"`` (1 − cosine similarity) or
        ``"euclidean"`` (squared distance, divided by ``n_channels`` when ``normalize``) — the
        definitions of :func:`neurovision.rsa.rdm`.
    block : rows per block; default the array's chunk size along the first dim (so reads are whole
        chunks), else 256. Larger blocks mean fewer reads (each block is read about ``n_blocks / 2``
        times) and more memory.

    Returns
    -------
    :class:`~neurovision.rsa.RDM` with one RDM over the ``n`` conditions — the same object, and the
    same values up to ≈1e-15, as ``rsa.rdm(patterns, method)``.

    Computation: for each row block ``I`` (rows transformed row-locally, see module docstring) and
    each block ``J ≥ I``, ``Z_I Z_Jᵀ`` fills a ``block × n`` panel, whose upper-triangle part is
    converted to distances and copied into the condensed result. Peak memory: ``n(n-1)/2 + block·n``
    float64 plus two blocks of rows.

    Raises
    ------
    ValueError
        for an unknown method, patterns that are not 2-D or have fewer than 3 conditions, NaN/inf
        values, or (correlation/cosine) patterns whose distance is undefined (constant/all-zero rows);
        the message names the offending conditions, as :func:`neurovision.rsa.rdm` does.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown blockwise RDM method {method!r}; choose from {list(_METHODS)} "
                         "(crossnobis needs rsa.rdm in memory)")
    x, ids = _resolve(patterns, stimulus_id)
    if len(x.shape) != 2:
        raise ValueError(f"patterns must be (n_conditions, n_channels), got shape {tuple(x.shape)}")
    n, p = (int(s) for s in x.shape)
    if n < 3:
        raise ValueError(f"need at least 3 conditions to form an RDM, got {n}")
    if ids is not None and len(ids) != n:
        raise ValueError(f"stimulus_id has {len(ids)} entries but patterns have {n} conditions")
    block = int(block) if block is not None else _default_block(x)
    if block < 1:
        raise ValueError("block must be >= 1")
    bounds = [(i, min(i + block, n)) for i in range(0, n, block)]
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    starts = np.concatenate(([0], np.cumsum(np.arange(n - 1, 0, -1))))  # condensed offset of row i
    sq_all = np.empty(n) if method == "euclidean" else None
    for bi, (i0, i1) in enumerate(progress_bar(bounds, desc="blockwise RDM", unit="block", disable=not progress)):
        zi, sqi = prepare_rows(_load_rows(x, i0, i1), method, ids, i0)
        panel = np.empty((i1 - i0, n - i0))
        for j0, j1 in bounds[bi:]:
            zj, sqj = (zi, sqi) if j0 == i0 else prepare_rows(_load_rows(x, j0, j1), method, ids, j0)
            panel[:, j0 - i0:j1 - i0] = zi @ zj.T
            if sq_all is not None:
                sq_all[j0:j1] = sqj
            del zj
        for r, i in enumerate(range(i0, min(i1, n - 1))):
            seg = out[starts[i]:starts[i] + n - 1 - i]
            sq = (sq_all[i], sq_all[i + 1:]) if sq_all is not None else (None, None)
            distances_from_gram(panel[r, i - i0 + 1:], method, *sq, n_channels=p, normalize=normalize, out=seg)
    return RDM(out.reshape(1, -1), ids)
