"""The torch backend of the RSA hot paths equals the numpy engine: RDMs (neurovision.rsa.rdm), comparisons
(compare / compare_vectors) and the stimulus bootstrap (bootstrap_stimuli, same seed or the same counts), within
1e-6 in float32 and 1e-10 in float64, on the CPU through the code that runs on CUDA."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from scipy.stats import rankdata

from neurovision.rsa import RDM, bootstrap_stimuli, compare, rdm
from neurovision.rsa import torch_backend as tb
from neurovision.rsa.compare import compare_vectors

TOL = {torch.float32: 1e-6, torch.float64: 1e-10}
DTYPES = [torch.float32, torch.float64]


@pytest.fixture
def patterns():
    rng = np.random.default_rng(0)
    return rng.standard_normal((37, 250)) * 0.6 + 0.4


@pytest.fixture
def rdms():
    """Two model RDMs and three data RDMs over 26 conditions; the last data RDM has many ties."""
    rng = np.random.default_rng(1)
    p = 26 * 25 // 2
    base = rng.random(p)
    model = base + rng.random((2, p))
    data = base + 0.6 * rng.random((3, p))
    data[2] = np.round(data[2] * 4)
    return model, data


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", ["correlation", "cosine", "euclidean"])
def test_rdm_equals_numpy(patterns, method, dtype):
    ref = rdm(patterns, method).dissimilarities[0]
    got = tb.condensed_rdm(patterns, method, dtype=dtype, device="cpu")
    assert got.dtype == dtype and got.shape == ref.shape
    np.testing.assert_allclose(got.double().numpy(), ref, rtol=0, atol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_rdm_of_relu_activations_and_unnormalised_euclidean(patterns, dtype):
    relu = np.maximum(patterns - 0.4, 0).astype(np.float32)  # activations: nonnegative, float32
    np.testing.assert_allclose(tb.condensed_rdm(relu, dtype=dtype).double().numpy(),
                               rdm(relu, "correlation").dissimilarities[0], rtol=0, atol=TOL[dtype])
    got = tb.condensed_rdm(torch.from_numpy(patterns), "euclidean", normalize=False, dtype=dtype).double().numpy()
    ref = rdm(patterns, "euclidean", normalize=False).dissimilarities[0]
    np.testing.assert_allclose(got, ref, rtol=TOL[dtype], atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_correlation_rdm_with_a_large_offset_centres_before_the_product(patterns, dtype):
    shifted = patterns + 300.0  # kappa = 1 + 300**2 / 0.36: centring after a float32 GEMM would lose everything
    ref = rdm(shifted, "correlation").dissimilarities[0]
    np.testing.assert_allclose(tb.condensed_rdm(shifted, dtype=dtype).double().numpy(), ref, rtol=0,
                               atol=TOL[dtype])


def test_rdm_bad_input_is_refused_by_name(patterns):
    x = patterns.copy()
    x[4] = 2.0
    with pytest.raises(ValueError, match=r"constant patterns of conditions \[4\]"):
        tb.condensed_rdm(x)
    x[4] = 0.0
    with pytest.raises(ValueError, match=r"all-zero patterns of conditions \[4\]"):
        tb.condensed_rdm(x, "cosine")
    x[5, 3] = np.nan
    with pytest.raises(ValueError, match=r"NaN/inf for conditions \[5\]"):
        tb.condensed_rdm(x, "euclidean")
    with pytest.raises(ValueError, match="unknown RDM method 'crossnobis'"):
        tb.condensed_rdm(patterns, "crossnobis")
    with pytest.raises(ValueError, match="at least 3 conditions"):
        tb.condensed_rdm(patterns[:2])
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        tb.condensed_rdm(patterns, dtype=torch.float16)
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        tb.condensed_rdm(patterns, device="gpu")


def test_average_ranks_equal_scipy(rdms):
    _, data = rdms
    np.testing.assert_array_equal(tb.average_ranks(data).numpy(), rankdata(data, method="average", axis=1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", ["pearson", "spearman", "cosine"])
def test_comparisons_equal_numpy(rdms, method, dtype):
    model, data = rdms
    ref = compare_vectors(model, data, method)
    got = tb.compare_condensed(model, data, method, dtype=dtype, device="cpu")
    assert got.shape == (2, 3) and got.dtype == dtype
    np.testing.assert_allclose(got.double().numpy(), ref, rtol=0, atol=TOL[dtype])
    one = tb.compare_condensed(RDM(model[:1]), RDM(data[:1]), method, dtype=dtype)
    np.testing.assert_allclose(float(one[0, 0]), compare(RDM(model[:1]), RDM(data[:1]), method), atol=TOL[dtype])


def test_spearman_ties_are_ranked_in_the_input_precision():
    # two values distinct in float64 that round to the same float32: numpy ranks them apart, and so must we
    x = np.array([[1.0, 1.0 + 1e-12, 0.5, 2.0, 3.0, 0.0]])
    y = np.array([[1.0, 2.0, 0.0, 0.5, 3.0, 4.0]])
    np.testing.assert_allclose(tb.compare_condensed(x, y, "spearman").double().numpy(),
                               compare_vectors(x, y, "spearman"), atol=1e-6)


def test_comparison_bad_input(rdms):
    model, data = rdms
    with pytest.raises(ValueError, match="differ in length"):
        tb.compare_condensed(model, data[:, :-1])
    with pytest.raises(ValueError, match="unknown comparison method 'kendall_tau_a'"):
        tb.compare_condensed(model, data, "kendall_tau_a")
    bad = data.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="y contains NaN or infinite values"):
        tb.compare_condensed(model, bad)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_bootstrap_equals_numpy_with_the_same_seed(rdms, method, dtype):
    model, data = rdms
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = bootstrap_stimuli(RDM(model), RDM(data), method, n_boot=40, seed=7, ceiling=False).samples
    got = tb.bootstrap_stimuli_torch(RDM(model), RDM(data), method, n_boot=40, seed=7, dtype=dtype, device="cpu")
    assert got.shape == (40, 2) and np.isfinite(ref).all()
    np.testing.assert_allclose(got, ref, rtol=0, atol=TOL[dtype])
    # small batches (several passes) give the same samples
    small = tb.bootstrap_stimuli_torch(model, data, method, n_boot=40, seed=7, dtype=dtype, max_bytes=1)
    np.testing.assert_allclose(small, got, rtol=0, atol=TOL[dtype])


@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_bootstrap_with_given_counts_and_degenerate_resamples(method):
    # 6 conditions: some resamples draw fewer than 3 distinct conditions (NaN), a tied data RDM becomes
    # constant on some resamples (NaN for the whole row), the counts are passed to both engines
    rng = np.random.default_rng(3)
    n, p = 6, 15
    model = rng.random((2, p))
    data = np.vstack([rng.random(p), np.where(np.arange(p) < 3, 1.0, 2.0)])
    samples = rng.integers(0, n, size=(60, n))
    samples[0] = [0, 0, 1, 1, 1, 0]
    counts = np.array([np.bincount(s, minlength=n) for s in samples])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = bootstrap_stimuli(RDM(model), RDM(data), method, ceiling=False, samples=samples).samples
    got = tb.bootstrap_stimuli_torch(model, data, method, counts=counts, dtype=torch.float64)
    assert np.isnan(ref[0]).all() and np.isnan(ref).any(axis=1).sum() > 1 and np.isfinite(ref).any()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10)


def test_stimulus_counts_are_those_of_bootstrap_stimuli():
    counts = tb.stimulus_counts(9, 5, seed=11)
    rng = np.random.default_rng(11)
    expected = [np.bincount(rng.integers(0, 9, size=9), minlength=9) for _ in range(5)]
    np.testing.assert_array_equal(counts, expected)
    assert (counts.sum(axis=1) == 9).all()


def test_bootstrap_bad_input(rdms):
    model, data = rdms
    with pytest.raises(ValueError, match="method must be one of"):
        tb.bootstrap_stimuli_torch(model, data, "kendall_tau_a", n_boot=2)
    with pytest.raises(ValueError, match=r"counts must be non-negative integers \(n_boot, 26\)"):
        tb.bootstrap_stimuli_torch(model, data, counts=np.ones((3, 25), dtype=int))
    with pytest.raises(ValueError, match="n_boot=1 gives no interval"):
        tb.bootstrap_stimuli_torch(model, data, n_boot=1)
    ids = [f"s{i}" for i in range(26)]
    with pytest.raises(ValueError, match="different stimulus_id"):
        tb.bootstrap_stimuli_torch(RDM(model, ids), RDM(data, ids[::-1]), n_boot=2)


def test_rdm_and_compare_dispatch_to_the_torch_backend():
    """``rdm(..., backend="torch")`` and ``compare(..., backend="torch")`` give the numpy engine's values; bad
    combinations are refused with one clear error."""
    import numpy as np
    import pytest

    from neurovision.rsa import compare, rdm
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 200))
    y = x + rng.normal(size=(30, 200))
    for method in ("correlation", "cosine", "euclidean"):
        a, b = rdm(x, method), rdm(x, method, backend="torch", device="cpu")
        np.testing.assert_allclose(b.dissimilarities, a.dissimilarities, atol=1e-10)
        f32 = rdm(x, method, backend="torch", device="cpu", dtype=np.float32)
        np.testing.assert_allclose(f32.dissimilarities, a.dissimilarities, atol=1e-6)
    ra, rb = rdm(x), rdm(y)
    for method in ("spearman", "pearson", "cosine"):
        assert compare(ra, rb, method, backend="torch", device="cpu") == pytest.approx(compare(ra, rb, method),
                                                                                       abs=1e-10)
    with pytest.raises(ValueError, match="backend"):
        rdm(x, backend="cupy")
    with pytest.raises(ValueError, match="device= needs backend='torch'"):
        rdm(x, device="cpu")
    with pytest.raises(ValueError, match="backend='torch' supports"):
        compare(ra, rb, "kendall_tau_a", backend="torch")
