"""Script (not part of the package): score every dorsal model on every dorsal benchmark, print the time of each, and
write the README's dorsal table and the per-benchmark figures (humans or neurons against every model).

Run from the repository root as ``python benchmarks/score_dorsal.py [--models ...] [--benchmarks ...]
[--n-boot 1000] [--out figures]``. Prints one line per model × benchmark (raw [CI], ceiling, ceiled [CI], seconds)
and, per model, the total time of all its dorsal benchmarks; pairs a model cannot take (e.g. a motion-energy front
end has no position readout for the flash-lag displays) are listed as skipped with the benchmark's reason.
Writes ``<out>/dorsal_scores.json`` (every Score with its details), ``<out>/dorsal_scores.md`` (the table) and the
figures of :func:`neurovision.figures.dorsal_benchmarks.plot_dorsal_benchmarks`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from neurovision.benchmarks.registry import BENCHMARKS, load_benchmark
from neurovision.models.registry import MODELS, load_model
from neurovision.scores import scores_to_json
from neurovision.threads import limit_threads

#: the dorsal models, in table order: the trained tracker and its control, then the reference observers
DORSAL_MODELS = ("tracker", "tracker_control", "kalman_compensating", "kalman_uncompensated", "postdictive",
                 "motion_energy")
DORSAL_REGIONS = ("dorsal", "MT")


def _fmt(v, digits: int = 2) -> str:
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def _cell(s) -> str:
    if s.raw is None or np.isnan(s.raw):
        d = s.provenance.get("details", {})
        if "n_units_selected" in d:
            return f"no score: {d['n_units_selected']} of {d['n_units_measured']} units speed-tuned"
        return "no score (" + (s.notes.split(";")[0].strip() or "undefined") + ")"
    raw = f"{_fmt(s.raw)} [{_fmt(s.ci_low)}, {_fmt(s.ci_high)}]" if s.ci_low is not None else _fmt(s.raw)
    if s.ceiled is None:
        return f"{raw} / no ceiling"
    return f"{raw} / **{_fmt(s.ceiled)}** [{_fmt(s.ceiled_ci_low)}, {_fmt(s.ceiled_ci_high)}]"


def _compact(s):
    """The score without the per-sample traces of its details (``trace_*``: kept in memory for the figures, left out
    of the JSON to keep it small)."""
    import copy
    s = copy.deepcopy(s)
    for per in s.provenance.get("details", {}).get("per_condition", {}).values():
        for key in [k for k in per if k.startswith("trace_")]:
            del per[key]
    return s


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="*", default=None, help="dorsal models (default: all registered of "
                   f"{', '.join(DORSAL_MODELS)})")
    p.add_argument("--benchmarks", nargs="*", default=None, help="default: every benchmark of region dorsal or MT")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples per score")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="figures", help="folder for dorsal_scores.json/.md and the figures")
    p.add_argument("--no-figures", action="store_true", help="only score and write the table")
    args = p.parse_args(argv)
    models = args.models or [m for m in DORSAL_MODELS if m in MODELS]
    benches = args.benchmarks or [b for b in sorted(BENCHMARKS) if load_benchmark(b).region in DORSAL_REGIONS]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scores, skipped = [], []
    for model_name in models:
        model = load_model(model_name)
        total = 0.0
        for bench_name in benches:
            t0 = time.perf_counter()
            try:
                with limit_threads(1):
                    s = load_benchmark(bench_name)(model, n_boot=args.n_boot, seed=args.seed, progress=False)
            except (ValueError, TypeError, NotImplementedError) as e:
                skipped.append((model_name, bench_name, str(e).splitlines()[0]))
                print(f"skip {model_name} × {bench_name}: {str(e).splitlines()[0]}", file=sys.stderr)
                continue
            dt = time.perf_counter() - t0
            total += dt
            scores.append(s)
            print(f"{model_name:22s} {bench_name:36s} raw {_fmt(s.raw, 3)} [{_fmt(s.ci_low, 3)}, "
                  f"{_fmt(s.ci_high, 3)}] ceiling {_fmt(s.ceiling_upper, 3)} ceiled {_fmt(s.ceiled, 3)} "
                  f"{dt:6.1f} s", flush=True)
        print(f"time: {model_name} all dorsal benchmarks {total:.1f} s", flush=True)
    written = [scores_to_json([_compact(s) for s in scores], out / "dorsal_scores.json")]
    lines = ["| model | " + " | ".join(f"`{b}`" for b in benches) + " |", "|---|" + "---|" * len(benches)]
    for m in models:
        row = {s.benchmark: s for s in scores if s.model == m}
        cells = [_cell(row[b]) if b in row else "n/a" for b in benches]
        lines.append(f"| `{m}` | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"raw [95% CI] / **ceiled** [95% CI], {args.n_boot} bootstrap resamples, seed {args.seed}; "
                 "n/a: the model has no readout the benchmark needs.")
    (out / "dorsal_scores.md").write_text("\n".join(lines) + "\n")
    written.append(out / "dorsal_scores.md")
    if not args.no_figures:
        from neurovision.figures.dorsal_benchmarks import plot_dorsal_benchmarks
        written += plot_dorsal_benchmarks(scores, out)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
