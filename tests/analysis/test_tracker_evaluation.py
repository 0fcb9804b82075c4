"""Evaluation of a trained tracker (neurovision.analysis.tracker_evaluation)."""
import torch

from neurovision.analysis.tracker_evaluation import evaluate_tracker
from neurovision.models.dorsal import tracker as trk


def test_evaluate_returns_xarray():
    torch.manual_seed(0)
    model = trk.build(pretrained=False)
    ev = evaluate_tracker(model, n_videos=6, delays_ms=[0, 50])
    assert set(ev["visibility"].values) == {"visible", "occluded"}
    for v in ("error_px", "error_vs_time_since_occlusion_px", "extrapolation_error_px", "lead_ms",
              "fraction_compensated"):
        assert v in ev
    assert list(ev["delay_ms"].values) == [0, 50]
