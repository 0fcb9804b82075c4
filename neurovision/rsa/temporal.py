"""Time-resolved RSA.

An RDM per time bin of a time-resolved assembly ``presentation × neuroid × time_bin`` (e.g. MEG/EEG, binned
spike counts — Cichy et al. 2014 Nat Neurosci — or a model's activations,
:func:`neurovision.activations.extract_layers`) and comparisons of two such time courses of RDMs: every model
time bin against every brain time bin (temporal generalisation of RDM similarity), or bin by bin (``paired``).

The time axis is the dimension ``time_bin``, as everywhere in neurovision; an RDM stack from
:func:`rdm_timecourse` carries the ``time_bin`` values as a descriptor, and ``time_ms`` too when the assembly has
that coordinate on ``time_bin``.

Degenerate RDMs (all dissimilarities equal; see :func:`neurovision.rsa.compare.degenerate_rows`) follow the rule
of :func:`neurovision.rsa.compare`: every similarity involving one is NaN, and one
:class:`neurovision.errors.ConstantRDMWarning` per call names them by their descriptors (``time_bin=3``).
"""
from __future__ import annotations

import numpy as np

from .compare import canonical_method, compare_vectors, degenerate_rows, mask_degenerate, rdm_labels, warn_constant
from .dissimilarity import RDM, check_same_ids, rdm

__all__ = ["rdm_timecourse", "compare_timecourses", "TIME_DIM"]

#: the name of the time dimension of every time-resolved assembly
TIME_DIM = "time_bin"


def rdm_timecourse(patterns, method: str = "correlation", stimulus_id=None, time_axis: int = -1,
                   **kwargs) -> RDM:
    """One RDM per time bin.

    Parameters
    ----------
    patterns : DataArray with dims (presentation, neuroid, ``time_bin``) (any order) and a ``stimulus_id``
        coordinate (repeats averaged), or ndarray (n_conditions, n_channels, n_time) with time on ``time_axis``.
    method, stimulus_id, kwargs : passed to :func:`neurovision.rsa.rdm` for every time bin.

    Returns
    -------
    RDM stack of length n_time with descriptor ``time_bin`` (the coordinate's values, or 0..n_time-1) and, when
    the DataArray has a ``time_ms`` coordinate on ``time_bin``, descriptor ``time_ms``.
    """
    try:
        import xarray as xr  # lazy: only DataArray input needs xarray; `import neurovision.rsa` stays light
        is_xr = isinstance(patterns, xr.DataArray)
    except ImportError:  # pragma: no cover
        is_xr = False
    out = []
    time_ms = None
    if is_xr:
        da = patterns
        if TIME_DIM not in da.dims:
            raise ValueError(f"patterns have no {TIME_DIM!r} dim (time-resolved assemblies are presentation × "
                             f"neuroid × {TIME_DIM}); got dims {tuple(da.dims)}")
        times = (da.coords[TIME_DIM].values if TIME_DIM in da.coords
                 else np.arange(da.sizes[TIME_DIM]))
        if "time_ms" in da.coords and da.coords["time_ms"].dims == (TIME_DIM,):
            time_ms = da.coords["time_ms"].values
        other = [d for d in da.dims if d != TIME_DIM]
        da = da.transpose(*other, TIME_DIM)
        for t in range(da.sizes[TIME_DIM]):
            out.append(rdm(da.isel({TIME_DIM: t}), method, stimulus_id, **kwargs))
    else:
        x = np.moveaxis(np.asarray(patterns, dtype=np.float64), time_axis, -1)
        if x.ndim != 3:
            raise ValueError("patterns must be (n_conditions, n_channels, "
                             f"n_time), got {x.shape}")
        times = np.arange(x.shape[-1])
        for t in range(x.shape[-1]):
            out.append(rdm(x[..., t], method, stimulus_id, **kwargs))
    stack = RDM.concat(out)
    stack.descriptors[TIME_DIM] = _plain(times)
    if time_ms is not None:
        stack.descriptors["time_ms"] = _plain(time_ms)
    return stack


def _plain(values) -> list:
    """numpy values as a list of Python scalars."""
    return [v.item() if hasattr(v, "item") else v for v in np.asarray(values)]


def compare_timecourses(model: RDM, brain: RDM, method: str = "spearman",
                        as_xarray: bool = False,
                        model_dim: str = "model_time",
                        brain_dim: str = "brain_time",
                        paired: bool = False):
    """Similarity of two time courses of RDMs over the same conditions.

    ``model`` (k_m RDMs, e.g. model layers or model time bins) and ``brain`` (k_b RDMs, e.g. time bins) must
    share ``stimulus_id`` exactly. Returns the (k_m, k_b) matrix ``compare(model[i], brain[j], method)``; with
    ``paired=True`` (k_m == k_b required) the (k,) vector ``compare(model[t], brain[t], method)``, bin by bin.
    Unitless similarities in [-1, 1]; NaN for every pair involving a degenerate RDM, with one
    :class:`~neurovision.errors.ConstantRDMWarning` naming those RDMs (see the module docstring).

    With ``as_xarray`` a DataArray: dims (``model_dim``, ``brain_dim``) carrying each stack's descriptors as
    coordinates (``<dim>_<name>`` for the brain's when both have the name), or, paired, dim ``time_bin`` with the
    brain's descriptors as coordinates and the model's under names of their own (``model_<name>`` when both have
    the name and the values differ).
    """
    check_same_ids(model, brain)
    method = canonical_method(method)
    x, y = model.dissimilarities, brain.dissimilarities
    if paired:
        if model.n_rdms != brain.n_rdms:
            raise ValueError(f"paired comparison needs as many model RDMs as brain RDMs; got {model.n_rdms} "
                             f"and {brain.n_rdms}")
        sim = np.array([compare_vectors(x[t:t + 1], y[t:t + 1], method)[0, 0] for t in range(model.n_rdms)],
                       dtype=np.float64)
    else:
        sim = np.array(compare_vectors(x, y, method), dtype=np.float64)
    bad_m, bad_b = degenerate_rows(x, method), degenerate_rows(y, method)
    if np.any(bad_m) or np.any(bad_b):
        if paired:
            sim[bad_m | bad_b] = np.nan
        else:
            mask_degenerate(sim, bad_m, bad_b)
        labels = rdm_labels(model, np.flatnonzero(bad_m), "model") + rdm_labels(brain, np.flatnonzero(bad_b), "brain")
        warn_constant("compare_timecourses", method, labels, "every similarity involving {it} is NaN")
    if not as_xarray:
        return sim
    import xarray as xr  # lazy: only as_xarray=True needs xarray; `import neurovision.rsa` stays light
    coords: dict = {}
    if paired:
        for k, v in brain.descriptors.items():
            coords[k] = (TIME_DIM, list(v))
        for k, v in model.descriptors.items():
            if k not in coords:
                coords[k] = (TIME_DIM, list(v))
            elif list(coords[k][1]) != list(v):
                coords[f"model_{k}"] = (TIME_DIM, list(v))
        return xr.DataArray(sim, dims=(TIME_DIM,), coords=coords)
    for dim, r in ((model_dim, model), (brain_dim, brain)):
        for k, v in r.descriptors.items():
            coords[f"{dim}_{k}" if k in coords else k] = (dim, list(v))
    return xr.DataArray(sim, dims=(model_dim, brain_dim), coords=coords)
