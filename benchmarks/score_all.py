"""Script (not part of the package; the brain benchmarks themselves are ``neurovision.benchmarks``): score every
registered image model on every registered benchmark at its committed layer and write the results table. Run
from the repository root as ``python benchmarks/score_all.py [--models m1 m2 ...] [--benchmarks b1 ...]
[--n-boot 1000] [--out figures]``; it prints one line per model × benchmark (layer, raw and ceiled score,
seconds), the pairs it skips (no commitment for the region) on stderr, and finally the files it wrote.

Writes ``<out>/results.csv``, ``<out>/results.md`` (the README's results table), one layer-profile
figure per model × RSA benchmark, and a model × benchmark heat table of ceiled scores.
Results are cached (see ``neurovision cache info``), so a rerun is quick.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from neurovision.benchmarks.registry import BENCHMARKS, load_benchmark
from neurovision.figures.plotting import plot_heat_table, plot_layer_profile
from neurovision.models.registry import MODELS, load_model

FIELDS = ["model", "benchmark", "layer", "raw", "ci_low", "ci_high", "ceiling_lower", "ceiling_upper", "ceiled",
          "ceiled_ci_low", "ceiled_ci_high"]


def _fmt(v, digits=3):
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="*", default=None)
    p.add_argument("--benchmarks", nargs="*", default=None)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="figures")
    p.add_argument("--cowley-sessions", nargs="*", default=None,
                   help="score the Cowley V4 benchmarks on these sessions only (default: all 12)")
    p.add_argument("--profiles", action="store_true", help="also score every layer and draw layer profiles")
    args = p.parse_args(argv)
    models = args.models or [m for m in sorted(MODELS) if not m.startswith("tracker")]
    benches = args.benchmarks or sorted(BENCHMARKS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for model_name in models:
        model = load_model(model_name)
        for bench_name in benches:
            bench = load_benchmark(bench_name)
            if args.cowley_sessions and bench_name.startswith("cowley2023."):
                bench = dataclasses.replace(bench, sessions=tuple(args.cowley_sessions))
            region = getattr(bench, "region", None)
            if region is not None and region not in model.region_layer_map:
                print(f"skip {model_name} × {bench_name}: no {region} commitment", file=sys.stderr)
                continue
            t0 = time.perf_counter()
            score = bench(model, n_boot=args.n_boot, seed=args.seed)
            rows.append(score)
            print(f"{model_name:<24} {bench_name:<28} {score.layer:<22} raw {_fmt(score.raw)} "
                  f"ceiled {_fmt(score.ceiled)}  ({time.perf_counter() - t0:.1f} s)", flush=True)
            if args.profiles and hasattr(bench, "score_layers"):
                profile = bench.score_layers(model, n_boot=args.n_boot, seed=args.seed)
                plot_layer_profile(profile, path=out / f"{bench_name}_profile_{model_name}.png")
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for s in rows:
            writer.writerow({k: getattr(s, k) for k in FIELDS})
    lines = ["| model | benchmark | layer | raw [95% CI] | ceiling (lower–upper) | ceiled [95% CI] |",
             "|---|---|---|---|---|---|"]
    for s in rows:
        ceiling = "none" if s.ceiling_upper is None else f"{_fmt(s.ceiling_lower)}–{_fmt(s.ceiling_upper)}"
        ceiled = "—" if s.ceiled is None else f"{_fmt(s.ceiled)} [{_fmt(s.ceiled_ci_low)}, {_fmt(s.ceiled_ci_high)}]"
        lines.append(f"| {s.model} | {s.benchmark} | {s.layer} | {_fmt(s.raw)} [{_fmt(s.ci_low)}, {_fmt(s.ci_high)}] "
                     f"| {ceiling} | {ceiled} |")
    (out / "results.md").write_text("\n".join(lines) + "\n")
    plot_heat_table(rows, path=out / "results_heat_table.png")
    print(f"wrote {out / 'results.csv'}, {out / 'results.md'}, {out / 'results_heat_table.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
