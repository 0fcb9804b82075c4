"""Cichy et al. 2014 fMRI and MEG benchmarks end to end on the real data (pixels model for speed)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform
from scipy.stats import spearmanr

from neurovision.benchmarks import load_benchmark
from neurovision.benchmarks.ventral.cichy2014 import layer_by_window
from neurovision.data import cichy2014 as c14
from neurovision.models.ventral.pixels import build as build_pixels
from neurovision.models.ventral.pixels import preprocess


@pytest.mark.parametrize("name,loader", [
    ("cichy2014.fmri_evc", lambda: c14.load_fmri_rdms("EVC")),
    ("cichy2014.fmri_it", lambda: c14.load_fmri_rdms("IT")),
    ("cichy2014.meg_early", lambda: c14.load_meg_rdms("early")),
    ("cichy2014.meg_late", lambda: c14.load_meg_rdms("late")),
])
def test_cichy_benchmark_matches_independent_rsa(name, loader, data_mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    score = load_benchmark(name)(build_pixels(), n_boot=30, progress=False)
    x = preprocess(c14.load_stimuli().values).flatten(1).numpy().astype(np.float64)
    model_vec = pdist(x, "correlation")
    subjects = [squareform(m, checks=False) for m in loader().values]
    assert len(subjects) == 15
    assert score.raw == pytest.approx(np.mean([spearmanr(model_vec, s)[0] for s in subjects]), abs=1e-10)
    assert 0 < score.ceiling_lower < score.ceiling_upper <= 1
    assert score.ci_low <= score.raw <= score.ci_high
    assert score.provenance["n_subjects"] == 15 and score.provenance["n_stimuli"] == 92


def test_layer_by_window_view(data_mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    view = layer_by_window(build_pixels(), n_boot=20, progress=False)
    assert view["raw"].dims == ("layer", "window") and list(view["window"].values) == ["early", "late"]
    early = load_benchmark("cichy2014.meg_early")(build_pixels(), n_boot=20, progress=False)
    assert float(view["raw"].sel(layer="pixels", window="early")) == pytest.approx(early.raw)
    # the MEG early window is far more reliable between subjects than the late one (MANIFEST: 0.65 vs 0.34)
    assert float(view["ceiling_lower"].sel(window="early")) > float(view["ceiling_lower"].sel(window="late"))
