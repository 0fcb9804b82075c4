"""Motion video generators (neurovision.stimuli.motion): determinism, geometry, occluders, flashes, errors."""
import numpy as np
import pytest

from neurovision.stimuli.motion import (
    Bouncing,
    Circular,
    Custom,
    Flash,
    Linear,
    MovingObject,
    Occluder,
    Sinusoidal,
    delay_frames_from_ms,
    make_video,
    random_scenes,
)


def _scene(**kw):
    obj = MovingObject(Linear((-10.0, 0.0), 20.0, 0.0))
    return make_video([obj], [Occluder(-3, -16, 3, 16, on_frame=10, off_frame=60)], [Flash(20, (0.0, 5.0))],
                      n_frames=80, **kw)


def test_same_seed_identical_video_and_meta():
    v1, m1 = _scene(noise_sd=0.05, seed=3)
    v2, m2 = _scene(noise_sd=0.05, seed=3)
    v3, _ = _scene(noise_sd=0.05, seed=4)
    assert v1.dtype == np.float32 and v1.shape == (80, 32, 32)
    assert v1.min() >= 0 and v1.max() <= 1
    np.testing.assert_array_equal(v1, v2)
    assert m1.identical(m2)
    assert not np.array_equal(v1, v3)
    a = random_scenes(4, np.random.default_rng(7), n_frames=30)
    b = random_scenes(4, np.random.default_rng(7), n_frames=30)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_occluder_hides_exactly_its_frames():
    # object moves right at 20 deg/s from x=-10 deg: centre crosses x in [-3, 3] deg between frames 35 and 65
    video, meta = _scene()
    occ = (slice(None), slice(13, 19))  # pixel columns whose centres lie in -3..3 deg (1 px/deg, 32 px)
    rect = video[:, :, 13:19]
    assert np.all(rect[10:60] == np.float32(0.4))
    assert not np.all(rect[:10] == np.float32(0.4)) and not np.all(rect[60:] == np.float32(0.4))
    vis = meta["visible"].values[:, 0]
    x = meta["position_deg"].values[:, 0, 0]
    inside = (np.abs(x) < 3)
    frames = np.arange(80)
    active = (frames >= 10) & (frames < 60)
    assert not vis[inside & active].any()          # hidden while behind the active occluder
    assert vis[~active].all()                       # never hidden when the occluder is off
    assert vis[active & (np.abs(x) > 5)].all()      # visible away from it
    assert meta["occluder_on_frame"].item() == 10 and meta["occluder_off_frame"].item() == 60
    del occ


def test_metadata_units_and_paths():
    _, meta = make_video(MovingObject(Circular((0, 0), 8.0, 30.0)), n_frames=50, ms_per_frame=20, px_per_deg=2.0,
                         height=48, width=48)
    assert meta["time_ms"].values[1] == 20.0 and meta.attrs["px_per_deg"] == 2.0
    p = meta["position_deg"].values[:, 0]
    np.testing.assert_allclose(np.hypot(p[:, 0], p[:, 1]), 8.0, atol=1e-9)
    speed = np.linalg.norm(meta["velocity_deg_s"].values[1:-1, 0], axis=-1)
    np.testing.assert_allclose(speed, 30.0, rtol=0.01)
    np.testing.assert_allclose(meta["position_px"].values[:, 0], p * 2.0 + 23.5)
    _, m2 = make_video(MovingObject(Bouncing((0, 0), 60.0, 33.0)), n_frames=200)
    q = m2["position_deg"].values[:, 0]
    assert np.abs(q).max() <= 16 - 1.5 + 1e-9
    _, m3 = make_video(MovingObject(Sinusoidal((0, 0), 10.0, 1000.0)), n_frames=101)
    x = m3["position_deg"].values[:, 0, 0]
    assert x[0] == pytest.approx(10) and x[50] == pytest.approx(-10) and x[100] == pytest.approx(10)
    # angular speed in polar deg/s (Cottier et al. 2023 rotate at 180 deg/s)
    c = Circular((0, 0), 12.15, angular_speed_deg_s=180.0)
    assert np.diff(c.polar_angle_deg(3, 10.0))[0] == pytest.approx(1.8)


def test_flash_is_distinguishable_from_target_and_recorded():
    pos = Linear((0, 0), 0.0, 0.0).positions(10, 10.0)
    v_no, _ = make_video(MovingObject(Custom(pos)), n_frames=10)
    v_fl, m = make_video(MovingObject(Custom(pos)), [], [Flash(4, (0.0, 0.0), 3)], n_frames=10)
    assert not np.array_equal(v_no[4], v_fl[4])   # a flash exactly on the target still changes the frame
    np.testing.assert_array_equal(v_no[:4], v_fl[:4])
    np.testing.assert_array_equal(v_no[7:], v_fl[7:])
    assert m["flash_on"].values.tolist() == [False] * 4 + [True] * 3 + [False] * 3
    assert np.isnan(m["flash_position_deg"].values[0]).all()


def test_multiple_objects_and_appearance():
    objs = [MovingObject(Linear((-5, -5), 10, 0)), MovingObject(Linear((5, 5), 10, 180), shape="gaussian",
                                                                  size_deg=1.0, appear_frame=5, vanish_frame=20)]
    v, m = make_video(objs, n_frames=30)
    assert m.sizes["object"] == 2
    assert m["present"].values[:, 1].tolist() == [False] * 5 + [True] * 15 + [False] * 10
    assert not m["visible"].values[:5, 1].any()


@pytest.mark.parametrize("build, match", [
    (lambda: make_video(MovingObject(Linear(speed_deg_s=-1.0))), "speed_deg_s"),
    (lambda: make_video(MovingObject(Bouncing(speed_deg_s=-5.0))), "speed_deg_s"),
    (lambda: make_video(MovingObject(Linear()), [Occluder(10, -2, 20, 2)]), "outside the frame"),
    (lambda: make_video(MovingObject(Linear()), [Occluder(-2, -2, 2, 2, on_frame=5, off_frame=100)], n_frames=50),
     "off_frame"),
    (lambda: make_video(MovingObject(Linear()), [], [Flash(90, (0, 0))], n_frames=80), "outside the video"),
    (lambda: make_video(MovingObject(Linear()), [], [Flash(78, (0, 0), 5)], n_frames=80), "past the end"),
    (lambda: make_video(MovingObject(Linear()), ms_per_frame=0), "ms_per_frame"),
    (lambda: make_video(MovingObject(Linear()), px_per_deg=-1), "px_per_deg"),
    (lambda: make_video(MovingObject(Linear(), shape="star")), "shape"),
    (lambda: make_video(MovingObject(Circular(radius_deg=0))), "radius_deg"),
    (lambda: make_video(MovingObject(Bouncing(start_deg=(20, 0)))), "outside the box"),
    (lambda: make_video(MovingObject(Custom(np.zeros((3, 2)))), n_frames=10), "shape"),
    (lambda: delay_frames_from_ms(55, 10), "whole number"),
    (lambda: random_scenes(2, np.random.default_rng(0), speed_range_deg_s=(-1, 5)), "speed_range"),
])
def test_bad_parameters_raise_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_aligned_flashes_sit_beside_the_target():
    sc = random_scenes(16, np.random.default_rng(5), n_frames=40, p_flash=1.0, p_flash_near=1.0, p_flash_aligned=1.0,
                       max_flashes=1)
    for b in range(16):
        o = sc["flash_onset"][b, 0]
        d = sc["flash_px"][b, 0] - sc["position_px"][b, o]
        v = sc["position_px"][b, o + 1] - sc["position_px"][b, o - 1]
        along = abs(d @ v) / max(np.linalg.norm(v), 1e-9)
        dist = np.linalg.norm(d)
        clipped = np.any(np.abs(sc["flash_px"][b, 0] - 15.5) >= 15.5 - 1.0 - 1e-3)
        if not clipped:  # aligned along the motion, 2.5-4.5 deg (= px here) to the side
            assert along < 0.05 and 2.5 - 1e-3 <= dist <= 4.5 + 1e-3, (b, along, dist)
