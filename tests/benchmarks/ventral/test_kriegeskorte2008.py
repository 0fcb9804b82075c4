"""Kriegeskorte 2008 RSA benchmarks end to end on the real data, re-computed independently with scipy."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform
from scipy.stats import rankdata, spearmanr

from neurovision.benchmarks import load_benchmark
from neurovision.data import kriegeskorte2008 as k08
from neurovision.models.ventral.pixels import build as build_pixels
from neurovision.models.ventral.pixels import preprocess


@pytest.fixture(scope="module")
def pixel_rdm_vec(data_mirror):
    x = preprocess(k08.load_stimuli().values).flatten(1).numpy().astype(np.float64)
    return pdist(x, "correlation")


@pytest.fixture(scope="module")
def human_subject_vecs(data_mirror):
    h = k08.load_human_it_rdms().mean("session").values
    return np.array([squareform(m, checks=False) for m in h])


def test_it_human_raw_and_ceiling_match_independent_computation(tmp_path, monkeypatch, pixel_rdm_vec,
                                                                human_subject_vecs):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    score = load_benchmark("kriegeskorte2008.it_human")(build_pixels(), n_boot=50, seed=1, progress=False)
    expected = np.mean([spearmanr(pixel_rdm_vec, s)[0] for s in human_subject_vecs])
    assert score.raw == pytest.approx(expected, abs=1e-10)
    # Nili et al. 2014 ceiling for Spearman: RDMs rank-transformed before averaging
    ranks = np.array([rankdata(s) for s in human_subject_vecs])
    upper = np.mean([spearmanr(s, ranks.mean(0))[0] for s in human_subject_vecs])
    lower = np.mean([spearmanr(s, np.delete(ranks, i, 0).mean(0))[0] for i, s in enumerate(human_subject_vecs)])
    assert score.ceiling_upper == pytest.approx(upper, abs=1e-10)
    assert score.ceiling_lower == pytest.approx(lower, abs=1e-10)
    assert 0 < score.ceiling_lower < score.ceiling_upper < 1
    assert score.ceiled == pytest.approx(score.raw / score.ceiling_upper)
    assert score.ci_low < score.raw < score.ci_high
    assert score.ceiled_ci_low < score.ceiled < score.ceiled_ci_high


def test_it_monkey_has_no_ceiling(tmp_path, monkeypatch, pixel_rdm_vec):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    score = load_benchmark("kriegeskorte2008.it_monkey")(build_pixels(), n_boot=50, progress=False)
    mit = squareform(k08.load_monkey_it_rdm().values, checks=False)
    assert score.raw == pytest.approx(spearmanr(pixel_rdm_vec, mit)[0], abs=1e-10)
    assert score.ceiling_upper is None and score.ceiled is None and "no noise ceiling" in score.notes


def test_same_seed_identical_json_and_cache_reuse(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    bench = load_benchmark("kriegeskorte2008.it_human")
    a = bench(build_pixels(), n_boot=30, seed=7, progress=False)
    assert list((tmp_path / "results" / "rdm").glob("*.npy"))  # model RDM cached
    b = bench(build_pixels(), n_boot=30, seed=7, progress=False)  # from cache
    assert json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)
    c = bench(build_pixels(), n_boot=30, seed=8, progress=False)
    assert c.raw == a.raw and c.ci_low != a.ci_low
    prov = a.provenance
    assert prov["weights_sha256"] and prov["stimuli_sha256"] and "92_brainRDMs.mat" in prov["data_sha256"]


def test_split_half_selection_never_scores_on_selection_stimuli(tmp_path, monkeypatch):
    from neurovision.benchmarks.base import split_halves
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    stimuli = k08.load_stimuli()
    a, b = split_halves(stimuli, seed=3)
    assert len(a) == len(b) == 46 and not set(a) & set(b)
    cats = dict(zip(stimuli["stimulus_id"].values, stimuli["category"].values))
    for cat in set(cats.values()):  # stratified: each category split as evenly as possible
        na, nb = sum(cats[i] == cat for i in a), sum(cats[i] == cat for i in b)
        assert abs(na - nb) <= 1
    bench = load_benchmark("kriegeskorte2008.it_human")
    score = bench.score_selected(build_pixels(), n_boot=20, split_seed=3, progress=False)
    assert score.layer == "A:pixels|B:pixels"
    # with one layer, the held-out score is the mean of the two half scores computed directly
    from neurovision.benchmarks.base import data_rdm_from_xarray, model_rdms
    from neurovision.rsa import compare
    m = model_rdms(build_pixels(), stimuli, ["pixels"])
    d = data_rdm_from_xarray(k08.load_human_it_rdms())
    expected = np.mean([np.mean(compare(m.subset(h), d.subset(h))) for h in (a, b)])
    assert score.raw == pytest.approx(expected, abs=1e-12)
