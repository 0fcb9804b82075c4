"""Cowley V4 under other similarity measures (cowley2023.v4_metric / SimilarityV4Benchmark): the Gram-matrix route
equals the measure on the activations, the batched bootstrap equals the measure on explicit resamples, the ceilings
are the measure between odd- and even-repeat halves, RSA reproduces cowley2023.v4_rsa, and bad metrics are refused."""
from __future__ import annotations

import numpy as np
import pytest

import neurovision as nv
from neurovision.benchmarks.ventral import cowley2023 as c23b
from neurovision.encoding import resample_counts
from neurovision.similarity import compare_representations

RNG = np.random.default_rng(4)
X = RNG.normal(size=(40, 120))
Y = X[:, :6] @ RNG.normal(size=(6, 9)) + RNG.normal(size=(40, 9))


def test_batched_linear_cka_resamples_equal_the_measure_on_resampled_rows():
    counts = resample_counts(np.random.default_rng(0), 40, 6)
    got = c23b.cka_resamples(X @ X.T, Y @ Y.T, counts)
    for b, w in enumerate(counts):
        rows = np.repeat(np.arange(40), w.astype(int))
        assert got[b] == pytest.approx(compare_representations(X[rows], Y[rows], "linear_cka"), abs=1e-12)
    assert c23b.cka_resamples(X @ X.T, Y @ Y.T, np.ones((1, 40)))[0] == pytest.approx(
        compare_representations(X, Y, "linear_cka"), abs=1e-12)


def _hsic_u(k, lm):
    """Song et al. (2012) unbiased HSIC, by its formula, of kernels whose left-out pairs are 0."""
    n = k.shape[0]
    one = np.ones(n)
    return (np.trace(k @ lm) + (one @ k @ one) * (one @ lm @ one) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * one @ k @ lm @ one) / (n * (n - 3))


def test_batched_debiased_cka_resamples_leave_out_copy_pairs():
    counts = resample_counts(np.random.default_rng(0), 40, 6)
    xc0, yc0 = X - X.mean(0), Y - Y.mean(0)
    got = c23b.cka_resamples(xc0 @ xc0.T, yc0 @ yc0.T, counts, debiased=True)
    for b, w in enumerate(counts):
        rows = np.repeat(np.arange(40), w.astype(int))
        same = rows[:, None] == rows[None, :]  # self-pairs and pairs of a stimulus with its copy
        xc, yc = (X - X.mean(0))[rows], (Y - Y.mean(0))[rows]  # centred on all stimuli, as the benchmark's Gram
        k, lm = np.where(same, 0, xc @ xc.T), np.where(same, 0, yc @ yc.T)
        want = _hsic_u(k, lm) / np.sqrt(_hsic_u(k, k) * _hsic_u(lm, lm))
        assert got[b] == pytest.approx(want, abs=1e-12)
    assert c23b.cka_resamples(X @ X.T, Y @ Y.T, np.ones((1, 40)), debiased=True)[0] == pytest.approx(
        compare_representations(X, Y, "debiased_cka"), abs=1e-12)


@pytest.mark.parametrize("method, options", [("linear_cka", {}), ("debiased_cka", {}), ("procrustes", {}),
                                             ("shape_metric", {"alpha": 1.0})])
def test_gram_coordinates_stand_in_for_the_activations(method, options):
    z = c23b.gram_coordinates(X @ X.T + 3.0)  # any shift across stimuli cancels
    assert z.shape == (40, 39)
    assert compare_representations(z, Y, method, **options) == pytest.approx(
        compare_representations(X, Y, method, **options), abs=1e-10)


@pytest.mark.parametrize("metric, options, match", [
    ("soft_matching", {}, "permutations"), ("nonsense", {}, "unknown metric"),
    ("shape_metric", {"alpha": 0.5}, "alpha"), ("linear_cka", {"gamma": 1}, "unknown option"),
    ("linear_predictivity", {"alpha": 1}, "no options"),
])
def test_bad_metrics_are_refused(metric, options, match):
    with pytest.raises(ValueError, match=match):
        c23b.v4_metric(metric, sessions=["210325"], **options)


def test_metric_enters_the_content_key_and_the_identifier():
    a, b = c23b.v4_metric("linear_cka", ["210325"]), c23b.v4_metric("debiased_cka", ["210325"])
    assert a.identifier == "cowley2023.v4_cka" and b.identifier == "cowley2023.v4_debiased_cka"
    assert a.content_key() != b.content_key()
    assert c23b.v4_metric("linear_predictivity", ["210325"]).identifier == "cowley2023.v4"
    assert nv.load_benchmark("cowley2023.v4_cka").metric == "linear_cka"


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))


@pytest.mark.usefixtures("cache")
def test_cka_on_session_210325_against_an_independent_computation(data_mirror):
    from neurovision.activations import extract_layers
    from neurovision.data import cowley2023 as data

    model = nv.load_model("pixels")
    layer = model.layers[0]
    bench = c23b.v4_metric("linear_cka", ["210325"])
    score = bench.score_layers(model, [layer], n_boot=50, progress=False)[0]
    stimuli, responses = data.load_session("210325")
    acts = extract_layers(model, stimuli, [layer], progress=False)[layer].values.reshape(len(stimuli), -1)
    assert score.raw == pytest.approx(compare_representations(acts, responses.values, "linear_cka"), abs=1e-6)
    reps = data.load_repeats("210325").transpose("presentation", "neuroid", "repetition").values
    odd, even = nv.rsa.odd_even_repeats(reps)
    split = compare_representations(odd, even, "linear_cka")
    assert score.ceiling_upper == pytest.approx(split, abs=1e-9)
    assert score.ceiled == pytest.approx(score.raw / split, abs=1e-6)
    assert score.ci_low < score.raw < score.ci_high and score.ceiled_ci_low < score.ceiled < score.ceiled_ci_high
    assert score.provenance["similarity"]["method"] == "linear_cka" and "linear CKA" in score.metric
    rsa = c23b.v4_metric("rsa", ["210325"]).score_layers(model, [layer], n_boot=50, progress=False)[0]
    plain = nv.load_benchmark("cowley2023.v4_rsa")
    plain = type(plain)(sessions=("210325",))
    ref = plain.score_layers(model, [layer], n_boot=50, progress=False)[0]
    assert (rsa.raw, rsa.ci_low, rsa.ci_high) == (ref.raw, ref.ci_low, ref.ci_high)  # same values as v4_rsa
    assert rsa.ceiling_upper == pytest.approx(nv.rsa.spearman_brown(float(np.ravel(nv.rsa.compare(
        nv.rsa.rdm(odd), nv.rsa.rdm(even)))[0])), abs=1e-9)
