"""Reductions over ``axis`` (int, tuple or None) with ``keepdims``, as NumPy spells them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain

Register = Callable[..., Any]


def _kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """The shape a reduction has with ``keepdims=True``: reduced axes become length 1."""
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = len(shape)
    reduced = {a % ndim for a in axes} if ndim else set()
    return tuple(1 if i in reduced else n for i, n in enumerate(shape))


def expand_to_input(g: Any, x: Any, axis: Any) -> Any:
    """Broadcast a reduction's upstream gradient back over the reduced axes of ``x``."""
    return ng.ops.broadcast_to(g.reshape(_kept_shape(x.shape, axis)), x.shape)


def _sum(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.sum(x, axis=axis, keepdims=keepdims)


def _mean(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.mean(x, axis=axis, keepdims=keepdims)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    kept = _kept_shape(shape, axis)
    return int(np.prod(shape)) // max(int(np.prod(kept)), 1) if shape else 1


def register_ops(register: Register) -> None:
    register("sum", _sum,
             lambda g, out, x, axis=None, keepdims=False: expand_to_input(g, x, axis),
             domain=domain.reduction(), method=True)
    register("mean", _mean,
             lambda g, out, x, axis=None, keepdims=False:
                 expand_to_input(g, x, axis) / _count(x.shape, axis),
             domain=domain.reduction(), method=True)
