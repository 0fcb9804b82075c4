"""Time-resolved RSA.

An RDM per time bin (e.g. MEG/EEG or binned spike counts; Cichy et al.
2014 Nat Neurosci) and model-time x brain-time comparison matrices
(temporal generalisation of RDM similarity; Kriegeskorte et al. 2008 for
the RDM framework).
"""
from __future__ import annotations

import numpy as np

from .compare import compare_vectors
from .rdm import RDM, _check_same_ids, rdm

__all__ = ["rdm_timecourse", "compare_timecourses"]


def rdm_timecourse(patterns, method: str = "correlation", stimulus_id=None,
                   time_dim: str = "time_bin", time_axis: int = -1,
                   **kwargs) -> RDM:
    """One RDM per time bin.

    Parameters
    ----------
    patterns : ndarray (n_conditions, n_channels, n_time) (time on
        ``time_axis``) or DataArray with dims (presentation, neuroid,
        ``time_dim``) and a ``stimulus_id`` coordinate (repeats averaged).
    method, kwargs : passed to :func:`neurovision.rsa.rdm`.

    Returns
    -------
    RDM stack of length n_time with descriptor ``time_dim`` (coordinate
    values of the time dim, or 0..n_time-1).
    """
    try:
        import xarray as xr
        is_xr = isinstance(patterns, xr.DataArray)
    except ImportError:  # pragma: no cover
        is_xr = False
    out = []
    if is_xr:
        da = patterns
        if time_dim not in da.dims:
            raise ValueError(f"patterns have no {time_dim!r} dim: {da.dims}")
        times = (da.coords[time_dim].values if time_dim in da.coords
                 else np.arange(da.sizes[time_dim]))
        other = [d for d in da.dims if d != time_dim]
        da = da.transpose(*other, time_dim)
        for t in range(da.sizes[time_dim]):
            out.append(rdm(da.isel({time_dim: t}), method, stimulus_id,
                           **kwargs))
    else:
        x = np.moveaxis(np.asarray(patterns, dtype=np.float64), time_axis, -1)
        if x.ndim != 3:
            raise ValueError("patterns must be (n_conditions, n_channels, "
                             f"n_time), got {x.shape}")
        times = np.arange(x.shape[-1])
        for t in range(x.shape[-1]):
            out.append(rdm(x[..., t], method, stimulus_id, **kwargs))
    stack = RDM.concat(out)
    stack.descriptors[time_dim] = [v.item() if hasattr(v, "item") else v
                                   for v in np.asarray(times)]
    return stack


def compare_timecourses(model: RDM, brain: RDM, method: str = "spearman",
                        as_xarray: bool = False,
                        model_dim: str = "model_time",
                        brain_dim: str = "brain_time"):
    """Model-time x brain-time similarity matrix.

    ``model`` (k_m RDMs, e.g. model layers or model time steps) and
    ``brain`` (k_b RDMs, e.g. time bins) over the same conditions; returns
    (k_m, k_b) = compare(model[i], brain[j]).  With ``as_xarray`` a
    DataArray carrying the stacks' descriptors as coordinates.
    """
    _check_same_ids(model, brain)
    sim = compare_vectors(model.dissimilarities, brain.dissimilarities,
                          method)
    if not as_xarray:
        return sim
    import xarray as xr
    coords = {}
    for dim, r in ((model_dim, model), (brain_dim, brain)):
        for k, v in r.descriptors.items():
            coords[f"{dim}_{k}" if k in coords else k] = (dim, list(v))
    return xr.DataArray(sim, dims=(model_dim, brain_dim), coords=coords)
