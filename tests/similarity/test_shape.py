"""Procrustes, generalized shape metrics and soft matching against independent computations."""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import orthogonal_procrustes
from scipy.optimize import linear_sum_assignment

from neurovision.encoding import kfold
from neurovision.similarity import (
    ConstantRepresentationWarning,
    compare_representations,
    procrustes,
    shape_metric,
    soft_matching,
)

SETTINGS = settings(max_examples=20, deadline=None)


def pad(a, p):
    return np.hstack([a, np.zeros((a.shape[0], p - a.shape[1]))])


def angle_from_residual(a, b):
    """Angular Procrustes distance from scipy's orthogonal Procrustes fit: a, b unit-norm, zero-padded to one
    width; ||a R - b||^2 = 2 - 2 cos(theta)."""
    p = max(a.shape[1], b.shape[1])
    a, b = pad(a, p), pad(b, p)
    r, _ = orthogonal_procrustes(a, b)
    res = np.linalg.norm(a @ r - b) ** 2
    return math.acos(np.clip(1 - res / 2, -1, 1))


def unit(x):
    xc = x - x.mean(axis=0)
    return xc / np.linalg.norm(xc)


def explicit_whiten(x_tr, alpha):
    """(mean, scale, T) of the partial whitening, with T = (alpha I + (1 - alpha) C)^(-1/2) by eigh of the p × p C."""
    n, p = x_tr.shape
    mean = x_tr.mean(axis=0)
    xc = x_tr - mean
    scale = np.sqrt(p * n / (xc ** 2).sum())
    c = (xc * scale).T @ (xc * scale) / n
    w, v = np.linalg.eigh(alpha * np.eye(p) + (1 - alpha) * c)
    return mean, scale, (v / np.sqrt(w)) @ v.T


def explicit_shape_in_sample(x, y, alpha):
    mx, sx, tx = explicit_whiten(x, alpha)
    my, sy, ty = explicit_whiten(y, alpha)
    a, b = (x - mx) * sx @ tx, (y - my) * sy @ ty
    return angle_from_residual(a / np.linalg.norm(a), b / np.linalg.norm(b))


def explicit_shape_cv(x, y, alpha, n_splits=5, seed=0):
    folds = kfold(x.shape[0], n_splits, seed)
    angles = []
    p = max(x.shape[1], y.shape[1])
    for f in range(n_splits):
        tr, te = folds != f, folds == f
        mx, sx, tx = explicit_whiten(x[tr], alpha)
        my, sy, ty = explicit_whiten(y[tr], alpha)
        q, _ = orthogonal_procrustes(pad((x[tr] - mx) * sx @ tx, p), pad((y[tr] - my) * sy @ ty, p))
        a, b = pad((x[te] - mx) * sx @ tx, p), pad((y[te] - my) * sy @ ty, p)
        angles.append(math.acos(np.clip(np.sum((a @ q) * b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1)))
    return float(np.mean(angles))


def related(n, p1, p2, seed, noise=0.5):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p1)) @ rng.standard_normal((p1, p1)) + 2.0
    y = x @ rng.standard_normal((p1, p2)) + noise * rng.standard_normal((n, p2))
    return x, y


# ------------------------------------------------------------------------------------------- procrustes
@pytest.mark.parametrize("shape", [(30, 6, 6), (30, 8, 3), (25, 3, 9), (10, 40, 50)])  # equal, unequal, wide
def test_procrustes_matches_scipy_orthogonal_procrustes(shape):
    n, p1, p2 = shape
    x, y = related(n, p1, p2, seed=1)
    assert procrustes(x, y) == pytest.approx(angle_from_residual(unit(x), unit(y)), abs=1e-8)


@st.composite
def procrustes_case(draw):
    n = draw(st.integers(4, 15))
    p1, p2 = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((n, p1))
    y = rng.standard_normal((n, p2)) + draw(st.floats(0, 3)) * x[:, :1]
    q, _ = np.linalg.qr(rng.standard_normal((p1, p1)))
    return x, y, q, draw(st.floats(1e-3, 1e3)), rng.standard_normal(p1) * 5, rng.standard_normal((n, 3))


@SETTINGS
@given(procrustes_case())
def test_procrustes_invariances_and_triangle_inequality(case):
    x, y, q, scale, shift, z = case
    d = procrustes(x, y)
    assert 0.0 <= d <= math.pi / 2 + 1e-12
    assert procrustes(scale * x @ q + shift, y) == pytest.approx(d, abs=1e-7)
    assert procrustes(y, x) == pytest.approx(d, abs=1e-9)
    assert procrustes(x, z) <= procrustes(x, y) + procrustes(y, z) + 1e-9


def test_procrustes_detects_non_orthogonal_change():
    x, _ = related(40, 5, 5, seed=2)
    assert procrustes(x, x) == pytest.approx(0.0, abs=1e-6)
    assert procrustes(x, x * np.array([1, 1, 1, 10, 10])) > 0.3


# ------------------------------------------------------------------------------------------- shape metric
@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.8, 1.0])
@pytest.mark.parametrize("dims", [(5, 5), (6, 3)])
def test_shape_metric_in_sample_matches_explicit_whitening(alpha, dims):
    x, y = related(60, *dims, seed=3, noise=2.0)
    got = shape_metric(x, y, alpha=alpha, cross_validated=False)
    assert got == pytest.approx(explicit_shape_in_sample(x, y, alpha), abs=1e-8)


@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("dims", [(4, 4), (6, 3)])
def test_shape_metric_cross_validated_matches_explicit(alpha, dims):
    x, y = related(80, *dims, seed=4, noise=2.0)
    got = shape_metric(x, y, alpha=alpha)  # cross-validated by default for alpha < 1
    assert got == pytest.approx(explicit_shape_cv(x, y, alpha), abs=1e-8)
    assert got != pytest.approx(shape_metric(x, y, alpha=alpha, cross_validated=False), abs=1e-3)


def test_shape_metric_alpha_one_is_procrustes():
    x, y = related(30, 7, 4, seed=5)
    assert shape_metric(x, y, alpha=1.0) == pytest.approx(procrustes(x, y), abs=1e-10)


def test_cca_angle_is_mean_canonical_correlation():
    x, y = related(70, 4, 4, seed=6, noise=3.0)
    qx, _ = np.linalg.qr(x - x.mean(0))
    qy, _ = np.linalg.qr(y - y.mean(0))
    rho = np.linalg.svd(qx.T @ qy, compute_uv=False)  # canonical correlations (Björck & Golub 1973)
    assert shape_metric(x, y, alpha=0.0, cross_validated=False) == pytest.approx(math.acos(rho.mean()), abs=1e-8)


@pytest.mark.parametrize("cv", [False, True])
def test_cca_invariant_to_invertible_linear_maps(cv):
    x, y = related(60, 5, 4, seed=7, noise=2.0)
    rng = np.random.default_rng(8)
    a = rng.standard_normal((5, 5)) + 3 * np.eye(5)
    b = rng.standard_normal((4, 4)) + 3 * np.eye(4)
    d = shape_metric(x, y, alpha=0.0, cross_validated=cv)
    assert shape_metric(x @ a + 1.0, y @ b, alpha=0.0, cross_validated=cv) == pytest.approx(d, abs=1e-7)
    # partial whitening is not invariant to general linear maps
    stretch = np.diag([1.0, 1.0, 1.0, 20.0, 20.0])
    assert shape_metric(x @ stretch, y, alpha=0.9, cross_validated=cv) != pytest.approx(
        shape_metric(x, y, alpha=0.9, cross_validated=cv), abs=1e-3)


def test_shape_metric_bad_alpha_and_underdetermined_cca():
    x, y = related(20, 4, 4, seed=9)
    with pytest.raises(ValueError, match="alpha must be in"):
        shape_metric(x, y, alpha=1.5)
    with pytest.warns(RuntimeWarning, match="fits perfectly"):
        shape_metric(x[:, :4], np.hstack([y] * 5), alpha=0.0)


# ------------------------------------------------------------------------------------------- soft matching
def tuning(a):
    ac = a - a.mean(0)
    return ac / np.sqrt((ac ** 2).mean(0))


def brute_force_matching(x, y):
    """Minimum over all unit permutations of the mean squared tuning-curve distance (per stimulus)."""
    tx, ty = tuning(x), tuning(y)
    n, p = tx.shape
    best = min(np.mean([np.sum((tx[:, i] - ty[:, j]) ** 2) / n for i, j in enumerate(perm)])
               for perm in itertools.permutations(range(p)))
    return math.sqrt(best)


def replicated_assignment(x, y):
    """Uniform transport = assignment after replicating each unit to lcm(p1, p2) copies (Birkhoff)."""
    tx, ty = tuning(x), tuning(y)
    n, p1 = tx.shape
    p2 = ty.shape[1]
    m = math.lcm(p1, p2)
    cost = ((tx[:, :, None] - ty[:, None, :]) ** 2).sum(0) / n
    big = np.repeat(np.repeat(cost, m // p1, axis=0), m // p2, axis=1)
    r, c = linear_sum_assignment(big)
    return math.sqrt(big[r, c].mean())


def test_soft_matching_equal_counts_is_best_permutation():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((25, 5))
    y = x[:, rng.permutation(5)] + 0.7 * rng.standard_normal((25, 5))
    assert soft_matching(x, y) == pytest.approx(brute_force_matching(x, y), abs=1e-10)


@pytest.mark.parametrize("counts", [(2, 3), (4, 6), (5, 3)])
def test_soft_matching_unequal_counts_exact_lp(counts):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((30, counts[0]))
    y = np.hstack([x, x])[:, :counts[1]] + rng.standard_normal((30, counts[1]))
    assert soft_matching(x, y) == pytest.approx(replicated_assignment(x, y), abs=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged
        approx = soft_matching(x, y, solver="sinkhorn", epsilon=0.01)
    assert approx == pytest.approx(replicated_assignment(x, y), abs=0.005)


@SETTINGS
@given(st.integers(0, 2**16), st.integers(2, 7), st.integers(2, 7))
def test_soft_matching_permutation_invariant_not_rotation_invariant(seed, p1, p2):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((20, p1))
    y = rng.standard_normal((20, p2)) + x[:, :1]
    d = soft_matching(x, y)
    assert soft_matching(x[:, rng.permutation(p1)], y[:, rng.permutation(p2)]) == pytest.approx(d, abs=1e-8)
    assert soft_matching(x, y) == pytest.approx(soft_matching(y, x), abs=1e-8)
    assert 0.0 <= d <= 2.0 + 1e-12


def test_soft_matching_distinguishes_rotation():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((50, 4))
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    assert soft_matching(x, x[:, ::-1]) == pytest.approx(0.0, abs=1e-7)
    assert soft_matching(x, x @ q) > 0.3
    assert procrustes(x, x @ q) == pytest.approx(0.0, abs=1e-6)


def test_soft_matching_options_and_errors():
    rng = np.random.default_rng(13)
    x, y = rng.standard_normal((15, 3)), rng.standard_normal((15, 4))
    raw = soft_matching(x, y, standardize=False)
    assert raw > 0 and raw != pytest.approx(soft_matching(x, y))
    with pytest.raises(ValueError, match="did you mean 'sinkhorn'"):
        soft_matching(x, y, solver="sinkhorm")
    with pytest.warns(RuntimeWarning, match="1 unit"):
        soft_matching(np.hstack([x, np.ones((15, 1))]), y)
    with pytest.warns(ConstantRepresentationWarning):
        assert np.isnan(compare_representations(x, np.ones((15, 2)), "soft_matching"))
    with pytest.warns(ConstantRepresentationWarning):
        assert np.isnan(procrustes(np.zeros((15, 2)), y))
