"""W2 by hand: the MLP's data, weights and training step in NumPy alone, so that the memory
baseline's process imports nothing else."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.01
DTYPE = np.float32
Weights = list[np.ndarray]  # W1, b1, W2, b2, W3, b3; W of shape (out, in) as nn.Linear's


def initial_weights(seed: int = 0) -> Weights:
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in itertools.pairwise(SIZES):
        bound = 1 / np.sqrt(n_in)
        weights.append(rng.uniform(-bound, bound, (n_out, n_in)).astype(DTYPE))
        weights.append(rng.uniform(-bound, bound, n_out).astype(DTYPE))
    return weights


def batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((BATCH, SIZES[0])).astype(DTYPE), rng.integers(0, 10, BATCH)


def numpy_gradients(weights: Weights, X: np.ndarray, y: np.ndarray) -> Weights:
    """Forward and backward of the MLP by hand: the gradients of every weight."""
    W1, b1, W2, b2, W3, b3 = weights
    z1 = X @ W1.T + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ W2.T + b2
    h2 = np.maximum(z2, 0)
    z3 = h2 @ W3.T + b3
    shifted = z3 - z3.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    # d(mean of -log p[label]) / dz3 = (softmax - onehot) / batch
    dz3 = np.exp(log_p)
    dz3[np.arange(len(y)), y] -= 1
    dz3 /= len(y)
    dh2 = dz3 @ W3
    dz2 = dh2 * (z2 > 0)
    dh1 = dz2 @ W2
    dz1 = dh1 * (z1 > 0)
    return [dz1.T @ X, dz1.sum(0), dz2.T @ h1, dz2.sum(0), dz3.T @ h2, dz3.sum(0)]


def numpy_step(weights: Weights) -> Callable[[], None]:
    params = [w.copy() for w in weights]
    X, y = batch()

    def step() -> None:
        for p, g in zip(params, numpy_gradients(params, X, y), strict=True):
            p -= LR * g

    return step
