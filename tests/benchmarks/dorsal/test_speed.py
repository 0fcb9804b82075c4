"""``stocker2006.speed_discrimination``: the human measures re-computed independently, the scoring core on
synthetic observers, and the benchmark on the tracker (real data mirror needed)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.io import loadmat
from scipy.optimize import minimize
from scipy.stats import norm

from neurovision.benchmarks.dorsal import speed
from neurovision.data import fetch

pytestmark = pytest.mark.usefixtures("data_mirror")


def _independent_fit(x, y):
    def nll(th):
        mu, s, lam = th
        p = np.clip(lam + (1 - 2 * lam) * norm.cdf((x - mu) / s), 1e-12, 1 - 1e-12)
        return -np.sum(np.where(y, np.log(p), np.log1p(-p)))
    bounds = [(x.min() - 2, x.max() + 2), (1e-3, 10), (0, 0.06)]
    return min((minimize(nll, [m0, s0, 0.02], bounds=bounds, method="L-BFGS-B")
                for m0 in np.quantile(x, [0.25, 0.5, 0.75]) for s0 in (0.05, 0.2, 0.6)), key=lambda r: r.fun)


@pytest.fixture(scope="module")
def humans():
    return speed.human_results()


@pytest.mark.parametrize("condition,ref_c,test_c,v", [("weber_high", 0.5, 0.5, 4.0), ("contrast", 0.075, 0.8, 1.0)])
def test_human_measures_recomputed_from_the_raw_file(humans, condition, ref_c, test_c, v):
    raw = loadmat(fetch("zhang2022_mt_speed", "behavior/NN2006/SUB1.mat"))["subject1"]
    m = (raw[0] == v) & np.isclose(raw[1], ref_c) & np.isclose(raw[3], test_c)
    assert m.sum() == 80
    r = _independent_fit(np.log(raw[2, m]), raw[8, m] == 1)
    row = next(f for f in humans["fits"] if f["subject"] == 1 and f["condition"] == condition
               and f["reference_speed"] == v)
    assert row["pse_ratio"] == pytest.approx(np.exp(r.x[0]) / v, rel=5e-3)
    assert row["weber"] == pytest.approx(np.exp(0.6744897501960817 * r.x[1]) - 1, rel=2e-2)
    key = "log_pse_ratio" if condition == "contrast" else f"log_{condition}"
    i = speed.REFERENCE_SPEEDS.index(v)
    expected = np.log(row["pse_ratio"]) if condition == "contrast" else np.log(row["weber"])
    assert humans["measures"][0][key][i] == pytest.approx(expected)


def test_human_pattern(humans):
    bias = np.stack([m["log_pse_ratio"] for m in humans["measures"]])
    # a low-contrast reference is seen slower: the high-contrast test matches it at a lower speed, every subject
    assert np.nanmax(bias) < 0
    assert np.isnan(bias[2]).all()  # subject 3's contrast trials duplicate subject 1's and are left out
    weber = np.stack([m["log_weber_high"] for m in humans["measures"]])
    assert np.all(np.exp(weber[np.isfinite(weber)]) < 0.7)
    assert 0.3 < humans["ceiling"] < 1.0


def test_subject3_contrast_trials_duplicate_subject1():
    a = loadmat(fetch("zhang2022_mt_speed", "behavior/NN2006/SUB1.mat"))["subject1"]
    b = loadmat(fetch("zhang2022_mt_speed", "behavior/NN2006/SUB3.mat"))["subject3"]
    sel = lambda d: d[:, np.isclose(d[1], 0.075) & np.isclose(d[3], 0.8) & (d[0] <= 4)]  # noqa: E731
    rows_a = {tuple(c) for c in sel(a).T}
    assert all(tuple(c) in rows_a for c in sel(b).T)


def test_similarity_by_hand():
    h = {"log_pse_ratio": np.array([-0.4, -0.2] + [np.nan] * 4),
         "log_weber_high": np.array([-1.5, -2.0] + [np.nan] * 4),
         "log_weber_low": np.array([-1.0, -1.5] + [np.nan] * 4)}
    m = {"log_pse_ratio": np.full(6, -0.1), "log_weber_high": np.full(6, -1.5), "log_weber_low": np.full(6, -1.5)}
    s_bias = 1 - (0.3 + 0.1) / 0.6
    s_weber = 1 - (0 + 0.5 + 0.5 + 0) / 6.0
    assert speed.similarity(m, h) == pytest.approx(0.5 * (s_bias + s_weber))
    assert speed.similarity(h, h) == 1.0
    null = {"log_pse_ratio": np.zeros(6), "log_weber_high": np.zeros(6), "log_weber_low": np.zeros(6)}
    assert speed.similarity(null, h) == pytest.approx(0.0)


def _synthetic_estimates(bias_low: float, sd_high: float, sd_low: float, seed: int = 0, n: int = 24) -> dict:
    """Decoded ln speed = ln v + (bias at contrast 0.075) + Gaussian noise (sd by contrast): an observer with
    known ln PSE ratio ``bias_low`` in the contrast condition and Weber fraction ≈ exp(z75 √2 sd) − 1."""
    rng = np.random.default_rng(seed)
    def draw(v, c):
        low = c < 0.1
        return np.log(v) + (bias_low if low else 0.0) + rng.normal(0, sd_low if low else sd_high, n)
    ref = {(v, c): draw(v, c) for v in speed.REFERENCE_SPEEDS for c in (0.075, 0.5)}
    tests = {(round(v * f, 9), c): draw(v * f, c) for c in (0.075, 0.5, 0.8) for v in speed.REFERENCE_SPEEDS
             for f in speed.TEST_FACTORS}
    return {"reference": ref, "test": tests}


def test_synthetic_observers(humans):
    like = _synthetic_estimates(bias_low=-0.35, sd_high=0.2, sd_low=0.3)
    m, table, boot = speed.model_measures(like, n_boot=20, seed=0)
    # the fit recovers the simulated observer: the low-contrast reference is read 0.35 ln units slower, so the
    # high-contrast test matches it at ln(PSE / v) = -0.35
    np.testing.assert_allclose(m["log_pse_ratio"], -0.35, atol=0.12)
    np.testing.assert_allclose(np.exp(m["log_weber_high"]), np.expm1(0.6745 * np.sqrt(2) * 0.2), rtol=0.35)
    assert len(boot) == 20 and all(np.isfinite(b["log_pse_ratio"]).all() for b in boot)
    none = _synthetic_estimates(bias_low=0.0, sd_high=0.02, sd_low=0.02)
    score = {}
    for name, est in (("like", like), ("none", none)):
        meas = speed.model_measures(est)[0]
        score[name] = np.mean([speed.similarity(meas, h) for h in humans["measures"]])
    assert score["like"] > score["none"] + 0.3


def test_tracker_scores_finite_and_errors():
    from neurovision.models.registry import load_model
    bench = speed.stocker2006()
    assert bench.identifier == "stocker2006.speed_discrimination"
    assert speed.BENCHMARKS[bench.identifier] is speed.stocker2006
    model = load_model("tracker")
    score = bench(model, n_boot=20, progress=False, cache=False)
    assert np.isfinite(score.raw) and score.layer == model.layer_for("MT")
    assert score.ceiling_upper == pytest.approx(speed.human_results()["ceiling"])
    assert 0.0 <= score.ceiled <= 1.0
    details = score.provenance["details"]
    assert set(details["human"]) == {f"subject{s}" for s in range(1, 6)}
    assert details["decoder"]["n_train_videos"] == 13 * bench.n_train
    import dataclasses
    no_mt = dataclasses.replace(load_model("tracker_control"), region_layer_map={"dorsal": "core_output"})
    with pytest.raises(ValueError, match="no 'MT' commitment"):
        bench(no_mt, n_boot=0, progress=False, cache=False)
    with pytest.raises(ValueError, match="not a VideoModel"):
        speed.check_speed_model(object())
