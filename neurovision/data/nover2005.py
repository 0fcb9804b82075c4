"""Macaque MT speed tuning (Nover, Anderson & DeAngelis 2005), as shared by Zhang & Stocker (2022).

470 single MT neurons of three monkeys (m1/m2/m3: 216/154/100 neurons), each recorded with 100 %-coherent random
dots moving in the neuron's preferred direction at a set of speeds (deg/s); speed 0 = stationary dots. One mean
firing rate (spikes/s) per trial. 451 neurons saw the speeds {0, 0.5, 1, 2, 4, 8, 16, 32} deg/s, 15 of them also
64 deg/s, 4 neurons other sets. Zhang & Stocker's repository adds a log-Gaussian fit per neuron (Nover et al.
2005, their Eq. 1)::

    r(s) = base + amp * exp(-log((s + offset) / (pref + offset))^2 / (2 sigma^2))

(``pref`` deg/s is the speed of the peak, ``sigma`` the width in natural-log units of ``s + offset``) and the Fano
factor of each neuron. The fit's rows follow the sorted order of the file names (``m1c100r2``, ``m1c104r2``, …);
:func:`load_mt_speed_tuning` attaches them by that order, which the tests check by refitting neurons.

Citations: Nover H, Anderson CH, DeAngelis GC (2005). A logarithmic, scale-invariant representation of speed in
macaque middle temporal area accounts for speed discrimination performance. J Neurosci 25(43):10049-10060.
Zhang L-Q, Stocker AA (2022). Prior expectations in visual speed perception predict encoding characteristics of
neurons in area MT. J Neurosci 42(14):2951-2962 (github.com/lingqiz/Speed_Prior_2021). Data courtesy of
G. C. DeAngelis; academic use.
"""
from __future__ import annotations

import re

import numpy as np
import xarray as xr

from .registry import DATASETS, fetch

DATASET = "zhang2022_mt_speed"
CITATION = ("Nover H, Anderson CH, DeAngelis GC (2005). A logarithmic, scale-invariant representation of speed in "
            "macaque middle temporal area accounts for speed discrimination performance. J Neurosci "
            "25(43):10049-10060. Data as shared by Zhang L-Q, Stocker AA (2022) J Neurosci 42(14):2951-2962 "
            "(github.com/lingqiz/Speed_Prior_2021).")
FIT_FILE = "neural/fitPara.mat"
CELL_DIR = "neural/DeAngelis/"
#: the speed set (deg/s) shared by 466 of the 470 neurons
STANDARD_SPEEDS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
FIT_PARAMETERS = ("base", "amp", "sigma", "offset", "pref")

_NAME = re.compile(r"^m(\d+)c(\d+)r(\d+)$")


def log_gaussian(speed, base, amp, sigma, offset, pref):
    """The log-Gaussian speed tuning curve of Nover et al. (2005):
    ``base + amp * exp(-log((speed + offset) / (pref + offset))^2 / (2 sigma^2))`` (speeds in deg/s; broadcasts)."""
    speed = np.asarray(speed, dtype=np.float64)
    with np.errstate(divide="ignore"):  # speed + offset = 0: log → -inf, the curve's limit base
        return base + amp * np.exp(-np.log((speed + offset) / (pref + offset)) ** 2 / (2.0 * sigma ** 2))


def cell_files() -> list[str]:
    """The per-neuron files ``neural/DeAngelis/m<monkey>c<cell>r<run>.mat``, in sorted (fitPara row) order."""
    return sorted(p for p in DATASETS[DATASET].files if p.startswith(CELL_DIR) and p.endswith(".mat"))


def load_mt_speed_tuning() -> xr.Dataset:
    """Per-trial speed responses, mean rates and the repository's tuning fits of 470 MT neurons.

    Returns an :class:`xarray.Dataset` with dims ``neuroid`` (470; coord ``neuroid`` = neuron id such as
    ``"m1c10r1"``, and ``monkey`` ("m1", "m2", "m3"), ``cell``, ``run``, ``standard_set`` (bool: the neuron saw
    all of :data:`STANDARD_SPEEDS`), ``n_trials``), ``speed`` (deg/s: the union of every speed shown, 30 values),
    ``repetition`` (up to 5) and ``parameter`` (:data:`FIT_PARAMETERS`):

    * ``responses`` ``(neuroid, speed, repetition)`` — firing rate per trial, spikes/s, in trial order within
      each speed; NaN where the neuron did not see the speed or had fewer repetitions (the speed sets are
      ragged, so every neuron is kept and missing entries are NaN; select ``standard_set`` and
      ``speed=STANDARD_SPEEDS`` for the common grid);
    * ``mean_rate`` ``(neuroid, speed)`` — mean over repetitions (spikes/s), NaN where not shown;
    * ``fit`` ``(neuroid, parameter)`` — the repository's log-Gaussian fit ``[base, amp, sigma, offset, pref]``
      (spikes/s, spikes/s, log units, deg/s, deg/s; see :func:`log_gaussian`), attached by sorted file name;
    * ``fano`` ``(neuroid,)`` — the repository's Fano factor per neuron.

    attrs: ``citation``, ``units`` (text), ``sha256`` (``{path: sha256}`` of every file read, as JSON text).
    """
    import json

    from scipy.io import loadmat

    files = cell_files()
    if not files:
        raise ValueError(f"dataset {DATASET!r} lists no files under {CELL_DIR}")
    trials = []
    for rel in files:
        mat = loadmat(fetch(DATASET, rel))
        s = np.asarray(mat["speed_values"], np.float64).ravel()
        r = np.asarray(mat["response_values"], np.float64).ravel()
        if s.shape != r.shape:
            raise ValueError(f"{rel}: speed_values {s.shape} and response_values {r.shape} differ in length")
        trials.append((s, r))
    speeds = np.unique(np.concatenate([s for s, _ in trials]))
    n_rep = max(int(np.unique(s, return_counts=True)[1].max()) for s, _ in trials)
    resp = np.full((len(files), speeds.size, n_rep), np.nan)
    for i, (s, r) in enumerate(trials):
        for j, sp in enumerate(speeds):
            vals = r[s == sp]
            resp[i, j, :vals.size] = vals
    ids = [rel[len(CELL_DIR):-4] for rel in files]
    parts = []
    for nid in ids:
        m = _NAME.match(nid)
        if m is None:
            raise ValueError(f"unexpected neuron file name {nid!r} (expected m<monkey>c<cell>r<run>)")
        parts.append(tuple(int(x) for x in m.groups()))
    fitmat = loadmat(fetch(DATASET, FIT_FILE))
    fit = np.asarray(fitmat["fitPara"], np.float64)
    fano = np.asarray(fitmat["fano"], np.float64).ravel()
    if fit.shape != (len(files), len(FIT_PARAMETERS)) or fano.shape != (len(files),):
        raise ValueError(f"{FIT_FILE}: expected fitPara ({len(files)}, 5) and fano ({len(files)}, 1); got "
                         f"{fit.shape} and {fano.shape}")
    shown = ~np.isnan(resp).all(axis=2)
    standard = np.array([np.isin(STANDARD_SPEEDS, sp[~np.isnan(sp)]).all()
                         for sp in np.where(shown, speeds[None, :], np.nan)])
    count = (~np.isnan(resp)).sum(axis=2)
    mean_rate = np.where(shown, np.nansum(resp, axis=2) / np.maximum(count, 1), np.nan)
    coords = {
        "neuroid": ("neuroid", ids),
        "monkey": ("neuroid", [f"m{p[0]}" for p in parts]),
        "cell": ("neuroid", [p[1] for p in parts]),
        "run": ("neuroid", [p[2] for p in parts]),
        "standard_set": ("neuroid", standard),
        "n_trials": ("neuroid", [s.size for s, _ in trials]),
        "speed": ("speed", speeds),
        "repetition": ("repetition", np.arange(n_rep)),
        "parameter": ("parameter", list(FIT_PARAMETERS)),
    }
    sha = {rel: DATASETS[DATASET].files[rel] for rel in [*files, FIT_FILE]}
    ds = xr.Dataset(
        {"responses": (("neuroid", "speed", "repetition"), resp),
         "mean_rate": (("neuroid", "speed"), mean_rate),
         "fit": (("neuroid", "parameter"), fit),
         "fano": (("neuroid",), fano)},
        coords=coords,
        attrs={"citation": CITATION,
               "units": "responses, mean_rate: spikes/s; speed: deg/s; fit: base, amp spikes/s, sigma natural-log "
                        "units, offset, pref deg/s",
               "tuning_curve": "base + amp * exp(-log((s + offset) / (pref + offset))^2 / (2 sigma^2))",
               "sha256": json.dumps(sha, sort_keys=True)},
    )
    ds["speed"].attrs["units"] = "deg/s"
    ds["responses"].attrs["units"] = "spikes/s"
    ds["mean_rate"].attrs["units"] = "spikes/s"
    return ds
