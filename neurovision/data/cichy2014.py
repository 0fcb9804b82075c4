"""Cichy, Pantazis & Oliva (2014): the 92-image set, human fMRI RDMs (EVC, IT) and MEG RDMs (early, late).

Data as released in the Algonauts 2019 challenge training set (15 subjects), plus session-averaged MEG RDMs
from github.com/dnn-hvs/Investigate-RDMs. Every file is obtained through :func:`neurovision.data.fetch`.

Conditions are the 92 images, ``stimulus_id`` ``"image_01"`` .. ``"image_92"``, in the same order as the
Kriegeskorte et al. (2008) stimuli (``stimuli_92objs`` in the supplemental data): human body parts 1-12,
human faces 13-24, non-human body parts 25-36, non-human faces 37-48, natural inanimate 49-71,
artificial inanimate 72-92.

RDMs are :class:`xarray.DataArray` with dims ``("subject", "stimulus_id", "stimulus_id_2")`` (xarray cannot
hold two dims of the same name, so the column dim is ``stimulus_id_2`` with its own copy of the ids) and
attrs ``dataset``, ``region``, ``measure``, ``citation``, ``source_file``, ``sha256``.

MEG image order
---------------
``rearranged_meg_92.mat`` stores its RDMs with rows/columns re-ordered by the repository's own category
folders (not by image number). :data:`MEG_FILE_ORDER` gives, for each row of that file, the 0-based index of
the image it belongs to; :func:`load_meg_rdms` applies its inverse so that row ``k`` is ``image_{k+1:02d}``.
How the permutation was obtained and checked (see ``tests/test_data_loaders.py``):

* recovered by :func:`recover_permutation`, which matches every row of the rearranged file to the row of the
  derived, image-ordered ``derived_cichy2014_92_rdms.npz`` (``meg_*_session_avg``) with the same sorted
  values over all 15 subjects; the match is unique (nearest other row is far: squared distance > 11) and
  identical for the early and the late window;
* it is a bijection of 0..91, and re-permuting gives back the rearranged file exactly (max abs diff 0), so
  the restored arrays equal the npz arrays exactly for both windows;
* it is a stable sort by a category label: it consists of six increasing runs (6 groups, ascending image
  number inside each), and, against the Kriegeskorte 2008 categories, the first 44 rows are exactly the 44
  inanimate images and the last 48 exactly the 48 animate ones;
* the restored order agrees with the independently stored fMRI data: the subject-mean restored late-MEG
  RDM correlates with the subject-mean fMRI IT RDM (Spearman ~0.53 over the 4186 pairs), far above the
  file as stored (~0.04), and early MEG with EVC (~0.56).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .registry import DATASETS, fetch

DATASET = "cichy2014"
N_IMAGES = 92
N_SUBJECTS = 15
STIMULUS_IDS = tuple(f"image_{i:02d}" for i in range(1, N_IMAGES + 1))
REGIONS = ("EVC", "IT")
WINDOWS = ("early", "late")

CITATION = (
    "Cichy RM, Pantazis D, Oliva A (2014). Resolving human object recognition in space and time. "
    "Nat Neurosci 17:455-462. Cichy RM, Pantazis D, Oliva A (2016). Similarity-based fusion of MEG and fMRI "
    "reveals spatio-temporal dynamics in human cortex during visual object recognition. Cereb Cortex "
    "26:3563-3579. Cichy RM, Roig G, Andonian A, et al. (2019). The Algonauts Project. arXiv:1905.05675."
)

FMRI_FILE = "target_fmri.mat"
MEG_FILE = "rearranged_meg_92.mat"
DERIVED_FILE = "derived_cichy2014_92_rdms.npz"

# Row k of rearranged_meg_92.mat holds image MEG_FILE_ORDER[k] (0-based); see the module docstring.
MEG_FILE_ORDER = np.array([
    51, 60, 65, 66, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91,
    48, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 61, 62, 63, 64, 67, 68, 69,
    36, 37, 40, 41, 44, 45, 46,
    24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 38, 39, 42, 43, 47,
    3, 5, 6, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    0, 1, 2, 4, 7, 8, 10, 11,
], dtype=np.intp)
MEG_FILE_ORDER.setflags(write=False)


def _sha(path: str) -> str:
    return DATASETS[DATASET].files[path]


def _choice(value: str, options: tuple[str, ...], what: str) -> str:
    """Case-insensitive match of ``value`` against ``options``; ValueError listing them otherwise."""
    if isinstance(value, str):
        for opt in options:
            if value.lower() == opt.lower():
                return opt
    raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(options)}")


def validate_rdms(values: np.ndarray, source: str, *, atol: float = 1e-10) -> np.ndarray:
    """Check a stack of RDMs ``(n, 92, 92)``: finite, symmetric, zero diagonal. Returns ``values``.

    Raises ValueError naming ``source`` (the file) and what is wrong.
    """
    values = np.asarray(values)
    if values.ndim != 3 or values.shape[1:] != (N_IMAGES, N_IMAGES):
        raise ValueError(f"{source}: expected RDMs of shape (n, {N_IMAGES}, {N_IMAGES}), got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{source}: RDMs contain {int(np.sum(~np.isfinite(values)))} NaN/inf values")
    asym = float(np.max(np.abs(values - values.transpose(0, 2, 1))))
    if asym > atol:
        raise ValueError(f"{source}: RDMs are not symmetric (max |d_ij - d_ji| = {asym:.3g})")
    diag = float(np.max(np.abs(np.diagonal(values, axis1=1, axis2=2))))
    if diag > atol:
        raise ValueError(f"{source}: RDM diagonal is not zero (max |d_ii| = {diag:.3g})")
    return values


def _rdm_array(values: np.ndarray, *, region: str, measure: str, source: str, **attrs) -> xr.DataArray:
    return xr.DataArray(
        values,
        dims=("subject", "stimulus_id", "stimulus_id_2"),
        coords={
            "subject": np.arange(1, values.shape[0] + 1),
            "stimulus_id": list(STIMULUS_IDS),
            "stimulus_id_2": list(STIMULUS_IDS),
        },
        attrs={"dataset": DATASET, "region": region, "measure": measure, "citation": CITATION,
               "source_file": source, "sha256": _sha(source), **attrs},
    )


def load_stimuli() -> xr.DataArray:
    """The 92 stimulus images (white background), uint8 RGB.

    Returns a DataArray of shape (92, 175, 175, 3), dims ``(presentation, height, width, channel)``, with
    coords ``stimulus_id`` (``"image_01"`` ..) and ``filename`` on ``presentation``. attrs: ``dataset``,
    ``citation``, ``sha256`` (``"path:hash"`` per file, ``"; "``-joined). Order = Kriegeskorte 2008 order.
    """
    from PIL import Image

    images, shas = [], []
    for sid in STIMULUS_IDS:
        rel = f"images/{sid}.jpg"
        with Image.open(fetch(DATASET, rel)) as im:
            arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
        if arr.shape != (175, 175, 3):
            raise ValueError(f"{DATASET}/{rel}: expected a 175x175 RGB image, got shape {arr.shape}")
        images.append(arr)
        shas.append(f"{rel}:{_sha(rel)}")
    return xr.DataArray(
        np.stack(images),
        dims=("presentation", "height", "width", "channel"),
        coords={"stimulus_id": ("presentation", list(STIMULUS_IDS)),
                "filename": ("presentation", [f"{s}.jpg" for s in STIMULUS_IDS]),
                "channel": ["R", "G", "B"]},
        attrs={"dataset": DATASET, "citation": CITATION, "background": "white",
               "sha256": "; ".join(shas)},
    )


def load_fmri_rdms(region: str) -> xr.DataArray:
    """Human fMRI RDMs of one region for the 15 subjects of Cichy et al. (2014).

    ``region``: ``"EVC"`` (early visual cortex) or ``"IT"`` (inferior temporal cortex), case-insensitive.
    Returns float64 DataArray (15, 92, 92), dims ``(subject, stimulus_id, stimulus_id_2)``, values
    1 - Pearson r between voxel response patterns (dimensionless, 0..2). Read from ``target_fmri.mat``
    (MATLAB v7.3/HDF5, stored (92, 92, 15), transposed here; values as stored, symmetric to within
    2.2e-16). Raises ValueError naming the file if the RDMs
    are not finite, symmetric and zero on the diagonal.
    """
    import h5py

    region = _choice(region, REGIONS, "region")
    path = fetch(DATASET, FMRI_FILE)
    with h5py.File(path, "r") as f:
        values = np.asarray(f[f"{region}_RDMs"][()], dtype=np.float64).T
    validate_rdms(values, f"{DATASET}/{FMRI_FILE} ({region}_RDMs)")
    return _rdm_array(values, region=region, measure="1 - Pearson r", source=FMRI_FILE, modality="fMRI")


def restore_image_order(rearranged: np.ndarray, order: np.ndarray = MEG_FILE_ORDER) -> np.ndarray:
    """Undo a row/column permutation: ``rearranged[..., i, j]`` belongs to images ``order[i], order[j]``.

    Returns the array with rows/columns in image order (row k = image k).
    """
    inv = np.argsort(order)
    return rearranged[..., inv, :][..., :, inv]


def recover_permutation(rearranged: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Find ``order`` with ``rearranged == reference[:, order][:, :, order]`` for stacks ``(n, N, N)``.

    Rows are matched by their sorted values (concatenated over the stack), which a symmetric permutation
    leaves unchanged. Raises ValueError unless the match is a bijection and reproduces ``rearranged``
    exactly.
    """
    n = rearranged.shape[-1]
    sig_r = np.sort(rearranged, axis=-1).swapaxes(0, 1).reshape(n, -1)
    sig_o = np.sort(reference, axis=-1).swapaxes(0, 1).reshape(n, -1)
    dist = ((sig_r[:, None, :] - sig_o[None, :, :]) ** 2).sum(-1)
    order = dist.argmin(axis=1)
    if len(set(order.tolist())) != n:
        raise ValueError("row matching is not a bijection")
    if not np.array_equal(reference[:, order][:, :, order], rearranged):
        raise ValueError("recovered permutation does not reproduce the rearranged array exactly")
    return order


def load_meg_rdms(window: str) -> xr.DataArray:
    """Human MEG RDMs of the 15 subjects (averaged over their 2 MEG sessions), in image order.

    ``window``: ``"early"`` or ``"late"`` (the Algonauts 2019 MEG time windows; the challenge test-set readme
    gives 70-90 ms and 140-160 ms after onset — not stated in these files). Returns float64 DataArray
    (15, 92, 92), dims ``(subject, stimulus_id, stimulus_id_2)``. Read from ``rearranged_meg_92.mat``
    (``MEG_RDMs_<window>``) and un-permuted with :data:`MEG_FILE_ORDER` (see the module docstring for how
    that permutation was derived and verified). The dissimilarity is taken to be 1 - Pearson r, the
    Algonauts 2019 convention; the file itself does not state it (values 0..1.44).
    """
    from scipy.io import loadmat

    window = _choice(window, WINDOWS, "window")
    raw = loadmat(fetch(DATASET, MEG_FILE))[f"MEG_RDMs_{window}"]
    values = restore_image_order(np.asarray(raw, dtype=np.float64))
    validate_rdms(values, f"{DATASET}/{MEG_FILE} (MEG_RDMs_{window})")
    return _rdm_array(values, region=f"MEG {window}", measure="1 - Pearson r (Algonauts 2019 convention)",
                      source=MEG_FILE, modality="MEG", window=window,
                      time_window=("70-90 ms" if window == "early" else "140-160 ms")
                      + " after onset (Algonauts 2019 test-set readme; not verified from these files)",
                      note="session-averaged; rows/columns restored to image order from the category-"
                           "rearranged file with neurovision.data.cichy2014.MEG_FILE_ORDER")
