"""RSA as one representational similarity measure: an RDM of each representation, then an RDM comparison.

Reuses :func:`neurovision.rsa.rdm` and :func:`neurovision.rsa.compare` (Kriegeskorte, Mur & Bandettini 2008),
so every RDM method computed from single patterns (``"correlation"``, ``"cosine"``, ``"euclidean"``) and every
comparison of :data:`neurovision.rsa.METHODS` (``"spearman"``, ``"pearson"``, ``"kendall_tau_a"``, ``"rho_a"``,
``"cosine"``, ``"corr_cov"``, ``"cosine_cov"`` and their aliases) is available. Crossnobis RDMs need
partitioned data and are computed with :func:`neurovision.rsa.rdm` directly.
"""
from __future__ import annotations

from ..errors import unknown_name
from ..rsa import METHODS as COMPARISONS
from ..rsa import compare, rdm
from ..rsa.compare import canonical_method
from ..rsa.gram import METHODS as RDM_METHODS
from ._inputs import as_pair

__all__ = ["rsa"]


def rsa(X, Y, rdm_method: str = "correlation", comparison: str = "spearman") -> float:
    """Similarity of the RDMs of ``X`` (n × p1) and ``Y`` (n × p2): ``compare(rdm(X), rdm(Y), comparison)``.

    ``rdm_method`` in ``("correlation", "cosine", "euclidean")``; ``comparison`` any method of
    :func:`neurovision.rsa.compare`. Unitless, in [-1, 1]. NaN with a
    :class:`neurovision.errors.ConstantRDMWarning` when an RDM is constant.
    """
    if rdm_method not in RDM_METHODS:
        raise ValueError(unknown_name("RDM method", rdm_method, RDM_METHODS,
                                      "; crossnobis needs partitioned data: use neurovision.rsa.rdm"))
    try:
        canonical_method(comparison)
    except ValueError:
        raise ValueError(unknown_name("RDM comparison", comparison, COMPARISONS)) from None
    pair = as_pair(X, Y)
    a = rdm(pair.x, rdm_method, stimulus_id=pair.stimulus_id)
    b = rdm(pair.y, rdm_method, stimulus_id=pair.stimulus_id)
    return float(compare(a, b, comparison))
