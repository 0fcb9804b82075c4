"""The ``neurovision`` command: thin — parses arguments, calls the API, prints.

Every sub-command's arguments are defined here, one ``_add_<command>`` function each, and run by a
``_cmd_<command>`` function that calls plain functions of the package::

    neurovision list       _add_list            → registries
    neurovision data       _add_data            → neurovision.data.registry.verify
    neurovision score      _add_score           → Benchmark.__call__ / score_layers
    neurovision figures    _add_figures         → neurovision.figures.make_figures
    neurovision commit     _add_commit          → neurovision.analysis.commitment_selection.select_commitment,
                                                 neurovision.models.commitment.write_commitment
    neurovision sweep      _add_sweep           → neurovision.sweep.sweep
    neurovision train      _add_train
        ventral            _add_train_ventral   → neurovision.training.ventral.train
        tracker            _add_train_tracker   → neurovision.training.tracker.train,
                                                 neurovision.analysis.tracker_evaluation.evaluate_tracker
    neurovision cache      _add_cache           → neurovision.cache.info / clear

``python -m neurovision.training.tracker ...`` is ``neurovision train tracker ...``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__


def _cmd_list(args) -> int:
    if args.what == "models":
        from .models.registry import model_names
        names = model_names()
    elif args.what == "benchmarks":
        from .benchmarks.registry import benchmark_names
        names = benchmark_names()
    else:
        from .data.registry import DATASETS
        names = DATASETS
    for name in sorted(names):
        print(name)
    if args.what == "models":
        from .models.ventral import timm_zoo, torchvision_zoo
        tv = torchvision_zoo.classification_architectures()
        print(f"\nalso accepted with --weights FILE (or --untrained): {len(tv)} torchvision classification "
              f"architectures ({', '.join(tv[:6])}, ...)", end="")
        if timm_zoo.available():
            print(f" and timm:<arch> for {len(timm_zoo.architectures())} timm architectures (e.g. timm:resnet18)")
        else:
            print("; timm:<arch> with the extra neurovision[timm]")
    return 0


def _cmd_data(args) -> int:
    from .data.registry import mirror_root, verify
    print(f"mirror (NEUROVISION_DATA): {mirror_root() or 'not set'}")
    rows = list(verify(args.datasets or None, download=args.download))
    width = max(len(f"{d}/{p}") for d, p, _, _ in rows)
    print(f"{'file':<{width}}  status    location")
    for dataset, path, status, loc in rows:
        print(f"{dataset + '/' + path:<{width}}  {status:<8}  {loc}")
    bad = [r for r in rows if r[2] != "ok"]
    print(f"{len(rows) - len(bad)}/{len(rows)} files ok")
    return 1 if bad else 0


def _cmd_score(args) -> int:
    from . import load_benchmark, load_model
    from .benchmarks.registry import benchmark_names
    from .scores import scores_to_json

    names = benchmark_names() if args.benchmark == "all" else [args.benchmark]
    benchmarks = [load_benchmark(name) for name in names]  # fails fast on unknown names
    model = load_model(args.model, weights=args.weights, untrained=args.untrained, drop_head=args.drop_head)
    if args.benchmark == "all":  # only the benchmarks of regions the model is committed to (ventral vs dorsal)
        keep = [b.region in model.region_layer_map for b in benchmarks]
        skipped = sorted({b.region for b, k in zip(benchmarks, keep) if not k})
        if skipped:
            print(f"skipping benchmarks of region(s) {', '.join(skipped)}: {args.model} has no commitment for them")
        names = [n for n, k in zip(names, keep) if k]
        benchmarks = [b for b, k in zip(benchmarks, keep) if k]
        if not benchmarks:
            raise ValueError(f"no registered benchmark matches the regions of {args.model} "
                             f"({', '.join(model.region_layer_map) or 'none'})")
    if args.sessions:
        import dataclasses
        with_sessions = [b for b in benchmarks if hasattr(b, "sessions")]
        if not with_sessions:
            raise ValueError(f"--sessions applies to benchmarks with recording sessions (cowley2023.*); "
                             f"{', '.join(names)} have none")
        benchmarks = [dataclasses.replace(b, sessions=tuple(args.sessions)) if hasattr(b, "sessions") else b
                      for b in benchmarks]
    results = []
    from .progress import bar
    bench_bar = bar(benchmarks, desc=f"{args.model}: benchmarks", unit="benchmark", delay=0,
                    disable=len(benchmarks) == 1)
    for bench in bench_bar:
        bench_bar.set_postfix_str(bench.identifier)  # which benchmark the bars below belong to
        if args.layer == "all":
            scores = bench.score_layers(model, n_boot=args.n_boot, seed=args.seed, cache=not args.no_cache,
                                        progress=not args.quiet, device=args.device)
        else:
            scores = [bench(model, layer=args.layer, n_boot=args.n_boot, seed=args.seed, cache=not args.no_cache,
                            progress=not args.quiet, device=args.device)]
        results.extend(scores)
        if len(names) == 1 and len(scores) == 1:
            print(scores[0].summary())
    if len(results) > 1:
        print(f"{'benchmark':<28} {'layer':<22} {'raw':>7} {'CI low':>7} {'CI high':>7} {'ceil lo':>7} "
              f"{'ceil up':>7} {'ceiled':>7}")
        fmt = lambda v: f"{v:7.3f}" if v is not None else f"{'—':>7}"  # noqa: E731
        for s in results:
            print(f"{s.benchmark:<28} {s.layer:<22} {fmt(s.raw)} {fmt(s.ci_low)} {fmt(s.ci_high)} "
                  f"{fmt(s.ceiling_lower)} {fmt(s.ceiling_upper)} {fmt(s.ceiled)}")
    if args.netcdf:
        from .scores import scores_to_netcdf
        for bench_name in dict.fromkeys(s.benchmark for s in results):
            rows = [s for s in results if s.benchmark == bench_name]
            path = args.netcdf if len(names) == 1 else str(Path(args.netcdf).with_suffix("")) + f".{bench_name}.nc"
            print(f"wrote {scores_to_netcdf(rows, path)}")
    if args.json:
        single = len(results) == 1 and args.layer != "all" and args.benchmark != "all"
        path = scores_to_json(results[0] if single else results, args.json)
        print(f"wrote {path}")
    return 0


def _cmd_figures(args) -> int:
    from .figures import make_figures
    for path in make_figures(Path(args.out), model=args.model, n_boot=args.n_boot, seed=args.seed):
        print(f"wrote {path}")
    return 0


def _cmd_report(args) -> int:
    from .report import write_report
    index = write_report(args.models, args.out, benchmarks=args.benchmarks, n_boot=args.n_boot, seed=args.seed,
                         profiles=not args.no_profiles, progress=not args.quiet)
    print(f"wrote {index} (one page per model under {index.parent}/)")
    return 0


def _cmd_commit(args) -> int:
    from .analysis.commitment_selection import select_commitment
    from .models.commitment import a_priori, write_commitment
    from .models.registry import MODELS
    from .models.registry import load_model as _load_raw
    names = sorted(MODELS) if args.model == "all" else [args.model]
    for name in names:
        if name not in MODELS:
            _load_raw(name)  # raises the clear unknown-name error
        model = MODELS[name]()
        record = a_priori(model) if args.a_priori else select_commitment(model)
        path = write_commitment(record, Path(args.out) if args.out else None)
        print(f"{name}: {record['region_layer_map']}  ({record['procedure'].split(':')[0]}) -> {path}")
    return 0


def _cmd_cache(args) -> int:
    from . import cache
    if args.action == "clear":
        print(f"cleared {cache.clear(args.kind)}")
        return 0
    info = cache.info(args.kind)
    print(f"cache: {info['root']}  (set NEUROVISION_CACHE to move it)")
    for kind, d in info["kinds"].items():
        print(f"  {kind:<10} {d['files']:6d} files  {d['bytes'] / 1e6:9.1f} MB")
    return 0


def _cmd_sweep(args) -> int:
    from .sweep import SweepError, format_table, sweep
    try:
        table = sweep(args.models, args.benchmarks, n_boot=args.n_boot, seed=args.seed,
                      scheduler=args.scheduler, n_workers=args.n_workers, out=args.out)
    except SweepError as err:
        print(format_table(err.table))
        print(f"neurovision: error: {err}")
        return 1
    print(format_table(table))
    return 0


def train_ventral_config(args: argparse.Namespace):
    """The :class:`neurovision.training.ventral.VentralTrainConfig` a parsed ``neurovision train ventral`` command
    line stands for (``--n-train 0``: all images; ``--n-test -1``: all test images)."""
    from .training.ventral import VentralTrainConfig
    return VentralTrainConfig(dataset=args.dataset, arch=args.arch, optimizer=args.optimizer, lr=args.lr,
                              weight_decay=args.weight_decay, epochs=args.epochs, batch_size=args.batch_size,
                              seed=args.seed, n_train=args.n_train or None,
                              n_test=None if args.n_test < 0 else args.n_test, val_fraction=args.val_fraction,
                              image_size=args.image_size, color=args.color, checkpoint_every=args.checkpoint_every,
                              threads=args.threads)


def _cmd_train_ventral(args) -> int:
    from .training.ventral import cli_args, train
    cfg = train_ventral_config(args)
    command = " ".join(["neurovision", "train", "ventral"] + cli_args(cfg, args.out))
    result = train(cfg, args.out, resume=args.resume, progress=not args.no_progress, command=command)
    h = result.history
    print(json.dumps({"model": str(result.model_path), "sha256": result.sha256, "steps": result.steps,
                      "epochs": result.epochs_done, "train_seconds": round(result.train_seconds, 1),
                      "epoch_train_loss": [round(v, 4) for v in h["epoch_train_loss"]],
                      "test_accuracy": [round(v, 4) for v in h["test_accuracy"]]}, indent=1))
    return 0


def train_tracker_config(args: argparse.Namespace):
    """The :class:`neurovision.training.tracker.TrackerTrainConfig` a parsed ``neurovision train tracker`` command
    line stands for (options not on the command line keep the config's defaults)."""
    from .training.tracker import TrackerTrainConfig
    return TrackerTrainConfig(task=args.task, delay_ms=args.delay_ms, steps=args.steps, batch=args.batch,
                              seed=args.seed, lr=args.lr, threads=args.threads, n_frames=args.n_frames,
                              p_flash=args.p_flash, p_flash_aligned=args.p_flash_aligned,
                              flash_frame_weight=args.flash_frame_weight, flash_loss_weight=args.flash_loss_weight,
                              flash_hidden=args.flash_hidden, locator=args.locator,
                              locator_loss_weight=args.locator_loss_weight, core_embed=not args.core_locator_only)


def _tracker_command(cfg, args: argparse.Namespace) -> str:
    """The command recorded in the checkpoint's JSON: the options that reproduce ``cfg`` (``--stop-after`` and
    ``--threads`` when given), spelled as ``python -m neurovision.training.tracker``."""
    from .training.tracker import cli_args
    command = "python -m neurovision.training.tracker " + " ".join(cli_args(cfg, Path(args.out)))
    if args.stop_after is not None:
        command += f" --stop-after {args.stop_after}"
    if args.threads:
        command += f" --threads {args.threads}"
    return command


def _cmd_train_tracker(args) -> int:
    from .analysis.tracker_evaluation import evaluate_tracker
    from .training.tracker import train
    cfg = train_tracker_config(args)
    model, info = train(cfg, args.out, resume=not args.no_resume, command=_tracker_command(cfg, args),
                        stop_after=args.stop_after,
                        max_seconds=None if args.max_minutes is None else 60 * args.max_minutes)
    print(json.dumps({k: v for k, v in info.items()}, indent=1, default=str))
    if not args.no_eval:
        print(evaluate_tracker(model))
    return 0


# ------------------------------------------------------------------------------------------- parsers
def _add_list(sub) -> None:
    """``neurovision list models|benchmarks|datasets``."""
    ls = sub.add_parser("list", help="list registered models, benchmarks or datasets")
    ls.add_argument("what", choices=["models", "benchmarks", "datasets"], help="what to list")
    ls.set_defaults(func=_cmd_list)


def _add_data(sub) -> None:
    """``neurovision data verify [DATASET ...] [--download]``."""
    data = sub.add_parser("data", help="data files: verify presence and sha256")
    data_sub = data.add_subparsers(dest="action", required=True)
    verify = data_sub.add_parser("verify", help="check every registered file and print a table")
    verify.add_argument("datasets", nargs="*", help="dataset names (default: all)")
    verify.add_argument("--download", action="store_true", help="download files missing locally")
    verify.set_defaults(func=_cmd_data)


def _add_score(sub) -> None:
    """``neurovision score MODEL BENCHMARK|all [...]``."""
    sc = sub.add_parser("score", help="score MODEL on BENCHMARK (or 'all')")
    sc.add_argument("model", help="a registered model (`neurovision list models`, plugins included) or a "
                    "torchvision architecture name")
    sc.add_argument("benchmark", help="a registered benchmark (`neurovision list benchmarks`), or 'all'")
    sc.add_argument("--layer", default=None, help="layer name, or 'all' for the per-layer profile "
                    "(default: the model's committed layer for the benchmark's region)")
    sc.add_argument("--weights", default=None, help="state-dict file for a torchvision architecture given by "
                    "name (e.g. resnet18) or a timm one (timm:ARCH); required unless --untrained")
    sc.add_argument("--untrained", action="store_true", help="score the architecture with its seeded random "
                    "initialisation instead of a weights file (identifier NAME@untrained-seed0)")
    sc.add_argument("--drop-head", action="store_true", help="drop the classifier-head keys of --weights that "
                    "do not fit the architecture (e.g. a 10-class fc) and score the layers before it")
    sc.add_argument("--json", default=None, help="write the score(s) as JSON to this path")
    sc.add_argument("--netcdf", default=None, help="write the per-layer scores as netCDF to this path")
    sc.add_argument("--n-boot", type=int, default=1000,
                    help="bootstrap resamples over stimuli (default 1000; 0: no confidence interval)")
    sc.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resamples")
    sc.add_argument("--sessions", nargs="+", default=None, metavar="SESSION",
                    help="score the session-based benchmarks (cowley2023.*) on these recording sessions only "
                    "(default: all; e.g. --sessions 210325)")
    sc.add_argument("--quiet", action="store_true", help="no progress bars")
    sc.add_argument("--device", default=None, help="torch device of the model's forward passes: cpu, cuda, cuda:1, "
                    "mps (default: where the model is, the CPU)")
    sc.add_argument("--no-cache", action="store_true",
                    help="neither read nor write cached results (model RDMs, predictions, scores)")
    sc.set_defaults(func=_cmd_score)


def _add_figures(sub) -> None:
    """``neurovision figures [--out DIR] [--model NAME] [--n-boot N] [--seed S]``."""
    fig = sub.add_parser("figures", help="regenerate the figures")
    fig.add_argument("--out", default="figures", help="output folder (default: figures)")
    fig.add_argument("--model", default="mobilenet_v1", help="registered model to draw (default: mobilenet_v1)")
    fig.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of every score (default 1000)")
    fig.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resamples")
    fig.add_argument("--quiet", action="store_true", help="no progress bars")
    fig.set_defaults(func=_cmd_figures)


def _add_report(sub) -> None:
    """``neurovision report MODEL [MODEL ...] [--out DIR] [--benchmarks ...] [--n-boot N] [--seed S]``."""
    rp = sub.add_parser("report", help="an HTML report page per model (scores, CIs, ceilings, layer profiles, RDMs, "
                        "dorsal figures, provenance) and a side-by-side page")
    rp.add_argument("models", nargs="+", help="registered model names (`neurovision list models`)")
    rp.add_argument("--out", default="report", help="output folder (default: report); pages <out>/<model>/index.html")
    rp.add_argument("--benchmarks", nargs="*", default=None,
                    help="benchmark identifiers (default: every benchmark of the regions the model is committed to)")
    rp.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of every score (default 1000)")
    rp.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resamples")
    rp.add_argument("--no-profiles", action="store_true", help="skip the per-layer profiles of the RSA benchmarks")
    rp.add_argument("--quiet", action="store_true", help="no progress bars")
    rp.set_defaults(func=_cmd_report)


def _add_commit(sub) -> None:
    """``neurovision commit MODEL|all [--a-priori] [--out DIR]``."""
    cm = sub.add_parser("commit", help="choose and store a model's layer → region commitment (JSON)")
    cm.add_argument("model", help="registered model name, or 'all'")
    cm.add_argument("--a-priori", action="store_true", help="store the built-in depth-based map instead")
    cm.add_argument("--out", default=None, help="folder for the JSON (default: neurovision/models/commitments)")
    cm.set_defaults(func=_cmd_commit)


def _add_sweep(sub) -> None:
    """``neurovision sweep MODELS BENCHMARKS [...]`` (:func:`neurovision.sweep.sweep`)."""
    p = sub.add_parser("sweep", help="score every model × benchmark pair on a dask cluster",
                       description="Score every model × benchmark pair on a dask.distributed cluster "
                                   "(a local one unless --scheduler is given). Finished jobs are kept "
                                   "on disk, so a rerun runs only the missing ones.")
    p.add_argument("models", help="comma-separated model names")
    p.add_argument("benchmarks", help="comma-separated benchmark names")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing dask scheduler (default: start a local cluster)")
    p.add_argument("--n-workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples over stimuli (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resamples")
    p.add_argument("--out", default=None, help="folder for the per-job result files "
                   "(default: <cache>/results/sweeps/<key>)")
    p.set_defaults(func=_cmd_sweep)


def _add_train_ventral(train_sub) -> None:
    """``neurovision train ventral [...]`` (:func:`neurovision.training.ventral.train`)."""
    from .models.ventral.small_convnets import ARCHITECTURES
    from .training.ventral import COLOR_MODES, OPTIMIZERS, VentralTrainConfig
    d = VentralTrainConfig()
    v = train_sub.add_parser("ventral", help="train a small ventral network on Fashion-MNIST or an image folder",
                             description="Train a small ventral-stream network on Fashion-MNIST or an image "
                                         "folder (see neurovision.training.ventral).")
    v.add_argument("--dataset", default=d.dataset, help="'fashion_mnist' or a folder <root>/<class>/<image>")
    v.add_argument("--arch", default=d.arch, help=f"architecture: {', '.join(ARCHITECTURES)}, "
                   "or plain<D>/residual<D> (D = 2 + 6b)")
    v.add_argument("--optimizer", default=d.optimizer, choices=OPTIMIZERS,
                   help="sgd (momentum 0.9, coupled weight decay) or adamw (decoupled weight decay)")
    v.add_argument("--lr", type=float, default=None, help="learning rate (default 0.05 sgd, 2e-3 adamw)")
    v.add_argument("--weight-decay", type=float, default=d.weight_decay,
                   help=f"weight decay λ on every parameter (default {d.weight_decay:g})")
    v.add_argument("--epochs", type=int, default=d.epochs, help=f"passes over the training images (default {d.epochs})")
    v.add_argument("--batch-size", type=int, default=d.batch_size,
                   help=f"images per mini-batch, >= 2 (default {d.batch_size})")
    v.add_argument("--seed", type=int, default=d.seed, help="seed of the initial weights and the batch order")
    v.add_argument("--n-train", type=int, default=d.n_train, help="first N training images (0: all)")
    v.add_argument("--n-test", type=int, default=d.n_test, help="fashion_mnist: first N test images (-1: all, 0: none)")
    v.add_argument("--val-fraction", type=float, default=0.0, help="image folders: held-out share as test set")
    v.add_argument("--image-size", type=int, default=d.image_size, help="image folders: resize to SxS")
    v.add_argument("--color", default=d.color, choices=COLOR_MODES,
                   help="image folders: grayscale/RGB handling (auto: gray if all gray, else RGB)")
    v.add_argument("--checkpoint-every", type=int, default=0, help="steps between extra checkpoints")
    v.add_argument("--threads", type=int, default=0, help="torch threads (0: leave torch's default)")
    v.add_argument("--out", required=True, help="output folder (checkpoints, model.pt, model.json)")
    v.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    v.add_argument("--no-progress", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_train_ventral)


def _add_train_tracker(train_sub) -> None:
    """``neurovision train tracker [...]`` (:func:`neurovision.training.tracker.train`; also
    ``python -m neurovision.training.tracker [...]``)."""
    from .training.tracker import TASKS, TrackerTrainConfig
    d = TrackerTrainConfig()
    p = train_sub.add_parser("tracker", help="train the dorsal tracker on random motion scenes",
                             description="Train the dorsal tracker on random motion scenes, then evaluate it "
                                         "(see neurovision.training.tracker).")
    p.add_argument("--task", default=d.task, choices=TASKS,
                   help="tracking, occlusion, compensated (delayed input, target now) or control (delayed input, "
                        f"delayed target); default {d.task}")
    p.add_argument("--delay-ms", type=float, default=d.delay_ms,
                   help=f"input delay in ms, a whole number of 10-ms frames (default {d.delay_ms:g})")
    p.add_argument("--steps", type=int, default=d.steps,
                   help=f"optimiser steps of the cosine learning-rate schedule (default {d.steps})")
    p.add_argument("--batch", type=int, default=d.batch, help=f"clips per step (default {d.batch})")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the initial weights and the batches")
    p.add_argument("--lr", type=float, default=d.lr, help=f"initial Adam learning rate (default {d.lr:g})")
    p.add_argument("--threads", type=int, default=d.threads, help="torch threads (0: leave torch's default)")
    p.add_argument("--n-frames", type=int, default=d.n_frames, help="frames per training clip (10 ms each)")
    p.add_argument("--p-flash", type=float, default=d.p_flash, help="probability that a clip has flashes")
    p.add_argument("--p-flash-aligned", type=float, default=d.p_flash_aligned,
                   help="share of near-path flashes placed as in flash-lag displays")
    p.add_argument("--flash-frame-weight", type=float, default=d.flash_frame_weight,
                   help="weight of the position loss on frames where a flash is reported")
    p.add_argument("--flash-loss-weight", type=float, default=d.flash_loss_weight,
                   help="weight of the flash-position error in the loss")
    p.add_argument("--flash-hidden", type=int, default=d.flash_hidden,
                   help="units of a separate GRU for the flash readouts (0: flash readouts share the target's core)")
    p.add_argument("--locator", type=int, default=d.locator,
                   help="channels of a stride-2 target map whose soft-argmax feeds the core (0: none)")
    p.add_argument("--locator-loss-weight", type=float, default=d.locator_loss_weight,
                   help="weight of the locator's position error in the loss")
    p.add_argument("--core-locator-only", action="store_true",
                   help="the target core sees only the locator's position and confidence, not the frame embedding")
    p.add_argument("--no-eval", action="store_true", help="skip the evaluation after training")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="wall-clock budget; stops early and records the equivalent --stop-after in the JSON")
    p.add_argument("--out", required=True, help="checkpoint path (.pt); the JSON and the resumable state file "
                   "(<out>.state.pt) are written beside it")
    p.add_argument("--no-resume", action="store_true", help="start afresh even if <out>.state.pt exists")
    p.add_argument("--stop-after", type=int, default=None,
                   help="stop after this many steps of the --steps schedule (reproducible early stop)")
    p.set_defaults(func=_cmd_train_tracker)


def _add_train(sub) -> None:
    """``neurovision train ventral|tracker [...]``."""
    tr = sub.add_parser("train", help="train models")
    train_sub = tr.add_subparsers(dest="train_what", required=True)
    _add_train_ventral(train_sub)
    _add_train_tracker(train_sub)


def _add_cache(sub) -> None:
    """``neurovision cache info|clear [--kind data|weights|results]``."""
    from .cache import KINDS
    ca = sub.add_parser("cache", help="show or clear the cache directory")
    ca.add_argument("action", choices=["info", "clear"], help="info: files and sizes per kind; clear: delete")
    ca.add_argument("--kind", default=None, choices=KINDS, help="only this sub-folder")
    ca.set_defaults(func=_cmd_cache)


def build_parser() -> argparse.ArgumentParser:
    """The ``neurovision`` argument parser: one sub-command per ``_add_*`` function of this module."""
    p = argparse.ArgumentParser(prog="neurovision", description="Score models against brain and behavioural data.")
    p.add_argument("--version", action="version", version=f"neurovision {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for add in (_add_list, _add_data, _add_score, _add_figures, _add_report, _add_commit, _add_sweep, _add_train,
                _add_cache):
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import NeurovisionError
    from .progress import progress
    try:
        with progress(not getattr(args, "quiet", False)):  # --quiet: no progress bar anywhere below
            return args.func(args)
    except (NeurovisionError, ValueError) as err:
        print(f"neurovision: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
