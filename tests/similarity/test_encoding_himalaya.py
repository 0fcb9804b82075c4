"""Encoding on himalaya cross-checked against the package's own ridge (neurovision.encoding)."""
from __future__ import annotations

import numpy as np
import pytest

from neurovision.encoding import center_gram, gram, kfold, ridge_fit_predict, ridge_predictivity

pytest.importorskip("himalaya")

from neurovision.encoding_himalaya import (  # noqa: E402
    banded_ridge_predictivity,
    himalaya_ridge_predictivity,
    variance_partitioning,
)


def data(n=90, p=30, m=5, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p)) * rng.uniform(0.5, 3, p) + 2.0
    y = x @ rng.standard_normal((p, m)) / np.sqrt(p) + noise * rng.standard_normal((n, m)) + 5.0
    return x, y


@pytest.mark.parametrize("p", [20, 200])  # primal (p < n) and wide (p > n)
def test_himalaya_ridge_equals_package_kernel_ridge_at_same_penalty(p):
    from himalaya.ridge import Ridge

    x, y = data(p=p)
    folds = kfold(x.shape[0], 5, 0)
    train, test = np.flatnonzero(folds != 0), np.flatnonzero(folds == 0)
    mu = x[train].mean(0)
    z = x - mu
    k_tr, k_te = center_gram(gram(x), train, test)
    lam = 37.0
    ours, _ = ridge_fit_predict(k_tr, k_te, y[train], alphas=[lam], relative=False)
    ybar = y[train].mean(0)
    model = Ridge(alpha=lam, fit_intercept=False, solver_params=dict(warn=False))
    him = model.fit(z[train], y[train] - ybar).predict(z[test]) + ybar
    np.testing.assert_allclose(him, ours, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("standardize", ["zscore", "center"])
@pytest.mark.parametrize("p", [30, 150])  # RidgeCV / KernelRidgeCV (more features than training stimuli)
def test_predictivity_same_predictions_with_one_penalty(standardize, p):
    x, y = data(p=p)
    ours = ridge_predictivity(x, y, alphas=[0.3], seed=2, standardize=standardize)
    him = himalaya_ridge_predictivity(x, y, alphas=[0.3], seed=2, standardize=standardize)
    np.testing.assert_allclose(him.predictions, ours.predictions, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(him.r, ours.r, atol=1e-10)
    # a different penalty gives different predictions (the check can fail)
    other = himalaya_ridge_predictivity(x, y, alphas=[30.0], seed=2, standardize=standardize)
    assert np.abs(other.predictions - ours.predictions).max() > 1e-3


def test_per_target_penalties():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((120, 40))
    w = rng.standard_normal(40)
    y = np.stack([x @ w / 6 + 0.05 * rng.standard_normal(120), x @ w / 6 + 5.0 * rng.standard_normal(120)], 1)
    res = himalaya_ridge_predictivity(x, y)
    assert res.alphas.shape == (5, 2)
    assert np.median(res.alphas[:, 0]) < np.median(res.alphas[:, 1])  # noisy target: larger penalty
    ours = ridge_predictivity(x, y)
    np.testing.assert_allclose(res.r, ours.r, atol=0.05)


def test_single_space_banded_equals_package_ridge():
    x, y = data()
    banded = banded_ridge_predictivity([x], y, alphas=[2.0], seed=1)
    ours = ridge_predictivity(x, y, alphas=[2.0], seed=1)
    np.testing.assert_allclose(banded.predictions, ours.predictions, rtol=1e-7, atol=1e-7)


def test_variance_partitioning_unique_and_shared():
    rng = np.random.default_rng(4)
    n = 200
    shared_f = rng.standard_normal((n, 5))
    a = np.hstack([shared_f, rng.standard_normal((n, 10))])
    b = np.hstack([shared_f @ rng.standard_normal((5, 5)), rng.standard_normal((n, 10))])
    wa = rng.standard_normal(10)
    y = np.stack([a[:, 5:] @ wa / 3 + 0.5 * rng.standard_normal(n),          # unique to A
                  shared_f @ rng.standard_normal(5) / 2 + 0.5 * rng.standard_normal(n)], 1)  # shared
    vp = variance_partitioning(a, b, y, names=("A", "B"), n_iter=20, seed=0)
    assert vp.unique_a[0] > 0.5 and abs(vp.unique_b[0]) < 0.05 and abs(vp.shared[0]) < 0.05
    assert vp.shared[1] > 0.5 and abs(vp.unique_a[1]) < 0.05 and abs(vp.unique_b[1]) < 0.05
    np.testing.assert_allclose(vp.unique_a + vp.shared, vp.r2_a)
    s = vp.summary()
    assert set(s) == {"r2_joint", "r2_A", "r2_B", "unique_A", "unique_B", "shared"}


def test_banded_weights_favour_informative_space_and_errors():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((150, 8)), rng.standard_normal((150, 30))
    y = a @ rng.standard_normal((8, 3)) + 0.3 * rng.standard_normal((150, 3))
    res = banded_ridge_predictivity({"a": a, "b": b}, y, n_iter=20)
    assert res.spaces == ["a", "b"]
    assert np.all(np.median(res.space_weights[:, 0], axis=0) > 10 * np.median(res.space_weights[:, 1], axis=0))
    assert np.all(res.r > 0.9)
    with pytest.raises(ValueError, match="responses must be"):
        banded_ridge_predictivity([a, b], y[:100])
    with pytest.raises(ValueError, match="positive"):
        himalaya_ridge_predictivity(a, y, alphas=[0.0])
