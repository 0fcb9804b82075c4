"""Scores: what a benchmark returns — raw value, noise ceiling, ceiled value, bootstrap CI, provenance.

Following Brain-Score, a :class:`Score` carries its ceiling and uncertainty with it. For RSA
benchmarks with several subjects, the ceiling is the Nili et al. (2014) noise-ceiling interval
``[ceiling_lower, ceiling_upper]``: the lower bound (each subject vs the mean of the others)
underestimates, the upper bound (each subject vs the mean of all) overestimates, what the true model
would score. ``ceiled = raw / ceiling_upper`` — the conservative choice: a model reaches 1 only by
matching the group-mean RDM itself. The CI is a percentile bootstrap over stimuli; ``ceiled_ci_*``
bootstrap the ratio (raw and ceiling recomputed on each resample). Benchmarks with a single data
RDM have no ceiling: ``ceiling_*`` and ``ceiled`` are ``None`` and ``notes`` says so.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .cache import write_json_atomic


def _clean(value: Any) -> Any:
    """Floats rounded to 12 significant digits (stable JSON across platforms); NaN → None."""
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


@dataclass
class Score:
    """One model × layer × benchmark result. All values are comparison values (e.g. Spearman ρ)."""

    raw: float
    ci_low: float
    ci_high: float
    model: str
    layer: str
    benchmark: str
    metric: str
    ceiling_lower: float | None = None
    ceiling_upper: float | None = None
    ceiled: float | None = None
    ceiled_ci_low: float | None = None
    ceiled_ci_high: float | None = None
    n_boot: int = 0
    seed: int = 0
    notes: str = ""
    provenance: dict = field(default_factory=dict)

    @property
    def ceiling(self) -> float | None:
        """The ceiling ``ceiled`` is divided by (the upper bound)."""
        return self.ceiling_upper

    def to_dict(self) -> dict:
        return _clean(asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> "Score":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def to_json(self, path: str | Path) -> Path:
        return write_json_atomic(path, self.to_dict())

    def summary(self) -> str:
        """A readable one-paragraph summary."""
        lines = [f"{self.benchmark}  model={self.model}  layer={self.layer}",
                 f"  raw      {self.raw:.4f}  (95% CI {self.ci_low:.4f} – {self.ci_high:.4f}; "
                 f"{self.metric}; bootstrap n={self.n_boot})"]
        if self.ceiling_upper is not None and self.ceiling_lower is not None and self.ceiling_lower != self.ceiling_upper:
            lines.append(f"  ceiling  lower {self.ceiling_lower:.4f}  upper {self.ceiling_upper:.4f}  (Nili et al. 2014)")
        elif self.ceiling_upper is not None:
            lines.append(f"  ceiling  {self.ceiling_upper:.4f}")
        if self.ceiled is not None:
            lines.append(f"  ceiled   {self.ceiled:.4f}  (95% CI {self.ceiled_ci_low:.4f} – {self.ceiled_ci_high:.4f}; "
                         "raw / ceiling)")
        if self.ceiling_upper is None:
            lines.append("  ceiling  none")
        if self.notes:
            lines.append(f"  note     {self.notes}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def scores_to_json(scores: list[Score] | Score, path: str | Path) -> Path:
    """Write one score (a JSON object) or several (a JSON list) atomically."""
    payload = scores.to_dict() if isinstance(scores, Score) else [s.to_dict() for s in scores]
    return write_json_atomic(path, payload)


def load_scores(path: str | Path) -> list[Score]:
    data = json.loads(Path(path).read_text())
    return [Score.from_dict(d) for d in (data if isinstance(data, list) else [data])]


_ARRAY_FIELDS = ("raw", "ci_low", "ci_high", "ceiling_lower", "ceiling_upper", "ceiled", "ceiled_ci_low",
                 "ceiled_ci_high")


def profile_dataset(scores: list[Score]):
    """A layer profile (one Score per layer, same model and benchmark) as an ``xarray.Dataset`` over ``layer``.

    Missing values (no ceiling) are NaN; provenance and metric go into attrs (provenance as JSON text).
    """
    import numpy as np
    import xarray as xr
    if not scores:
        raise ValueError("no scores to write")
    if len({(s.model, s.benchmark) for s in scores}) != 1:
        raise ValueError("a layer profile holds one model on one benchmark; got several")
    data = {f: ("layer", np.array([np.nan if getattr(s, f) is None else getattr(s, f) for s in scores], dtype=float))
            for f in _ARRAY_FIELDS}
    first = scores[0]
    return xr.Dataset(data, coords={"layer": [s.layer for s in scores]},
                      attrs={"model": first.model, "benchmark": first.benchmark, "metric": first.metric,
                             "n_boot": first.n_boot, "seed": first.seed, "notes": first.notes,
                             "provenance": json.dumps(_clean(first.provenance), sort_keys=True)})


def scores_to_netcdf(scores: list[Score], path: str | Path) -> Path:
    """Write a layer profile as netCDF (classic format, ``engine="scipy"``: byte-identical for identical
    scores, unlike HDF5-based netCDF4), atomically."""
    from .cache import atomic_path
    ds = profile_dataset(scores)
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")
    return Path(path)
