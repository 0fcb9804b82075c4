"""Every figure, drawn from Scores and RDMs (the last stage of the data flow).

RDMs are shown rank-transformed to percentiles (0 = most similar, 100 = most dissimilar), as in
Kriegeskorte et al. (2008), with stimuli ordered by category so that categorical structure shows up
as blocks.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.spatial.distance import squareform  # noqa: E402
from scipy.stats import rankdata  # noqa: E402

from ..scores import Score  # noqa: E402


def percentile_rdm(matrix: np.ndarray) -> np.ndarray:
    """Square RDM with its off-diagonal entries replaced by their percentile rank (0–100)."""
    vec = squareform(np.asarray(matrix, dtype=float), checks=False)
    ranks = (rankdata(vec) - 1) / max(len(vec) - 1, 1) * 100
    return squareform(ranks)


def category_order(categories: Sequence[str], order: Sequence[str] | None = None) -> np.ndarray:
    """Stable permutation that sorts stimuli by category (in ``order`` if given)."""
    categories = np.asarray(categories)
    order = list(order) if order is not None else list(dict.fromkeys(categories))
    rank = {c: i for i, c in enumerate(order)}
    return np.argsort([rank.get(c, len(order)) for c in categories], kind="stable")


def _category_ticks(ax, cats_sorted: np.ndarray) -> None:
    labels, starts = np.unique(cats_sorted, return_index=True)
    ends = [np.max(np.where(cats_sorted == lab)[0]) for lab in labels]
    mids = [(s + e) / 2 for s, e in zip(starts, ends)]
    ax.set_yticks(mids)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xticks([])
    for s in sorted(starts)[1:]:
        ax.axhline(s - 0.5, color="w", lw=0.6)
        ax.axvline(s - 0.5, color="w", lw=0.6)


def plot_rdm_pair(model_rdm: np.ndarray, brain_rdm: np.ndarray, categories: Sequence[str],
                  titles: tuple[str, str] = ("model", "brain"), category_names: Sequence[str] | None = None,
                  suptitle: str = "", path: str | Path | None = None):
    """Model RDM beside brain RDM, percentile-transformed, stimuli ordered by category."""
    order = category_order(categories, category_names)
    cats_sorted = np.asarray(categories)[order]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), constrained_layout=True)
    for ax, mat, title in zip(axes, (model_rdm, brain_rdm), titles):
        im = ax.imshow(percentile_rdm(mat)[np.ix_(order, order)], cmap="viridis", vmin=0, vmax=100)
        ax.set_title(title, fontsize=10)
        _category_ticks(ax, cats_sorted)
    fig.colorbar(im, ax=axes, shrink=0.8, label="dissimilarity (percentile)")
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return _finish(fig, path)


def plot_layer_profile(scores: list[Score], baseline: Score | None = None, path: str | Path | None = None,
                       title: str = "", committed: str | None = None):
    """Raw score per layer with 95% CI, the noise-ceiling band (or a note that the data allow none), a baseline
    (e.g. pixels) line, and the model's committed layer for the benchmark's region marked (``committed``)."""
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(scores) + 2), 4), constrained_layout=True)
    x = np.arange(len(scores))
    raw = np.array([s.raw for s in scores])
    lo = np.array([np.nan if s.ci_low is None else s.ci_low for s in scores])
    hi = np.array([np.nan if s.ci_high is None else s.ci_high for s in scores])
    err = np.nan_to_num(np.clip(np.stack([raw - lo, hi - raw]), 0, None))
    first = scores[0]
    if first.ceiling_upper is not None:
        ax.axhspan(first.ceiling_lower, first.ceiling_upper, color="0.85", label="noise ceiling (lower–upper)")
    else:
        ax.text(0.99, 0.02, "no noise ceiling: the data allow none (e.g. a single RDM)", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=7, color="0.3")
    ax.errorbar(x, raw, yerr=err, fmt="o-", color="C0", capsize=2, label=f"{first.model} (95% CI)")
    layers = [s.layer for s in scores]
    if committed in layers:
        i = layers.index(committed)
        ax.axvline(i, color="C2", lw=1.5, ls=":", label=f"committed layer {committed}")
        ax.plot([i], [raw[i]], "o", ms=10, mfc="none", mec="C2", mew=2)
    if baseline is not None:
        ax.axhline(baseline.raw, color="C3", ls="--", label=f"{baseline.model} baseline")
        if baseline.ci_low is not None:
            ax.axhspan(baseline.ci_low, baseline.ci_high, color="C3", alpha=0.12)
    ax.set_xticks(x)
    ax.set_xticklabels(layers, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(first.metric.split(" ")[0] + " (raw score)")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_title(title or first.benchmark, fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return _finish(fig, path)


def _finish(fig, path):
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # deterministic output: no embedded timestamps
        fig.savefig(path, dpi=120, metadata={"Software": None} if path.suffix == ".png" else None)
        plt.close(fig)
        return path
    return fig


def plot_heat_table(scores: list[Score], path: str | Path | None = None, value: str = "ceiled"):
    """Model × benchmark tables, one panel per kind of value so that no colour means two things: ``value`` (the
    ceiled score) for benchmarks with a noise ceiling, the raw score for those without one; within each panel,
    predictivity (encoding) and RSA benchmarks are separate column blocks. Diverging colours centred at 0 (negative
    scores show as blue, not clipped), each panel on its own symmetric scale, every cell annotated."""
    models = list(dict.fromkeys(s.model for s in scores))
    benches = list(dict.fromkeys(s.benchmark for s in scores))
    ceiled_b = [b for b in benches if any(s.benchmark == b and getattr(s, value) is not None for s in scores)]
    raw_b = [b for b in benches if b not in ceiled_b]

    def kind(b):  # predictivity (encoding) first, then similarity-based, within each panel
        metric = next(s.metric for s in scores if s.benchmark == b)
        return (0 if "predictivity" in metric or "ridge" in metric or "pls" in metric.lower() else 1, benches.index(b))

    panels = [(sorted(ceiled_b, key=kind), value), (sorted(raw_b, key=kind), "raw")]
    panels = [(bs, v) for bs, v in panels if bs]
    widths = [max(len(bs), 1) for bs, _ in panels]
    fig, axes = plt.subplots(1, len(panels), figsize=(0.9 * sum(widths) + 2.5 * len(panels) + 1.5,
                                                      0.45 * len(models) + 2.4),
                             gridspec_kw={"width_ratios": widths}, constrained_layout=True, squeeze=False)
    for ax, (bs, v) in zip(axes[0], panels):
        table = np.full((len(models), len(bs)), np.nan)
        for s in scores:
            if s.benchmark in bs:
                x = getattr(s, v)
                table[models.index(s.model), bs.index(s.benchmark)] = np.nan if x is None else x
        lim = max(1e-6, np.nanmax(np.abs(table))) if np.isfinite(table).any() else 1.0
        im = ax.imshow(table, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        for i in range(len(models)):
            for j in range(len(bs)):
                t = table[i, j]
                ax.text(j, i, "—" if np.isnan(t) else f"{t:.2f}", ha="center", va="center", fontsize=8,
                        color="w" if np.isfinite(t) and abs(t) > 0.6 * lim else "k")
        ax.set_xticks(range(len(bs)))
        ax.set_xticklabels(bs, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(len(models)))
        ax.set_yticklabels(models if ax is axes[0][0] else [""] * len(models), fontsize=8)
        ax.set_title(f"{v} score" + (" (benchmarks with a noise ceiling)" if v != "raw" else
                                     " (no noise ceiling can be estimated)"), fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8, label=f"{v} score")
    return _finish(fig, path)


def mds_embedding(matrix: np.ndarray, n_components: int = 2, seed: int = 0) -> np.ndarray:
    """Classical (Torgerson) MDS of a dissimilarity matrix: ``(n, n)`` → ``(n, n_components)`` coordinates.

    Double-centres the squared dissimilarities and keeps the top eigenvectors scaled by the square root
    of their eigenvalues (Torgerson 1952). Deterministic: each axis's sign is fixed so that its
    largest-magnitude coordinate is positive (``seed`` is unused, kept for API stability).
    """
    d2 = np.asarray(matrix, dtype=float) ** 2
    n = d2.shape[0]
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ d2 @ j
    vals, vecs = np.linalg.eigh(b)
    order = np.argsort(vals)[::-1][:n_components]
    coords = vecs[:, order] * np.sqrt(np.clip(vals[order], 0, None))
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), np.arange(n_components)])
    return coords * np.where(signs == 0, 1, signs)


def plot_mds(matrix: np.ndarray, categories: Sequence[str], title: str = "", path: str | Path | None = None):
    """2-D classical MDS of the stimuli from an RDM, coloured by category."""
    coords = mds_embedding(matrix)
    categories = np.asarray(categories)
    fig, ax = plt.subplots(figsize=(5.5, 5), constrained_layout=True)
    for i, cat in enumerate(dict.fromkeys(categories.tolist())):
        sel = categories == cat
        ax.scatter(coords[sel, 0], coords[sel, 1], s=22, color=f"C{i}", label=cat)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="best")
    return _finish(fig, path)


# ------------------------------------------------------------------------------------------------ dorsal stream
def _shade_intervals(ax, t, mask, color="0.85", label=None):
    """Shade the runs of True in ``mask`` over the time axis ``t`` (one legend entry)."""
    mask = np.asarray(mask, bool)
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    step = (t[1] - t[0]) if len(t) > 1 else 1
    for k, (a, b) in enumerate(zip(edges[::2], edges[1::2])):
        ax.axvspan(t[a] - step / 2, t[b - 1] + step / 2, color=color, lw=0, label=label if k == 0 else None)


def plot_tracking_trajectories(time_ms, true_deg, estimate_deg, occluded, title: str = "",
                               path: str | Path | None = None, n_show: int = 3):
    """True vs estimated trajectories (x and y in deg vs time in ms), occluded frames shaded grey.

    ``time_ms`` (T,); ``true_deg``/``estimate_deg`` (n, T, 2) or (T, 2); ``occluded`` (n, T) or (T,) bool
    (hidden target, in the network's time). One row per video (the first ``n_show``), columns x and y.
    """
    t = np.asarray(time_ms, float)
    true, est, occ = (np.asarray(a) for a in (true_deg, estimate_deg, occluded))
    if true.ndim == 2:
        true, est, occ = true[None], est[None], occ[None]
    n = min(n_show, len(true))
    fig, axes = plt.subplots(n, 2, figsize=(9, 2.2 * n + 0.6), sharex=True, squeeze=False)
    for i in range(n):
        for j, name in enumerate(("x", "y")):
            ax = axes[i, j]
            _shade_intervals(ax, t, occ[i], label="occluded")
            ax.plot(t, true[i, :, j], color="k", lw=1.5, label="true")
            ax.plot(t, est[i, :, j], color="tab:red", lw=1.2, ls="--", label="model estimate")
            ax.set_ylabel(f"{name} (deg)")
            if i == 0 and j == 0:
                ax.legend(fontsize=7, loc="best")
    for ax in axes[-1]:
        ax.set_xlabel("time (ms)")
    fig.suptitle(title or "tracker: true vs estimated position", fontsize=10)
    fig.tight_layout()
    return _finish(fig, path)


def plot_flash_lag_vs_speed(speeds_deg_s, lags_ms: dict, sems_ms: dict | None = None, human_ms: float = 45.0,
                            delay_ms: float | None = None, title: str = "", path: str | Path | None = None):
    """Flash-lag (ms) vs speed (deg/s) for each model in ``lags_ms`` (name → per-speed values) against the
    human mean lag ``human_ms`` at every speed
    (constant in ms: Whitney, Murakami & Cavanagh 2000) and, if given, the model's input delay."""
    s = np.asarray(speeds_deg_s, float)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.axhline(human_ms, color="k", lw=2, alpha=0.6, label=f"human mean {human_ms:.1f} ms (constant over speed)")
    if delay_ms is not None:
        ax.axhline(delay_ms, color="0.5", ls=":", label=f"model input delay Δ = {delay_ms:g} ms")
    ax.axhline(0, color="0.7", lw=0.8)
    for k, (name, lags) in enumerate(lags_ms.items()):
        err = None if sems_ms is None else sems_ms.get(name)
        ax.errorbar(s, lags, yerr=err, marker="o", capsize=3, label=name, color=f"C{k}")
    ax.set_xlabel("speed (deg/s)")
    ax.set_ylabel("flash-lag (ms)")
    ax.set_title(title or "flash-lag vs speed", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _finish(fig, path)


def plot_pursuit_traces(per_condition: dict, ms_per_sample: float, title: str = "",
                        path: str | Path | None = None):
    """Adams et al. (2015) occluded pursuit: per condition, target, grand-average human eye and model estimate
    (x / amplitude) vs time (ms), occluded samples shaded. ``per_condition``: code → dict with
    ``trace_target``, ``trace_human``, ``trace_model`` and optionally ``occluded`` (bool per sample)."""
    codes = list(per_condition)
    fig, axes = plt.subplots(2, 2, figsize=(10, 6), squeeze=False)
    names = {"FS": "fast smooth", "FN": "fast noisy", "SS": "slow smooth", "SN": "slow noisy"}
    for ax, code in zip(axes.ravel(), codes):
        d = per_condition[code]
        tgt = np.asarray(d["trace_target"])
        t = np.arange(len(tgt)) * ms_per_sample
        occ = np.asarray(d.get("occluded", (tgt >= -0.8) & (tgt <= 0.0)), bool)
        _shade_intervals(ax, t, occ, label="occluded")
        ax.plot(t, tgt, color="k", lw=1, label="target")
        ax.plot(t, d["trace_human"], color="tab:blue", lw=1.5, label="human eye (grand average)")
        ax.plot(t, d["trace_model"], color="tab:red", lw=1.2, ls="--", label="model estimate")
        ax.set_title(names.get(code, code), fontsize=9)
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("x / amplitude")
    axes[0, 0].legend(fontsize=7, loc="lower left")
    fig.suptitle(title or "occluded pursuit (Adams et al. 2015)", fontsize=10)
    fig.tight_layout()
    return _finish(fig, path)


def plot_error_since_occlusion(time_since_onset_ms, errors: dict, counts=None, visible_error: dict | None = None,
                               title: str = "", path: str | Path | None = None):
    """Position error (deg or px, as given) vs time since occlusion onset (ms), one line per model in
    ``errors``; dotted lines mark each model's error on visible frames (``visible_error``)."""
    t = np.asarray(time_since_onset_ms, float)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for k, (name, e) in enumerate(errors.items()):
        ax.plot(t, e, marker=".", color=f"C{k}", label=name)
        if visible_error and name in visible_error:
            ax.axhline(visible_error[name], color=f"C{k}", ls=":", lw=1, label=f"{name}: visible frames")
    ax.set_xlabel("time since occlusion onset (ms)")
    ax.set_ylabel("position error (px)")
    ax.set_title(title or "error while the target is hidden", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _finish(fig, path)


def plot_rsa_timecourse(time_ms, similarity: dict, onset_ms: float | None = None, title: str = "",
                        path: str | Path | None = None):
    """Hidden-state RDM vs model RDMs (name → ρ per time step) over network time (ms); the occlusion onset in
    network time is marked (the latent-position analysis of Rajalingham, Sohn & Jazayeri 2022)."""
    t = np.asarray(time_ms, float)
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    if onset_ms is not None:
        ax.axvspan(onset_ms, t[-1], color="0.9", lw=0, label="target hidden")
    styles = ["-", "--", ":", "-."]
    for k, (name, v) in enumerate(similarity.items()):  # distinct dashes and widths: overlapping lines stay visible
        ax.plot(t, v, color=f"C{k}", ls=styles[k % len(styles)], lw=max(4.5 - 1.0 * k, 1.2), label=name,
                zorder=2 + k)  # later lines thinner and on top: an identical curve shows as a line inside a band
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("network time (ms)")
    ax.set_ylabel("Spearman ρ with hidden-state RDM")
    ax.set_title(title or "what the tracker's hidden state represents", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _finish(fig, path)
