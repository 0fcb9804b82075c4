"""Script (not part of the package): the RSA hot paths and activation extraction on an accelerator against the CPU
numpy path. Run from the repository root as ``python benchmarks/perf_gpu.py [--device cuda] [--quick]
[--threads N]``; it prints one ``name: value`` line per measure (seconds unless named otherwise):

* ``rdm_corr_{n}x{c}_*`` — correlation RDM (float32) of 1000 × 4096 and 92 × 401408 patterns (quick: 500 × 1024,
  92 × 50176): ``neurovision.rsa.torch_backend.condensed_rdm`` on the device with the data already there
  (``_device_s``) and from host numpy (``_with_transfer_s``), the numpy engine (``rdm(..., dtype=float32)``,
  ``_cpu_numpy_s``), the speed-up, the device time divided by one float32 GEMM ``X Xᵀ`` of the same shape on the
  device (``_over_gemm``) and the largest difference from the numpy values;
* ``boot_spearman_*`` — the Spearman stimulus bootstrap of ``benchmarks/perf_rsa.py`` (one model RDM, 5 data
  RDMs over 1000 conditions, quick 300; N = 100 resamples, quick 10; no noise ceiling on either side):
  ``bootstrap_stimuli_torch`` against ``bootstrap_stimuli(..., ceiling=False)``, same seed;
* ``extract_mobilenet_v1_*`` — MobileNetV1 activations at its committed layers for the 92 images of
  Kriegeskorte et al. (2008) (``perf_suite.py``), ``extract_layers(..., device=...)`` against the CPU.

Times are the best of ``--repeat`` runs, CUDA synchronised before each clock read. ``--device cuda`` on a machine
without CUDA says so and exits with status 1; ``--device cpu`` times the torch code on the CPU (a check that
the script works; the speed-ups are then those of torch's CPU kernels).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np


def _sync(device) -> None:
    import torch
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _best(fn, device, repeat: int) -> tuple[float, object]:
    out = fn()  # warm-up (cuBLAS handles, numba compilation, allocator)
    _sync(device)
    best = np.inf
    for _ in range(repeat):
        _sync(device)
        t = time.perf_counter()
        out = fn()
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return best, out


def _rdm_section(shape, device, repeat: int) -> None:
    import torch

    from neurovision.rsa import rdm
    from neurovision.rsa.torch_backend import condensed_rdm
    n, c = shape
    x = np.random.default_rng(0).standard_normal((n, c), dtype=np.float32)
    np.maximum(x, -0.5, out=x)  # activation-like: offset and skew (epilogue centring applies, kappa < 4)
    xd = torch.from_numpy(x).to(device)
    name = f"rdm_corr_{n}x{c}"
    t_gemm, _ = _best(lambda: xd @ xd.T, device, repeat)
    t_dev, got = _best(lambda: condensed_rdm(xd, device=device), device, repeat)
    t_host, _ = _best(lambda: condensed_rdm(x, device=device), device, repeat)
    t_cpu, ref = _best(lambda: rdm(x, "correlation", dtype=np.float32), torch.device("cpu"), repeat)
    err = float(np.abs(got.double().cpu().numpy() - ref.dissimilarities[0]).max())
    print(f"{name}_gemm_f32_s: {t_gemm:.5f}")
    print(f"{name}_device_s: {t_dev:.5f}")
    print(f"{name}_with_transfer_s: {t_host:.5f}")
    print(f"{name}_cpu_numpy_s: {t_cpu:.5f}")
    print(f"{name}_speedup: {t_cpu / t_dev:.1f}")
    print(f"{name}_speedup_with_transfer: {t_cpu / t_host:.1f}")
    print(f"{name}_over_gemm: {t_dev / t_gemm:.2f}")
    print(f"{name}_max_abs_diff_vs_numpy: {err:.2e}")


def _boot_section(n: int, n_boot: int, device, repeat: int) -> None:
    import torch

    from neurovision.rsa import RDM, bootstrap_stimuli
    from neurovision.rsa.torch_backend import bootstrap_stimuli_torch
    rng = np.random.default_rng(0)
    p = n * (n - 1) // 2
    base = rng.random(p)
    data = base + 0.8 * rng.random((5, p))
    model = base[None] + 1.5 * rng.random((1, p))
    name = f"boot_spearman_{n}cond_5subj_N{n_boot}"
    t_dev, got = _best(lambda: bootstrap_stimuli_torch(model, data, "spearman", n_boot=n_boot, seed=0,
                                                       device=device), device, repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_cpu, ref = _best(lambda: bootstrap_stimuli(RDM(model), RDM(data), "spearman", n_boot=n_boot, seed=0,
                                                     ceiling=False), torch.device("cpu"), repeat)
    print(f"{name}_device_s: {t_dev:.4f}")
    print(f"{name}_cpu_numpy_s: {t_cpu:.4f}")
    print(f"{name}_speedup: {t_cpu / t_dev:.1f}")
    print(f"{name}_max_abs_diff_vs_numpy: {float(np.nanmax(np.abs(got - ref.samples))):.2e}")


def _extract_section(device, repeat: int) -> None:
    import torch

    from neurovision import load_model
    from neurovision.activations import extract_layers
    from neurovision.data import kriegeskorte2008 as k08
    try:
        model = load_model("mobilenet_v1")
        stimuli = k08.load_stimuli()
    except Exception as err:  # noqa: BLE001 - the section is skipped with the reason, the others still run
        print(f"extract_mobilenet_v1: skipped ({type(err).__name__}: {err})")
        return
    layers = sorted(set(model.region_layer_map.values()), key=model.layers.index)
    cpu = torch.device("cpu")
    name = f"extract_mobilenet_v1_{stimuli.sizes['presentation']}img_{len(layers)}layers"
    t_dev, got = _best(lambda: extract_layers(model, stimuli, layers, progress=False, device=device), device,
                       repeat)
    t_cpu, ref = _best(lambda: extract_layers(model, stimuli, layers, progress=False, device="cpu"), cpu, repeat)
    err = max(float(np.abs(got[layer].values - ref[layer].values).max()) for layer in layers)
    print(f"{name}_layers: {','.join(layers)}")
    print(f"{name}_device_s: {t_dev:.3f}")
    print(f"{name}_cpu_s: {t_cpu:.3f}")
    print(f"{name}_speedup: {t_cpu / t_dev:.1f}")
    print(f"{name}_max_abs_diff_vs_cpu: {err:.2e}")
    print(f"{name}_parameters_back_on: {sorted({str(p.device) for p in model.network.parameters()})}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda", help="cpu, cuda, cuda:1, mps (default cuda)")
    ap.add_argument("--quick", action="store_true", help="smaller RDMs and bootstrap, one timed repeat")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads for torch and BLAS (default 1)")
    ap.add_argument("--repeat", type=int, default=None, help="timed repeats (default 3; 1 with --quick)")
    ap.add_argument("--skip", default="", help="comma list of sections: rdm, boot, extract")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    from neurovision.activations import available_devices, resolve_device
    from neurovision.threads import limit_threads
    torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available()
    print(f"torch: {torch.__version__} (built with CUDA {torch.version.cuda})")
    print(f"cuda_available: {'yes' if cuda else 'no'}")
    if cuda:
        print(f"cuda_device: {torch.cuda.get_device_name()}")
        print(f"cuda_tf32_matmul: {torch.backends.cuda.matmul.allow_tf32}")
    try:
        device = resolve_device(args.device)
    except ValueError as err:
        print(f"CUDA is not available here: {err}" if args.device.startswith("cuda") else str(err))
        return 1
    print(f"device: {device}")
    print(f"available_devices: {available_devices()}")
    print(f"cpu_threads: {args.threads}")
    repeat = args.repeat or (1 if args.quick else 3)
    skip = set(filter(None, args.skip.split(",")))
    with limit_threads(args.threads):
        if "rdm" not in skip:
            for shape in ((500, 1024), (92, 50176)) if args.quick else ((1000, 4096), (92, 401408)):
                _rdm_section(shape, device, repeat)
        if "boot" not in skip:
            _boot_section(300 if args.quick else 1000, 10 if args.quick else 100, device, repeat)
        if "extract" not in skip:
            _extract_section(device, repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
