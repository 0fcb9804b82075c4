"""Shape metrics: distances between representations after optimal alignment of their units.

All three are metrics on representations (they obey the triangle inequality) and return an angle or a
distance, so 0 means identical up to the allowed transforms.

``procrustes`` — angular Procrustes distance (Williams, Kunz, Kornblith & Linderman 2021, NeurIPS,
arXiv:2110.14739). Centre the columns of ``X`` (n × p1) and ``Y`` (n × p2), scale each to unit Frobenius norm
(``Xh``, ``Yh``), then::

    d = arccos( max_Q tr(Q^T Xh^T Yh) ) = arccos( ||Xh^T Yh||_* )

over orthogonal ``Q`` (partial isometries when p1 ≠ p2, i.e. zero-padding the smaller representation);
``||.||_*`` is the nuclear norm. Radians, in [0, π/2]; invariant to translation, isotropic scaling and
orthogonal transforms of either representation.

``shape_metric`` — the generalized shape metric of Williams et al. (2021) interpolating CCA (α = 0) and
Procrustes (α = 1) by partial whitening. The regularisation used here: with ``C = Xc^T Xc / n`` the unit
covariance of the centred training stimuli, rescaled so that its mean eigenvalue over the p units is 1
(``trace(C) = p``; this makes α·I and C commensurate and the metric invariant to isotropic scaling), each
representation is mapped by::

    T_α = (α I + (1 - α) C)^(-1/2)

(eigenvalues of C below 1e-10 × the largest count as 0; at α = 0 the directions outside the span of the
training stimuli are dropped, i.e. the pseudo-inverse square root). Then the angular Procrustes distance of
``Xc T_α`` and ``Yc T_α`` is taken. α = 1 is :func:`procrustes`; α = 0 (in sample) is
``arccos(sum_i ρ_i / sqrt(p1 p2))`` with ``ρ_i`` the min(p1, p2) canonical correlations (the mean canonical
correlation when p1 = p2), invariant to any invertible linear map of either representation — and it needs more
stimuli than units to mean anything (with p ≥ n_train every CCA fit is perfect; a RuntimeWarning says so).

Because α < 1 fits whitening transforms and the rotation, it is **cross-validated by default**: K-fold over
stimuli (:func:`neurovision.encoding.kfold`, seeded); centring, ``C``, ``T_α`` and the rotation ``Q`` are
fitted on the training folds; on the held-out fold the angle between ``Xte T_α Q`` and ``Yte T_α`` is taken
(directions not spanned by the training stimuli are not rotated: Q is the thin partial isometry of the training
fit), and the angles are averaged over folds. Held-out angles lie in [0, π]. With ``cross_validated=False``
everything is fitted and evaluated on all stimuli.

``soft_matching`` — the soft-matching distance of Khosla & Williams (2023, UniReps workshop,
arXiv:2311.09466): units are matched, not rotated, by optimal transport between the two sets of units. With
tuning curves ``x_i`` (column i of X across stimuli, centred and scaled — see ``standardize``)::

    d = sqrt( min_P  sum_ij P_ij ||x_i - y_j||^2 / n )

over transport plans ``P ≥ 0`` with row sums ``1/p1`` and column sums ``1/p2``. For p1 = p2 the optimum is a
permutation (Birkhoff–von Neumann) and ``scipy.optimize.linear_sum_assignment`` solves it exactly; otherwise
the transport linear program is solved exactly with ``scipy.optimize.linprog`` (HiGHS), or approximately by
entropic Sinkhorn iterations (``solver="sinkhorn"``). Invariant to permutations of units (not rotations).
With ``standardize=True`` (default) each unit is z-scored, so ``d^2 = 2 - 2 ρ`` with ``ρ`` the transport-weighted
mean Pearson r of matched units; d in [0, 2].
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

from ._inputs import center, checked_pair

__all__ = ["procrustes", "shape_metric", "soft_matching", "transport_plan"]

_EIG_TOL = 1e-10


def _factor(xh: np.ndarray) -> np.ndarray:
    """A matrix ``F`` (n × r) with ``F F^T = xh xh^T``: ``xh`` itself when it has no more columns than rows,
    else the scaled eigenvectors of the Gram matrix (so products stay n × n for wide layers)."""
    n, p = xh.shape
    if p <= n:
        return xh
    w, v = linalg.eigh(xh @ xh.T, check_finite=False, driver="evd")
    keep = w > _EIG_TOL * max(float(w[-1]), 1e-300)
    return v[:, keep] * np.sqrt(w[keep])


def procrustes(X, Y) -> float:
    """Angular Procrustes distance (Williams et al. 2021) of ``X`` (n × p1) and ``Y`` (n × p2), in radians,
    [0, π/2]; see module docstring. NaN with a warning when either representation is constant."""
    pair = checked_pair(X, Y, "procrustes")
    if pair is None:
        return float("nan")
    xh, yh = center(pair.x), center(pair.y)
    xh /= np.linalg.norm(xh)
    yh /= np.linalg.norm(yh)
    if yh.shape[1] > yh.shape[0]:
        # the singular values of xh^T yh are the square roots of the eigenvalues of F^T (yh yh^T) F, with
        # F F^T = xh xh^T: one n x n eigendecomposition with vectors, one of eigenvalues only, no SVD
        f = _factor(xh)
        ky = yh @ yh.T
        ev = linalg.eigvalsh(f.T @ ky @ f, check_finite=False, driver="evr")
        return float(np.arccos(np.clip(np.sqrt(np.clip(ev, 0.0, None)).sum(), -1.0, 1.0)))
    s = linalg.svdvals(_factor(xh).T @ _factor(yh), check_finite=False)
    return float(np.arccos(np.clip(s.sum(), -1.0, 1.0)))


# ------------------------------------------------------------------------------------------ shape metric
class _Whitened:
    """Partial whitening of one representation fitted on training stimuli (see module docstring)."""

    def __init__(self, x_tr: np.ndarray, alpha: float):
        n, p = x_tr.shape
        self.mean = x_tr.mean(axis=0)
        xc = x_tr - self.mean
        self.scale = np.sqrt(p * n / max(float((xc * xc).sum()), 1e-300))  # trace(C) = p after scaling
        u, s, wt = linalg.svd(xc * self.scale, full_matrices=False, check_finite=False)
        lam = s * s / n  # nonzero eigenvalues of C
        keep = lam > _EIG_TOL * max(float(lam.max(initial=0.0)), 1e-300)
        self.w = wt[keep].T  # (p, r) eigenvectors of C
        self.g = (alpha + (1 - alpha) * lam[keep]) ** -0.5  # T_alpha on the span of the training stimuli
        self.alpha = alpha
        self.train = u[:, keep] * (s[keep] * self.g)  # (x_tr - mean) T W, i.e. training data in the basis W

    def project(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """``(x T W, ||x T||_F^2)`` for new stimuli ``x``: coordinates in the training basis W, squared norm
        (including the component outside the training span, scaled by α^-1/2; dropped at α = 0)."""
        z = (x - self.mean) * self.scale
        c = z @ self.w
        sq = float(((c * self.g) ** 2).sum())
        if self.alpha > 0:
            sq += max(float((z * z).sum() - (c * c).sum()), 0.0) / self.alpha
        return c * self.g, sq


def _shape_in_sample(x: np.ndarray, y: np.ndarray, alpha: float) -> float:
    wx, wy = _Whitened(x, alpha), _Whitened(y, alpha)
    num = linalg.svdvals(wx.train.T @ wy.train, check_finite=False).sum()
    den = np.linalg.norm(wx.train) * np.linalg.norm(wy.train)
    return float(np.arccos(np.clip(num / den, -1.0, 1.0)))


def _shape_held_out(x_tr, y_tr, x_te, y_te, alpha: float) -> float:
    wx, wy = _Whitened(x_tr, alpha), _Whitened(y_tr, alpha)
    u, _, vt = linalg.svd(wx.train.T @ wy.train, full_matrices=False, check_finite=False)
    cx, sqx = wx.project(x_te)
    cy, sqy = wy.project(y_te)
    num = float(((cx @ u) * (cy @ vt.T)).sum())  # tr(Q^T (Xte T)^T (Yte T)) with Q = Wx U V^T Wy^T
    den = np.sqrt(sqx * sqy)
    if den <= 0:
        return float("nan")
    return float(np.arccos(np.clip(num / den, -1.0, 1.0)))


def shape_metric(X, Y, alpha: float = 1.0, cross_validated: bool | None = None, n_splits: int = 5,
                 seed: int = 0) -> float:
    """Generalized shape metric (Williams et al. 2021) with partial whitening ``(α I + (1-α) C)^(-1/2)``.

    ``X`` (n × p1), ``Y`` (n × p2); ``alpha`` in [0, 1] (0: CCA, 1: Procrustes). ``cross_validated`` (default:
    ``alpha < 1``) fits on ``n_splits - 1`` folds (seeded by ``seed``) and evaluates on the held-out fold,
    averaging the angles. Returns radians: [0, π/2] in sample, [0, π] held out. See module docstring.
    """
    from ..encoding import kfold

    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"shape_metric: alpha must be in [0, 1] (0: CCA, 1: Procrustes); got {alpha}")
    alpha = float(alpha)
    pair = checked_pair(X, Y, "shape_metric")
    if pair is None:
        return float("nan")
    x, y = pair.x, pair.y
    if cross_validated is None:
        cross_validated = alpha < 1.0
    n = x.shape[0]
    if alpha == 0.0 and max(x.shape[1], y.shape[1]) >= (n - n // n_splits if cross_validated else n):
        warnings.warn(f"shape_metric(alpha=0): CCA with at least as many units ({max(x.shape[1], y.shape[1])}) as "
                      f"fitted stimuli fits perfectly; use alpha > 0 or fewer units", RuntimeWarning, stacklevel=2)
    if not cross_validated:
        return _shape_in_sample(x, y, alpha)
    folds = kfold(n, n_splits, seed)
    angles = []
    for f in range(n_splits):
        tr, te = folds != f, folds == f
        angles.append(_shape_held_out(x[tr], y[tr], x[te], y[te], alpha))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmean(angles))


# ------------------------------------------------------------------------------------------ soft matching
def transport_plan(cost: np.ndarray, solver: str = "exact", epsilon: float = 0.01,
                   max_iter: int = 10000, tol: float = 1e-7) -> np.ndarray:
    """Optimal transport plan between uniform marginals ``1/p1`` (rows) and ``1/p2`` (columns) for ``cost``
    (p1 × p2). ``solver``: ``"exact"`` (``linear_sum_assignment`` when p1 = p2, else the transport linear
    program by ``scipy.optimize.linprog`` with HiGHS) or ``"sinkhorn"`` (entropic regularisation
    ``epsilon`` × the mean cost, log-domain iterations until the row sums are within ``tol`` (relative) of ``1/p1``)."""
    from scipy.optimize import linear_sum_assignment, linprog
    from scipy.sparse import coo_matrix, vstack
    from scipy.special import logsumexp

    p1, p2 = cost.shape
    if solver == "exact":
        if p1 == p2:
            r, c = linear_sum_assignment(cost)
            plan = np.zeros_like(cost)
            plan[r, c] = 1.0 / p1
            return plan
        rows = np.repeat(np.arange(p1), p2)
        cols = np.tile(np.arange(p2), p1)
        idx = np.arange(p1 * p2)
        a_rows = coo_matrix((np.ones(p1 * p2), (rows, idx)), shape=(p1, p1 * p2))
        a_cols = coo_matrix((np.ones(p1 * p2), (cols, idx)), shape=(p2, p1 * p2))
        b = np.concatenate([np.full(p1, 1.0 / p1), np.full(p2, 1.0 / p2)])
        res = linprog(cost.ravel(), A_eq=vstack([a_rows, a_cols]).tocsr(), b_eq=b, bounds=(0, None),
                      method="highs")
        if res.status != 0:  # pragma: no cover - a feasible bounded LP
            raise RuntimeError(f"soft_matching: the transport LP failed: {res.message}")
        return np.clip(res.x.reshape(p1, p2), 0.0, None)
    if solver == "sinkhorn":
        eps = epsilon * max(float(cost.mean()), 1e-300)
        log_a, log_b = np.full(p1, -np.log(p1)), np.full(p2, -np.log(p2))
        f, g = np.zeros(p1), np.zeros(p2)
        m = -cost / eps
        for _ in range(max_iter):
            f = log_a - logsumexp(m + g[None, :], axis=1)
            g = log_b - logsumexp(m + f[:, None], axis=0)
            plan = np.exp(m + f[:, None] + g[None, :])
            if np.abs(plan.sum(axis=1) - 1.0 / p1).max() < tol / p1:
                return plan
        warnings.warn(f"soft_matching: Sinkhorn did not reach tolerance {tol} in {max_iter} iterations",
                      RuntimeWarning, stacklevel=3)
        return plan
    from ..errors import unknown_name
    raise ValueError(unknown_name("transport solver", solver, ("exact", "sinkhorn")))


def soft_matching(X, Y, standardize: bool = True, solver: str = "exact", epsilon: float = 0.01) -> float:
    """Soft-matching distance (Khosla & Williams 2023) of ``X`` (n × p1) and ``Y`` (n × p2); see module docstring.

    ``standardize=True``: each unit z-scored across stimuli (constant units are left at 0, with a warning), so
    d in [0, 2] and ``1 - d^2/2`` is the matched mean Pearson r. ``standardize=False``: units centred and each
    representation divided by its root mean unit variance. ``solver``: ``"exact"`` or ``"sinkhorn"``
    (``epsilon`` relative to the mean cost). NaN with a warning when a representation is constant.
    """
    pair = checked_pair(X, Y, "soft_matching")
    if pair is None:
        return float("nan")
    x, y = pair.x, pair.y
    n = x.shape[0]
    tuned = []
    for name, a in (("X", x), ("Y", y)):
        ac = center(a)
        sd = np.sqrt((ac * ac).mean(axis=0))
        if standardize:
            flat = sd <= 1e-12 * max(1.0, float(np.abs(a).max()))
            if np.any(flat):
                warnings.warn(f"soft_matching: {int(flat.sum())} unit(s) of {name} are constant across stimuli; "
                              "their tuning curves are set to 0", RuntimeWarning, stacklevel=2)
            ac = np.where(flat, 0.0, ac / np.where(flat, 1.0, sd))
        else:
            ac = ac / np.sqrt((sd * sd).mean())
        tuned.append(ac)
    xt, yt = tuned
    sq_x, sq_y = (xt * xt).sum(axis=0), (yt * yt).sum(axis=0)
    cost = np.maximum((sq_x[:, None] + sq_y[None, :] - 2.0 * (xt.T @ yt)) / n, 0.0)
    plan = transport_plan(cost, solver=solver, epsilon=epsilon)
    return float(np.sqrt(max(float((plan * cost).sum()), 0.0)))
