"""RSA engine vs rsatoolbox (oracle) and scipy (second oracle)."""
import warnings

import numpy as np
import pytest
import scipy.stats as ss
from scipy.spatial.distance import pdist

from neurovision.rsa import RDM, BootstrapResult, bootstrap_stimuli, compare, noise_ceiling, rdm
from neurovision.rsa.compare import _discordant_numpy, compare_vectors

rsatoolbox = pytest.importorskip("rsatoolbox")
from rsatoolbox.data import Dataset  # noqa: E402
from rsatoolbox.inference import boot_noise_ceiling  # noqa: E402
from rsatoolbox.rdm import RDMs, calc_rdm  # noqa: E402
from rsatoolbox.rdm import compare as rsa_compare  # noqa: E402

TOL = 1e-10
# our method name -> rsatoolbox method name
SHARED = {
    "spearman": "spearman", "pearson": "corr", "kendall_tau_a": "tau-a",
    "rho_a": "rho-a", "cosine": "cosine", "corr_cov": "corr_cov",
    "cosine_cov": "cosine_cov",
}


def tau_a_bruteforce(x, y):
    """O(n^2) definition: sum sign(dx) sign(dy) / (n(n-1)/2)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = len(x)
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    return np.sum(np.triu(sx * sy, 1)) / (n * (n - 1) / 2)


def rand_rdms(rng, k, n, ties=False):
    p = n * (n - 1) // 2
    x = rng.random((k, p))
    if ties:
        x = np.round(x * 4) / 4  # few distinct levels -> many ties
    return x


# ---------------------------------------------------------------------------
# RDM container
# ---------------------------------------------------------------------------
def test_rdm_forms_roundtrip():
    rng = np.random.default_rng(0)
    v = rng.random(10)  # n = 5
    a = RDM(v)
    assert a.n_rdms == 1 and a.n_conditions == 5 and len(a) == 1
    assert a.matrix.shape == (5, 5)
    np.testing.assert_array_equal(a.matrix, np.asarray(a))
    from scipy.spatial.distance import squareform
    np.testing.assert_array_equal(a.matrix, squareform(v))
    b = RDM(a.matrix)
    np.testing.assert_array_equal(b.dissimilarities, a.dissimilarities)
    st = RDM(np.stack([a.matrix, 2 * a.matrix]), descriptors={"subject": ["s1", "s2"]})
    assert st.matrix.shape == (2, 5, 5) and st[1].descriptors["subject"] == ["s2"]
    np.testing.assert_allclose(st.mean().dissimilarities[0], 1.5 * v)
    c = RDM(rng.random((3, 10)))
    assert c.n_rdms == 3
    assert list(a.stimulus_id) == ["0", "1", "2", "3", "4"]


def test_rdm_subset_and_xarray():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 8))
    ids = list("abcdef")
    r = rdm(x, stimulus_id=ids)
    s = r.subset(["d", "a", "f"])
    want = 1 - np.corrcoef(x[[3, 0, 5]])
    np.testing.assert_allclose(s.matrix, want - np.diag(np.diag(want)), atol=1e-12)
    assert list(s.stimulus_id) == ["d", "a", "f"]
    st = RDM.concat([r, r])
    st.descriptors["layer"] = ["l1", "l2"]
    da = st.to_xarray()
    back = RDM.from_xarray(da)
    np.testing.assert_allclose(back.dissimilarities, st.dissimilarities)
    assert list(back.stimulus_id) == ids
    assert back.descriptors["layer"] == ["l1", "l2"]
    with pytest.raises(ValueError):
        r.subset(["a", "zz", "b"])


def test_rdm_xarray_patterns_average_repeats():
    import xarray as xr
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 5))
    sid = ["s2", "s0", "s1", "s3", "s2", "s0", "s1", "s3"]
    da = xr.DataArray(x, dims=("presentation", "neuroid"),
                      coords={"stimulus_id": ("presentation", sid)})
    r = rdm(da)
    assert list(r.stimulus_id) == ["s2", "s0", "s1", "s3"]
    means = np.array([x[[i for i, s in enumerate(sid) if s == t]].mean(0)
                      for t in ["s2", "s0", "s1", "s3"]])
    np.testing.assert_allclose(r.dissimilarities[0], pdist(means, "correlation"), atol=1e-12)


def test_bad_inputs():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 4))
    x[2] = 1.0
    with pytest.raises(ValueError, match="constant.*'c'"):
        rdm(x, stimulus_id=list("abcde"))
    y = rng.standard_normal((5, 4))
    y[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        rdm(y)
    with pytest.raises(ValueError, match="at least 3"):
        rdm(rng.standard_normal((2, 4)))
    m = np.abs(rng.standard_normal((4, 4)))
    m = m + m.T
    np.fill_diagonal(m, 0)
    bad = m.copy()
    bad[0, 1] += 1
    with pytest.raises(ValueError, match="symmetric"):
        RDM(bad)
    bad = m.copy()
    bad[1, 1] = 0.1
    with pytest.raises(ValueError, match="diagonal"):
        RDM(bad)
    with pytest.raises(ValueError, match="NaN"):
        RDM(np.array([0.1, np.nan, 0.3]))
    with pytest.raises(ValueError):
        RDM(np.ones(7))  # not triangular


def test_mismatched_ids_raise():
    rng = np.random.default_rng(4)
    a = RDM(rng.random(10), stimulus_id=list("abcde"))
    b = RDM(rng.random(10), stimulus_id=list("abcdf"))
    c = RDM(rng.random(10), stimulus_id=list("edcba"))
    with pytest.raises(ValueError, match="different stimulus_id sets"):
        compare(a, b)
    with pytest.raises(ValueError, match="different order"):
        compare(a, c)
    # after explicit alignment it works
    compare(a, c.subset(a.stimulus_id))


# ---------------------------------------------------------------------------
# RDM computation vs rsatoolbox / scipy
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("n,c", [(5, 3), (17, 40), (60, 25)])
def test_rdm_methods_vs_rsatoolbox(n, c):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, c))
    ds = Dataset(x)
    ours = rdm(x, "correlation").dissimilarities[0]
    ref = calc_rdm(ds, method="correlation").get_vectors()[0]
    np.testing.assert_allclose(ours, ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours, pdist(x, "correlation"), atol=TOL)
    ours = rdm(x, "euclidean").dissimilarities[0]
    ref = calc_rdm(ds, method="euclidean").get_vectors()[0]
    np.testing.assert_allclose(ours, ref, rtol=0, atol=TOL * max(1, ref.max()))
    np.testing.assert_allclose(
        rdm(x, "euclidean", normalize=False).dissimilarities[0],
        pdist(x, "sqeuclidean"), atol=1e-9)
    np.testing.assert_allclose(rdm(x, "cosine").dissimilarities[0],
                               pdist(x, "cosine"), atol=TOL)
    # float32 fast path: ~1e-6
    np.testing.assert_allclose(
        rdm(x, "correlation", dtype=np.float32).dissimilarities[0],
        pdist(x, "correlation"), atol=2e-5)


@pytest.mark.parametrize("n_part,n,c", [(2, 5, 4), (4, 12, 9)])
def test_crossnobis_vs_rsatoolbox(n_part, n, c):
    from rsatoolbox.data.noise import cov_from_residuals

    from neurovision.rsa import noise_covariance
    rng = np.random.default_rng(10 + n)
    x = rng.standard_normal((n_part, n, c)) + rng.standard_normal((1, n, c))
    res = (x - x.mean(0, keepdims=True)).reshape(-1, c)
    dof = n * (n_part - 1)
    cov = noise_covariance(res, dof=dof)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cov_ref = cov_from_residuals(res, dof=dof, method="shrinkage_diag")
    np.testing.assert_allclose(cov, cov_ref, atol=TOL)
    ours = rdm(x, "crossnobis").dissimilarities[0]
    ds = Dataset(x.reshape(-1, c), obs_descriptors={
        "cond": np.tile(np.arange(n), n_part),
        "run": np.repeat(np.arange(n_part), n)})
    ref = calc_rdm(ds, method="crossnobis", descriptor="cond",
                   cv_descriptor="run", noise=np.linalg.inv(cov)).get_vectors()[0]
    np.testing.assert_allclose(ours, ref, atol=TOL)
    # brute-force definition
    prec = np.linalg.inv(cov)
    i, j = np.triu_indices(n, 1)
    d = x[:, i] - x[:, j]  # (part, pairs, c)
    acc = 0
    for p in range(n_part):
        for q in range(n_part):
            if p != q:
                acc = acc + np.einsum("kc,cd,kd->k", d[p], prec, d[q])
    np.testing.assert_allclose(ours, acc / (n_part * (n_part - 1)) / c, atol=TOL)


# ---------------------------------------------------------------------------
# comparisons vs rsatoolbox
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("n", [4, 9, 30])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("method", list(SHARED))
def test_compare_vs_rsatoolbox(method, n, ties):
    rng = np.random.default_rng(hash((method, n, ties)) % 2**32)
    a = rand_rdms(rng, 3, n, ties)
    b = rand_rdms(rng, 2, n, ties)
    ours = compare_vectors(a, b, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = rsa_compare(RDMs(a), RDMs(b), SHARED[method])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=TOL)


def test_compare_second_oracle_scipy():
    rng = np.random.default_rng(7)
    for n in (5, 20):
        x, y = rand_rdms(rng, 2, n)
        ra, rb = RDM(x), RDM(y)
        assert abs(compare(ra, rb, "spearman") - ss.spearmanr(x, y)[0]) < TOL
        assert abs(compare(ra, rb, "pearson") - ss.pearsonr(x, y)[0]) < TOL
        # no ties: tau-a == tau-b
        assert abs(compare(ra, rb, "kendall_tau_a") - ss.kendalltau(x, y)[0]) < TOL
        xt, yt = np.round(x * 3), np.round(y * 3)
        assert abs(compare(RDM(xt), RDM(yt), "kendall_tau_a")
                   - tau_a_bruteforce(xt, yt)) < TOL
        assert abs(compare(RDM(xt), RDM(yt), "spearman") - ss.spearmanr(xt, yt)[0]) < TOL


def test_compare_shapes():
    rng = np.random.default_rng(8)
    a = RDM(rand_rdms(rng, 3, 6))
    b = RDM(rand_rdms(rng, 2, 6))
    assert compare(a, b).shape == (3, 2)
    assert isinstance(compare(a[0], b[1]), float)


def test_discordant_numpy_fallback():
    rng = np.random.default_rng(9)
    for n in (1, 2, 7, 50, 300):
        x = np.sort(rng.integers(0, 5, n))
        y = rng.integers(0, 6, n)
        brute = sum(1 for p in range(n) for q in range(p + 1, n)
                    if x[p] < x[q] and y[p] > y[q])
        assert _discordant_numpy(x, y) == brute


# ---------------------------------------------------------------------------
# noise ceiling vs rsatoolbox
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("method", list(SHARED))
@pytest.mark.parametrize("k,n", [(2, 6), (5, 12)])
def test_noise_ceiling_vs_rsatoolbox(method, k, n):
    rng = np.random.default_rng(k * 100 + n)
    base = rng.random(n * (n - 1) // 2)
    data = base + 0.5 * rng.random((k, base.shape[0]))
    if method in ("spearman", "kendall_tau_a", "rho_a"):
        data = np.round(data * 6) / 6  # ties
    lo, up = noise_ceiling(RDM(data), method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rlo, rup = boot_noise_ceiling(RDMs(data), method=SHARED[method])
    assert abs(lo - rlo) < TOL and abs(up - rup) < TOL


# ---------------------------------------------------------------------------
# bootstrap over stimuli vs rsatoolbox eval_bootstrap_pattern
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("method", list(SHARED))
def test_bootstrap_stimuli_vs_rsatoolbox(method):
    from rsatoolbox.inference import eval_bootstrap_pattern
    from rsatoolbox.model import ModelFixed
    n, k, km, nb = 9, 3, 2, 6
    rng = np.random.default_rng(11)
    base = rng.random(n * (n - 1) // 2)
    data = base + 0.7 * rng.random((k, base.shape[0]))
    models = rng.random((km, base.shape[0]))
    models[1] = np.round(models[1] * 3)  # a model with ties
    np.random.seed(123)
    samples = np.array([np.random.randint(0, n, size=n) for _ in range(nb)])
    ours = bootstrap_stimuli(RDM(models), RDM(data), method, samples=samples)
    np.random.seed(123)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mods = [ModelFixed(f"m{i}", RDMs(models[i:i + 1])) for i in range(km)]
        res = eval_bootstrap_pattern(mods, RDMs(data), method=SHARED[method],
                                     N=nb)
    np.testing.assert_allclose(ours.samples, res.evaluations, atol=TOL)
    np.testing.assert_allclose(ours.ceiling_samples, res.noise_ceiling.T, atol=TOL)


def test_bootstrap_result_api():
    rng = np.random.default_rng(12)
    n = 12
    data = RDM(rand_rdms(rng, 4, n))
    model = RDM(rand_rdms(rng, 3, n))
    r = bootstrap_stimuli(model, data, "pearson", n_boot=50, seed=1)
    assert isinstance(r, BootstrapResult)
    assert r.point.shape == (3,) and r.samples.shape == (50, 3)
    assert r.ceiling_samples.shape == (50, 2)
    lo, hi = r.ci(0.9)
    assert lo.shape == (3,) and np.all(lo <= hi)
    assert r.se().shape == (3,)
    assert r.ceiled_samples().shape == (50, 3)
    np.testing.assert_allclose(r.point, compare(model, data, "pearson").mean(1))
    r2 = bootstrap_stimuli(model, data, "pearson", n_boot=50, seed=1)
    np.testing.assert_array_equal(r.samples, r2.samples)
    r3 = bootstrap_stimuli(model, data[0], "pearson", n_boot=5)
    assert r3.ceiling_samples is None


# ---------------------------------------------------------------------------
# input robustness: MultiIndex stimulus_id level, near-zero diagonals
# ---------------------------------------------------------------------------
def test_rdm_xarray_stimulus_id_multiindex_level():
    import pandas as pd
    import xarray as xr
    rng = np.random.default_rng(21)
    x = rng.standard_normal((6, 5))
    sid = ["b", "a", "c", "b", "a", "c"]
    idx = pd.MultiIndex.from_arrays([sid, [0, 0, 0, 1, 1, 1]],
                                    names=("stimulus_id", "repetition"))
    da = xr.DataArray(x, dims=("presentation", "neuroid"),
                      coords={"presentation": idx})
    r = rdm(da)
    assert list(r.stimulus_id) == ["b", "a", "c"]
    means = np.array([x[[0, 3]].mean(0), x[[1, 4]].mean(0), x[[2, 5]].mean(0)])
    np.testing.assert_allclose(r.dissimilarities[0],
                               pdist(means, "correlation"), atol=1e-12)


def test_square_rdm_near_zero_diagonal():
    rng = np.random.default_rng(22)
    x = rng.standard_normal((7, 20))
    m = 1 - np.corrcoef(x)
    m[np.diag_indices(7)] = [1e-16, -2e-16, 0, 3e-16, 0, 1e-13, 0]
    r = RDM(m)
    assert np.all(np.diag(r.matrix) == 0)
    iu = np.triu_indices(7, 1)
    np.testing.assert_array_equal(r.dissimilarities[0], m[iu])
    bad = m.copy()
    bad[2, 2] = 1e-9
    with pytest.raises(ValueError, match="diagonal"):
        RDM(bad)
    with pytest.raises(ValueError, match="diagonal"):
        RDM(np.stack([m, bad]))
