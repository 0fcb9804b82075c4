"""One figure per dorsal benchmark: the people (or neurons) against every scored model, drawn from the Scores'
``provenance["details"]`` (what :func:`neurovision.score` returns; ``benchmarks/score_dorsal.py`` writes them).

* ``dorsal_cottier2023.flash_lag.png`` — the 85 people's flash-lag (mean of two sessions, ms) as a histogram, each
  model's lag (± SEM over trials) as a line;
* ``dorsal_whitney2000.flash_lag_speed.png`` — flash-lag (ms) against speed, every model, the human mean ± SEM;
* ``dorsal_eagleman2000.flash_lag_onset_offset.png`` — flash-lag per onset/offset display, humans (fraction × the
  sample's mean) and every model;
* ``dorsal_adams2015.occluded_pursuit.png`` — velocity gain while the target is occluded and lag behind the target
  while visible, per condition, the human eye and every model;
* ``dorsal_nover2005.mt_speed_tuning.png`` — the neurons' and each model's units' tuning properties (median and
  quartiles of preferred speed, tuning width, speed-0 baseline ratio);
* ``dorsal_stocker2006.speed_discrimination.png`` — the relative matching speed at low contrast (PSE ratio) and
  the Weber fractions against reference speed, each person and every model;
* any other dorsal benchmark: raw and ceiled score per model with the ceiling.

Every panel title carries the score (raw / ceiled) of each model so the figure explains the table.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..scores import Score
from .plotting import _finish, plt

_COLORS = plt.get_cmap("tab10").colors


def _color(i: int):
    return _COLORS[i % len(_COLORS)]


def _label(s: Score) -> str:
    if s.raw is None or not np.isfinite(s.raw):
        return f"{s.model} (no score)"
    ceiled = "no ceiling" if s.ceiled is None else f"ceiled {s.ceiled:.2f}"
    return f"{s.model} (raw {s.raw:.2f}, {ceiled})"


def _cottier(scores: list[Score], path: Path) -> Path:
    from ..benchmarks.dorsal.flash_lag import cottier2023_sample
    human = cottier2023_sample()
    fig, ax = plt.subplots(figsize=(6.4, 3.8), constrained_layout=True)
    ax.hist(human.person_ms, bins=20, color="0.75", label=f"people (n={human.n_people}), mean of 2 sessions")
    ax.axvline(human.mean_ms, color="k", lw=2, label=f"human mean {human.mean_ms:.1f} ms")
    for i, s in enumerate(scores):
        d = s.provenance["details"]
        ax.axvline(d["lag_ms"], color=_color(i), lw=2, label=_label(s))
        ax.axvspan(d["lag_ms"] - d["sem_ms"], d["lag_ms"] + d["sem_ms"], color=_color(i), alpha=0.15)
    ax.set_xlabel("flash-lag (ms; + = flash seen behind the moving target)")
    ax.set_ylabel("people")
    ax.set_title("cottier2023.flash_lag: 180 deg/s rotation, flash on the path", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return _finish(fig, path)


def _whitney(scores: list[Score], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.4, 3.8), constrained_layout=True)
    h = scores[0].provenance["details"]["human"]
    ax.axhspan(h["mean_ms"] - h["sem_ms"], h["mean_ms"] + h["sem_ms"], color="k", alpha=0.15)
    ax.axhline(h["mean_ms"], color="k", lw=2, label=f"human mean ± SEM ({h['label']}), constant over speed")
    ax.axhline(0, color="0.5", lw=0.8)
    for i, s in enumerate(scores):
        d = s.provenance["details"]
        sp = np.asarray(d["speeds_deg_s"], float)
        lag = [d["per_speed"][str(v)]["lag_ms"] for v in d["speeds_deg_s"]]
        sem = [d["per_speed"][str(v)]["sem_ms"] for v in d["speeds_deg_s"]]
        ax.errorbar(sp, lag, yerr=sem, marker="o", capsize=3, color=_color(i), label=_label(s))
    ax.set_xlabel("target speed (deg/s)")
    ax.set_ylabel("flash-lag (ms)")
    ax.set_title("whitney2000.flash_lag_speed", fontsize=10)
    ax.legend(fontsize=7)
    return _finish(fig, path)


def _eagleman(scores: list[Score], path: Path) -> Path:
    d0 = scores[0].provenance["details"]
    conds = list(d0["per_condition"])
    ref = d0["human_reference_ms"]
    fig, ax = plt.subplots(figsize=(7.2, 3.8), constrained_layout=True)
    width = 0.8 / (len(scores) + 1)
    x = np.arange(len(conds))
    ax.bar(x, [ref[c] for c in conds], width, color="0.6", label="humans (fraction × sample mean)")
    for i, s in enumerate(scores):
        d = s.provenance["details"]["per_condition"]
        ax.bar(x + (i + 1) * width, [d[c]["lag_ms"] for c in conds], width, yerr=[d[c]["sem_ms"] for c in conds],
               color=_color(i), label=_label(s), capsize=2)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(x + width * len(scores) / 2, conds)
    ax.set_ylabel("flash-lag (ms)")
    ax.set_title("eagleman2000.flash_lag_onset_offset", fontsize=10)
    ax.legend(fontsize=7)
    return _finish(fig, path)


def _adams(scores: list[Score], path: Path) -> Path:
    d0 = scores[0].provenance["details"]["per_condition"]
    conds = list(d0)
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.8), constrained_layout=True)
    width = 0.8 / (len(scores) + 1)
    x = np.arange(len(conds))
    for ax, (key, what) in zip(axes, [("velocity_gain_occluded", "velocity gain while occluded"),
                                      ("lag_visible_ms", "lag behind the target while visible (ms)")]):
        ax.bar(x, [d0[c][f"human_{key}"] for c in conds], width, color="0.6", label="human eye (grand average)")
        for i, s in enumerate(scores):
            d = s.provenance["details"]["per_condition"]
            ax.bar(x + (i + 1) * width, [d[c][f"model_{key}"] for c in conds], width, color=_color(i),
                   label=_label(s))
        ax.set_xticks(x + width * len(scores) / 2, conds)
        ax.set_ylabel(what)
    axes[0].axhline(1, color="k", lw=0.8)
    axes[0].legend(fontsize=6)
    fig.suptitle("adams2015.occluded_pursuit (F/S = fast/slow, S/N = smooth/noisy)", fontsize=10)
    return _finish(fig, path)


def _mt(scores: list[Score], path: Path) -> Path:
    props = [("preferred_speed", "preferred speed (deg/s)", True), ("tuning_width", "tuning width σ", False),
             ("baseline_ratio", "speed-0 rate / peak rate", False)]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), constrained_layout=True)
    neurons = next((s.provenance["details"]["neuron_summary"] for s in scores
                    if "neuron_summary" in s.provenance["details"]), None)
    rows = [("MT neurons", neurons, "0.3")]
    rows += [(_label(s), s.provenance["details"].get("model_summary"), _color(i)) for i, s in enumerate(scores)]
    for ax, (key, what, log) in zip(axes, props):
        for j, (name, summ, color) in enumerate(rows):
            if not summ or not isinstance(summ.get(key), dict) or summ[key].get("median") is None:
                ax.text(0.02, j, "no speed-tuned units", fontsize=7, va="center", color=color,
                        transform=ax.get_yaxis_transform())
                continue
            q = summ[key]
            ax.plot([q["q25"], q["q75"]], [j, j], color=color, lw=6, alpha=0.5, solid_capstyle="butt")
            ax.plot(q["median"], j, "o", color=color)
        ax.set_yticks(range(len(rows)), [r[0] for r in rows] if ax is axes[0] else [""] * len(rows), fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(what + " (median, quartiles)")
        if log:
            ax.set_xscale("log")
            ax.set_xticks([0.5, 2, 8, 32], ["0.5", "2", "8", "32"])
            ax.minorticks_off()
    fig.suptitle("nover2005.mt_speed_tuning: macaque MT neurons vs model units", fontsize=10)
    return _finish(fig, path)


def _stocker(scores: list[Score], path: Path) -> Path:
    d0 = scores[0].provenance["details"]
    ref = np.asarray(d0["reference_speeds_deg_s"], float)
    panels = [("log_pse_ratio", "ln(PSE / reference): low-contrast reference\n(< 0: low contrast seen slower)"),
              ("log_weber_high", "ln Weber fraction, contrast 0.5"),
              ("log_weber_low", "ln Weber fraction, contrast 0.075")]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), constrained_layout=True)

    def arr(v):
        return np.array([np.nan if x is None else x for x in v], float)

    for ax, (key, what) in zip(axes, panels):
        for k, (subject, h) in enumerate(d0["human"].items()):
            ax.plot(ref, arr(h[key]), color="0.55", lw=1, marker=".", label="people" if k == 0 else None)
        for i, s in enumerate(scores):
            m = s.provenance["details"].get("model", {})
            if key in m:
                ax.plot(ref, arr(m[key]), color=_color(i), lw=2, marker="o", label=_label(s))
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("reference speed (deg/s)")
        ax.set_ylabel(what, fontsize=8)
    axes[0].legend(fontsize=6)
    fig.suptitle("stocker2006.speed_discrimination: 5 people vs models", fontsize=10)
    return _finish(fig, path)


def _generic(scores: list[Score], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.4, 3.6), constrained_layout=True)
    x = np.arange(len(scores))
    ax.bar(x - 0.2, [s.raw for s in scores], 0.4, color="0.5", label="raw",
           yerr=_yerr([s.raw for s in scores], [s.ci_low for s in scores], [s.ci_high for s in scores]))
    ceiled = [np.nan if s.ceiled is None else s.ceiled for s in scores]
    ax.bar(x + 0.2, ceiled, 0.4, color="C0", label="ceiled",
           yerr=_yerr(ceiled, [s.ceiled_ci_low for s in scores], [s.ceiled_ci_high for s in scores]))
    ceil = [s.ceiling_upper for s in scores if s.ceiling_upper is not None]
    if ceil:
        ax.axhline(ceil[0], color="k", ls="--", label=f"ceiling {ceil[0]:.2f} (neurons/people vs themselves)")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(x, [s.model for s in scores], rotation=20, fontsize=8)
    ax.set_ylabel("score")
    ax.set_title(scores[0].benchmark, fontsize=10)
    ax.legend(fontsize=7)
    return _finish(fig, path)


def _yerr(values, low, high):
    v = np.asarray(values, float)
    lo = np.asarray([np.nan if x is None else x for x in low], float)
    hi = np.asarray([np.nan if x is None else x for x in high], float)
    return np.nan_to_num(np.clip(np.stack([v - lo, hi - v]), 0, None))


_PLOTS = {
    "cottier2023.flash_lag": _cottier,
    "whitney2000.flash_lag_speed": _whitney,
    "eagleman2000.flash_lag_onset_offset": _eagleman,
    "adams2015.occluded_pursuit": _adams,
    "nover2005.mt_speed_tuning": _mt,
    "stocker2006.speed_discrimination": _stocker,
}


def plot_dorsal_benchmarks(scores: list[Score], out) -> list[Path]:
    """One figure per benchmark among ``scores`` (every model scored on it in one figure), written into ``out`` as
    ``dorsal_<benchmark>.png``; returns the paths. Benchmarks without a dedicated plot get raw/ceiled bars (or the
    plot their module provides as ``plot_benchmark(scores, path)``)."""
    out = Path(out)
    written = []
    for bench in dict.fromkeys(s.benchmark for s in scores):
        group = [s for s in scores if s.benchmark == bench]
        plot = _PLOTS.get(bench, _generic)
        written.append(plot(group, out / f"dorsal_{bench}.png"))
    return written
