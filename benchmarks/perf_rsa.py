"""Script (not part of the package; the brain benchmarks are ``neurovision.benchmarks``): speed and memory of the
RSA engine ``neurovision.rsa`` against rsatoolbox, both run on the same data in one process. Run from the
repository root as ``python benchmarks/perf_rsa.py`` (full sizes) or ``python benchmarks/perf_rsa.py --quick``
(smaller, for smoke testing); it prints one ``name: value`` line per measure (seconds, MB, agreement with
rsatoolbox, and which compiled kernels ran).

rsatoolbox's stimulus bootstrap is slow (seconds per resample for tau-a on
1000 conditions); it is timed on ``--ref-boot`` resamples and its per-resample
time is scaled to N=100 (reported as ``*_rsatoolbox_s_per_boot``).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np


def _best(fn, repeat=3):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _goal(name, value, goal, higher=True):
    met = value >= goal if higher else value <= goal
    op = ">=" if higher else "<="
    print(f"{name}_goal: {op} {goal}")
    print(f"{name}_goal_met: {'yes' if met else 'no'}")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--ref-boot", type=int, default=3,
                    help="rsatoolbox bootstrap resamples actually run")
    ap.add_argument("--skip", default="", help="comma list of sections")
    ap.add_argument("--n-boot", type=int, default=None,
                    help="our bootstrap resamples (default 100; 10 quick)")
    args = ap.parse_args(argv)
    skip = set(args.skip.split(",")) if args.skip else set()

    warnings.simplefilter("ignore")
    from rsatoolbox.data import Dataset
    from rsatoolbox.inference import eval_bootstrap_pattern
    from rsatoolbox.model import ModelFixed
    from rsatoolbox.rdm import RDMs, calc_rdm
    from rsatoolbox.rdm import compare as rsa_compare

    from neurovision.rsa import RDM, bootstrap_stimuli, rdm
    from neurovision.rsa.backends import kernel_info
    from neurovision.rsa.compare import compare_vectors

    rng = np.random.default_rng(0)
    q = args.quick

    # compile (or load from numba's on-disk cache) the kernels once, so
    # the timings below measure steady-state speed
    t = time.perf_counter()
    _w = rng.random((3, 300 * 299 // 2))
    compare_vectors(_w[:1], _w[1:], "kendall_tau_a")
    bootstrap_stimuli(RDM(_w[:1]), RDM(_w[1:]), "kendall_tau_a", n_boot=2)
    bootstrap_stimuli(RDM(_w[:1]), RDM(_w[1:]), "pearson", n_boot=2)
    bootstrap_stimuli(RDM(_w[:1]), RDM(_w[1:]), "spearman", n_boot=2)
    kernels = kernel_info()
    print(f"numba_available: {kernels['numba']}")
    print(f"tau_native_kernel: {'yes' if kernels['tau_native'] else 'no'}"
          f"{' (AVX-512)' if kernels['tau_native_avx512'] else ''}")
    print(f"kernel_warmup_s: {time.perf_counter() - t:.2f}")

    # 1. correlation RDM vs one float32 GEMM of the same shape --------------
    if "gemm" not in skip:
        n, c = (1000, 1024) if q else (5000, 4096)
        x = rng.standard_normal((n, c))
        x32 = x.astype(np.float32)
        t_gemm, _ = _best(lambda: x32 @ x32.T)
        t32, _ = _best(lambda: rdm(x, "correlation", dtype=np.float32))
        t64, _ = _best(lambda: rdm(x, "correlation"))
        print(f"corr_rdm_{n}x{c}_gemm_f32_s: {t_gemm:.4f}")
        print(f"corr_rdm_{n}x{c}_ours_f32_s: {t32:.4f}")
        print(f"corr_rdm_{n}x{c}_ours_f64_s: {t64:.4f}")
        print(f"corr_rdm_{n}x{c}_f32_over_gemm: {t32 / t_gemm:.2f}")
        print(f"corr_rdm_{n}x{c}_f64_over_gemm: {t64 / t_gemm:.2f}")
        _goal(f"corr_rdm_{n}x{c}_f32_over_gemm", t32 / t_gemm, 2,
              higher=False)
        del x, x32

    # 2. correlation RDM 1000x1000 vs rsatoolbox ----------------------------
    if "rdm1000" not in skip:
        x = rng.standard_normal((1000, 1000))
        ds = Dataset(x)
        t_ref, _ = _best(lambda: calc_rdm(ds, method="correlation"))
        t_ours, _ = _best(lambda: rdm(x, "correlation"))
        t_ours32, _ = _best(lambda: rdm(x, "correlation", dtype=np.float32))
        print(f"corr_rdm_1000x1000_rsatoolbox_s: {t_ref:.4f}")
        print(f"corr_rdm_1000x1000_ours_f64_s: {t_ours:.4f}")
        print(f"corr_rdm_1000x1000_ours_f32_s: {t_ours32:.4f}")
        print(f"corr_rdm_1000x1000_speedup_f64: {t_ref / t_ours:.1f}")
        print(f"corr_rdm_1000x1000_speedup_f32: {t_ref / t_ours32:.1f}")
        _goal("corr_rdm_1000x1000_speedup_f64", t_ref / t_ours, 10)

    # 3. tau-a on two 1000-condition RDMs -----------------------------------
    n = 300 if q else 1000
    p = n * (n - 1) // 2
    base = rng.random(p)
    if "tau" not in skip:
        a = base + rng.random(p)
        b = base + rng.random(p)
        ra, rb = RDMs(a[None]), RDMs(b[None])
        t_ref, v_ref = _best(lambda: rsa_compare(ra, rb, "tau-a"))
        t_ours, v_ours = _best(lambda: compare_vectors(a, b, "kendall_tau_a"))
        assert abs(v_ref[0, 0] - v_ours[0, 0]) < 1e-10
        print(f"tau_a_{n}cond_rsatoolbox_s: {t_ref:.4f}")
        print(f"tau_a_{n}cond_ours_s: {t_ours:.4f}")
        print(f"tau_a_{n}cond_speedup: {t_ref / t_ours:.1f}")
        _goal(f"tau_a_{n}cond_speedup", t_ref / t_ours, 10)

    # 4. bootstrap over stimuli ---------------------------------------------
    if "boot" not in skip:
        n_boot = args.n_boot or (10 if q else 100)
        data = base + 0.8 * rng.random((5, p))
        model = base[None] + 1.5 * rng.random((1, p))
        for meth, rmeth in (("kendall_tau_a", "tau-a"), ("pearson", "corr"), ("spearman", "spearman")):
            nb_ref = max(2, args.ref_boot)  # N=1 breaks rsatoolbox
            mods = [ModelFixed("m", RDMs(model))]
            np.random.seed(0)
            t = time.perf_counter()
            eval_bootstrap_pattern(mods, RDMs(data), method=rmeth, N=nb_ref)
            t_ref_per = (time.perf_counter() - t) / nb_ref
            tracemalloc.start()
            t = time.perf_counter()
            res = bootstrap_stimuli(RDM(model), RDM(data), meth,
                                    n_boot=n_boot, seed=0)
            t_ours = time.perf_counter() - t
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            t_ours_per = t_ours / n_boot
            print(f"boot_{meth}_{n}cond_5subj_rsatoolbox_s_per_boot: "
                  f"{t_ref_per:.4f}")
            print(f"boot_{meth}_{n}cond_5subj_ours_s_per_boot: "
                  f"{t_ours_per:.4f}")
            print(f"boot_{meth}_{n}cond_5subj_N{n_boot}_ours_s: {t_ours:.2f}")
            print(f"boot_{meth}_{n}cond_5subj_speedup: "
                  f"{t_ref_per / t_ours_per:.1f}")
            _goal(f"boot_{meth}_{n}cond_5subj_speedup",
                  t_ref_per / t_ours_per, 20)
            print(f"boot_{meth}_{n}cond_5subj_peak_MiB: {peak / 2**20:.1f}")
            print(f"boot_{meth}_input_MiB: "
                  f"{(data.nbytes + model.nbytes) / 2**20:.1f}")
            assert np.isfinite(res.samples).all()


if __name__ == "__main__":
    main()
