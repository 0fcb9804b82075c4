"""The public extension API (issue: your model, your stimuli, your data) and the content-keyed cache.

Every stale-result case a user met is here: each changes what determines a score under the same names and
checks that the score changes."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import xarray as xr
from PIL import Image

import neurovision as nv
from neurovision.errors import ConstantRDMWarning


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def stimuli(tmp_path_factory):
    """12 small images written as files, read back through the public API."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(1)
    for i in range(12):
        img = (rng.random((24, 24, 3)) * 255 * (0.3 + 0.05 * i)).astype(np.uint8)
        Image.fromarray(img).save(folder / f"im{i:02d}.png")
    return nv.stimuli_from_files(folder)


def _net(act=None, width=8):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, width, 3, stride=2), act or torch.nn.ReLU(),
                               torch.nn.AdaptiveAvgPool2d(3), torch.nn.Flatten())


def _small_pre(size=32):
    def pre(images):
        x = torch.from_numpy(np.asarray(images, dtype=np.float32) / 255).permute(0, 3, 1, 2)
        return torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return pre


def _model(act=None, pre=None, identifier="mine"):
    return nv.from_torch(_net(act), preprocess=pre or _small_pre(), layers=["1", "3"],
                         region_layer_map={"IT": "3"}, identifier=identifier)


def _subject_rdms(ids, noise, seed=0, n_subjects=4):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(len(ids), 6))
    return np.stack([1 - np.corrcoef(base + noise * rng.normal(size=base.shape)) for _ in range(n_subjects)])


def test_stimuli_from_files(stimuli, tmp_path):
    assert stimuli.dims == ("presentation", "height", "width", "channel") and stimuli.shape == (12, 24, 24, 3)
    assert list(stimuli["stimulus_id"].values[:2]) == ["im00", "im01"]
    (tmp_path / "a.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="a.png cannot be read as an image"):
        nv.stimuli_from_files(tmp_path)


def test_changed_data_under_the_same_identifier_changes_the_score(stimuli, cache):
    ids = stimuli["stimulus_id"].values
    model = _model()
    first = nv.RSABenchmark.from_rdms("user.bench", stimuli, _subject_rdms(ids, 1.5), "IT", stimulus_ids=ids)
    second = nv.RSABenchmark.from_rdms("user.bench", stimuli, _subject_rdms(ids, 10), "IT", stimulus_ids=ids)
    a, b = first(model, n_boot=0), second(model, n_boot=0)
    assert a.raw != b.raw
    assert first(model, n_boot=0).raw == a.raw  # and the cache still serves the first


@pytest.mark.parametrize("change", ["activation", "input size", "inverted images"])
def test_changed_forward_pass_under_the_same_name_changes_the_score(stimuli, cache, change):
    ids = stimuli["stimulus_id"].values
    bench = nv.RSABenchmark.from_rdms("user.bench", stimuli, _subject_rdms(ids, 1.0), "IT", stimulus_ids=ids)
    before = bench(_model(), n_boot=0).raw
    if change == "activation":
        other = _model(act=torch.nn.Tanh())
    elif change == "input size":
        other = _model(pre=_small_pre(48))
    else:
        pre = _small_pre()
        other = _model(pre=lambda images: pre(255 - np.asarray(images)))
    assert bench(other, n_boot=0).raw != before


def test_cache_false_neither_reads_nor_writes(stimuli, cache):
    ids = stimuli["stimulus_id"].values
    bench = nv.RSABenchmark.from_rdms("user.bench", stimuli, _subject_rdms(ids, 1.0), "IT", stimulus_ids=ids)
    bench(_model(), n_boot=0, cache=False)
    assert not (cache / "results").exists() or not any((cache / "results").rglob("*.*"))
    bench(_model(), n_boot=0)
    assert any((cache / "results" / "scores").glob("*.json"))


def test_from_responses_subjects_and_split_half(stimuli, cache):
    ids = stimuli["stimulus_id"].values
    rng = np.random.default_rng(3)
    signal = rng.normal(size=(12, 30))
    reps = signal[..., None] + 0.5 * rng.normal(size=(12, 30, 4))
    da = xr.DataArray(reps, dims=("presentation", "neuroid", "repetition"),
                      coords={"stimulus_id": ("presentation", ids)})
    one = nv.RSABenchmark.from_responses("user.resp", stimuli, da, "IT")
    low, up = one.ceiling()
    # split-half oracle: Spearman rho of the odd- and even-repetition correlation RDMs, Spearman-Brown corrected
    from scipy.spatial.distance import pdist
    from scipy.stats import spearmanr
    r = spearmanr(pdist(reps[..., ::2].mean(2), "correlation"), pdist(reps[..., 1::2].mean(2), "correlation"))[0]
    assert low == up == pytest.approx(2 * r / (1 + r), abs=1e-12)
    score = one(_model(), n_boot=20)
    assert score.ceiling_upper == pytest.approx(up) and "split-half" in score.notes
    many = nv.RSABenchmark.from_responses("user.resp2", stimuli, {f"s{i}": da.isel(repetition=i) for i in range(4)},
                                          "IT")
    assert many.data_rdms().n_rdms == 4 and many.ceiling()[0] < many.ceiling()[1]


def test_encoding_benchmark_from_responses(stimuli, cache):
    ids = stimuli["stimulus_id"].values
    rng = np.random.default_rng(4)
    reps = rng.normal(size=(12, 5, 1)) + 0.3 * rng.normal(size=(12, 5, 4))
    da = xr.DataArray(reps, dims=("presentation", "neuroid", "repetition"),
                      coords={"stimulus_id": ("presentation", ids)})
    bench = nv.EncodingBenchmark.from_responses("user.enc", stimuli, da, "IT", n_splits=3)
    a, b = reps[..., ::2].mean(2), reps[..., 1::2].mean(2)
    r = np.array([np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(5)])
    assert bench.ceiling()[0] == pytest.approx(np.median(2 * r / (1 + r)), abs=1e-12)
    s = bench(_model(), n_boot=10)
    assert np.isfinite(s.raw) and s.ceiled == pytest.approx(s.raw / s.ceiling_upper)


def test_register_and_score_by_name(stimuli, cache):
    ids = stimuli["stimulus_id"].values
    bench = nv.RSABenchmark.from_rdms("user.named", stimuli, _subject_rdms(ids, 1.0), "IT", stimulus_ids=ids)
    nv.register_benchmark("user.named", lambda: bench, overwrite=True)
    nv.register_model("user_model", _model, overwrite=True)
    s = nv.score("user_model", "user.named", n_boot=0)
    assert s.benchmark == "user.named" and s.layer == "3" and s.ci_low is None and "no CI" in s.notes
    with pytest.raises(ValueError, match="already registered"):
        nv.register_model("user_model", _model)
    with pytest.raises(KeyError, match="did you mean 'user.named'"):
        nv.load_benchmark("user.namd")


def test_bad_input_is_refused_or_nan(stimuli, cache):
    ids = stimuli["stimulus_id"].values
    bench = nv.RSABenchmark.from_rdms("user.bench", stimuli, _subject_rdms(ids, 1.0), "IT", stimulus_ids=ids)
    for n_boot in (1, -1, 2.5):
        with pytest.raises(ValueError, match="n_boot"):
            bench(_model(), n_boot=n_boot)
    const = nv.from_torch(torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3), torch.nn.Flatten()),
                          preprocess=_small_pre(), layers=["0"], identifier="const")
    with torch.no_grad():
        const.network[0].weight.zero_()
        const.network[0].bias.copy_(torch.tensor([1.0, -2.0]))
    with pytest.warns(ConstantRDMWarning, match="layer='0'"):
        s = bench(const, layer="0", n_boot=10)
    assert np.isnan(s.raw)
    with pytest.raises(ValueError, match="stimulus ids that the stimulus set lacks"):
        nv.RSABenchmark.from_rdms("user.bad", stimuli, _subject_rdms(np.array([f"x{i}" for i in range(12)]), 1.0),
                                  "IT", stimulus_ids=[f"x{i}" for i in range(12)])
    with pytest.raises(ValueError, match="need stimulus_ids"):
        nv.RSABenchmark.from_rdms("user.bad", stimuli, _subject_rdms(ids, 1.0), "IT")


def test_cache_clear_accepts_only_known_kinds(tmp_path, cache):
    from neurovision import cache as c
    outside = tmp_path / "keep"
    outside.mkdir()
    (outside / "file").write_text("x")
    for kind in ("../keep", str(outside), "nonsense"):
        with pytest.raises(ValueError, match="unknown cache kind"):
            c.clear(kind)
    assert (outside / "file").exists()
    from neurovision.cli import main
    with pytest.raises(SystemExit):
        main(["cache", "clear", "--kind", "../keep"])
    assert (outside / "file").exists()


PLUGIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "nv-tiny-plugin"
        version = "0.0.1"
        [project.entry-points."neurovision.models"]
        tiny_plugin_net = "nv_tiny_plugin:model"
        [project.entry-points."neurovision.benchmarks"]
        "tiny_plugin.rsa" = "nv_tiny_plugin:benchmark"
    """,
    "nv_tiny_plugin.py": """
        import numpy as np, torch, neurovision as nv
        from neurovision.data import kriegeskorte2008 as k08
        def model():
            torch.manual_seed(0)
            net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 5, stride=4), torch.nn.Tanh(), torch.nn.Flatten())
            pre = lambda im: torch.nn.functional.interpolate(
                torch.from_numpy(np.asarray(im, np.float32) / 255).permute(0, 3, 1, 2), size=(32, 32))
            return nv.from_torch(net, preprocess=pre, layers=["1"], region_layer_map={"IT": "1"},
                                 identifier="tiny_plugin_net")
        def benchmark():
            stim = k08.load_stimuli()
            return nv.RSABenchmark.from_rdms("tiny_plugin.rsa", stim, k08.load_human_it_rdms(), "IT")
    """,
}


@pytest.mark.slow
def test_installed_plugin_appears_in_list_and_scores(tmp_path, cache, data_mirror):
    src = tmp_path / "plugin"
    src.mkdir()
    for name, text in PLUGIN.items():
        (src / name).write_text(textwrap.dedent(text))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(src)], check=True)
    env = dict(__import__("os").environ, PYTHONPATH=str(target))
    run = lambda *args: subprocess.run([sys.executable, "-m", "neurovision.cli", *args], env=env,  # noqa: E731
                                       capture_output=True, text=True)
    assert "tiny_plugin_net" in run("list", "models").stdout.split()
    assert "tiny_plugin.rsa" in run("list", "benchmarks").stdout.split()
    out = run("score", "tiny_plugin_net", "tiny_plugin.rsa", "--n-boot", "0")
    assert out.returncode == 0, out.stderr
    assert "tiny_plugin.rsa" in out.stdout and "raw" in out.stdout


def test_encoding_responses_relabelled_under_the_same_identifier_change_the_score(stimuli, cache):
    """The same response values assigned to other stimuli are other data: the cache key follows the responses'
    own stimulus ids, not only their values."""
    ids = stimuli["stimulus_id"].values
    rng = np.random.default_rng(5)
    reps = rng.normal(size=(12, 5, 1)) + 0.3 * rng.normal(size=(12, 5, 4))

    def bench(order):
        da = xr.DataArray(reps, dims=("presentation", "neuroid", "repetition"),
                          coords={"stimulus_id": ("presentation", ids[order])})
        return nv.EncodingBenchmark.from_responses("user.enc", stimuli, da, "IT", n_splits=3)

    first = bench(np.arange(12))(_model(), n_boot=0)
    relabelled = bench(np.roll(np.arange(12), 5))(_model(), n_boot=0)
    assert relabelled.raw != first.raw
