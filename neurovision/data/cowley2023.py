"""Cowley, Stan, Pillow & Smith (2023): macaque V4 Utah-array spike counts to 112x112 images.

Only the 12 sessions whose image zip and responses are small enough to be mirrored are available (see
:data:`SESSIONS`). For each, ``images/images_<session>.zip`` holds ``image0001.jpg`` .. (112x112x3; for
190923 inside an ``images_190923/`` folder) and ``responses_repeat_averaged/responses_<session>.npy`` holds
spike counts per 100 ms bin averaged over repeats, shape (n_neurons, n_images); image ``k`` (sorted by the
number in its name) is response column ``k``. Session 210325 also has per-repeat counts
(``responses_raw/responses_210325.npy``, (50, 640, 10), NaN-padded where an image had fewer repeats).

Stimulus ids are ``"cowley_<session>_<NNNN>"`` (NNNN = the 4-digit number in the jpg name). Neurons are
sorted units/multi-units of one session; ids ``"cowley_<session>_n<KKK>"`` are per session — the data do
not identify the same neuron across sessions.

Citation: Cowley BR, Stan PL, Pillow JW, Smith MA (2023). Compact deep neural network models of visual
cortex. bioRxiv 2023.11.22. Data: github.com/cowleygroup/V4_compact_models (GPL-3.0).
"""
from __future__ import annotations

import re
import zipfile
from typing import NamedTuple

import numpy as np
import xarray as xr

from ..rsa.reliability import odd_even_repeats, spearman_brown
from .registry import DATASETS, fetch

DATASET = "cowley2023_v4"
CITATION = ("Cowley BR, Stan PL, Pillow JW, Smith MA (2023). Compact deep neural network models of visual "
            "cortex. bioRxiv 2023.11.22.")

#: session id -> role in the original train/test/validation split (readme table / MANIFEST).
SESSIONS: dict[str, str] = {
    "190923": "test",
    "190925": "train",
    "190927": "train",
    "190928": "train",
    "190929": "train",
    "201025": "test",
    "210224": "validation",
    "210225": "test",
    "210305": "train",
    "210322": "train",
    "210325": "test",
    "210621": "train",
}
#: sessions with per-repeat (raw) responses
REPEAT_SESSIONS = ("210325",)

IMAGE_SIZE = 112
_MEMBER = re.compile(r"(?:^|/)image(\d+)\.jpg$", re.IGNORECASE)


class Session(NamedTuple):
    """What :func:`load_session` returns."""

    stimuli: xr.DataArray
    responses: xr.DataArray


def _session_id(session, known=tuple(SESSIONS), what="Cowley 2023 session") -> str:
    sid = str(session).strip()
    if sid not in known:
        raise ValueError(f"unknown {what} {session!r}; known: {', '.join(known)}")
    return sid


def _sha(rel: str) -> str:
    return DATASETS[DATASET].files[rel]


def stimulus_ids(session, n_images: int) -> list[str]:
    """Ids ``cowley_<session>_0001`` .. for the first ``n_images`` images of a session."""
    return [f"cowley_{session}_{k:04d}" for k in range(1, n_images + 1)]


def _neuroid_ids(session: str, n: int) -> list[str]:
    return [f"cowley_{session}_n{k:03d}" for k in range(n)]


def load_stimuli(session) -> xr.DataArray:
    """Images of one session: uint8 DataArray (presentation, 112, 112, 3), sorted by image number.

    Coords on ``presentation``: ``stimulus_id`` (``cowley_<session>_<NNNN>``), ``image_number`` (NNNN),
    ``session``. Raises ValueError if a member is not 112x112 RGB or the numbering is not 1..N.
    """
    sid = _session_id(session)
    rel = f"images/images_{sid}.zip"
    members = []
    with zipfile.ZipFile(fetch(DATASET, rel)) as zf:
        for name in zf.namelist():
            m = _MEMBER.search(name)
            if m:
                members.append((int(m.group(1)), name))
        members.sort()
        numbers = [n for n, _ in members]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"{DATASET}/{rel}: image numbers are not 1..{len(numbers)}")
        from PIL import Image

        images = np.empty((len(members), IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
        for i, (_, name) in enumerate(members):
            with zf.open(name) as fh, Image.open(fh) as im:
                arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
            if arr.shape != (IMAGE_SIZE, IMAGE_SIZE, 3):
                raise ValueError(f"{DATASET}/{rel}: {name} has shape {arr.shape}, expected (112, 112, 3)")
            images[i] = arr
    return xr.DataArray(
        images,
        dims=("presentation", "height", "width", "channel"),
        coords={"stimulus_id": ("presentation", stimulus_ids(sid, len(members))),
                "image_number": ("presentation", numbers),
                "session": ("presentation", [sid] * len(members)),
                "channel": ["R", "G", "B"]},
        attrs={"dataset": DATASET, "session": sid, "role": SESSIONS[sid], "citation": CITATION,
               "source_file": rel, "sha256": _sha(rel)},
    )


def load_responses(session) -> xr.DataArray:
    """Repeat-averaged V4 responses of one session, float64 (presentation, neuroid).

    Units: spike counts per 100 ms bin, averaged over the image's repeats. Coords: ``stimulus_id`` on
    ``presentation``; ``neuroid_id`` and ``session`` on ``neuroid``.
    """
    sid = _session_id(session)
    rel = f"responses_repeat_averaged/responses_{sid}.npy"
    values = np.load(fetch(DATASET, rel), allow_pickle=False)
    if values.ndim != 2 or not np.all(np.isfinite(values)):
        raise ValueError(f"{DATASET}/{rel}: expected a finite (n_neurons, n_images) array, got {values.shape}")
    n_neurons, n_images = values.shape
    return xr.DataArray(
        values.T.astype(np.float64),
        dims=("presentation", "neuroid"),
        coords={"stimulus_id": ("presentation", stimulus_ids(sid, n_images)),
                "neuroid_id": ("neuroid", _neuroid_ids(sid, n_neurons)),
                "session": ("neuroid", [sid] * n_neurons)},
        attrs={"dataset": DATASET, "session": sid, "role": SESSIONS[sid], "citation": CITATION,
               "units": "spike count per 100 ms bin (mean over repeats)", "region": "V4",
               "source_file": rel, "sha256": _sha(rel)},
    )


def load_session(session) -> Session:
    """Images and repeat-averaged responses of one session, as ``Session(stimuli, responses)``.

    ``stimuli``: see :func:`load_stimuli`; ``responses``: see :func:`load_responses`. Their
    ``stimulus_id`` coords are identical (checked; ValueError naming both files otherwise).
    ``session`` is one of :data:`SESSIONS` (str or int); anything else raises ValueError listing them.
    """
    stimuli = load_stimuli(session)
    responses = load_responses(session)
    if stimuli.sizes["presentation"] != responses.sizes["presentation"]:
        raise ValueError(f"{DATASET}: {stimuli.attrs['source_file']} holds {stimuli.sizes['presentation']} "
                         f"images but {responses.attrs['source_file']} has "
                         f"{responses.sizes['presentation']} image columns")
    return Session(stimuli, responses)


def load_repeats(session="210325") -> xr.DataArray:
    """Per-repeat V4 responses, float64 (presentation, neuroid, repetition), NaN where not recorded.

    Only session 210325 has them (50 neurons x 640 images x up to 10 repeats; 6-10 valid per image).
    Units: spike counts per 100 ms bin. Coords: ``stimulus_id`` and ``n_repeats`` (valid repeats of the
    image) on ``presentation``; ``neuroid_id``/``session`` on ``neuroid``; ``repetition`` 0..9. NaN padding
    is kept: ``repeats.mean('repetition')`` (NaN-skipping) equals :func:`load_responses` exactly.
    """
    sid = _session_id(session, REPEAT_SESSIONS, "session with per-repeat responses")
    rel = f"responses_raw/responses_{sid}.npy"
    raw = np.load(fetch(DATASET, rel), allow_pickle=False)
    if raw.ndim != 3:
        raise ValueError(f"{DATASET}/{rel}: expected (n_neurons, n_images, n_repeats), got {raw.shape}")
    n_neurons, n_images, n_rep = raw.shape
    values = raw.transpose(1, 0, 2).astype(np.float64)
    return xr.DataArray(
        values,
        dims=("presentation", "neuroid", "repetition"),
        coords={"stimulus_id": ("presentation", stimulus_ids(sid, n_images)),
                "n_repeats": ("presentation", (~np.isnan(values)).sum(axis=2).max(axis=1)),
                "neuroid_id": ("neuroid", _neuroid_ids(sid, n_neurons)),
                "session": ("neuroid", [sid] * n_neurons),
                "repetition": np.arange(n_rep)},
        attrs={"dataset": DATASET, "session": sid, "role": SESSIONS[sid], "citation": CITATION,
               "units": "spike count per 100 ms bin", "region": "V4", "padding": "NaN = repeat not recorded",
               "source_file": rel, "sha256": _sha(rel)},
    )


def split_half_reliability(repeats: xr.DataArray, seed: int | None = None) -> xr.DataArray:
    """Per-neuron split-half reliability of repeated responses, Spearman-Brown corrected.

    Method: for every (image, neuron), the valid (non-NaN) repeats are taken in recorded order — or, if
    ``seed`` is given, in an order shuffled per image with ``numpy.random.default_rng(seed)`` (the same
    shuffle for all neurons, since they were recorded simultaneously) — and alternately assigned to half A
    (1st, 3rd, 5th, ...) and half B (2nd, 4th, ...). Each half is averaged; the Pearson r across images
    between the half-A and half-B means is the uncorrected split-half r (images with an empty half are
    skipped for that neuron); the halves are :func:`neurovision.rsa.reliability.odd_even_repeats`. The returned
    value is the Spearman-Brown prediction for the full number of repeats, ``2 r / (1 + r)``
    (:func:`neurovision.rsa.reliability.spearman_brown`).

    ``repeats``: DataArray with dims ``presentation``, ``neuroid``, ``repetition`` (e.g. from
    :func:`load_repeats`). Returns a float64 DataArray over ``neuroid`` (neuroid coords kept) with the
    uncorrected r as coord ``r_uncorrected``. For session 210325 (recorded order) the median uncorrected
    r is 0.630 (range 0.34-0.88) and the median corrected r 0.773.
    """
    x = repeats.transpose("presentation", "neuroid", "repetition").values.astype(np.float64)
    n_pres, n_neur, n_rep = x.shape
    if seed is not None:
        rng = np.random.default_rng(seed)
        perm = np.stack([rng.permutation(n_rep) for _ in range(n_pres)])  # (presentation, repetition)
        x = np.take_along_axis(x, perm[:, None, :], axis=2)
    mean_a, mean_b = odd_even_repeats(x)
    r = np.full(n_neur, np.nan)
    for j in range(n_neur):
        ok = np.isfinite(mean_a[:, j]) & np.isfinite(mean_b[:, j])
        a, b = mean_a[ok, j], mean_b[ok, j]
        if ok.sum() > 2 and a.std() > 0 and b.std() > 0:
            r[j] = np.corrcoef(a, b)[0, 1]
    corrected = spearman_brown(r)
    neuroid_coords = {k: v for k, v in repeats.coords.items() if v.dims == ("neuroid",)}
    out = xr.DataArray(corrected, dims=("neuroid",), coords=neuroid_coords,
                       attrs={"measure": "Spearman-Brown corrected odd/even split-half Pearson r",
                              "seed": "recorded order" if seed is None else int(seed)})
    return out.assign_coords(r_uncorrected=("neuroid", r))
