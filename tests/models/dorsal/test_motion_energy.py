"""The motion-energy model: direction selectivity, speed (tf/sf) tuning and phase invariance on drifting gratings."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neurovision.models.dorsal import motion_energy as me


@pytest.fixture(scope="module")
def net():
    return me.build().network


def grating(sf: float, tf: float, direction_deg: float, n_frames: int = 80, phase: float = 0.0,
            contrast: float = 1.0) -> np.ndarray:
    """Drifting sinusoidal grating (T, 32, 32) at 16 px/deg, 10 ms/frame, moving at tf/sf deg/s in
    ``direction_deg`` (0 = rightwards, 90 = downwards)."""
    ys, xs = np.mgrid[0:32, 0:32] / 16.0
    th = np.deg2rad(direction_deg)
    t = np.arange(n_frames)[:, None, None] * 0.01
    arg = 2 * np.pi * (sf * (xs * np.cos(th) + ys * np.sin(th)) - tf * t) + phase
    return (0.5 + 0.5 * contrast * np.cos(arg)).astype(np.float32)


def energy(net, videos) -> np.ndarray:
    """Steady-state energy (last 20 frames, mean over positions): (video, direction, sf, tf)."""
    with torch.no_grad():
        e = net.energy(net.spatial(torch.from_numpy(np.stack(videos))))
    return e[:, 60:].mean((1, -1)).numpy()


def test_direction_selectivity(net):
    e = energy(net, [grating(2, 8, d) for d in me.DIRECTIONS_DEG])
    pref = e[:, :, 1, 2]  # units at the gratings' sf and tf
    assert (pref.argmax(1) == np.arange(8)).all()
    opposite = pref[np.arange(8), (np.arange(8) + 4) % 8]
    dsi = (pref.max(1) - opposite) / (pref.max(1) + opposite)
    assert (dsi > 0.85).all()


def test_preferred_speed_is_tf_over_sf(net):
    for s, sf in enumerate(me.SPATIAL_FREQS):
        e = energy(net, [grating(sf, tf, 0.0) for tf in me.TEMPORAL_FREQS])[:, 0, s]  # (stimulus tf, unit tf)
        # every unit responds most to the grating drifting at its own tf, i.e. at speed tf / sf
        assert (e.argmax(0) == np.arange(len(me.TEMPORAL_FREQS))).all(), e


def test_mt_units_prefer_the_grating_speed(net):
    with torch.no_grad():
        mt = net(torch.from_numpy(np.stack([grating(2, 8, 0.0), grating(1, 2, 90.0)])))[:, 60:].mean(1).numpy()
    assert mt[0].max() == mt[0, 0].max() and me.SPEEDS[int(mt[0, 0].argmax())] == 4.0
    assert mt[1].max() == mt[1, 2].max() and me.SPEEDS[int(mt[1, 2].argmax())] == 2.0


def test_energy_is_phase_invariant(net):
    e = energy(net, [grating(2, 8, 0.0, phase=p) for p in np.linspace(0, 2 * np.pi, 5)[:-1]])
    np.testing.assert_allclose(e[:, 0, 1, 2], e[0, 0, 1, 2], rtol=0.02)
    with torch.no_grad():  # and constant over time at steady state, although the grating's phase drifts
        trace = net.energy(net.spatial(torch.from_numpy(grating(2, 8, 0.0)[None])))[0, 60:, 0, 1, 2].mean(-1)
    assert float(trace.std() / trace.mean()) < 0.05


def test_no_response_to_uniform_field_and_contrast_saturates(net):
    assert float(energy(net, [np.full((80, 32, 32), 0.7, np.float32)]).max()) < 1e-8
    with torch.no_grad():
        r = [net(torch.from_numpy(grating(2, 8, 0.0, contrast=c)[None]))[0, 60:, 0, 2].mean().item()
             for c in (0.05, 0.2, 0.8)]
    # divisive normalisation: 4x the contrast gives < 2x the response above 20 % (energy alone: 16x)
    assert r[0] < r[1] < r[2] and r[2] / r[1] < 2.0


def test_model_contract_and_no_position_readout():
    m = me.build()
    assert m.region_layer_map == {"MT": "mt", "dorsal": "mt"} and m.layers == me.LAYERS
    assert m.network_input(np.zeros((2, 10, 32, 32), np.float32)).shape == (2, 10, 32, 32)
    with pytest.raises(ValueError, match="no position readout"):
        m.run(np.zeros((10, 32, 32), np.float32))
    with pytest.raises(ValueError, match="32x32"):
        m.network_input(np.zeros((1, 10, 16, 16), np.float32))
    assert len(m.fingerprint()) == 64
