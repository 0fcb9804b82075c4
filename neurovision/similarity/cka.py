"""Centred kernel alignment (CKA) with linear kernels: biased (Kornblith et al. 2019) and debiased.

For representations ``X`` (n stimuli × p1 units) and ``Y`` (n × p2) with columns centred across stimuli
(``Xc``, ``Yc``) and linear kernels ``K = Xc Xc^T``, ``L = Yc Yc^T`` (n × n):

* **linear CKA** (Kornblith, Norouzi, Lee & Hinton 2019, ICML, arXiv:1905.00414)::

      CKA = <K, L>_F / (||K||_F ||L||_F) = ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)

  the normalised biased HSIC estimator (Gretton et al. 2005). Unitless, in [0, 1]; invariant to orthogonal
  transforms and isotropic scaling of either representation (not to general invertible linear maps). With
  few stimuli and many units it is biased upwards: two independent random representations of 20 stimuli ×
  2000 units have linear CKA ≈ 0.7.

* **debiased CKA**: the same ratio with the unbiased HSIC estimator of Song, Smola, Gretton, Bedo & Borgwardt
  (2012, JMLR 13:1393), as in Kornblith et al.'s ``debiased`` option and Murphy, Zylberberg & Fyshe (2024,
  arXiv:2405.01012). With ``K~``, ``L~`` the kernels with zero diagonal::

      HSIC_u(K, L) = [tr(K~ L~) + (1^T K~ 1)(1^T L~ 1) / ((n-1)(n-2)) - 2/(n-2) 1^T K~ L~ 1] / (n (n-3))

  computed here as the Frobenius product of U-centred kernels (Székely & Rizzo 2014, Ann. Stat. 42:2382),
  which equals it. Needs n ≥ 4. Unitless; ≈ 0 in expectation for independent representations (it can be
  slightly negative); 1 for representations equal up to rotation and scale.

A representation without variance across stimuli makes both undefined: NaN with a
:class:`~neurovision.similarity._inputs.ConstantRepresentationWarning`.
"""
from __future__ import annotations

import numpy as np

from ._inputs import center, checked_pair

__all__ = ["linear_cka", "debiased_cka", "u_center"]


def _gram(xc: np.ndarray) -> np.ndarray:
    return xc @ xc.T  # numpy dispatches a @ a.T to BLAS syrk


def linear_cka(X, Y) -> float:
    """Linear CKA (Kornblith et al. 2019) of ``X`` (n × p1) and ``Y`` (n × p2); unitless, in [0, 1].

    Computed from n × n Gram matrices when that is cheaper (``n < p``), else from the unit covariances.
    NaN with a warning when either representation is constant across stimuli.
    """
    pair = checked_pair(X, Y, "linear_cka")
    if pair is None:
        return float("nan")
    x, y = pair.x, pair.y
    xc, yc = center(x), center(y)
    n, p1 = xc.shape
    p2 = yc.shape[1]
    if n * n * (p1 + p2) <= n * (p1 * p2 + p1 * p1 + p2 * p2):
        k, lm = _gram(xc), _gram(yc)
        num = float(np.vdot(k, lm))
        den = float(np.linalg.norm(k) * np.linalg.norm(lm))
    else:
        num = float(np.linalg.norm(yc.T @ xc) ** 2)
        den = float(np.linalg.norm(xc.T @ xc) * np.linalg.norm(yc.T @ yc))
    return float(np.clip(num / den, 0.0, 1.0))


def u_center(k: np.ndarray) -> np.ndarray:
    """U-centred kernel (Székely & Rizzo 2014): zero diagonal, ``k_ij - r_i/(n-2) - r_j/(n-2) + s/((n-1)(n-2))``
    with ``r`` the row sums and ``s`` the total of ``k`` with its diagonal set to 0. Needs n ≥ 3."""
    k = np.array(k, dtype=np.float64)
    n = k.shape[0]
    np.fill_diagonal(k, 0.0)
    r = k.sum(axis=1)
    s = r.sum()
    out = k - r[:, None] / (n - 2) - r[None, :] / (n - 2) + s / ((n - 1) * (n - 2))
    np.fill_diagonal(out, 0.0)
    return out


def debiased_cka(X, Y) -> float:
    """Debiased linear CKA: CKA with the unbiased HSIC estimator (Song et al. 2012); see module docstring.

    ``X`` (n × p1), ``Y`` (n × p2), n ≥ 4. Unitless; ≈ 0 for independent representations, 1 for identical ones
    up to rotation and scale. NaN with a warning when either representation is constant, or when an estimated
    self-similarity ``HSIC_u(K, K)`` is not positive (possible for tiny n).
    """
    import warnings

    pair = checked_pair(X, Y, "debiased_cka", min_stimuli=4)
    if pair is None:
        return float("nan")
    x, y = pair.x, pair.y
    ku, lu = u_center(_gram(center(x))), u_center(_gram(center(y)))
    hxy, hxx, hyy = float(np.vdot(ku, lu)), float(np.vdot(ku, ku)), float(np.vdot(lu, lu))
    if hxx <= 0 or hyy <= 0:
        warnings.warn("debiased_cka: the unbiased HSIC estimate of a representation with itself is not positive "
                      f"(n={x.shape[0]} stimuli); NaN returned", RuntimeWarning, stacklevel=2)
        return float("nan")
    return hxy / np.sqrt(hxx * hyy)
