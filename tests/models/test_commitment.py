"""Layer → region commitments: stored JSON beside the models, applied by the registry."""
from __future__ import annotations

import json

import pytest

from neurovision.models.base import UnknownLayerError
from neurovision.models.commitment import COMMITMENT_DIR, apply_commitment, load_commitment
from neurovision.models.registry import MODELS, load_model
from neurovision.models.ventral.pixels import build as build_pixels


def test_every_registered_model_has_a_valid_commitment_json():
    for name in MODELS:
        data = load_commitment(name)
        assert data is not None, f"{name}: no {COMMITMENT_DIR}/{name}.json"
        regions = set(data["region_layer_map"])
        # ventral models commit to the four ventral areas, dorsal models to the dorsal stream and MT only
        assert regions in ({"V1", "V2", "V4", "IT"}, {"MT", "dorsal"}), (name, regions)
        assert data["procedure"]


def test_registry_applies_commitment_and_checks_layers(tmp_path):
    model = load_model("pixels")
    assert model.region_layer_map["IT"] == "pixels" and not model.chosen_on.get("stimulus_id")
    bad = {"model": "pixels", "region_layer_map": {"IT": "conv99"}}
    (tmp_path / "pixels.json").write_text(json.dumps(bad))
    with pytest.raises(UnknownLayerError, match="conv99"):
        apply_commitment(build_pixels(), tmp_path)
    (tmp_path / "pixels.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        apply_commitment(build_pixels(), tmp_path)
