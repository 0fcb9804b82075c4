"""Cross-validated linear predictivity (neurovision.encoding): planted maps, noise, leakage, oracles."""
from __future__ import annotations

import numpy as np
import pytest

from neurovision import encoding as E


def _planted(n=240, p=600, m=4, rank=6, noise=0.05, seed=0):
    """Features with a low-rank latent structure and responses linear in the latents (plus noise)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, rank))
    x = latent @ rng.normal(size=(rank, p)) + 0.1 * rng.normal(size=(n, p))
    y = latent @ rng.normal(size=(rank, m)) + noise * rng.normal(size=(n, m))
    return x, y


def _primal_ridge(x_tr, y_tr, x_te, lam):
    """Ridge with an unpenalised intercept by least squares on the augmented system [Xc; sqrt(lam) I]."""
    mu, ybar = x_tr.mean(0), y_tr.mean(0)
    xc = x_tr - mu
    a = np.vstack([xc, np.sqrt(lam) * np.eye(x_tr.shape[1])])
    b = np.vstack([y_tr - ybar, np.zeros((x_tr.shape[1], y_tr.shape[1]))])
    beta = np.linalg.lstsq(a, b, rcond=None)[0]
    return (x_te - mu) @ beta + ybar


def _primal_pls(x_tr, y_tr, x_te, n_components):
    """Textbook PLS2 on the features: w = leading left singular vector of X_a^T Y_a, deflate X and Y."""
    xm, ym = x_tr.mean(0), y_tr.mean(0)
    xa, ya = x_tr - xm, y_tr - ym
    ws, ps, cs = [], [], []
    for _ in range(n_components):
        w = np.linalg.svd(xa.T @ ya, full_matrices=False)[0][:, 0]
        t = xa @ w
        tt = t @ t
        p, c = xa.T @ t / tt, ya.T @ t / tt
        xa, ya = xa - np.outer(t, p), ya - np.outer(t, c)
        ws.append(w), ps.append(p), cs.append(c)
    w, p, c = (np.array(v).T for v in (ws, ps, cs))
    return (x_te - xm) @ (w @ np.linalg.solve(p.T @ w, c.T)) + ym


def test_kfold_is_balanced_seeded_and_complete():
    folds = E.kfold(103, 5, seed=3)
    assert sorted(np.bincount(folds)) == [20, 20, 21, 21, 21]
    assert np.array_equal(folds, E.kfold(103, 5, seed=3))
    assert not np.array_equal(folds, E.kfold(103, 5, seed=4))
    with pytest.raises(ValueError, match="n_splits"):
        E.kfold(10, 1)


@pytest.mark.parametrize("standardize", ["zscore", "center"])
def test_ridge_recovers_planted_map(standardize):
    x, y = _planted()
    res = E.ridge_predictivity(x, y, standardize=standardize)
    assert res.r.shape == (4,) and res.r_folds.shape == (5, 4) and res.predictions.shape == y.shape
    assert res.r.min() > 0.98
    assert res.alphas.shape == (5, 4) and np.all(np.isin(res.alphas, E.DEFAULT_ALPHAS))


def test_pls_recovers_planted_map():
    x, y = _planted()
    res = E.pls_predictivity(x, y, n_components=10)
    assert res.r.min() > 0.98
    assert res.alphas is None and res.method == "pls"


@pytest.mark.parametrize("method", ["ridge", "pls"])
def test_noise_and_shuffled_responses_give_r_near_zero(method):
    x, y = _planted(n=400, p=300)
    rng = np.random.default_rng(1)
    fit = E.ridge_predictivity if method == "ridge" else E.pls_predictivity
    noise = rng.normal(size=(400, 30))
    assert abs(np.median(fit(x, noise).r)) < 0.05
    shuffled = y[rng.permutation(400)]  # breaks the stimulus correspondence, keeps the marginals
    r = fit(x, shuffled).r
    assert np.all(np.abs(r) < 0.2)
    assert fit(x, y).r.min() > 0.9  # the same features do predict the unshuffled responses


@pytest.mark.parametrize("standardize", ["zscore", "center"])
@pytest.mark.parametrize("method", ["ridge", "pls"])
def test_held_out_predictions_ignore_held_out_responses(method, standardize):
    """No leakage: changing the responses of fold-0 stimuli leaves their predictions unchanged."""
    x, y = _planted(n=150, p=80)
    kwargs = {"standardize": standardize}
    fit = E.ridge_predictivity if method == "ridge" else E.pls_predictivity
    first = fit(x, y, **kwargs)
    test = first.folds == 0
    y2 = y.copy()
    y2[test] = np.random.default_rng(5).normal(size=(test.sum(), y.shape[1])) * 100
    second = fit(x, y2, **kwargs)
    np.testing.assert_allclose(second.predictions[test], first.predictions[test], rtol=0, atol=1e-9)


@pytest.mark.parametrize("p", [15, 60])
def test_kernel_ridge_equals_primal_ridge(p):
    rng = np.random.default_rng(p)
    x = rng.normal(size=(40, p))
    y = x[:, :3] @ rng.normal(size=(3, 2)) + rng.normal(size=(40, 2))
    train, test = np.arange(30), np.arange(30, 40)
    z = x - x[train].mean(0)
    for lam in (0.01, 1.0, 37.0):
        pred, chosen = E.ridge_fit_predict(z[train] @ z[train].T, z[test] @ z[train].T, y[train], [lam],
                                           relative=False)
        np.testing.assert_allclose(pred, _primal_ridge(x[train], y[train], x[test], lam), rtol=0, atol=1e-8)
        assert np.all(chosen == lam)


def test_full_pipeline_equals_primal_ridge_with_training_zscore():
    """One alpha, z-scored with training-fold statistics: every fold's predictions match the primal solution."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(50, 20)) * rng.uniform(0.5, 5, size=20) + rng.normal(size=20)
    y = x[:, :4] @ rng.normal(size=(4, 3)) + rng.normal(size=(50, 3))
    res = E.ridge_predictivity(x, y, n_splits=5, alphas=[0.3], seed=2, standardize="zscore")
    for f in range(5):
        train, test = res.folds != f, res.folds == f
        mu, sd = x[train].mean(0), x[train].std(0)
        z = (x - mu) / sd
        lam = 0.3 * np.trace((z[train] - z[train].mean(0)) @ (z[train] - z[train].mean(0)).T) / train.sum()
        np.testing.assert_allclose(res.predictions[test], _primal_ridge(z[train], y[train], z[test], lam),
                                   rtol=0, atol=1e-8)


def test_loo_penalty_choice_matches_brute_force_refits():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(30, 12))
    y = x @ rng.normal(size=(12, 1)) + 2.0 * rng.normal(size=(30, 1))
    z = x - x.mean(0)
    k = z @ z.T
    grid = np.logspace(-2, 3, 11)
    scale = np.trace(k) / 30
    errors = []
    for alpha in grid:
        sq = [(y[i] - _primal_ridge(np.delete(x, i, 0), np.delete(y, i, 0), x[i:i + 1], alpha * scale)[0]) ** 2
              for i in range(30)]
        errors.append(np.mean(sq))
    _, chosen = E.ridge_fit_predict(k, k[:2], y, grid)
    assert chosen[0] == grid[int(np.argmin(errors))]


def test_gram_path_equals_feature_path_and_ignores_shifts():
    x, y = _planted(n=120, p=90)
    direct = E.ridge_predictivity(x, y, standardize="center")
    via_gram = E.predictivity_from_gram(E.gram(x + 1e3), y, "ridge")
    np.testing.assert_allclose(via_gram.predictions, direct.predictions, rtol=0, atol=1e-6)
    pls_direct = E.pls_predictivity(x, y, n_components=8, standardize="center")
    pls_gram = E.predictivity_from_gram(E.gram(x), y, "pls", n_components=8)
    np.testing.assert_allclose(pls_gram.predictions, pls_direct.predictions, rtol=0, atol=1e-8)


@pytest.mark.parametrize("n_components", [1, 3, 12])
def test_kernel_pls_equals_primal_pls(n_components):
    x, y = _planted(n=90, p=40, m=3, noise=0.5)
    train, test = np.arange(70), np.arange(70, 90)
    z = x - x[train].mean(0)
    pred = E.pls_fit_predict(z[train] @ z[train].T, z[test] @ z[train].T, y[train], n_components)
    np.testing.assert_allclose(pred, _primal_pls(x[train], y[train], x[test], n_components), rtol=0, atol=1e-9)


@pytest.mark.parametrize("n_components", [1, 3, 12])
def test_kernel_pls_matches_sklearn(n_components):
    sklearn = pytest.importorskip("sklearn.cross_decomposition")
    x, y = _planted(n=90, p=40, m=3, noise=0.5)
    train, test = np.arange(70), np.arange(70, 90)
    z = x - x[train].mean(0)
    pred = E.pls_fit_predict(z[train] @ z[train].T, z[test] @ z[train].T, y[train], n_components)
    ref = sklearn.PLSRegression(n_components, scale=False, max_iter=10000, tol=1e-14).fit(x[train], y[train])
    # sklearn iterates NIPALS to a tolerance; ours is exact (eigh), hence the looser bound
    np.testing.assert_allclose(pred, ref.predict(x[test]), rtol=0, atol=1e-4 * np.abs(y).max())


def test_correlation_rdm_from_gram_equals_corrcoef():
    rng = np.random.default_rng(4)
    x = rng.gamma(2.0, size=(25, 300)).astype(np.float32)
    shift = x.mean(0, dtype=np.float64)
    xs = x - shift.astype(np.float32)
    v = shift - shift.mean()
    rdm = E.correlation_rdm_from_gram(E.gram(xs), xs.sum(1, dtype=np.float64), xs.astype(np.float64) @ v,
                                      float(v @ v), x.shape[1])
    np.testing.assert_allclose(rdm, 1 - np.corrcoef(x.astype(np.float64)), rtol=0, atol=1e-5)
    assert np.all(np.diag(rdm) == 0) and np.allclose(rdm, rdm.T)


def test_pearson_columns_and_constant_columns():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    expected = [np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(3)]
    np.testing.assert_allclose(E.pearson_columns(a, b), expected, atol=1e-12)
    b[:, 1] = 2.0
    assert np.isnan(E.pearson_columns(a, b)[1])


def test_bad_inputs_raise_clear_errors():
    x, y = _planted(n=30, p=10)
    with pytest.raises(ValueError, match="responses must be"):
        E.ridge_predictivity(x, y[:20])
    with pytest.raises(ValueError, match="features must be 2-D"):
        E.ridge_predictivity(x[:, 0], y)
    with pytest.raises(ValueError, match="NaN"):
        E.ridge_predictivity(np.where(x > 1, np.nan, x), y)
    with pytest.raises(ValueError, match="positive"):
        E.ridge_predictivity(x, y, alphas=[0.0])
    with pytest.raises(ValueError, match="standardize"):
        E.ridge_predictivity(x, y, standardize="whiten")
    with pytest.raises(ValueError, match="method"):
        E.predictivity_from_gram(E.gram(x), y, "lasso")


def test_weighted_pearson_equals_repeated_rows():
    from neurovision.encoding import pearson_columns, weighted_pearson

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(30, 4)), rng.normal(size=(30, 4))
    counts = rng.multinomial(30, np.full(30, 1 / 30))
    rows = np.repeat(np.arange(30), counts)
    np.testing.assert_allclose(weighted_pearson(counts[None].astype(float), a, b)[0],
                               pearson_columns(a[rows], b[rows]), atol=1e-12)
    a[3, 1] = np.nan  # NaN rows are left out of that column only
    keep = np.arange(30) != 3
    np.testing.assert_allclose(weighted_pearson(np.ones((1, 30)), a, b)[0, 1],
                               np.corrcoef(a[keep, 1], b[keep, 1])[0, 1], atol=1e-12)
