"""Reliability of repeated measurements: split halves and the Spearman–Brown prophecy formula.

A measurement averaged over ``k`` repeats is split into two halves (each the mean of about ``k/2``
repeats); the correlation ``r`` of the two half means across items (images, people, ...) is the
reliability of a *half*. The Spearman–Brown formula predicts the reliability of a measurement
``factor`` times as long,

    ρ = factor · r / (1 + (factor − 1) · r),

so ``factor = 2`` turns the split-half correlation into the reliability of the full mean of all repeats
(``2r / (1 + r)``). It assumes the halves are parallel measurements (equal true-score and error
variances).

* :func:`spearman_brown` — the formula, elementwise on arrays.
* :func:`odd_even_repeats` — the two half means of per-repeat responses, split into odd and even
  repeats (1st, 3rd, ... vs 2nd, 4th, ...) in recorded order.

References: Spearman C (1910). Correlation calculated from faulty data. Br J Psychol 3:271–295.
Brown W (1910). Some experimental results in the correlation of mental abilities. Br J Psychol
3:296–322.
"""
from __future__ import annotations

import numpy as np

__all__ = ["spearman_brown", "odd_even_repeats"]


def spearman_brown(r, factor: float = 2):
    """Spearman–Brown predicted reliability of a measurement ``factor`` times as long as the one whose
    reliability (e.g. split-half correlation) is ``r``: ``factor · r / (1 + (factor − 1) · r)``.

    Parameters
    ----------
    r : float or array
        Reliability of the shorter measurement (a correlation, in [−1, 1]); NaN stays NaN.
    factor : float
        Length ratio of the predicted to the measured measurement; 2 (the default) predicts a whole
        from its split-half correlation, ``2r / (1 + r)``.

    Returns
    -------
    float64 array of ``r``'s shape (a NumPy float64 scalar for a scalar ``r``). For ``factor = 2`` the
    result is bit-identical to ``2 * r / (1 + r)`` (``(factor − 1) · r`` is exactly ``r``).
    """
    r = np.asarray(r, dtype=np.float64)
    return factor * r / (1 + (factor - 1) * r)


def odd_even_repeats(repeats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Odd/even half means of per-repeat responses ``(item, unit, repetition)`` (NaN-padded).

    The valid (non-NaN) repeats of each (item, unit), in the order of the last axis, alternate between
    half A (1st, 3rd, 5th, ...) and half B (2nd, 4th, ...); each half is averaged. Returns the two float64
    ``(item, unit)`` means, NaN where a half is empty. Shuffle the last axis first for a random split.
    """
    x = np.asarray(repeats, dtype=np.float64)
    valid = ~np.isnan(x)
    rank = np.cumsum(valid, axis=2) - 1  # position among the valid repeats
    filled = np.where(valid, x, 0.0)
    halves = []
    for parity in (0, 1):
        sel = valid & (rank % 2 == parity)
        with np.errstate(invalid="ignore", divide="ignore"):
            halves.append((filled * sel).sum(axis=2) / sel.sum(axis=2))
    return halves[0], halves[1]
