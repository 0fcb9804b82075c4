"""Weight decay is maximum a posteriori estimation under a Gaussian prior on the weights.

Setting (Goodfellow, Bengio & Courville 2016, *Deep Learning*, §7.1.1 and §5.6.1). Let the training
loss be the **mean** over ``N`` examples of a per-example negative log-likelihood,
``L̄(w) = (1/N) Σ_n −log p(y_n | x_n, w)``, and put an isotropic Gaussian prior on the weights,
``w ~ N(0, σ_p² I)``. The negative log posterior is, up to a constant,

    −log p(w | D) = N·L̄(w) + ||w||² / (2σ_p²).

Dividing by ``N`` (which does not move the minimiser),

    −log p(w | D) / N = L̄(w) + (λ/2)·||w||²     with     λ = 1 / (N·σ_p²),   i.e.  σ_p² = 1 / (λ·N).

So the L2-penalised objective ``L̄ + (λ/2)||w||²`` is the negative log posterior per example, and its
minimiser is the posterior mode (MAP estimate) under the prior ``N(0, 1/(λN))``. The scaling matters:
because the data term is a *mean*, the same ``λ`` corresponds to a tighter prior the more data there is
(``σ_p² ∝ 1/N``); for a *summed* loss the prior variance would be ``1/λ``.

Its gradient is ``∇L̄ + λw``, so one step of gradient descent on the penalised objective is

    w ← w − η (∇L̄(w) + λw) = (1 − ηλ) w − η ∇L̄(w)

— the weights "decay" by the factor ``1 − ηλ`` each step. This is exactly what
``torch.optim.SGD(weight_decay=λ)`` does (without momentum; with momentum the same ``∇L̄ + λw`` enters the
momentum buffer). Decoupled decay (``AdamW``) is *not* this for adaptive optimisers.

Linear regression example. With the loss ``L̄ = (1/2N) Σ_n (y_n − x_nᵀw)²`` — the Gaussian
negative log-likelihood with noise variance ``σ² = 1`` (the factor 1/2 is what makes the variance exactly
1; without it the implied noise variance is 1/2) — the posterior over ``w`` is Gaussian, its mode equals
its mean, and

    w_MAP = (XᵀX/σ² + I/σ_p²)⁻¹ Xᵀy/σ²  =  (XᵀX + λN·I)⁻¹ Xᵀy     (σ² = 1, σ_p² = 1/(λN)),

the ridge-regression solution (:func:`gaussian_map_linear_regression`, :func:`ridge_solution`).
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch


def prior_variance(weight_decay: float, n_examples: int) -> float:
    """Variance ``σ_p² = 1/(λ·N)`` of the Gaussian prior that weight decay ``λ`` on a mean-over-``N`` loss implies."""
    if weight_decay <= 0:
        raise ValueError("weight_decay must be positive (λ = 0 is a flat, improper prior)")
    return 1.0 / (weight_decay * n_examples)


def weight_decay_from_prior(prior_var: float, n_examples: int) -> float:
    """Inverse of :func:`prior_variance`: ``λ = 1/(N·σ_p²)``."""
    return 1.0 / (n_examples * prior_var)


def l2_penalty(params: Iterable[torch.Tensor], weight_decay: float) -> torch.Tensor:
    """``(λ/2)·Σ ||w||²`` over ``params`` — add it to a mean loss to get the negative log posterior per example."""
    return 0.5 * weight_decay * sum((p * p).sum() for p in params)


def penalised_objective(mean_loss: torch.Tensor, params: Iterable[torch.Tensor], weight_decay: float) -> torch.Tensor:
    """``L̄(w) + (λ/2)||w||²`` = ``−log p(w | D) / N + const`` under the prior ``N(0, 1/(λN))``."""
    return mean_loss + l2_penalty(params, weight_decay)


@torch.no_grad()
def decayed_sgd_step(params: Iterable[torch.Tensor], lr: float, weight_decay: float) -> None:
    """In place, ``w ← w − η(∇L̄ + λw)`` for each parameter whose ``.grad`` holds ``∇L̄``.

    Identical to one ``torch.optim.SGD(params, lr=η, weight_decay=λ)`` step (no momentum), and to a plain
    gradient step on :func:`penalised_objective`.
    """
    for p in params:
        if p.grad is not None:
            p.sub_(lr * (p.grad + weight_decay * p))


def gaussian_map_linear_regression(X: np.ndarray, y: np.ndarray, prior_var: float,
                                   noise_var: float = 1.0) -> np.ndarray:
    """Posterior mode (= mean) of ``w`` for ``y = Xw + ε``, ``ε ~ N(0, noise_var·I)``, ``w ~ N(0, prior_var·I)``.

    ``X``: ``(N, D)``, ``y``: ``(N,)``; returns ``(D,)``: ``(XᵀX/σ² + I/σ_p²)⁻¹ Xᵀy/σ²``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    A = X.T @ X / noise_var + np.eye(X.shape[1]) / prior_var
    return np.linalg.solve(A, X.T @ y / noise_var)


def ridge_solution(X: np.ndarray, y: np.ndarray, weight_decay: float) -> np.ndarray:
    """Minimiser of ``(1/2N)||y − Xw||² + (λ/2)||w||²``: ``(XᵀX + λN·I)⁻¹ Xᵀy``.

    Equal to ``gaussian_map_linear_regression(X, y, prior_var=1/(λN), noise_var=1)``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    return np.linalg.solve(X.T @ X + weight_decay * n * np.eye(d), X.T @ y)
