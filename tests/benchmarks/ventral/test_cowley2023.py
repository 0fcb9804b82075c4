"""cowley2023.v4 (and _pls, _rsa) end to end on the real data with the pixels model, two small sessions."""
from __future__ import annotations

import json

import numpy as np
import pytest

SESSIONS = ("210325", "210305")  # 640 + 400 images, 50 + 70 units; 210325 is the ceiling session


@pytest.fixture(scope="module")
def env(data_mirror, tmp_path_factory):
    """A private cache for this module (cold on the first score, warm afterwards)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEUROVISION_CACHE", str(tmp_path_factory.mktemp("nv_cache")))
        yield


@pytest.fixture(scope="module")
def pixels():
    from neurovision.models.ventral.pixels import build
    return build()


@pytest.fixture(scope="module")
def cold_score(env, pixels):
    from neurovision.benchmarks.ventral import cowley2023
    return cowley2023.v4(sessions=SESSIONS)(pixels, n_boot=200, seed=0, progress=False)


def _hand_ceiling():
    """Odd/even split-half reliability + Spearman-Brown written out with plain loops over units and images."""
    raw = np.load(__import__("neurovision.data.registry", fromlist=["fetch"]).fetch(
        "cowley2023_v4", "responses_raw/responses_210325.npy"))  # (unit, image, repeat), NaN-padded
    corrected = []
    for unit in range(raw.shape[0]):
        odd, even = [], []
        for image in range(raw.shape[1]):
            reps = raw[unit, image][~np.isnan(raw[unit, image])]
            if len(reps) >= 2:
                odd.append(reps[0::2].mean())
                even.append(reps[1::2].mean())
        r = np.corrcoef(odd, even)[0, 1]
        corrected.append(2 * r / (1 + r))
    return np.median(corrected), np.array(corrected)


def test_score_end_to_end(cold_score, pixels):
    s = cold_score
    assert s.benchmark == "cowley2023.v4" and s.model == "pixels" and s.layer == pixels.layer_for("V4")
    assert 0 < s.raw < 1 and s.ci_low <= s.raw <= s.ci_high
    assert s.ceiling_lower == s.ceiling_upper == pytest.approx(0.7731, abs=1e-4)
    assert s.ceiled == pytest.approx(s.raw / s.ceiling_upper)
    assert s.ceiled_ci_low <= s.ceiled <= s.ceiled_ci_high
    p = s.provenance
    assert p["sessions"] == list(SESSIONS) and p["n_units"] == 120 and p["n_images"] == 1040
    assert set(p["per_session"]) == set(SESSIONS) and p["weights_sha256"] == pixels.weights_hash
    assert "210325" in s.notes and "Spearman-Brown" in s.notes
    json.dumps(s.to_dict())  # serialisable


def test_ceiling_matches_independent_recomputation(cold_score):
    from neurovision.benchmarks.ventral.cowley2023 import load_ceiling_halves
    from neurovision.data import cowley2023 as c23
    from neurovision.encoding import weighted_pearson
    from neurovision.rsa.reliability import spearman_brown

    median, per_unit = _hand_ceiling()
    assert cold_score.ceiling_upper == pytest.approx(median, abs=1e-10)
    a, b = load_ceiling_halves()
    ours = spearman_brown(weighted_pearson(np.ones((1, a.shape[0])), a, b)[0])
    np.testing.assert_allclose(ours, per_unit, atol=1e-10)
    np.testing.assert_allclose(ours, c23.split_half_reliability(c23.load_repeats()).values, atol=1e-10)


def test_raw_matches_independent_refit(cold_score, pixels):
    """Re-fit the pixel features with the public encoding API and recompute the per-session medians."""
    from neurovision.activations import extract_layers
    from neurovision.benchmarks.ventral.cowley2023 import CV_SEED, CV_SPLITS
    from neurovision.data import cowley2023 as c23
    from neurovision.encoding import ridge_predictivity

    pooled = []
    for session in SESSIONS:
        stimuli, responses = c23.load_session(session)
        x = extract_layers(pixels, stimuli, ["pixels"], progress=False)["pixels"].values.astype(np.float64)
        res = ridge_predictivity(x, responses.values, n_splits=CV_SPLITS, seed=CV_SEED, standardize="center")
        assert cold_score.provenance["per_session"][session]["median_r"] == pytest.approx(np.median(res.r), abs=1e-6)
        pooled.append(res.r)
    assert cold_score.raw == pytest.approx(np.median(np.concatenate(pooled)), abs=1e-6)


def test_deterministic_and_warm_cache_identical(cold_score, env, pixels):
    from neurovision.benchmarks.ventral import cowley2023
    from neurovision.cache import cache_dir

    assert any((cache_dir("results") / "cowley2023").glob("*.npz"))
    bench = cowley2023.v4(sessions=SESSIONS)
    warm = bench(pixels, n_boot=200, seed=0, progress=False)
    assert warm.to_dict() == cold_score.to_dict()
    other = bench(pixels, n_boot=200, seed=1, progress=False)
    assert other.raw == cold_score.raw and other.ci_low != cold_score.ci_low
    layers = bench.score_layers(pixels, ["pixels"], n_boot=200, seed=0, progress=False)
    assert [s.to_dict() for s in layers] == [cold_score.to_dict()]
    no_boot = bench(pixels, n_boot=0, progress=False).to_dict()
    assert no_boot["raw"] == cold_score.to_dict()["raw"] and no_boot["ci_low"] is None


def test_pls_variant(env, pixels):
    from neurovision.benchmarks.ventral import cowley2023
    s = cowley2023.v4_pls(sessions=["210325"])(pixels, n_boot=50, seed=0, progress=False)
    assert s.benchmark == "cowley2023.v4_pls" and "PLS" in s.metric
    assert 0 < s.raw < 1 and s.ceiling_upper == pytest.approx(0.7731, abs=1e-4)
    assert s.provenance["ceiling"]["raw_own_session"] == pytest.approx(s.raw)


def test_unknown_session_and_bad_input_raise_clear_errors(pixels):
    from neurovision.benchmarks.ventral import cowley2023
    from neurovision.models.base import UnknownLayerError

    with pytest.raises(ValueError, match=r"unknown Cowley 2023 session.*'999999'.*known: 190923"):
        cowley2023.v4(sessions=["999999"])
    with pytest.raises(ValueError, match="duplicate"):
        cowley2023.v4(sessions=["210325", "210325"])
    with pytest.raises(ValueError, match="regression"):
        cowley2023.PredictivityBenchmark(regression="lasso")
    with pytest.raises(UnknownLayerError):
        cowley2023.v4(sessions=["210325"])(pixels, layer="conv99", n_boot=0)


def test_rsa_variant(env, pixels):
    rsa = pytest.importorskip("neurovision.rsa")
    if not hasattr(rsa, "bootstrap_stimuli"):
        pytest.skip("RSA engine without bootstrap_stimuli")
    from neurovision.activations import extract_layers
    from neurovision.benchmarks.ventral import cowley2023
    from neurovision.data import cowley2023 as c23

    s = cowley2023.v4_rsa(sessions=["210325"])(pixels, n_boot=20, seed=0, progress=False)
    assert s.benchmark == "cowley2023.v4_rsa" and s.ceiling_upper is None
    assert -1 <= s.ci_low <= s.raw <= s.ci_high <= 1
    # the cached model RDM (from the Gram matrix) equals 1 - corrcoef of the pixel features
    stimuli = c23.load_stimuli("210325")
    x = extract_layers(pixels, stimuli, ["pixels"], progress=False)["pixels"].values.astype(np.float64)
    cached = cowley2023.session_results(pixels, "210325", ["pixels"], "rdm", progress=False)["pixels"]["rdm"]
    expected = (1 - np.corrcoef(x))[np.triu_indices(len(x), 1)]
    np.testing.assert_allclose(cached, expected, atol=1e-5)
