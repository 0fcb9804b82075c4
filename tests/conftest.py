"""Shared fixtures. Real data come from the mirror named by NEUROVISION_DATA (make test sets it to
../shared/data). Without a mirror, data tests skip locally but fail under CI=true, where the data
must be present."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

# one torch thread for the whole session: the suite's networks and products are small, and two OpenMP threads on
# a busy 2-core machine stall them (see neurovision.threads); said once here instead of in each test module
torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _need(path: Path, what: str) -> Path:
    if path.exists():
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{what} missing at {path} (CI must have it)")
    pytest.skip(f"{what} not available at {path}")


@pytest.fixture(scope="session")
def data_mirror() -> Path:
    """The NEUROVISION_DATA mirror (real data)."""
    from neurovision.data import mirror_root
    root = mirror_root()
    if root is None:
        if os.environ.get("CI"):
            pytest.fail("NEUROVISION_DATA is not set under CI")
        pytest.skip("NEUROVISION_DATA not set (run through `make test`)")
    return _need(root, "data mirror")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """TensorFlow reference outputs for the converted MobileNetV1."""
    return _need(SHARED / "reference" / "mobilenet_v1_imagenet", "MobileNetV1 reference")


@pytest.fixture(autouse=True)
def _registries_restored():
    """Models and benchmarks a test registers (``nv.register_model`` / ``register_benchmark``) are removed after it,
    so no test sees another test's registrations."""
    from neurovision.benchmarks.registry import BENCHMARKS
    from neurovision.models.registry import MODELS
    saved = dict(MODELS), dict(BENCHMARKS)
    yield
    for registry, before in zip((MODELS, BENCHMARKS), saved):
        registry.clear()
        registry.update(before)
