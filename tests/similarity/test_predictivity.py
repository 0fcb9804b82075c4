"""linear_predictivity: the encoding protocol, seeded folds, summaries, and its himalaya backend."""
from __future__ import annotations

import numpy as np
import pytest

from neurovision.encoding import ridge_predictivity
from neurovision.similarity import compare_representations, linear_predictivity


def data(n=80, p=20, m=6, seed=0, noise=0.5):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    y = x @ rng.standard_normal((p, m)) / np.sqrt(p) + noise * rng.standard_normal((n, m))
    return x, y


def test_matches_package_ridge_and_summaries():
    x, y = data()
    out = compare_representations(x, y, "linear_predictivity", n_splits=4, seed=3)
    ref = ridge_predictivity(x, y, n_splits=4, seed=3)
    np.testing.assert_allclose(out["r"], ref.r)
    assert out["score"] == out["median"] == pytest.approx(np.median(ref.r))
    assert out["mean"] == pytest.approx(np.mean(ref.r))
    assert out["r_folds"].shape == (4, 6) and out["alphas"].shape == (4, 6)
    assert linear_predictivity(x, y, summary="mean")["score"] == pytest.approx(np.mean(linear_predictivity(x, y)["r"]))


def test_predictable_vs_unrelated_and_direction():
    x, y = data(noise=0.3)
    noise = np.random.default_rng(9).standard_normal(y.shape)
    assert linear_predictivity(x, y)["score"] > 0.8
    assert abs(linear_predictivity(x, noise)["score"]) < 0.2
    # not symmetric: 6 targets cannot predict 20 independent features
    assert linear_predictivity(y, x)["score"] < linear_predictivity(x, y)["score"] - 0.3


def test_seeded_folds():
    x, y = data(n=40, noise=2.0)
    a, b = linear_predictivity(x, y, seed=1), linear_predictivity(x, y, seed=1)
    np.testing.assert_array_equal(a["r"], b["r"])
    assert not np.allclose(a["r"], linear_predictivity(x, y, seed=2)["r"])


def test_bad_options():
    x, y = data(n=20)
    with pytest.raises(ValueError, match="did you mean 'median'"):
        linear_predictivity(x, y, summary="medain")
    with pytest.raises(ValueError, match="did you mean 'himalaya'"):
        linear_predictivity(x, y, backend="himalya")


def test_himalaya_backend_close_to_package():
    pytest.importorskip("himalaya")
    x, y = data(n=100, noise=0.5)
    ours = linear_predictivity(x, y)
    him = linear_predictivity(x, y, backend="himalaya")
    assert him["backend"] == "himalaya"
    np.testing.assert_allclose(him["r"], ours["r"], atol=0.05)  # penalties chosen by LOO vs inner 5-fold
    single = linear_predictivity(x, y, alphas=[1.0], backend="himalaya")
    np.testing.assert_allclose(single["r"], linear_predictivity(x, y, alphas=[1.0])["r"], atol=1e-10)
