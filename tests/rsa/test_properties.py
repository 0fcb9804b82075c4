"""Property-based tests of the RSA engine (hypothesis)."""
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neurovision.rsa import RDM, rdm
from neurovision.rsa.compare import compare_vectors

SETTINGS = settings(max_examples=25, deadline=None)

finite = st.floats(-100, 100, allow_nan=False, allow_infinity=False)


@st.composite
def pattern_sets(draw):
    n = draw(st.integers(3, 12))
    c = draw(st.integers(2, 10))
    x = draw(arrays(np.float64, (n, c), elements=finite))
    # a seeded random component keeps every row non-constant (correlation
    # defined) without heavy filtering
    seed = draw(st.integers(0, 2**16))
    x = x + np.random.default_rng(seed).standard_normal((n, c))
    xc = x - x.mean(axis=1, keepdims=True)
    assume(np.all(np.sqrt((xc ** 2).sum(1)) > 1e-3 * (1 + np.abs(x).max(1))))
    return x


@st.composite
def rdm_pairs(draw, ties=True):
    n = draw(st.integers(3, 14))
    p = n * (n - 1) // 2
    levels = draw(st.integers(2, 50)) if ties else 10**6
    a = draw(arrays(np.int64, p, elements=st.integers(0, levels)))
    b = draw(arrays(np.int64, p, elements=st.integers(0, levels)))
    return a.astype(float), b.astype(float)


def tau_a_def(x, y):
    n = len(x)
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    return np.sum(np.triu(sx * sy, 1)) / (n * (n - 1) / 2)


@SETTINGS
@given(pattern_sets(), st.sampled_from(["correlation", "euclidean", "cosine"]))
def test_rdm_symmetric_zero_diagonal(x, method):
    if method == "cosine":
        x = x + 1000.0  # no all-zero rows
    m = rdm(x, method).matrix
    assert np.allclose(m, m.T)
    assert np.all(np.diag(m) == 0)
    assert np.all(m >= -1e-12)


@SETTINGS
@given(pattern_sets(), st.data())
def test_correlation_rdm_affine_invariant(x, data):
    n = x.shape[0]
    scale = np.array(data.draw(st.lists(st.floats(0.1, 10), min_size=n,
                                        max_size=n)))
    shift = np.array(data.draw(st.lists(finite, min_size=n, max_size=n)))
    a = rdm(x, "correlation").dissimilarities
    b = rdm(x * scale[:, None] + shift[:, None], "correlation").dissimilarities
    np.testing.assert_allclose(a, b, atol=1e-9)


@SETTINGS
@given(rdm_pairs(), st.sampled_from(["spearman", "kendall_tau_a", "rho_a"]),
       st.sampled_from([np.exp, np.sqrt, lambda v: v ** 3 + 2 * v,
                        lambda v: np.log1p(v)]))
def test_rank_methods_monotone_invariant(pair, method, f):
    a, b = pair
    r1 = compare_vectors(a, b, method)
    r2 = compare_vectors(f(a), b, method)
    np.testing.assert_allclose(r1, r2, atol=1e-12)


@SETTINGS
@given(rdm_pairs())
def test_tau_a_matches_definition(pair):
    a, b = pair
    got = compare_vectors(a, b, "kendall_tau_a")[0, 0]
    assert abs(got - tau_a_def(a, b)) < 1e-12


@SETTINGS
@given(rdm_pairs(), st.data())
def test_weights_equal_expansion(pair, data):
    """Multiplicity weights == comparing the explicitly repeated vectors."""
    a, b = pair
    w = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(a),
                                    max_size=len(a))))
    if w.sum() < 2:
        w[:2] = 1
    for method in ("spearman", "pearson", "kendall_tau_a", "rho_a", "cosine"):
        got = compare_vectors(a, b, method, w.astype(float))[0, 0]
        want = compare_vectors(np.repeat(a, w), np.repeat(b, w), method)[0, 0]
        if np.isfinite(want):
            assert abs(got - want) < 1e-10, method


@SETTINGS
@given(st.integers(3, 9), st.data())
def test_subset_permutation_roundtrip(n, data):
    p = n * (n - 1) // 2
    v = np.arange(1, p + 1, dtype=float)
    r = RDM(v, stimulus_id=[f"s{i}" for i in range(n)])
    perm = data.draw(st.permutations(list(r.stimulus_id)))
    back = r.subset(perm).subset(r.stimulus_id)
    np.testing.assert_array_equal(back.dissimilarities, r.dissimilarities)
