"""Script (not part of the package; the brain benchmarks are ``neurovision.benchmarks``): speed of the ventral
benchmark suite for one model — cold cache, warm cache, hook overhead, peak memory. Run from the repository root
as ``python benchmarks/perf_suite.py [--model mobilenet_v1] [--n-boot 1000]``; it prints one ``name: value`` line
per measure:

* ``cold_s[BENCHMARK]`` — each benchmark's share of the cold run;
* ``suite_cold_s`` — every registered ventral benchmark at the committed layers, empty result cache
  (converted weights kept; goal ≤ 300 s on 2 CPU cores);
* ``suite_warm_s`` — the same again, cached (goal ≤ 5 s);
* ``extract_over_forward_all_layers`` / ``_committed_layers`` — activation extraction (hooks on every
  layer, or on the committed V1/V2/V4/IT layers; copies into xarray) divided by the bare forward pass
  over the same preprocessed batches (goal ≤ 1.1);
* ``all_layers_peak_rss_mb`` — peak resident memory of computing every layer's RDM on the 92 images
  (layers are streamed in groups under a memory budget), measured in a fresh process.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def _suite(model_name: str, n_boot: int, skip: tuple[str, ...] = (), label: str = "") -> float:
    from neurovision import load_benchmark, load_model
    from neurovision.benchmarks.registry import BENCHMARKS
    t0 = time.perf_counter()
    model = load_model(model_name)
    for name in sorted(BENCHMARKS):
        if name.startswith(skip):
            continue
        bench = load_benchmark(name)
        if getattr(bench, "region", None) in model.region_layer_map:
            t1 = time.perf_counter()
            bench(model, n_boot=n_boot, progress=False)
            if label:
                print(f"{label}_s[{name}]: {time.perf_counter() - t1:.1f}", flush=True)
    return time.perf_counter() - t0


def _hook_overhead(model_name: str, repeats: int = 3, committed_only: bool = False) -> float:
    import torch

    from neurovision import load_model
    from neurovision.activations import extract_layers
    from neurovision.data import kriegeskorte2008 as k08
    model = load_model(model_name)
    from neurovision.activations import auto_batch_size
    stimuli = k08.load_stimuli()
    bs = auto_batch_size(model, stimuli.values)  # what extract_layers chooses by default
    batches = [model.preprocess(stimuli.values[i:i + bs]) for i in range(0, stimuli.sizes["presentation"], bs)]

    def bare():
        with torch.inference_mode():
            for b in batches:
                model.network(b)

    def hooked():  # the same preprocessed batches, handed out in order by a stand-in preprocess
        it = iter(batches)
        model.preprocess = lambda images: next(it)
        layers = (sorted(set(model.region_layer_map.values()), key=model.layers.index) if committed_only
                  else model.layers)
        extract_layers(model, stimuli, layers, batch_size=bs, progress=False)

    bare(), hooked()  # warm-up
    t_bare = min(_timed(bare) for _ in range(repeats))
    t_hook = min(_timed(hooked) for _ in range(repeats))
    return t_hook / t_bare


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _peak_memory(model_name: str) -> float:
    code = ("import resource, neurovision as nv\n"
            "from neurovision.benchmarks.base import model_rdms\n"
            "from neurovision.data import kriegeskorte2008 as k08\n"
            f"m = nv.load_model({model_name!r})\n"
            "model_rdms(m, k08.load_stimuli(), m.layers, progress=False)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n")
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env=dict(os.environ, NEUROVISION_CACHE=tmp))
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="mobilenet_v1")
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--skip", nargs="*", default=[], help="benchmark name prefixes to leave out (e.g. cowley2023)")
    args = p.parse_args(argv)
    skip = tuple(args.skip)
    if skip:
        print(f"skipped: {', '.join(skip)}")
    with tempfile.TemporaryDirectory() as tmp:
        from neurovision.cache import cache_dir
        weights = cache_dir("weights")
        os.makedirs(os.path.join(tmp, "weights"), exist_ok=True)
        for f in weights.iterdir():  # keep converted weights: 'cold' means no cached results
            os.symlink(f, os.path.join(tmp, "weights", f.name))
        os.environ["NEUROVISION_CACHE"] = tmp
        cold = _suite(args.model, args.n_boot, skip, label="cold")
        warm = _suite(args.model, args.n_boot, skip)
        print(f"suite_cold_s: {cold:.1f}")
        print(f"suite_warm_s: {warm:.2f}")
        print(f"suite_cold_goal_met: {cold <= 300}")
        print(f"suite_warm_goal_met: {warm <= 5}")
    print(f"extract_over_forward_all_layers: {_hook_overhead(args.model):.3f}")
    print(f"extract_over_forward_committed_layers: {_hook_overhead(args.model, committed_only=True):.3f}")
    print(f"all_layers_peak_rss_mb: {_peak_memory(args.model):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
