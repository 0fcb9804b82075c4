"""Offline cross-check: a model scored on the Kriegeskorte et al. 2008 monkey IT data (Kiani et al. 2007,
674 neurons, 92 images) through Brain-Score's own ``rdm`` metric (``brainscore_vision.metrics.rdm``,
Kriegeskorte et al. 2008 RSA as Brain-Score implements it; Schrimpf et al. 2018/2020) and through
neurovision.

* RDM computation: Brain-Score's ``RDM`` (1 − Pearson r over neuroids, ``np.corrcoef``) and
  ``neurovision.rsa.rdm(method="correlation")`` on the same model assembly agree to 1e-10.
* RDM comparison: Brain-Score's ``RDMSimilarity`` (Spearman ρ of the upper triangles) and
  ``neurovision.rsa.compare(method="spearman")`` on the same two RDMs agree to 1e-10.
* Scores: the data are an RDM, not responses, so for Brain-Score's response-level metrics we build the
  pseudo-population whose correlation-distance RDM *is* the monkey RDM (eigendecomposition of 1 − D,
  mirrored to zero-mean patterns; reconstruction error ~1e-15). ``RDMMetric`` on it equals neurovision's
  raw ``kriegeskorte2008.it_monkey`` score (1e-10); ``RDMCrossValidated`` (10 splits of 90 % of the
  stimuli, stratified by category) lies inside neurovision's 95 % bootstrap CI.

Brain-Score's target assemblies must be 2-D, so the model's ``time_bin`` is squeezed.
"""
from __future__ import annotations

import numpy as np
import pytest

TOL = 1e-10


def _pseudo_population(rdm_matrix: np.ndarray) -> np.ndarray:
    """Patterns ``(n, 2n)`` whose 1 − Pearson-r RDM equals ``rdm_matrix`` (needs 1 − D to be PSD)."""
    w, v = np.linalg.eigh(1.0 - rdm_matrix)
    assert w.min() > -1e-8, "1 - RDM is not a correlation matrix"
    x = v * np.sqrt(np.clip(w, 0.0, None))
    return np.concatenate([x, -x], axis=1)  # zero row means; row norms² = 2·C_ii = 2


@pytest.fixture(scope="module")
def monkey():
    from neurovision.data import kriegeskorte2008 as k08
    return k08.load_monkey_it_rdm()


@pytest.fixture(scope="module")
def bs_data(monkey, k08_stimuli):
    """Brain-Score objects for the monkey data: its RDM as a DataAssembly and the pseudo-population."""
    from brainscore_core.supported_data_standards.brainio.assemblies import DataAssembly, NeuroidAssembly
    ids = monkey["stimulus_id"].values.astype(str)
    assert (ids == k08_stimuli["stimulus_id"].values).all()
    category = k08_stimuli["category"].values
    rdm_assembly = DataAssembly(monkey.values, dims=["presentation", "presentation"],
                                coords={"stimulus_id": ("presentation", ids), "category": ("presentation", category)})
    patterns = _pseudo_population(monkey.values)
    neural = NeuroidAssembly(patterns, dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", ids), "category": ("presentation", category),
        "neuroid_id": ("neuroid", np.arange(patterns.shape[1])), "region": ("neuroid", ["IT"] * patterns.shape[1])})
    return rdm_assembly, neural


def _nv_compare(a, b) -> float:
    from neurovision.rsa import compare
    value = np.asarray(compare(a, b, method="spearman"), dtype=np.float64).ravel()
    assert value.size == 1
    return float(value[0])


def test_pseudo_population_reproduces_the_monkey_rdm(monkey, bs_data):
    from brainscore_vision.metrics.rdm.metric import RDM as BrainScoreRDM
    _, neural = bs_data
    assert np.abs(BrainScoreRDM()(neural).values - monkey.values).max() < 1e-12


@pytest.mark.parametrize("model_name", ["pixels", pytest.param("mobilenet_v1", marks=pytest.mark.slow)])
def test_rdm_metric_agrees_with_neurovision(model_name, k08_stimuli, k08_stimulus_set, monkey, bs_data, request):
    from brainscore_vision.metrics.rdm.metric import RDM as BrainScoreRDM
    from brainscore_vision.metrics.rdm.metric import RDMCrossValidated, RDMMetric, RDMSimilarity

    from neurovision.benchmarks.ventral.kriegeskorte2008 import it_monkey
    from neurovision.interop.brainscore import brain_model
    from neurovision.models.registry import load_model
    from neurovision.rsa import RDM, rdm

    if model_name == "pixels":
        bm, model = request.getfixturevalue("pixels_brain_model"), load_model("pixels")
    else:
        model = load_model(model_name)
        bm = brain_model(model)
    bm.start_task("passive")
    bm.start_recording("IT", [(70, 170)])
    recording = bm.look_at(k08_stimulus_set)
    assert recording.dims == ("presentation", "neuroid", "time_bin")
    source = recording.squeeze("time_bin")  # Brain-Score's rdm metric takes 2-D assemblies
    rdm_assembly, neural = bs_data

    # 1. the model RDM: Brain-Score's vs neurovision's, on the very same activations
    bs_model_rdm = BrainScoreRDM()(source)
    # stimulus_id passed explicitly: on xarray 2022.3 a MultiIndex level is not `in assembly.coords`
    nv_model_rdm = rdm(source, method="correlation", stimulus_id=source["stimulus_id"].values.astype(str))
    np.testing.assert_array_equal(nv_model_rdm.stimulus_id, bs_model_rdm["stimulus_id"].values.astype(str))
    rdm_difference = np.abs(np.asarray(nv_model_rdm.matrix) - bs_model_rdm.values).max()
    assert rdm_difference < TOL

    # 2. the RDM comparison on the same RDMs
    data_rdm = RDM(monkey.values, monkey["stimulus_id"].values.astype(str))
    bs_similarity = float(RDMSimilarity()(bs_model_rdm, rdm_assembly))
    bs_matrix = np.array(bs_model_rdm.values, dtype=np.float64)
    np.fill_diagonal(bs_matrix, 0.0)  # np.corrcoef leaves ~1e-16 on the diagonal; the triangle is untouched
    nv_similarity = _nv_compare(RDM(bs_matrix, nv_model_rdm.stimulus_id), data_rdm)
    assert abs(bs_similarity - nv_similarity) < TOL

    # 3. scores: Brain-Score's metrics on responses vs neurovision's benchmark (bootstrap CI)
    score = it_monkey()(model, n_boot=200, seed=0, progress=False)
    bs_score = float(RDMMetric()(source, neural))
    assert abs(bs_score - score.raw) < TOL
    cv = RDMCrossValidated(crossvalidation_kwargs=dict(stratification_coord="category"))(source, neural)
    cv_center = float(cv.sel(aggregation="center")) if "aggregation" in cv.dims else float(cv)
    assert score.ci_low <= cv_center <= score.ci_high, (cv_center, score.ci_low, score.ci_high)
    print(f"\n{model_name}: max |RDM diff| {rdm_difference:.2e}; Spearman Brain-Score {bs_similarity:.12f} "
          f"neurovision {nv_similarity:.12f} (diff {abs(bs_similarity - nv_similarity):.1e}); "
          f"RDMMetric {bs_score:.6f} vs raw {score.raw:.6f}; RDMCrossValidated {cv_center:.4f} in "
          f"CI [{score.ci_low:.4f}, {score.ci_high:.4f}]")
