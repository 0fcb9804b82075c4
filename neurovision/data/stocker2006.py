"""Stocker & Simoncelli (2006): human speed discrimination at two reference contrasts (2AFC trials).

Two patches of broadband drifting noise (a reference and a test) were shown simultaneously left and right of
fixation; the observer reported which one moved faster. Each trial pairs a reference (speed 0.5-12 deg/s,
contrast 0.075 or 0.5) with a test whose speed followed one of two interleaved staircases and whose contrast was
one of 0.05-0.8. The raw trials are the ``behavior/NN2006/SUBk.mat`` files of the mirror ``zhang2022_mt_speed``
(github.com/lingqiz/Speed_Prior_2021); their row layout is documented in the mirror's ``README.txt``.

Citation: Stocker AA, Simoncelli EP (2006) Noise characteristics and prior expectations in human visual speed
perception. Nat Neurosci 9:578-585.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .registry import DATASETS, fetch

DATASET = "zhang2022_mt_speed"
CITATION = ("Stocker AA, Simoncelli EP (2006) Noise characteristics and prior expectations in human visual speed "
            "perception. Nat Neurosci 9:578-585")
SUBJECTS = (1, 2, 3, 4, 5)
#: trials per subject in the mirror (MANIFEST.txt)
N_TRIALS = {1: 5760, 2: 5760, 3: 960, 4: 5760, 5: 6240}

#: the rows of ``subjectk`` (11, n_trials), in order (README.txt of the mirror): name, units / coding
ROWS = (
    ("reference_speed", "deg/s"),
    ("reference_contrast", "contrast (fraction, as stored)"),
    ("test_speed", "deg/s"),
    ("test_contrast", "contrast (fraction, as stored)"),
    ("staircase", "staircase label"),
    ("direction", "+1 = rightward, -1 = leftward"),
    ("place", "+1 = test in the right aperture, -1 = left"),
    ("reaction_time", "as stored (units not stated in the source)"),
    ("chose_test_faster", "1 = test seen faster than the reference, 0 = slower"),
    ("staircase_step", "+1 = staircase stepped up, -1 = down"),
    ("correct", "1 = the faster stimulus was chosen, 0 = not"),
)


def _path(subject: int) -> str:
    return f"behavior/NN2006/SUB{subject}.mat"


def load_speed_discrimination(subjects: tuple[int, ...] | list[int] = SUBJECTS) -> xr.Dataset:
    """All 2AFC speed-discrimination trials of ``subjects`` (default: the 5 people), concatenated.

    Returns an :class:`xarray.Dataset` over the dim ``trial`` (24,480 trials for all subjects: 5760, 5760, 960,
    5760, 6240) with coordinates ``subject`` (int 1-5) and ``trial_index`` (the trial's column in its subject's
    file) and one variable per row of the source matrix (:data:`ROWS`): ``reference_speed``, ``test_speed``
    (deg/s, float64), ``reference_contrast``, ``test_contrast`` (fraction), ``staircase`` (float label),
    ``direction``, ``place``, ``staircase_step`` (int8, ±1), ``reaction_time`` (float64, as stored),
    ``chose_test_faster`` and ``correct`` (bool). Reference speeds are {0.5, 1, 2, 4, 8, 12} deg/s (subject 3:
    {0.5, 1, 2, 4}); reference contrasts {0.075, 0.5}; test contrasts {0.05, 0.075, 0.1, 0.2, 0.4, 0.5, 0.8}
    (subject 5 also has a 0.2 reference). The data are as stored: subject 3's 320 trials with reference contrast
    0.075 and test contrast 0.8 are identical (including reaction times) to subject 1's trials of that condition
    at 0.5-4 deg/s, and one trial of subject 2 has a test speed of −0.0075 deg/s.

    attrs: ``citation``, ``dataset``, ``sha256`` (``{relative path: sha256}`` of the files read; each file is
    verified by :func:`neurovision.data.registry.fetch`). Raises ValueError for an unknown subject or a file
    whose matrix is not ``(11, n)``.
    """
    from scipy.io import loadmat

    subjects = [int(s) for s in subjects]
    bad = [s for s in subjects if s not in SUBJECTS]
    if bad or not subjects or len(set(subjects)) != len(subjects):
        raise ValueError(f"subjects must be distinct values of {SUBJECTS}; got {subjects}")
    blocks, ids, idx, shas = [], [], [], {}
    for s in subjects:
        rel = _path(s)
        mat = loadmat(fetch(DATASET, rel))
        key = f"subject{s}"
        if key not in mat:
            raise ValueError(f"{DATASET}/{rel}: no variable {key!r}")
        a = np.asarray(mat[key], dtype=np.float64)
        if a.ndim != 2 or a.shape[0] != len(ROWS):
            raise ValueError(f"{DATASET}/{rel}: expected an ({len(ROWS)}, n_trials) matrix, got {a.shape}")
        blocks.append(a)
        ids.append(np.full(a.shape[1], s))
        idx.append(np.arange(a.shape[1]))
        shas[rel] = DATASETS[DATASET].files[rel]
    data = np.concatenate(blocks, axis=1)
    dtypes = {"direction": np.int8, "place": np.int8, "staircase_step": np.int8, "chose_test_faster": bool,
              "correct": bool}
    variables = {}
    for row, (name, units) in zip(data, ROWS):
        variables[name] = ("trial", row.astype(dtypes.get(name, np.float64)), {"units": units})
    return xr.Dataset(variables,
                      coords={"subject": ("trial", np.concatenate(ids)),
                              "trial_index": ("trial", np.concatenate(idx))},
                      attrs={"dataset": DATASET, "citation": CITATION, "sha256": shas,
                             "task": "2AFC: which of two simultaneous drifting-noise patches moved faster"})
