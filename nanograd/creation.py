"""Making tensors from nothing: zeros, ones, ranges and random draws, with NumPy's dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np

from nanograd.tensor import Tensor


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and not isinstance(shape[0], int):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """``ng.zeros(2, 3)`` or ``ng.zeros((2, 3))``."""
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def full(shape: Any, value: float, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return Tensor(np.full(shape, value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Any, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(np.asarray(t)), requires_grad=requires_grad)


def ones_like(t: Any, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(np.asarray(t)), requires_grad=requires_grad)


def arange(*args: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.arange(*args, dtype=dtype), requires_grad=requires_grad)


def randn(
    *shape: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal draws from ``generator`` (a ``numpy.random.Generator``; fresh if None)."""
    rng = generator if generator is not None else np.random.default_rng()
    data = rng.standard_normal(_shape(shape)).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)


def rand(
    *shape: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform draws on [0, 1) from ``generator`` (fresh if None)."""
    rng = generator if generator is not None else np.random.default_rng()
    data = rng.random(_shape(shape)).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)
