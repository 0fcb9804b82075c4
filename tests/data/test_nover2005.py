"""Nover et al. (2005) MT speed tuning loader (neurovision.data.nover2005): shapes, monkeys, fit row order."""
import json

import numpy as np
import pytest
from scipy.optimize import curve_fit

from neurovision.data import nover2005


@pytest.fixture(scope="module")
def ds(data_mirror):
    return nover2005.load_mt_speed_tuning()


def test_shapes_and_coords(ds):
    assert ds.sizes["neuroid"] == 470 and ds.sizes["parameter"] == 5
    mk, counts = np.unique(ds["monkey"].values, return_counts=True)
    assert dict(zip(mk, counts)) == {"m1": 216, "m2": 154, "m3": 100}
    assert int(ds["standard_set"].sum()) == 466
    assert list(ds["neuroid"].values) == sorted(ds["neuroid"].values)  # sorted file names = fitPara rows
    assert set(nover2005.STANDARD_SPEEDS) <= set(ds["speed"].values)
    # every trial is stored exactly once: non-NaN entries = n_trials per neuron
    np.testing.assert_array_equal((~np.isnan(ds["responses"].values)).sum(axis=(1, 2)), ds["n_trials"].values)
    sha = json.loads(ds.attrs["sha256"])
    assert len(sha) == 471 and "Nover" in ds.attrs["citation"]
    assert ds["responses"].attrs["units"] == "spikes/s" and ds["speed"].attrs["units"] == "deg/s"


def test_mean_rate_matches_trials(ds):
    std = ds.isel(neuroid=ds["standard_set"].values).sel(speed=list(nover2005.STANDARD_SPEEDS))
    np.testing.assert_allclose(std["mean_rate"].values, np.nanmean(std["responses"].values, axis=2))
    assert np.isfinite(std["mean_rate"].values).all()
    assert (ds["responses"].values[np.isfinite(ds["responses"].values)] >= 0).all()


def test_fit_rows_follow_sorted_file_names(ds):
    """The repository's fits reproduce each neuron's mean rates (correlation), and a shifted row order does not."""
    fit, mr, sp = ds["fit"].values, ds["mean_rate"].values, ds["speed"].values

    def corr(i, j):
        ok = np.isfinite(mr[i])
        return np.corrcoef(nover2005.log_gaussian(sp[ok], *fit[j]), mr[i, ok])[0, 1]

    r = np.array([corr(i, i) for i in range(470)])
    shifted = np.array([corr(i, (i + 1) % 470) for i in range(470)])
    assert np.mean(r > 0.9) > 0.9 and np.median(r) > 0.95
    assert np.median(shifted) < 0.7


def test_refit_agrees_with_repository_fit(ds):
    """Independent refits (scipy.optimize.curve_fit) of a few well-tuned neurons find the same preferred speed."""
    sp = np.asarray(nover2005.STANDARD_SPEEDS)
    std = ds.isel(neuroid=ds["standard_set"].values).sel(speed=list(sp))
    rng = np.random.default_rng(0)
    for i in rng.choice(std.sizes["neuroid"], 8, replace=False):
        rates = std["mean_rate"].values[i]
        rep = std["fit"].values[i]
        if rep[4] > 32 or rep[4] < 0.5:
            continue  # the peak lies outside the sampled range: not identifiable from 8 speeds
        p0 = [rates.min(), np.ptp(rates), 1.0, 1.0, sp[rates.argmax()] + 0.1]
        p, _ = curve_fit(nover2005.log_gaussian, sp, rates, p0=p0, maxfev=20000,
                         bounds=([0, 0, 0.1, 0, 0.01], [np.inf, np.inf, 20, 10, 100]))
        assert abs(np.log2(p[4]) - np.log2(rep[4])) < 1.0, (std["neuroid"].values[i], p, rep)


def test_preferred_speeds_and_fano(ds):
    pref = ds["fit"].sel(parameter="pref").values
    assert 4 <= np.median(pref) <= 16
    assert np.mean((pref >= 2) & (pref <= 32)) > 0.6
    assert np.median(ds["fano"].values) > 0.5


def test_log_gaussian_formula():
    v = nover2005.log_gaussian([0.0, 4.0, 9.0], 1.0, 10.0, 0.5, 1.0, 4.0)
    expected = 1 + 10 * np.exp(-np.log(np.array([1.0, 5.0, 10.0]) / 5.0) ** 2 / 0.5)
    np.testing.assert_allclose(v, expected)
    assert nover2005.log_gaussian(0.0, 2.0, 5.0, 1.0, 0.0, 3.0) == 2.0  # offset 0 at speed 0: the baseline
