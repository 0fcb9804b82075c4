"""The ``neurovision`` command: thin — parses arguments, calls the API, prints."""
from __future__ import annotations

import argparse
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
    results = []
    for bench in benchmarks:
        if args.layer == "all":
            scores = bench.score_layers(model, n_boot=args.n_boot, seed=args.seed, cache=not args.no_cache)
        else:
            scores = [bench(model, layer=args.layer, n_boot=args.n_boot, seed=args.seed, cache=not args.no_cache)]
        results.extend(scores)
        if len(names) == 1 and len(scores) == 1:
            print(scores[0].summary())
    if len(results) > 1:
        print(f"{'benchmark':<28} {'layer':<22} {'raw':>7} {'CI low':>7} {'CI high':>7} {'ceil lo':>7} {'ceil up':>7} {'ceiled':>7}")
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


def _cmd_train_tracker(args) -> int:
    from .training.tracker import main as train_tracker
    return train_tracker(args.tracker_args, prog="neurovision train tracker")


def _add_train_tracker_parser(train: argparse.ArgumentParser) -> None:
    """Add ``neurovision train tracker`` to the ``train`` parser (all options are forwarded verbatim to
    ``python -m neurovision.training.tracker``; ``neurovision train tracker --help`` lists them)."""
    train_sub = next(a for a in train._actions if isinstance(a, argparse._SubParsersAction))
    tt = train_sub.add_parser(
        "tracker", add_help=False, prefix_chars="+",
        help="train the dorsal tracker (options as `python -m neurovision.training.tracker --help`)")
    tt.add_argument("tracker_args", nargs=argparse.REMAINDER)
    tt.set_defaults(func=_cmd_train_tracker)


def _cmd_figures(args) -> int:
    from .figures import make_figures
    for path in make_figures(Path(args.out), model=args.model, n_boot=args.n_boot, seed=args.seed):
        print(f"wrote {path}")
    return 0


def _cmd_commit(args) -> int:
    from .models.commitment import a_priori, select_commitment, write_commitment
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neurovision", description="Score models against brain and behavioural data.")
    p.add_argument("--version", action="version", version=f"neurovision {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    ls = sub.add_parser("list", help="list registered models, benchmarks or datasets")
    ls.add_argument("what", choices=["models", "benchmarks", "datasets"])
    ls.set_defaults(func=_cmd_list)

    data = sub.add_parser("data", help="data files: verify presence and sha256")
    data_sub = data.add_subparsers(dest="action", required=True)
    verify = data_sub.add_parser("verify", help="check every registered file and print a table")
    verify.add_argument("datasets", nargs="*", help="dataset names (default: all)")
    verify.add_argument("--download", action="store_true", help="download files missing locally")
    verify.set_defaults(func=_cmd_data)

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
    sc.add_argument("--no-cache", action="store_true",
                    help="neither read nor write cached results (model RDMs, predictions, scores)")
    sc.set_defaults(func=_cmd_score)

    fig = sub.add_parser("figures", help="regenerate the figures")
    fig.add_argument("--out", default="figures")
    fig.add_argument("--model", default="mobilenet_v1")
    fig.add_argument("--n-boot", type=int, default=1000)
    fig.add_argument("--seed", type=int, default=0)
    fig.set_defaults(func=_cmd_figures)

    cm = sub.add_parser("commit", help="choose and store a model's layer → region commitment (JSON)")
    cm.add_argument("model", help="registered model name, or 'all'")
    cm.add_argument("--a-priori", action="store_true", help="store the built-in depth-based map instead")
    cm.add_argument("--out", default=None, help="folder for the JSON (default: neurovision/models/commitments)")
    cm.set_defaults(func=_cmd_commit)

    from .sweep import add_sweep_parser
    add_sweep_parser(sub)

    from .training.ventral import add_train_parser
    train = add_train_parser(sub)  # `train ventral` (and the `train` group other trainers join)
    _add_train_tracker_parser(train)  # `train tracker`

    ca = sub.add_parser("cache", help="show or clear the cache directory")
    ca.add_argument("action", choices=["info", "clear"])
    from .cache import KINDS
    ca.add_argument("--kind", default=None, choices=KINDS, help="only this sub-folder")
    ca.set_defaults(func=_cmd_cache)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import NeurovisionError
    try:
        return args.func(args)
    except (NeurovisionError, ValueError) as err:
        print(f"neurovision: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
