"""Script (not part of the package): speed of the representational similarity measures and of ridge on himalaya.

Run from the repository root as ``python benchmarks/perf_similarity.py`` (full sizes) or with ``--quick``
(smaller, for smoke testing). Prints one ``name: value`` line per measure:

* linear CKA and the angular Procrustes distance of two random representations of 1000 stimuli × 4096 units,
  each as seconds and as a ratio to one GEMM of that shape (``X @ Y.T``, 1000 × 4096 by 4096 × 1000, float64);
* cross-validated ridge predictivity on a Cowley-sized problem (1000 stimuli × 1024 features → 100 targets,
  5 folds, the default 19-penalty grid) with the package's own kernel ridge (penalty by exact LOO) and with
  himalaya (penalty by inner 5-fold CV), their times and the largest difference of their held-out predictions
  (relative to the response sd), and the same with one fixed penalty, where both must agree to rounding.

Best of ``--repeat`` runs. BLAS threads are whatever the environment gives (set ``OMP_NUM_THREADS``).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def _best(fn, repeat=3):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from neurovision.encoding import ridge_predictivity
    from neurovision.similarity import linear_cka, procrustes

    n, p = (200, 1024) if args.quick else (1000, 4096)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, p))
    y = x @ rng.standard_normal((p, 64)) @ rng.standard_normal((64, p)) / 64 + rng.standard_normal((n, p))
    print(f"omp_num_threads: {os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"similarity_shape: {n} x {p}")
    t_gemm, _ = _best(lambda: x @ y.T, args.repeat)
    t_cka, v_cka = _best(lambda: linear_cka(x, y), args.repeat)
    t_pro, v_pro = _best(lambda: procrustes(x, y), args.repeat)
    print(f"gemm_s: {t_gemm:.4f}")
    print(f"linear_cka_s: {t_cka:.4f}")
    print(f"linear_cka_ratio_to_gemm: {t_cka / t_gemm:.2f}")
    print(f"linear_cka_value: {v_cka:.6f}")
    print(f"procrustes_s: {t_pro:.4f}")
    print(f"procrustes_ratio_to_gemm: {t_pro / t_gemm:.2f}")
    print(f"procrustes_value_rad: {v_pro:.6f}")

    try:
        from neurovision.encoding_himalaya import himalaya_ridge_predictivity
    except ImportError:  # pragma: no cover
        print("himalaya: not installed")
        return
    import himalaya

    n, p, m = (300, 256, 20) if args.quick else (1000, 1024, 100)
    feats = rng.standard_normal((n, p)).astype(np.float32) * rng.uniform(0.2, 3.0, p).astype(np.float32)
    resp = feats @ rng.standard_normal((p, m)).astype(np.float32) / np.sqrt(p) + rng.standard_normal((n, m))
    sd = resp.std()
    print(f"himalaya_version: {himalaya.__version__}")
    print(f"ridge_shape: {n} x {p} -> {m}")
    repeat = 1 if not args.quick else args.repeat
    t_own, own = _best(lambda: ridge_predictivity(feats, resp), repeat)
    t_him, him = _best(lambda: himalaya_ridge_predictivity(feats, resp), repeat)
    print(f"ridge_own_s: {t_own:.3f}")
    print(f"ridge_himalaya_s: {t_him:.3f}")
    print(f"ridge_himalaya_over_own: {t_him / t_own:.2f}")
    print(f"ridge_grid_max_pred_diff_rel_sd: {np.abs(own.predictions - him.predictions).max() / sd:.3e}")
    print(f"ridge_grid_median_r_own: {np.median(own.r):.4f}")
    print(f"ridge_grid_median_r_himalaya: {np.median(him.r):.4f}")
    t_own1, own1 = _best(lambda: ridge_predictivity(feats, resp, alphas=[1.0]), repeat)
    t_him1, him1 = _best(lambda: himalaya_ridge_predictivity(feats, resp, alphas=[1.0]), repeat)
    print(f"ridge_fixed_own_s: {t_own1:.3f}")
    print(f"ridge_fixed_himalaya_s: {t_him1:.3f}")
    print(f"ridge_fixed_max_pred_diff: {np.abs(own1.predictions - him1.predictions).max():.3e}")


if __name__ == "__main__":
    main()
