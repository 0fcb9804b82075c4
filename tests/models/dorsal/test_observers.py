"""Reference observers: the detector, the Kalman filter against an independent numpy recursion, compensation lead,
occlusion, absence of a target, and the postdictive report."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neurovision.models.dorsal import observers as ob
from neurovision.stimuli.motion import Flash, Linear, MovingObject, Occluder, make_video, render_shape

SPEED = 10.0  # deg/s


@pytest.fixture(scope="module")
def models():
    return {k: ob.build(k) for k in ob.OBSERVERS}


def linear_video(occluders=(), vanish=None, n=80):
    obj = MovingObject(Linear((-8.0, 1.0), SPEED, 0.0), "disk", 1.5, 1.0, vanish_frame=vanish)
    return make_video([obj], list(occluders), [], n_frames=n)


def test_detector_localises_disk_and_ignores_ring_and_occluder(models):
    net = models["kalman_uncompensated"].network
    rng = np.random.default_rng(0)
    pos = rng.uniform(6, 26, (40, 2)).astype(np.float32)
    disks = np.stack([render_shape(p, "disk", 1.5, 1.0, 32, 32) for p in pos])[:, None]
    rings = np.stack([render_shape(p, "ring", 2.5, 0.8, 32, 32) for p in pos])[:, None]
    grey = np.zeros((1, 1, 32, 32), np.float32)
    grey[..., 8:24, 4:20] = 0.4
    with torch.no_grad():
        def both(v):
            v = torch.from_numpy(v)
            maps = net.matched_filters(v)
            return net.measure(v, maps).numpy()[:, 0], net.flash_measure(v, maps).numpy()[:, 0]
        d, fd = both(disks)
        r, fr = both(rings)
        g, fg = both(grey)
    err = d[:, :2] + 15.5 - pos  # deg -> px at 1 px/deg
    assert np.abs(err).max() < 0.3 and (d[:, 3] > 0.5).all()
    assert (r[:, 3] < 0.5).all() and (g[:, 3] < 0.5).all()  # a ring flash / an occluder is no target
    assert (fr[:, 3] > 0.5).all() and np.abs(fr[:, :2] + 15.5 - pos).max() < 0.3  # the ring is the flash
    assert (fd[:, 3] < 0.5).all() and (fg[:, 3] < 0.5).all()


def numpy_kalman(z, contrast, detected, dt, sr, sa, p0, v0):
    """Textbook Kalman recursion, one axis pair at a time, 4x4 matrices."""
    F = np.eye(4)
    F[0, 2] = F[1, 3] = dt
    G = np.array([[dt ** 2 / 2, 0], [0, dt ** 2 / 2], [dt, 0], [0, dt]])
    Q = sa ** 2 * G @ G.T
    H = np.eye(2, 4)
    x = np.zeros(4)
    P = np.diag([p0 ** 2, p0 ** 2, v0 ** 2, v0 ** 2])
    out = []
    for t in range(len(z)):
        if t:
            x, P = F @ x, F @ P @ F.T + Q
        if detected[t]:
            R = np.eye(2) * (sr / max(contrast[t], 1e-3)) ** 2
            K = P @ H.T @ np.linalg.inv(H @ P @ H.T + R)
            x = x + K @ (z[t] - H @ x)
            P = (np.eye(4) - K @ H) @ P
        out.append(x.copy())
    return np.array(out)


def test_filter_matches_independent_numpy_kalman(models):
    m = models["kalman_uncompensated"]
    occ = Occluder(-2.0, -16.0, 4.0, 16.0, 0, None)
    video, _ = linear_video([occ], n=130)
    x = m.network_input(video[None])
    with torch.no_grad():
        meas = m.network.measure(x, m.network.matched_filters(x))
        state = m.network.filter(meas)[0].numpy()
    meas = meas[0].double().numpy()
    f = m.network.filter
    ref = numpy_kalman(meas[:, :2], meas[:, 2], meas[:, 3] >= 0.5, f.dt, f.sigma_r, f.sigma_a,
                       f.prior_position_sd, f.prior_velocity_sd)
    assert (meas[:, 3] < 0.5).sum() > 10  # the occluder gates measurements off
    np.testing.assert_allclose(state, ref, rtol=1e-5, atol=1e-5)


def test_compensating_leads_by_the_delay_and_uncompensated_reports_the_delayed_input(models):
    video, meta = linear_video()
    true = meta.position_deg.values[:, 0]
    d = 5
    comp = models["kalman_compensating"].run(video)["position_deg"]
    unc = models["kalman_uncompensated"].run(video)["position_deg"]
    t = np.arange(30, 80)
    assert np.abs(comp[t] - true[t]).max() < 0.1  # ≈ the true position at video time t
    assert np.abs(unc[t] - true[t - d]).max() < 0.1  # ≈ the position at t - Δ
    lead_ms = np.mean(comp[t, 0] - unc[t, 0]) / SPEED * 1000
    assert lead_ms == pytest.approx(50.0, abs=2.0)


def test_occluded_target_keeps_its_velocity(models):
    occ = Occluder(-2.0, -16.0, 4.0, 16.0, 0, None)  # full height, x -2..4 deg: hides frames ~80-100
    video, meta = linear_video([occ], n=130)
    r = models["kalman_uncompensated"].run(video)
    hidden = meta.visible_fraction.values[:, 0] < 0.05
    t = np.flatnonzero(hidden[:-5]) + 5  # network times whose input frame is occluded
    assert len(t) > 10 and (r["visible_prob"][t] < 0.5).all()
    gain = np.diff(r["position_deg"][t, 0]).mean() / (SPEED / 100)
    assert gain == pytest.approx(1.0, abs=0.1)
    assert np.abs(r["hidden"][t, 2] / SPEED - 1).max() < 0.1


def test_no_target_stays_at_the_frame_centre(models):
    r = models["kalman_compensating"].run(np.zeros((40, 32, 32), np.float32))
    assert np.abs(r["position_deg"]).max() == 0 and np.allclose(r["position_px"], 15.5)
    assert (r["visible_prob"] < 0.5).all() and np.abs(r["flash_deg"]).max() == 0


def test_postdictive_reports_the_mean_of_the_next_80_ms():
    m = ob.build("postdictive")
    video, meta = linear_video()
    true = meta.position_deg.values[:, 0]
    r = m.run(video)["position_deg"]
    t = np.arange(30, 70)
    expected = np.stack([true[k - 5:k + 4].mean(0) for k in t])  # input frames t-Δ .. t-Δ+8
    assert np.abs(r[t] - expected).max() < 0.1
    # a target that vanishes at frame 40 is reported where it was last seen
    video, meta = linear_video(vanish=41)
    r = m.run(video)["position_deg"]
    assert np.abs(r[45] - meta.position_deg.values[40, 0]).max() < 0.1


def test_flash_readout_holds_the_last_flash(models):
    obj = MovingObject(Linear((-8.0, 2.0), SPEED, 0.0), "disk", 1.5, 1.0)
    video, _ = make_video([obj], [], [Flash(30, (-4.0, -1.5), 5)], n_frames=60)
    r = models["kalman_compensating"].run(video)
    assert (r["flash_present_prob"][35:40] > 0.5).all() and (r["flash_present_prob"][:35] < 0.5).all()
    # along the motion within 0.1 deg; across it pulled ≤ 0.35 deg towards the overlapping disk (3.5 deg away)
    assert np.abs(r["flash_deg"][35:, 0] + 4.0).max() < 0.1 and np.abs(r["flash_deg"][35:, 1] + 1.5).max() < 0.35


def test_contract_errors_and_fingerprint(models):
    m = models["kalman_compensating"]
    assert m.region_layer_map["dorsal"] == ob.STATE_LAYER and m.delay_frames == 5
    r = m.run(np.zeros((2, 20, 32, 32), np.float32))
    assert r["position_deg"].shape == (2, 20, 2) and r["hidden"].shape == (2, 20, 4)
    with pytest.raises(ValueError, match="32x32"):
        m.run(np.zeros((20, 16, 16), np.float32))
    with pytest.raises(ValueError, match="unknown observer"):
        ob.build("kalman")
    assert len({ob.build(k).fingerprint() for k in ob.OBSERVERS}) == 3
