"""Train a small ventral-stream network (``neurovision train ventral``) on Fashion-MNIST or an image folder.

What is trained. An architecture from :mod:`neurovision.models.ventral.small_convnets` (default ``cornet_mini``,
V1 → V2 → V4 → IT) is fitted by minimising the mean cross-entropy of its logits over mini-batches with

* ``sgd``: SGD with momentum 0.9 and *coupled* weight decay — ``λ·w`` is added to the gradient, i.e. the
  penalised objective ``L̄ + (λ/2)||w||²`` (Krogh & Hertz 1992; a Gaussian prior of variance
  ``1/(λN)``, see :mod:`neurovision.training.weight_decay`); or
* ``adamw``: Adam with *decoupled* weight decay, ``w ← w − η·λ·w`` besides the adaptive step (Loshchilov &
  Hutter 2019, "Decoupled weight decay regularization", ICLR).

Weight decay applies to every parameter (convolution and linear weights, biases, BatchNorm scales and
shifts). The learning rate is constant. Inputs are scaled to [0, 1] and standardised with the per-channel
mean and standard deviation of the training images (stored with the weights).

Data (``VentralTrainConfig.dataset``):

* ``"fashion_mnist"`` — the first ``n_train`` training images and the first ``n_test`` test images of
  Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; :mod:`neurovision.data.fashion_mnist`), 1 channel
  (``color="rgb"`` replicates the gray value into 3 channels).
* a folder path — one sub-folder per class (``<root>/<class>/<image>``, nested folders inside a class
  allowed; classes sorted by name → labels 0, 1, …), read with PIL and resized to ``image_size`` ×
  ``image_size`` (bilinear, aspect ratio not kept). :func:`load_image_folder` documents the rules:
  hidden files are ignored; files whose extension is not an image type are *skipped with a warning*
  naming them; a file with an image extension that PIL cannot read is an *error* naming it; a folder
  with no class sub-folders, or a class folder with no images, is an error naming the folder. Colour
  (``color``): ``"auto"`` trains on 1 channel if every image is grayscale and otherwise converts all to RGB
  (grayscale replicated R = G = B, alpha dropped, palette expanded), with a warning when the folder is
  mixed; ``"rgb"`` / ``"gray"`` force one mode (gray = ITU-R 601-2 luma, PIL's ``convert("L")``);
  ``"strict"`` refuses a folder mixing grayscale and colour images, naming examples of each. With
  ``val_fraction > 0`` a seeded, stratified share of each class is held out as the test set.

Determinism. ``torch.manual_seed(seed)`` before the weights are built; the mini-batch order comes from a
``torch.Generator`` seeded with ``seed`` (one permutation per epoch). Same config and seed → bit-identical
weights (on one machine, same thread count). No dropout or augmentation, so nothing else is random.

Checkpoints and resuming. With an output folder ``out``, a checkpoint ``out/ckpt-<step>.pt`` (weights,
optimiser state, epoch, position in the epoch and its permutation, generator and torch RNG states, loss
history) is written at the end of every epoch and every ``checkpoint_every`` steps. Each is written
atomically (temporary file, then rename) and its sha256 is recorded in ``out/ckpt-<step>.json`` written
after it, so a checkpoint without its JSON is an interrupted write and is ignored; the newest
``keep_checkpoints`` are kept. Every load verifies the sha256
(:func:`neurovision.checkpoints.load_verified`; a mismatch raises
:class:`~neurovision.checkpoints.CheckpointError`). ``resume=True`` continues from the newest
checkpoint and ends with the same weights as an uninterrupted run (``epochs`` may be raised to train longer;
other settings must match). The trained network is saved as ``out/model.pt`` with ``out/model.json``
(sha256, config, metrics, command); :func:`neurovision.models.ventral.trained.load_trained` verifies it and returns a
:class:`~neurovision.models.base.Model`.

CPU budget: the defaults (``cornet_mini``, 6,000 Fashion-MNIST images, 1 epoch, batch 64) take about a
minute on 2 cores.

Command line (defined in :mod:`neurovision.cli`; :func:`cli_args` gives the arguments that reproduce a config)::

    neurovision train ventral --dataset fashion_mnist --arch cornet_mini --optimizer sgd \\
        --weight-decay 5e-4 --epochs 1 --n-train 6000 --seed 0 --out runs/cornet_mini
"""
from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..checkpoints import CheckpointError, load_verified, save_verified
from ..errors import NeurovisionError
from ..models.base import Model
from ..models.preprocessing import normalise_
from ..models.ventral import small_convnets
from ..models.ventral.trained import model_from_network

OPTIMIZERS = ("sgd", "adamw")
COLOR_MODES = ("auto", "rgb", "gray", "strict")
DEFAULT_LR = {"sgd": 0.05, "adamw": 2e-3}
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm",
                              ".pgm", ".pbm"})
_GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})
# config fields that may differ between a checkpoint and the run resuming from it
_RESUMABLE_CHANGES = frozenset({"epochs", "checkpoint_every", "keep_checkpoints", "threads"})


class TrainingDataError(NeurovisionError, ValueError):
    """A training dataset that cannot be used (missing folder, no images, unreadable image, colour mix)."""


# ----------------------------------------------------------------------------------------------- config
@dataclass
class VentralTrainConfig:
    """Everything that determines a training run (stored in every checkpoint and in ``model.json``)."""

    dataset: str = "fashion_mnist"  # "fashion_mnist" or a folder <root>/<class>/<image>
    arch: str = "cornet_mini"  # see neurovision.models.ventral.small_convnets.ARCHITECTURES
    optimizer: str = "sgd"  # "sgd" (momentum 0.9, coupled decay) or "adamw" (decoupled decay)
    lr: float | None = None  # None: 0.05 for sgd, 2e-3 for adamw
    weight_decay: float = 5e-4
    momentum: float = 0.9  # sgd only
    epochs: int = 1
    batch_size: int = 64
    seed: int = 0
    n_train: int | None = 6000  # first n training images (None: all)
    n_test: int | None = 2000  # fashion_mnist: first n test images (None: all; 0: no test set)
    val_fraction: float = 0.0  # image folders: stratified held-out share used as the test set
    image_size: int = 28  # image folders are resized to image_size x image_size
    color: str = "auto"  # image folders: auto | rgb | gray | strict (see module doc)
    checkpoint_every: int = 0  # steps between checkpoints besides the end of each epoch (0: epochs only)
    keep_checkpoints: int = 2
    threads: int = 0  # torch.set_num_threads (0: leave as is)

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; use one of {', '.join(OPTIMIZERS)}")
        if self.color not in COLOR_MODES:
            raise ValueError(f"unknown color mode {self.color!r}; use one of {', '.join(COLOR_MODES)}")
        if self.lr is None:
            self.lr = DEFAULT_LR[self.optimizer]
        for name in ("epochs", "batch_size", "image_size", "keep_checkpoints"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1; got {getattr(self, name)}")
        if self.batch_size < 2:
            raise ValueError("batch_size must be >= 2 (BatchNorm needs two samples per batch)")
        if self.lr <= 0 or self.weight_decay < 0:
            raise ValueError(f"need lr > 0 and weight_decay >= 0; got lr={self.lr}, weight_decay={self.weight_decay}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1); got {self.val_fraction}")
        small_convnets.build(self.arch)  # fail fast on an unknown architecture


# ------------------------------------------------------------------------------------------------- data
@dataclass
class TrainingData:
    """Images as uint8 tensors ``(n, C, H, W)``, labels int64 ``(n,)``, class names; optional test split."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: list[str]
    test_images: torch.Tensor | None = None
    test_labels: torch.Tensor | None = None
    source: str = ""

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])


def _image_mode_is_gray(img) -> bool:
    if img.mode == "P":  # palette: gray if every palette entry has R = G = B
        pal = np.asarray(img.getpalette() or [], dtype=np.int64).reshape(-1, 3)
        return bool(len(pal)) and bool((pal[:, 0] == pal[:, 1]).all() and (pal[:, 1] == pal[:, 2]).all())
    return img.mode in _GRAY_MODES


def _examples(paths, k: int = 3) -> str:
    paths = list(paths)
    shown = ", ".join(str(p) for p in paths[:k])
    return shown + (f" (and {len(paths) - k} more)" if len(paths) > k else "")


def load_image_folder(root: str | Path, image_size: int = 28, color: str = "auto"
                      ) -> tuple[np.ndarray, np.ndarray, list[str], list[Path]]:
    """Read ``<root>/<class>/<image>`` into ``images`` uint8 ``(n, S, S, C)``, ``labels``, ``classes``, ``files``.

    ``S = image_size`` (PIL bilinear resize, aspect ratio not kept); ``C`` is 1 or 3 as ``color`` decides
    (see the module docstring). Classes are the sub-folder names, sorted; images within a class are sorted
    by path. Raises :class:`TrainingDataError` naming the problem (missing folder, no class folders, a
    class without images, an unreadable image, a grayscale/colour mix under ``color="strict"``); files
    with a non-image extension are skipped with a :class:`UserWarning` naming them.
    """
    from PIL import Image, UnidentifiedImageError

    if color not in COLOR_MODES:
        raise ValueError(f"unknown color mode {color!r}; use one of {', '.join(COLOR_MODES)}")
    root = Path(root)
    if not root.is_dir():
        raise TrainingDataError(f"image folder {root} does not exist (or is not a folder); expected "
                                "<root>/<class>/<image> or the dataset name 'fashion_mnist'")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    loose = [p for p in root.iterdir() if p.is_file() and not p.name.startswith(".")]
    if not class_dirs:
        raise TrainingDataError(
            f"image folder {root} has no class sub-folders: expected <root>/<class>/<image>"
            + (f"; found {len(loose)} file(s) directly in it: {_examples(loose)}" if loose else " and it is empty"))
    if loose:
        warnings.warn(f"{root}: skipping {len(loose)} file(s) outside the class sub-folders: {_examples(loose)}",
                      stacklevel=2)
    files: list[Path] = []
    labels: list[int] = []
    skipped: list[Path] = []
    for label, cdir in enumerate(class_dirs):
        members = sorted(p for p in cdir.rglob("*") if p.is_file()
                         and not any(part.startswith(".") for part in p.relative_to(cdir).parts))
        images = [p for p in members if p.suffix.lower() in IMAGE_EXTENSIONS]
        skipped += [p for p in members if p.suffix.lower() not in IMAGE_EXTENSIONS]
        if not images:
            raise TrainingDataError(
                f"class folder {cdir} contains no images (looked for {', '.join(sorted(IMAGE_EXTENSIONS))})"
                + (f"; it holds only non-image files: {_examples(members)}" if members else "; it is empty"))
        files += images
        labels += [label] * len(images)
    if len(class_dirs) < 2:
        raise TrainingDataError(f"image folder {root} has a single class ({class_dirs[0].name}); "
                                "classification needs at least 2 class sub-folders")
    if skipped:
        warnings.warn(f"{root}: skipping {len(skipped)} non-image file(s): {_examples(skipped)}", stacklevel=2)

    opened = []
    for path in files:
        try:
            with Image.open(path) as img:
                img.load()
                opened.append(img.copy())
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
            raise TrainingDataError(f"cannot read image {path}: {err}") from err
    gray = [_image_mode_is_gray(img) for img in opened]
    n_gray = sum(gray)
    if color == "strict" and 0 < n_gray < len(opened):
        raise TrainingDataError(
            f"image folder {root} mixes {n_gray} grayscale and {len(opened) - n_gray} colour images "
            f"(grayscale: {_examples(p for p, g in zip(files, gray) if g)}; colour: "
            f"{_examples(p for p, g in zip(files, gray) if not g)}); use color='auto'/'rgb' to replicate "
            "gray into RGB or color='gray' to convert colour to luma")
    mode = {"rgb": "RGB", "gray": "L"}.get(color) or ("L" if n_gray == len(opened) else "RGB")
    if color == "auto" and mode == "RGB" and n_gray:
        warnings.warn(f"{root}: {n_gray} grayscale image(s) among {len(opened)} converted to RGB by replicating "
                      f"the gray value (R = G = B), e.g. {_examples(p for p, g in zip(files, gray) if g)}",
                      stacklevel=2)
    arrays = []
    for img in opened:
        if img.mode in ("I", "I;16", "I;16B", "I;16L", "F") and mode == "L":
            a = np.asarray(img, dtype=np.float64)  # high bit depth gray: rescale its range to 0-255
            img = Image.fromarray(np.clip(a / max(a.max(), 1) * 255, 0, 255).astype(np.uint8))
        img = img.convert(mode).resize((image_size, image_size), Image.BILINEAR)
        a = np.asarray(img, dtype=np.uint8)
        arrays.append(a[..., None] if a.ndim == 2 else a)
    return np.stack(arrays), np.asarray(labels, dtype=np.int64), [d.name for d in class_dirs], files


def _stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        k = int(round(fraction * len(idx)))
        if k >= len(idx):
            k = len(idx) - 1
        test += rng.permutation(idx)[:k].tolist()
    test = np.sort(np.asarray(test, dtype=np.int64))
    train = np.setdiff1d(np.arange(len(labels)), test)
    return train, test


def load_training_data(cfg: VentralTrainConfig) -> TrainingData:
    """The training (and test) images of ``cfg.dataset`` as uint8 ``(n, C, H, W)`` tensors."""
    def chw(a: np.ndarray) -> torch.Tensor:  # (n, H, W, C) -> (n, C, H, W)
        return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))

    if cfg.dataset == "fashion_mnist":
        from ..data import fashion_mnist

        x, y = fashion_mnist.load("train", cfg.n_train)
        reps = 3 if cfg.color == "rgb" else 1
        xt = yt = None
        if cfg.n_test != 0:
            xt, yt = fashion_mnist.load("test", cfg.n_test)
            xt = chw(np.repeat(xt[..., None], reps, -1))
            yt = torch.from_numpy(yt)
        return TrainingData(chw(np.repeat(x[..., None], reps, -1)), torch.from_numpy(y), list(fashion_mnist.CLASSES),
                            xt, yt, source=f"fashion_mnist train[:{len(x)}]")
    root = Path(cfg.dataset)
    if not root.exists() and "/" not in cfg.dataset and "\\" not in cfg.dataset:
        raise TrainingDataError(f"unknown dataset {cfg.dataset!r}: not 'fashion_mnist' and no folder of that name")
    x, y, classes, _ = load_image_folder(root, cfg.image_size, cfg.color)
    xt = yt = None
    if cfg.val_fraction > 0:
        tr, te = _stratified_split(y, cfg.val_fraction, cfg.seed)
        x, y, xt, yt = x[tr], y[tr], chw(x[te]), torch.from_numpy(y[te])
    if cfg.n_train is not None and cfg.n_train < len(x):
        keep = np.sort(np.random.default_rng(cfg.seed).permutation(len(x))[:cfg.n_train])
        x, y = x[keep], y[keep]
    return TrainingData(chw(x), torch.from_numpy(y), classes, xt, yt, source=f"image folder {root} ({len(x)} images)")


def channel_stats(images: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of uint8 images ``(n, C, H, W)`` scaled to [0, 1]."""
    x = images.double() / 255.0
    mean = x.mean(dim=(0, 2, 3))
    std = x.std(dim=(0, 2, 3)).clamp(min=1e-3)
    return mean.tolist(), std.tolist()


def _normalise(images: torch.Tensor, mean, std) -> torch.Tensor:
    """uint8 ``(n, C, H, W)`` → float32 ``(images / 255 − mean) / std`` per channel (a new tensor)."""
    return normalise_(images.to(torch.float32, copy=True), 255.0, mean, std, channel_dim=1)


# ---------------------------------------------------------------------------------------- checkpoints
def _checkpoints(out: Path) -> list[Path]:
    """Complete checkpoints (``.pt`` with its ``.json``) in ``out``, oldest first."""
    return sorted(p for p in out.glob("ckpt-*.pt") if p.with_suffix(".json").is_file())


# --------------------------------------------------------------------------------------------- training
@dataclass
class TrainResult:
    """What :func:`train` returns."""

    network: nn.Module
    config: VentralTrainConfig
    classes: list[str]
    mean: list[float]
    std: list[float]
    history: dict = field(default_factory=dict)  # step_loss, epoch_train_loss, test_accuracy, test_loss
    steps: int = 0
    epochs_done: int = 0
    completed: bool = True  # False when stopped by stop_after_steps
    train_seconds: float = 0.0
    model_path: Path | None = None
    sha256: str | None = None

    @property
    def test_accuracy(self) -> float | None:
        acc = self.history.get("test_accuracy") or []
        return acc[-1] if acc else None

    def as_model(self) -> Model:
        """The trained network as a :class:`~neurovision.models.base.Model` (see
        :func:`neurovision.models.ventral.trained.load_trained`)."""
        return model_from_network(self.network, asdict(self.config), self.classes, self.mean, self.std)


@torch.no_grad()
def evaluate_classifier(network: nn.Module, images: torch.Tensor, labels: torch.Tensor, mean, std,
             batch_size: int = 500) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``network`` (eval mode) on uint8 ``images`` ``(n, C, H, W)``."""
    was_training = network.training
    network.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(images), batch_size):
        logits = network(_normalise(images[i:i + batch_size], mean, std))
        y = labels[i:i + batch_size]
        loss += float(nn.functional.cross_entropy(logits, y, reduction="sum"))
        correct += int((logits.argmax(1) == y).sum())
    network.train(was_training)
    n = max(len(images), 1)
    return loss / n, correct / n


def weight_norm(network: nn.Module) -> float:
    """Euclidean norm of all convolution and linear weights (biases and BatchNorm excluded)."""
    sq = sum(float((m.weight.detach() ** 2).sum()) for m in network.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear)))
    return math.sqrt(sq)


def _make_optimizer(cfg: VentralTrainConfig, params) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def _batches_per_epoch(n: int, batch_size: int) -> int:
    """Batches per epoch; a last batch of a single image is dropped (BatchNorm needs two)."""
    full, rest = divmod(n, batch_size)
    return full + (1 if rest >= 2 else 0)


@dataclass
class _TrainingState:
    """The mutable state of a run — what a checkpoint stores and resuming restores.

    ``epoch``: epochs finished; ``batch``: batches done in the current epoch; ``step``: optimiser steps done in
    all; ``perm``: the current epoch's image order (None between epochs); ``elapsed_s``: seconds trained before
    this process (from a checkpoint).
    """

    network: nn.Module
    optimizer: torch.optim.Optimizer
    shuffle: torch.Generator
    history: dict
    epoch: int = 0
    batch: int = 0
    step: int = 0
    perm: torch.Tensor | None = None
    elapsed_s: float = 0.0


def train(cfg: VentralTrainConfig, out: str | Path | None = None, *, resume: bool = False, progress: bool = True,
          data: TrainingData | None = None, stop_after_steps: int | None = None, record_every: int = 1,
          command: str | None = None) -> TrainResult:
    """Train ``cfg.arch`` on ``cfg.dataset`` (see the module docstring); returns a :class:`TrainResult`.

    ``out``: folder for checkpoints and the final ``model.pt``/``model.json`` (None: nothing written).
    ``resume``: continue from the newest checkpoint in ``out`` (none: start afresh); without it, existing
    checkpoints in ``out`` are deleted first. ``data``: pre-loaded data (else :func:`load_training_data`).
    ``stop_after_steps``: stop (after writing a checkpoint) once this many optimiser steps are done — an
    interruption for testing or time-boxing; the result then has ``completed=False``.
    ``record_every``: also record the weight norm every this many steps in ``history["weight_norm"]``
    (0: never). History: ``step_loss`` (per step, training mode), ``epoch_train_loss``, and per epoch
    ``test_loss`` / ``test_accuracy`` when there is a test set.
    """
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    data = data if data is not None else load_training_data(cfg)
    if len(data.images) < 2:
        raise TrainingDataError(f"{data.source}: need at least 2 training images; got {len(data.images)}")
    mean, std = channel_stats(data.images)
    state = _initial_state(cfg, data)
    out = None if out is None else Path(out)
    if out is not None:
        _prepare_output_folder(state, cfg, data, out, resume)
    state.network.train()
    t0 = time.time() - state.elapsed_s
    completed = _run_epochs(state, cfg, data, mean, std, out, t0, progress=progress,
                            stop_after_steps=stop_after_steps, record_every=record_every)
    state.network.eval()
    result = TrainResult(state.network, cfg, list(data.classes), mean, std, state.history, state.step, state.epoch,
                         completed, time.time() - t0)
    if out is not None and completed:
        _save_trained_model(result, data, out, command)
    return result


def _initial_state(cfg: VentralTrainConfig, data: TrainingData) -> _TrainingState:
    """A fresh run: the network initialised from ``torch.manual_seed(cfg.seed)``, its optimiser, the batch-order
    generator seeded with ``cfg.seed`` and an empty history."""
    torch.manual_seed(cfg.seed)
    network = small_convnets.build(cfg.arch, in_channels=data.channels, num_classes=len(data.classes))
    optimizer = _make_optimizer(cfg, network.parameters())
    shuffle = torch.Generator().manual_seed(cfg.seed)
    history = {"step_loss": [], "epoch_train_loss": [], "test_loss": [], "test_accuracy": [],
               "weight_norm": [], "weight_norm_step": []}
    return _TrainingState(network, optimizer, shuffle, history)


def _prepare_output_folder(state: _TrainingState, cfg: VentralTrainConfig, data: TrainingData, out: Path,
                           resume: bool) -> None:
    """Create ``out``; with ``resume``, restore ``state`` from its newest complete checkpoint (if any), otherwise
    delete every checkpoint in it."""
    out.mkdir(parents=True, exist_ok=True)
    existing = _checkpoints(out)
    if resume and existing:
        _restore_checkpoint(state, cfg, data, existing[-1])
    elif not resume:
        for p in out.glob("ckpt-*"):
            p.unlink()


def _restore_checkpoint(state: _TrainingState, cfg: VentralTrainConfig, data: TrainingData, path: Path) -> None:
    """Load the checkpoint ``path`` (sha256 verified) into ``state``: weights, optimiser, batch-order generator,
    torch RNG, position in the run and history. Raises :class:`CheckpointError` when it does not fit ``cfg`` or
    ``data``."""
    ck = load_verified(path)
    _check_resumable(ck["config"], cfg, path)
    if ck["in_channels"] != data.channels or ck["classes"] != list(data.classes):
        raise CheckpointError(f"{path} was trained on {ck['in_channels']}-channel images of classes "
                              f"{ck['classes']}; the data now give {data.channels} channel(s) and "
                              f"{list(data.classes)}")
    state.network.load_state_dict(ck["state_dict"])
    state.optimizer.load_state_dict(ck["optimizer"])
    state.shuffle.set_state(ck["generator_state"])
    torch.set_rng_state(ck["torch_rng_state"])
    state.epoch, state.batch, state.step, state.elapsed_s = ck["epoch"], ck["batch"], ck["step"], ck["elapsed_s"]
    state.perm = ck["perm"]
    state.history = ck["history"]


def _run_epochs(state: _TrainingState, cfg: VentralTrainConfig, data: TrainingData, mean, std, out: Path | None,
                t0: float, *, progress: bool, stop_after_steps: int | None, record_every: int) -> bool:
    """Train from ``state`` to the end of epoch ``cfg.epochs``, writing checkpoints to ``out``; True when all
    epochs are done, False when ``stop_after_steps`` stopped the run first (after a checkpoint)."""
    per_epoch = _batches_per_epoch(len(data.images), cfg.batch_size)
    bar = tqdm(total=per_epoch * cfg.epochs, initial=state.step, desc=f"train {cfg.arch}", disable=not progress,
               mininterval=1.0, leave=False)

    def checkpoint() -> None:
        if out is not None:
            _write_checkpoint(state, cfg, data, out, time.time() - t0)

    try:
        while state.epoch < cfg.epochs:
            if state.perm is None:
                state.perm = torch.randperm(len(data.images), generator=state.shuffle)
                state.batch = 0
            while state.batch < per_epoch:
                loss = _train_step(state, cfg, data, mean, std)
                _record_step(state, loss, record_every)
                bar.update(1)
                if state.step % 10 == 0:
                    bar.set_postfix(epoch=state.epoch + 1, loss=f"{loss:.3f}")
                mid_epoch = state.batch < per_epoch
                stopping = stop_after_steps is not None and state.step >= stop_after_steps and mid_epoch
                if cfg.checkpoint_every and state.step % cfg.checkpoint_every == 0 and mid_epoch or stopping:
                    checkpoint()
                if stopping:
                    return False
            _finish_epoch(state, data, mean, std, per_epoch)
            checkpoint()
            if stop_after_steps is not None and state.step >= stop_after_steps and state.epoch < cfg.epochs:
                return False
        return True
    finally:
        bar.close()


def _train_step(state: _TrainingState, cfg: VentralTrainConfig, data: TrainingData, mean, std) -> float:
    """One optimiser step on the next mini-batch of the epoch's order: mean cross-entropy of the logits,
    backpropagated; returns that loss."""
    idx = state.perm[state.batch * cfg.batch_size:(state.batch + 1) * cfg.batch_size]
    logits = state.network(_normalise(data.images[idx], mean, std))
    loss = nn.functional.cross_entropy(logits, data.labels[idx])
    state.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    state.optimizer.step()
    state.batch += 1
    state.step += 1
    return loss.item()


def _record_step(state: _TrainingState, loss: float, record_every: int) -> None:
    """Append the step's loss to ``history["step_loss"]``, and the weight norm every ``record_every`` steps."""
    state.history["step_loss"].append(loss)
    if record_every and state.step % record_every == 0:
        state.history["weight_norm"].append(weight_norm(state.network))
        state.history["weight_norm_step"].append(state.step)


def _finish_epoch(state: _TrainingState, data: TrainingData, mean, std, per_epoch: int) -> None:
    """Close an epoch: its mean training loss over its ``per_epoch`` steps, test loss and accuracy (when there
    is a test set) into the history; the epoch counter advances and the next epoch gets a new order."""
    state.history["epoch_train_loss"].append(float(np.mean(state.history["step_loss"][-per_epoch:])))
    if data.test_images is not None and len(data.test_images):
        tl, ta = evaluate_classifier(state.network, data.test_images, data.test_labels, mean, std)
        state.history["test_loss"].append(tl)
        state.history["test_accuracy"].append(ta)
    state.epoch += 1
    state.perm, state.batch = None, 0


def _write_checkpoint(state: _TrainingState, cfg: VentralTrainConfig, data: TrainingData, out: Path,
                      elapsed_s: float) -> None:
    """Write ``out/ckpt-<step>.pt`` (everything needed to resume) with its hash record, then delete all but the
    newest ``cfg.keep_checkpoints`` checkpoints."""
    path = out / f"ckpt-{state.step:07d}.pt"
    save_verified({"config": asdict(cfg), "state_dict": state.network.state_dict(),
                   "optimizer": state.optimizer.state_dict(), "epoch": state.epoch, "batch": state.batch,
                   "step": state.step, "perm": state.perm, "generator_state": state.shuffle.get_state(),
                   "torch_rng_state": torch.get_rng_state(), "history": state.history, "elapsed_s": elapsed_s,
                   "in_channels": data.channels, "classes": list(data.classes)},
                  path, {"epoch": state.epoch, "batch": state.batch, "step": state.step, "config": asdict(cfg)})
    for old in _checkpoints(out)[:-cfg.keep_checkpoints]:
        old.with_suffix(".json").unlink()
        old.unlink()


def _save_trained_model(result: TrainResult, data: TrainingData, out: Path, command: str | None) -> None:
    """Write the trained network as ``out/model.pt`` with ``out/model.json`` (sha256, config, metrics, the
    command that reproduces it); sets ``result.model_path`` and ``result.sha256``."""
    cfg, history = result.config, result.history
    record = {"config": asdict(cfg), "classes": list(data.classes), "in_channels": data.channels,
              "mean": result.mean, "std": result.std, "steps": result.steps, "epochs": result.epochs_done,
              "train_seconds": round(result.train_seconds, 2),
              "final_epoch_train_loss": history["epoch_train_loss"][-1] if history["epoch_train_loss"] else None,
              "test_accuracy": result.test_accuracy, "data": data.source, "torch": torch.__version__,
              "threads": torch.get_num_threads(),
              "command": command or "neurovision train ventral " + " ".join(cli_args(cfg, out))}
    result.model_path = out / "model.pt"
    result.sha256 = save_verified({"config": asdict(cfg), "state_dict": result.network.state_dict(),
                                   "classes": list(data.classes), "in_channels": data.channels,
                                   "mean": result.mean, "std": result.std, "history": history},
                                  result.model_path, record)


def _check_resumable(saved: dict, cfg: VentralTrainConfig, path: Path) -> None:
    now = asdict(cfg)
    diff = [k for k in now if k not in _RESUMABLE_CHANGES and saved.get(k) != now[k]]
    if diff:
        raise CheckpointError(f"cannot resume from {path}: it was written with different settings "
                              + ", ".join(f"{k}={saved.get(k)!r} (now {now[k]!r})" for k in diff)
                              + "; use the same settings or train afresh without --resume")
    if now["epochs"] < saved.get("epochs", 0):
        raise CheckpointError(f"cannot resume from {path} with fewer epochs ({now['epochs']}) than it was "
                              f"started with ({saved['epochs']})")


# ------------------------------------------------------------------------------------------ trained model
# ------------------------------------------------------------------------------------------------- CLI
def cli_args(cfg: VentralTrainConfig, out) -> list[str]:
    """The ``neurovision train ventral`` arguments that reproduce ``cfg``."""
    args = ["--dataset", cfg.dataset, "--arch", cfg.arch, "--optimizer", cfg.optimizer, "--lr", f"{cfg.lr:g}",
            "--weight-decay", f"{cfg.weight_decay:g}", "--epochs", str(cfg.epochs), "--batch-size",
            str(cfg.batch_size), "--seed", str(cfg.seed), "--n-train", str(cfg.n_train or 0), "--n-test",
            str(cfg.n_test if cfg.n_test is not None else -1), "--color", cfg.color, "--image-size",
            str(cfg.image_size)]
    if cfg.val_fraction:
        args += ["--val-fraction", f"{cfg.val_fraction:g}"]
    return args + ["--out", str(out)]


if __name__ == "__main__":  # ``python -m neurovision.training.ventral ventral ...`` = ``neurovision train ventral ...``
    from ..cli import main
    raise SystemExit(main(["train", *sys.argv[1:]]))
