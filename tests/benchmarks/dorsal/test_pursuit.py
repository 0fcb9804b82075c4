"""The occluded-pursuit benchmark end to end on the committed tracker (fast settings)."""
import math

import pytest

from neurovision.models.dorsal import tracker as trk

pytestmark = pytest.mark.skipif(not trk.DEFAULT_CHECKPOINT.is_file(), reason="committed tracker checkpoint missing")


def test_adams2015_occluded_pursuit_keeps_raw_unclipped(data_mirror):
    from neurovision.benchmarks.dorsal.pursuit import adams2015_occluded_pursuit
    s = adams2015_occluded_pursuit(trk.build(), n_boot=50)
    per = s.provenance["details"]["per_condition"]
    assert set(per) == {"FS", "FN", "SS", "SN"}
    assert len(per["FS"]["trace_model"]) == per["FS"]["n_frames"] == 418
    assert s.raw == pytest.approx(sum(per[c]["r_deviation"] for c in per) / 4)
    assert 0 < s.ceiling_upper < 1 and math.isfinite(s.ci_low)
    if s.raw < 0:  # the committed tracker errs unlike people: raw stays negative, ceiled is clipped and says so
        assert s.ceiled == 0.0 and "clipped to 0 from" in s.notes
