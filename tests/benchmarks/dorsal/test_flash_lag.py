"""Flash-lag benchmarks: the measure on scripted trackers with known answers, the score and its ceiling against
independent re-computation and synthetic human samples, end to end on the committed checkpoints (fast settings),
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
    from neurovision.benchmarks.dorsal import flash_lag
    return flash_lag


def _check(s):
    assert isinstance(s, Score)
    assert s.layer == "readouts" and s.model == "tracker" and s.n_boot > 0
    assert math.isfinite(s.raw) and s.ci_low <= s.ci_high
    assert s.ceiling_lower == s.ceiling_upper > 0
    assert 0 <= s.ceiled <= 1 and s.ceiled_ci_low <= s.ceiled_ci_high
    if not 0 <= s.raw / s.ceiling_upper <= 1:  # a clipped ceiled value says so; raw is never clipped
        assert "clipped" in s.notes and s.ceiled in (0.0, 1.0)
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
    h = d["human"]
    assert h["n_people"] == 85 and h["test_retest_r"] == pytest.approx(0.749, abs=1e-3)
    assert h["mean_ms"] == pytest.approx(43.9, abs=0.05)
    assert h["session_means_ms"] == pytest.approx([52.4, 35.4], abs=0.05)
    assert d["model_lag_ms"]["continuous"] == pytest.approx(d["model_lag_polar_deg"] / 180 * 1000)
    assert d["fraction_of_delay"] == pytest.approx(d["lag_ms"] / 50, rel=1e-6)
    assert s.raw == pytest.approx(1 - abs(d["lag_ms"] - h["mean_ms"]) / h["mean_ms"])
    assert 0.8 < s.ceiling_upper < 1


def test_whitney2000_flash_lag_speed(model, dorsal, data_mirror):
    s = dorsal.whitney2000_flash_lag_speed(model, n_trials=16, n_boot=100)
    _check(s)
    assert set(s.provenance["details"]["per_speed"]) == {"2.37", "11.84", "26.05"}


def test_eagleman2000_onset_offset(model, dorsal, data_mirror):
    s = dorsal.eagleman2000_flash_lag_onset_offset(model, n_trials=16, n_boot=100)
    _check(s)
    assert set(s.provenance["details"]["per_condition"]) == {"continuous", "initiated", "terminated", "stopped"}


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
        from neurovision.benchmarks.dorsal.flash_lag import FLASH_FRAME
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


# ----------------------------------------------------------------------------- scoring against a human sample
def _sample(mean_ms=40.0, sd_ms=20.0, n=60, sessions=2, seed=1):
    """A synthetic human sample whose person means average exactly ``mean_ms``."""
    from neurovision.benchmarks.dorsal.flash_lag import FlashLagSample
    x = np.random.default_rng(seed).normal(mean_ms, sd_ms, (n, sessions))
    x += mean_ms - x.mean(1).mean()
    return FlashLagSample.from_values(x, label="synthetic")


class _LagTracker(_ScriptedTracker):
    """Reports the delayed input position moved ``lag_ms[condition]`` ms of travel ahead along the motion (for
    circular motion: along the circle), and the physical flash: its flash-lag in each condition is known."""

    def __init__(self, lag_ms):
        super().__init__(freeze=False)
        self.lag_ms, self.condition = lag_ms, None

    def run(self, videos):
        out = super().run(videos)
        L = self.lag_ms[self.condition] / 1000
        for i, g in enumerate(self.geo):
            p = out["position_deg"][i]
            v = np.gradient(g["pos"], self.ms_per_frame / 1000, axis=0)  # deg/s per frame (input time)
            v = np.vstack([np.repeat(v[:1], self.delay_frames, 0), v[:-self.delay_frames]])
            r = np.linalg.norm(p, axis=1, keepdims=True)
            if np.allclose(r[self.delay_frames:], r[-1], atol=1e-6) and r[-1, 0] > 1:  # circular: rotate
                w = (p[:, 0] * v[:, 1] - p[:, 1] * v[:, 0]) / r[:, 0] ** 2  # rad/s
                a = np.arctan2(p[:, 1], p[:, 0]) + w * L
                out["position_deg"][i] = np.stack([np.cos(a), np.sin(a)], 1) * r
            else:  # linear: the path's velocity before the flash (a stopped target keeps its pre-stop lead)
                from neurovision.benchmarks.dorsal.flash_lag import FLASH_FRAME
                v0 = (g["pos"][FLASH_FRAME - 1] - g["pos"][FLASH_FRAME - 2]) / (self.ms_per_frame / 1000)
                out["position_deg"][i] = p + v0 * L
        return out


def _feed_geometry(dorsal, monkeypatch, fake):
    """Let ``fake`` read the trial geometry and condition that ``_flash_trials`` produces."""
    orig = dorsal._flash_trials

    def capture(m, condition, **k):
        videos, geo = orig(m, condition, **k)
        fake.geo, fake.condition = geo, condition
        return videos, geo

    monkeypatch.setattr(dorsal, "_flash_trials", capture)


def _run_scripted(dorsal, monkeypatch, fn, lag_ms, human):
    fake = _LagTracker(lag_ms)
    _feed_geometry(dorsal, monkeypatch, fake)
    fake.identifier, fake.region_layer_map, fake.dropped_keys, fake.weights_hash = "scripted", {"dorsal": "x"}, {}, "0"
    return fn(fake, human=human, n_trials=4, n_boot=50)


@pytest.mark.parametrize("name", ["cottier2023_flash_lag", "whitney2000_flash_lag_speed",
                                  "eagleman2000_flash_lag_onset_offset"])
def test_zero_lag_scores_low_and_human_mean_scores_one(dorsal, monkeypatch, name):
    """The issue's requirements on known answers: a model without flash-lag scores <= 0.2 (here exactly 0) on every
    flash-lag benchmark; a model at the human values scores 1 (raw) — for a synthetic sample with mean 40 ms."""
    fn = getattr(dorsal, name)
    human = _sample(40.0)
    fr = {c: f for c, (f, _) in dorsal.ONSET_OFFSET_FRACTIONS.items()}
    zero = _run_scripted(dorsal, monkeypatch, fn, {c: 0.0 for c in fr}, human)
    assert zero.raw == pytest.approx(0.0, abs=1e-6) and zero.ceiled == pytest.approx(0.0, abs=1e-6)
    if name.startswith("eagleman"):
        lags = {c: 40.0 * f for c, f in fr.items()}
    else:
        lags = {"continuous": 40.0}
    s = _run_scripted(dorsal, monkeypatch, fn, lags, human)
    assert s.raw == pytest.approx(1.0, abs=1e-3)
    assert s.ceiled == 1.0 and "clipped" in s.notes  # raw / ceiling > 1 is clipped, and says so
    # twice the human lag in continuous motion: the same error as none
    over_lags = {c: 2 * v for c, v in lags.items()}
    over = _run_scripted(dorsal, monkeypatch, fn, over_lags, human)
    assert over.raw == pytest.approx(0.0, abs=1e-3)


def test_agreement_and_ceiling_against_hand_computation():
    from neurovision.benchmarks.dorsal.flash_lag import flash_lag_agreement, flash_lag_ceiling
    f = np.array([1.0, 1.0, 0.0, 0.5])
    m = np.array([30.0, 50.0, 10.0, 0.0])
    assert flash_lag_agreement(m, f, 40.0) == pytest.approx(1 - (10 + 10 + 10 + 20) / (2.5 * 40))
    assert flash_lag_agreement([[0, 0, 0, 0], [40, 40, 0, 20]], f, 40.0) == pytest.approx([0.0, 1.0])
    # ceiling: 1 - E|mu - mu_hat| / |mu_hat|; for normal data E|mu - mu_hat| = sqrt(2/pi) sigma / sqrt(n)
    rng = np.random.default_rng(0)
    n, sigma, mu = 80, 30.0, 40.0
    x = rng.normal(mu, sigma, n)
    c = flash_lag_ceiling(x, np.random.default_rng(1), n_splits=20000)
    expected = 1 - np.sqrt(2 / np.pi) * x.std(ddof=1) / np.sqrt(n) / abs(x.mean())
    assert c == pytest.approx(expected, abs=0.01)
    # a noisier sample has a lower ceiling
    assert flash_lag_ceiling(x * 3 - 2 * mu, np.random.default_rng(1)) < c


def test_flash_lag_sample_units_and_errors(data_mirror):
    from neurovision.benchmarks.dorsal.flash_lag import FlashLagSample, cottier2023_sample
    s = FlashLagSample.from_values([[9.0, 7.2], [3.6, 5.4], [1.8, 0.0], [7.2, 9.0]], units="polar_deg",
                                   speed_deg_s=180)
    assert s.person_ms == pytest.approx([45.0, 25.0, 5.0, 45.0])
    assert s.summary()["session_means_ms"] == pytest.approx([30.0, 30.0])
    one = FlashLagSample.from_values([40, 50, 30, 45, np.nan], reliability=0.8)
    assert one.n_people == 4 and one.person_reliability() == 0.8 and one.test_retest_r() is None
    with pytest.raises(ValueError, match="speed_deg_s"):
        FlashLagSample.from_values([1, 2, 3, 4], units="deg")
    with pytest.raises(ValueError, match="units"):
        FlashLagSample.from_values([1, 2, 3, 4], units="frames")
    with pytest.raises(ValueError, match="at least 4"):
        FlashLagSample.from_values([1, 2, np.nan])
    with pytest.raises(ValueError, match="finite"):
        FlashLagSample.from_values([1, 2, np.inf, 4])
    c = cottier2023_sample()
    assert c.person_reliability() == pytest.approx(2 * 0.749 / 1.749, abs=1e-3)


def test_bench_takes_another_human_sample(model, data_mirror):
    """``bench(model, human=...)``: the same method on another sample; the result and the benchmark's content key
    follow the sample's values, not its label; a sample without an effect gives NaN with a warning."""
    from neurovision.benchmarks.dorsal.flash_lag import FlashLagSample, UndefinedScoreWarning
    from neurovision.benchmarks.registry import load_benchmark
    bench = load_benchmark("cottier2023.flash_lag")
    a = bench(model, n_boot=0, human=_sample(40.0))
    b = bench(model, n_boot=0, human=_sample(20.0))
    lag = a.provenance["details"]["lag_ms"]
    assert a.raw == pytest.approx(1 - abs(lag - 40) / 40) and b.raw == pytest.approx(1 - abs(lag - 20) / 20)
    assert bench.with_human(_sample(40.0)).content_key() == bench.with_human(
        FlashLagSample.from_values(_sample(40.0).values_ms, label="renamed")).content_key()
    assert bench.with_human(_sample(40.0)).content_key() != bench.with_human(_sample(41.0)).content_key()
    with pytest.warns(UndefinedScoreWarning, match="no flash-lag effect"):
        nan = bench(model, n_boot=0, human=_sample(0.0))
    assert math.isnan(nan.raw) and nan.ceiled is None
    with pytest.raises(TypeError, match="FlashLagSample"):
        bench(model, human=[40, 50, 30])


def test_cli_control_scores_low_on_cottier(data_mirror, tmp_path):
    """The issue's done-when: ``neurovision score tracker_control cottier2023.flash_lag`` ceiled <= 0.2."""
    from neurovision.cli import main
    from neurovision.scores import load_scores
    out = tmp_path / "s.json"
    assert main(["score", "tracker_control", "cottier2023.flash_lag", "--n-boot", "50", "--json", str(out)]) == 0
    (s,) = load_scores(out)
    assert s.ceiled <= 0.2


def test_circular_display_moves_at_the_requested_tangential_speed(dorsal, monkeypatch):
    """Regression: a circular display given a tangential speed (no angular speed) moved at the path's default
    10 deg/s while the lag was converted at the requested speed, halving a 40-ms lag at 20 deg/s."""
    fake = _LagTracker({"continuous": 40.0})
    _feed_geometry(dorsal, monkeypatch, fake)
    r = dorsal.measure_flash_lag(fake, kind="circular", speed_deg_s=20.0, radius_deg=8.0, n_trials=4)
    assert r["lag_ms"] == pytest.approx(40.0, abs=0.5)
    with pytest.raises(ValueError, match="speed_deg_s"):
        dorsal.measure_flash_lag(fake, kind="linear", speed_deg_s=None)


def test_a_model_without_position_readout_is_refused_up_front():
    from neurovision.benchmarks.registry import load_benchmark
    from neurovision.models.registry import load_model
    me = load_model("motion_energy")
    for name in ("cottier2023.flash_lag", "adams2015.occluded_pursuit"):
        with pytest.raises(ValueError, match="no position readout"):
            load_benchmark(name)(me, n_boot=0)
