"""RSA hot paths in torch, on any device torch runs on (CPU, CUDA, MPS): RDMs, RDM comparisons and the
stimulus bootstrap.

The numpy engine (:func:`neurovision.rsa.rdm`, :func:`neurovision.rsa.compare`,
:func:`neurovision.rsa.bootstrap_stimuli`) is the reference; each function here computes the same quantity
with the same conventions, so results agree to float rounding (tests: 1e-6 in float32, 1e-10 in float64).

RDMs (Kriegeskorte, Mur & Bandettini 2008, *Front. Syst. Neurosci.* 2:4) of patterns ``X`` ``(n, c)``
(:func:`condensed_rdm`) take one reduction over the data (the row sums ``s``, accumulated in float64) and
one GEMM ``G = X Xᵀ`` of the raw patterns; centring and normalisation happen in the epilogue on ``n × n``
values: ``cov_ij = G_ij − s_i s_j / c``, ``r_ij = cov_ij / sqrt(cov_ii cov_jj)``. Centring after the product
loses about ``κ_i = G_ii / cov_ii`` (= 1 + mean² / variance of the row) in relative precision, so when some
row has ``κ`` above :data:`MAX_CANCELLATION` for the GEMM's precision the rows are centred first and the GEMM
is repeated on the centred copy (an offset much larger than the spread, e.g. raw pixel values).

Comparisons of condensed RDM vectors (:func:`compare_condensed`): Pearson and cosine by one GEMM of the
centred (Pearson) and normalised rows; Spearman as the Pearson correlation of average ranks (ties share the
mean of their positions), ranked on the input values in their own precision (float64 input is not rounded
to float32 before ranking, which could create ties).

Stimulus bootstrap (:func:`bootstrap_stimuli_torch`; Nili et al. 2014, *PLoS Comput. Biol.* 10:e1003553;
Schütt et al. 2023, *eLife* 12:e82566): a resample that draws condition ``i`` ``c_i`` times is the original
RDM vector with pair ``(i, j)``, ``i < j``, counted ``w_ij = c_i c_j`` times; pairs of a condition with its own
copy are excluded (rsatoolbox's ``eval_bootstrap_pattern`` sets them to NaN), exactly the rule of
:func:`neurovision.rsa.bootstrap_stimuli`, whose random stream (``numpy.random.default_rng(seed).integers``) is
reproduced. Spearman on a resample ranks the expanded vector: from each RDM's sort order, computed once, a
tie group with total weight ``T`` preceded by weight ``C`` has average rank ``C + (T + 1) / 2``; the weighted
mean rank is ``(W + 1) / 2`` with ``W = Σ w``. Integer weights and half-integer ranks below 2²³ are exact in
float32 (``W < n² / 2``: up to about 4,000 conditions).

``device``: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``, a :class:`torch.device`, or ``None`` (the CPU)
(:func:`neurovision.activations.resolve_device`; an unknown or unavailable device raises ValueError).
``dtype``: the precision of the GEMMs, ``torch.float32`` (default) or ``torch.float64``. On CUDA the results
equal the CPU's only if TF32 matrix products are off (torch's default,
``torch.backends.cuda.matmul.allow_tf32 = False``); with TF32 on, float32 GEMMs keep 10 mantissa bits.
"""
from __future__ import annotations

from typing import Union

import numpy as np
import torch

__all__ = ["condensed_rdm", "compare_condensed", "bootstrap_stimuli_torch", "average_ranks", "stimulus_counts",
           "pair_indices", "MAX_CANCELLATION", "RDM_METHODS", "COMPARE_METHODS", "BOOTSTRAP_METHODS"]

#: RDM methods of :func:`condensed_rdm` (as :func:`neurovision.rsa.rdm`).
RDM_METHODS = ("correlation", "cosine", "euclidean")
#: Comparison methods of :func:`compare_condensed` (as :func:`neurovision.rsa.compare`).
COMPARE_METHODS = ("pearson", "spearman", "cosine")
#: Comparison methods of :func:`bootstrap_stimuli_torch`.
BOOTSTRAP_METHODS = ("pearson", "spearman")
#: Largest cancellation factor ``κ = G_ii / cov_ii`` for which a correlation RDM is centred after the GEMM
#: (in its epilogue); above it the rows are centred before the GEMM. The epilogue loses about κ ε in relative
#: precision (ε: the GEMM's machine epsilon), so these bounds keep it within a few times the centred path's error.
MAX_CANCELLATION = {torch.float32: 4.0, torch.float64: 1e3}

ArrayLike = Union[np.ndarray, torch.Tensor]
_ALIASES = {"corr": "pearson", "correlation": "pearson"}


# --------------------------------------------------------------------------- arguments
def _device(device) -> torch.device:
    """``device`` resolved (:func:`neurovision.activations.resolve_device`); ``None`` is the CPU."""
    from ..activations import resolve_device  # lazy: importing the RSA engine does not import the model stack
    return resolve_device(device) or torch.device("cpu")


def _dtype(dtype) -> torch.dtype:
    """``torch.float32`` or ``torch.float64`` from a torch dtype, a numpy dtype or its name; ValueError else."""
    out: torch.dtype | None = None
    if isinstance(dtype, torch.dtype):
        out = dtype
    else:
        try:
            out = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}.get(np.dtype(dtype))
        except TypeError:
            out = None
    if out is None or out not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be float32 or float64 (torch or numpy); got {dtype!r}")
    return out


def _on_device(x: ArrayLike, device: torch.device, what: str) -> torch.Tensor:
    """``x`` as a floating tensor on ``device`` in its own precision (float64 numpy stays float64)."""
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        try:
            a = np.asarray(x)
        except Exception as err:  # noqa: BLE001 - reported as the documented ValueError
            raise ValueError(f"{what}: cannot read as an array ({err})") from None
        if a.dtype.kind not in "fiu":
            raise ValueError(f"{what} must be numeric; got dtype {a.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(a))
    if not torch.is_floating_point(t):
        t = t.to(torch.float64)
    return t.to(device)


def _vectors(x) -> ArrayLike:
    """Condensed vectors of an :class:`~neurovision.rsa.RDM` (its ``dissimilarities``) or ``x`` itself."""
    d = getattr(x, "dissimilarities", None)
    return x if d is None else d


def _check_rows(x: torch.Tensor, what: str) -> torch.Tensor:
    """``x`` as a ``(k, P)`` stack with ``P >= 3`` finite entries; ValueError otherwise."""
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[1] < 3:
        raise ValueError(f"{what} must be condensed RDM vectors (P,) or (k, P) with P >= 3; got shape "
                         f"{tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{what} contains NaN or infinite values")
    return x


def _names(idx: torch.Tensor) -> list[int]:
    """The first ten indices of a boolean mask, for messages."""
    return torch.nonzero(idx).flatten()[:10].tolist()


# --------------------------------------------------------------------------- RDMs
def _upper(square: torch.Tensor) -> torch.Tensor:
    """Condensed upper triangle ``(n (n - 1) / 2,)`` of ``square`` ``(n, n)`` in
    :func:`scipy.spatial.distance.squareform` order (row-major over ``i < j``), through an ``n × n`` boolean mask
    (n² bytes; index arrays would take 16 bytes per pair)."""
    n = square.shape[0]
    mask = torch.ones(n, n, dtype=torch.bool, device=square.device).triu_(1)
    return square[mask]


def condensed_rdm(patterns: ArrayLike, method: str = "correlation", *, device=None, dtype=torch.float32,
                  normalize: bool = True) -> torch.Tensor:
    """Condensed RDM ``(n (n - 1) / 2,)`` of ``patterns`` ``(n_conditions, n_channels)`` on ``device`` in ``dtype``.

    correlation: ``1 − r`` with r the Pearson correlation of two patterns over channels; cosine: ``1 − cos``;
    euclidean: squared Euclidean distance, divided by ``n_channels`` when ``normalize`` (rsatoolbox's
    'euclidean' RDM). Unitless for correlation and cosine; squared activation units (per channel) for
    euclidean. The same values as :func:`neurovision.rsa.rdm` (its ``dissimilarities[0]``), from one reduction
    and one GEMM (module docstring); pairs in squareform order.

    Raises
    ------
    ValueError
        for an unknown method or dtype, fewer than 3 conditions, patterns that are not 2-D, NaN/inf values,
        constant patterns (correlation) or all-zero patterns (cosine), naming the conditions (row indices).
    """
    if method not in RDM_METHODS:
        raise ValueError(f"unknown RDM method {method!r}; choose from {list(RDM_METHODS)}")
    dt = _dtype(dtype)
    dev = _device(device)
    x = _on_device(patterns, dev, "patterns")
    if x.ndim != 2 or x.shape[0] < 3 or x.shape[1] < 1:
        raise ValueError(f"patterns must be (n_conditions, n_channels) with at least 3 conditions and 1 channel; "
                         f"got shape {tuple(x.shape)}")
    n, c = x.shape
    xd = x.to(dt)
    g = xd @ xd.T  # the one GEMM (n, n)
    sq = g.diagonal().to(torch.float64)  # squared row norms, rounded as the off-diagonal entries
    bad = ~torch.isfinite(sq)
    if bool(bad.any()):
        raise ValueError(f"patterns contain NaN/inf for conditions {_names(bad)}")
    tiny = max((8 * torch.finfo(dt).eps) ** 2, 1e-24)  # relative variance of a constant row (numpy: 1e-24)
    if method == "euclidean":
        s = sq.to(dt)
        d = (s[:, None] + s[None, :]).sub_(g, alpha=2.0).clamp_(min=0.0)
        if normalize:
            d /= c
        return _upper(d)
    if method == "cosine":
        zero = sq <= 0
        if bool(zero.any()):
            raise ValueError(f"cosine distance undefined for all-zero patterns of conditions {_names(zero)}")
        inv = sq.rsqrt().to(dt)
        return _upper(1.0 - g * inv[:, None] * inv[None, :])
    # correlation: centre in the epilogue, unless the cancellation is too large for the GEMM's precision
    s = xd.sum(dim=1, dtype=torch.float64)
    var = sq - s * s / c
    kappa = sq / var.clamp(min=torch.finfo(torch.float64).tiny)
    if bool((var <= tiny * sq).any()) or bool((kappa > MAX_CANCELLATION[dt]).any()):
        z = (x - x.mean(dim=1, keepdim=True)).to(dt)  # centred in the input's precision, then rounded
        g = z @ z.T
        var = g.diagonal().to(torch.float64)
        const = var <= tiny * sq
        if bool(const.any()):
            raise ValueError(f"correlation distance undefined for constant patterns of conditions {_names(const)}")
    else:
        mean = (s / c).to(dt)
        g.sub_(torch.outer(s.to(dt), mean))
    inv = var.rsqrt().to(dt)
    return _upper(1.0 - g * inv[:, None] * inv[None, :])


# --------------------------------------------------------------------------- comparisons
def average_ranks(x: ArrayLike, *, device=None) -> torch.Tensor:
    """Average ranks (1-based, ties share the mean of their positions) of each row of ``x`` ``(k, P)`` or
    ``(P,)``, float64 ``(k, P)`` on ``device``: ``scipy.stats.rankdata(row, method="average")`` per row.
    Sorted once (stable); tie groups from the sorted values, their first and last position by a scan."""
    dev = _device(device)
    v = _on_device(x, dev, "x")
    v = v[None] if v.ndim == 1 else v
    vs, order = torch.sort(v, dim=1, stable=True)
    return _ranks_from_sorted(vs, order)


def _tie_bounds(vs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For sorted rows ``vs`` ``(k, P)``: the first and last sorted position of each entry's tie group."""
    k, p = vs.shape
    pos = torch.arange(p, device=vs.device).expand(k, p)
    new = torch.ones(k, p, dtype=torch.bool, device=vs.device)
    new[:, 1:] = vs[:, 1:] != vs[:, :-1]
    first = torch.where(new, pos, torch.zeros_like(pos)).cummax(dim=1).values
    end = torch.ones(k, p, dtype=torch.bool, device=vs.device)
    end[:, :-1] = new[:, 1:]
    last = torch.where(end, pos, torch.full_like(pos, p)).flip(1).cummin(dim=1).values.flip(1)
    return first, last


def _ranks_from_sorted(vs: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """Average ranks (float64, 1-based) in the original positions from sorted rows and their sort order."""
    first, last = _tie_bounds(vs)
    avg = (first + last).to(torch.float64) / 2 + 1
    return torch.empty_like(avg).scatter_(1, order, avg)


def _unit_rows(x: torch.Tensor, centre: bool, dt: torch.dtype) -> torch.Tensor:
    """Rows of ``x`` (float64 or float32) centred (optionally, in ``x``'s precision) and scaled to unit norm,
    in ``dt``; a row of zero norm stays zero (its similarities are 0, as :func:`compare_vectors` gives)."""
    if centre:
        x = x - x.mean(dim=1, keepdim=True)
    norm = torch.linalg.vector_norm(x, dim=1, keepdim=True)
    return (x / torch.where(norm > 0, norm, torch.ones_like(norm))).to(dt)


def compare_condensed(x: ArrayLike, y: ArrayLike, method: str = "spearman", *, device=None,
                      dtype=torch.float32) -> torch.Tensor:
    """Similarities ``(k1, k2)`` of condensed RDM vectors ``x`` ``(k1, P)`` and ``y`` ``(k2, P)`` (or RDM objects,
    or single vectors ``(P,)``) on ``device``, the GEMM in ``dtype``.

    pearson: Pearson correlation; spearman: Pearson correlation of average ranks (Kriegeskorte et al. 2008;
    Nili et al. 2014); cosine: cosine similarity. Unitless, in [-1, 1]. The same values as
    :func:`neurovision.rsa.compare.compare_vectors`: a row without variance (pearson, spearman) or of zero norm
    (cosine) compares as 0 there and here; :func:`neurovision.rsa.compare` reports such rows as NaN.

    Raises
    ------
    ValueError
        for an unknown method or dtype, vectors of different lengths, fewer than 3 entries, or NaN/inf values.
    """
    method = _ALIASES.get(method, method)
    if method not in COMPARE_METHODS:
        raise ValueError(f"unknown comparison method {method!r} for the torch backend; choose from "
                         f"{list(COMPARE_METHODS)}")
    dt = _dtype(dtype)
    dev = _device(device)
    a = _check_rows(_on_device(_vectors(x), dev, "x"), "x")
    b = _check_rows(_on_device(_vectors(y), dev, "y"), "y")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"RDM vectors differ in length: {a.shape[1]} vs {b.shape[1]}")
    if method == "spearman":
        a, b = _ranks_from_sorted(*torch.sort(a, dim=1, stable=True)), _ranks_from_sorted(*torch.sort(b, dim=1,
                                                                                                      stable=True))
    za = _unit_rows(a, method != "cosine", dt)
    zb = _unit_rows(b, method != "cosine", dt)
    return za @ zb.T


# --------------------------------------------------------------------------- stimulus bootstrap
def pair_indices(n: int, *, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The conditions ``(i, j)``, ``i < j``, of each condensed position of an ``n``-condition RDM (squareform
    order), int64 ``(n (n - 1) / 2,)`` each, on ``device``."""
    iu = torch.triu_indices(n, n, 1, device=_device(device))
    return iu[0], iu[1]


def stimulus_counts(n: int, n_boot: int, seed=0) -> np.ndarray:
    """Condition counts ``(n_boot, n)`` int64 of ``n_boot`` resamples of ``n`` conditions with replacement: the
    resamples of :func:`neurovision.rsa.bootstrap_stimuli` with the same ``seed`` (an int or a numpy
    Generator; ``default_rng(seed).integers(0, n, size=n)`` per resample, counted with ``bincount``)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n_boot, n), dtype=np.int64)
    for b in range(n_boot):
        out[b] = np.bincount(rng.integers(0, n, size=n), minlength=n)
    return out


def _check_counts(counts, n: int) -> np.ndarray:
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[1] != n or c.dtype.kind not in "iu" or (c.size and c.min() < 0):
        raise ValueError(f"counts must be non-negative integers (n_boot, {n}); got shape {c.shape}, dtype {c.dtype}")
    return c


def _prepare_rank_order(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per row of ``x`` ``(k, P)``: the stable sort order and, per sorted position, the first and last sorted
    position of its tie group (computed once, reused by every resample)."""
    vs, order = torch.sort(x, dim=1, stable=True)
    first, last = _tie_bounds(vs)
    return order, first, last


def _resampled_centred_ranks(prep: tuple, w: torch.Tensor, dt: torch.dtype) -> torch.Tensor:
    """Centred average ranks ``(B, k, P)`` of each row's expanded vector under pair weights ``w`` ``(B, P)``
    (in pair order): a tie group of total weight T after weight C has rank C + (T + 1) / 2; the weighted mean
    rank (W + 1) / 2 is subtracted. Entries of weight 0 get a rank that no sum counts."""
    order, first, last = prep
    bsz, k, p = w.shape[0], order.shape[0], order.shape[1]
    ws = w[:, order]  # (B, k, P): weights in each row's sorted order
    incl = ws.cumsum(dim=2)  # integers: exact in float32 below 2**24
    excl = incl - ws
    before = excl.gather(2, first.expand(bsz, k, p))
    upto = incl.gather(2, last.expand(bsz, k, p))
    total = incl[:, :, -1:]
    ranks_sorted = before + (upto - before + 1) / 2 - (total + 1) / 2
    return torch.empty_like(ranks_sorted).scatter_(2, order.expand(bsz, k, p), ranks_sorted).to(dt)


def _batch_size(p: int, k: int, dt: torch.dtype, dev: torch.device, budget: int | None) -> int:
    """Resamples per batch so that the ``(B, k, P)`` work arrays (about 6 of them) fit ``budget`` bytes (default:
    a quarter of the free memory on CUDA, 512 MiB elsewhere)."""
    if budget is None:
        budget = torch.cuda.mem_get_info(dev)[0] // 4 if dev.type == "cuda" else 512 * 2**20
    per = 6 * max(k, 1) * p * 8 + p * torch.finfo(dt).bits // 8
    return int(max(1, min(1024, budget // per)))


def bootstrap_stimuli_torch(model, data, method: str = "spearman", n_boot: int = 1000, seed=0, *,
                            counts: np.ndarray | None = None, device=None, dtype=torch.float32,
                            max_bytes: int | None = None) -> np.ndarray:
    """Bootstrap over stimuli of the mean similarity of each model RDM with the data RDMs.

    ``model`` ``(k_m, P)`` and ``data`` ``(k_d, P)``: condensed RDM vectors over the same ``n`` conditions (or
    :class:`~neurovision.rsa.RDM` objects, whose ``stimulus_id`` must then agree). For each resample ``b`` with
    condition counts ``c`` (``counts[b]``; default :func:`stimulus_counts` ``(n, n_boot, seed)``, the draws of
    :func:`neurovision.rsa.bootstrap_stimuli` with the same seed), every pair ``(i, j)`` counts
    ``c_i c_j`` times and pairs of a condition with its own copy are excluded (Nili et al. 2014; Schütt et al.
    2023); ``samples[b, m]`` = mean over data RDMs ``d`` of the pearson or spearman correlation of model ``m``
    with data ``d`` on that resample.

    Returns ``samples`` ``(n_boot, k_m)`` float64 (unitless): ``bootstrap_stimuli(model, data, method, n_boot,
    seed, ceiling=False).samples``. NaN for resamples with fewer than 3 distinct conditions and where a model
    RDM, or any data RDM, has no variance on the drawn pairs. No noise ceiling (use the numpy engine for it).
    Work arrays are ``(B, k, P)`` per batch of ``B`` resamples, sized to ``max_bytes`` (default: a quarter of
    the free CUDA memory, 512 MiB on other devices).

    Raises
    ------
    ValueError
        for a method other than pearson / spearman, an unknown dtype or device, RDMs of different lengths or
        stimulus ids, NaN/inf values, or counts of the wrong shape.
    """
    method = _ALIASES.get(method, method)
    if method not in BOOTSTRAP_METHODS:
        raise ValueError(f"bootstrap_stimuli_torch: method must be one of {list(BOOTSTRAP_METHODS)}; got {method!r}")
    ids_m, ids_d = getattr(model, "stimulus_id", None), getattr(data, "stimulus_id", None)
    if ids_m is not None and ids_d is not None and not np.array_equal(ids_m, ids_d):
        raise ValueError("model and data RDMs have different stimulus_id (ids or order); align them first")
    dt = _dtype(dtype)
    dev = _device(device)
    xm = _check_rows(_on_device(_vectors(model), dev, "model"), "model")
    xd = _check_rows(_on_device(_vectors(data), dev, "data"), "data")
    p = xm.shape[1]
    if xd.shape[1] != p:
        raise ValueError(f"model and data RDM vectors differ in length: {p} vs {xd.shape[1]}")
    from .dissimilarity import n_from_pairs
    n = n_from_pairs(p)
    if counts is None:
        from .inference import check_n_boot
        counts = stimulus_counts(n, check_n_boot(n_boot), seed)
    counts = _check_counts(counts, n)
    km, kd = xm.shape[0], xd.shape[0]
    out = np.full((counts.shape[0], km), np.nan)
    ok = np.flatnonzero(np.count_nonzero(counts, axis=1) >= 3)
    if ok.size == 0:
        return out
    ii, jj = pair_indices(n, device=dev)
    x = torch.cat([xm, xd])
    if method == "spearman":
        prep = _prepare_rank_order(x)
    else:
        # pre-centred (float64 when the input is) so the one-pass weighted moments below do not cancel
        z = (x - x.mean(dim=1, keepdim=True)).to(dt)
    bsz = _batch_size(p, km + kd, dt, dev, max_bytes)
    c_all = torch.from_numpy(counts[ok].astype(np.float64)).to(dev)
    for s0 in range(0, ok.size, bsz):
        c = c_all[s0:s0 + bsz]
        w = (c[:, ii] * c[:, jj]).to(dt)  # (B, P) pair weights; self-pairs never occur (i < j)
        total = w.sum(dim=1, dtype=torch.float64)
        if method == "spearman":
            r = _resampled_centred_ranks(prep, w, dt)  # (B, k, P), weighted mean 0
            rw = r * w[:, None, :]
            cross = torch.bmm(rw, r.transpose(1, 2)).to(torch.float64)  # (B, k, k)
        else:
            zw = z[None] * w[:, None, :]  # (B, k, P)
            m1 = zw.sum(dim=2, dtype=torch.float64)
            cross = (zw @ z.T).to(torch.float64)  # one GEMM (B k, P) x (P, k)
            mean = m1 / total[:, None]
            cross = cross - total[:, None, None] * mean[:, :, None] * mean[:, None, :]
        var = cross.diagonal(dim1=1, dim2=2)
        scale = var.clamp(min=0).sqrt()
        corr = cross[:, :km, km:] / (scale[:, :km, None] * scale[:, None, km:])
        bad = _constant_on_resample(x, w)  # (B, k): as neurovision.rsa.compare.degenerate_rows with weights
        corr = torch.where(bad[:, :km, None] | bad[:, None, km:], torch.nan, corr)
        # the mean over data RDMs is NaN when any data RDM is degenerate (numpy: the whole sample row)
        sample = corr.mean(dim=2)
        out[ok[s0:s0 + sample.shape[0]]] = sample.cpu().numpy()
    return out


def _constant_on_resample(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``(B, k)`` bool: row ``r`` of ``x`` ``(k, P)`` is constant on the pairs of positive weight ``w[b]``, by the
    rule of :func:`neurovision.rsa.compare.degenerate_rows`: range ``<= CONSTANT_TOLERANCE * max(1, max|x|)``."""
    from .compare import CONSTANT_TOLERANCE
    sel = (w > 0)[:, None, :]
    hi = torch.where(sel, x[None], -torch.inf).amax(dim=2)
    lo = torch.where(sel, x[None], torch.inf).amin(dim=2)
    scale = torch.maximum(hi.abs(), lo.abs()).clamp(min=1.0)
    return (hi - lo) <= CONSTANT_TOLERANCE * scale
