"""MT speed-tuning benchmark (nover2005.mt_speed_tuning): the statistics, the scoring core on synthetic
populations with known answers, the measurement on video models, and errors."""
import warnings

import numpy as np
import pytest
import torch
from scipy.stats import f_oneway, ks_2samp

from neurovision.benchmarks.dorsal import mt
from neurovision.data.nover2005 import log_gaussian
from neurovision.models.base import VideoModel

SPEEDS = np.asarray(mt.SPEEDS)


def test_ks_statistic_matches_scipy():
    rng = np.random.default_rng(0)
    for n, m in ((50, 80), (200, 31), (10, 10)):
        a, b = rng.lognormal(1, 1, n), rng.lognormal(1.3, 0.8, m)
        a[:3] = b[:3]  # ties across samples
        assert mt.ks_statistic(a, b) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)
    assert mt.ks_statistic([1, 2, 3], [1, 2, 3]) == 0.0
    assert mt.ks_statistic([1, 2], [5, 6]) == 1.0


def test_anova_matches_scipy():
    rng = np.random.default_rng(1)
    trials = rng.normal(size=(5, 8, 4)) + np.linspace(0, 1, 8)[None, :, None] * np.arange(5)[:, None, None]
    trials[2, 3, 3] = np.nan
    p = mt._anova_p(trials)
    for i in range(5):
        groups = [g[~np.isnan(g)] for g in trials[i]]
        assert p[i] == pytest.approx(f_oneway(*groups).pvalue, rel=1e-9)
    flat = np.ones((1, 8, 3))
    assert np.isnan(mt._anova_p(flat)[0])


def test_fit_recovers_known_parameters():
    for params in ([2.0, 30.0, 1.0, 0.5, 6.0], [0.0, 10.0, 0.6, 2.0, 1.5], [5.0, 50.0, 1.5, 0.1, 20.0]):
        rates = log_gaussian(SPEEDS, *params)
        fit = mt.fit_log_gaussian(SPEEDS, rates)
        np.testing.assert_allclose(log_gaussian(SPEEDS, *fit), rates, atol=1e-3 * params[1])
        assert abs(np.log(fit[4] / params[4])) < 0.05


def test_speed_rdm_by_hand():
    rng = np.random.default_rng(2)
    mean = rng.random((20, 8))
    d = mt.speed_rdm(mean)
    i, j = 1, 5
    expected = 1 - np.corrcoef(mean[:, i], mean[:, j])[0, 1]
    k = [(a, b) for a in range(8) for b in range(a + 1, 8)].index((i, j))
    assert d[k] == pytest.approx(expected) and d.shape == (28,)


@pytest.fixture(scope="module")
def neurons(data_mirror):
    return mt.neuron_properties()


def _synthetic(params, rng, noise=0.5, reps=4):
    curves = np.array([log_gaussian(SPEEDS, *p) for p in params])
    return curves[:, :, None] + noise * rng.standard_normal(curves.shape + (reps,))


def test_neuron_properties(neurons):
    assert 440 <= neurons["mean"].shape[0] <= 466 and neurons["n_recorded"] == 466
    assert 4 <= np.median(neurons["preferred_speed"]) <= 16
    # this benchmark's refits agree with the repository's fits on the peaks sampled by the 8 speeds
    rep = neurons["repository_fit"][:, 4]
    inside = (rep > 0.5) & (rep < 32)
    r = np.corrcoef(np.log(neurons["preferred_speed"][inside]), np.log(rep[inside]))[0, 1]
    assert r > 0.9
    br = neurons["baseline_ratio"]
    np.testing.assert_allclose(br, neurons["mean"][:, 0] / neurons["mean"].max(axis=1))


def test_neuron_like_population_scores_near_ceiling_and_flat_tuning_lower(neurons):
    rng = np.random.default_rng(0)
    ceil = mt.neuron_ceilings(neurons, n_splits=30)
    fits = neurons["fit"]
    like = mt.tuning_properties(_synthetic(fits[rng.choice(len(fits), 120, replace=False)], rng))
    good = mt.score_responses(like, neurons, n_boot=50, seed=0, ceilings=ceil)
    assert good["n_units"] >= 110
    assert good["raw"] / good["ceiling"] > 0.9
    assert good["components"]["speed_rdm"] > 0.9
    # narrow tuning to very slow speeds: wrong preferred speeds, widths and speed geometry
    flipped = fits[rng.choice(len(fits), 60, replace=False)].copy()
    flipped[:, 4] = 0.3 + 0.02 * rng.random(60)
    flipped[:, 2] = 0.3
    bad = mt.score_responses(mt.tuning_properties(_synthetic(flipped, rng)), neurons, n_boot=50, seed=0,
                             ceilings=ceil)
    assert bad["raw"] < good["raw"] - 0.3
    assert bad["components"]["preferred_speed"] < 0.3
    # the bootstrap varies (units and neurons resampled); resampling with duplicates biases 1 - KS downwards,
    # so raw lies in the upper part of the replicates
    assert np.isfinite(good["samples"]).all() and good["samples"].std() > 0
    assert np.mean(good["samples"] <= good["raw"]) > 0.5
    # independent recomputation of one component with scipy
    assert good["components"]["tuning_width"] == pytest.approx(
        1 - ks_2samp(like["tuning_width"], neurons["tuning_width"]).statistic)


def test_too_few_units_give_nan(neurons):
    rng = np.random.default_rng(0)
    few = mt.tuning_properties(_synthetic(neurons["fit"][:5], rng))
    res = mt.score_responses(few, neurons, n_boot=10, seed=0, ceilings=np.ones(4))
    assert np.isnan(res["raw"]) and np.isnan(res["samples"]).all()


def test_ceilings_below_one_and_positive(neurons):
    c = mt.neuron_ceilings(neurons, n_splits=20)
    assert c.shape == (4,) and np.all((c > 0.8) & (c < 1))


class _EnergyUnits(torch.nn.Module):
    """Units tuned log-Gaussian to speed, read from the frames: the mean absolute temporal difference of the frames
    grows in proportion to the dots' speed (below one dot radius per frame), ``speed ≈ energy / gain``."""

    def __init__(self, params, gain):
        super().__init__()
        self.register_buffer("p", torch.tensor(np.asarray(params), dtype=torch.float64))
        self.gain = gain
        self.units = torch.nn.Identity()

    def forward(self, video):
        diff = torch.zeros_like(video)
        diff[:, 1:] = (video[:, 1:] - video[:, :-1]).abs()
        energy = diff.mean(dim=(2, 3)).double()                      # (batch, time)
        s = (energy / self.gain)[..., None]
        base, amp, sig, off, pref = self.p.T
        r = base + amp * torch.exp(-torch.log((s + off) / (pref + off)) ** 2 / (2 * sig ** 2))
        return self.units(r.float())                                  # (batch, time, units)


def _float(videos):
    return torch.from_numpy(np.asarray(videos, np.float32))


def _energy_model(params):
    from neurovision.stimuli.motion.patterns import random_dots
    v = random_dots(20, 8.0, seed=0, **mt.DOTS)
    gain = np.abs(np.diff(v, axis=0)).mean() / 8.0
    return VideoModel("energy_units", _EnergyUnits(params, gain), _float, ["units"], region_layer_map={"MT": "units"},
                      height=32, width=32, ms_per_frame=10.0, px_per_deg=1.0, delay_frames=3)


def test_speed_tuned_video_model_end_to_end(neurons):
    rng = np.random.default_rng(3)
    fits = neurons["fit"]
    params = fits[rng.choice(len(fits), 60, replace=False)]
    bench = mt.MTSpeedTuningBenchmark(n_seeds=2)
    score = bench(_energy_model(params), n_boot=20, progress=False)
    d = score.provenance["details"]
    assert d["n_units_selected"] >= 40
    assert np.isfinite(score.raw) and score.ceiled > 0.7
    assert d["stimulus"]["speeds_deg_s"] == list(mt.SPEEDS) and score.layer == "units"
    flat = params.copy()
    flat[:, 4], flat[:, 2] = 0.5, 0.3
    worse = bench(_energy_model(flat), n_boot=0, progress=False)
    assert worse.raw < score.raw - 0.2


def test_central_units():
    # (batch, time, channel=2, y=4, x=5): centre rows 1, 2 and column 2
    idx = mt._central_units((3, 7, 2, 4, 5), 40)
    expected = [c * 20 + y * 5 + 2 for c in range(2) for y in (1, 2)]
    assert list(idx) == expected
    assert mt._central_units((3, 7, 128), 128) is None


def test_tracker_scores_or_says_why(data_mirror):
    from neurovision.models.registry import load_model
    model = load_model("tracker")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        score = mt.MTSpeedTuningBenchmark(n_seeds=2)(model, n_boot=10, progress=False)
    d = score.provenance["details"]
    assert d["n_units_measured"] == 128 and score.ceiling_upper == pytest.approx(np.mean(
        list(d["component_ceilings"].values())))
    if np.isfinite(score.raw):
        assert -1 <= score.raw <= 1
    else:  # not enough speed-tuned units: NaN, a warning and a note, never a valid-looking number
        assert "no score" in score.notes and any("no score" in str(w.message) for w in caught)
        assert score.ceiled is None or np.isnan(score.ceiled)


def test_errors():
    from neurovision.models.registry import load_model
    bench = mt.mt_speed_tuning()
    assert set(mt.BENCHMARKS) == {"nover2005.mt_speed_tuning"} and bench.region == "MT"
    import dataclasses
    no_mt = dataclasses.replace(load_model("tracker_control"), region_layer_map={"dorsal": "core_output"})
    with pytest.raises(ValueError, match="no commitment for region 'MT'"):
        bench(no_mt, n_boot=0)
    with pytest.raises(ValueError, match="not a VideoModel"):
        bench(object(), n_boot=0)
    with pytest.raises(ValueError, match="trials must be"):
        mt.tuning_properties(np.zeros((3, 5, 2)))
    with pytest.raises(ValueError, match="n_seeds"):
        mt.measure_speed_tuning(load_model("tracker"), "core_output", n_seeds=1)


def test_population_metric_cka(neurons):
    """The population component can be (debiased) linear CKA of the speed x unit mean rates (#18): equal to
    compare_representations on the same matrices and to the defining formula; its ceiling is uncorrected; the default
    stays the speed-RDM Spearman rho; the metric is recorded; an unknown metric is refused."""
    from neurovision.similarity import compare_representations
    rng = np.random.default_rng(1)
    like = mt.tuning_properties(_synthetic(neurons["fit"][rng.choice(len(neurons["fit"]), 80, replace=False)], rng))
    a, b = like["mean"], neurons["mean"]
    assert mt.population_similarity(a, b) == pytest.approx(mt._spearman(mt.speed_rdm(a), mt.speed_rdm(b)))
    cka = mt.population_similarity(a, b, "linear_cka")
    assert cka == pytest.approx(float(compare_representations(a.T, b.T, "linear_cka")))
    x, y = a.T - a.T.mean(0), b.T - b.T.mean(0)  # Kornblith et al. 2019: ||Y'X||^2 / (||X'X|| ||Y'Y||)
    assert cka == pytest.approx(np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))
    res = mt.score_responses(like, neurons, n_boot=5, seed=0, metric="linear_cka")
    assert "speed_linear_cka" in res["components"] and res["components"]["speed_linear_cka"] == pytest.approx(cka)
    c = mt.neuron_ceilings(neurons, n_splits=10, metric="linear_cka")
    assert 0 < c[-1] < 1
    bench = mt.MTSpeedTuningBenchmark(population_metric="debiased_cka")
    assert bench.content_key() != mt.mt_speed_tuning().content_key()
    with pytest.raises(ValueError, match="population_metric"):
        mt.MTSpeedTuningBenchmark(population_metric="procrustes")
