"""Fixtures for the Brain-Score interoperability tests. They run in ``.venv-brainscore`` (numpy<2,
xarray 2022.x, brainscore-vision; built by ``.ci/brainscore_env.sh``), offline:
``BS_INSTALL_DEPENDENCIES=no`` keeps Brain-Score from pip-installing plugin requirements and
``RESULTCACHING_DISABLE`` keeps its activation cache out of ``~/.result_caching``.

Real data come from the mirror named by NEUROVISION_DATA (default ``../shared/data``); without it the
data tests skip locally and fail under CI=true, as in ``tests/``.
"""
from __future__ import annotations

import os
from pathlib import Path

os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ.setdefault("RESULTCACHING_DISABLE", "1")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
if "NEUROVISION_DATA" not in os.environ and (REPO.parent / "shared" / "data").is_dir():
    os.environ["NEUROVISION_DATA"] = str((REPO.parent / "shared" / "data").resolve())

pytest.importorskip("brainscore_vision", reason="run in .venv-brainscore (make test-brainscore)")


@pytest.fixture(scope="session")
def k08_stimuli():
    """The Kriegeskorte et al. 2008 92 stimuli (neurovision stimulus set)."""
    root = os.environ.get("NEUROVISION_DATA")
    if not root or not Path(root).is_dir():
        if os.environ.get("CI"):
            pytest.fail("NEUROVISION_DATA missing under CI")
        pytest.skip("NEUROVISION_DATA not available")
    from neurovision.data import kriegeskorte2008 as k08
    return k08.load_stimuli()


@pytest.fixture(scope="session")
def k08_stimulus_set(k08_stimuli, tmp_path_factory):
    """The same 92 stimuli as a Brain-Score StimulusSet (PNG files + CSV; no cache identifier)."""
    from neurovision.interop.brainscore import to_brainscore_stimulus_set
    return to_brainscore_stimulus_set(k08_stimuli, tmp_path_factory.mktemp("k08_stimulus_set"))


@pytest.fixture(scope="session")
def pixels_brain_model():
    from neurovision.interop.brainscore import brain_model
    return brain_model("pixels")


@pytest.fixture(scope="session")
def pixels_it(pixels_brain_model, k08_stimulus_set):
    """pixels' IT recording of the 92 stimuli: NeuroidAssembly presentation × neuroid × time_bin."""
    pixels_brain_model.start_task("passive")
    pixels_brain_model.start_recording("IT", [(70, 170)])
    return pixels_brain_model.look_at(k08_stimulus_set)
