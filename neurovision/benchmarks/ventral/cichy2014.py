"""Cichy, Pantazis & Oliva 2014 benchmarks on the 92-image set (15 subjects each).

* ``cichy2014.fmri_evc`` / ``cichy2014.fmri_it`` — fMRI RDMs of early visual cortex and IT; the
  model's V1 and IT layers.
* ``cichy2014.meg_early`` / ``cichy2014.meg_late`` — session-averaged MEG RDMs of the early and late
  Algonauts 2019 windows (restored from category order to image order, see
  :mod:`neurovision.data.cichy2014`); the model's V1 and IT layers. The layer × window view
  (:func:`neurovision.benchmarks.ventral.cichy2014.layer_by_window`) scores every layer against both windows.

All are subject-level RSA (Spearman ρ of correlation-distance model RDMs with each subject's RDM,
averaged) with Nili et al. 2014 noise ceilings and a stimulus bootstrap; stimuli are the Cichy jpgs
(white background) that these subjects saw.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import xarray as xr

from ...data import cichy2014 as c14
from ...data.registry import DATASETS
from ..base import RSABenchmark

_FILES = DATASETS["cichy2014"].files
_IMAGES = {f"images/image_{i:02d}.jpg": _FILES[f"images/image_{i:02d}.jpg"] for i in range(1, 93)}


def _bench(identifier: str, region: str, loader, source: str, description: str) -> RSABenchmark:
    return RSABenchmark(identifier=identifier, region=region, load_stimuli=c14.load_stimuli, load_data=loader,
                        citation=c14.CITATION, description=description,
                        data_files={source: _FILES[source], **_IMAGES})


def fmri_evc() -> RSABenchmark:
    return _bench("cichy2014.fmri_evc", "V1", partial(c14.load_fmri_rdms, "EVC"), c14.FMRI_FILE,
                  "fMRI RDMs of early visual cortex, 15 subjects, 92 images")


def fmri_it() -> RSABenchmark:
    return _bench("cichy2014.fmri_it", "IT", partial(c14.load_fmri_rdms, "IT"), c14.FMRI_FILE,
                  "fMRI RDMs of inferior temporal cortex, 15 subjects, 92 images")


def meg_early() -> RSABenchmark:
    return _bench("cichy2014.meg_early", "V1", partial(c14.load_meg_rdms, "early"), c14.MEG_FILE,
                  "MEG RDMs, early window (Algonauts 2019), 15 subjects, 92 images")


def meg_late() -> RSABenchmark:
    return _bench("cichy2014.meg_late", "IT", partial(c14.load_meg_rdms, "late"), c14.MEG_FILE,
                  "MEG RDMs, late window (Algonauts 2019), 15 subjects, 92 images")


def layer_by_window(model, layers=None, n_boot: int = 1000, seed: int = 0, progress: bool = True):
    """Time-resolved view: every layer (or time step) × {early, late} MEG window.

    Returns an ``xarray.Dataset`` over ``(layer, window)`` with ``raw``, ``ci_low``, ``ci_high``,
    ``ceiled`` and, per window, ``ceiling_lower``/``ceiling_upper``. A feed-forward hierarchy predicts
    early layers to peak on the early window and deeper layers on the late one (Cichy et al. 2016).
    """
    rows = {}
    for window, bench in (("early", meg_early()), ("late", meg_late())):
        rows[window] = bench.score_layers(model, layers, n_boot=n_boot, seed=seed, progress=progress)
    layer_names = [s.layer for s in rows["early"]]
    fields = ("raw", "ci_low", "ci_high", "ceiled")
    data = {f: (("layer", "window"), np.array([[getattr(rows[w][i], f) for w in ("early", "late")]
                                               for i in range(len(layer_names))], dtype=float)) for f in fields}
    for f in ("ceiling_lower", "ceiling_upper"):
        data[f] = (("window",), np.array([rows[w][0].__getattribute__(f) for w in ("early", "late")], dtype=float))
    return xr.Dataset(data, coords={"layer": layer_names, "window": ["early", "late"]},
                      attrs={"model": model.identifier, "metric": rows["early"][0].metric})
