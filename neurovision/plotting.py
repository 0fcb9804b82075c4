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

from .scores import Score  # noqa: E402


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
                       title: str = ""):
    """Raw score per layer with 95% CI, the noise-ceiling band, and a baseline (e.g. pixels) line."""
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(scores) + 2), 4), constrained_layout=True)
    x = np.arange(len(scores))
    raw = np.array([s.raw for s in scores])
    err = np.array([[s.raw - s.ci_low for s in scores], [s.ci_high - s.raw for s in scores]])
    first = scores[0]
    if first.ceiling_upper is not None:
        ax.axhspan(first.ceiling_lower, first.ceiling_upper, color="0.85", label="noise ceiling (Nili et al. 2014)")
    ax.errorbar(x, raw, yerr=err, fmt="o-", color="C0", capsize=2, label=f"{first.model} (95% CI)")
    if baseline is not None:
        ax.axhline(baseline.raw, color="C3", ls="--", label=f"{baseline.model} baseline")
        ax.axhspan(baseline.ci_low, baseline.ci_high, color="C3", alpha=0.12)
    ax.set_xticks(x)
    ax.set_xticklabels([s.layer for s in scores], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(first.metric.split(" ")[0] + " with brain RDM")
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
    """Model × benchmark table coloured by ``value`` (ceiled score; raw where no ceiling exists, marked *)."""
    models = list(dict.fromkeys(s.model for s in scores))
    benches = list(dict.fromkeys(s.benchmark for s in scores))
    table = np.full((len(models), len(benches)), np.nan)
    starred = np.zeros_like(table, dtype=bool)
    for s in scores:
        v = getattr(s, value)
        if v is None:
            v, starred[models.index(s.model), benches.index(s.benchmark)] = s.raw, True
        table[models.index(s.model), benches.index(s.benchmark)] = v
    fig, ax = plt.subplots(figsize=(1.3 * len(benches) + 3, 0.5 * len(models) + 2), constrained_layout=True)
    im = ax.imshow(table, cmap="magma", vmin=0, vmax=max(1e-6, np.nanmax(table)))
    for i in range(len(models)):
        for j in range(len(benches)):
            if not np.isnan(table[i, j]):
                ax.text(j, i, f"{table[i, j]:.2f}{'*' if starred[i, j] else ''}", ha="center", va="center",
                        color="w" if table[i, j] < 0.6 * np.nanmax(table) else "k", fontsize=8)
    ax.set_xticks(range(len(benches)))
    ax.set_xticklabels(benches, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(models)))
    ax.set_yticklabels(models, fontsize=8)
    fig.colorbar(im, ax=ax, shrink=0.8, label=f"{value} score (* raw: no ceiling)")
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
