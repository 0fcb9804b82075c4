"""Figures of the dorsal tracker, regenerated deterministically (fixed seeds) by :func:`make_dorsal_figures`.

* ``dorsal_trajectories.png`` — true vs estimated trajectories (x, y in deg vs ms) on random test scenes with
  occluders; occluded frames shaded;
* ``dorsal_flash_lag_vs_speed.png`` — flash-lag (ms) vs speed (deg/s) of the latency-compensating tracker and
  the uncompensated control against the human mean lag (Cottier et al. 2023, 43.9 ms), constant in ms over speed
  (Whitney, Murakami & Cavanagh 2000);
* ``dorsal_pursuit_traces.png`` — the model's position estimate on the Adams et al. (2015) occluded-pursuit
  trajectories overlaid on the grand-average human eye traces, four conditions;
* ``dorsal_error_since_occlusion.png`` — position error (px) vs time since occlusion onset (ms);
* ``dorsal_rsa_timecourse.png`` — hidden-state RDMs vs position / velocity / last-seen-position RDMs over network
  time (ms; the ``time_ms`` coordinate of the ``time_bin`` axis) (Rajalingham, Sohn & Jazayeri 2022), see
  :mod:`neurovision.analysis.dorsal_rsa`;
* ``dorsal_summary.json`` — the numbers behind the figures.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

SPEEDS_DEG_S = (2.37, 5.0, 11.84, 20.0, 26.05, 35.0)


def make_dorsal_figures(out, n_boot: int = 200, seed: int = 0) -> list[Path]:
    """Write the dorsal figures (and ``dorsal_summary.json``) into ``out``; returns the written paths.

    Uses the committed checkpoints (``tracker`` and, when present, ``tracker_control``). ``n_boot`` is used for
    the pursuit benchmark's bootstrap (its traces are what is plotted). Takes ~20 s on 2 CPU cores.
    """
    from ..analysis.dorsal_rsa import hidden_state_rsa
    from ..analysis.tracker_evaluation import evaluate_tracker
    from ..benchmarks.dorsal.flash_lag import cottier2023_sample, measure_flash_lag
    from ..benchmarks.dorsal.pursuit import adams2015_occluded_pursuit
    from ..cache import write_json_atomic
    from ..models.dorsal import tracker as trk
    from ..progress import bar
    from ..stimuli.motion import random_scenes
    from .plotting import (
        plot_error_since_occlusion,
        plot_flash_lag_vs_speed,
        plot_pursuit_traces,
        plot_rsa_timecourse,
        plot_tracking_trajectories,
    )

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = trk.build()
    models = {"tracker (compensates Δ)": model}
    if trk.CONTROL_CHECKPOINT.is_file():
        models["control (reports delayed input)"] = trk.build_control()
    written, summary = [], {"delay_ms": model.delay_ms, "checkpoints": {
        name: m.checkpoint_sha256 for name, m in models.items()}}
    steps = bar(total=5, desc="dorsal figures", unit="figure", delay=0)

    # 1. trajectories with occluders
    rng = np.random.default_rng(seed + 7)
    sc = random_scenes(3, rng, n_frames=80, p_occluder=1.0, p_flash=0.0)
    r = model.run(sc["video"])
    ppd = model.px_per_deg
    c = np.array([(model.width - 1) / 2, (model.height - 1) / 2])
    true_deg = (sc["position_px"] - c) / ppd
    written.append(plot_tracking_trajectories(
        np.arange(80) * model.ms_per_frame, true_deg, r["position_deg"], ~sc["visible"],
        title=f"{model.identifier}: true position now vs estimate (input delayed by {model.delay_ms:g} ms)",
        path=out / "dorsal_trajectories.png"))

    steps.update()

    # 2. flash-lag vs speed
    lags, sems = {}, {}
    for name, m in models.items():
        res = [measure_flash_lag(m, kind="linear", speed_deg_s=s, n_trials=32, seed=seed + i)
               for i, s in enumerate(SPEEDS_DEG_S)]
        lags[name] = [x["lag_ms"] for x in res]
        sems[name] = [x["sem_ms"] for x in res]
    summary["flash_lag_ms"] = {"speeds_deg_s": list(SPEEDS_DEG_S), **lags}
    summary["flash_lag_sem_ms"] = sems
    written.append(plot_flash_lag_vs_speed(SPEEDS_DEG_S, lags, sems, human_ms=cottier2023_sample().mean_ms,
                                           delay_ms=model.delay_ms, path=out / "dorsal_flash_lag_vs_speed.png"))

    steps.update()

    # 3. pursuit traces
    score = adams2015_occluded_pursuit(model, n_boot=n_boot, seed=seed)
    per = score.provenance["details"]["per_condition"]
    summary["adams2015"] = {"raw": score.raw, "ceiling": score.ceiling, "ceiled": score.ceiled,
                            **{c: {k: v for k, v in d.items() if not k.startswith("trace")} for c, d in per.items()}}
    written.append(plot_pursuit_traces(per, model.ms_per_frame, path=out / "dorsal_pursuit_traces.png"))

    steps.update()

    # 4. error vs time since occlusion onset
    ev = evaluate_tracker(model, n_videos=128, seed=12345)
    curve = ev["error_vs_time_since_occlusion_px"].values
    keep = ev["n_frames_since_onset"].values >= 20
    summary["evaluation"] = {"error_visible_px": float(ev["error_px"].sel(visibility="visible")),
                             "error_occluded_px": float(ev["error_px"].sel(visibility="occluded")),
                             "fraction_compensated": float(ev["fraction_compensated"].values[0]),
                             "lead_ms": float(ev["lead_ms"].values[0])}
    written.append(plot_error_since_occlusion(
        ev["time_since_onset_ms"].values[keep], {model.identifier: curve[keep]},
        visible_error={model.identifier: summary["evaluation"]["error_visible_px"]},
        path=out / "dorsal_error_since_occlusion.png"))

    steps.update()

    # 5. RSA of hidden states
    ds = hidden_state_rsa(model)
    sim = {f"{k} RDM": ds["similarity"].sel(model_rdm=k).values for k in ds["model_rdm"].values}
    sim["position | velocity (partial)"] = ds["partial_position_given_velocity"].values
    onset = ds.attrs["occlusion_onset_ms"]
    after = ds["time_ms"].values >= onset + 100
    summary["rsa_mean_after_onset_plus_100ms"] = {k: float(np.nanmean(v[after])) for k, v in sim.items()}
    written.append(plot_rsa_timecourse(ds["time_ms"].values, sim, onset_ms=onset,
                                       path=out / "dorsal_rsa_timecourse.png"))
    written.append(write_json_atomic(out / "dorsal_summary.json", summary))
    steps.update()
    steps.close()
    return written
