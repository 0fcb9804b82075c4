"""RDM preprocessing (neurovision.rsa.preprocessing): every step against an independent numpy computation, the
canonical form and its errors, the default (none) bit-identical to no option at all, and the cache keys: a result
computed with one preprocessing is never served for another."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from scipy.spatial.distance import squareform

import neurovision as nv
from neurovision.benchmarks.base import model_rdms
from neurovision.rsa import rdm
from neurovision.rsa.preprocessing import check_preprocessing, double_center, preprocess_patterns

RNG = np.random.default_rng(7)
X = RNG.normal(size=(15, 40)) + RNG.normal(size=40) * 3  # a strong mean pattern shared by all stimuli


def corr_rdm(x: np.ndarray) -> np.ndarray:
    """1 - Pearson r between rows, condensed (numpy only)."""
    return squareform(1 - np.corrcoef(x), checks=False)


def test_standardize_is_the_z_score_of_each_unit():
    z = (X - X.mean(0)) / X.std(0)
    np.testing.assert_allclose(preprocess_patterns(X, ("standardize",)), z, atol=1e-12)
    np.testing.assert_allclose(rdm(X, preprocessing=["standardize"]).dissimilarities[0], corr_rdm(z), atol=1e-12)


def test_standardize_sets_a_constant_unit_to_zero():
    x = X.copy()
    x[:, 3] = 5.0
    out = preprocess_patterns(x, ("standardize",))
    assert np.all(out[:, 3] == 0) and np.all(np.isfinite(out))


def test_cocktail_blank_removes_the_mean_pattern():
    xc = X - X.mean(axis=0, keepdims=True)
    np.testing.assert_allclose(preprocess_patterns(X, "cocktail_blank"), xc, atol=1e-12)
    got = rdm(X, preprocessing=("cocktail_blank",)).dissimilarities[0]
    np.testing.assert_allclose(got, corr_rdm(xc), atol=1e-12)
    assert np.max(np.abs(got - corr_rdm(X))) > 0.05  # the option does something on these patterns


@pytest.mark.parametrize("wide", [False, True])
def test_pca_keeps_the_first_k_component_scores(wide):
    x = RNG.normal(size=(12, 60 if wide else 8))
    u, s, _ = np.linalg.svd(x - x.mean(0), full_matrices=False)
    want = (u * s)[:, :5]
    got = preprocess_patterns(x, [("pca", 5)])
    np.testing.assert_allclose(np.abs(got), np.abs(want), atol=1e-10)  # up to the sign of each component
    np.testing.assert_allclose(rdm(x, preprocessing=[("pca", 5)], method="euclidean").dissimilarities[0],
                               squareform(((want[:, None] - want[None]) ** 2).sum(-1), checks=False) / 5, atol=1e-10)
    assert preprocess_patterns(x, [("pca", 500)]).shape[1] == min(11, x.shape[1])  # at most the rank


def test_random_projection_is_a_seeded_gaussian_projection():
    r = np.random.default_rng(3).standard_normal((40, 7))
    np.testing.assert_allclose(preprocess_patterns(X, [("random_projection", 7, 3)]), X @ r / np.sqrt(7), atol=1e-12)
    assert check_preprocessing([("random_projection", 7)]) == (("random_projection", 7, 0),)
    a = preprocess_patterns(X, [("random_projection", 7)])
    np.testing.assert_array_equal(a, preprocess_patterns(X, [("random_projection", 7, 0)]))
    assert not np.allclose(a, preprocess_patterns(X, [("random_projection", 7, 1)]))


def test_random_projection_preserves_distances_on_average():
    x = RNG.normal(size=(10, 3000))
    d = squareform(((x[:, None] - x[None]) ** 2).sum(-1), checks=False)
    y = preprocess_patterns(x, [("random_projection", 2000, 5)])
    dy = squareform(((y[:, None] - y[None]) ** 2).sum(-1), checks=False)
    assert abs(np.mean(dy / d) - 1) < 0.05


def test_double_centering_is_j_d_j():
    d = rdm(X).dissimilarities[0]
    sq = squareform(d)
    j = np.eye(15) - np.ones((15, 15)) / 15
    want = squareform(j @ sq @ j, checks=False)
    np.testing.assert_allclose(double_center(d), want, atol=1e-12)
    got = rdm(X, preprocessing=("rdm_double_center",)).dissimilarities[0]
    np.testing.assert_allclose(got, want, atol=1e-12)
    full = squareform(got) + np.diag(np.diag(j @ sq @ j))
    np.testing.assert_allclose(full.mean(axis=1), 0, atol=1e-12)  # rows (and columns) have zero mean


def test_steps_compose_in_order():
    want = corr_rdm((X - X.mean(0)) / X.std(0))
    j = np.eye(15) - 1 / 15
    want = squareform(j @ squareform(want) @ j, checks=False)
    got = rdm(X, preprocessing=("standardize", "rdm_double_center")).dissimilarities[0]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_no_preprocessing_is_bit_identical():
    np.testing.assert_array_equal(rdm(X, preprocessing=()).dissimilarities, rdm(X).dissimilarities)
    np.testing.assert_array_equal(rdm(X, preprocessing=None).dissimilarities, rdm(X).dissimilarities)


@pytest.mark.parametrize("bad, match", [
    ("whiten", "unknown preprocessing step"),
    (["standardize", "standardize"], "given twice"),
    ([("pca",)], r"\('pca', k\)"),
    ([("pca", 0)], "positive integer"),
    ([("pca", 2.5)], "positive integer"),
    ([("random_projection", 5, -1)], "seed"),
    (["rdm_double_center", "standardize"], "pattern steps come first"),
    ([("standardize", 3)], "takes no arguments"),
    ([3], "a name or"),
])
def test_bad_preprocessing_is_one_clear_error(bad, match):
    with pytest.raises(ValueError, match=match):
        check_preprocessing(bad)


def test_crossnobis_refuses_preprocessing():
    with pytest.raises(ValueError, match="crossnobis"):
        rdm(RNG.normal(size=(2, 5, 4)), method="crossnobis", preprocessing=["standardize"])


# ------------------------------------------------------------------------------------------- caches
@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _stimuli(n=10):
    import xarray as xr
    rng = np.random.default_rng(0)
    imgs = (rng.random((n, 16, 16, 3)) * 255).astype(np.uint8)
    imgs[:, :8] = 250  # a shared bright half: a mean pattern every stimulus has
    return xr.DataArray(imgs, dims=("presentation", "height", "width", "channel"),
                        coords={"stimulus_id": ("presentation", [f"s{i}" for i in range(n)])})


def _model():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 3), torch.nn.ReLU(), torch.nn.Flatten())

    def pre(images):
        return torch.from_numpy(np.asarray(images, dtype=np.float32) / 255).permute(0, 3, 1, 2)
    return nv.from_torch(net, preprocess=pre, layers=["1"], region_layer_map={"IT": "1"}, identifier="tiny")


STEPS = [(), ("standardize",), ("cocktail_blank",), (("pca", 3),), (("random_projection", 4, 0),),
         (("random_projection", 4, 1),), ("rdm_double_center",)]


def test_model_rdm_cache_key_includes_the_preprocessing(cache):
    stim, model = _stimuli(), _model()
    cached = [model_rdms(model, stim, ["1"], preprocessing=s, progress=False).dissimilarities for s in STEPS]
    for s, got in zip(STEPS, cached):  # what the cache served equals what was asked for
        want = model_rdms(model, stim, ["1"], preprocessing=s, progress=False).dissimilarities
        np.testing.assert_array_equal(got, want)
        with nv.cache.caching(False):
            np.testing.assert_allclose(got, model_rdms(model, stim, ["1"], preprocessing=s,
                                                        progress=False).dissimilarities, atol=1e-12)
    for i in range(len(STEPS)):
        for j in range(i):
            assert not np.allclose(cached[i], cached[j]), (STEPS[i], STEPS[j])


def test_benchmark_scores_are_keyed_by_the_preprocessing(cache):
    stim, model = _stimuli(), _model()
    ids = stim["stimulus_id"].values
    rng = np.random.default_rng(2)
    subj = np.stack([squareform(rng.random(45)) for _ in range(3)])
    bench = nv.RSABenchmark.from_rdms("tiny.rdms", stim, subj, region="IT", stimulus_ids=ids)
    with_steps = [dataclasses.replace(bench, preprocessing=s) for s in STEPS]
    warm = [b(model, n_boot=0, progress=False) for b in with_steps]
    cold = [b(model, n_boot=0, progress=False, cache=False) for b in with_steps]
    for s, w, c in zip(STEPS, warm, cold):
        assert w.raw == pytest.approx(c.raw, abs=1e-9), s
        assert w.provenance.get("preprocessing") == ([list(x) if isinstance(x, tuple) else x for x in s] or None)
    assert len({round(w.raw, 9) for w in warm}) == len(STEPS)
    assert with_steps[0].content_key() != with_steps[1].content_key()
    assert "preprocessing: standardize" in warm[1].metric and "preprocessing" not in warm[0].metric
