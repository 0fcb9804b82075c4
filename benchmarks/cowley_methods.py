"""Script (not part of the package): MobileNetV1's layer profile on Cowley et al. (2023) V4 under several similarity
measures, side by side — RSA, linear CKA, debiased CKA and linear predictivity.

Run from the repository root as ``python benchmarks/cowley_methods.py [--model mobilenet_v1] [--sessions 210325]
[--n-boot 1000] [--out figures]``. Session 210325 by default (640 images, 50 units): the session the README's table
uses, and the only one with per-repeat responses, so every ceiling is that session's own. Prints one row per layer
(raw [95% CI] (ceiled) under each measure), the best layer of each measure and the Spearman correlation of the
profiles across layers; writes the table to ``<out>/cowley_methods.md``.

The measures (:func:`neurovision.benchmarks.ventral.cowley2023.v4_metric`): ``rsa`` — Spearman rho of
correlation-distance RDMs, ceiling Spearman–Brown corrected odd/even-repeat agreement; ``linear_cka`` /
``debiased_cka`` — CKA of the layer and the units (Kornblith et al. 2019; Song et al. 2012), ceiling the same
measure between odd- and even-repeat means (uncorrected); ``linear_predictivity`` — ``cowley2023.v4``: 5-fold CV
ridge, median held-out Pearson r over units, ceiling the median Spearman–Brown corrected unit reliability.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from neurovision.benchmarks.ventral.cowley2023 import v4_metric
from neurovision.models.registry import load_model

METRICS = ("rsa", "linear_cka", "debiased_cka", "linear_predictivity")


def _cell(s) -> str:
    ci = f" [{s.ci_low:.2f}, {s.ci_high:.2f}]" if s.ci_low is not None else ""
    ceiled = f" ({s.ceiled:.2f})" if s.ceiled is not None else ""
    return f"{s.raw:.3f}{ci}{ceiled}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="mobilenet_v1")
    p.add_argument("--sessions", nargs="*", default=["210325"])
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="figures")
    args = p.parse_args(argv)
    model = load_model(args.model)
    committed = model.layer_for("V4")
    profiles, ceilings = {}, {}
    for metric in METRICS:
        bench = v4_metric(metric, sessions=args.sessions)
        t0 = time.perf_counter()
        profiles[metric] = bench.score_layers(model, n_boot=args.n_boot, seed=args.seed)
        ceilings[metric] = profiles[metric][0].ceiling_upper
        print(f"{bench.identifier} ({metric}): {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    layers = [s.layer for s in profiles[METRICS[0]]]
    lines = [f"MobileNetV1 layer profile on Cowley et al. 2023 V4, session(s) {', '.join(args.sessions)} "
             f"(`python benchmarks/cowley_methods.py --n-boot {args.n_boot}`). Cells: raw [95% bootstrap CI over "
             f"images] (ceiled). Committed V4 layer: `{committed}` (marked *).", "",
             "| layer | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    for i, layer in enumerate(layers):
        mark = " *" if layer == committed else ""
        lines.append(f"| `{layer}`{mark} | " + " | ".join(_cell(profiles[m][i]) for m in METRICS) + " |")
    lines.append("| ceiling | " + " | ".join("—" if ceilings[m] is None else f"{ceilings[m]:.3f}" for m in METRICS)
                 + " |")
    raw = {m: np.array([s.raw for s in profiles[m]]) for m in METRICS}
    lines += ["", "| | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS),
              "| best layer | " + " | ".join(f"`{layers[int(np.nanargmax(raw[m]))]}`" for m in METRICS) + " |"]
    for a in METRICS:
        lines.append(f"| Spearman ρ across layers with {a} | "
                     + " | ".join(f"{spearmanr(raw[a], raw[b]).statistic:.2f}" for b in METRICS) + " |")
    lines += ["", "Ceilings (session 210325, odd/even repeats): rsa — Spearman–Brown corrected agreement of the two "
              "half RDMs; CKA — the same measure between the half means, uncorrected (Spearman–Brown does not apply "
              "to CKA), so it understates the full data's reliability; linear predictivity — median Spearman–Brown "
              "corrected split-half reliability of the units. CIs: RSA and debiased CKA drop the pairs of an image "
              "with its own copy in a resample; linear CKA keeps copies as rows, which inflates its resamples (about "
              "+0.03 here), so its percentile CI can lie above the point estimate — use debiased CKA for inference."]
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "cowley_methods.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
