"""Linear and debiased CKA against their defining formulas, invariances, and the small-n bias."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurovision.similarity import ConstantRepresentationWarning, compare_representations, debiased_cka, linear_cka

SETTINGS = settings(max_examples=20, deadline=None)


def hsic_biased(x, y):
    """Gretton et al. 2005: tr(K H L H) / (n-1)^2 with the centering matrix H written out."""
    n = x.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    k, lm = x @ x.T, y @ y.T
    return np.trace(k @ h @ lm @ h) / (n - 1) ** 2


def cka_definition(x, y):
    return hsic_biased(x, y) / np.sqrt(hsic_biased(x, x) * hsic_biased(y, y))


def hsic_unbiased(x, y):
    """Song et al. 2012, eq. 5, term by term, on raw (uncentred) linear kernels with zero diagonal."""
    n = x.shape[0]
    k, lm = x @ x.T, y @ y.T
    np.fill_diagonal(k, 0.0)
    np.fill_diagonal(lm, 0.0)
    one = np.ones(n)
    t1 = np.trace(k @ lm)
    t2 = (one @ k @ one) * (one @ lm @ one) / ((n - 1) * (n - 2))
    t3 = 2.0 / (n - 2) * (one @ k @ lm @ one)
    return (t1 + t2 - t3) / (n * (n - 3))


def debiased_definition(x, y):
    return hsic_unbiased(x, y) / np.sqrt(hsic_unbiased(x, x) * hsic_unbiased(y, y))


@pytest.mark.parametrize("shape", [(30, 5, 8), (12, 40, 60), (50, 50, 3)])  # n > p, n < p (Gram route), mixed
def test_linear_cka_matches_hsic_definition(shape):
    n, p1, p2 = shape
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, p1)) + 3.0
    y = x[:, :1] * rng.standard_normal(p2) + rng.standard_normal((n, p2))
    assert linear_cka(x, y) == pytest.approx(cka_definition(x, y), rel=1e-10)


@pytest.mark.parametrize("shape", [(8, 5, 8), (25, 40, 60), (60, 4, 3)])
def test_debiased_cka_matches_song_formula(shape):
    n, p1, p2 = shape
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, p1)) - 1.0
    y = x[:, :1] * rng.standard_normal(p2) + rng.standard_normal((n, p2))
    assert debiased_cka(x, y) == pytest.approx(debiased_definition(x, y), rel=1e-9)


def test_cka_of_identical_representations_is_one():
    x = np.random.default_rng(3).standard_normal((15, 7))
    assert linear_cka(x, x) == pytest.approx(1.0)
    assert debiased_cka(x, x) == pytest.approx(1.0)


def test_linear_cka_biased_debiased_not_with_few_stimuli_many_units():
    """Two independent 20 × 2000 representations: linear CKA is near 1, the debiased estimate near 0."""
    rng = np.random.default_rng(4)
    vals_b, vals_d = [], []
    for _ in range(10):
        a, b = rng.standard_normal((20, 2000)), rng.standard_normal((20, 2000))
        vals_b.append(linear_cka(a, b))
        vals_d.append(debiased_cka(a, b))
    assert min(vals_b) > 0.8
    assert abs(np.mean(vals_d)) < 0.04  # sd of one estimate at n = 20 is about 0.05
    assert max(np.abs(vals_d)) < 0.2


@st.composite
def representation_and_transform(draw):
    n = draw(st.integers(5, 20))
    p = draw(st.integers(2, 12))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p)) * draw(st.floats(0.01, 100))
    y = x @ rng.standard_normal((p, draw(st.integers(1, 9)))) + rng.standard_normal((n, 1))
    y = y + rng.standard_normal(y.shape)
    q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    scale = draw(st.floats(1e-3, 1e3))
    shift = rng.standard_normal(p) * 10
    return x, y, q, scale, shift


@SETTINGS
@given(representation_and_transform())
def test_cka_invariant_to_orthogonal_scaling_translation(args):
    x, y, q, scale, shift = args
    x2 = scale * x @ q + shift
    assert linear_cka(x2, y) == pytest.approx(linear_cka(x, y), abs=1e-9)
    if x.shape[0] >= 4:
        assert debiased_cka(x2, y) == pytest.approx(debiased_cka(x, y), abs=1e-8)


def test_cka_not_invariant_to_anisotropic_scaling():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 4))
    y = x[:, :2] + 0.1 * rng.standard_normal((40, 2))
    stretched = x * np.array([1.0, 1.0, 30.0, 30.0])
    assert linear_cka(stretched, y) < linear_cka(x, y) - 0.2


def test_constant_representation_gives_nan_with_warning():
    x = np.random.default_rng(6).standard_normal((10, 3))
    c = np.full((10, 4), 2.5)
    for fn in (linear_cka, debiased_cka):
        with pytest.warns(ConstantRepresentationWarning, match="Y has no variance"):
            assert np.isnan(fn(x, c))


def test_debiased_needs_four_stimuli():
    x = np.random.default_rng(7).standard_normal((3, 2))
    with pytest.raises(ValueError, match="at least 4 stimuli"):
        debiased_cka(x, x)


def test_entry_point_dispatches():
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((12, 5)), rng.standard_normal((12, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compare_representations(x, y, "linear_cka") == linear_cka(x, y)
        assert compare_representations(x, y, "debiased_cka") == debiased_cka(x, y)
