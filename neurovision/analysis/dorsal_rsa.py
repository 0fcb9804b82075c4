"""Time-resolved RSA of the tracker's hidden states: is the target's position represented while it is hidden?

The latent-variable analysis of Rajalingham, Sohn & Jazayeri (2022, "Dynamic tracking of objects in the macaque
dorsomedial frontal cortex", Nat Commun 13; the "Mental Pong" task) asks whether a population keeps tracking
the position of a ball after it disappears behind an occluder. Here the population is the tracker's GRU state
(layer ``core_output``, 128 units) and the conditions are a grid of straight trajectories.

Design (:func:`occlusion_conditions`)
-------------------------------------
A grey full-height strip occluder covers ``-occluder_half_width_deg <= x <= +occluder_half_width_deg`` for the
whole video (its geometry is fixed, not derived from any path). Every condition is a disk (radius 1.5 deg)
moving rightwards in a straight line that reaches the occluder's left edge at the same frame ``enter_frame``,
so all conditions become hidden at the same time; they differ in horizontal speed ``vx`` (deg/s), vertical
speed ``vy`` (deg/s) and height at entry ``y`` (deg). With the defaults (vx ≤ 20 deg/s, a 10-deg-wide strip,
80 frames of 10 ms) no target re-emerges before the end: frames ≥ ``enter_frame`` + a few are occluded in
every condition.

Analysis (:func:`hidden_state_rsa`)
-----------------------------------
The conditions are shown to the model as a video stimulus set (:func:`neurovision.stimuli.videos.video_set`) and
the GRU states are recorded by :func:`neurovision.activations.extract_layers` (``presentation × neuroid ×
time_bin``, network time: the input delay Δ is applied before the network, so time bin ``t`` has seen input
frames up to ``t − Δ``). At every time bin ``t`` one hidden-state RDM over conditions (1 − Pearson r between the
128-d state vectors; :func:`neurovision.rsa.rdm_timecourse`) is compared (Spearman ρ;
:func:`neurovision.rsa.compare_timecourses`, bin by bin) with three model RDMs (Euclidean distances between
conditions):

* ``position`` — the true position *now* (frame ``t``; during occlusion the hidden, moving position);
* ``velocity`` — the velocity (vx, vy), constant per condition;
* ``last_seen`` — the position at the last visible frame (a frozen memory of where the target vanished).

Because position and velocity are correlated across these conditions as time passes, the partial Spearman
correlation of the hidden RDM with ``position`` controlling for ``velocity`` is reported too
(``partial_position_given_velocity``). The network time of occlusion onset is ``enter_frame + Δ``.
Time bins ``t < Δ`` have seen only the blank frames that precede the delayed input: every condition has the
same hidden state there, so their similarities are NaN; any later time bin whose hidden RDM is constant is NaN
too, with a :class:`~neurovision.errors.ConstantRDMWarning`.
If position is represented during occlusion, ρ(position) stays high after the onset and exceeds ρ(last_seen)
as the hidden target moves away from where it vanished.
"""
from __future__ import annotations

import itertools

import numpy as np
import xarray as xr

from ..activations import extract_layers
from ..rsa import RDM, compare_timecourses, rdm_timecourse
from ..rsa.compare import degenerate_rows
from ..stimuli.motion import Custom, MovingObject, Occluder, make_video
from ..stimuli.videos import video_set

__all__ = ["occlusion_conditions", "hidden_state_rsa", "MODEL_RDMS"]

MODEL_RDMS = ("position", "velocity", "last_seen")


def occlusion_conditions(model, vx_deg_s=(10.0, 14.0, 20.0), vy_deg_s=(-5.0, 0.0, 5.0),
                         y_enter_deg=(-6.0, -2.0, 2.0, 6.0), enter_frame: int = 40, n_frames: int = 80,
                         occluder_half_width_deg: float = 5.0, radius_deg: float = 1.5):
    """Videos ``(n_conditions, n_frames, H, W)`` and an xarray Dataset of the per-condition truth.

    Every combination of ``vx_deg_s`` (> 0, rightwards, deg/s) × ``vy_deg_s`` (deg/s, y down) × ``y_enter_deg``
    (deg) is one condition: a straight path reaching ``x = -occluder_half_width_deg`` at ``enter_frame``.
    Raises ValueError when a path would leave the frame or re-emerge from the occluder before the end.
    """
    if any(v <= 0 for v in vx_deg_s):
        raise ValueError(f"vx_deg_s must be > 0 (rightwards, towards the occluder); got {vx_deg_s}")
    if not 0 < enter_frame < n_frames:
        raise ValueError(f"enter_frame must lie inside the video (0 < enter_frame < {n_frames}); got {enter_frame}")
    dt = model.ms_per_frame / 1000.0
    hx = model.width / 2 / model.px_per_deg
    hy = model.height / 2 / model.px_per_deg
    if not 0 < occluder_half_width_deg < hx:
        raise ValueError(f"occluder_half_width_deg must be in (0, {hx}) deg; got {occluder_half_width_deg}")
    t = (np.arange(n_frames) - enter_frame) * dt  # s relative to the entry time
    conds = list(itertools.product(vx_deg_s, vy_deg_s, y_enter_deg))
    videos, pos_all, vis_all = [], [], []
    occ = Occluder(-occluder_half_width_deg, -hy, occluder_half_width_deg, hy)
    for vx, vy, y0 in conds:
        pos = np.stack([-occluder_half_width_deg + vx * t, y0 + vy * t], 1)
        if np.any(np.abs(pos[:, 0]) > hx - radius_deg) or np.any(np.abs(pos[:, 1]) > hy - radius_deg):
            raise ValueError(f"condition vx={vx}, vy={vy}, y={y0} leaves the frame; use slower speeds or a "
                             f"later enter_frame")
        video, meta = make_video([MovingObject(Custom(pos), "disk", radius_deg)], [occ], [], n_frames=n_frames,
                                 height=model.height, width=model.width, ms_per_frame=model.ms_per_frame,
                                 px_per_deg=model.px_per_deg)
        videos.append(video)
        pos_all.append(pos)
        vis_all.append(meta["visible"].values[:, 0])
    vis = np.stack(vis_all)
    if vis[:, enter_frame + int(np.ceil(2 * radius_deg / (min(vx_deg_s) * dt))):].any():
        raise ValueError("a target re-emerges from the occluder before the end of the video; use a wider "
                         "occluder, slower vx or fewer frames")
    # last visible frame per condition → last-seen position
    last = np.array([np.flatnonzero(v[:enter_frame + 5])[-1] for v in vis])
    pos_all = np.stack(pos_all)
    truth = xr.Dataset(
        {"position_deg": (("condition", "time", "axis"), pos_all),
         "velocity_deg_s": (("condition", "axis"), np.array([[vx, vy] for vx, vy, _ in conds], float)),
         "visible": (("condition", "time"), vis),
         "last_seen_deg": (("condition", "axis"), pos_all[np.arange(len(conds)), last])},
        coords={"condition": np.arange(len(conds)), "vx_deg_s": ("condition", [c[0] for c in conds]),
                "vy_deg_s": ("condition", [c[1] for c in conds]), "y_enter_deg": ("condition", [c[2] for c in conds]),
                "time": np.arange(n_frames), "time_ms": ("time", np.arange(n_frames) * model.ms_per_frame),
                "axis": ["x", "y"]},
        attrs={"enter_frame": enter_frame, "occluder_half_width_deg": occluder_half_width_deg,
               "ms_per_frame": model.ms_per_frame, "units": "deg, deg/s, ms"})
    return np.stack(videos), truth


def _euclid_rdm(x: np.ndarray, ids) -> RDM:
    """RDM of Euclidean distances between rows of ``x`` (conditions × features)."""
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    iu = np.triu_indices(len(x), 1)
    return RDM(d[iu][None], list(ids))


def _rank(v: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata
    return rankdata(v)


def _partial_spearman(y: np.ndarray, x: np.ndarray, z: np.ndarray) -> float:
    """Spearman correlation of x and y controlling for z (Pearson partial correlation of the ranks)."""
    ry, rx, rz = _rank(y), _rank(x), _rank(z)
    c = np.corrcoef(np.stack([ry, rx, rz]))
    ryx, ryz, rxz = c[0, 1], c[0, 2], c[1, 2]
    den = np.sqrt(max((1 - ryz ** 2) * (1 - rxz ** 2), 1e-12))
    return float((ryx - ryz * rxz) / den)


def hidden_state_rsa(model, layer: str = "core_output", method: str = "spearman", batch_size: int = 64,
                     **condition_kwargs) -> xr.Dataset:
    """Time-resolved RSA of ``model``'s hidden states over :func:`occlusion_conditions` (see the module docstring).

    ``model``: a :class:`~neurovision.models.base.VideoModel` with a ``core_output`` layer (the tracker's GRU
    state). ``batch_size``: videos per forward pass (64, as :meth:`TrackerModel.run
    <neurovision.models.dorsal.tracker.TrackerModel.run>`: a GRU's float32 states can differ in the last bit
    between batch sizes). Returns an xarray Dataset over ``time_bin`` (network time steps; coordinate ``time_ms``
    = ``time_bin × ms_per_frame``) with ``similarity`` (``model_rdm`` × ``time_bin``; Spearman ρ by default),
    ``partial_position_given_velocity``, ``fraction_occluded`` (share of conditions hidden in the *input* at that
    network time), ``hidden_rdms`` (``time_bin`` × ``pair``: the hidden-state RDMs, condensed) and attrs
    ``occlusion_onset_ms`` (network time of the first hidden input frame), ``all_occluded_from_ms``,
    ``delay_ms``, ``n_conditions``.
    """
    if layer != "core_output":
        raise ValueError(f"hidden_state_rsa records the GRU state 'core_output'; got layer {layer!r}")
    videos, truth = occlusion_conditions(model, **condition_kwargs)
    n_cond, T = videos.shape[:2]
    ids = [f"c{i}" for i in range(n_cond)]
    stimuli = video_set(videos, ids, ms_per_frame=model.ms_per_frame)
    hidden = extract_layers(model, stimuli, [layer], batch_size=batch_size, progress=False)[layer]
    brain = rdm_timecourse(hidden, method="correlation")
    pos = truth["position_deg"].values
    d = model.delay_frames
    bins = {"time_bin": list(range(T))}
    model_stacks = {
        "position": RDM.concat([_euclid_rdm(pos[:, t], ids) for t in range(T)]),
        "velocity": RDM.concat([_euclid_rdm(truth["velocity_deg_s"].values, ids)] * T),
        "last_seen": RDM.concat([_euclid_rdm(truth["last_seen_deg"].values, ids)] * T),
    }
    for stack in model_stacks.values():
        stack.descriptors.update(bins)
    # time bins before the delayed input arrives (t < Δ) have seen only blank frames: NaN by construction
    sim = np.full((len(MODEL_RDMS), T), np.nan)
    for k, name in enumerate(MODEL_RDMS):
        sim[k, d:] = compare_timecourses(model_stacks[name][d:], brain[d:], method, paired=True)
    hv = brain.dissimilarities
    vel_v = model_stacks["velocity"].dissimilarities[0]
    constant = degenerate_rows(hv, method)
    partial = np.array([np.nan if t < d or constant[t] else
                        _partial_spearman(hv[t], model_stacks["position"].dissimilarities[t], vel_v)
                        for t in range(T)])
    vis_in = np.concatenate([np.ones((n_cond, d), bool), truth["visible"].values[:, :T - d]], 1) if d else \
        truth["visible"].values
    onset = truth.attrs["enter_frame"] + d
    # first frame with every condition hidden in the input
    hidden_all = np.flatnonzero(~vis_in.any(0))
    return xr.Dataset(
        {"similarity": (("model_rdm", "time_bin"), sim),
         "partial_position_given_velocity": (("time_bin",), partial),
         "fraction_occluded": (("time_bin",), 1 - vis_in.mean(0)),
         "hidden_rdms": (("time_bin", "pair"), hv)},
        coords={"model_rdm": list(MODEL_RDMS), "time_bin": hidden["time_bin"].values,
                "time_ms": ("time_bin", hidden["time_ms"].values)},
        attrs={"model": model.identifier, "layer": layer, "method": method, "n_conditions": n_cond,
               "delay_ms": float(d * model.ms_per_frame), "occlusion_onset_ms": float(onset * model.ms_per_frame),
               "all_occluded_from_ms": float(hidden_all[0] * model.ms_per_frame) if hidden_all.size else np.nan,
               "reference": "Rajalingham R, Sohn H, Jazayeri M (2022) Nat Commun 13:5865 (latent position "
                            "tracking during occlusion)"})
