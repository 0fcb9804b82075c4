"""Representational similarity measures beyond RSA, behind one entry point.

>>> from neurovision.similarity import compare_representations, METHODS
>>> compare_representations(X, Y, "linear_cka")                       # doctest: +SKIP
>>> compare_representations(X, Y, "rsa", rdm_method="correlation", comparison="spearman")  # doctest: +SKIP

``X`` and ``Y`` are ``(stimuli × units)``: numpy arrays with the same stimuli in the same rows, or
``xarray.DataArray`` with dims ``("presentation", "neuroid")`` and a ``stimulus_id`` coordinate (matched by id;
ids in only one of them are named in one ValueError). Unit counts may differ.

=====================  ===============================================================  ====================
method                 what                                                             value
=====================  ===============================================================  ====================
``rsa``                RDM comparison (:mod:`neurovision.rsa`; Kriegeskorte et al. 2008)   similarity [-1, 1]
``linear_cka``         linear CKA (Kornblith et al. 2019)                               similarity [0, 1]
``debiased_cka``       CKA with the unbiased HSIC (Song et al. 2012)                     similarity ≈ [0, 1]
``procrustes``         angular Procrustes distance (Williams et al. 2021)               radians [0, π/2]
``shape_metric``       generalized shape metric, α ∈ [0, 1] (Williams et al. 2021)      radians [0, π]
``soft_matching``      soft-matching distance, optimal transport (Khosla & Williams 2023)  distance [0, 2]
``linear_predictivity``  cross-validated ridge X → Y, per-unit Pearson r (Yamins 2014)  dict
=====================  ===============================================================  ====================

Measures that fit parameters are cross-validated over stimuli (seeded K-fold): ``shape_metric`` with α < 1
and ``linear_predictivity``. Symmetric measures return a float; ``linear_predictivity`` returns a dict with
the summary and the per-unit r. A representation without variance across stimuli gives NaN with a
:class:`ConstantRepresentationWarning` (RSA: :class:`neurovision.errors.ConstantRDMWarning`). The options
of each method are the keyword arguments of its function in :data:`METHODS`.
"""
from __future__ import annotations

from typing import Any, Callable, Dict

from ..errors import unknown_name
from ._inputs import ConstantRepresentationWarning
from ._rsa import rsa
from .cka import debiased_cka, linear_cka
from .predictivity import linear_predictivity
from .shape import procrustes, shape_metric, soft_matching

__all__ = ["compare_representations", "METHODS", "ConstantRepresentationWarning", "rsa", "linear_cka",
           "debiased_cka", "procrustes", "shape_metric", "soft_matching", "linear_predictivity"]

#: method name → function ``f(X, Y, **options)``.
METHODS: Dict[str, Callable[..., Any]] = {
    "rsa": rsa,
    "linear_cka": linear_cka,
    "debiased_cka": debiased_cka,
    "procrustes": procrustes,
    "shape_metric": shape_metric,
    "soft_matching": soft_matching,
    "linear_predictivity": linear_predictivity,
}


def compare_representations(X, Y, method: str, **options: Any) -> float | dict:
    """Compare two representations of the same stimuli with ``method`` (a key of :data:`METHODS`).

    ``X`` (n_stimuli × p1), ``Y`` (n_stimuli × p2): arrays or DataArrays (see module docstring). ``options``
    are passed to the method's function (e.g. ``rdm_method``/``comparison`` for ``rsa``, ``alpha`` for
    ``shape_metric``, ``n_splits``/``seed``/``summary`` for ``linear_predictivity``); an option the method does
    not take is a ValueError naming the options it does take. Returns a float, or a dict for
    ``linear_predictivity``.
    """
    import inspect

    fn = METHODS.get(method)
    if fn is None:
        raise ValueError(unknown_name("similarity method", method, METHODS))
    params = inspect.signature(fn).parameters
    allowed = [k for k in params if k not in ("X", "Y")]
    extra = [k for k in options if k not in allowed]
    if extra:
        raise ValueError(f"{method}: unknown option(s) {', '.join(map(repr, extra))}; {method} takes "
                         f"{', '.join(allowed) if allowed else 'no options'}")
    return fn(X, Y, **options)
