"""Loader of the Stocker & Simoncelli (2006) speed-discrimination trials, on the real data mirror.

Needs the ``$NEUROVISION_DATA`` mirror (the shared ``data_mirror`` fixture: skipped without it, a failure under
``CI=true``).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.io import loadmat

from neurovision.data import fetch, stocker2006

pytestmark = pytest.mark.usefixtures("data_mirror")

@pytest.fixture(scope="module")
def ds():
    return stocker2006.load_speed_discrimination()


def test_trial_counts_and_attrs(ds):
    counts = {s: int((ds["subject"].values == s).sum()) for s in range(1, 6)}
    assert counts == {1: 5760, 2: 5760, 3: 960, 4: 5760, 5: 6240}
    assert ds.sizes["trial"] == 24480
    assert "Stocker AA, Simoncelli EP (2006)" in ds.attrs["citation"] and "9:578-585" in ds.attrs["citation"]
    assert set(ds.attrs["sha256"]) == {f"behavior/NN2006/SUB{s}.mat" for s in range(1, 6)}
    assert all(len(h) == 64 for h in ds.attrs["sha256"].values())


def test_value_sets_from_the_manifest(ds):
    subj = ds["subject"].values
    ref = ds["reference_speed"].values
    np.testing.assert_array_equal(np.unique(ref[subj != 3]), [0.5, 1, 2, 4, 8, 12])
    np.testing.assert_array_equal(np.unique(ref[subj == 3]), [0.5, 1, 2, 4])
    np.testing.assert_allclose(np.unique(ds["reference_contrast"].values[subj != 5]), [0.075, 0.5])
    np.testing.assert_allclose(np.unique(ds["reference_contrast"].values[subj == 5]), [0.075, 0.2, 0.5])
    np.testing.assert_allclose(np.unique(ds["test_contrast"].values), [0.05, 0.075, 0.1, 0.2, 0.4, 0.5, 0.8])
    assert ds["chose_test_faster"].dtype == bool and ds["correct"].dtype == bool
    assert set(np.unique(ds["direction"].values)) == {-1, 1}
    # 80 trials per (reference speed, reference contrast, test contrast) condition (README.txt)
    keys = np.stack([subj, ref, ds["reference_contrast"].values, ds["test_contrast"].values], 1)
    _, n = np.unique(keys, axis=0, return_counts=True)
    assert set(n) == {80}


def test_rows_match_the_raw_file(ds):
    raw = loadmat(fetch("zhang2022_mt_speed", "behavior/NN2006/SUB2.mat"))["subject2"]
    sub = ds.isel(trial=np.flatnonzero(ds["subject"].values == 2))
    np.testing.assert_array_equal(sub["test_speed"].values, raw[2])
    np.testing.assert_array_equal(sub["chose_test_faster"].values, raw[8] == 1)
    np.testing.assert_array_equal(sub["staircase_step"].values, raw[9])
    # "correct" = the faster stimulus was chosen, wherever the speeds differ
    differ = raw[2] != raw[0]
    agree = ((raw[8] == 1) == (raw[2] > raw[0]))[differ] == (raw[10] == 1)[differ]
    assert agree.mean() > 0.99


def test_subset_and_bad_subject():
    one = stocker2006.load_speed_discrimination([3])
    assert one.sizes["trial"] == 960 and set(one["subject"].values) == {3}
    with pytest.raises(ValueError, match="subjects must be"):
        stocker2006.load_speed_discrimination([6])
    with pytest.raises(ValueError, match="subjects must be"):
        stocker2006.load_speed_discrimination([1, 1])
