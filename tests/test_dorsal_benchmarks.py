"""Behavioural benchmarks of the dorsal tracker, end to end on the committed checkpoints (fast settings)."""
import math

import numpy as np
import pytest

from neurovision.models import tracker as trk

pytestmark = pytest.mark.skipif(not trk.DEFAULT_CHECKPOINT.is_file(), reason="committed tracker checkpoint missing")
KEYS = {"raw", "ceiling", "ceiled", "ci_low", "ci_high", "details", "benchmark", "model", "metric", "notes"}


@pytest.fixture(scope="module")
def model():
    return trk.build()


@pytest.fixture(scope="module")
def dorsal():
    from neurovision.benchmarks import dorsal
    return dorsal


def _check(res):
    assert KEYS <= set(res)
    assert 0 <= res["ceiled"] <= 1 and math.isfinite(res["raw"]) and res["ceiling"] > 0
    assert res["ci_low"] <= res["ci_high"]


def test_cottier2023_flash_lag(model, dorsal, data_mirror):
    res = dorsal.cottier2023_flash_lag(model, n_trials=16, n_boot=100)
    _check(res)
    d = res["details"]
    assert d["n_people"] == 85 and d["test_retest_r"] == pytest.approx(0.749, abs=1e-3)
    assert d["model_fle_ms"] == pytest.approx(d["model_fle_polar_deg"] / 180 * 1000)
    assert d["fraction_of_delay"] == pytest.approx(d["model_fle_ms"] / 50, rel=1e-6)
    assert 0 < res["ceiling"] < 1


def test_whitney2000_flash_lag_speed(model, dorsal, data_mirror):
    res = dorsal.whitney2000_flash_lag_speed(model, n_trials=16, n_boot=100)
    _check(res)
    assert set(res["details"]["per_speed"]) == {"2.37", "11.84", "26.05"}


def test_eagleman2000_onset_offset(model, dorsal):
    res = dorsal.eagleman2000_flash_lag_onset_offset(model, n_trials=16, n_boot=100)
    _check(res)
    assert set(res["details"]["per_condition"]) == {"continuous", "initiated", "terminated", "stopped"}


def test_adams2015_occluded_pursuit(model, dorsal, data_mirror):
    res = dorsal.adams2015_occluded_pursuit(model, n_boot=50)
    _check(res)
    per = res["details"]["per_condition"]
    assert set(per) == {"FS", "FN", "SS", "SN"}
    assert len(per["FS"]["trace_model"]) == per["FS"]["n_frames"] == 418


def test_compensated_model_leads_and_control_does_not(model, dorsal):
    lag = dorsal.measure_flash_lag(model, kind="linear", speed_deg_s=26.05, n_trials=16)
    assert lag["fraction_of_delay"] == pytest.approx(lag["lag_ms"] / 50)
    assert lag["lead_before_flash_ms"] > 10  # it extrapolates beyond its delayed input
    if not trk.CONTROL_CHECKPOINT.is_file():
        pytest.skip("control checkpoint missing")
    ctl = dorsal.measure_flash_lag(trk.build_control(), kind="linear", speed_deg_s=26.05, n_trials=16)
    assert ctl["lead_before_flash_ms"] < lag["lead_before_flash_ms"] - 30  # the control does not extrapolate


@pytest.mark.xfail(reason="the committed control (250 steps on a shared CPU) still lags its own delayed input by "
                          "~35 ms, so its flash-lag is about -30 ms instead of the expected ~0 ms", strict=False)
def test_control_flash_lag_is_near_zero(dorsal):
    if not trk.CONTROL_CHECKPOINT.is_file():
        pytest.skip("control checkpoint missing")
    ctl = dorsal.measure_flash_lag(trk.build_control(), kind="linear", speed_deg_s=26.05, n_trials=16)
    assert abs(ctl["lag_ms"]) < 12


def test_bad_parameters(model, dorsal):
    with pytest.raises(ValueError, match="speed_deg_s"):
        dorsal.measure_flash_lag(model, speed_deg_s=-3)
    with pytest.raises(ValueError, match="condition"):
        dorsal.measure_flash_lag(model, "sideways")
