"""The compiled tau-a kernel (neurovision/rsa/_tau.c through neurovision.rsa._tau_native) against the
definition, the numba and numpy kernels and scipy, on ties, truncated-key collisions, long vectors (the
two-thread path), multiplicity weights and bootstrap condition counts; its SIMD and scalar paths against
each other."""
import ctypes

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau

from neurovision.rsa import RDM, bootstrap_stimuli
from neurovision.rsa import _kernels as K
from neurovision.rsa import _tau_native as T
from neurovision.rsa.compare import compare_vectors


def test_native_kernel_is_built():
    """`pip install -e .` (make setup) builds the extension; a silent build failure would hide the fast path."""
    assert T.AVAILABLE, "neurovision.rsa._tau_c was not built (is a C compiler installed?)"


pytestmark = pytest.mark.skipif(not T.AVAILABLE, reason="compiled tau-a kernel not built")


def _brute_discordant(v, w=None):
    v = np.asarray(v)
    w = np.ones(len(v)) if w is None else np.asarray(w, float)
    return sum(w[i] * np.sum(w[i + 1:] * (v[i + 1:] < v[i])) for i in range(len(v)))


def _vectors(rng, n, kind):
    if kind == "continuous":
        return rng.random(n), rng.random(n)
    if kind == "ties":
        return rng.integers(0, 5, n).astype(float), rng.integers(0, 9, n).astype(float)
    if kind == "correlated":
        x = rng.random(n)
        return x, np.round(x * 20) + rng.integers(0, 2, n)
    # values differing only in the low mantissa bits: the packed sort keys truncate them (exact fix-up path)
    return 1.0 + rng.integers(0, 50, n) * 2.0 ** -50, 1.0 + rng.integers(0, 50, n) * 2.0 ** -48


@pytest.mark.parametrize("kind", ["continuous", "ties", "correlated", "collisions"])
@pytest.mark.parametrize("n", [2, 3, 17, 300, 5000, 40000])
def test_tau_a_matches_numpy_and_numba(kind, n):
    rng = np.random.default_rng(n)
    x, y = _vectors(rng, n, kind)
    got = T.tau_a(x, y)
    assert got == pytest.approx(K.tau_a_matrix_numpy(x[None], y[None])[0, 0], abs=1e-12)
    if K.HAVE_NUMBA:
        assert got == pytest.approx(K.tau_a_matrix(x[None], y[None])[0, 0], abs=1e-12)
    assert T.tau_a(x, y, threads=1) == got
    if kind == "continuous":  # no ties: tau-b = tau-a
        assert got == pytest.approx(kendalltau(x, y).statistic, abs=1e-12)


def test_tau_a_definition_small():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(2, 30))
        x, y = rng.integers(0, 4, n).astype(float), rng.integers(0, 4, n).astype(float)
        s = sum(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]) for i in range(n) for j in range(i + 1, n))
        assert T.tau_a(x, y) == pytest.approx(s / (n * (n - 1) / 2), abs=1e-12)


def test_tau_a_edge_cases():
    assert np.isnan(T.tau_a(np.ones(1), np.ones(1)))
    assert T.tau_a(np.ones(10), np.arange(10.0)) == 0.0  # every pair tied in x
    assert T.tau_a(np.arange(70000.0), np.arange(70000.0)) == 1.0
    assert T.tau_a(np.arange(70000.0), -np.arange(70000.0)) == -1.0


def test_compare_vectors_routes_long_vectors_to_native():
    rng = np.random.default_rng(1)
    a, b = rng.random((2, T.MIN_LENGTH + 5)), rng.random((3, T.MIN_LENGTH + 5))
    got = compare_vectors(a, b, "kendall_tau_a")
    np.testing.assert_allclose(got, K.tau_a_matrix_numpy(a, b), atol=1e-12)
    np.testing.assert_allclose(got, T.tau_a_matrix(a, b), atol=0)


@pytest.mark.parametrize("kind", ["continuous", "ties", "collisions"])
@pytest.mark.parametrize("n", [50, 40000])
def test_weighted_pairs_match_numba(kind, n):
    rng = np.random.default_rng(n + len(kind))
    X = np.stack([_vectors(rng, n, kind)[0] for _ in range(2)])
    Y = np.stack([_vectors(rng, n, kind)[1] for _ in range(3)])
    w = rng.integers(0, 4, n).astype(float)
    xi, yi = np.array([0, 0, 1, 1, 1]), np.array([0, 2, 1, 0, 2])
    for ww in (None, w):
        want = [K.tau_a_matrix_numpy(X[a][None], Y[b][None], ww)[0, 0] for a, b in zip(xi, yi)]
        np.testing.assert_allclose(T.tau_a_pairs(X, Y, xi, yi, ww), want, atol=1e-12)


@pytest.mark.parametrize("ties", [False, True])
def test_counts_path_matches_pair_weights(ties):
    """Bootstrap condition counts c give entry (i, j) the weight c_i c_j: same as passing those weights."""
    rng = np.random.default_rng(3)
    ncond = 260  # 33,670 pairs: the two-thread path
    p = ncond * (ncond - 1) // 2
    X, Y = rng.random((2, p)), rng.random((2, p))
    if ties:
        X, Y = np.round(X * 6), np.round(Y * 4)
    c = rng.multinomial(ncond, np.ones(ncond) / ncond).astype(float)
    w = K.pair_weights(c)
    xi, yi = np.array([0, 1, 1]), np.array([1, 0, 1])
    got = T.tau_a_pairs(X, Y, xi, yi, counts=c)
    np.testing.assert_allclose(got, T.tau_a_pairs(X, Y, xi, yi, w), atol=1e-12)
    np.testing.assert_allclose(got, [K.tau_a_matrix_numpy(X[a][None], Y[b][None], w)[0, 0]
                                     for a, b in zip(xi, yi)], atol=1e-12)
    with pytest.raises(ValueError, match="condition counts"):
        T.tau_a_pairs(X, Y, xi, yi, counts=c[:-1])
    with pytest.raises(ValueError, match="either w or counts"):
        T.tau_a_pairs(X, Y, xi, yi, w=w, counts=c)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=0, max_size=120), st.data())
def test_discordant_pairs_property(vals, data):
    """Radix count of discordant pairs (min ranks with repeats, weights) = the O(n^2) definition."""
    y = np.asarray(vals, float)
    n = len(y)
    if n < 2:
        return
    o = np.argsort(y, kind="stable")
    ys = y[o]
    starts = np.r_[True, ys[1:] != ys[:-1]]
    r = np.empty(n, np.int32)
    r[o] = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    ends = np.r_[np.flatnonzero(starts)[1:], n]
    E = np.zeros(n + 1, np.int64)
    E[1:] = ends[np.cumsum(starts) - 1]
    perm = np.asarray(data.draw(st.permutations(range(n))))
    v = r[perm]
    w = np.asarray(data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), np.int32)
    want_u, want_w = _brute_discordant(v), _brute_discordant(v, w)
    assert T.discordant_pairs(v.copy(), E, threads=1) == want_u
    nb = max(1, int(n - 1).bit_length())
    buf = np.empty(n, np.int32)
    wf = w.astype(float)
    want_tied = sum(wf[i] * np.sum(wf[i + 1:] * (v[i + 1:] == v[i])) for i in range(n))
    for simd in (0, int(T.SIMD)):
        vv, ww, bw = v.copy(), w.copy(), np.empty(n, np.int32)
        tied = ctypes.c_int64(-1)
        got = T._LIB.nv_count_w(T._ptr(vv), T._ptr(ww), T._ptr(buf), T._ptr(bw), T._ptr(E), n, nb - 1, 0, 1 << nb,
                                simd, ctypes.byref(tied))
        assert got == want_w and tied.value == want_tied


@pytest.mark.skipif(not T.SIMD, reason="no AVX-512 on this CPU")
def test_simd_and_scalar_levels_agree_on_long_input():
    rng = np.random.default_rng(5)
    n = 200_003
    nb = int(n - 1).bit_length()
    r = rng.permutation(n).astype(np.int32)
    w = rng.integers(0, 7, n).astype(np.int32)
    res = []
    for tab in (None, T._ptr(T._TABLE)):
        v, b = r.copy(), np.empty(n, np.int32)
        res.append(T._LIB.nv_count(T._ptr(v), T._ptr(b), None, n, nb - 1, 0, 1 << nb, tab))
    assert res[0] == res[1] == int(_merge_inversions(r))
    resw = []
    for simd in (0, 1):
        v, vw, b, bw = r.copy(), w.copy(), np.empty(n, np.int32), np.empty(n, np.int32)
        tied = ctypes.c_int64(-1)
        resw.append(T._LIB.nv_count_w(T._ptr(v), T._ptr(vw), T._ptr(b), T._ptr(bw), None, n, nb - 1, 0, 1 << nb, simd,
                                      ctypes.byref(tied)))
        assert tied.value == 0  # a permutation: no ties
    assert resw[0] == resw[1] == int(round(K.weighted_discordant_numpy(r, w.astype(float))))


def _merge_inversions(a):
    return K.weighted_discordant_numpy(np.asarray(a), None)


def test_bootstrap_native_equals_numba(monkeypatch):
    rng = np.random.default_rng(7)
    n = 120
    p = n * (n - 1) // 2
    base = rng.random(p)
    data = RDM(np.round((base + rng.random((4, p))) * 30))  # ties in the data
    model = RDM(base[None] + rng.random((2, p)))
    a = bootstrap_stimuli(model, data, "kendall_tau_a", n_boot=15, seed=2)
    # the work arrays kept between resamples are released at the end
    assert not [k for k in (getattr(K._SCRATCH, "pool", None) or {}) if k.startswith("tau_native")]
    monkeypatch.setattr(T, "AVAILABLE", False)
    b = bootstrap_stimuli(model, data, "kendall_tau_a", n_boot=15, seed=2)
    np.testing.assert_allclose(a.samples, b.samples, atol=1e-12)
    np.testing.assert_allclose(a.ceiling_samples, b.ceiling_samples, atol=1e-12)
    np.testing.assert_allclose(a.point, b.point, atol=1e-12)
