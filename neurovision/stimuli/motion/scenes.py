"""Random training scenes for the dorsal tracker (:func:`random_scenes`): one target on a random path, random
occluders and ring flashes, drawn in batches from a seeded generator.
"""
from __future__ import annotations

import numpy as np

from .paths import check_frame, deg_to_px, frame_times_s, reflect
from .render import Frame, render_shape

__all__ = ["random_scenes", "dynamic_scenes"]


def random_scenes(batch: int, rng: np.random.Generator, *, n_frames: int = 80, height: int = 32, width: int = 32,
                  ms_per_frame: float = 10.0, px_per_deg: float = 1.0, speed_range_deg_s=(2.0, 50.0),
                  p_occluder: float = 0.6, p_flash: float = 0.7, p_flash_near: float = 0.6,
                  max_flashes: int = 2, noise_sd: float = 0.02, p_flash_aligned: float = 0.0) -> dict:
    """A batch of random single-target scenes for training (vectorised; everything drawn from ``rng``).

    Target: a disk (radius 1-2 deg) or Gaussian blob (sigma 0.8-1.4 deg), intensity 0.7-1, on a bouncing,
    circular or sinusoidal path with speed log-uniform in ``speed_range_deg_s`` (peak speed for sinusoids).
    Occluder (probability ``p_occluder``): a grey rectangle placed at random — a full-height vertical strip, a
    full-width horizontal strip or a free rectangle — independent of the path, shown for the whole video or a
    random interval. Flashes (probability ``p_flash``, 1..``max_flashes``): rings lasting 2-6 frames, with
    probability ``p_flash_near`` placed within 4 deg of the target's position at onset (near the path),
    otherwise uniformly. Of the near flashes, a fraction ``p_flash_aligned`` is placed as in flash-lag displays:
    aligned with the target along its motion at onset and displaced 2.5-4.5 deg perpendicular to it.

    Returns a dict of numpy arrays: ``video`` float32 ``(B, T, H, W)``; ``position_px`` ``(B, T, 2)``;
    ``visible`` bool ``(B, T)``; ``flash_onset``/``flash_duration`` int ``(B, F)`` (onset -1 = no flash);
    ``flash_px`` ``(B, F, 2)``; ``speed_deg_s`` ``(B,)``; ``occluded_any`` bool ``(B,)``.

    The draws from ``rng`` come in a fixed order (target properties, paths, flashes, occluders, noise), so a
    seeded generator always gives the same batch.
    """
    check_frame(n_frames, height, width, ms_per_frame, px_per_deg)
    lo, hi = speed_range_deg_s
    if not 0 < lo <= hi:
        raise ValueError(f"speed_range_deg_s must satisfy 0 < low <= high; got {speed_range_deg_s}")
    frame = Frame(n_frames, height, width, ms_per_frame, px_per_deg)
    half = np.array([(width - 1) / 2, (height - 1) / 2]) / px_per_deg  # centre of the border pixels, deg
    targets = _random_targets(rng, batch, lo, hi)
    lim = np.tile(half - 1.5, (batch, 1))  # (B, 2): the target's centre stays 1.5 deg inside the frame
    pos = _random_paths(rng, targets["kind"], targets["speed"], frame_times_s(n_frames, ms_per_frame), lim)
    pos_px = deg_to_px(pos, height, width, px_per_deg)
    target = _render_targets(pos_px, targets, frame)
    video = target.copy()
    onset, dur, fpx = _add_random_flashes(video, rng, pos, half, frame, p_flash=p_flash, p_flash_near=p_flash_near,
                                          p_flash_aligned=p_flash_aligned, max_flashes=max_flashes)
    occl, has_occ = _add_random_occluders(video, rng, frame, p_occluder)
    seen = _visible_fraction(target, occl, has_occ)
    if noise_sd > 0:
        video += rng.normal(0, noise_sd, video.shape).astype(np.float32)
    np.clip(video, 0, 1, out=video)
    return {"video": video, "position_px": pos_px.astype(np.float32), "visible": seen >= 0.5,
            "flash_onset": onset, "flash_duration": dur, "flash_px": fpx.astype(np.float32),
            "speed_deg_s": targets["speed"], "occluded_any": has_occ}


def _random_targets(rng: np.random.Generator, B: int, lo: float, hi: float) -> dict:
    """Per scene ``(B,)``: path ``kind`` (0 bouncing, 1 circular, 2 sinusoidal), ``speed`` deg/s log-uniform in
    [lo, hi], ``is_disk`` (else a Gaussian blob), ``size`` deg (disk radius 1-2, blob sigma 0.8-1.4) and
    ``intensity`` (0.7-1)."""
    kind = rng.integers(0, 3, B)
    speed = np.exp(rng.uniform(np.log(lo), np.log(hi), B))
    is_disk = rng.random(B) < 0.5
    size = np.where(is_disk, rng.uniform(1.0, 2.0, B), rng.uniform(0.8, 1.4, B))
    inten = rng.uniform(0.7, 1.0, B)
    return {"kind": kind, "speed": speed, "is_disk": is_disk, "size": size, "intensity": inten}


def _random_paths(rng: np.random.Generator, kind: np.ndarray, speed: np.ndarray, t: np.ndarray,
                  lim: np.ndarray) -> np.ndarray:
    """Target positions ``(B, T, 2)`` deg from the frame centre: a bouncing, circular and sinusoidal path is
    drawn for every scene (in that order) and ``kind`` picks one. ``t``: frame times (s); ``lim`` ``(B, 2)``:
    the largest |x|, |y| the centre may reach."""
    bounce = _bouncing_paths(rng, speed, t, lim)
    circ = _circular_paths(rng, speed, t, lim)
    sinus = _sinusoidal_paths(rng, speed, t, lim)
    return np.where((kind == 0)[:, None, None], bounce, np.where((kind == 1)[:, None, None], circ, sinus))


def _bouncing_paths(rng: np.random.Generator, speed: np.ndarray, t: np.ndarray, lim: np.ndarray) -> np.ndarray:
    """Straight motion from a uniform start inside ``±lim`` in a uniform direction, reflected off ``±lim``."""
    B = len(speed)
    start = rng.uniform(-1, 1, (B, 2)) * lim
    th = rng.uniform(0, 2 * np.pi, B)
    free = start[:, None, :] + speed[:, None, None] * t[None, :, None] * np.stack([np.cos(th), np.sin(th)], -1)[:, None]
    return reflect(free, lim[:, None, :])


def _circular_paths(rng: np.random.Generator, speed: np.ndarray, t: np.ndarray, lim: np.ndarray) -> np.ndarray:
    """Circles of radius ≥ 3 deg that fit inside ``±lim``, at tangential speed ``speed``, random start angle and
    sense."""
    B = len(speed)
    rmax = lim.min(1)
    radius = rng.uniform(3.0, np.maximum(rmax, 3.01))
    cspan = lim - radius[:, None]
    centre = rng.uniform(-1, 1, (B, 2)) * np.maximum(cspan, 0)
    a = (rng.uniform(0, 2 * np.pi, B)[:, None]
         + np.where(rng.random(B) < 0.5, 1, -1)[:, None] * speed[:, None] / radius[:, None] * t)
    return centre[:, None, :] + radius[:, None, None] * np.stack([np.cos(a), np.sin(a)], -1)


def _sinusoidal_paths(rng: np.random.Generator, speed: np.ndarray, t: np.ndarray, lim: np.ndarray) -> np.ndarray:
    """Cosine oscillations along a random direction, amplitude 40-100 % of what fits inside ``±lim``, period set
    so that the peak speed is ``speed``, random phase and centre."""
    B = len(speed)
    dth = rng.uniform(0, np.pi, B)
    u = np.stack([np.cos(dth), np.sin(dth)], -1)
    amax = np.min(lim / np.maximum(np.abs(u), 1e-6), axis=1)
    amp = rng.uniform(0.4, 1.0, B) * amax
    period = 2 * np.pi * amp / speed
    ph = rng.uniform(0, 2 * np.pi, B)
    s = amp[:, None] * np.cos(2 * np.pi * t[None] / period[:, None] + ph[:, None])
    span = np.maximum(lim - amp[:, None] * np.abs(u), 0)
    c2 = rng.uniform(-1, 1, (B, 2)) * span
    return c2[:, None, :] + s[..., None] * u[:, None, :]


def _render_targets(pos_px: np.ndarray, targets: dict, frame: Frame) -> np.ndarray:
    """The target alone on every frame: float32 ``(B, T, H, W)``."""
    B = len(pos_px)
    target = np.empty((B, frame.n_frames, frame.height, frame.width), np.float32)
    for b in range(B):
        target[b] = render_shape(pos_px[b], "disk" if targets["is_disk"][b] else "gaussian",
                                 targets["size"][b] * frame.px_per_deg, targets["intensity"][b],
                                 frame.height, frame.width)
    return target


def _random_flash_position(rng: np.random.Generator, path: np.ndarray, o: int, half: np.ndarray,
                           p_flash_near: float, p_flash_aligned: float) -> np.ndarray:
    """Where a flash with onset frame ``o`` goes (deg): with probability ``p_flash_near`` near the target's
    position ``path[o]`` — aligned with its motion and 2.5-4.5 deg to either side (a share ``p_flash_aligned``)
    or within 4 deg in any direction — kept 1 deg inside the frame; otherwise uniform over the frame."""
    T = len(path)
    if rng.random() < p_flash_near:
        if p_flash_aligned > 0 and rng.random() < p_flash_aligned:
            v = path[min(o + 1, T - 1)] - path[max(o - 1, 0)]
            nrm = np.array([-v[1], v[0]]) / max(np.linalg.norm(v), 1e-9)
            p = path[o] + rng.choice([-1.0, 1.0]) * rng.uniform(2.5, 4.5) * nrm
        else:
            r, ang = rng.uniform(0, 4.0), rng.uniform(0, 2 * np.pi)
            p = path[o] + r * np.array([np.cos(ang), np.sin(ang)])
        return np.clip(p, -half + 1.0, half - 1.0)
    return rng.uniform(-1, 1, 2) * (half - 1.0)


def _add_random_flashes(video: np.ndarray, rng: np.random.Generator, pos: np.ndarray, half: np.ndarray,
                        frame: Frame, *, p_flash: float, p_flash_near: float, p_flash_aligned: float,
                        max_flashes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw ring flashes (2.5 deg, intensity 0.6-0.9, onset frame 5..T-9, 2-6 frames) into ``video`` (in place,
    by maximum): in a share ``p_flash`` of the scenes, 1..``max_flashes`` each. Returns ``onset`` int ``(B, F)``
    (-1: no flash), ``dur`` int ``(B, F)`` and ``fpx`` ``(B, F, 2)`` px (NaN: no flash)."""
    B, T = pos.shape[:2]
    F = max_flashes
    onset = np.full((B, F), -1, int)
    dur = np.zeros((B, F), int)
    fpx = np.full((B, F, 2), np.nan)
    has_flash = rng.random(B) < p_flash
    nfl = rng.integers(1, F + 1, B)
    for b in np.flatnonzero(has_flash):
        for j in range(nfl[b]):
            o = int(rng.integers(5, T - 8))
            d = int(rng.integers(2, 7))
            p = _random_flash_position(rng, pos[b], o, half, p_flash_near, p_flash_aligned)
            onset[b, j], dur[b, j] = o, d
            fpx[b, j] = deg_to_px(p, frame.height, frame.width, frame.px_per_deg)
            img = render_shape(fpx[b, j], "ring", 2.5 * frame.px_per_deg, rng.uniform(0.6, 0.9), frame.height,
                               frame.width)
            video[b, o:o + d] = np.maximum(video[b, o:o + d], img)
    return onset, dur, fpx


def _random_occluder_rect(rng: np.random.Generator, frame: Frame) -> tuple[int, int, int, int]:
    """Pixel bounds ``(r0, r1, c0, c1)`` of a random occluder: a full-height strip 3-10 deg wide, a full-width
    strip 3-10 deg high, or a free rectangle 4-14 deg on a side (one of the three with equal probability)."""
    height, width, px_per_deg = frame.height, frame.width, frame.px_per_deg
    typ = rng.integers(0, 3)
    if typ == 0:
        w = int(rng.integers(3, 11) * px_per_deg)
        c0 = int(rng.integers(0, width - w + 1))
        r0, r1, c1 = 0, height, c0 + w
    elif typ == 1:
        h = int(rng.integers(3, 11) * px_per_deg)
        r0 = int(rng.integers(0, height - h + 1))
        r1, c0, c1 = r0 + h, 0, width
    else:
        w, h = (int(v) for v in rng.integers(4, 15, 2) * px_per_deg)
        w, h = min(w, width), min(h, height)
        c0, r0 = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
        c1, r1 = c0 + w, r0 + h
    return r0, r1, c0, c1


def _random_interval(rng: np.random.Generator, T: int) -> tuple[int, int]:
    """Frames ``[on, off)`` of an occluder: the whole video or (probability 0.5) a random interval of >= 10 frames."""
    if rng.random() < 0.5:
        return 0, T
    on = int(rng.integers(0, T - 10))
    return on, int(rng.integers(on + 10, T + 1))


def _add_random_occluders(video: np.ndarray, rng: np.random.Generator, frame: Frame,
                          p_occluder: float) -> tuple[np.ndarray, np.ndarray]:
    """Paint one random grey occluder (intensity 0.2-0.5; placement independent of the path) over ``video`` (in
    place) in a share ``p_occluder`` of the scenes. Returns the occluded pixels, bool ``(B, T, H, W)``, and which
    scenes have an occluder, bool ``(B,)``."""
    B, T = video.shape[:2]
    occl = np.zeros((B, T, frame.height, frame.width), bool)
    has_occ = rng.random(B) < p_occluder
    for b in np.flatnonzero(has_occ):
        r0, r1, c0, c1 = _random_occluder_rect(rng, frame)
        on, off = _random_interval(rng, T)
        video[b, on:off, r0:r1, c0:c1] = rng.uniform(0.2, 0.5)
        occl[b, on:off, r0:r1, c0:c1] = True
    return occl, has_occ


def _visible_fraction(target: np.ndarray, occl: np.ndarray, has_occ: np.ndarray) -> np.ndarray:
    """Share of the target's rendered mass not under an occluder, ``(B, T)`` (1 in scenes without one; the target
    stays inside the frame by construction)."""
    B, T = target.shape[:2]
    mass = target.sum(axis=(2, 3)) + 1e-9
    seen = np.ones((B, T))
    idx = np.flatnonzero(has_occ)
    if idx.size:
        seen[idx] = (target[idx] * ~occl[idx]).sum(axis=(2, 3)) / mass[idx]
    return seen


def dynamic_scenes(batch: int, rng: np.random.Generator, *, n_frames: int = 80, height: int = 32, width: int = 32,
                   ms_per_frame: float = 10.0, px_per_deg: float = 1.0, speed_range_deg_s=(2.0, 50.0),
                   p_piecewise: float = 0.5, p_occluder: float = 0.6, p_long_occluder: float = 0.5,
                   p_flash: float = 0.7, p_flash_near: float = 0.6, p_flash_aligned: float = 0.5,
                   max_flashes: int = 2, noise_sd: float = 0.02, p_appear: float = 0.2, p_vanish: float = 0.2,
                   p_blank: float = 0.03, visible_threshold: float = 0.5) -> dict:
    """A batch of training scenes with richer motion statistics than :func:`random_scenes` (everything drawn from
    ``rng``, in a fixed order).

    Paths: with probability ``p_piecewise`` a *piecewise* path (:func:`_piecewise_paths`: segments of 8-30 frames
    that keep the velocity, change it, stop, start again, reverse, or random-walk), otherwise the bouncing,
    circular or sinusoidal paths of :func:`random_scenes`. Target: disk or Gaussian blob as in
    :func:`random_scenes`. Appearance: with probability ``p_appear`` the target is absent (not drawn) before a
    random frame 5-40, with probability ``p_vanish`` absent from a random frame 20-75 on (it keeps moving
    unseen: its position is still reported as the truth), and in a share ``p_blank`` of the scenes it is never
    shown. Occluders: as in :func:`random_scenes`, but a share ``p_long_occluder`` of them is a full-height or
    full-width strip 8-14 deg wide shown for the whole clip (occlusions of 200-700 ms). Flashes and noise as in
    :func:`random_scenes`. The target counts as ``visible`` on frames where it is drawn and at least a share
    ``visible_threshold`` of its rendered mass is not under the occluder.

    Returns the dict of :func:`random_scenes` plus ``present`` bool ``(B, T)`` (the target is drawn; occluded
    frames included) and ``kind`` int ``(B,)`` (0 bouncing, 1 circular, 2 sinusoidal, 3 piecewise).
    """
    check_frame(n_frames, height, width, ms_per_frame, px_per_deg)
    lo, hi = speed_range_deg_s
    if not 0 < lo <= hi:
        raise ValueError(f"speed_range_deg_s must satisfy 0 < low <= high; got {speed_range_deg_s}")
    frame = Frame(n_frames, height, width, ms_per_frame, px_per_deg)
    half = np.array([(width - 1) / 2, (height - 1) / 2]) / px_per_deg
    targets = _random_targets(rng, batch, lo, hi)
    lim = np.tile(half - 1.5, (batch, 1))
    t = frame_times_s(n_frames, ms_per_frame)
    pos = _random_paths(rng, targets["kind"], targets["speed"], t, lim)
    piece = rng.random(batch) < p_piecewise
    if piece.any():
        pos[piece] = _piecewise_paths(rng, targets["speed"][piece], n_frames, ms_per_frame, lim[piece])
    kind = np.where(piece, 3, targets["kind"])
    present = np.ones((batch, n_frames), bool)
    appear = np.where(rng.random(batch) < p_appear, rng.integers(5, 41, batch), 0)
    vanish = np.where(rng.random(batch) < p_vanish, rng.integers(20, 76, batch), n_frames)
    blank = rng.random(batch) < p_blank
    fr = np.arange(n_frames)
    present &= (fr[None] >= appear[:, None]) & (fr[None] < vanish[:, None]) & ~blank[:, None]
    pos_px = deg_to_px(pos, height, width, px_per_deg)
    target = _render_targets(pos_px, targets, frame) * present[:, :, None, None]
    video = target.copy()
    onset, dur, fpx = _add_random_flashes(video, rng, pos, half, frame, p_flash=p_flash, p_flash_near=p_flash_near,
                                          p_flash_aligned=p_flash_aligned, max_flashes=max_flashes)
    occl, has_occ = _add_dynamic_occluders(video, rng, frame, p_occluder, p_long_occluder)
    seen = _visible_fraction(_render_targets(pos_px, targets, frame), occl, has_occ)
    if noise_sd > 0:
        video += rng.normal(0, noise_sd, video.shape).astype(np.float32)
    np.clip(video, 0, 1, out=video)
    return {"video": video, "position_px": pos_px.astype(np.float32), "visible": (seen >= visible_threshold) & present,
            "present": present, "flash_onset": onset, "flash_duration": dur, "flash_px": fpx.astype(np.float32),
            "speed_deg_s": targets["speed"], "occluded_any": has_occ, "kind": kind}


def _piecewise_paths(rng: np.random.Generator, speed: np.ndarray, n_frames: int, ms_per_frame: float,
                     lim: np.ndarray) -> np.ndarray:
    """Positions ``(B, T, 2)`` deg of paths made of segments of 8-30 frames. Each new segment (after a first
    constant-velocity one at ``speed`` deg/s in a uniform direction) is, with equal probability: *keep* (same
    velocity), *turn* (new direction, speed × 0.5-2 within the speed's own range), *stop* (velocity 0; the next
    non-stop segment starts again at the last moving velocity), *reverse* (−velocity) or *walk* (the velocity
    performs a random walk, per-frame steps of sd 0.15 × speed, its magnitude kept ≤ 2 × speed). Integrated at
    ``ms_per_frame`` from a uniform start inside ``±lim`` and reflected off ``±lim``."""
    B = len(speed)
    dt = ms_per_frame / 1000.0
    start = rng.uniform(-1, 1, (B, 2)) * lim
    th = rng.uniform(0, 2 * np.pi, B)
    vel = np.zeros((B, n_frames, 2))
    for b in range(B):
        v = speed[b] * np.array([np.cos(th[b]), np.sin(th[b])])
        moving = v.copy()
        t, first = 0, True
        while t < n_frames:
            n = int(rng.integers(8, 31))
            mode = 0 if first else int(rng.integers(0, 5))
            first = False
            if mode == 1:
                a = rng.uniform(0, 2 * np.pi)
                v = speed[b] * rng.uniform(0.5, 2.0) * np.array([np.cos(a), np.sin(a)])
            elif mode == 2:
                v = np.zeros(2)
            elif mode == 3:
                v = -(moving if not v.any() else v)
            elif mode == 0 and not v.any():
                v = moving.copy()
            if mode == 4:
                v = moving.copy() if not v.any() else v
                steps = rng.normal(0, 0.15 * speed[b], (n, 2))
                seg = []
                for k in range(n):
                    v = v + steps[k]
                    s = np.linalg.norm(v)
                    if s > 2 * speed[b]:
                        v = v * (2 * speed[b] / s)
                    seg.append(v)
                vel[b, t:t + n] = np.array(seg)[:max(0, min(n, n_frames - t))]
            else:
                vel[b, t:t + n] = v
            if v.any():
                moving = v.copy()
            t += n
    free = start[:, None, :] + np.concatenate([np.zeros((B, 1, 2)), np.cumsum(vel[:, :-1] * dt, 1)], 1)
    return reflect(free, lim[:, None, :])


def _add_dynamic_occluders(video: np.ndarray, rng: np.random.Generator, frame: Frame, p_occluder: float,
                           p_long: float) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`_add_random_occluders`, but a share ``p_long`` of the occluders is a full-height (or full-width)
    strip 8-14 deg wide, grey 0.2-0.5, shown for the whole clip."""
    B, T = video.shape[:2]
    occl = np.zeros((B, T, frame.height, frame.width), bool)
    has_occ = rng.random(B) < p_occluder
    for b in np.flatnonzero(has_occ):
        if rng.random() < p_long:
            w = int(rng.integers(8, 15) * frame.px_per_deg)
            if rng.random() < 0.5:
                c0 = int(rng.integers(0, frame.width - w + 1))
                r0, r1, c1 = 0, frame.height, c0 + w
            else:
                r0 = int(rng.integers(0, frame.height - w + 1))
                r1, c0, c1 = r0 + w, 0, frame.width
            on, off = 0, T
        else:
            r0, r1, c0, c1 = _random_occluder_rect(rng, frame)
            on, off = _random_interval(rng, T)
        video[b, on:off, r0:r1, c0:c1] = rng.uniform(0.2, 0.5)
        occl[b, on:off, r0:r1, c0:c1] = True
    return occl, has_occ
