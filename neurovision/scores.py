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

import numpy as np

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
    ci_low: float | None
    ci_high: float | None
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
        kept = {k: v for k, v in d.items() if k in names}
        if kept.get("raw") is None:  # JSON null: an undefined (NaN) score
            kept["raw"] = math.nan
        return cls(**kept)

    def to_json(self, path: str | Path) -> Path:
        return write_json_atomic(path, self.to_dict())

    def summary(self) -> str:
        """A readable one-paragraph summary (NaN and missing values are printed as such)."""
        ci = (f"95% CI {_fmt(self.ci_low)} – {_fmt(self.ci_high)}; {self.metric}; bootstrap n={self.n_boot}"
              if self.n_boot else f"no CI: n_boot=0; {self.metric}")
        lines = [f"{self.benchmark}  model={self.model}  layer={self.layer}",
                 f"  raw      {_fmt(self.raw)}  ({ci})"]
        if (self.ceiling_upper is not None and self.ceiling_lower is not None
                and self.ceiling_lower != self.ceiling_upper):
            lines.append(f"  ceiling  lower {self.ceiling_lower:.4f}  upper {self.ceiling_upper:.4f}  "
                         "(Nili et al. 2014)")
        elif self.ceiling_upper is not None:
            lines.append(f"  ceiling  {self.ceiling_upper:.4f}")
        if self.ceiled is not None:
            ci = f"95% CI {_fmt(self.ceiled_ci_low)} – {_fmt(self.ceiled_ci_high)}; " if self.n_boot else ""
            lines.append(f"  ceiled   {_fmt(self.ceiled)}  ({ci}raw / ceiling)")
        if self.ceiling_upper is None:
            lines.append("  ceiling  none")
        if self.notes:
            lines.append(f"  note     {self.notes}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _interval(samples) -> tuple[float | None, float | None]:
    """2.5th and 97.5th percentiles of the finite ``samples`` (None, None when there are no samples;
    NaN when none is finite)."""
    samples = np.asarray(samples, dtype=float)
    if samples.size == 0:
        return None, None
    if not np.isfinite(samples).any():
        return math.nan, math.nan
    low, high = np.nanpercentile(samples, [2.5, 97.5])
    return float(low), float(high)


def make_score(*, raw: float, samples, model: str, layer: str, benchmark: str, metric: str, n_boot: int,
               seed: int, provenance: dict, ceiling: tuple[float, float] | None = None, ceiled_samples=None,
               clip_ceiled: bool = False, notes: str = "") -> Score:
    """The one place a :class:`Score` is assembled from a point estimate and its bootstrap.

    ``samples`` (n_boot,): bootstrap replicates of ``raw`` → the percentile CI (2.5, 97.5) of the finite ones; with
    ``n_boot == 0`` the CI is ``None`` and ``notes`` says "no CI". ``ceiling``: ``(lower, upper)`` noise-ceiling
    bounds, ``ceiled = raw / upper`` (clipped to [0, 1] when ``clip_ceiled``, which the notes then state, with the
    unclipped ratio when the clip changed it; ``raw`` itself is never clipped), its CI
    from ``ceiled_samples`` (the ratio recomputed on every resample). A NaN ``raw`` (undefined comparison, e.g. a
    constant RDM) stays NaN, and so does ``ceiled``.
    """
    low, high = _interval(samples if n_boot else [])
    extra = []
    kwargs: dict = {}
    if ceiling is not None:
        c_low, c_up = (float(c) for c in ceiling)
        ceiled = raw / c_up if c_up else math.nan
        c_samples = np.asarray([] if ceiled_samples is None or not n_boot else ceiled_samples, dtype=float)
        if clip_ceiled:
            clipped = float(np.clip(ceiled, 0, 1)) if np.isfinite(ceiled) else ceiled
            extra.append("ceiled = raw / ceiling clipped to [0, 1]" + (
                f": clipped to {clipped:g} from {ceiled:.4g} (raw is unclipped)" if clipped != ceiled else ""))
            ceiled = clipped
            c_samples = np.clip(c_samples, 0, 1)
        cc_low, cc_high = _interval(c_samples)
        kwargs = dict(ceiling_lower=c_low, ceiling_upper=c_up, ceiled=float(ceiled), ceiled_ci_low=cc_low,
                      ceiled_ci_high=cc_high)
    if not n_boot:
        extra.append("no CI: n_boot=0")
    notes = "; ".join([n for n in [notes, *extra] if n])
    return Score(raw=float(raw), ci_low=low, ci_high=high, model=model, layer=layer, benchmark=benchmark,
                 metric=metric, n_boot=int(n_boot), seed=int(seed), notes=notes, provenance=provenance, **kwargs)


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
