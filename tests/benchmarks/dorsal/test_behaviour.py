"""Behavioural benchmarks of the dorsal tracker, end to end on the committed checkpoints (fast settings),
their registration (registry, CLI) and the hidden-state RSA."""
import math

import numpy as np
import pytest

from neurovision.models.dorsal import tracker as trk
from neurovision.scores import Score

pytestmark = pytest.mark.skipif(not trk.DEFAULT_CHECKPOINT.is_file(), reason="committed tracker checkpoint missing")
DORSAL = ["cottier2023.flash_lag", "whitney2000.flash_lag_speed", "eagleman2000.flash_lag_onset_offset",
          "adams2015.occluded_pursuit"]


@pytest.fixture(scope="module")
def model():
    return trk.build()


@pytest.fixture(scope="module")
def control():
    if not trk.CONTROL_CHECKPOINT.is_file():
        pytest.skip("control checkpoint missing")
    return trk.build_control()


@pytest.fixture(scope="module")
def dorsal():
    from neurovision.benchmarks.dorsal import behaviour as dorsal
    return dorsal


def _check(s):
    assert isinstance(s, Score)
    assert s.layer == "readouts" and s.model == "tracker" and s.n_boot > 0
    assert math.isfinite(s.raw) and s.ci_low <= s.ci_high
    assert s.ceiling_lower == s.ceiling_upper > 0
    assert 0 <= s.ceiled <= 1 and s.ceiled_ci_low <= s.ceiled_ci_high
    assert s.provenance["checkpoint_sha256"] == trk.file_sha256(trk.DEFAULT_CHECKPOINT)
    assert "details" in s.provenance
    s.to_dict()  # JSON-serialisable


def test_registered_with_the_common_interface():
    from neurovision.benchmarks.registry import BENCHMARKS, load_benchmark
    from neurovision.models.registry import MODELS
    assert {"tracker", "tracker_control"} <= set(MODELS)
    for name in DORSAL:
        assert name in BENCHMARKS
        b = load_benchmark(name)
        assert b.identifier == name and b.region == "dorsal" and b.citation and b.version >= 1


def test_cottier2023_flash_lag(model, dorsal, data_mirror):
    s = dorsal.cottier2023_flash_lag(model, n_trials=16, n_boot=100)
    _check(s)
    d = s.provenance["details"]
    assert d["n_people"] == 85 and d["test_retest_r"] == pytest.approx(0.749, abs=1e-3)
    assert d["model_fle_ms"] == pytest.approx(d["model_fle_polar_deg"] / 180 * 1000)
    assert d["fraction_of_delay"] == pytest.approx(d["model_fle_ms"] / 50, rel=1e-6)
    assert 0 < s.ceiling < 1


def test_whitney2000_flash_lag_speed(model, dorsal, data_mirror):
    s = dorsal.whitney2000_flash_lag_speed(model, n_trials=16, n_boot=100)
    _check(s)
    assert set(s.provenance["details"]["per_speed"]) == {"2.37", "11.84", "26.05"}


def test_eagleman2000_onset_offset(model, dorsal):
    s = dorsal.eagleman2000_flash_lag_onset_offset(model, n_trials=16, n_boot=100)
    _check(s)
    assert set(s.provenance["details"]["per_condition"]) == {"continuous", "initiated", "terminated", "stopped"}


def test_adams2015_occluded_pursuit(model, dorsal, data_mirror):
    s = dorsal.adams2015_occluded_pursuit(model, n_boot=50)
    _check(s)
    per = s.provenance["details"]["per_condition"]
    assert set(per) == {"FS", "FN", "SS", "SN"}
    assert len(per["FS"]["trace_model"]) == per["FS"]["n_frames"] == 418


def test_cli_score_tracker_and_region_filter(data_mirror, capsys, tmp_path):
    from neurovision.cli import main
    assert main(["score", "tracker", "cottier2023.flash_lag", "--n-boot", "20"]) == 0
    assert "cottier2023.flash_lag" in capsys.readouterr().out
    # a ventral model on a dorsal benchmark: one clear error, no traceback
    assert main(["score", "pixels", "cottier2023.flash_lag", "--n-boot", "20"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neurovision: error:") and "dorsal" in err
    # a behavioural benchmark has no layer to choose
    assert main(["score", "tracker", "cottier2023.flash_lag", "--layer", "core_output", "--n-boot", "20"]) == 2


def test_compensated_model_leads_and_control_does_not(model, control, dorsal):
    lag = dorsal.measure_flash_lag(model, kind="linear", speed_deg_s=26.05, n_trials=16)
    assert lag["fraction_of_delay"] == pytest.approx(lag["lag_ms"] / 50)
    assert lag["lead_before_flash_ms"] > 25  # it extrapolates beyond its delayed input
    assert lag["lag_ms"] > 15  # and the flash-lag is positive
    ctl = dorsal.measure_flash_lag(control, kind="linear", speed_deg_s=26.05, n_trials=16)
    assert ctl["lead_before_flash_ms"] < lag["lead_before_flash_ms"] - 25  # the control does not extrapolate


def test_control_tracks_its_delayed_input_without_lead(control, dorsal):
    for speed in (11.84, 26.05):
        ctl = dorsal.measure_flash_lag(control, kind="linear", speed_deg_s=speed, n_trials=16)
        assert abs(ctl["lead_before_flash_ms"]) < 10, (speed, ctl["lead_before_flash_ms"])


class _ScriptedTracker:
    """A stand-in whose readouts are known exactly: the target estimate is the delayed input position (optionally
    standing still while the flash is on), the flash readout the physical flash position. It reads the trial
    geometry that ``_flash_trials`` produced (captured by the test) instead of the videos."""

    ms_per_frame, px_per_deg, delay_frames, height, width = 10.0, 1.0, 5, 32, 32

    def __init__(self, freeze):
        self.freeze, self.geo = freeze, None

    def run(self, videos):
        from neurovision.benchmarks.dorsal.behaviour import FLASH_FRAME
        n, T = videos.shape[:2]
        d = self.delay_frames
        pos = np.zeros((n, T, 2))
        fl = np.zeros((n, T, 2))
        for i, g in enumerate(self.geo):
            src = np.clip(np.arange(T) - d, 0, None)
            pos[i] = g["pos"][src]
            if self.freeze:
                pos[i, FLASH_FRAME + d:FLASH_FRAME + d + 5] = pos[i, FLASH_FRAME + d - 1]
            fl[i] = g["flash_deg"]
        return {"position_deg": pos, "flash_deg": fl}


@pytest.mark.parametrize("freeze", [False, True])
def test_flash_lag_measure_on_a_scripted_tracker(dorsal, monkeypatch, freeze):
    """The measure itself against known answers: an undisturbed uncompensated tracker has 0 ms flash-lag and
    no slip; one that holds its pre-flash estimate while the 5-frame flash is on reads -10 ms (one frame of
    travel behind at the flash's first frame) and has slipped 50 ms behind its input by the flash's last frame."""
    fake = _ScriptedTracker(freeze)
    orig = dorsal._flash_trials

    def capture(*a, **k):
        videos, geo = orig(*a, **k)
        fake.geo = geo
        return videos, geo

    monkeypatch.setattr(dorsal, "_flash_trials", capture)
    for speed in (11.84, 26.05):
        r = dorsal.measure_flash_lag(fake, kind="linear", speed_deg_s=speed, n_trials=4)
        assert r["flash_report_shift_deg"] == pytest.approx(0, abs=1e-9)
        assert r["lead_before_flash_ms"] == pytest.approx(0, abs=1e-6)
        assert r["lag_ms"] == pytest.approx(-10.0 if freeze else 0.0, abs=1e-6)
        assert r["target_slip_during_flash_ms"] == pytest.approx(-50.0 if freeze else 0.0, abs=1e-6)


def test_control_flash_lag_is_near_zero(control, dorsal):
    """The uncompensated control shows ~0 ms flash-lag, and for the right reasons: its target estimate neither
    leads its input before the flash nor stands still while the flash is on, and its flash report is not dragged
    along the motion (earlier trackers without a locator froze for ~43 ms during every flash; README)."""
    for speed in (11.84, 26.05):
        ctl = dorsal.measure_flash_lag(control, kind="linear", speed_deg_s=speed, n_trials=16)
        assert abs(ctl["lag_ms"]) < 10, (speed, ctl["lag_ms"])
        assert abs(ctl["target_slip_during_flash_ms"]) < 10, (speed, ctl["target_slip_during_flash_ms"])
        assert abs(ctl["flash_report_shift_deg"]) < 0.1, (speed, ctl["flash_report_shift_deg"])


def test_compensated_model_keeps_tracking_through_a_flash(model, dorsal):
    lag = dorsal.measure_flash_lag(model, kind="linear", speed_deg_s=26.05, n_trials=16)
    assert abs(lag["target_slip_during_flash_ms"]) < 15, lag["target_slip_during_flash_ms"]


def test_bad_parameters(model, dorsal):
    with pytest.raises(ValueError, match="speed_deg_s"):
        dorsal.measure_flash_lag(model, speed_deg_s=-3)
    with pytest.raises(ValueError, match="condition"):
        dorsal.measure_flash_lag(model, "sideways")
    with pytest.raises(ValueError, match="readouts"):
        dorsal.cottier2023()(model, layer="encoder.0")


def test_hidden_state_rsa(model):
    from neurovision.analysis.dorsal_rsa import hidden_state_rsa, occlusion_conditions
    videos, truth = occlusion_conditions(model)
    assert videos.shape == (36, 80, 32, 32)
    assert not truth["visible"].values[:, 45:].any() and truth["visible"].values[:, :38].all()
    ds = hidden_state_rsa(model)
    assert set(ds["model_rdm"].values) == {"position", "velocity", "last_seen"}
    assert ds.attrs["occlusion_onset_ms"] == 450.0
    pos = ds["similarity"].sel(model_rdm="position")
    hidden = ds["time_ms"] >= ds.attrs["all_occluded_from_ms"] + 100
    # the hidden state keeps representing position while the target is hidden
    assert float(pos.where(hidden).mean()) > 0.5
    with pytest.raises(ValueError, match="vx_deg_s"):
        occlusion_conditions(model, vx_deg_s=(-5.0,))
    with pytest.raises(ValueError, match="re-emerges"):
        occlusion_conditions(model, vx_deg_s=(10.0,), vy_deg_s=(0.0,), y_enter_deg=(0.0,), enter_frame=40,
                             occluder_half_width_deg=1.0)
