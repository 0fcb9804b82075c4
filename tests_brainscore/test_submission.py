"""benchmarks/submit_brainscore.py: the generated plugin imports in the Brain-Score environment and
its registry entry builds the model offline (BS_INSTALL_DEPENDENCIES=no)."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "submit_brainscore.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("submit_brainscore", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _import_plugin(plugin: Path):
    """Import the plugin folder as a package (as Brain-Score imports brainscore_vision.models.<plugin>)."""
    name = f"_nv_plugin_{plugin.name}"
    spec = importlib.util.spec_from_file_location(name, plugin / "__init__.py",
                                                  submodule_search_locations=[str(plugin)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pixels_plugin(tmp_path_factory):
    out = tmp_path_factory.mktemp("submission")
    result = subprocess.run([sys.executable, str(SCRIPT), "pixels", "--out", str(out)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return out / "models" / "neurovision_pixels", out / "neurovision_pixels.zip"


def test_plugin_files(pixels_plugin):
    plugin, zip_path = pixels_plugin
    for name in ("__init__.py", "model.py", "test.py", "setup.py", "requirements.txt",
                 "region_layer_map/neurovision_pixels.json"):
        assert (plugin / name).is_file(), name
    assert json.loads((plugin / "region_layer_map/neurovision_pixels.json").read_text())["IT"] == "pixels"
    assert "model_registry['neurovision_pixels'] = lambda: ModelCommitment(" in (plugin / "__init__.py").read_text()
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
    assert "models/neurovision_pixels/__init__.py" in names
    assert "models/neurovision_pixels/region_layer_map/neurovision_pixels.json" in names


def test_registry_entry_builds_the_model(pixels_plugin, k08_stimulus_set):
    from brainscore_vision import model_registry
    plugin, _ = pixels_plugin
    _import_plugin(plugin)
    model = model_registry["neurovision_pixels"]()
    assert model.identifier == "neurovision_pixels"
    assert model.visual_degrees() == 8.0
    model.start_recording("IT", [(70, 170)])
    a = model.look_at(k08_stimulus_set[:4])
    assert a.dims == ("presentation", "neuroid") and a.shape == (4, 3 * 64 * 64)  # Brain-Score squeezes 1 bin


def test_load_model_through_brainscore(pixels_plugin):
    """``brainscore_vision.load_model`` finds the plugin among its models and builds it, offline."""
    import brainscore_vision
    plugin, _ = pixels_plugin
    target = Path(brainscore_vision.__file__).parent / "models" / plugin.name
    assert not target.exists(), f"{target} exists already"
    shutil.copytree(plugin, target)
    try:
        model = brainscore_vision.load_model("neurovision_pixels")
        assert model.identifier == "neurovision_pixels"
    finally:
        shutil.rmtree(target)


@pytest.mark.slow
def test_mobilenet_plugin_bundles_weights(tmp_path):
    script = _load_script()
    from neurovision.models.registry import load_model
    reference = load_model("mobilenet_v1")
    plugin, zip_path = script.write_plugin("mobilenet_v1", tmp_path, model=reference)
    assert (plugin / "weights.pt").is_file()
    module = _import_plugin(plugin)
    from brainscore_vision import model_registry
    model = model_registry["neurovision_mobilenet_v1"]()
    network = model.activations_model._model
    rebuilt = sys.modules[f"{module.__name__}.model"]._neurovision_model()
    assert rebuilt.weights_hash == reference.weights_hash
    x = np.random.RandomState(0).randint(0, 256, (2, 224, 224, 3), dtype=np.uint8)
    import torch
    with torch.inference_mode():
        np.testing.assert_array_equal(network.cpu()(reference.preprocess(x)).numpy(),
                                      reference.network(reference.preprocess(x)).numpy())
