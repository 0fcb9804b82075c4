"""compare_representations: dispatch, input matching (arrays and DataArrays) and its errors; RSA agreement."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.spatial.distance import pdist
from scipy.stats import pearsonr, spearmanr

from neurovision.errors import ConstantRDMWarning
from neurovision.rsa import compare, rdm
from neurovision.similarity import METHODS, compare_representations

SYMMETRIC = ["rsa", "linear_cka", "debiased_cka", "procrustes", "shape_metric", "soft_matching"]


def data(n=30, p1=6, p2=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p1))
    y = x[:, :p2] + 0.5 * rng.standard_normal((n, p2))
    return x, y


def as_da(a, ids):
    return xr.DataArray(a, dims=("presentation", "neuroid"), coords={"stimulus_id": ("presentation", ids)})


def test_methods_is_a_plain_dict_of_callables():
    assert isinstance(METHODS, dict)
    assert set(METHODS) == set(SYMMETRIC) | {"linear_predictivity"}
    assert all(callable(f) for f in METHODS.values())


@pytest.mark.parametrize("method", SYMMETRIC)
def test_symmetric_methods_return_floats(method):
    x, y = data()
    v = compare_representations(x, y, method)
    assert isinstance(v, float) and np.isfinite(v)


def test_rsa_agrees_with_rsa_package_and_scipy():
    x, y = data(n=25, seed=1)
    ours = compare_representations(x, y, "rsa", rdm_method="correlation", comparison="spearman")
    assert ours == pytest.approx(compare(rdm(x, "correlation"), rdm(y, "correlation"), "spearman"), abs=1e-12)
    assert ours == pytest.approx(spearmanr(pdist(x, "correlation"), pdist(y, "correlation"))[0], abs=1e-10)
    euc = compare_representations(x, y, "rsa", rdm_method="euclidean", comparison="pearson")
    assert euc == pytest.approx(pearsonr(pdist(x, "sqeuclidean"), pdist(y, "sqeuclidean"))[0], abs=1e-10)


def test_rsa_constant_rdm_and_unknown_names():
    x, _ = data()
    with pytest.warns(ConstantRDMWarning):
        assert np.isnan(compare_representations(x, np.ones((30, 3)), "rsa", rdm_method="euclidean"))
    with pytest.raises(ValueError, match="did you mean 'correlation'"):
        compare_representations(x, x, "rsa", rdm_method="corelation")
    with pytest.raises(ValueError, match="did you mean 'spearman'"):
        compare_representations(x, x, "rsa", comparison="spearmann")


def test_unknown_method_and_option():
    x, y = data()
    with pytest.raises(ValueError, match="unknown similarity method 'linear_ckaa'; did you mean 'linear_cka'"):
        compare_representations(x, y, "linear_ckaa")
    with pytest.raises(ValueError, match="procrustes: unknown option.*'alpha'.*takes no options"):
        compare_representations(x, y, "procrustes", alpha=0.5)
    with pytest.raises(ValueError, match="takes alpha, cross_validated, n_splits, seed"):
        compare_representations(x, y, "shape_metric", alfa=0.5)


def test_dataarrays_matched_by_stimulus_id():
    x, y = data(n=12)
    ids = np.array([f"s{i}" for i in range(12)])
    perm = np.random.default_rng(2).permutation(12)
    dx, dy = as_da(x, ids), as_da(y[perm], ids[perm])
    for method in SYMMETRIC:
        assert compare_representations(dx, dy, method) == pytest.approx(compare_representations(x, y, method))
    # (neuroid, presentation) is transposed
    assert compare_representations(dx, dy.T, "linear_cka") == pytest.approx(compare_representations(x, y, "linear_cka"))
    # scrambled plain rows are not the same
    assert compare_representations(x, y[perm], "linear_cka") < compare_representations(x, y, "linear_cka") - 0.1


def test_mismatched_ids_named_in_one_error():
    x, y = data(n=10)
    ids = np.array([f"s{i}" for i in range(10)])
    other = ids.copy()
    other[[2, 7]] = ["t1", "t2"]
    with pytest.raises(ValueError, match=r"only in X: 's2', 's7'; only in Y: 't1', 't2'"):
        compare_representations(as_da(x, ids), as_da(y, other), "linear_cka")
    with pytest.raises(ValueError, match="stimulus_id values repeat"):
        compare_representations(as_da(x, np.array(["a"] * 10)), as_da(y, ids), "linear_cka")
    bad = xr.DataArray(x, dims=("presentation", "unit"))
    with pytest.raises(ValueError, match="dims"):
        compare_representations(bad, y, "linear_cka")
    with pytest.raises(ValueError, match="stimulus_id"):
        compare_representations(xr.DataArray(x, dims=("presentation", "neuroid")), y, "linear_cka")


def test_shape_errors():
    x, y = data(n=10)
    with pytest.raises(ValueError, match="10 rows in X and 9 in Y"):
        compare_representations(x, y[:9], "procrustes")
    with pytest.raises(ValueError, match="2-D"):
        compare_representations(x[:, 0], y, "linear_cka")
    with pytest.raises(ValueError, match="NaN or inf"):
        compare_representations(np.where(x > 1, np.nan, x), y, "linear_cka")
    with pytest.raises(ValueError, match="at least 3 stimuli"):
        compare_representations(x[:2], y[:2], "linear_cka")
    with pytest.raises(ValueError, match="no units"):
        compare_representations(x[:, :0], y, "linear_cka")
