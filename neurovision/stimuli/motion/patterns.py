"""Full-field moving patterns for speed tuning and speed perception: coherent random dots and drifting noise.

Both generators return float32 ``(n_frames, height, width)`` videos with values in [0, 1] on a mid-grey
``background`` and take their physical units as parameters (``ms_per_frame``: duration of one frame in ms;
``px_per_deg``: pixels per degree of visual angle), like the rest of :mod:`neurovision.stimuli.motion`.
Directions follow the package convention: 0 deg = rightwards, 90 deg = downwards (``y`` grows downwards).
The displacement per frame is ``speed_deg_s * ms_per_frame / 1000 * px_per_deg`` px; positions are continuous
(sub-pixel), so slow speeds move smoothly rather than in whole-pixel jumps. Patterns wrap around the frame
(periodic boundary), so the dot density / noise statistics are the same on every frame.

* :func:`random_dots` — 100 %-coherent random-dot fields, the stimulus of the macaque MT speed-tuning
  measurements of Nover, Anderson & DeAngelis (2005) J Neurosci 25:10049-10060.
* :func:`drifting_noise` — band-limited broadband (1/f) noise translating rigidly, seen through an optional
  circular aperture, as the drifting noise patterns of Stocker & Simoncelli (2006) Nat Neurosci 9:578-585.

The same arguments (including ``seed``) always give the identical video.
"""
from __future__ import annotations

import numpy as np

from .paths import check_frame, check_positive

__all__ = ["random_dots", "drifting_noise", "displacement_px_per_frame"]

POLARITIES = ("mixed", "bright", "dark")


def displacement_px_per_frame(speed_deg_s: float, direction_deg: float, ms_per_frame: float,
                              px_per_deg: float) -> np.ndarray:
    """The pattern's displacement per frame ``(dx, dy)`` in px (``y`` downwards):
    ``speed_deg_s * ms_per_frame / 1000 * px_per_deg`` along ``direction_deg`` (0 = right, 90 = down)."""
    step = speed_deg_s * ms_per_frame / 1000.0 * px_per_deg
    th = np.deg2rad(direction_deg)
    return np.array([step * np.cos(th), step * np.sin(th)])


def _check_common(n_frames: int, speed_deg_s: float, direction_deg: float, contrast: float, height: int,
                  width: int, ms_per_frame: float, px_per_deg: float, background: float) -> None:
    check_frame(n_frames, height, width, ms_per_frame, px_per_deg)
    check_positive("speed_deg_s", speed_deg_s, allow_zero=True)
    if not np.isfinite(direction_deg):
        raise ValueError(f"direction_deg must be finite; got {direction_deg!r}")
    if not (np.isfinite(contrast) and 0 <= contrast <= 1):
        raise ValueError(f"contrast must be in [0, 1]; got {contrast!r}")
    if not (np.isfinite(background) and 0 < background < 1):
        raise ValueError(f"background must be in (0, 1); got {background!r}")


def random_dots(n_frames: int, speed_deg_s: float, direction_deg: float = 0.0, *, contrast: float = 1.0,
                density: float = 0.05, dot_radius_deg: float = 1.0, polarity: str = "mixed", height: int = 32,
                width: int = 32, ms_per_frame: float = 10.0, px_per_deg: float = 1.0, seed: int = 0,
                background: float = 0.5) -> np.ndarray:
    """A field of dots all moving at ``speed_deg_s`` (deg/s) in ``direction_deg`` (100 % coherence).

    Returns float32 ``(n_frames, height, width)`` in [0, 1].

    * Dots: ``round(density * area)`` dots (at least 1), ``density`` in dots per deg² of the frame's area
      ``(height / px_per_deg) * (width / px_per_deg)``; the default 0.05 dots/deg² with radius 1 deg covers about
      16 % of the frame (51 dots on a 32 × 32 deg frame) — a sparse field as in Nover et al. (2005), sized for
      low-resolution (1 px/deg) model frames. Initial positions are uniform over the frame
      (``numpy.random.default_rng(seed)``).
    * Luminance: background ``background``; bright dots ``background * (1 + contrast)``, dark dots
      ``background * (1 - contrast)``, so ``contrast`` is the Michelson contrast between bright and dark dots and
      the dots' contrast against the background. ``polarity`` ``"mixed"`` (half bright, half dark; the mean
      luminance stays near ``background``), ``"bright"`` or ``"dark"``. Needs ``background * (1 + contrast) <= 1``
      for bright dots. Overlapping dots of the same sign saturate at the dot luminance (clipped).
    * Rendering: anti-aliased disks of radius ``dot_radius_deg * px_per_deg`` px (pixel coverage
      ``clip(r + 0.5 - d, 0, 1)`` as :func:`~neurovision.stimuli.motion.render.render_shape`) at continuous
      positions, with periodic (wrap-around) distances, so a dot leaving one edge re-enters at the opposite one.
      ``speed_deg_s = 0`` gives stationary dots.

    Raises ValueError naming any bad parameter.
    """
    _check_common(n_frames, speed_deg_s, direction_deg, contrast, height, width, ms_per_frame, px_per_deg,
                  background)
    check_positive("density", density)
    check_positive("dot_radius_deg", dot_radius_deg)
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {', '.join(POLARITIES)}; got {polarity!r}")
    if polarity != "dark" and background * (1 + contrast) > 1 + 1e-9:
        raise ValueError(f"bright dots need background * (1 + contrast) <= 1; got background={background}, "
                         f"contrast={contrast}")
    area = (height / px_per_deg) * (width / px_per_deg)
    n_dots = max(1, int(round(density * area)))
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 1, size=(n_dots, 2)) * np.array([width, height])
    if polarity == "mixed":
        sign = np.where(rng.permutation(n_dots) % 2 == 0, 1.0, -1.0)
    else:
        sign = np.full(n_dots, 1.0 if polarity == "bright" else -1.0)
    step = displacement_px_per_frame(speed_deg_s, direction_deg, ms_per_frame, px_per_deg)
    r = dot_radius_deg * px_per_deg
    xs = np.arange(width, dtype=np.float64)
    ys = np.arange(height, dtype=np.float64)
    amp = contrast * background
    lo, hi = background - amp * (polarity != "bright"), background + amp * (polarity != "dark")
    out = np.empty((n_frames, height, width), np.float32)
    for t in range(n_frames):
        pos = start + t * step
        # periodic signed distances in (-size/2, size/2]
        dx = (xs[None, :] - pos[:, 0:1] + width / 2) % width - width / 2          # (dot, width)
        dy = (ys[None, :] - pos[:, 1:2] + height / 2) % height - height / 2       # (dot, height)
        d = np.sqrt(dy[:, :, None] ** 2 + dx[:, None, :] ** 2)                      # (dot, height, width)
        cover = np.clip(r + 0.5 - d, 0.0, 1.0)
        frame = background + amp * np.tensordot(sign, cover, axes=1)
        out[t] = np.clip(frame, lo, hi)
    return out


def _noise_filter(height: int, width: int, px_per_deg: float, cutoff_cyc_deg: float, slope: float):
    """Amplitude filter on the FFT grid: ``f^-slope`` for ``0 < f <= cutoff`` (f in cyc/deg), 0 elsewhere; and
    the frequency grids (cycles/px) ``fy (height, 1)``, ``fx (1, width)``."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    f_deg = np.sqrt(fx ** 2 + fy ** 2) * px_per_deg
    filt = np.zeros((height, width))
    keep = (f_deg > 0) & (f_deg <= cutoff_cyc_deg)
    # Nyquist rows/columns have no unique sign: drop them so that sub-pixel shifts stay exact and real
    if height % 2 == 0:
        keep[height // 2, :] = False
    if width % 2 == 0:
        keep[:, width // 2] = False
    filt[keep] = f_deg[keep] ** (-slope)
    return filt, fy, fx


def drifting_noise(n_frames: int, speed_deg_s: float, direction_deg: float = 0.0, *, contrast: float = 0.2,
                   sf_cutoff_cyc_deg: float | None = None, slope: float = 1.0, height: int = 32, width: int = 32,
                   ms_per_frame: float = 10.0, px_per_deg: float = 1.0, seed: int = 0, background: float = 0.5,
                   aperture_radius_deg: float | None = None) -> np.ndarray:
    """A broadband noise pattern translating rigidly at ``speed_deg_s`` (deg/s) in ``direction_deg``.

    Returns float32 ``(n_frames, height, width)`` in [0, 1].

    * Pattern: Gaussian white noise (``numpy.random.default_rng(seed)``) filtered to an amplitude spectrum
      ``f^-slope`` (``slope = 1``: the 1/f spectrum of natural images; 0: white) between the lowest frequency of
      the frame and ``sf_cutoff_cyc_deg`` (cycles/deg; default half the Nyquist frequency, ``0.25 * px_per_deg``;
      at most the Nyquist frequency ``0.5 * px_per_deg``). The pattern is periodic over the frame.
    * Motion: frame ``t`` is the pattern shifted by ``t * speed_deg_s * ms_per_frame / 1000 * px_per_deg`` px,
      applied as a Fourier phase shift — exact for any sub-pixel displacement because the pattern is band-limited
      below Nyquist (Nyquist components are removed).
    * Contrast: ``contrast`` is the RMS contrast, standard deviation / mean luminance, of the full (unapertured)
      field: luminance ``background * (1 + contrast * z)`` with ``z`` of zero mean and unit RMS; values outside
      [0, 1] are clipped (none are for ``contrast <= 0.2`` at ``background = 0.5`` unless ``|z| > 5``). The
      default 0.2 is a mid contrast; Stocker & Simoncelli (2006) compared patterns of different contrasts.
    * Aperture: with ``aperture_radius_deg``, the pattern is seen through a circular window of that radius
      centred on the frame (anti-aliased edge, ``clip(r + 0.5 - d, 0, 1)`` in px); outside it is ``background``.

    Raises ValueError naming any bad parameter.
    """
    _check_common(n_frames, speed_deg_s, direction_deg, contrast, height, width, ms_per_frame, px_per_deg,
                  background)
    nyquist = 0.5 * px_per_deg
    cutoff = 0.5 * nyquist if sf_cutoff_cyc_deg is None else sf_cutoff_cyc_deg
    if not (np.isfinite(cutoff) and 0 < cutoff <= nyquist):
        raise ValueError(f"sf_cutoff_cyc_deg must be in (0, Nyquist = {nyquist:g}] cycles/deg; got {cutoff!r}")
    if not np.isfinite(slope):
        raise ValueError(f"slope must be finite; got {slope!r}")
    if aperture_radius_deg is not None:
        check_positive("aperture_radius_deg", aperture_radius_deg)
    filt, fy, fx = _noise_filter(height, width, px_per_deg, cutoff, slope)
    if not filt.any():
        raise ValueError(f"sf_cutoff_cyc_deg={cutoff:g} cycles/deg is below the lowest frequency a "
                         f"{height} × {width} px frame holds ({px_per_deg / max(height, width):g} cycles/deg)")
    rng = np.random.default_rng(seed)
    spec = np.fft.fft2(rng.standard_normal((height, width))) * filt
    z0 = np.fft.ifft2(spec).real
    spec = spec / z0.std()
    dx, dy = displacement_px_per_frame(speed_deg_s, direction_deg, ms_per_frame, px_per_deg)
    t = np.arange(n_frames)[:, None, None]
    phase = np.exp(-2j * np.pi * (fx[None] * dx + fy[None] * dy) * t)
    z = np.fft.ifft2(spec[None] * phase, axes=(-2, -1)).real
    lum = np.clip(background * (1 + contrast * z), 0.0, 1.0)
    if aperture_radius_deg is not None:
        ys = np.arange(height)[:, None] - (height - 1) / 2
        xs = np.arange(width)[None, :] - (width - 1) / 2
        win = np.clip(aperture_radius_deg * px_per_deg + 0.5 - np.sqrt(xs ** 2 + ys ** 2), 0.0, 1.0)
        lum = background + win * (lum - background)
    return lum.astype(np.float32)
