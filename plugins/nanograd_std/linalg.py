"""Matrix products: ``matmul`` with NumPy's signature (1-D, 2-D and broadcast batches)."""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.matmul(a, b)
    except ValueError:
        a_shape, b_shape = np.shape(a), np.shape(b)
        if not a_shape or not b_shape:
            raise ValueError("matmul needs inputs of at least one dimension") from None
        inner = "only" if len(b_shape) == 1 else "second-to-last"
        k = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
        if a_shape[-1] != k:
            raise ValueError(
                f"the last axis of the first input ({a_shape[-1]}) must equal the {inner} axis "
                f"of the second ({k})"
            ) from None
        raise ValueError(
            f"the batch shapes {a_shape[:-2]} and {b_shape[:-2]} do not broadcast together"
        ) from None


def _matmul_grad_a(g: Any, out: Any, a: Any, b: Any) -> Any:
    if a.ndim == 1 and b.ndim == 1:  # (n,) @ (n,) -> ()
        return g * b
    if b.ndim == 1:  # (..., k, n) @ (n,) -> (..., k): an outer product with b
        return ng.ops.expand_dims(g, -1) * b
    if a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m); the engine sums over the batch
        return (b @ ng.ops.expand_dims(g, -1)).reshape((*b.shape[:-2], b.shape[-2]))
    return g @ b.mT


def _matmul_grad_b(g: Any, out: Any, a: Any, b: Any) -> Any:
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m)
        return ng.ops.expand_dims(a, -1) * ng.ops.expand_dims(g, -2)
    if b.ndim == 1:  # (..., k, n) @ (n,) -> (..., k)
        return (ng.ops.expand_dims(g, -2) @ a).reshape((*a.shape[:-2], a.shape[-1]))
    return a.mT @ g


def register_ops(register: RegisterOp) -> None:
    register(
        "matmul",
        _matmul,
        (_matmul_grad_a, _matmul_grad_b),
        domain=domain.matmul(),
        method=True,
        doc="The matrix product a @ b with NumPy's rules: 1-D operands are vectors, "
        "leading axes are batches that broadcast.",
    )
