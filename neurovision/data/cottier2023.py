"""Cottier, Turner, Holcombe & Hogendoorn (2023): flash-lag and related motion-position illusions.

Individual-differences study: each participant measured in two sessions. Flash-lag stimulus (from the
authors' experiment code, summarised in the mirror's MANIFEST): a target rotates on a circle of radius
380 px = 12.15 degrees of visual angle (dva) at 180 deg/s (0.5 rev/s); a flash (7 frames at 144 Hz,
~48.6 ms) is presented at the same radius; 4 interleaved staircases (CW/CCW x flash ahead/behind); the
point of subjective equality (PSE) is the mean of the last 21 trials. Display ASUS PG258Q (543.7 mm /
1920 px) at 500 mm. Sign convention: positive = illusion in the expected direction (flash seen behind).

Citation: Cottier TV, Turner W, Holcombe AO, Hogendoorn H (2023). Journal of Vision (motion-position
illusions, individual differences). Data: OSF https://osf.io/s4aqg, mirrored in
github.com/alexholcombe/qualitativeIndividDiffsMotnPostnIllusions. Verify the exact title/volume and the
OSF data licence before redistribution.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .registry import DATASETS, fetch

DATASET = "cottier2023_flashlag"
CITATION = ("Cottier TV, Turner W, Holcombe AO, Hogendoorn H (2023). Journal of Vision (motion-position "
            "illusions, individual differences; 'Shared mechanisms underlie some but not all motion-position "
            "illusions').")
FLE_FILE = "effect_files/FLE_Values.mat"
AVERAGE_FILE = "Average_Array.csv"

SPEED_DEG_PER_S = 180.0
STIMULUS = {
    "rotation_speed_deg_per_s": SPEED_DEG_PER_S,
    "radius_px": 380,
    "radius_dva": 12.15,
    "refresh_rate_hz": 144,
    "flash_frames": 7,
    "flash_duration_ms": 7 / 144 * 1000,  # ~48.6 ms
    "viewing_distance_mm": 500,
    "monitor": "ASUS PG258Q, 543.7 mm / 1920 px",
    "staircases": "4 interleaved (CW/CCW x flash ahead/behind); PSE = mean of the last 21 trials",
}

#: columns of Average_Array.csv (no header in the file; order from the authors' analysis script)
ILLUSION_COLUMNS = (
    "participant",
    "flash_lag_dva",
    "flash_lag_luminance",
    "frohlich_dva",
    "flash_drag",
    "flash_grab_dva",
    "motion_induced_position_shift",
    "twinkle_goes",
    "flash_jump",
)


def _sha(rel: str) -> str:
    return DATASETS[DATASET].files[rel]


def load_flash_lag() -> xr.Dataset:
    """Flash-lag effect (FLE) per participant and session.

    Returns an :class:`xarray.Dataset` with dims ``participant`` (85; coord = the study's participant ID)
    and ``session`` (1, 2) and float64 variables:

    * ``fle_polar_deg``: FLE in degrees of polar angle (rotation of the target around the circle);
    * ``fle_dva``: FLE in degrees of visual angle, as computed by the authors;
    * ``fle_ms``: FLE in milliseconds = ``fle_polar_deg / 180 * 1000``. Because the target rotates at a
      constant 180 deg/s, a spatial lag of d degrees of rotation equals the time the target takes to
      travel d degrees, d / 180 s — the usual way of expressing flash-lag as a latency.

    Source: ``FLE_Sess1``/``FLE_Sess2`` (85 x 3: participant ID, polar deg, dva) of
    ``effect_files/FLE_Values.mat``. attrs hold the stimulus parameters (:data:`STIMULUS`), citation and
    sha256. Session means: 9.42 / 6.38 polar deg (52.4 / 35.4 ms).
    """
    from scipy.io import loadmat

    mat = loadmat(fetch(DATASET, FLE_FILE))
    s1, s2 = (np.asarray(mat[k], dtype=np.float64) for k in ("FLE_Sess1", "FLE_Sess2"))
    if s1.shape != s2.shape or s1.ndim != 2 or s1.shape[1] != 3 or not np.array_equal(s1[:, 0], s2[:, 0]):
        raise ValueError(f"{DATASET}/{FLE_FILE}: FLE_Sess1/FLE_Sess2 are not matching (n, 3) tables")
    polar = np.stack([s1[:, 1], s2[:, 1]], axis=1)
    dva = np.stack([s1[:, 2], s2[:, 2]], axis=1)
    dims = ("participant", "session")
    return xr.Dataset(
        {
            "fle_polar_deg": (dims, polar, {"units": "deg polar angle"}),
            "fle_dva": (dims, dva, {"units": "deg visual angle"}),
            "fle_ms": (dims, polar / SPEED_DEG_PER_S * 1000.0,
                       {"units": "ms", "definition": "fle_polar_deg / 180 deg/s * 1000"}),
        },
        coords={"participant": s1[:, 0].astype(int), "session": [1, 2]},
        attrs={"dataset": DATASET, "citation": CITATION, "source_file": FLE_FILE, "sha256": _sha(FLE_FILE),
               "sign": "positive = flash perceived lagging the moving target", **STIMULUS},
    )


def test_retest(unit: str = "fle_polar_deg") -> float:
    """Pearson r between session 1 and session 2 FLE across participants (r = 0.749, N = 85).

    ``unit``: ``"fle_polar_deg"`` (default; identical r for ``"fle_ms"``, a linear rescaling) or
    ``"fle_dva"`` (0.7495).
    """
    ds = load_flash_lag()
    if unit not in ds.data_vars:
        raise ValueError(f"unknown unit {unit!r}; choose one of: {', '.join(ds.data_vars)}")
    a, b = ds[unit].sel(session=1).values, ds[unit].sel(session=2).values
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


test_retest.__test__ = False  # not a pytest test despite the name


def load_illusions() -> xr.Dataset:
    """Eight motion-position illusions per participant, averaged over the two sessions.

    Returns a Dataset with dim ``participant`` (106 rows of ``Average_Array.csv``; coord = participant ID)
    and one float64 variable per illusion (:data:`ILLUSION_COLUMNS`): flash-lag (dva), luminance flash-lag,
    Frohlich (dva; outliers set to NaN by the authors), flash-drag, flash-grab (dva), motion-induced
    position shift, twinkle-goes, flash-jump. Units other than those marked dva are as in the authors'
    effect files (not stated in the csv). NaN = not measured / excluded. ``flash_lag_dva`` equals the mean of
    the two sessions' ``fle_dva`` of :func:`load_flash_lag` for its 85 participants.
    """
    import pandas as pd

    table = pd.read_csv(fetch(DATASET, AVERAGE_FILE), header=None)
    if table.shape[1] != len(ILLUSION_COLUMNS):
        raise ValueError(f"{DATASET}/{AVERAGE_FILE}: expected {len(ILLUSION_COLUMNS)} columns, "
                         f"got {table.shape[1]}")
    table.columns = list(ILLUSION_COLUMNS)
    ids = table.pop("participant").astype(int).to_numpy()
    return xr.Dataset(
        {name: ("participant", table[name].to_numpy(dtype=np.float64)) for name in table.columns},
        coords={"participant": ids},
        attrs={"dataset": DATASET, "citation": CITATION, "source_file": AVERAGE_FILE,
               "sha256": _sha(AVERAGE_FILE), "averaging": "mean over the two sessions"},
    )
