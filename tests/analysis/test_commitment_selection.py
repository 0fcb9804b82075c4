"""Data-driven commitments (neurovision.analysis.commitment_selection): chosen on training stimuli only, and the
benchmarks then skip those stimuli and sessions."""
from __future__ import annotations

import numpy as np
import pytest

from neurovision.analysis.commitment_selection import select_commitment
from neurovision.models.commitment import apply_commitment, write_commitment
from neurovision.models.ventral.pixels import build as build_pixels


def test_data_driven_selection_uses_training_stimuli_and_benchmarks_skip_them(data_mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))
    record = select_commitment(build_pixels(), progress=False, v4_sessions=["210305"])
    assert record["region_layer_map"] == {r: "pixels" for r in ("V1", "V2", "V4", "IT")}
    train = record["train_stimulus_ids"]
    with pytest.raises(ValueError, match="training sessions only"):
        select_commitment(build_pixels(), progress=False, v4_sessions=["210325"])  # a test session
    assert len(train) == 46 and all(i.startswith("image_") for i in train)
    write_commitment(record, tmp_path)
    model = apply_commitment(build_pixels(), tmp_path)
    from neurovision.benchmarks import load_benchmark
    score = load_benchmark("kriegeskorte2008.it_human")(model, n_boot=10, progress=False)
    assert score.provenance["n_stimuli"] == 46 and "not used to choose" in score.notes
    assert model.chosen_on["session"] == {"210305"}
    from neurovision.benchmarks.ventral.cowley2023 import PredictivityBenchmark
    v4 = PredictivityBenchmark(sessions=("210305", "210325"))(model, n_boot=5, progress=False)
    assert v4.provenance["sessions"] == ["210325"]  # the session used for the V4 choice is not scored
    # the held-out score is the independent computation on the other 46 images
    from neurovision.benchmarks.base import data_rdm_from_xarray, model_rdms
    from neurovision.data import kriegeskorte2008 as k08
    from neurovision.rsa import compare
    stimuli = k08.load_stimuli()
    test_ids = sorted(set(stimuli["stimulus_id"].values) - set(train))
    m = model_rdms(build_pixels(), stimuli, ["pixels"]).subset(test_ids)
    d = data_rdm_from_xarray(k08.load_human_it_rdms()).subset(test_ids)
    assert score.raw == pytest.approx(float(np.mean(compare(m, d))), abs=1e-12)
