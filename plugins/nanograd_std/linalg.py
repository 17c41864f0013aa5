"""Matrix products."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain

Register = Callable[..., Any]


def _matmul_grad_a(g: Any, out: Any, a: Any, b: Any) -> Any:
    if b.ndim == 1:  # (..., n) @ (n,) -> (...): outer product with b
        return ng.ops.expand_dims(g, -1) * b
    if a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m): sum over the batch comes from the engine
        return (b @ ng.ops.expand_dims(g, -1)).reshape(b.shape[:-2] + (b.shape[-2],))
    return g @ b.mT


def _matmul_grad_b(g: Any, out: Any, a: Any, b: Any) -> Any:
    if a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m)
        return ng.ops.expand_dims(a, -1) * ng.ops.expand_dims(g, -2)
    if b.ndim == 1:  # (..., k, n) @ (n,) -> (..., k)
        return (ng.ops.expand_dims(g, -2) @ a).reshape(a.shape[:-2] + (a.shape[-1],))
    return a.mT @ g


def register_ops(register: Register) -> None:
    register("matmul", np.matmul, (_matmul_grad_a, _matmul_grad_b),
             domain=domain.matmul(), method=True)
