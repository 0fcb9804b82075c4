"""How well a trained dorsal tracker tracks: position errors on visible and occluded frames, error against time
since occlusion onset, and how much of an input delay its estimate compensates (:func:`evaluate_tracker`).

Used by ``neurovision train tracker`` (printed after training) and by the dorsal figures
(:mod:`neurovision.figures.dorsal`).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..models.dorsal.tracker import TrackerModel
from ..stimuli.motion import delay_frames_from_ms, random_scenes
from ..stimuli.videos import delay_values

__all__ = ["evaluate_tracker"]


def _episode_error(model: TrackerModel, sc: dict, delay: int) -> dict:
    """The tracker's run on scenes ``sc`` with an input delay of ``delay`` frames, and its position error (px)
    against the true position now on every frame."""
    r = model.run(sc["video"], delay_frames=delay)
    err = np.linalg.norm(r["position_px"] - sc["position_px"], axis=-1)
    return {"run": r, "err": err}


def evaluate_tracker(model: TrackerModel, n_videos: int = 128, seed: int = 12345, delays_ms=None,
                     max_since_onset_frames: int = 40) -> xr.Dataset:
    """Evaluate a tracker on fresh random scenes (all with occluders) → xarray Dataset.

    Variables (errors are Euclidean distances between the position readout and the true position *now*, in px
    and deg; frames before ``delay + 5`` are excluded):

    * ``error_px``/``error_deg`` over ``visibility`` ∈ {visible, occluded};
    * ``error_vs_time_since_occlusion_px`` over ``time_since_onset_ms`` (0 = first hidden frame, at network time;
      only frames still hidden), with ``n_frames_since_onset`` counts;
    * over ``delay_ms`` (input delays at evaluation; the network was trained at its own ``delay_ms`` attr):
      ``extrapolation_error_px`` (visible frames, vs position now), ``lead_ms`` — how far ahead of its input the
      estimate is, projected on the motion direction and divided by speed (ratio of sums over visible frames
      with speed ≥ 5 deg/s), and ``fraction_compensated`` = lead_ms / delay_ms (1 = fully compensated,
      0 = reports the delayed position).
    """
    rng = np.random.default_rng(seed)
    sc = random_scenes(n_videos, rng, n_frames=80, height=model.height, width=model.width,
                       ms_per_frame=model.ms_per_frame, px_per_deg=model.px_per_deg, p_occluder=1.0, p_flash=0.3)
    T = sc["visible"].shape[1]
    d0 = model.delay_frames
    ev = _episode_error(model, sc, d0)
    err = ev["err"]
    valid = np.zeros_like(sc["visible"])
    valid[:, d0 + 5:] = True
    vis = sc["visible"]
    e_vis = err[valid & vis].mean()
    e_occ = err[valid & ~vis].mean() if (valid & ~vis).any() else np.nan
    # time since occlusion onset (onset = first hidden frame after a visible one)
    since = np.full(vis.shape, -1)
    for b in range(vis.shape[0]):
        c = -1
        for t in range(T):
            if vis[b, t]:
                c = -1
            elif t > 0 and vis[b, t - 1]:
                c = 0
            elif c >= 0:
                c += 1
            since[b, t] = c
    ks = np.arange(max_since_onset_frames)
    curve = np.array([err[valid & (since == k)].mean() if (valid & (since == k)).any() else np.nan for k in ks])
    counts = np.array([(valid & (since == k)).sum() for k in ks])

    delays_ms = [model.delay_ms] if delays_ms is None else list(delays_ms)
    ex_err, lead, frac = [], [], []
    vel = np.gradient(sc["position_px"], axis=1)  # px / frame
    for dms in delays_ms:
        d = delay_frames_from_ms(dms, model.ms_per_frame)
        e = _episode_error(model, sc, d)
        m = np.zeros_like(vis)
        m[:, d + 5:] = True
        # visible in the input (delayed) frames
        m &= delay_values(vis, d, fill=False) & vis
        ex_err.append(e["err"][m].mean())
        p_in, v_in = delay_values(sc["position_px"], d), delay_values(vel, d)
        speed = np.linalg.norm(v_in, axis=-1)
        mm = m & (speed * 1000 / model.ms_per_frame / model.px_per_deg >= 5.0)
        proj = ((e["run"]["position_px"] - p_in) * v_in).sum(-1) / np.maximum(speed, 1e-9)  # px ahead of input
        lead_frames = proj[mm].sum() / speed[mm].sum()
        lead.append(lead_frames * model.ms_per_frame)
        frac.append(lead[-1] / dms if dms > 0 else np.nan)
    ppd = model.px_per_deg
    return xr.Dataset(
        {
            "error_px": (("visibility",), [e_vis, e_occ]),
            "error_deg": (("visibility",), [e_vis / ppd, e_occ / ppd]),
            "error_vs_time_since_occlusion_px": (("time_since_onset_ms",), curve),
            "n_frames_since_onset": (("time_since_onset_ms",), counts),
            "extrapolation_error_px": (("delay_ms",), ex_err),
            "lead_ms": (("delay_ms",), lead),
            "fraction_compensated": (("delay_ms",), frac),
        },
        coords={"visibility": ["visible", "occluded"], "time_since_onset_ms": ks * model.ms_per_frame,
                "delay_ms": np.asarray(delays_ms, float)},
        attrs={"model": model.identifier, "trained_delay_ms": model.delay_ms, "target": model.target,
               "n_videos": n_videos, "seed": seed, "px_per_deg": ppd, "ms_per_frame": model.ms_per_frame},
    )
