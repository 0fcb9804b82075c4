"""Split halves and the Spearman–Brown prophecy formula."""
from __future__ import annotations

import numpy as np
import pytest

from neurovision.rsa import spearman_brown as exported
from neurovision.rsa.reliability import odd_even_repeats, spearman_brown


def test_spearman_brown_doubling_is_bit_identical_to_2r_over_1_plus_r():
    r = np.random.default_rng(0).uniform(-0.99, 1.0, 10_000)
    assert spearman_brown(r).tobytes() == (2 * r / (1 + r)).tobytes()
    scalar = np.float64(0.63)
    assert spearman_brown(scalar) == 2 * scalar / (1 + scalar) and isinstance(spearman_brown(scalar), np.float64)
    assert np.isnan(spearman_brown(np.nan)) and exported is spearman_brown


def test_spearman_brown_general_factor():
    # a test of reliability r lengthened k times: k r / (1 + (k - 1) r); k = 1 leaves it, and k then 1/k undo
    r = np.array([0.2, 0.5, 0.9])
    np.testing.assert_allclose(spearman_brown(r, 3), 3 * r / (1 + 2 * r))
    np.testing.assert_allclose(spearman_brown(r, 1), r)
    np.testing.assert_allclose(spearman_brown(spearman_brown(r, 4), 0.25), r)
    assert spearman_brown(1.0, 5) == 1.0 and spearman_brown(0.0, 5) == 0.0


def test_odd_even_repeats_alternate_over_valid_repeats():
    nan = np.nan
    reps = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]], [[1.0, nan, 3.0, 5.0, nan]], [[7.0, nan, nan, nan, nan]]])
    a, b = odd_even_repeats(reps)
    np.testing.assert_array_equal(a[:, 0], [3.0, 3.0, 7.0])  # 1st, 3rd, 5th valid repeats: (1+3+5)/3, (1+5)/2
    np.testing.assert_array_equal(b[:, 0][:2], [3.0, 3.0])  # 2nd, 4th
    assert np.isnan(b[2, 0]) and a.shape == b.shape == (3, 1)


def test_split_half_reliability_uses_the_shared_pieces():
    xr = pytest.importorskip("xarray")
    from neurovision.data.cowley2023 import split_half_reliability
    rng = np.random.default_rng(1)
    signal = rng.normal(size=(40, 3, 1))
    reps = signal + 0.5 * rng.normal(size=(40, 3, 8))
    out = split_half_reliability(xr.DataArray(reps, dims=("presentation", "neuroid", "repetition")))
    a, b = odd_even_repeats(reps)
    r = np.array([np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(3)])
    assert out.values.tobytes() == spearman_brown(r).tobytes()
