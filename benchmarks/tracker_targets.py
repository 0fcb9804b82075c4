"""Script (not part of the package): the dorsal tracker's targets (issue #17), each measured with the package's own
benchmarks and measure functions and printed beside its target with PASS/FAIL, for given checkpoints and the
reference observers.

Run from the repository root as ``python benchmarks/tracker_targets.py [--models ...] [--n-boot 200]
[--json out.json]``. A model is a registered name (``tracker``, ``tracker_control``, ``kalman_compensating``,
``kalman_uncompensated``, ``postdictive``) or ``path/to/checkpoint.pt[:predictive|:postdictive]`` (a v2 checkpoint
with the read-out that fills its position output; default predictive) — a v1 checkpoint path loads with
:func:`neurovision.models.dorsal.tracker.load_tracker_checkpoint`.

Measures (Δ = the model's input delay, ms; ``measure_flash_lag`` = :func:`neurovision.benchmarks.dorsal.flash_lag.
measure_flash_lag`, linear motion, 16 trials):

* ``pursuit_gain`` / ``pursuit_lag_ms`` — ``adams2015.occluded_pursuit`` details: the model's velocity gain through
  the occluded segment (mean over the four conditions; target 0.8–1.1) and its lag behind the target (whole cycle,
  mean; target ≤ 80 ms); ``adams2015`` — its ceiled score (≥ 0.7);
* ``lead_flash_ms`` — ``lead_before_flash_ms`` at 11.84 and 26.05 deg/s (the smaller; ≥ 0.8 Δ; compensating models
  only); ``lead_random_ms`` — :func:`neurovision.analysis.tracker_evaluation.evaluate_tracker`'s ``lead_ms`` (128
  random scenes; ≥ 0.8 Δ; trackers only: it runs the model at its own delay); ``control_flash_lag_ms`` —
  ``lag_ms`` of ``measure_flash_lag`` at 11.84 / 26.05 deg/s (uncompensated models: within ±10 ms);
* ``cottier2023`` / ``whitney2000`` — ceiled scores (≥ 0.7 each);
* ``terminated_ratio`` / ``initiated_ratio`` — ``eagleman2000.flash_lag_onset_offset`` details: flash-terminated and
  flash-initiated lag over the continuous lag (≤ 0.5 and ≥ 0.8); ``eagleman2000`` — ceiled (≥ 0.7);
* ``blank_offset_deg`` — on 8 blank videos (black, pixel noise sd 0.02), the distance of the position report from
  the frame centre (the position the model reports without information) over the last 30 frames (max; ≤ 0.5 deg),
  with ``blank_visible_prob`` (the model's visibility output there: it should say "not visible");
* ``vanish_weight`` — 64 targets on random-walk paths (velocity: Ornstein–Uhlenbeck, sd 12 deg/s, time constant
  300 ms) that vanish at frame 45: the model's displacement from the last seen position 100 ms after the
  vanishing reaches it, regressed (through the origin) on the true displacement, divided by the same regression
  weight of a constant-velocity extrapolator (velocity of the last 50 ms seen); ≥ 0.5;
* ``nover2005`` — ceiled (≥ 0.5); ``stocker_log_pse_ratio`` — the model's mean ln(PSE / reference) in the
  contrast condition of ``stocker2006.speed_discrimination`` (< −0.05: low contrast seen as slower; people
  −0.87 to −0.01, a clipped −1.39 means all answers one way).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from neurovision.benchmarks.dorsal.flash_lag import measure_flash_lag
from neurovision.benchmarks.registry import load_benchmark
from neurovision.stimuli.motion import Custom, MovingObject, make_video
from neurovision.threads import limit_threads

SPEEDS = (11.84, 26.05)
BENCHES = ("adams2015.occluded_pursuit", "cottier2023.flash_lag", "whitney2000.flash_lag_speed",
           "eagleman2000.flash_lag_onset_offset", "nover2005.mt_speed_tuning", "stocker2006.speed_discrimination")


def load(spec: str):
    """A model from a registered name or ``checkpoint.pt[:report]``."""
    if ".pt" not in spec:
        from neurovision.models.registry import load_model
        return load_model(spec)
    import torch

    from neurovision.models.dorsal.tracker import load_tracker_checkpoint, load_tracker_v2_checkpoint
    path, _, report = spec.partition(":")
    cfg = torch.load(path, map_location="cpu", weights_only=True)["config"]
    name = Path(path).stem + (f":{report}" if report else "")
    if cfg.get("arch") == "v2":
        return load_tracker_v2_checkpoint(path, identifier=name, report=report or "predictive")
    return load_tracker_checkpoint(path, identifier=name)


def blank_measures(model) -> dict:
    """Distance (deg) of the position report from the frame centre on blank noisy videos, last 30 frames."""
    rng = np.random.default_rng(0)
    v = np.clip(rng.normal(0, 0.02, (8, 80, model.height, model.width)), 0, 1).astype(np.float32)
    r = model.run(v)
    off = np.linalg.norm(r["position_deg"][:, -30:], axis=-1)
    return {"blank_offset_deg": float(off.max()), "blank_visible_prob": float(r["visible_prob"][:, -30:].mean())}


def _ou_paths(rng, n: int, T: int, dt: float) -> np.ndarray:
    """Random-walk paths (deg) starting near the centre: OU velocity, sd 12 deg/s, time constant 0.3 s."""
    tau, sd = 0.3, 12.0
    v = rng.normal(0, sd, (n, 2))
    pos = np.zeros((n, T, 2))
    p = rng.uniform(-3, 3, (n, 2))
    for t in range(T):
        pos[:, t] = p
        v = v - v * dt / tau + rng.normal(0, sd * np.sqrt(2 * dt / tau), (n, 2))
        p = p + v * dt
    return np.clip(pos, -13, 13)


def vanish_measures(model, n: int = 64, vanish: int = 45, after_ms: float = 100.0) -> dict:
    """Regression weight of the model's post-vanishing displacement on the true one, relative to a
    constant-velocity extrapolator's (module docstring)."""
    rng = np.random.default_rng(1)
    dt = model.ms_per_frame / 1000
    T = 80
    paths = _ou_paths(rng, n, T, dt)
    vids = [make_video([MovingObject(Custom(p), "disk", 1.5, 1.0, vanish_frame=vanish)], [], [], n_frames=T,
                       height=model.height, width=model.width, ms_per_frame=model.ms_per_frame,
                       px_per_deg=model.px_per_deg, noise_sd=0.02, seed=i)[0] for i, p in enumerate(paths)]
    r = model.run(np.stack(vids))
    k = int(round(after_ms / model.ms_per_frame))
    t_net = vanish + model.delay_frames + k  # network time
    target_frame = t_net + reported_offset(model)  # the video frame whose position the report estimates
    last = paths[:, vanish - 1]
    true_d = paths[:, target_frame] - last
    model_d = r["position_deg"][:, t_net] - last
    vel = (paths[:, vanish - 1] - paths[:, vanish - 6]) / 5
    cv_d = vel * (target_frame - (vanish - 1))
    w = lambda a: float((a * true_d).sum() / (true_d ** 2).sum())  # noqa: E731
    return {"vanish_weight": w(model_d) / w(cv_d), "vanish_weight_model": w(model_d), "vanish_weight_cv": w(cv_d)}


def measure(model, n_boot: int) -> dict:
    """Every measure of the module docstring for one model (NaN where it does not apply)."""
    out: dict = {}
    t0 = time.perf_counter()
    scores = {}
    for b in BENCHES:
        try:
            with limit_threads(1):
                scores[b] = load_benchmark(b)(model, n_boot=n_boot, seed=0, progress=False)
        except Exception as e:  # noqa: BLE001 - a model without the readout a benchmark needs
            scores[b] = e
    ceiled = {b: (float(s.ceiled) if not isinstance(s, Exception) and s.ceiled is not None else float("nan"))
              for b, s in scores.items()}
    out.update(adams2015=ceiled[BENCHES[0]], cottier2023=ceiled[BENCHES[1]], whitney2000=ceiled[BENCHES[2]],
               eagleman2000=ceiled[BENCHES[3]], nover2005=ceiled[BENCHES[4]])
    s = scores[BENCHES[0]]
    if not isinstance(s, Exception):
        per = s.provenance["details"]["per_condition"].values()
        out["pursuit_gain"] = float(np.mean([p["model_velocity_gain_occluded"] for p in per]))
        out["pursuit_lag_ms"] = float(np.mean([p["model_lag_ms"] for p in per]))
    s = scores[BENCHES[3]]
    if not isinstance(s, Exception):
        lag = s.provenance["details"]["model_lag_ms"]
        out["eagleman_lags_ms"] = lag
        out["terminated_ratio"] = lag["terminated"] / lag["continuous"]
        out["initiated_ratio"] = lag["initiated"] / lag["continuous"]
    s = scores[BENCHES[5]]
    if not isinstance(s, Exception):
        d = s.provenance["details"]
        out["stocker_log_pse_ratio"] = _stocker_bias(d)
    fl = [measure_flash_lag(model, speed_deg_s=v, seed=i) for i, v in enumerate(SPEEDS)]
    out["lead_flash_ms"] = min(m["lead_before_flash_ms"] for m in fl)
    out["flash_lag_ms"] = [m["lag_ms"] for m in fl]
    if hasattr(model, "target") and hasattr(model, "delay_ms") and hasattr(model.network, "readout_position"):
        from neurovision.analysis.tracker_evaluation import evaluate_tracker
        out["lead_random_ms"] = float(evaluate_tracker(model)["lead_ms"].values[0])
    out.update(blank_measures(model))
    out.update(vanish_measures(model))
    out["seconds"] = time.perf_counter() - t0
    return out


def _stocker_bias(details: dict) -> float:
    """The model's mean ln(PSE / reference) in the contrast condition, from the benchmark's details."""
    m = details.get("model", details.get("model_measures", {}))
    for key in ("log_pse_ratio", "contrast"):
        if isinstance(m, dict) and key in m:
            v = m[key]
            v = v.get("log_pse_ratio", v) if isinstance(v, dict) else v
            return float(np.nanmean(np.asarray(v, float)))
    return float("nan")


def compensating(model) -> bool:
    """Whether the model is meant to compensate its delay (the trackers' target "now"; the observers' lead)."""
    if hasattr(model, "target"):
        return model.target == "now"
    return getattr(model.network, "kind", "") != "kalman_uncompensated"


def reported_offset(model) -> int:
    """Which video frame the position report at network time ``t`` estimates, as ``frame − t``: 0 for a
    compensating report, −Δ for an uncompensated one, −Δ + window / 2 for a postdictive one (the mean over the
    ``window`` input frames after the reported moment)."""
    d = model.delay_frames
    kind = getattr(model.network, "kind", None)
    if kind is not None:  # reference observers
        return {"kalman_compensating": 0, "kalman_uncompensated": -d}.get(kind, -d + model.network.report.window_frames
                                                                          // 2)
    if getattr(model, "report", "predictive") == "postdictive":
        return -d + model.network.window // 2
    return 0 if model.target == "now" else -d


def verdicts(model, m: dict) -> list[tuple[str, str, str, bool | None]]:
    """(measure, value, target, pass) rows."""
    d = model.delay_frames * model.ms_per_frame
    comp = compensating(model)
    nan = float("nan")

    def row(name, value, target, ok):
        v = value if isinstance(value, str) else ("—" if value is None or np.isnan(value) else f"{value:.3g}")
        return (name, v, target, None if ok is None else bool(ok))

    rows = [row("pursuit_gain", m.get("pursuit_gain", nan), "0.8-1.1", 0.8 <= m.get("pursuit_gain", nan) <= 1.1),
            row("pursuit_lag_ms", m.get("pursuit_lag_ms", nan), "<= 80", m.get("pursuit_lag_ms", nan) <= 80),
            row("adams2015", m["adams2015"], ">= 0.7", m["adams2015"] >= 0.7)]
    if comp:
        rows += [row("lead_flash_ms", m["lead_flash_ms"], f">= {0.8 * d:g}", m["lead_flash_ms"] >= 0.8 * d),
                 row("lead_random_ms", m.get("lead_random_ms", nan), f">= {0.8 * d:g}",
                     m.get("lead_random_ms", nan) >= 0.8 * d if "lead_random_ms" in m else None)]
    else:
        lags = m["flash_lag_ms"]
        rows.append(row("control_flash_lag_ms", " / ".join(f"{x:+.1f}" for x in lags), "within ±10",
                        all(abs(x) <= 10 for x in lags)))
    rows += [row("cottier2023", m["cottier2023"], ">= 0.7", m["cottier2023"] >= 0.7),
             row("whitney2000", m["whitney2000"], ">= 0.7", m["whitney2000"] >= 0.7),
             row("terminated_ratio", m.get("terminated_ratio", nan), "<= 0.5", m.get("terminated_ratio", nan) <= 0.5),
             row("initiated_ratio", m.get("initiated_ratio", nan), ">= 0.8", m.get("initiated_ratio", nan) >= 0.8),
             row("eagleman2000", m["eagleman2000"], ">= 0.7", m["eagleman2000"] >= 0.7),
             row("blank_offset_deg", m["blank_offset_deg"], "<= 0.5", m["blank_offset_deg"] <= 0.5),
             row("blank_visible_prob", m["blank_visible_prob"], "(report)", None),
             row("vanish_weight", m["vanish_weight"], ">= 0.5", m["vanish_weight"] >= 0.5),
             row("nover2005", m["nover2005"], ">= 0.5", m["nover2005"] >= 0.5),
             row("stocker_log_pse_ratio", m.get("stocker_log_pse_ratio", nan), "< -0.05",
                 m.get("stocker_log_pse_ratio", nan) < -0.05)]
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="*", default=["kalman_compensating", "kalman_uncompensated", "postdictive"])
    p.add_argument("--n-boot", type=int, default=200)
    p.add_argument("--json", default=None, help="write every measure to this JSON file")
    args = p.parse_args(argv)
    allm = {}
    for spec in args.models:
        model = load(spec)
        m = measure(model, args.n_boot)
        allm[spec] = m
        print(f"\n== {spec} ({m['seconds']:.0f} s)")
        for name, value, target, ok in verdicts(model, m):
            print(f"  {name:24s} {value:>18s}   target {target:12s} {'—' if ok is None else 'PASS' if ok else 'FAIL'}")
        if "eagleman_lags_ms" in m:
            print("  eagleman lags (ms):", {k: round(v, 1) for k, v in m["eagleman_lags_ms"].items()})
        print("  flash-lag (ms) at", SPEEDS, ":", [round(x, 1) for x in m["flash_lag_ms"]])
    if args.json:
        Path(args.json).write_text(json.dumps(allm, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
