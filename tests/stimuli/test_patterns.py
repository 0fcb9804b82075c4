"""Moving patterns (neurovision.stimuli.motion.patterns): luminance, contrast, displacement per frame, seeds, errors."""
import numpy as np
import pytest

from neurovision.stimuli.motion.patterns import displacement_px_per_frame, drifting_noise, random_dots


def _shift(a: np.ndarray, b: np.ndarray, max_cyc: int = 3) -> np.ndarray:
    """Sub-pixel translation (dx, dy) of ``b`` relative to ``a`` (periodic frames), by weighted least squares on the
    phase of the cross-power spectrum at the lowest frequencies (phase = -2π (fx dx + fy dy))."""
    h, w = a.shape
    cross = np.fft.fft2(b - b.mean()) * np.conj(np.fft.fft2(a - a.mean()))
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    keep = (np.abs(fy * h) <= max_cyc) & (np.abs(fx * w) <= max_cyc) & ((fx != 0) | (fy != 0))
    phase = np.angle(cross[keep])
    wts = np.abs(cross[keep])
    design = -2 * np.pi * np.stack([fx[keep], fy[keep]], 1)
    sw = np.sqrt(wts)[:, None]
    sol, *_ = np.linalg.lstsq(design * sw, phase * sw[:, 0], rcond=None)
    return sol


def test_displacement_formula():
    np.testing.assert_allclose(displacement_px_per_frame(10.0, 0.0, 10.0, 2.0), [0.2, 0.0], atol=1e-12)
    np.testing.assert_allclose(displacement_px_per_frame(10.0, 90.0, 20.0, 1.0), [0.0, 0.2], atol=1e-12)


@pytest.mark.parametrize("speed,direction,ppd,ms", [(4.0, 0.0, 1.0, 10.0), (8.0, 90.0, 1.0, 10.0),
                                                     (2.0, 225.0, 2.0, 20.0), (16.0, 30.0, 1.0, 10.0)])
def test_dots_move_at_speed(speed, direction, ppd, ms):
    v = random_dots(12, speed, direction, height=48, width=48, px_per_deg=ppd, ms_per_frame=ms, seed=2)
    step = speed * ms / 1000 * ppd * np.array([np.cos(np.deg2rad(direction)), np.sin(np.deg2rad(direction))])
    lag = 3 if np.hypot(*step) * 3 < 6 else 1
    est = np.mean([_shift(v[t], v[t + lag]) for t in range(0, 12 - lag)], axis=0) / lag
    np.testing.assert_allclose(est, step, atol=0.03 + 0.03 * np.hypot(*step))


@pytest.mark.parametrize("speed,direction,ppd", [(3.0, 0.0, 1.0), (7.0, 120.0, 1.0), (1.0, 300.0, 2.0)])
def test_noise_moves_at_speed_exactly(speed, direction, ppd):
    v = drifting_noise(10, speed, direction, px_per_deg=ppd, seed=5)
    step = displacement_px_per_frame(speed, direction, 10.0, ppd)
    # band-limited periodic pattern: the phase shift is exact, so the estimate is exact to float32 precision
    est = np.mean([_shift(v[t], v[t + 1]) for t in range(9)], axis=0)
    np.testing.assert_allclose(est, step, atol=2e-3)
    # and frame t equals frame 0 shifted by t * step (integer displacement → a pure roll)
    v2 = drifting_noise(6, 20.0, 0.0, seed=5, ms_per_frame=50.0)  # 1 px per frame
    np.testing.assert_allclose(v2[3], np.roll(v2[0], 3, axis=1), atol=1e-5)


def test_stationary_patterns():
    d = random_dots(5, 0.0, seed=1)
    n = drifting_noise(5, 0.0, seed=1)
    assert np.all(d == d[0]) and np.allclose(n, n[0])


def test_dot_luminance_and_contrast():
    v = random_dots(3, 4.0, contrast=0.6, background=0.5, seed=0, polarity="mixed", density=0.02)
    assert v.dtype == np.float32 and v.shape == (3, 32, 32)
    np.testing.assert_allclose(v.max(), 0.8, atol=1e-6)
    np.testing.assert_allclose(v.min(), 0.2, atol=1e-6)
    michelson = (v.max() - v.min()) / (v.max() + v.min())
    np.testing.assert_allclose(michelson, 0.6, atol=1e-6)
    # the most common value is the background; mixed polarity keeps the mean near it
    vals, counts = np.unique(v, return_counts=True)
    assert vals[counts.argmax()] == np.float32(0.5)
    assert abs(v.mean() - 0.5) < 0.03
    bright = random_dots(2, 4.0, polarity="bright", contrast=0.5, background=0.4)
    assert bright.min() == np.float32(0.4) and np.isclose(bright.max(), 0.6)
    # number of dots: total dot "mass" ≈ n_dots * pi r^2 (sparse field, few overlaps)
    one = random_dots(1, 0.0, polarity="bright", density=0.01, dot_radius_deg=2.0, contrast=1.0)
    mass = (one[0] - 0.5).sum() / 0.5
    assert abs(mass - round(0.01 * 32 * 32) * np.pi * 4) < 0.15 * round(0.01 * 32 * 32) * np.pi * 4


def test_dot_wraparound_conserves_dots():
    v = random_dots(200, 32.0, 0.0, polarity="bright", seed=3)
    mass = (v - 0.5).sum(axis=(1, 2))
    # dots leave one edge and re-enter the other: total luminance varies only through overlaps
    assert mass.std() / mass.mean() < 0.1


def test_noise_rms_contrast_and_aperture():
    v = drifting_noise(4, 5.0, seed=3, contrast=0.15, background=0.5)
    rms = v.std(axis=(1, 2)) / v.mean(axis=(1, 2))
    np.testing.assert_allclose(rms, 0.15, rtol=0.02)
    np.testing.assert_allclose(v.mean(axis=(1, 2)), 0.5, atol=1e-4)
    ap = drifting_noise(4, 5.0, seed=3, contrast=0.15, aperture_radius_deg=8.0)
    yy, xx = np.mgrid[:32, :32] - 15.5
    d = np.hypot(xx, yy)
    assert np.all(ap[:, d > 8.5] == np.float32(0.5))
    np.testing.assert_allclose(ap[:, d < 7.5], v[:, d < 7.5], atol=1e-6)
    # spectrum: nothing above the cutoff
    f = np.hypot(*np.meshgrid(np.fft.fftfreq(32), np.fft.fftfreq(32), indexing="ij"))
    power = np.abs(np.fft.fft2(v[0] - v[0].mean())) ** 2
    assert power[f > 0.25 + 1e-9].sum() < 1e-8 * power.sum()


def test_seeds_deterministic():
    for fn in (random_dots, drifting_noise):
        a, b, c = fn(6, 8.0, seed=11), fn(6, 8.0, seed=11), fn(6, 8.0, seed=12)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
        assert a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1


@pytest.mark.parametrize("fn,kw,word", [
    (random_dots, dict(speed_deg_s=-1.0), "speed_deg_s"),
    (random_dots, dict(contrast=1.5), "contrast"),
    (random_dots, dict(density=0.0), "density"),
    (random_dots, dict(dot_radius_deg=-1.0), "dot_radius_deg"),
    (random_dots, dict(polarity="grey"), "polarity"),
    (random_dots, dict(background=0.8, contrast=0.5), "background"),
    (random_dots, dict(n_frames=0), "n_frames"),
    (random_dots, dict(direction_deg=np.nan), "direction_deg"),
    (drifting_noise, dict(sf_cutoff_cyc_deg=0.6), "sf_cutoff_cyc_deg"),
    (drifting_noise, dict(sf_cutoff_cyc_deg=0.001), "sf_cutoff_cyc_deg"),
    (drifting_noise, dict(aperture_radius_deg=0.0), "aperture_radius_deg"),
    (drifting_noise, dict(background=1.0), "background"),
    (drifting_noise, dict(px_per_deg=0.0), "px_per_deg"),
])
def test_bad_arguments(fn, kw, word):
    args = dict(n_frames=3, speed_deg_s=1.0)
    args.update(kw)
    n, s = args.pop("n_frames"), args.pop("speed_deg_s")
    with pytest.raises(ValueError, match=word):
        fn(n, s, **args)
