"""Maximum-likelihood fit of a cumulative-Gaussian psychometric function with a lapse rate.

Model (Wichmann FA, Hill NJ (2001) The psychometric function: I. Fitting, sampling, and goodness of fit. Percept
Psychophys 63:1293-1313), for binary choices ("test seen faster" in a 2AFC comparison) as a function of a
stimulus variable ``x`` (e.g. the natural log of the test speed):

    p(x) = λ + (1 - 2λ) Φ((x - μ) / σ)

Φ is the standard normal CDF. The lapse rate λ is symmetric (a lapse is a random answer, which in a comparison
task is "faster" or "slower" with equal odds, so both asymptotes move in by λ) and bounded to
``0 ≤ λ ≤ max_lapse`` (default 0.06, the bound Wichmann & Hill 2001 recommend). Because the lapse is symmetric,
p(μ) = 0.5 whatever λ is, so:

* ``pse`` = μ, the point of subjective equality: where the non-lapse part Φ is 0.5 (units of ``x``);
* ``sigma`` = σ, the standard deviation of the cumulative Gaussian (units of ``x``);
* ``threshold`` = Φ⁻¹(0.75) σ ≈ 0.6745 σ: the distance from the PSE to the 75 % point of the non-lapse part
  (units of ``x``; with ``x`` = ln speed, ``exp(threshold) - 1`` is the Weber fraction ``(v75 - v50) / v50``).

The parameters maximise the binomial log-likelihood ``Σ k ln p + (n - k) ln(1 - p)`` over the distinct stimulus
levels (k "yes" of n trials at each level; the binomial coefficient is omitted, so the value is that of the
Bernoulli trials). σ is bounded to ``sigma_bounds`` (default: 0.001 to 10 times the range of the tested levels)
so that perfectly separated data give a finite fit. The optimiser is a batched Levenberg–Marquardt Fisher scoring
(many fits at once, e.g. bootstrap resamples) started from the best point of a grid or from given values; an
independent scipy optimisation of the same likelihood reaches the same log-likelihood to within 1e-4 (the tests).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import expit, ndtr

#: Φ⁻¹(0.75): the 75 % point of the standard normal, in units of σ
Z75 = 0.6744897501960817
#: default upper bound of the lapse rate (Wichmann & Hill 2001)
MAX_LAPSE = 0.06
_EPS = 1e-12


@dataclass(frozen=True)
class PsychometricFit:
    """One maximum-likelihood psychometric fit (see the module docstring): ``pse``, ``sigma``, ``threshold``
    (= Φ⁻¹(0.75) σ) in units of the stimulus variable, ``lapse`` (λ), ``log_likelihood`` (Bernoulli, natural log),
    ``n_trials``, ``n_levels`` (distinct stimulus values) and ``converged``."""

    pse: float
    sigma: float
    threshold: float
    lapse: float
    log_likelihood: float
    n_trials: int
    n_levels: int
    converged: bool

    def probability(self, x) -> np.ndarray:
        """p(x) of the fitted function."""
        return psychometric_probability(x, self.pse, self.sigma, self.lapse)

    def to_dict(self) -> dict:
        return asdict(self)


def psychometric_probability(x, pse, sigma, lapse) -> np.ndarray:
    """``λ + (1 - 2λ) Φ((x - pse) / sigma)``, broadcast over the arguments (float64)."""
    x, pse, sigma, lapse = (np.asarray(a, dtype=np.float64) for a in (x, pse, sigma, lapse))
    return lapse + (1 - 2 * lapse) * ndtr((x - pse) / sigma)


def log_likelihood(x, k, n, pse, sigma, lapse) -> np.ndarray:
    """Bernoulli log-likelihood ``Σ k ln p + (n - k) ln(1 - p)`` summed over the last axis of ``x``, ``k``, ``n``
    (levels), with p from :func:`psychometric_probability` (``pse``, ``sigma``, ``lapse`` broadcast against the
    leading axes)."""
    p = psychometric_probability(np.asarray(x, float), np.asarray(pse, float)[..., None],
                                 np.asarray(sigma, float)[..., None], np.asarray(lapse, float)[..., None])
    p = np.clip(p, _EPS, 1 - _EPS)
    k, n = np.asarray(k, float), np.asarray(n, float)
    return np.sum(k * np.log(p) + (n - k) * np.log1p(-p), axis=-1)


def _counts(x: np.ndarray, chose: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    levels, inverse = np.unique(x, return_inverse=True)
    n = np.bincount(inverse, minlength=len(levels)).astype(float)
    k = np.bincount(inverse, weights=chose.astype(float), minlength=len(levels))
    return levels, k, n


def fit_psychometric(x, chose, *, max_lapse: float = MAX_LAPSE,
                     sigma_bounds: tuple[float, float] | None = None) -> PsychometricFit:
    """Maximum-likelihood fit of the module's psychometric function to single trials.

    ``x`` (n_trials,): the stimulus variable of each trial (e.g. ln test speed; finite); ``chose`` (n_trials,):
    the binary answer (bool or 0/1; 1 = "yes", e.g. test seen faster). ``max_lapse``: upper bound of λ in
    [0, 0.5). ``sigma_bounds``: ``(low, high)`` bounds of σ in units of ``x`` (default: 0.001 and 10 times the
    range of ``x``). Raises ValueError for mismatched or empty input, non-finite ``x``, answers other than 0/1,
    fewer than two distinct stimulus values, or answers that are all the same (no psychometric function can be
    fitted: the PSE lies outside the tested range).
    """
    x = np.asarray(x, dtype=np.float64)
    c = np.asarray(chose)
    if x.ndim != 1 or c.shape != x.shape:
        raise ValueError(f"x and chose must be 1-d arrays of the same length; got shapes {x.shape} and {c.shape}")
    if x.size == 0:
        raise ValueError("no trials to fit")
    if not np.isfinite(x).all():
        raise ValueError("x holds non-finite values (for x = log speed: speeds must be > 0)")
    cf = c.astype(np.float64)
    if not np.isin(cf, (0.0, 1.0)).all():
        raise ValueError("chose must hold binary answers (bool or 0/1)")
    levels, k, n = _counts(x, cf)
    out = fit_psychometric_counts(levels, k, n, max_lapse=max_lapse, sigma_bounds=sigma_bounds, degenerate="raise")
    return PsychometricFit(pse=float(out["pse"][0]), sigma=float(out["sigma"][0]),
                           threshold=float(out["threshold"][0]), lapse=float(out["lapse"][0]),
                           log_likelihood=float(out["log_likelihood"][0]), n_trials=int(n.sum()),
                           n_levels=int(len(levels)), converged=bool(out["converged"][0]))


def _check_counts(x, k, n) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = np.atleast_2d(np.asarray(k, dtype=np.float64))
    n = np.atleast_2d(np.asarray(n, dtype=np.float64))
    x = np.asarray(x, dtype=np.float64)
    if k.shape != n.shape or k.ndim != 2:
        raise ValueError(f"k and n must have the same shape (n_fits, n_levels) or (n_levels,); got {k.shape}, "
                         f"{n.shape}")
    try:
        x = np.broadcast_to(x, k.shape)
    except ValueError:
        raise ValueError(f"x of shape {np.shape(x)} does not broadcast to the counts' shape {k.shape}") from None
    used = n > 0
    if not np.isfinite(x[used]).all():
        raise ValueError("x holds non-finite values at levels with trials (for x = log speed: speeds must be > 0)")
    if (n < 0).any() or (k < 0).any() or (k > n).any() or not (np.isfinite(k).all() and np.isfinite(n).all()):
        raise ValueError("counts must satisfy 0 <= k <= n (finite)")
    return np.where(used, x, 0.0), k, n


def fit_psychometric_counts(x, k, n, *, max_lapse: float = MAX_LAPSE,
                            sigma_bounds: tuple[float, float] | None = None, init: dict | None = None,
                            degenerate: str = "raise", max_iter: int = 200) -> dict[str, np.ndarray]:
    """Many maximum-likelihood fits at once, from counts.

    ``x`` (n_levels,) or (n_fits, n_levels): stimulus values; ``k``, ``n`` (n_fits, n_levels) or (n_levels,):
    "yes" answers and trials per level (levels with ``n == 0`` are ignored, so rows may be padded).
    ``sigma_bounds`` as in :func:`fit_psychometric` (default per row, from that row's tested range).
    ``init``: optional start values ``{"pse", "sigma", "lapse"}`` (arrays of length n_fits, e.g. the point fit
    for bootstrap resamples); default: the best point of a 15 × 9 grid of (μ, σ) at λ = min(0.01, max_lapse).
    ``degenerate``: rows whose answers are all the same or that have fewer than two tested levels give a
    ValueError (``"raise"``) or NaN results (``"nan"``).

    Returns arrays of length n_fits: ``pse``, ``sigma``, ``threshold``, ``lapse``, ``log_likelihood``,
    ``converged`` (bool).
    """
    if degenerate not in ("raise", "nan"):
        raise ValueError(f"degenerate must be 'raise' or 'nan'; got {degenerate!r}")
    if not 0 <= max_lapse < 0.5:
        raise ValueError(f"max_lapse must be in [0, 0.5); got {max_lapse}")
    x, k, n = _check_counts(x, k, n)
    b = k.shape[0]
    used = n > 0
    lo, hi = np.nanmin(np.where(used, x, np.inf), axis=1), np.nanmax(np.where(used, x, -np.inf), axis=1)
    n_levels = used.sum(1)
    total, yes = n.sum(1), k.sum(1)
    bad = (n_levels < 2) | (yes == 0) | (yes == total)
    if bad.any() and degenerate == "raise":
        i = int(np.flatnonzero(bad)[0])
        if n_levels[i] < 2:
            raise ValueError(f"fit {i}: fewer than two distinct stimulus levels with trials; a psychometric "
                             "function cannot be fitted")
        which = "'yes' (1)" if yes[i] == total[i] else "'no' (0)"
        raise ValueError(f"fit {i}: all {int(total[i])} answers are {which}; the PSE lies outside the tested range "
                         "and no psychometric function can be fitted")
    span = np.where(bad, 1.0, hi - lo)
    if sigma_bounds is None:
        s_lo, s_hi = 1e-3 * span, 10.0 * span
    else:
        s_lo, s_hi = (np.full(b, float(v)) for v in sigma_bounds)
        if not (0 < s_lo[0] < s_hi[0] < np.inf):
            raise ValueError(f"sigma_bounds must be 0 < low < high < inf; got {sigma_bounds}")
    ls_lo, ls_hi = np.log(s_lo), np.log(s_hi)
    lam_max = float(max_lapse)

    def unpack(theta):
        lam = lam_max * expit(theta[:, 2]) if lam_max > 0 else np.zeros(len(theta))
        return theta[:, 0], np.exp(theta[:, 1]), lam

    def ll_of(theta):
        mu, sig, lam = unpack(theta)
        return log_likelihood(x, k, n, mu, sig, lam)

    # start values
    lam0 = min(0.01, lam_max)
    eta0 = np.log(lam0 / (lam_max - lam0)) if lam_max > 0 else 0.0
    if init is not None:
        mu0 = np.broadcast_to(np.asarray(init["pse"], float), (b,)).copy()
        ls0 = np.log(np.broadcast_to(np.asarray(init["sigma"], float), (b,)))
        lam_init = np.clip(np.broadcast_to(np.asarray(init["lapse"], float), (b,)), 1e-6 * lam_max,
                           (1 - 1e-6) * lam_max) if lam_max > 0 else np.zeros(b)
        eta = np.log(lam_init / (lam_max - lam_init)) if lam_max > 0 else np.zeros(b)
        theta = np.stack([mu0, np.clip(ls0, ls_lo, ls_hi), eta], axis=1)
        theta[~np.isfinite(theta).all(1)] = 0.0
    else:
        fr = np.linspace(0.0, 1.0, 15)
        mus = lo[:, None] + fr[None, :] * span[:, None]  # (b, 15)
        sfr = np.geomspace(0.01, 2.0, 9)
        sigs = sfr[None, :] * span[:, None]  # (b, 9)
        grid = np.stack(np.broadcast_arrays(mus[:, :, None], sigs[:, None, :]), -1).reshape(b, -1, 2)
        best_ll = np.full(b, -np.inf)
        theta = np.zeros((b, 3))
        for j in range(grid.shape[1]):
            ll = log_likelihood(x, k, n, grid[:, j, 0], grid[:, j, 1], lam0)
            better = ll > best_ll
            best_ll = np.where(better, ll, best_ll)
            theta[better, 0] = grid[better, j, 0]
            theta[better, 1] = np.log(grid[better, j, 1])
        theta[:, 1] = np.clip(theta[:, 1], ls_lo, ls_hi)
        theta[:, 2] = eta0
    theta[bad] = np.array([0.0, 0.0, eta0])

    cur = ll_of(theta)
    nu = np.full(b, 1e-3)
    active = ~bad
    converged = np.zeros(b, bool)
    for _ in range(max_iter):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        th = theta[idx]
        xa, ka, na = x[idx], k[idx], n[idx]
        mu, sig, lam = unpack(th)
        z = (xa - mu[:, None]) / sig[:, None]
        phi = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
        cdf = ndtr(z)
        scale = (1 - 2 * lam)[:, None]
        p = np.clip(lam[:, None] + scale * cdf, _EPS, 1 - _EPS)
        dp = np.empty(z.shape + (3,))
        dp[..., 0] = -scale * phi / sig[:, None]
        dp[..., 1] = -scale * phi * z
        if lam_max > 0:
            s = expit(th[:, 2])
            dp[..., 2] = (1 - 2 * cdf) * (lam_max * s * (1 - s))[:, None]
        else:
            dp[..., 2] = 0.0
        w = 1.0 / (p * (1 - p))
        grad = np.einsum("bl,bli->bi", (ka - na * p) * w, dp)
        fisher = np.einsum("bl,bli,blj->bij", na * w, dp, dp)
        diag = np.einsum("bii->bi", fisher)
        damp = fisher + (nu[idx, None] * diag + 1e-12)[:, :, None] * np.eye(3)
        step = np.linalg.solve(damp, grad[..., None])[..., 0]
        new = th + step
        new[:, 1] = np.clip(new[:, 1], ls_lo[idx], ls_hi[idx])
        new[:, 2] = np.clip(new[:, 2], -40.0, 40.0)
        new_ll = log_likelihood(xa, ka, na, *unpack(new))
        gain = new_ll - cur[idx]
        ok = gain >= 0
        theta[idx[ok]] = new[ok]
        cur[idx[ok]] = new_ll[ok]
        nu[idx] = np.where(ok, np.maximum(nu[idx] / 3, 1e-9), nu[idx] * 8)
        small = ok & (gain < 1e-10) & (np.abs(step).max(1) < 1e-6 + 1e-4 * np.abs(th).max(1))
        stuck = nu[idx] > 1e12
        done = small | stuck | (ok & (gain < 1e-13))
        converged[idx[done & ~stuck]] = True
        converged[idx[stuck]] = True  # no improving step exists at any damping: a (bounded) optimum
        active[idx[done]] = False
    mu, sig, lam = unpack(theta)
    out = {"pse": mu, "sigma": sig, "threshold": Z75 * sig, "lapse": lam, "log_likelihood": cur,
           "converged": converged}
    for key in ("pse", "sigma", "threshold", "lapse", "log_likelihood"):
        out[key] = np.where(bad, np.nan, out[key])
    out["converged"] = np.where(bad, False, converged)
    return out

