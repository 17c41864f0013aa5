"""Making tensors from nothing: zeros, ones, ranges and random draws, with NumPy's dtypes.

Shapes are given as NumPy does (``ng.zeros((2, 3))``) or as PyTorch does (``ng.zeros(2, 3)``).
The arrays made here are new, so the tensors wrap them without a second copy. Random draws go
through an ``@ng.callback`` function, so a compiled program draws afresh on every call, from the
same generator and in the same order as eager.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanograd.tensor import Tensor, wrap
from nanograd.tracing.callback import callback


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
    return _leaf(_draw(generator, "standard_normal", _shape(shape), dtype), requires_grad)


def rand(
    *shape: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform draws on [0, 1) from ``generator`` (fresh if None)."""
    return _leaf(_draw(generator, "random", _shape(shape), dtype), requires_grad)


@callback  # drawn again on every call, a compiled program's too
def _draw(
    generator: np.random.Generator | None, method: str, shape: tuple[int, ...], dtype: Any
) -> np.ndarray:
    """``generator.<method>(shape)`` as ``dtype``; a fresh generator if None, on every call."""
    rng = generator if generator is not None else np.random.default_rng()
    data: np.ndarray = getattr(rng, method)(shape).astype(dtype, copy=False)
    return data
