"""Making tensors from nothing: zeros, ones, ranges and random draws, with NumPy's dtypes.

Shapes are given as NumPy does (``ng.zeros((2, 3))``) or as PyTorch does (``ng.zeros(2, 3)``).
The arrays made here are new, so the tensors wrap them without a second copy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanograd.tensor import Tensor, wrap


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = wrap(array)
    if requires_grad:
        t.requires_grad = True  # refuses integer and boolean dtypes
    return t


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """``ng.zeros(2, 3)`` or ``ng.zeros((2, 3))``."""
    return _leaf(np.zeros(_shape(shape), dtype=dtype), requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """``ng.ones(2, 3)`` or ``ng.ones((2, 3))``."""
    return _leaf(np.ones(_shape(shape), dtype=dtype), requires_grad)


def full(shape: Any, value: float, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``value``."""
    return _leaf(np.full(shape, value, dtype=dtype), requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape, and of its dtype unless ``dtype`` is given."""
    return _leaf(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape, and of its dtype unless ``dtype`` is given."""
    return _leaf(np.ones_like(np.asarray(t), dtype=dtype), requires_grad)


def arange(*args: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``np.arange``'s values as a tensor: ``ng.arange(5)``, ``ng.arange(0.0, 1.0, 0.25)``."""
    return _leaf(np.arange(*args, dtype=dtype), requires_grad)


def randn(
    *shape: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal draws from ``generator`` (a ``numpy.random.Generator``; fresh if None)."""
    rng = generator if generator is not None else np.random.default_rng()
    data = rng.standard_normal(_shape(shape)).astype(dtype, copy=False)
    return _leaf(data, requires_grad)


def rand(
    *shape: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform draws on [0, 1) from ``generator`` (fresh if None)."""
    rng = generator if generator is not None else np.random.default_rng()
    data = rng.random(_shape(shape)).astype(dtype, copy=False)
    return _leaf(data, requires_grad)
