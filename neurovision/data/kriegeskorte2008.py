"""Kriegeskorte et al. 2008 "92 images": the stimuli, monkey IT, human IT fMRI and similarity-judgment RDMs.

Source: ``rsagroup/rsatoolbox`` ``demos/92imageData`` (see :mod:`neurovision.data.registry`).

* Stimuli: 92 RGB images, 175×175 px on a grey background, with category metadata (``stimuli_92objs``).
  Ids ``image_01``..``image_92`` — the same order as the Cichy et al. 2014 / Algonauts jpgs.
* Monkey IT: one RDM from 674 neurons (Kiani et al. 2007), dissimilarity 1 − Pearson r.
* Human IT: fMRI RDMs of 4 subjects × 2 sessions (316 voxels), 1 − Pearson r.
* Behaviour: 16 subjects' similarity-judgment RDMs (Mur et al. 2013).

References: Kriegeskorte N et al. (2008) Neuron 60:1126-1141. Kiani R et al. (2007) J Neurophysiol
97:4296-4309. Mur M et al. (2013) Front Psychol 4:128.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.io
import xarray as xr
from scipy.spatial.distance import squareform

from ..stimuli.images import stimulus_set
from .registry import DATASETS, fetch

DATASET = "kriegeskorte2008"
SUPPLEMENT = "Kriegeskorte_Neuron2008_supplementalData.mat"
STIMULUS_IDS = np.array([f"image_{i:02d}" for i in range(1, 93)])
CATEGORY_ORDER = ["human bodypart", "human face", "nonhuman bodypart", "nonhuman face",
                  "natural inanimate", "artificial inanimate"]


def _loadmat(path):
    """scipy.io.loadmat with a clear error for unreadable/corrupt files."""
    try:
        return scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False)
    except Exception as err:  # scipy raises ValueError/TypeError/MatReadError on garbage
        raise ValueError(f"cannot read MATLAB file {path}: {type(err).__name__}: {err}") from err


@lru_cache(maxsize=None)
def _supplement():
    return _loadmat(fetch(DATASET, SUPPLEMENT))


def load_stimuli() -> xr.DataArray:
    """The 92 stimuli: uint8 ``(presentation=92, height=175, width=175, channel=3)``.

    Coordinates on ``presentation``: ``stimulus_id`` (``image_01``..), ``category`` (6 labels),
    ``human``, ``face``, ``animal``, ``natural`` (0/1), and ``animate`` (1 for human/animal images).
    """
    objs = _supplement()["stimuli_92objs"]
    images = np.stack([np.asarray(o.image, dtype=np.uint8) for o in objs])
    return stimulus_set(
        images, STIMULUS_IDS, name="kriegeskorte2008_92",
        category=np.array([str(o.category) for o in objs]),
        human=np.array([int(o.human) for o in objs]), face=np.array([int(o.face) for o in objs]),
        animal=np.array([int(o.animal) for o in objs]), natural=np.array([int(o.natural) for o in objs]),
        animate=np.array([int(o.human) or int(o.animal) for o in objs]),
    )


def _rdm_array(stack: np.ndarray, dims: tuple, coords: dict, **attrs) -> xr.DataArray:
    stack = np.asarray(stack, dtype=np.float64)
    if np.isnan(stack).any():
        raise ValueError(f"{attrs.get('source')}: RDM contains NaN")
    if not np.allclose(stack, np.swapaxes(stack, -1, -2), atol=1e-6):
        raise ValueError(f"{attrs.get('source')}: RDM is not symmetric")
    coords = dict(coords, stimulus_id=("stimulus_id", STIMULUS_IDS), stimulus_id_2=("stimulus_id_2", STIMULUS_IDS))
    attrs = {"dataset": DATASET, "measure": "1 - Pearson r", "citation": DATASETS[DATASET].citation,
             "sha256": DATASETS[DATASET].files[attrs["source"]], **attrs}
    return xr.DataArray(stack, dims=dims + ("stimulus_id", "stimulus_id_2"), coords=coords, attrs=attrs)


def load_monkey_it_rdm() -> xr.DataArray:
    """Monkey IT RDM (Kiani et al. 2007; 674 neurons), ``(stimulus_id, stimulus_id_2)``, 1 − Pearson r."""
    entry = next(r for r in _supplement()["RDMs_mIT_hIT_fig1"] if str(r.name).startswith("mIT"))
    return _rdm_array(squareform(np.asarray(entry.RDM, dtype=np.float64)), (), {},
                      source=SUPPLEMENT, region="IT", species="macaque", name=str(entry.name))


def load_human_it_rdms() -> xr.DataArray:
    """Human IT fMRI RDMs ``(subject=4, session=2, stimulus_id, stimulus_id_2)`` (1 − Pearson r)."""
    rdms = _loadmat(fetch(DATASET, "92_brainRDMs.mat"))["RDMs"]  # (4 subjects, 2 sessions) structs
    stack = np.stack([[np.asarray(rdms[s, k].RDM) for k in range(rdms.shape[1])] for s in range(rdms.shape[0])])
    subjects = [str(rdms[s, 0].name).split("|")[1].strip() for s in range(rdms.shape[0])]
    stack = stack * (1 - np.eye(92))  # exact zero diagonal (float32 storage)
    return _rdm_array(stack, ("subject", "session"), {"subject": subjects, "session": [1, 2]},
                      source="92_brainRDMs.mat", region="IT", species="human")


def load_behaviour_rdms() -> xr.DataArray:
    """Similarity-judgment RDMs of 16 subjects ``(subject, stimulus_id, stimulus_id_2)`` (Mur et al. 2013)."""
    rdms = _loadmat(fetch(DATASET, "92_behavRDMs.mat"))["rdms_behav_92"]
    stack = np.stack([np.asarray(r.RDM, dtype=np.float64) for r in rdms]) * (1 - np.eye(92))
    return _rdm_array(stack, ("subject",), {"subject": [str(r.name).split("|")[-1].strip() for r in rdms]},
                      source="92_behavRDMs.mat", region="behaviour", species="human",
                      measure="similarity-judgment dissimilarity")
