"""The shared Gram → distance arithmetic of rsa.rdm, rsa.blockwise and encoding."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from neurovision.rsa.gram import correlation_distance_from_gram, distances_from_gram, prepare_rows


@pytest.mark.parametrize("method, metric", [("correlation", "correlation"), ("cosine", "cosine"),
                                            ("euclidean", "sqeuclidean")])
def test_prepare_then_distances_equal_scipy(method, metric):
    x = np.random.default_rng(0).normal(size=(9, 7)) + 3.0
    z, sq = prepare_rows(x, method)
    g = z @ z.T
    d = distances_from_gram(g, method, None if sq is None else sq[:, None], None if sq is None else sq[None, :],
                            n_channels=x.shape[1], normalize=False)
    np.fill_diagonal(d, 0.0)
    np.testing.assert_allclose(d, squareform(pdist(x, metric)), atol=1e-12)
    assert prepare_rows(x, "euclidean")[0] is x  # no copy needed


def test_prepare_rows_names_bad_conditions():
    x = np.random.default_rng(1).normal(size=(5, 4))
    x[3] = 2.0
    with pytest.raises(ValueError, match=r"constant patterns of conditions \['d'\]"):
        prepare_rows(x, "correlation", ids=np.array(list("abcde")))
    with pytest.raises(ValueError, match=r"constant patterns of conditions \['13'\]"):
        prepare_rows(x, "correlation", offset=10)
    x[3] = 0.0
    with pytest.raises(ValueError, match="all-zero patterns"):
        prepare_rows(x, "cosine")
    x[1, 2] = np.inf
    with pytest.raises(ValueError, match=r"NaN/inf for conditions \['1'\]"):
        prepare_rows(x, "euclidean")
    with pytest.raises(ValueError, match="unknown Gram-based RDM method"):
        prepare_rows(x, "crossnobis")


def test_correlation_distance_from_gram_of_centred_patterns():
    x = np.random.default_rng(2).normal(size=(6, 10))
    x[4] = 1.5  # constant: distance 1 to everything
    xc = x - x.mean(axis=1, keepdims=True)
    d = correlation_distance_from_gram(xc @ xc.T)
    assert np.array_equal(d, d.T) and not np.diag(d).any()
    keep = [0, 1, 2, 3, 5]
    np.testing.assert_allclose(d[np.ix_(keep, keep)], 1 - np.corrcoef(x[keep]) - np.eye(5) * 0, atol=1e-12)
    np.testing.assert_array_equal(np.delete(d[4], 4), 1.0)
