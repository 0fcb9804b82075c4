"""Bad input to the RSA engine: one clear error naming the problem, or a documented NaN with a warning.

Covers degenerate (constant / all-zero) RDMs, bootstrap counts, square-vs-condensed arrays, xarray dims
and mismatched stimulus ids.
"""
import warnings

import numpy as np
import pytest
import scipy.stats as ss
import xarray as xr
from scipy.spatial.distance import pdist

from neurovision.errors import ConstantRDMWarning
from neurovision.rsa import (
    METHODS,
    RDM,
    align,
    bootstrap_dual,
    bootstrap_stimuli,
    bootstrap_subjects,
    check_n_boot,
    compare,
    noise_ceiling,
    pairwise_tests,
    permutation_test,
    rdm,
    rdm_timecourse,
)
from neurovision.rsa.compare import compare_vectors


def tau_a_def(x, y):
    """Kendall's tau-a by its O(P^2) definition."""
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    return np.sum(np.triu(sx * sy, 1)) / (len(x) * (len(x) - 1) / 2)


def oracle(method, x, y):
    """Reference similarity of two condensed vectors (Kendall's tau-a by definition, so ties are allowed), or
    the unmasked engine value for the covariance-whitened methods (their oracle, rsatoolbox, is in test_core)."""
    if method == "spearman":
        return ss.spearmanr(x, y)[0]
    if method == "pearson":
        return ss.pearsonr(x, y)[0]
    if method == "kendall_tau_a":
        return tau_a_def(x, y)
    if method == "rho_a":  # Nili et al. 2014: 12 sum of centred average-rank products / (N^3 - N)
        rx, ry = ss.rankdata(x), ss.rankdata(y)
        m = (len(x) + 1) / 2
        return 12 * np.sum((rx - m) * (ry - m)) / (len(x) ** 3 - len(x))
    if method == "cosine":
        return x @ y / np.sqrt((x @ x) * (y @ y))
    return compare_vectors(x, y, method)[0, 0]


def _one_warning(record, cls=ConstantRDMWarning):
    got = [w for w in record if issubclass(w.category, cls)]
    assert len(got) == 1, [str(w.message) for w in record]
    return str(got[0].message)


# ---------------------------------------------------------------------------
# 1. degenerate RDMs -> NaN with one ConstantRDMWarning naming them
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_compare_constant_rdm_gives_nan_and_one_warning_naming_it(method):
    rng = np.random.default_rng(0)
    n = 9
    p = n * (n - 1) // 2
    good = rng.random(p)
    models = RDM(np.stack([np.zeros(p), good]), descriptors={"layer": ["conv1", "conv2"]})
    data = RDM(rng.random((3, p)), descriptors={"subject": ["1", "2", "3"]})
    with pytest.warns(ConstantRDMWarning, match=r"layer='conv1'") as record:
        got = compare(models, data, method)
    assert "conv2" not in _one_warning(record)
    assert np.all(np.isnan(got[0]))
    for j in range(3):
        assert got[1, j] == pytest.approx(oracle(method, good, data.dissimilarities[j]), abs=1e-10)
    # a constant data RDM: its column is NaN, and it is named by its descriptor
    flat = data.dissimilarities.copy()
    flat[2] = 0.0
    data2 = RDM(flat, descriptors={"subject": ["1", "2", "3"]})
    with pytest.warns(ConstantRDMWarning, match=r"subject='3'"):
        got = compare(models[1], data2, method)
    assert np.isnan(got[0, 2]) and np.all(np.isfinite(got[0, :2]))
    # no descriptors: the index names it; a single pair gives a NaN float
    with pytest.warns(ConstantRDMWarning, match=r"second RDM #0"):
        assert np.isnan(compare(RDM(good), RDM(np.zeros(p)), method))


def test_compare_constant_nonzero_rdm_is_only_degenerate_for_rank_and_correlation_methods():
    rng = np.random.default_rng(1)
    p = 36
    x, c = rng.random(p), np.full(p, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # cosine of a nonzero constant vector is defined: no warning
        assert compare(RDM(x), RDM(c), "cosine") == pytest.approx(x.sum() / np.sqrt(p * (x @ x)), abs=1e-12)
    for method in ("spearman", "pearson", "kendall_tau_a", "rho_a", "corr_cov"):
        with pytest.warns(ConstantRDMWarning, match=r"constant \(all dissimilarities equal"):
            assert np.isnan(compare(RDM(x), RDM(c), method))
    # patterns equal up to scale and offset: 1 - r is round-off (~1e-16), not exactly equal, and still no RDM
    same = rdm(rng.uniform(1, 3, (9, 1)) * rng.standard_normal(20) + rng.standard_normal((9, 1)))
    assert 0 < np.ptp(same.dissimilarities) < 1e-12
    for method in METHODS:
        with pytest.warns(ConstantRDMWarning, match=r"first RDM #0"):
            assert np.isnan(compare(same, RDM(x), method))


@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_noise_ceiling_with_a_constant_subject_is_nan_with_warning(method):
    rng = np.random.default_rng(2)
    p = 28
    base = rng.random(p)
    subjects = base + 0.3 * rng.random((4, p))
    subjects[3] = 0.25
    data = RDM(subjects, descriptors={"subject": ["0", "1", "2", "3"]})
    with pytest.warns(ConstantRDMWarning, match=r"noise_ceiling.*subject='3'") as record:
        lo, up = noise_ceiling(data, method)
    assert "subject='2'" not in _one_warning(record)
    assert np.isnan(lo) and np.isnan(up)


@pytest.mark.parametrize("method", ["spearman", "pearson", "kendall_tau_a", "rho_a", "cosine"])
def test_bootstrap_stimuli_constant_model_rdm_is_nan_not_zero(method):
    rng = np.random.default_rng(3)
    n = 12
    p = n * (n - 1) // 2
    base = rng.random(p)
    models = RDM(np.stack([np.zeros(p), base + 0.5 * rng.random(p)]), descriptors={"layer": ["conv1", "fc"]})
    data = RDM(base + 0.5 * rng.random((3, p)))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        r = bootstrap_stimuli(models, data, method, n_boot=20, seed=0)
    assert "layer='conv1'" in _one_warning(record)
    assert not [w for w in record if issubclass(w.category, RuntimeWarning)]
    assert np.isnan(r.point[0]) and np.all(np.isnan(r.samples[:, 0]))
    want = np.mean([oracle(method, models.dissimilarities[1], d) for d in data.dissimilarities])
    assert r.point[1] == pytest.approx(want, abs=1e-10)
    lo, hi = r.ci()
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and lo[1] < r.point[1] < hi[1]
    assert np.isnan(r.se()[0]) and np.isfinite(r.se()[1])


@pytest.mark.parametrize("method", ["spearman", "pearson", "kendall_tau_a", "rho_a", "cosine"])
def test_bootstrap_stimuli_resample_that_makes_an_rdm_constant_gives_nan(method):
    """Conditions 0, 1, 2 are equally far apart in the model (0 apart for cosine): a resample drawing only
    them makes the model RDM constant there; a subject RDM has the same structure on 3, 4, 5."""
    rng = np.random.default_rng(4)
    n = 8
    i, j = np.triu_indices(n, 1)
    tied = 0.0 if method == "cosine" else 0.7
    model = 0.1 + rng.random(i.shape[0])
    model[(i < 3) & (j < 3)] = tied
    data = 0.1 + rng.random((3, i.shape[0]))
    data[1, (i >= 3) & (i < 6) & (j < 6)] = tied
    models = RDM(model[None], descriptors={"layer": ["conv1"]})
    subjects = RDM(data, descriptors={"subject": ["a", "b", "c"]})
    identity = np.arange(n)
    samples = np.array([identity, [0, 1, 2, 0, 1, 2, 0, 1], [3, 4, 5, 5, 4, 3, 3, 4],
                        [7, 6, 5, 4, 3, 2, 1, 0], rng.integers(0, n, n), [0, 2, 3, 4, 5, 6, 7, 7]])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        r = bootstrap_stimuli(models, subjects, method, samples=samples)
    msg = _one_warning(record)
    assert "in 2 of 6 resamples" in msg and "layer='conv1'" in msg and "subject='b'" in msg
    assert "subject='a'" not in msg and not [w for w in record if issubclass(w.category, RuntimeWarning)]
    full = np.mean([oracle(method, model, d) for d in data])
    assert r.point[0] == pytest.approx(full, abs=1e-10)
    assert r.samples[0, 0] == pytest.approx(full, abs=1e-10)  # identity resample
    assert np.isnan(r.samples[1, 0]) and np.isnan(r.samples[2, 0])
    assert np.all(np.isnan(r.ceiling_samples[2])) and np.all(np.isfinite(r.ceiling_samples[0]))
    assert np.all(np.isfinite(r.samples[[0, 3, 5], 0]))
    finite = r.samples[np.isfinite(r.samples[:, 0]), 0]
    lo, hi = r.ci(0.5)
    assert lo[0] == pytest.approx(np.percentile(finite, 25)) and hi[0] == pytest.approx(np.percentile(finite, 75))


def test_subject_dual_and_permutation_tests_with_a_constant_rdm_are_nan():
    rng = np.random.default_rng(5)
    p = 45
    base = rng.random(p)
    models = RDM(np.stack([np.full(p, 0.3), base + 0.2 * rng.random(p)]), descriptors={"layer": ["flat", "ok"]})
    data = RDM(base + 0.4 * rng.random((3, p)))
    for fn in (bootstrap_subjects, bootstrap_dual):
        with pytest.warns(ConstantRDMWarning, match="layer='flat'"):
            r = fn(models, data, "spearman", n_boot=10, seed=0)
        assert np.isnan(r.point[0]) and np.all(np.isnan(r.samples[:, 0]))
        assert np.isfinite(r.point[1]) and np.all(np.isfinite(r.ci()[0][1:]))
    with pytest.warns(ConstantRDMWarning, match="layer='flat'"):
        r = permutation_test(models, data, "spearman", n_perm=20, seed=0)
    assert np.isnan(r.point[0]) and np.isnan(r.p[0]) and 0 < r.p[1] <= 1
    flat = data.dissimilarities.copy()
    flat[0] = 1.0
    with pytest.warns(ConstantRDMWarning, match=r"data RDM #0"):
        r = bootstrap_subjects(models[1], RDM(flat), "spearman", n_boot=10)
    assert np.all(np.isnan(r.samples)) and np.all(np.isnan(r.ceiling)) and np.all(np.isnan(r.ceiling_samples))


# ---------------------------------------------------------------------------
# 2. n_boot
# ---------------------------------------------------------------------------
def test_check_n_boot_rejects_non_integers_negatives_and_one():
    assert check_n_boot(0) == 0 and check_n_boot(2) == 2 and check_n_boot(np.int64(1000)) == 1000
    with pytest.raises(ValueError, match=r"n_boot=1 gives no interval; use 0 for no CI or >= 2"):
        check_n_boot(1)
    for bad in (-1, 2.5, 1000.0, "100", None, True):
        with pytest.raises(ValueError, match="n_boot"):
            check_n_boot(bad)
    rng = np.random.default_rng(6)
    m, d = RDM(rng.random((2, 15))), RDM(rng.random((3, 15)))
    for fn in (bootstrap_stimuli, bootstrap_subjects, bootstrap_dual):
        for bad in (-1, 1, 3.0):
            with pytest.raises(ValueError, match="n_boot"):
                fn(m, d, "spearman", n_boot=bad)
    with pytest.raises(ValueError, match="n_perm"):
        permutation_test(m, d, n_perm=-5)


@pytest.mark.parametrize("method", ["spearman", "pearson", "kendall_tau_a", "rho_a"])
def test_n_boot_zero_means_no_ci(method):
    rng = np.random.default_rng(7)
    m, d = RDM(rng.random((2, 21))), RDM(rng.random((3, 21)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Mean of empty slice" and the like
        for fn in (bootstrap_stimuli, bootstrap_subjects, bootstrap_dual):
            r = fn(m, d, method, n_boot=0)
            assert r.samples.shape == (0, 2) and r.n_boot == 0
            lo, hi = r.ci()
            assert lo.shape == hi.shape == (2,) and np.all(np.isnan(lo)) and np.all(np.isnan(hi))
            np.testing.assert_allclose(r.point, compare(m, d, method).mean(axis=1), atol=1e-12)
            assert np.all(np.isnan(pairwise_tests(r).p[~np.eye(2, dtype=bool)]))
        r = permutation_test(m, d, method, n_perm=0)
        assert r.null.shape == (0, 2) and np.all(np.isnan(r.p))


# ---------------------------------------------------------------------------
# 3. square vs condensed
# ---------------------------------------------------------------------------
def test_non_square_2d_array_needs_ids_or_form():
    rng = np.random.default_rng(8)
    x = rng.random((92, 91))
    with pytest.raises(ValueError, match=r"ambiguous.*92 condensed RDMs over 14 conditions.*form="):
        RDM(x)
    r = RDM(x, form="condensed")
    assert (r.n_rdms, r.n_conditions) == (92, 14)
    np.testing.assert_array_equal(r.dissimilarities, x)
    r = RDM(x, stimulus_id=[f"s{i}" for i in range(14)])
    assert (r.n_rdms, r.n_conditions) == (92, 14)
    with pytest.raises(ValueError, match=r"stimulus_id has 92 entries.*\(92, 92\).*\(k, 4186\).*\(92, 91\)"):
        RDM(x, stimulus_id=[f"s{i}" for i in range(92)])
    with pytest.raises(ValueError, match=r"form='square' needs an \(n, n\) array; got shape \(92, 91\)"):
        RDM(x, form="square")
    with pytest.raises(ValueError, match=r"not square, and 90 is not n\*\(n-1\)/2"):
        RDM(rng.random((92, 90)))
    # 1-D: a condensed vector whose length must be triangular, and match the ids
    with pytest.raises(ValueError, match=r"condensed vector.*7 is not n\*\(n-1\)/2.*between 6 for n = 4 and 10"):
        RDM(np.ones(7))
    with pytest.raises(ValueError, match=r"length 10, i\.e\. 5 conditions, but stimulus_id has 6 entries"):
        RDM(rng.random(10), stimulus_id=list("abcdef"))
    # unchanged valid forms: square (with or without ids), small stacks, (k, n, n)
    m = rng.random((6, 6))
    m = m + m.T
    np.fill_diagonal(m, 0)
    assert RDM(m).n_rdms == 1 and RDM(m, stimulus_id=list("abcdef")).n_conditions == 6
    assert RDM(rng.random((3, 10))).n_rdms == 3
    assert RDM(np.stack([m, m])).n_rdms == 2
    with pytest.raises(ValueError, match="symmetric"):
        RDM(m + np.triu(np.ones((6, 6)), 1), stimulus_id=list("abcdef"))


# ---------------------------------------------------------------------------
# 4. xarray dims checked by name
# ---------------------------------------------------------------------------
def test_xarray_patterns_need_a_presentation_dim_and_take_ids_from_it():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((10, 50))  # 10 stimuli x 50 neurons
    ids = [f"im{i}" for i in range(10)]
    transposed = xr.DataArray(x.T, dims=("neuroid", "presentation"), coords={"stimulus_id": ("presentation", ids)})
    r = rdm(transposed)
    assert list(r.stimulus_id) == ids
    np.testing.assert_allclose(r.dissimilarities[0], pdist(x, "correlation"), atol=1e-12)
    # time bins: one RDM per bin over the presentations, whatever the dim order
    xt = rng.standard_normal((10, 50, 3))
    da = xr.DataArray(np.transpose(xt, (1, 0, 2)), dims=("neuroid", "presentation", "time_bin"),
                      coords={"stimulus_id": ("presentation", ids)})
    tc = rdm_timecourse(da)
    assert list(tc.stimulus_id) == ids
    np.testing.assert_allclose(tc.dissimilarities[2], pdist(xt[..., 2], "correlation"), atol=1e-12)
    with pytest.raises(ValueError, match=r"'presentation' dim.*got dims \('neuroid', 'stimulus'\)"):
        rdm(xr.DataArray(x.T, dims=("neuroid", "stimulus")))


def test_rdm_from_xarray_checks_dims_by_name():
    rng = np.random.default_rng(10)
    r = RDM(rng.random((2, 15)), stimulus_id=list("abcdef"), descriptors={"subject": ["s1", "s2"]})
    da = r.to_xarray()
    moved = da.transpose("stimulus_id", "stimulus_id_2", "rdm")
    back = RDM.from_xarray(moved)
    np.testing.assert_array_equal(back.dissimilarities, r.dissimilarities)
    assert list(back.stimulus_id) == list("abcdef") and back.descriptors["subject"] == ["s1", "s2"]
    square = xr.DataArray(rng.random((6, 6)), dims=("presentation", "neuroid"))
    with pytest.raises(ValueError, match=r"expected dims \(\.\.\., 'stimulus_id', 'stimulus_id_2'\).*"
                                         r"got dims \('presentation', 'neuroid'\)"):
        RDM.from_xarray(square)
    with pytest.raises(ValueError, match="list different ids"):
        RDM.from_xarray(da.assign_coords(stimulus_id_2=list("abcdfe")))


# ---------------------------------------------------------------------------
# 5. mismatched ids say which side lacks which
# ---------------------------------------------------------------------------
def test_align_and_subset_say_which_side_lacks_which_ids():
    rng = np.random.default_rng(11)
    ids = [f"s{i}" for i in range(8)]
    model = RDM(rng.random(28), stimulus_id=ids)
    data = RDM(rng.random((2, 45)), stimulus_id=ids[::-1] + ["x1", "x2"])
    a, b = align(model, data)
    assert a is model and list(b.stimulus_id) == ids
    np.testing.assert_array_equal(b.dissimilarities, data.subset(ids).dissimilarities)
    assert np.all(np.isfinite(compare(a, b)))
    short = data.subset(ids[2:])
    with pytest.raises(ValueError, match=r"the data RDMs lack 2 of the model's stimulus ids: \['s0', 's1'\]$"):
        align(model, short)
    other = RDM(rng.random(28), stimulus_id=ids[1:] + ["new"])
    with pytest.raises(ValueError, match=r"the brain RDMs lack 1 of the net's stimulus ids: \['s0'\]; and the "
                                         r"brain RDMs have 1 stimulus ids the net lacks: \['new'\]"):
        align(model, other, names=("net", "brain"))
    many = RDM(rng.random(12 * 11 // 2), stimulus_id=[f"m{i}" for i in range(12)])
    with pytest.raises(ValueError, match=r"lack 12 of .*\(first 10 listed\)"):
        align(many, model)
    with pytest.raises(ValueError, match=r"this RDM has no stimulus ids \['zz'\].*it has 8 ids, e\.g\. "
                                         r"\['s0', 's1', 's2'\]"):
        model.subset(["s0", "zz", "s1"])


@pytest.mark.parametrize("ids", [["x", "b", "c", "d"], np.array(["x", "b", "c", "d"]),
                                 xr.DataArray(np.array(["x", "b", "c", "d"]))])
def test_pattern_errors_name_conditions_as_plain_strings(ids):
    """numpy 2 prints an element of a str array as np.str_('x'); the messages show 'x'."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((4, 5))
    for method, bad, what in (("correlation", np.full(5, 2.0), "constant patterns"),
                              ("cosine", np.zeros(5), "all-zero patterns"),
                              ("euclidean", np.full(5, np.nan), "NaN/inf")):
        y = x.copy()
        y[0] = bad
        with pytest.raises(ValueError, match=rf"{what} .*conditions \['x'\]$") as err:
            rdm(y, method, stimulus_id=ids)
        assert "np.str_" not in str(err.value)


def test_reweighting_fold_with_constant_prediction_is_nan_with_a_warning():
    """All NNLS weights 0 (the only component is anti-correlated with the data) → a constant prediction, whose
    fold scores were 0.0 before; now NaN with a warning."""
    from neurovision.rsa import RDM, crossval_reweighted
    rng = np.random.default_rng(0)
    n = 12
    data_vec = rng.random(n * (n - 1) // 2)
    comp = RDM((data_vec.max() - data_vec)[None], [f"s{i}" for i in range(n)])
    data = RDM(np.stack([data_vec, data_vec + 0.01 * rng.random(data_vec.size)]), [f"s{i}" for i in range(n)])
    with pytest.warns(ConstantRDMWarning, match="reweighted model RDM in test fold"):
        result = crossval_reweighted(comp, data, method="spearman", n_folds=3, seed=0, intercept=True)
    assert np.isnan(result.scores).all()
