"""The occluded-pursuit benchmark: its score against known answers (an observer that holds the last seen position
scores 0, one reporting the eye trace 1, a perfect tracker near the human ceiling) and end to end on the committed
tracker (fast settings)."""
import math
from types import SimpleNamespace

import numpy as np
import pytest

from neurovision.benchmarks.dorsal import pursuit
from neurovision.models.dorsal import tracker as trk


def _fake(ms_per_frame=10.0):
    return SimpleNamespace(identifier="scripted", delay_frames=5, ms_per_frame=ms_per_frame, px_per_deg=1.0,
                           weights_hash="0", dropped_keys={}, checkpoint_sha256=None)


def test_hold_last_seen():
    tgt = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    vis = np.array([True, True, False, False, True, False])
    assert pursuit.hold_last_seen(tgt, vis).tolist() == [0.0, 1.0, 1.0, 1.0, 4.0, 4.0]
    assert pursuit.hold_last_seen(tgt, ~vis)[:2].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("kind", ["hold", "target"])
def test_known_answers(monkeypatch, data_mirror, kind):
    from neurovision.data import adams2015 as data

    def run(model, tgt, amplitude_deg):
        return pursuit.hold_last_seen(tgt, data.visible(tgt * 600)) if kind == "hold" else tgt

    monkeypatch.setattr(pursuit, "_model_pursuit", run)
    s = pursuit.adams2015_occluded_pursuit(_fake(), n_boot=20)
    per = s.provenance["details"]["per_condition"]
    assert s.raw == pytest.approx(np.mean([per[c]["score"] for c in per]))
    if kind == "hold":  # the null observer: exactly 0 in every condition
        assert s.raw == pytest.approx(0.0, abs=1e-12) and s.ceiled == pytest.approx(0.0, abs=1e-12)
    else:  # people pursue almost perfectly through the occluder: a perfect tracker is at the human agreement
        assert s.raw > 0.9 and 0.9 < s.ceiling_upper < 1
    # independent re-computation of one condition's score
    ds = data.load_pursuit()["FS"]
    tgt, eye = ds["target_position"].values[::10] / 600, ds["eye_position"].values[::10] / 600
    est = run(None, tgt, 13.0)
    hold = pursuit.hold_last_seen(tgt, data.visible(tgt * 600))
    w = 30
    assert per["FS"]["score"] == pytest.approx(1 - ((est - eye)[w:] ** 2).sum() / ((hold - eye)[w:] ** 2).sum())


@pytest.mark.skipif(not trk.DEFAULT_CHECKPOINT.is_file(), reason="committed tracker checkpoint missing")
def test_adams2015_occluded_pursuit_on_the_tracker(data_mirror):
    s = pursuit.adams2015_occluded_pursuit(trk.build(), n_boot=50)
    per = s.provenance["details"]["per_condition"]
    assert set(per) == {"FS", "FN", "SS", "SN"}
    assert len(per["FS"]["trace_model"]) == per["FS"]["n_frames"] == 418
    assert math.isfinite(s.ci_low) and s.ci_low <= s.ci_high
    # the committed tracker slows behind the occluder (gain < 0.5): it removes little of the null's error
    assert all(per[c]["model_velocity_gain_occluded"] < 0.6 for c in per) and s.raw < 0.4
    if s.raw < 0:  # a negative raw stays negative; ceiled is clipped and says so
        assert s.ceiled == 0.0 and "clipped to 0 from" in s.notes
