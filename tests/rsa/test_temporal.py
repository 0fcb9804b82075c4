"""Time-resolved RSA (neurovision.rsa.temporal): the time_bin axis and the NaN-and-warning rule for constant RDMs."""
import warnings

import numpy as np
import pytest
import xarray as xr

from neurovision.errors import ConstantRDMWarning
from neurovision.rsa import RDM, compare, compare_timecourses, rdm_timecourse

IDS = list("abcdefgh")


def _assembly(rng, n_time=4):
    x = rng.standard_normal((8, 6, n_time))
    return xr.DataArray(x, dims=("presentation", "neuroid", "time_bin"),
                        coords={"stimulus_id": ("presentation", IDS), "time_bin": np.arange(n_time),
                                "time_ms": ("time_bin", np.arange(n_time) * 10.0)})


def test_rdm_timecourse_takes_time_bin_and_carries_time_ms():
    rng = np.random.default_rng(0)
    tc = rdm_timecourse(_assembly(rng))
    assert tc.descriptors["time_bin"] == [0, 1, 2, 3] and tc.descriptors["time_ms"] == [0.0, 10.0, 20.0, 30.0]
    other = xr.DataArray(rng.standard_normal((8, 6, 4)), dims=("presentation", "neuroid", "time"),
                         coords={"stimulus_id": ("presentation", IDS)})
    with pytest.raises(ValueError, match="no 'time_bin' dim"):
        rdm_timecourse(other)


def test_constant_rdm_at_a_time_bin_is_nan_with_one_warning():
    """A time bin whose RDM is constant (every condition the same pattern) compares as NaN, not 0, with one
    ConstantRDMWarning naming the bin; the other bins equal compare()."""
    rng = np.random.default_rng(1)
    brain_da = _assembly(rng)
    brain_da[:, :, 2] = rng.standard_normal(6)  # same pattern for every condition at time_bin 2
    brain = rdm_timecourse(brain_da)
    model = rdm_timecourse(_assembly(np.random.default_rng(2)))
    with pytest.warns(ConstantRDMWarning, match=r"compare_timecourses.*brain RDM time_bin=2") as record:
        sim = compare_timecourses(model, brain, "spearman")
    assert len([w for w in record if issubclass(w.category, ConstantRDMWarning)]) == 1
    assert np.isnan(sim[:, 2]).all() and np.isfinite(np.delete(sim, 2, axis=1)).all()
    for i in range(4):
        for j in (0, 1, 3):
            assert sim[i, j] == compare(model[i], brain[j], "spearman")
    with pytest.warns(ConstantRDMWarning, match="brain RDM time_bin=2"):
        paired = compare_timecourses(model, brain, "spearman", paired=True)
    assert np.isnan(paired[2]) and np.isfinite(paired[[0, 1, 3]]).all()
    for t in (0, 1, 3):
        assert paired[t] == compare(model[t], brain[t], "spearman")
    # a constant model RDM: that row is NaN
    const_model = RDM(np.vstack([model.dissimilarities[:1], np.full((1, 28), 0.5)]), IDS,
                      descriptors={"layer": ["conv", "flat"]})
    with pytest.warns(ConstantRDMWarning, match="model RDM layer='flat'"):
        rows = compare_timecourses(const_model, brain, "pearson")
    assert np.isnan(rows[1]).all() and np.isnan(rows[0, 2]) and np.isfinite(rows[0, [0, 1, 3]]).all()


def test_no_warning_without_constant_rdms_and_paired_layout():
    rng = np.random.default_rng(3)
    brain, model = rdm_timecourse(_assembly(rng)), rdm_timecourse(_assembly(rng))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = compare_timecourses(model, brain, "spearman")
        paired = compare_timecourses(model, brain, "spearman", paired=True, as_xarray=True)
    assert paired.dims == ("time_bin",)
    np.testing.assert_array_equal(paired["time_ms"].values, [0.0, 10.0, 20.0, 30.0])
    np.testing.assert_allclose(paired.values, np.diag(full), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="as many model RDMs as brain RDMs"):
        compare_timecourses(model[:2], brain, paired=True)
