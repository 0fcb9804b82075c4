#!/usr/bin/env python
"""Script (not part of the package; the brain benchmarks themselves are ``neurovision.benchmarks``): write a
Brain-Score vision model plugin for a neurovision model, as a folder and a zip to submit. Run from the repository
root as ``python benchmarks/submit_brainscore.py MODEL [--out DIR] [--identifier ID] [--requirement SPEC]``; it
prints the plugin folder and the zip file it wrote.

``MODEL`` is a registered neurovision model (``neurovision list models``). The plugin follows
brainscore-vision 2.x's layout (Schrimpf et al. 2020, Neuron 108:413; one plugin folder per model
under ``brainscore_vision/models/``)::

    DIR/models/<plugin>/__init__.py       registers model_registry['<identifier>'] = lambda: ModelCommitment(...)
    DIR/models/<plugin>/model.py          get_model() (a PytorchWrapper), get_layers(), get_bibtex(), commitments
    DIR/models/<plugin>/region_layer_map/<identifier>.json   the model's a-priori region → layer commitment
    DIR/models/<plugin>/weights.pt        the state dict (only for models with parameters; sha256 checked)
    DIR/models/<plugin>/requirements.txt  neurovision (and torch/torchvision); setup.py lists the same
    DIR/models/<plugin>/test.py           Brain-Score's plugin test: load_model(identifier) has the identifier
    DIR/<plugin>.zip                      the ``models/`` tree, ready for the website's submission form

The commitment is explicit (``region_layer_map``, ``visual_degrees``, IT layer as behavioural readout),
so Brain-Score never runs its layer selection. Weights are bundled because neurovision's pretrained
weights come from packages (``nudity``) that Brain-Score's installer would pull with heavy
dependencies; the plugin rebuilds the architecture through neurovision and loads ``weights.pt``.
``--requirement`` sets how Brain-Score installs neurovision (default ``neurovision==<version>``; point it
at a repository URL or wheel when neurovision is not on the package index Brain-Score uses).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import textwrap
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

BIBTEX_NEUROVISION = """@misc{neurovision,
  title = {neurovision: model-brain comparison with representational similarity analysis},
  note = {Brain-Score plugin written by benchmarks/submit_brainscore.py}
}"""


def plugin_name(identifier: str) -> str:
    """A Python-package-safe folder name for ``identifier``."""
    name = re.sub(r"[^0-9a-zA-Z_]", "_", identifier).strip("_").lower()
    return name if name and not name[0].isdigit() else f"m_{name}"


def _architecture_builder(name: str) -> str | None:
    """The registered name that builds ``name``'s architecture without downloading or converting
    weights (``<name>_untrained`` when registered), or None when ``name`` itself is cheap to build."""
    from neurovision.models.registry import MODELS
    return f"{name}_untrained" if f"{name}_untrained" in MODELS else None


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


MODEL_PY = '''\
"""Brain-Score plugin for neurovision's {name!r} ({description}).

Written by neurovision's benchmarks/submit_brainscore.py. The network, its preprocessing and its
commitments come from neurovision; Brain-Score's PytorchWrapper records the layers.
"""
import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
IDENTIFIER = {identifier!r}
NEUROVISION_MODEL = {name!r}
ARCHITECTURE = {architecture!r}   # registered name that builds the architecture (None: NEUROVISION_MODEL)
LAYERS = {layers!r}
VISUAL_DEGREES = {visual_degrees!r}
BEHAVIORAL_READOUT_LAYER = {readout!r}
WEIGHTS = {weights!r}             # file in this folder, or None for a model without parameters
WEIGHTS_SHA256 = {weights_sha256!r}
WEIGHTS_HASH = {weights_hash!r}   # neurovision's state-dict hash of the submitted weights
REGION_LAYER_MAP = json.loads((HERE / "region_layer_map" / f"{{IDENTIFIER}}.json").read_text())
BIBTEX = {bibtex!r}


def get_model_list():
    return [IDENTIFIER]


def _neurovision_model():
    import torch
    from neurovision.models.registry import load_model
    model = load_model(ARCHITECTURE or NEUROVISION_MODEL)
    if WEIGHTS:
        path = HERE / WEIGHTS
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != WEIGHTS_SHA256:
            raise ValueError(f"{{path}}: sha256 {{digest}} != {{WEIGHTS_SHA256}}")
        model.network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        model._weights_hash = None
        model.identifier = NEUROVISION_MODEL
    return model


def get_model(name=IDENTIFIER):
    assert name == IDENTIFIER, name
    from neurovision.interop.brainscore import activations_model
    return activations_model(_neurovision_model(), identifier=IDENTIFIER)


def get_layers(name=IDENTIFIER):
    assert name == IDENTIFIER, name
    return list(LAYERS)


def get_bibtex(name=IDENTIFIER):
    return BIBTEX


if __name__ == "__main__":
    from brainscore_vision.model_helpers.check_submission import check_models
    check_models.check_base_models(__name__)
'''

INIT_PY = '''\
from brainscore_vision import model_registry
from brainscore_vision.model_helpers.brain_transformation import ModelCommitment
from .model import BEHAVIORAL_READOUT_LAYER, REGION_LAYER_MAP, VISUAL_DEGREES, get_layers, get_model

model_registry[{identifier!r}] = lambda: ModelCommitment(
    identifier={identifier!r},
    activations_model=get_model({identifier!r}),
    layers=get_layers({identifier!r}),
    region_layer_map=dict(REGION_LAYER_MAP),
    behavioral_readout_layer=BEHAVIORAL_READOUT_LAYER,
    visual_degrees=VISUAL_DEGREES,
)
'''

TEST_PY = '''\
import pytest

import brainscore_vision


@pytest.mark.travis_slow
def test_has_identifier():
    model = brainscore_vision.load_model({identifier!r})
    assert model.identifier == {identifier!r}
'''

SETUP_PY = '''\
#!/usr/bin/env python
from setuptools import find_packages, setup

requirements = {requirements!r}

setup(
    packages=find_packages(exclude=["tests"]),
    include_package_data=True,
    install_requires=requirements,
    license="MIT license",
    zip_safe=False,
    keywords="brain-score neurovision",
    test_suite="tests",
)
'''


def write_plugin(name: str, out: Path, identifier: str | None = None, requirement: str | None = None,
                 model=None) -> tuple[Path, Path]:
    """Write the plugin for registered model ``name`` under ``out``; return ``(plugin_dir, zip_path)``."""
    import torch

    import neurovision
    from neurovision.models.registry import load_model

    model = model or load_model(name)
    identifier = identifier or f"neurovision_{name}"
    if not model.region_layer_map:
        raise SystemExit(f"model {name!r} has no region_layer_map: Brain-Score would select layers by downloading "
                         "benchmarks; commit its regions first")
    folder = plugin_name(identifier)
    out = Path(out)
    plugin = out / "models" / folder
    if plugin.exists():
        shutil.rmtree(plugin)
    (plugin / "region_layer_map").mkdir(parents=True)
    (plugin / "region_layer_map" / f"{identifier}.json").write_text(
        json.dumps(dict(model.region_layer_map), indent=2, sort_keys=True) + "\n")

    weights = weights_sha256 = weights_hash = None
    if any(True for _ in model.network.parameters()) or any(True for _ in model.network.buffers()):
        weights = "weights.pt"
        torch.save(model.network.state_dict(), plugin / weights)
        weights_sha256 = _file_sha256(plugin / weights)
        weights_hash = model.weights_hash
    architecture = _architecture_builder(name) if weights else None

    requirement = requirement or f"neurovision=={neurovision.__version__}"
    requirements = [requirement, "torch", "torchvision"]
    (plugin / "requirements.txt").write_text("\n".join(requirements) + "\n")
    (plugin / "setup.py").write_text(SETUP_PY.format(requirements=requirements))
    readout = model.region_layer_map.get("IT") or model.layers[-1]
    (plugin / "model.py").write_text(MODEL_PY.format(
        name=name, description=model.description or name, identifier=identifier, architecture=architecture,
        layers=list(model.layers), visual_degrees=model.visual_degrees, readout=readout, weights=weights,
        weights_sha256=weights_sha256, weights_hash=weights_hash, bibtex=BIBTEX_NEUROVISION))
    (plugin / "__init__.py").write_text(INIT_PY.format(identifier=identifier))
    (plugin / "test.py").write_text(TEST_PY.format(identifier=identifier))

    zip_path = out / f"{folder}.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(plugin.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(out).as_posix())
    return plugin, zip_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=textwrap.dedent(__doc__.split("\n\n", 1)[1]))
    parser.add_argument("model", help="registered neurovision model name (e.g. mobilenet_v1, pixels)")
    parser.add_argument("--out", default="brainscore_submission", help="output folder (default: %(default)s)")
    parser.add_argument("--identifier", help="Brain-Score model identifier (default: neurovision_<model>)")
    parser.add_argument("--requirement", help="pip requirement that installs neurovision on Brain-Score's side")
    args = parser.parse_args(argv)
    plugin, zip_path = write_plugin(args.model, Path(args.out), args.identifier, args.requirement)
    print(f"plugin: {plugin}")
    print(f"zip:    {zip_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
