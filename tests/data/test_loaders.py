"""Loaders of cichy2014, cowley2023, cottier2023 and adams2015, run on the real data mirror.

Skipped as a whole when ``$NEUROVISION_DATA`` does not point at a mirror holding these datasets (a failure
instead under ``CI=true``, as in ``conftest.py``).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from neurovision.data import fetch, mirror_root

_NEEDED = ("cichy2014", "cowley2023_v4", "cottier2023_flashlag", "adams2015_occluded_pursuit", "kriegeskorte2008")
_root = mirror_root()
if _root is None or not all((_root / d).is_dir() for d in _NEEDED):
    _why = (f"real-data tests need $NEUROVISION_DATA pointing at a mirror with {', '.join(_NEEDED)} "
            f"(e.g. NEUROVISION_DATA=../shared/data); got {_root}")
    if os.environ.get("CI"):  # as in conftest.py: data must be present under CI
        pytest.fail(_why, pytrace=False)
    pytest.skip(_why, allow_module_level=True)

from scipy.io import loadmat  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from neurovision.data import adams2015, cichy2014, cottier2023, cowley2023  # noqa: E402

IU = np.triu_indices(92, 1)


def _upper_mean(rdms):
    return rdms.mean("subject").values[IU]


# ----------------------------------------------------------------------------------------------- cichy2014
@pytest.fixture(scope="module")
def fmri():
    return {r: cichy2014.load_fmri_rdms(r) for r in cichy2014.REGIONS}


@pytest.fixture(scope="module")
def meg():
    return {w: cichy2014.load_meg_rdms(w) for w in cichy2014.WINDOWS}


@pytest.fixture(scope="module")
def derived():
    with np.load(fetch("cichy2014", cichy2014.DERIVED_FILE), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def meg_file():
    return loadmat(fetch("cichy2014", cichy2014.MEG_FILE))


def test_cichy_stimuli():
    st = cichy2014.load_stimuli()
    assert st.shape == (92, 175, 175, 3) and st.dtype == np.uint8
    assert st.dims == ("presentation", "height", "width", "channel")
    assert list(st.stimulus_id.values[:2]) == ["image_01", "image_02"] and st.stimulus_id.values[-1] == "image_92"
    assert st.values[:, 0, 0].min() > 240  # white background
    assert st.attrs["sha256"].count("images/image_") == 92


@pytest.mark.parametrize("region", ["EVC", "IT"])
def test_cichy_fmri(fmri, derived, region):
    rdm = fmri[region]
    assert rdm.dims == ("subject", "stimulus_id", "stimulus_id_2") and rdm.shape == (15, 92, 92)
    assert list(rdm.stimulus_id.values) == list(rdm.stimulus_id_2.values) == list(cichy2014.STIMULUS_IDS)
    v = rdm.values
    assert np.abs(v - v.transpose(0, 2, 1)).max() <= 1e-15 and not np.isnan(v).any()  # 1 ulp in the file
    assert np.all(np.diagonal(v, axis1=1, axis2=2) == 0)
    assert rdm.attrs["measure"] == "1 - Pearson r" and rdm.attrs["region"] == region
    assert rdm.attrs["sha256"] == "57f064c7ebc5e6de1c70898166090f5c7b6ffdcfb5b13cb897c6d81a09207e47"
    assert np.array_equal(v, derived[f"fmri_{region.lower()}"])  # h5py read + transpose == derived npz
    if region == "IT":
        assert 1.6 < v.max() < 1.7  # MANIFEST: IT range 0-1.65


def test_cichy_meg_permutation_recovered_from_npz(meg_file, derived):
    """The constant MEG_FILE_ORDER is what row matching against the derived npz finds, for both windows."""
    for w in cichy2014.WINDOWS:
        order = cichy2014.recover_permutation(meg_file[f"MEG_RDMs_{w}"], derived[f"meg_{w}_session_avg"])
        assert np.array_equal(order, cichy2014.MEG_FILE_ORDER)


def test_cichy_meg_permutation_is_bijection_and_category_sort():
    order = cichy2014.MEG_FILE_ORDER
    assert sorted(order.tolist()) == list(range(92))
    # a stable sort by a group label: ascending image number inside each of 6 groups
    assert int(np.sum(np.diff(order) < 0)) == 5
    # consistent with the Kriegeskorte 2008 categories (read directly from the supplemental data)
    sup = loadmat(fetch("kriegeskorte2008", "Kriegeskorte_Neuron2008_supplementalData.mat"),
                  squeeze_me=True, struct_as_record=False, variable_names=["stimuli_92objs"])
    cats = np.array([o.category for o in sup["stimuli_92objs"]])
    inanimate = np.isin(cats, ["natural inanimate", "artificial inanimate"])
    assert inanimate.sum() == 44
    assert inanimate[order[:44]].all() and not inanimate[order[44:]].any()
    human_face = np.flatnonzero(cats == "human face")
    pos = np.flatnonzero(np.isin(order, human_face))
    assert np.ptp(pos) == len(pos) - 1  # the 12 human faces form one contiguous block


def test_cichy_meg_restored(meg, meg_file, derived, fmri):
    for w in cichy2014.WINDOWS:
        rdm = meg[w]
        assert rdm.dims == ("subject", "stimulus_id", "stimulus_id_2") and rdm.shape == (15, 92, 92)
        assert np.array_equal(rdm.values, derived[f"meg_{w}_session_avg"])  # exact
        # re-applying the permutation gives the file back exactly
        assert np.array_equal(rdm.values[:, cichy2014.MEG_FILE_ORDER][:, :, cichy2014.MEG_FILE_ORDER],
                              meg_file[f"MEG_RDMs_{w}"])
    it, evc = _upper_mean(fmri["IT"]), _upper_mean(fmri["EVC"])
    r_late_it = spearmanr(_upper_mean(meg["late"]), it)[0]
    r_raw_it = spearmanr(meg_file["MEG_RDMs_late"].mean(0)[IU], it)[0]
    r_early_evc = spearmanr(_upper_mean(meg["early"]), evc)[0]
    assert r_late_it == pytest.approx(0.53, abs=0.02)  # MANIFEST: MEG late vs fMRI IT 0.53
    assert r_early_evc == pytest.approx(0.57, abs=0.02)  # MANIFEST: MEG early vs fMRI EVC 0.57
    assert r_raw_it < 0.15 < r_late_it - 0.3


def test_cichy_bad_input():
    with pytest.raises(ValueError, match="EVC, IT"):
        cichy2014.load_fmri_rdms("V1")
    with pytest.raises(ValueError, match="early, late"):
        cichy2014.load_meg_rdms("middle")
    bad = np.zeros((2, 92, 92))
    bad[0, 1, 2] = 1.0
    with pytest.raises(ValueError, match="target_fmri.mat.*not symmetric"):
        cichy2014.validate_rdms(bad, "target_fmri.mat")
    bad = np.zeros((2, 92, 92))
    bad[1, 3, 3] = np.nan
    with pytest.raises(ValueError, match="x.mat.*NaN"):
        cichy2014.validate_rdms(bad, "x.mat")
    bad = np.zeros((2, 92, 92))
    bad[1, 3, 3] = 0.5
    with pytest.raises(ValueError, match="diagonal"):
        cichy2014.validate_rdms(bad, "x.mat")


# ----------------------------------------------------------------------------------------------- cowley2023
def test_cowley_sessions_table():
    assert len(cowley2023.SESSIONS) == 12
    assert set(cowley2023.SESSIONS.values()) == {"train", "test", "validation"}
    assert cowley2023.SESSIONS["210325"] == "test" and cowley2023.SESSIONS["210224"] == "validation"


@pytest.fixture(scope="module")
def session_210325():
    return cowley2023.load_session("210325")


def test_cowley_session(session_210325):
    stim, resp = session_210325
    assert stim.shape == (640, 112, 112, 3) and stim.dtype == np.uint8
    assert stim.dims == ("presentation", "height", "width", "channel")
    assert resp.dims == ("presentation", "neuroid") and resp.shape == (640, 50) and resp.dtype == np.float64
    assert stim.stimulus_id.values[0] == "cowley_210325_0001" and stim.stimulus_id.values[-1] == "cowley_210325_0640"
    assert np.array_equal(stim.stimulus_id.values, resp.stimulus_id.values)
    assert set(resp.session.values) == {"210325"} and resp.neuroid_id.values[0] == "cowley_210325_n000"
    assert np.isfinite(resp.values).all() and (resp.values >= 0).all()
    assert resp.attrs["role"] == "test"


def test_cowley_session_with_subfolder_in_zip():
    stim, resp = cowley2023.load_session(190923)  # members under images_190923/
    assert stim.shape == (1200, 112, 112, 3) and resp.shape == (1200, 33)
    assert list(stim.image_number.values[:3]) == [1, 2, 3]


def test_cowley_repeats_and_reliability(session_210325):
    rep = cowley2023.load_repeats("210325")
    assert rep.dims == ("presentation", "neuroid", "repetition") and rep.shape == (640, 50, 10)
    assert np.isnan(rep.values).sum() == 78000  # NaN padding kept
    assert rep.n_repeats.min() == 6 and rep.n_repeats.max() == 10
    assert np.array_equal(rep.mean("repetition").values, session_210325.responses.values)
    assert np.array_equal(rep.stimulus_id.values, session_210325.responses.stimulus_id.values)
    rel = cowley2023.split_half_reliability(rep)
    assert rel.dims == ("neuroid",) and rel.sizes["neuroid"] == 50
    assert float(np.median(rel.r_uncorrected)) == pytest.approx(0.63, abs=0.005)  # MANIFEST: median 0.63
    assert float(rel.r_uncorrected.min()) == pytest.approx(0.34, abs=0.01)
    assert float(rel.r_uncorrected.max()) == pytest.approx(0.88, abs=0.01)
    r = rel.r_uncorrected.values
    assert np.allclose(rel.values, 2 * r / (1 + r)) and (rel.values > r).all()
    shuffled = cowley2023.split_half_reliability(rep, seed=0)
    again = cowley2023.split_half_reliability(rep, seed=0)
    assert np.array_equal(shuffled.values, again.values)
    assert abs(float(shuffled.median()) - float(rel.median())) < 0.05


def test_cowley_bad_input():
    with pytest.raises(ValueError, match="known: 190923, .*210621"):
        cowley2023.load_session("190924")  # in the paper, not in the mirror
    with pytest.raises(ValueError, match="known: 210325"):
        cowley2023.load_repeats("190923")


# ----------------------------------------------------------------------------------------------- cottier2023
def test_cottier_flash_lag():
    ds = cottier2023.load_flash_lag()
    assert dict(ds.sizes) == {"participant": 85, "session": 2}
    means = ds.mean("participant")
    assert means.fle_polar_deg.values == pytest.approx([9.42, 6.38], abs=0.005)  # MANIFEST
    assert means.fle_ms.values == pytest.approx([52.4, 35.4], abs=0.05)
    assert means.fle_dva.values == pytest.approx([2.02, 1.37], abs=0.005)
    assert np.allclose(ds.fle_ms, ds.fle_polar_deg / 180 * 1000)
    overall = ds.fle_ms.mean("session")
    assert float(overall.mean()) == pytest.approx(43.9, abs=0.05)
    assert float(overall.median()) == pytest.approx(49.9, abs=0.05)
    assert float((overall < 0).mean()) == pytest.approx(0.176, abs=0.001)
    assert ds.attrs["rotation_speed_deg_per_s"] == 180 and ds.attrs["radius_dva"] == 12.15
    assert ds.attrs["refresh_rate_hz"] == 144


def test_cottier_test_retest():
    assert cottier2023.test_retest() == pytest.approx(0.749, abs=0.0005)  # MANIFEST: r = 0.749, N = 85
    assert cottier2023.test_retest("fle_ms") == pytest.approx(cottier2023.test_retest())
    with pytest.raises(ValueError, match="fle_polar_deg"):
        cottier2023.test_retest("pixels")


def test_cottier_illusions_match_flash_lag():
    il = cottier2023.load_illusions()
    assert il.sizes["participant"] == 106 and len(il.data_vars) == 8
    fle = cottier2023.load_flash_lag().fle_dva.mean("session")
    sub = il.flash_lag_dva.sel(participant=fle.participant)
    assert np.allclose(sub.values, fle.values, atol=1e-12)
    assert int(il.flash_lag_dva.notnull().sum()) == 85


# ----------------------------------------------------------------------------------------------- adams2015
@pytest.fixture(scope="module")
def pursuit():
    return adams2015.load_pursuit()


def test_adams_structure(pursuit):
    assert set(pursuit) == {"FS", "FN", "SS", "SN"}
    assert pursuit["FS"].sizes["time"] == pursuit["FN"].sizes["time"] == 4173
    assert pursuit["SS"].sizes["time"] == pursuit["SN"].sizes["time"] == 5100
    for code, ds in pursuit.items():
        assert ds.attrs["speed"] == ("fast" if code[0] == "F" else "slow")
        assert ds.attrs["motion"] == ("smooth" if code[1] == "S" else "noisy")
        assert ds.visible.dtype == bool
        assert np.array_equal(ds.time.values, np.arange(ds.sizes["time"]))
        assert not np.isnan(ds.eye_position.values).any()


def test_adams_target_and_occluder(pursuit):
    for code, ds in pursuit.items():
        t = ds.target_position.values
        assert t.max() == pytest.approx(600, abs=0.01) and t.min() == pytest.approx(-600, abs=0.01)
        assert t[0] == pytest.approx(600, abs=0.01)
        occluded = 1 - float(ds.visible.mean())
        assert occluded == pytest.approx(0.295, abs=0.002)  # MANIFEST: 29.5 % of the cycle
        # two occlusion intervals per cycle
        assert int(np.sum(np.diff(ds.visible.values.astype(int)) != 0)) == 4


def test_adams_eye_lags_target(pursuit):
    """While the target is visible the eye is, on average, behind it along the direction of motion."""
    for code, ds in pursuit.items():
        t, e = ds.target_position.values, ds.eye_position.values
        behind = (t - e) * np.sign(np.gradient(t))  # px, > 0: eye lags the target
        vis = ds.visible.values
        assert behind[vis].mean() > 2, code
    # for the noisy conditions the eye trails the (mean) path by ~25-35 ms (cross-correlation)
    for code in ("FN", "SN"):
        t, e = pursuit[code].target_position.values, pursuit[code].eye_position.values
        lags = np.arange(0, 100)
        cc = [np.corrcoef(e[k:], t[:t.size - k])[0, 1] for k in lags]
        assert 15 <= lags[int(np.argmax(cc))] <= 50


def test_adams_combined(pursuit):
    ds = adams2015.load_pursuit(combine=True)
    assert list(ds.condition.values) == ["FS", "FN", "SS", "SN"] and ds.sizes["time"] == 5100
    assert list(ds.valid.sum("time").values) == [4173, 4173, 5100, 5100]
    assert np.isnan(ds.eye_position.sel(condition="FS").values[4173:]).all()
    assert not ds.visible.sel(condition="FS").values[4173:].any()
    assert list(ds.speed.values) == ["fast", "fast", "slow", "slow"]
    assert np.array_equal(ds.eye_position.sel(condition="SN").values, pursuit["SN"].eye_position.values)
