"""RSA benchmarks from Brain-Score data: RDMs of a NeuroidAssembly (optionally one per subject/animal) and an
:class:`~neurovision.benchmarks.base.RSABenchmark` on a locally saved StimulusSet + NeuroidAssembly
(read by :mod:`neurovision.interop.brainscore.assemblies`, no Brain-Score needed).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np
import xarray as xr

from .assemblies import load_brainscore_assembly, load_brainscore_stimulus_set

__all__ = ["assembly_rdm", "brainscore_rsa_benchmark"]


def assembly_rdm(assembly: xr.DataArray, method: str = "correlation", split_coord: str | None = None,
                 stimulus_ids: Iterable[str] | None = None) -> xr.DataArray:
    """RDM(s) from a neural assembly ``presentation × neuroid [× time_bin]``.

    Repeated presentations of a stimulus are averaged, then time bins (if any). With ``split_coord``
    (a ``neuroid`` coordinate such as ``animal`` or ``subject``) one RDM per value: returns
    ``(subject, stimulus_id, stimulus_id_2)``; otherwise ``(stimulus_id, stimulus_id_2)`` — the layout
    :func:`neurovision.benchmarks.base.data_rdm_from_xarray` takes. ``stimulus_ids`` orders (and
    subsets) the conditions; default: order of first appearance.
    """
    from ...rsa import rdm as compute_rdm  # lazy: importing this module must not load the RSA engine (numba)
    if "time_bin" in assembly.dims:
        assembly = assembly.mean("time_bin")
    extra = [d for d in assembly.dims if d not in ("presentation", "neuroid")]
    if extra:
        raise ValueError(f"assembly must be presentation × neuroid [× time_bin]; extra dims {extra}")
    assembly = assembly.transpose("presentation", "neuroid")
    try:
        sid = np.asarray(assembly["stimulus_id"].values).astype(str)
    except KeyError:
        raise ValueError("assembly has no 'stimulus_id' coordinate on 'presentation' (brainio stores a lone "
                         "presentation coordinate as 'presentation_': rename it)") from None
    values = np.asarray(assembly.values, dtype=np.float64)
    order = list(dict.fromkeys(sid)) if stimulus_ids is None else [str(s) for s in stimulus_ids]
    index = {s: i for i, s in enumerate(order)}
    keep = np.array([s in index for s in sid])
    group = np.array([index[s] for s in sid[keep]])
    missing = set(order) - set(sid[keep].tolist())
    if missing:
        raise ValueError(f"stimulus_ids not in the assembly: {sorted(missing)[:5]}")
    sums = np.zeros((len(order), values.shape[1]))
    np.add.at(sums, group, values[keep])
    means = sums / np.bincount(group, minlength=len(order))[:, None]
    ids = np.array(order)
    attrs = {k: v for k, v in assembly.attrs.items() if isinstance(v, (str, int, float))}
    attrs.update(measure={"correlation": "1 - Pearson r"}.get(method, method), source="Brain-Score assembly")
    if split_coord is None:
        matrix = compute_rdm(means, method=method, stimulus_id=ids).matrix
        return xr.DataArray(np.asarray(matrix).reshape(len(ids), len(ids)), dims=("stimulus_id", "stimulus_id_2"),
                            coords={"stimulus_id": ids, "stimulus_id_2": ids}, attrs=attrs)
    labels = np.asarray(assembly[split_coord].values).astype(str)
    subjects = list(dict.fromkeys(labels))
    mats = [np.asarray(compute_rdm(means[:, labels == s], method=method, stimulus_id=ids).matrix).reshape(len(ids), -1)
            for s in subjects]
    return xr.DataArray(np.stack(mats), dims=("subject", "stimulus_id", "stimulus_id_2"),
                        coords={"subject": subjects, "stimulus_id": ids, "stimulus_id_2": ids}, attrs=attrs)


def brainscore_rsa_benchmark(identifier: str, region: str, stimuli_csv, assembly_netcdf, image_dir=None,
                             split_coord: str | None = None, citation: str = "", size=None, **kwargs):
    """An :class:`~neurovision.benchmarks.base.RSABenchmark` on locally saved Brain-Score data.

    Stimuli from ``stimuli_csv`` (+ ``image_dir``), data RDMs from ``assembly_netcdf`` via
    :func:`assembly_rdm` (one per ``split_coord`` value, which enables the noise ceiling), restricted
    to and ordered like the stimulus set. Extra keyword arguments go to ``RSABenchmark``.
    """
    from ...benchmarks.base import RSABenchmark

    @lru_cache(maxsize=1)
    def stimuli():
        return load_brainscore_stimulus_set(stimuli_csv, image_dir, size=size)

    def data():
        ids = stimuli()["stimulus_id"].values
        return assembly_rdm(load_brainscore_assembly(assembly_netcdf), split_coord=split_coord, stimulus_ids=ids)

    return RSABenchmark(identifier=identifier, region=region, load_stimuli=stimuli, load_data=data,
                        citation=citation, description=f"Brain-Score assembly {Path(assembly_netcdf).name}",
                        **kwargs)
