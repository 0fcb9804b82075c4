"""`neurovision train ventral`: Fashion-MNIST loader, training, determinism, checkpoints, resuming, bad inputs.

Runs are tiny (a few hundred images, narrow networks) so the whole file stays well under a minute.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from neurovision.cache import file_sha256
from neurovision.checkpoints import CheckpointError, load_verified
from neurovision.cli import build_parser
from neurovision.data.registry import DATASETS, DataNotFoundError
from neurovision.models.ventral import small_convnets
from neurovision.models.ventral.trained import load_trained
from neurovision.training.ventral import (
    TrainingDataError,
    VentralTrainConfig,
    load_image_folder,
    train,
)

TINY = dict(arch="plain8_w8", batch_size=32, n_test=0)


@pytest.fixture(scope="module")
def fmnist():
    """Fashion-MNIST is needed (Debian package dataset-fashion-mnist or the mirror); skip locally, fail on CI."""
    from neurovision.data import fashion_mnist
    try:
        return fashion_mnist.load("train", 512), fashion_mnist.load("test", 200)
    except DataNotFoundError as err:
        if os.environ.get("CI"):
            pytest.fail(f"Fashion-MNIST missing under CI: {err}")
        pytest.skip(f"Fashion-MNIST not available ({str(err).splitlines()[0]}); apt-get install dataset-fashion-mnist")


def _same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _write_folder(root, classes=("bars_h", "bars_v"), n=12, size=16, mode="L", seed=0):
    """Tiny two-class image folder: horizontal vs vertical bars plus noise."""
    rng = np.random.default_rng(seed)
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            img = rng.integers(0, 60, (size, size)).astype(np.uint8)
            k = rng.integers(0, size - 3)
            if c == 0:
                img[k:k + 3, :] = 230
            else:
                img[:, k:k + 3] = 230
            im = Image.fromarray(img)
            (im.convert(mode) if mode != "L" else im).save(root / name / f"{i:03d}.png")
    return root


# ------------------------------------------------------------------------------------------- data
def test_fashion_mnist_registry_and_loader(fmnist):
    (x, y), (xt, yt) = fmnist
    assert x.shape == (512, 28, 28) and x.dtype == np.uint8 and xt.shape == (200, 28, 28)
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    assert 0 < x.mean() < 128 and x.max() == 255
    ds = DATASETS["fashion_mnist"]
    assert len(ds.files) == 4 and ds.gzip_sources and ds.system_dirs


def test_fashion_mnist_stimulus_set_replicates_gray(fmnist):
    from neurovision.data import fashion_mnist
    s = fashion_mnist.stimulus_set("test", 5)
    assert s.dims == ("presentation", "height", "width", "channel") and s.shape == (5, 28, 28, 3)
    v = s.values
    assert (v[..., 0] == v[..., 1]).all() and (v[..., 1] == v[..., 2]).all()
    assert (v[..., 0] == fmnist[1][0][:5]).all()
    assert list(s["stimulus_id"].values[:2]) == ["fmnist_test_00000", "fmnist_test_00001"]
    assert s["category"].values[0] == fashion_mnist.CLASSES[int(s["label"].values[0])]


# --------------------------------------------------------------------------------------- training
def test_loss_decreases_on_a_short_run(fmnist):
    r = train(VentralTrainConfig(n_train=256, epochs=1, lr=0.1, **{**TINY, "batch_size": 16, "n_test": 100}),
              progress=False)
    loss = r.history["step_loss"]
    assert len(loss) == 16 and r.completed
    assert np.mean(loss[-4:]) < np.mean(loss[:4]) - 0.25, loss  # from ≈ ln 10 = 2.3 (measured: 2.31 → 1.89)
    assert len(r.history["test_accuracy"]) == 1 and 0 <= r.test_accuracy <= 1


def test_same_seed_gives_identical_weights_and_other_seed_differs(fmnist):
    a = train(VentralTrainConfig(n_train=96, seed=3, **TINY), progress=False)
    b = train(VentralTrainConfig(n_train=96, seed=3, **TINY), progress=False)
    c = train(VentralTrainConfig(n_train=96, seed=4, **TINY), progress=False)
    assert _same_weights(a.network, b.network)
    assert a.history["step_loss"] == b.history["step_loss"]
    assert not _same_weights(a.network, c.network)


@pytest.mark.parametrize("stop_at", [4, 3])  # mid-epoch and at the epoch boundary (3 steps per epoch)
def test_resume_equals_uninterrupted(fmnist, tmp_path, stop_at):
    cfg = VentralTrainConfig(n_train=96, epochs=2, checkpoint_every=2, optimizer="adamw", **TINY)
    full = train(cfg, tmp_path / "full", progress=False)
    part = train(cfg, tmp_path / "part", progress=False, stop_after_steps=stop_at)
    assert not part.completed and part.steps == stop_at and not (tmp_path / "part" / "model.pt").exists()
    resumed = train(cfg, tmp_path / "part", resume=True, progress=False)
    assert resumed.completed and resumed.steps == full.steps == 6
    assert _same_weights(full.network, resumed.network)
    assert resumed.history["step_loss"] == full.history["step_loss"]
    record = json.loads((tmp_path / "part" / "model.json").read_text())
    assert file_sha256(tmp_path / "part" / "model.pt") == record["sha256"]


def test_resume_refuses_different_settings(fmnist, tmp_path):
    cfg = VentralTrainConfig(n_train=96, **TINY)
    train(cfg, tmp_path, progress=False, stop_after_steps=1)
    with pytest.raises(CheckpointError, match="weight_decay"):
        train(VentralTrainConfig(n_train=96, weight_decay=0.1, **TINY), tmp_path, resume=True, progress=False)


def test_checkpoint_hash_is_recorded_and_verified(fmnist, tmp_path):
    cfg = VentralTrainConfig(n_train=64, **TINY)
    r = train(cfg, tmp_path, progress=False)
    ckpts = sorted(tmp_path.glob("ckpt-*.pt"))
    assert ckpts
    for p in ckpts + [tmp_path / "model.pt"]:
        record = json.loads(p.with_suffix(".json").read_text())
        assert record["sha256"] == file_sha256(p)
    assert r.sha256 == file_sha256(tmp_path / "model.pt")
    model = load_trained(tmp_path / "model.pt")
    assert _same_weights(model.network, r.network)
    # corrupt the newest checkpoint: flip one byte in the middle
    data = bytearray(ckpts[-1].read_bytes())
    data[len(data) // 2] ^= 0xFF
    ckpts[-1].write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_verified(ckpts[-1])
    with pytest.raises(CheckpointError, match="corrupt"):
        train(cfg, tmp_path, resume=True, progress=False)
    ckpts[-1].with_suffix(".json").unlink()
    with pytest.raises(CheckpointError, match="no hash record"):
        load_verified(ckpts[-1])


# ------------------------------------------------------------------------------------ image folders
def test_image_folder_training_and_trained_model(tmp_path):
    root = _write_folder(tmp_path / "bars")
    cfg = VentralTrainConfig(dataset=str(root), n_train=None, epochs=3, batch_size=8, arch="plain8_w8",
                             image_size=16, val_fraction=0.25)
    r = train(cfg, tmp_path / "run", progress=False)
    assert r.classes == ["bars_h", "bars_v"] and r.history["test_accuracy"]
    assert np.mean(r.history["step_loss"][-3:]) < np.mean(r.history["step_loss"][:3])
    model = load_trained(tmp_path / "run" / "model.pt")
    x = model.preprocess(np.zeros((2, 40, 30, 3), np.uint8))
    assert x.shape == (2, 1, 16, 16)  # grayscale folder -> 1-channel network
    assert model.network(x).shape == (2, 2)


def test_missing_or_empty_folders_are_clear_errors(tmp_path):
    with pytest.raises(TrainingDataError, match="does not exist"):
        load_image_folder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainingDataError, match="no class sub-folders"):
        load_image_folder(tmp_path / "empty")
    loose = tmp_path / "loose"
    loose.mkdir()
    Image.new("L", (8, 8)).save(loose / "a.png")
    with pytest.raises(TrainingDataError, match="no class sub-folders.*a.png"):
        load_image_folder(loose)
    root = _write_folder(tmp_path / "bars", n=3)
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("not an image")
    with pytest.raises(TrainingDataError, match=r"class folder .*notes contains no images.*readme.txt"):
        load_image_folder(root)
    with pytest.raises(TrainingDataError, match="unknown dataset"):
        train(VentralTrainConfig(dataset="imagenet", **TINY), progress=False)


def test_non_image_files_skipped_with_warning_and_corrupt_image_is_an_error(tmp_path):
    root = _write_folder(tmp_path / "bars", n=3)
    (root / "bars_h" / "labels.csv").write_text("a,b\n")
    (root / "bars_h" / ".DS_Store").write_bytes(b"\x00")  # hidden: ignored silently
    with pytest.warns(UserWarning, match=r"skipping 1 non-image file.*labels.csv"):
        x, y, classes, files = load_image_folder(root, image_size=8)
    assert x.shape == (6, 8, 8, 1) and list(y) == [0, 0, 0, 1, 1, 1] and classes == ["bars_h", "bars_v"]
    (root / "bars_h" / "labels.csv").unlink()
    (root / "bars_v" / "broken.png").write_bytes(b"this is not a png")
    with pytest.raises(TrainingDataError, match=r"cannot read image .*broken.png"):
        load_image_folder(root)


def test_grayscale_rgb_mix_conversion_is_documented_and_strict_refuses(tmp_path):
    root = _write_folder(tmp_path / "mix", n=3)
    Image.fromarray(np.full((16, 16, 3), (200, 10, 10), np.uint8)).save(root / "bars_v" / "red.png")
    with pytest.raises(TrainingDataError, match=r"mixes 6 grayscale and 1 colour.*red.png"):
        load_image_folder(root, color="strict")
    with pytest.warns(UserWarning, match="converted to RGB by replicating"):
        x, *_ = load_image_folder(root, image_size=16, color="auto")
    assert x.shape == (7, 16, 16, 3)
    assert (x[0, ..., 0] == x[0, ..., 1]).all() and (x[0, ..., 1] == x[0, ..., 2]).all()  # gray replicated
    g, *_ = load_image_folder(root, image_size=16, color="gray")
    assert g.shape == (7, 16, 16, 1)
    assert g[-1, 0, 0, 0] == round(0.299 * 200 + 0.587 * 10 + 0.114 * 10)  # ITU-R 601-2 luma
    gray_only, *_ = load_image_folder(_write_folder(tmp_path / "gray", n=2), image_size=16)
    assert gray_only.shape[-1] == 1


def test_cli_train_ventral(tmp_path, capsys):
    root = _write_folder(tmp_path / "bars", n=6, mode="RGB")
    parser = build_parser()
    args = parser.parse_args(["train", "ventral", "--dataset", str(root), "--arch", "plain8_w8", "--epochs", "1",
                              "--batch-size", "4", "--image-size", "16", "--optimizer", "adamw",
                              "--weight-decay", "0.01", "--seed", "1", "--out", str(tmp_path / "run"),
                              "--n-train", "0", "--no-progress"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["steps"] == 3 and os.path.exists(out["model"])
    record = json.loads((tmp_path / "run" / "model.json").read_text())
    assert record["in_channels"] == 3 and record["config"]["optimizer"] == "adamw"
    assert record["command"].startswith("neurovision train ventral --dataset")


def test_architectures_build_and_separable_is_cheaper():
    x = torch.zeros(2, 1, 28, 28)
    for arch in ["cornet_mini", "standard", "separable", "plain8", "residual8_w8"]:
        assert small_convnets.build(arch)(x).shape == (2, 10)
    std, sep = small_convnets.build("standard"), small_convnets.build("separable")
    assert small_convnets.count_parameters(std) > 6 * small_convnets.count_parameters(sep)
    assert small_convnets.build("plain20").depth == small_convnets.build("residual20").depth == 20
    with pytest.raises(ValueError, match="unknown architecture"):
        small_convnets.build("plain21")
