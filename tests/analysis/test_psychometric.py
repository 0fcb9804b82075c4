"""Maximum-likelihood psychometric fit: synthetic observers with known PSE / σ / lapse, agreement with an
independent scipy optimisation of the same likelihood, batched fits, and clear errors on degenerate data."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import norm

from neurovision.analysis.psychometric import (
    Z75,
    fit_psychometric,
    fit_psychometric_counts,
    log_likelihood,
    psychometric_probability,
)


def _observer(pse, sigma, lapse, n=4000, seed=0, lo=-1.5, hi=1.5):
    rng = np.random.default_rng(seed)
    x = rng.choice(np.linspace(lo, hi, 15), n)
    p = lapse + (1 - 2 * lapse) * norm.cdf((x - pse) / sigma)
    return x, rng.random(n) < p


def _scipy_fit(x, y, max_lapse=0.06):
    """Independent route: negative Bernoulli log-likelihood written out here, minimised by L-BFGS-B from several
    starts, then polished with Nelder-Mead."""
    def nll(th):
        mu, s, lam = th
        p = np.clip(lam + (1 - 2 * lam) * norm.cdf((x - mu) / s), 1e-12, 1 - 1e-12)
        return -np.sum(np.where(y, np.log(p), np.log1p(-p)))
    bounds = [(x.min() - 3, x.max() + 3), (1e-3, 30), (0, max_lapse)]
    best = min((minimize(nll, [m0, s0, 0.02], bounds=bounds, method="L-BFGS-B")
                for m0 in (-0.5, 0.0, 0.5) for s0 in (0.1, 0.5, 1.5)), key=lambda r: r.fun)
    polish = minimize(nll, best.x, bounds=bounds, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-11})
    return polish if polish.fun <= best.fun else best


@pytest.mark.parametrize("pse,sigma,lapse", [(0.3, 0.25, 0.0), (-0.4, 0.6, 0.04), (0.0, 0.1, 0.02)])
def test_recovers_known_observer(pse, sigma, lapse):
    x, y = _observer(pse, sigma, lapse, n=20000, seed=1)
    fit = fit_psychometric(x, y)
    assert fit.pse == pytest.approx(pse, abs=0.03)
    assert fit.sigma == pytest.approx(sigma, rel=0.1)
    assert fit.lapse == pytest.approx(lapse, abs=0.015)
    assert fit.threshold == pytest.approx(Z75 * fit.sigma)
    assert fit.converged and fit.n_trials == 20000 and fit.n_levels == 15
    # the 75 % point of the non-lapse part lies one threshold above the PSE
    p75 = psychometric_probability(fit.pse + fit.threshold, fit.pse, fit.sigma, 0.0)
    assert p75 == pytest.approx(0.75)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_agrees_with_independent_scipy_fit(seed):
    x, y = _observer(0.2, 0.4, 0.03, n=300, seed=seed)
    fit = fit_psychometric(x, y)
    ref = _scipy_fit(x, y)
    assert fit.log_likelihood >= -ref.fun - 1e-5
    assert fit.log_likelihood == pytest.approx(-ref.fun, abs=1e-4)
    np.testing.assert_allclose([fit.pse, fit.sigma], ref.x[:2], atol=2e-3, rtol=1e-2)
    # the reported log-likelihood is the Bernoulli log-likelihood of the trials
    p = fit.probability(x)
    assert fit.log_likelihood == pytest.approx(np.sum(np.where(y, np.log(p), np.log1p(-p))), rel=1e-10)


def test_lapse_bound_is_respected():
    # an observer with 15 % lapses: the fit stays at the bound
    x, y = _observer(0.0, 0.2, 0.15, n=5000, seed=4)
    assert fit_psychometric(x, y).lapse <= 0.06 + 1e-12
    assert fit_psychometric(x, y, max_lapse=0.0).lapse == 0.0
    assert fit_psychometric(x, y, max_lapse=0.2).lapse == pytest.approx(0.15, abs=0.03)


def test_batched_counts_match_single_fits():
    rng = np.random.default_rng(5)
    levels = np.linspace(-1, 1, 9)
    n = np.full((6, 9), 30.0)
    k = rng.binomial(30, norm.cdf((levels - 0.1) / 0.3), (6, 9)).astype(float)
    out = fit_psychometric_counts(levels, k, n)
    for i in range(6):
        x = np.repeat(levels, 30)
        y = np.concatenate([np.r_[np.ones(int(ki)), np.zeros(30 - int(ki))] for ki in k[i]]).astype(bool)
        single = fit_psychometric(x, y)
        assert out["pse"][i] == pytest.approx(single.pse, abs=1e-6)
        assert out["log_likelihood"][i] == pytest.approx(single.log_likelihood, abs=1e-8)
    ll = log_likelihood(levels, k, n, out["pse"], out["sigma"], out["lapse"])
    np.testing.assert_allclose(ll, out["log_likelihood"])
    # padding with zero-trial levels changes nothing
    padded = fit_psychometric_counts(np.r_[levels, 99.0], np.c_[k, np.zeros(6)], np.c_[n, np.zeros(6)])
    np.testing.assert_allclose(padded["pse"], out["pse"], atol=1e-8)


def test_degenerate_data_errors():
    x = np.linspace(-1, 1, 40)
    with pytest.raises(ValueError, match="all 40 answers are 'yes'"):
        fit_psychometric(x, np.ones(40, bool))
    with pytest.raises(ValueError, match="all 40 answers are 'no'"):
        fit_psychometric(x, np.zeros(40))
    with pytest.raises(ValueError, match="fewer than two distinct"):
        fit_psychometric(np.zeros(10), np.r_[np.ones(5), np.zeros(5)])
    with pytest.raises(ValueError, match="non-finite"):
        fit_psychometric(np.r_[np.nan, np.ones(9)], np.r_[np.ones(5), np.zeros(5)])
    with pytest.raises(ValueError, match="binary"):
        fit_psychometric(x, np.full(40, 2))
    with pytest.raises(ValueError, match="same length"):
        fit_psychometric(x, np.ones(3))
    with pytest.raises(ValueError, match="max_lapse"):
        fit_psychometric(x, x > 0, max_lapse=0.5)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        fit_psychometric_counts([0.0, 1.0], [3.0, 1.0], [2.0, 2.0])
    out = fit_psychometric_counts([0.0, 1.0], [[2.0, 2.0], [0.0, 2.0]], [[2.0, 2.0], [2.0, 2.0]], degenerate="nan")
    assert np.isnan(out["pse"][0]) and np.isfinite(out["pse"][1]) and not out["converged"][0]


def test_separable_data_give_a_bounded_fit():
    x = np.linspace(-1, 1, 20)
    fit = fit_psychometric(x, x > 0.05)
    assert 0.0 < fit.pse < 0.11
    assert fit.sigma == pytest.approx(1e-3 * 2.0, rel=1e-3) or fit.sigma < 0.02
