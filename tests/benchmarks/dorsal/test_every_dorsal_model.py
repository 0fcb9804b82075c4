"""Every registered dorsal model is scored by the dorsal benchmarks that take it (n_boot=0, fast): the MT and speed
benchmarks take every one; the readout benchmarks every model with a position readout. A model whose layer has too
few speed-tuned units gets an explicit NaN with a warning and a note, never a number that looks valid."""
import math
import warnings

import pytest

from neurovision.benchmarks.registry import benchmark_names, load_benchmark
from neurovision.models.registry import load_model
from neurovision.scores import Score

DORSAL_MODELS = ["tracker", "tracker_control", "kalman_compensating", "kalman_uncompensated", "postdictive",
                 "motion_energy"]


def test_new_benchmarks_are_listed(capsys):
    from neurovision.cli import main
    assert {"nover2005.mt_speed_tuning", "stocker2006.speed_discrimination"} <= set(benchmark_names())
    assert main(["list", "benchmarks"]) == 0
    out = capsys.readouterr().out
    assert "nover2005.mt_speed_tuning" in out and "stocker2006.speed_discrimination" in out


@pytest.mark.parametrize("name", DORSAL_MODELS)
def test_mt_and_speed_score_every_dorsal_model(name, data_mirror):
    model = load_model(name)
    for bench in ("nover2005.mt_speed_tuning", "stocker2006.speed_discrimination"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = load_benchmark(bench)(model, n_boot=0, progress=False)
        assert isinstance(s, Score) and s.model == name and s.ceiling_upper is not None and s.ceiling_upper > 0
        if math.isnan(s.raw):
            assert s.ceiled is None or math.isnan(s.ceiled)
            assert any("speed-tuned" in str(w.message) for w in caught) and s.notes
        else:
            assert s.ceiled is not None and 0 <= s.ceiled <= 1
