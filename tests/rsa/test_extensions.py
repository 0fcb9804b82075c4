"""Inference extensions, reweighting and time-resolved RSA."""
import warnings

import numpy as np
import pytest

from neurovision.rsa import (
    RDM,
    bootstrap_dual,
    bootstrap_stimuli,
    bootstrap_subjects,
    compare,
    compare_timecourses,
    crossval_reweighted,
    fdr_bh,
    fit_weights,
    noise_ceiling,
    pairwise_tests,
    permutation_test,
    rdm,
    rdm_timecourse,
)
from neurovision.rsa.inference import _dual_variance


def make_data(rng, n=20, k=5, km=3, noise=0.5):
    p = n * (n - 1) // 2
    base = rng.random(p)
    data = base + noise * rng.random((k, p))
    models = np.stack([base + 0.3 * rng.random(p),     # good model
                       base + 3.0 * rng.random(p),     # weak model
                       rng.random(p)][:km])            # unrelated
    return RDM(models), RDM(data)


def test_bootstrap_subjects():
    rng = np.random.default_rng(0)
    m, d = make_data(rng)
    r = bootstrap_subjects(m, d, "pearson", n_boot=60, seed=1)
    assert r.samples.shape == (60, 3) and r.kind == "subjects"
    np.testing.assert_allclose(r.point, compare(m, d, "pearson").mean(1))
    lo, up = r.ceiling
    assert (lo, up) == pytest.approx(noise_ceiling(d, "pearson"))
    assert np.all(r.ceiling_samples[:, 0] <= r.ceiling_samples[:, 1] + 1e-12)


def test_subject_ceiling_matches_rsatoolbox_on_resample():
    """Ceiling on a subject resample equals rsatoolbox with copies grouped."""
    pytest.importorskip("rsatoolbox")
    from rsatoolbox.inference import boot_noise_ceiling
    from rsatoolbox.rdm import RDMs

    from neurovision.rsa.compare import Prepared
    from neurovision.rsa.inference import _ceiling_subject_weights
    rng = np.random.default_rng(1)
    _, d = make_data(rng, n=10, k=4)
    idx = np.array([0, 0, 2, 3])
    cs = np.bincount(idx, minlength=4)
    for method, rmeth in (("spearman", "spearman"), ("pearson", "corr")):
        ours = _ceiling_subject_weights(Prepared(d.dissimilarities), method, cs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = boot_noise_ceiling(
                RDMs(d.dissimilarities[idx], rdm_descriptors={"subj": idx}),
                method=rmeth, rdm_descriptor="subj")
        np.testing.assert_allclose(ours, ref, atol=1e-10)


def test_dual_bootstrap_and_correction():
    rng = np.random.default_rng(2)
    m, d = make_data(rng, n=15, k=4)
    r = bootstrap_dual(m, d, "spearman", n_boot=40, seed=3)
    assert r.kind == "dual" and r.variance.shape == (3,)
    v_dual = np.nanvar(r.samples, axis=0, ddof=1)
    assert np.all(r.variance <= v_dual + 1e-15)
    lo, hi = r.ci()
    assert np.all(lo < r.point) and np.all(r.point < hi)
    # formula check against the small-sample expression
    v = _dual_variance(np.array(0.05), np.array(0.02), np.array(0.02), 10, 50)
    a, b = 10 / 9, 50 / 49
    expect = a * 0.02 + b * 0.02 - a * b * (0.05 - 0.04)
    assert v == pytest.approx(max(expect, a * 0.02, b * 0.02))


def test_permutation_test():
    rng = np.random.default_rng(4)
    m, d = make_data(rng, n=15)
    r = permutation_test(m, d, "spearman", n_perm=99, seed=0)
    assert r.null.shape == (99, 3)
    assert r.p[0] == pytest.approx(0.01)  # strong model beats every permutation
    assert r.p[2] > 0.01
    # null is centred near zero
    assert abs(np.mean(r.null)) < 0.05


def test_fdr_bh_reference():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.2])
    adj = fdr_bh(p)
    # hand computation: sorted .005 .01 .03 .04 .2 -> *5/rank
    want_sorted = np.minimum.accumulate(
        (np.array([0.005, 0.01, 0.03, 0.04, 0.2]) * 5 / np.arange(1, 6))[::-1])[::-1]
    order = np.argsort(p)
    np.testing.assert_allclose(adj[order], want_sorted)
    try:
        from scipy.stats import false_discovery_control
        np.testing.assert_allclose(adj, false_discovery_control(p))
    except ImportError:
        pass


def test_pairwise_tests():
    rng = np.random.default_rng(5)
    m, d = make_data(rng, n=25)
    r = bootstrap_stimuli(m, d, "pearson", n_boot=100, seed=0, ceiling=False)
    pw = pairwise_tests(r)
    assert pw.diff.shape == (3, 3)
    assert pw.diff[0, 1] > 0 and pw.significant[0, 2]
    np.testing.assert_allclose(pw.p_fdr, pw.p_fdr.T, equal_nan=True)
    assert np.all(pw.p_fdr[np.isfinite(pw.p_fdr)] >= pw.p[np.isfinite(pw.p)] - 1e-15)


def test_reweighting_recovers_and_no_leakage():
    rng = np.random.default_rng(6)
    n = 24
    p = n * (n - 1) // 2
    comps = rng.random((3, p))
    target = 2.0 * comps[0] + 0.5 * comps[2]
    w = fit_weights(comps, target)
    np.testing.assert_allclose(w, [2.0, 0.0, 0.5], atol=1e-10)
    data = target + 0.05 * rng.random((4, p))
    folds = np.arange(n) % 4
    res = crossval_reweighted(RDM(comps), RDM(data), "pearson", folds=folds)
    assert res.scores.shape == (4, 4) and res.score > 0.9
    # leakage: changing any pair that touches a test stimulus of fold 0
    # must not change fold 0's fitted weights
    iu, ju = np.triu_indices(n, 1)
    touch = (folds[iu] == 0) | (folds[ju] == 0)
    data2 = data.copy()
    data2[:, touch] = rng.random((4, touch.sum())) * 10
    res2 = crossval_reweighted(RDM(comps), RDM(data2), "pearson", folds=folds)
    np.testing.assert_allclose(res2.weights[0], res.weights[0])
    # and train-test pairs do not affect the evaluation either
    mixed = (folds[iu] == 0) != (folds[ju] == 0)
    data3 = data.copy()
    data3[:, mixed] = 99.0
    res3 = crossval_reweighted(RDM(comps), RDM(data3), "pearson", folds=folds)
    np.testing.assert_allclose(res3.scores[0], res.scores[0])


def test_temporal():
    import xarray as xr
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 6, 5))  # cond, channel, time
    tc = rdm_timecourse(x)
    assert tc.n_rdms == 5 and tc.descriptors["time_bin"] == list(range(5))
    np.testing.assert_allclose(tc[2].dissimilarities, rdm(x[..., 2]).dissimilarities)
    da = xr.DataArray(x, dims=("presentation", "neuroid", "time_bin"),
                      coords={"stimulus_id": ("presentation", list("abcdefgh")),
                              "time_bin": [0, 10, 20, 30, 40]})
    tc2 = rdm_timecourse(da)
    assert tc2.descriptors["time_bin"] == [0, 10, 20, 30, 40]
    assert list(tc2.stimulus_id) == list("abcdefgh")
    model = rdm_timecourse(rng.standard_normal((8, 4, 3)), stimulus_id=list("abcdefgh"))
    sim = compare_timecourses(model, tc2, "spearman")
    assert sim.shape == (3, 5)
    np.testing.assert_allclose(sim[1, 4], compare(model[1], tc2[4], "spearman"))
    simx = compare_timecourses(model, tc2, as_xarray=True)
    assert simx.dims == ("model_time", "brain_time")
