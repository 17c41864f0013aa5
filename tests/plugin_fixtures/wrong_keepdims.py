"""``kept_mean``: a mean over ``axis`` whose gradient is right only with ``keepdims=True``.

The two branches of the vjp were written apart, and the one for ``keepdims=False`` forgot to
divide by the count: its gradient is the sum's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _mean(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.mean(x, axis=axis, keepdims=keepdims)


def _grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    count = x.data.size // max(out.data.size, 1)
    if keepdims:
        return ng.ops.broadcast_to(g, x.shape) / count
    axes = range(x.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    kept = tuple(1 if i in {a % x.ndim for a in axes} else n for i, n in enumerate(x.shape))
    return ng.ops.broadcast_to(g.reshape(kept), x.shape)  # the bug: no division by the count


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("kept_mean", _mean, _grad, domain=domain.reduction())
