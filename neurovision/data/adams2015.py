"""Adams, Aponte, Marshall & Friston (2015): grand-average human smooth pursuit of an occluded target.

One cycle of a cosine target path (+600 -> -600 -> +600 px) with an occluder, eye position averaged over
subjects, in four conditions (2 x 2): target speed fast (~22 deg/s peak) or slow (~18 deg/s) x target
motion smooth or noisy. Source: ``DATA.mat`` of SPM12 ``toolbox/SPEM_and_DCM`` (struct ``allsubj``), whose
``Contents.m`` gives the condition codes, the px units and the 1 ms sampling.

Occluder: SPM's ``spm_SEM_demo.m`` gates target visibility with ``x > 0 | x < -0.8`` on the target position
normalised by 600 px, i.e. the target is hidden while ``-0.8 <= x/600 <= 0`` (29.5 % of the cycle, two
occlusion intervals per cycle: once on the way out, once on the way back).

Citation: Adams RA, Aponte E, Marshall L, Friston KJ (2015). Active inference and oculomotor pursuit: the
dynamic causal modelling of eye movements. J Neurosci Methods 242:1-14. Data GPL-2.0-or-later (SPM12).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .registry import DATASETS, fetch

DATASET = "adams2015_occluded_pursuit"
DATA_FILE = "DATA.mat"
CITATION = ("Adams RA, Aponte E, Marshall L, Friston KJ (2015). Active inference and oculomotor pursuit: the "
            "dynamic causal modelling of eye movements. J Neurosci Methods 242:1-14.")

#: condition code -> (speed, motion)
CONDITIONS = {
    "FS": ("fast", "smooth"),
    "FN": ("fast", "noisy"),
    "SS": ("slow", "smooth"),
    "SN": ("slow", "noisy"),
}
PEAK_SPEED_DEG_PER_S = {"fast": 22.0, "slow": 18.0}  # per Contents.m
AMPLITUDE_PX = 600.0
OCCLUDER = (-0.8, 0.0)  # hidden while OCCLUDER[0] <= target/600 <= OCCLUDER[1]


def visible(target_position) -> np.ndarray:
    """Boolean visibility of the target: False while ``-0.8 <= x / 600 <= 0`` (x in px)."""
    x = np.asarray(target_position, dtype=np.float64) / AMPLITUDE_PX
    return ~((x >= OCCLUDER[0]) & (x <= OCCLUDER[1]))


def _condition_dataset(struct, target: np.ndarray, code: str, target_source: str) -> xr.Dataset:
    speed, motion = CONDITIONS[code]
    eye = np.asarray(struct.one, dtype=np.float64)
    n = eye.size
    if target.size != n:
        raise ValueError(f"{DATASET}/{DATA_FILE}: allsubj.{code}.one has {n} samples but its target {target.size}")
    time = np.arange(n, dtype=np.float64)  # 1 ms per sample
    return xr.Dataset(
        {
            "eye_position": ("time", eye, {"units": "px", "source": f"allsubj.{code}.one"}),
            "target_position": ("time", target.astype(np.float64), {"units": "px", "source": target_source}),
            "eye_velocity": ("time", np.gradient(eye, time),
                             {"units": "px/ms", "definition": "numpy.gradient of eye_position (central diff)"}),
            "eye_velocity_file": ("time", np.asarray(struct.onevel, dtype=np.float64),
                                  {"source": f"allsubj.{code}.onevel",
                                   "units": "not stated in the file; ~= d(eye_position)/dt in px/s divided by "
                                            "43.3, i.e. deg/s at ~43 px/deg; NaN near the end of the cycle"}),
            "eye_velocity_nosaccade_file": ("time", np.asarray(struct.onevelnosac, dtype=np.float64),
                                            {"source": f"allsubj.{code}.onevelnosac",
                                             "units": "as eye_velocity_file (saccades removed)"}),
            "lag_file": ("time", np.asarray(struct.lag, dtype=np.float64),
                         {"source": f"allsubj.{code}.lag", "units": "not documented"}),
            "visible": ("time", visible(target), {"definition": "target not behind the occluder "
                                                                "(hidden while -0.8 <= target/600 <= 0)"}),
        },
        coords={"time": ("time", time, {"units": "ms"}), "condition": code},
        attrs={"dataset": DATASET, "condition": code, "speed": speed, "motion": motion,
               "peak_speed_deg_per_s": PEAK_SPEED_DEG_PER_S[speed], "sampling_ms": 1.0,
               "citation": CITATION, "source_file": DATA_FILE, "sha256": DATASETS[DATASET].files[DATA_FILE],
               "note": "grand average over subjects of one cycle; no per-subject data"},
    )


def load_pursuit(combine: bool = False):
    """Grand-average pursuit traces of the four conditions.

    Default (``combine=False``): a dict ``{"FS", "FN", "SS", "SN"} -> xarray.Dataset`` with dim ``time``
    (ms, 1 sample per ms; 4173 samples for the fast, 5100 for the slow conditions) and variables

    * ``eye_position`` (px), ``target_position`` (px, +600 -> -600 -> +600),
    * ``eye_velocity`` (px/ms, numerical derivative of ``eye_position``),
    * ``eye_velocity_file``, ``eye_velocity_nosaccade_file``, ``lag_file``: the file's ``onevel``,
      ``onevelnosac``, ``lag`` as stored (units not documented; see the variables' attrs),
    * ``visible`` (bool): target not behind the occluder,

    attrs ``speed`` ("fast"/"slow"), ``motion`` ("smooth"/"noisy"), ``peak_speed_deg_per_s``, citation,
    sha256. The file stores target paths only for the smooth conditions (``FS.target``, ``SS.target``);
    ``Contents.m`` describes one target path per speed, so the noisy conditions get the smooth target of the
    same speed (``target_position.attrs['source']`` says so).

    ``combine=True``: one Dataset with a leading ``condition`` dim (FS, FN, SS, SN) over ``time`` 0..5099
    ms; the fast conditions are padded with NaN after 4172 ms (``visible`` False there) and a boolean
    ``valid`` variable marks real samples. Coords ``speed``/``motion`` label the conditions.
    """
    from scipy.io import loadmat

    allsubj = loadmat(fetch(DATASET, DATA_FILE), squeeze_me=True, struct_as_record=False)["allsubj"]
    out = {}
    for code, (speed, motion) in CONDITIONS.items():
        smooth = "FS" if speed == "fast" else "SS"
        target = np.asarray(getattr(allsubj, smooth).target, dtype=np.float64)
        source = f"allsubj.{smooth}.target" + ("" if code == smooth else " (smooth target of the same speed; "
                                                "the file stores none for the noisy condition)")
        out[code] = _condition_dataset(getattr(allsubj, code), target, code, source)
    if not combine:
        return out
    padded = []
    for code, ds in out.items():
        ds = ds.assign(valid=("time", np.ones(ds.sizes["time"], dtype=bool)))
        padded.append(ds)
    combined = xr.concat(padded, dim="condition", join="outer", combine_attrs="drop_conflicts",
                         coords="different", compat="equals")
    combined["valid"] = combined["valid"].fillna(False).astype(bool)
    combined["visible"] = combined["visible"].fillna(False).astype(bool)
    combined = combined.assign_coords(speed=("condition", [CONDITIONS[c][0] for c in out]),
                                      motion=("condition", [CONDITIONS[c][1] for c in out]))
    combined.attrs.update(padding="NaN after the end of the shorter (fast) cycles; see `valid`")
    return combined
