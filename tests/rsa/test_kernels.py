"""Compiled (numba) kernels of the RSA engine vs their numpy fallbacks and
O(n^2) definitions."""
import numpy as np
import pytest

from neurovision.rsa import RDM, bootstrap_stimuli
from neurovision.rsa import _kernels as K
from neurovision.rsa.compare import Prepared, compare_vectors

needs_numba = pytest.mark.skipif(not K.HAVE_NUMBA, reason="numba missing")


@pytest.fixture
def numpy_only(monkeypatch):
    monkeypatch.setattr(K, "USE_NUMBA", False)


def tau_def(x, y, w=None):
    if w is not None:
        x = np.repeat(x, w.astype(int))
        y = np.repeat(y, w.astype(int))
    n = len(x)
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    return np.sum(np.triu(sx * sy, 1)) / (n * (n - 1) / 2)


@needs_numba
@pytest.mark.parametrize("n", [1, 5, 255, 256, 3000])
def test_argsort_stable_exact(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n)
    if n > 4:
        x[::3] = 0.0
        x[1::7] = -0.0
        x[2::5] = 1.0 + np.arange(len(x[2::5])) % 4 * 2.0 ** -52  # low bits
        x[3::11] = -np.inf
    want = np.argsort(x, kind="stable")
    np.testing.assert_array_equal(K.argsort(x[None])[0], want)
    np.testing.assert_array_equal(K.argsort_numpy(x[None])[0], want)


@pytest.mark.parametrize("n,levels", [(2, 3), (9, 2), (40, 4), (300, 10**6),
                                      (700, 7)])
def test_tau_kernels_match_definition(n, levels):
    rng = np.random.default_rng(n + levels)
    x = rng.integers(0, levels, (2, n)).astype(float)
    y = rng.integers(0, levels, (3, n)).astype(float)
    w = rng.integers(0, 4, n).astype(float)
    w[:2] = 1
    small = n <= 300
    for ww in (None, w):
        got = K.tau_a_matrix_numpy(x, y, ww)
        if K.HAVE_NUMBA:
            np.testing.assert_allclose(K.tau_a_matrix(x, y, ww), got,
                                       rtol=0, atol=1e-12)
            pairs = K.tau_a_pairs(x, y, [0, 0, 1], [2, 0, 1], ww)
            np.testing.assert_allclose(pairs, got[[0, 0, 1], [2, 0, 1]],
                                       rtol=0, atol=1e-12)
        if small:
            for i in range(2):
                for j in range(3):
                    assert abs(got[i, j] - tau_def(x[i], y[j], ww)) < 1e-12


@needs_numba
@pytest.mark.parametrize("levels", [None, 7, 300])
def test_long_single_pair_two_thread_path_matches_scipy(levels):
    """One unweighted pair of >= SINGLE_PAIR_PARALLEL_MIN entries takes the two-thread merge sort
    (halves counted separately, then across): equal to scipy's kendalltau (tau-b, = tau-a without ties)
    and to the numpy oracle with ties (odd length: unequal halves)."""
    from scipy.stats import kendalltau
    rng = np.random.default_rng(levels or 0)
    p = K.SINGLE_PAIR_PARALLEL_MIN + 1001
    x = rng.random(p) if levels is None else rng.integers(0, levels, p).astype(float)
    y = x + rng.random(p) * 2 if levels is None else (x + rng.integers(0, levels, p)) % levels
    got = K.tau_a_matrix(x[None], y[None])[0, 0]
    if levels is None:
        assert got == pytest.approx(kendalltau(x, y).statistic, abs=1e-12)
    assert got == pytest.approx(K.tau_a_matrix_numpy(x[None], y[None])[0, 0], abs=1e-12)
    assert compare_vectors(x, y, "kendall_tau_a")[0, 0] == pytest.approx(got, abs=1e-15)


def test_discordant_numpy_weighted():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 6, 60)
    w = rng.integers(1, 4, 60).astype(float)
    brute = sum(w[p] * w[q] for p in range(60) for q in range(p + 1, 60)
                if y[p] > y[q])
    assert K.weighted_discordant_numpy(y, w) == brute


@pytest.mark.parametrize("n", [3, 4, 50])
def test_pair_weights(n):
    rng = np.random.default_rng(n)
    c = rng.integers(0, 4, (5, n)).astype(float)
    iu = np.triu_indices(n, 1)
    want = c[:, iu[0]] * c[:, iu[1]]
    p = want.shape[1]
    for use in (True, False) if K.HAVE_NUMBA else (False,):
        K.USE_NUMBA = use
        try:
            np.testing.assert_array_equal(K.pair_weights(c[0]), want[0])
            for p0, p1 in [(0, p), (1, p), (p - 1, p), (0, 1),
                           (p // 3, 2 * p // 3)]:
                np.testing.assert_array_equal(
                    K.pair_weights_block(c, p0, p1), want[:, p0:p1])
        finally:
            K.USE_NUMBA = K.HAVE_NUMBA


@needs_numba
def test_weighted_ranks_match_numpy(monkeypatch):
    rng = np.random.default_rng(6)
    x = np.round(rng.random((3, 45)) * 5)
    w = rng.integers(0, 3, 45).astype(float)
    fast = [Prepared(x).ranks(None), Prepared(x).ranks(w)]
    monkeypatch.setattr(K, "USE_NUMBA", False)
    slow = [Prepared(x).ranks(None), Prepared(x).ranks(w)]
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("method", ["kendall_tau_a", "pearson", "cosine",
                                    "spearman"])
def test_bootstrap_numba_vs_numpy(method, monkeypatch):
    rng = np.random.default_rng(7)
    n = 14
    base = rng.random(n * (n - 1) // 2)
    data = RDM(np.round((base + 0.6 * rng.random((3, base.shape[0]))) * 8))
    model = RDM(rng.random((2, base.shape[0])))
    fast = bootstrap_stimuli(model, data, method, n_boot=12, seed=3)
    monkeypatch.setattr(K, "USE_NUMBA", False)
    slow = bootstrap_stimuli(model, data, method, n_boot=12, seed=3)
    np.testing.assert_allclose(fast.samples, slow.samples, atol=1e-12)
    np.testing.assert_allclose(fast.ceiling_samples, slow.ceiling_samples,
                               atol=1e-12)
    np.testing.assert_allclose(fast.point, slow.point, atol=1e-12)
    np.testing.assert_allclose(fast.ceiling, slow.ceiling, atol=1e-12)


def test_compare_numpy_fallback(numpy_only):
    rng = np.random.default_rng(8)
    a = np.round(rng.random((2, 36)) * 4)
    b = rng.random((1, 36))
    got = compare_vectors(a, b, "kendall_tau_a")
    for i in range(2):
        assert abs(got[i, 0] - tau_def(a[i], b[0])) < 1e-12


@needs_numba
@pytest.mark.parametrize("n, ties", [(5, True), (23, True), (60, False), (130, True)])
def test_spearman_resampled_equals_ranked_pearson_of_each_resample(n, ties):
    """The sort-order kernel of the stimulus bootstrap (no re-sorting, float32 ranks) against the generic
    weighted path (average ranks of the expanded vectors, then weighted Pearson) on every resample."""
    rng = np.random.default_rng(n)
    p = n * (n - 1) // 2
    a = rng.random((2, p))
    b = rng.random((3, p))
    if ties:
        a[1] = np.round(a[1] * 4)
        b = np.round(b * 6)
        b[2] = 1.0  # a constant RDM: no variance, compares as 0 in both paths
    counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(7)])
    counts[0] = 1  # the identity resample
    pa, pb = Prepared(a), Prepared(b)
    got = K.spearman_resampled(pa.sorted_pairs(), pb.sorted_pairs(), counts)
    want = np.stack([compare_vectors(pa, pb, "spearman", K.pair_weights(c)) for c in counts])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[0], compare_vectors(a, b, "spearman"), rtol=0, atol=1e-12)
