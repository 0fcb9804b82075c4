"""RDM preprocessing: explicit, recorded transforms of the activity patterns before an RDM is computed, and of the
RDM itself.

A preprocessing is a sequence of steps, applied in the order given (pattern steps first, RDM steps last):

=========================================  =====================================================================
step                                       what (``x``: ``(n_stimuli, n_units)`` patterns)
=========================================  =====================================================================
``"standardize"``                          each unit z-scored across stimuli: ``(x - mean) / std`` (population
                                           std); a unit constant across stimuli becomes 0
``"cocktail_blank"``                       the mean pattern over stimuli removed from every pattern: ``x - mean``
                                           (each unit centred across stimuli; "cocktail-blank" normalisation)
``("pca", k)``                             the first ``k`` principal-component scores of the unit-centred patterns
                                           (so it includes the cocktail blank); fewer when the patterns have fewer
                                           non-zero components (rank ≤ n - 1)
``("random_projection", k[, seed])``       ``x @ R / sqrt(k)`` with ``R`` ``(n_units, k)`` i.i.d. standard normal
                                           from ``numpy.random.default_rng(seed)`` (seed 0 when not given;
                                           Johnson–Lindenstrauss: distances preserved in expectation)
``"rdm_double_center"``                    the RDM's row and column means removed: ``J D J`` with ``J = I - 11'/n``
                                           on the square RDM ``D`` (zero diagonal included in the means; Torgerson's
                                           double centring). The result has zero row and column means and is
                                           negative in places: a centred dissimilarity, no longer a distance
=========================================  =====================================================================

:func:`check_preprocessing` turns any accepted spelling into the canonical tuple (``("pca", 50)`` stays a tuple,
``("random_projection", 50)`` gains its seed), which is what caches key on and Scores record; bad input is one
ValueError. ``()`` is no preprocessing — the default everywhere.

Why the options matter: with correlation distance, every pattern is centred across *units*; a large mean pattern
shared by all stimuli (e.g. the response of an early layer to a white background) then dominates every pattern,
and a stimulus' distance from the others mostly measures how far it departs from that mean (its
"distinctiveness", the RDM row mean). The cocktail blank and standardisation remove the shared pattern before the
RDM; the double centring removes each stimulus' distinctiveness from the RDM itself (Diedrichsen & Kriegeskorte
2017, PLoS Comput Biol 13:e1005508, on centring and second-moment matrices; Walther et al. 2016, NeuroImage
137:188, on RDM reliability).
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

__all__ = ["PATTERN_STEPS", "RDM_STEPS", "check_preprocessing", "preprocess_patterns", "double_center",
           "apply_rdm_steps", "describe", "pattern_steps", "rdm_steps"]

#: steps that act on the patterns, before the RDM; and the steps that act on the RDM
PATTERN_STEPS = ("standardize", "cocktail_blank", "pca", "random_projection")
RDM_STEPS = ("rdm_double_center",)
_FLAGS = ("standardize", "cocktail_blank", "rdm_double_center")
_SIZED = ("pca", "random_projection")
#: units of the random projection's matrix drawn at once (bounds memory for wide layers)
_RP_BLOCK = 16384


def _check_k(name: str, k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"preprocessing step {name!r} needs a positive integer number of dimensions; got {k!r}")
    return int(k)


def check_preprocessing(steps: Iterable | str | None) -> tuple:
    """The canonical form of a preprocessing: a tuple of steps (see the module docstring).

    Accepts ``None`` or ``()`` (none), one step name, or a sequence of names and ``(name, k[, seed])`` tuples (lists
    too). ValueError for an unknown step, a step given twice, a missing or bad ``k`` / seed, or an RDM step placed
    before a pattern step.
    """
    if steps is None:
        return ()
    if isinstance(steps, str):
        steps = (steps,)
    out: list = []
    seen: set[str] = set()
    for step in steps:
        if isinstance(step, (list, tuple)):
            if not step or not isinstance(step[0], str):
                raise ValueError(f"a preprocessing step is a name or (name, k[, seed]); got {step!r}")
            name, args = step[0], tuple(step[1:])
        elif isinstance(step, str):
            name, args = step, ()
        else:
            raise ValueError(f"a preprocessing step is a name or (name, k[, seed]); got {step!r}")
        if name not in PATTERN_STEPS + RDM_STEPS:
            raise ValueError(f"unknown preprocessing step {name!r}; known: {', '.join(PATTERN_STEPS + RDM_STEPS)}")
        if name in seen:
            raise ValueError(f"preprocessing step {name!r} given twice")
        seen.add(name)
        if name in _FLAGS:
            if args:
                raise ValueError(f"preprocessing step {name!r} takes no arguments; got {step!r}")
            canon: str | tuple = name
        elif name == "pca":
            if len(args) != 1:
                raise ValueError(f"'pca' is given as ('pca', k); got {step!r}")
            canon = ("pca", _check_k(name, args[0]))
        else:
            if len(args) not in (1, 2):
                raise ValueError(f"'random_projection' is given as ('random_projection', k[, seed]); got {step!r}")
            seed = args[1] if len(args) == 2 else 0
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise ValueError(f"'random_projection' seed must be a non-negative integer; got {seed!r}")
            canon = ("random_projection", _check_k(name, args[0]), int(seed))
        if out and _name(out[-1]) in RDM_STEPS and name in PATTERN_STEPS:
            raise ValueError(f"pattern step {name!r} after the RDM step {_name(out[-1])!r}: pattern steps come first")
        out.append(canon)
    return tuple(out)


def _name(step) -> str:
    return step if isinstance(step, str) else step[0]


def pattern_steps(steps: tuple) -> tuple:
    """The pattern steps of a canonical preprocessing."""
    return tuple(s for s in steps if _name(s) in PATTERN_STEPS)


def rdm_steps(steps: tuple) -> tuple:
    """The RDM steps of a canonical preprocessing."""
    return tuple(s for s in steps if _name(s) in RDM_STEPS)


def describe(steps: tuple) -> str:
    """The preprocessing in words, e.g. ``"standardize, pca(k=50)"``; ``"none"`` for ``()``."""
    parts = []
    for s in steps:
        if isinstance(s, str):
            parts.append(s)
        elif s[0] == "pca":
            parts.append(f"pca(k={s[1]})")
        else:
            parts.append(f"random_projection(k={s[1]}, seed={s[2]})")
    return ", ".join(parts) if parts else "none"


def _pca(x: np.ndarray, k: int) -> np.ndarray:
    xc = x - x.mean(axis=0)
    n, p = xc.shape
    if p <= n:
        u, s, _ = np.linalg.svd(xc, full_matrices=False)
        lam, scores = s * s, u * s
    else:  # wide layer: eigenvectors of the n x n Gram matrix
        lam, v = np.linalg.eigh(xc @ xc.T)
        order = np.argsort(lam)[::-1]
        lam, v = lam[order], v[:, order]
        scores = v * np.sqrt(np.clip(lam, 0, None))
    keep = min(k, int((lam > 1e-12 * max(float(lam.max(initial=0.0)), 1e-300)).sum()))
    return np.ascontiguousarray(scores[:, :max(keep, 1)])


def _random_projection(x: np.ndarray, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.zeros((x.shape[0], k))
    for start in range(0, x.shape[1], _RP_BLOCK):
        block = x[:, start:start + _RP_BLOCK]
        out += block @ rng.standard_normal((block.shape[1], k))
    return out / np.sqrt(k)


def preprocess_patterns(patterns, steps: tuple) -> np.ndarray:
    """The pattern steps of ``steps`` applied in order to ``patterns`` ``(n_stimuli, n_units)``; float64
    ``(n_stimuli, n_units')`` (``n_units' = k`` after ``pca`` / ``random_projection``). RDM steps are ignored here
    (:func:`apply_rdm_steps`). ``steps`` is canonicalised first (:func:`check_preprocessing`)."""
    x = np.array(patterns, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"patterns must be (n_stimuli, n_units); got shape {x.shape}")
    for step in pattern_steps(check_preprocessing(steps)):
        name = _name(step)
        if name == "cocktail_blank":
            x -= x.mean(axis=0)
        elif name == "standardize":
            x -= x.mean(axis=0)
            sd = x.std(axis=0)
            x = np.divide(x, sd, out=np.zeros_like(x), where=sd > 1e-12 * max(float(sd.max(initial=0.0)), 1e-300))
        elif name == "pca":
            x = _pca(x, step[1])
        else:
            x = _random_projection(x, step[1], step[2])
    return x


def double_center(dissimilarities: np.ndarray) -> np.ndarray:
    """Double-centred RDMs ``J D J`` (``J = I - 11'/n``; see the module docstring), condensed in, condensed out:
    ``(k, n(n-1)/2)`` or ``(n(n-1)/2,)``, in :func:`scipy.spatial.distance.squareform` order. Entry ``(i, j)`` becomes
    ``D_ij - m_i - m_j + m`` with ``m_i`` the mean of row ``i`` of the square RDM (diagonal zeros included) and ``m``
    the grand mean."""
    from scipy.spatial.distance import squareform

    d = np.asarray(dissimilarities, dtype=np.float64)
    one = d.ndim == 1
    out = []
    for v in np.atleast_2d(d):
        sq = squareform(v, checks=False)
        row = sq.mean(axis=1)
        c = sq - row[:, None] - row[None, :] + sq.mean()
        iu = np.triu_indices(sq.shape[0], 1)
        out.append(c[iu])
    res = np.stack(out)
    return res[0] if one else res


def apply_rdm_steps(dissimilarities: np.ndarray, steps: tuple) -> np.ndarray:
    """The RDM steps of ``steps`` applied to condensed RDMs ``(k, P)`` or ``(P,)``; unchanged (the same array) when
    there are none."""
    for step in rdm_steps(check_preprocessing(steps)):
        if _name(step) == "rdm_double_center":
            dissimilarities = double_center(dissimilarities)
    return dissimilarities
