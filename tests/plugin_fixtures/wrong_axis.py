"""``lead_sum``: a sum over ``axis`` whose gradient is right only for axis None and axis 0.

The vjp puts the reduced axis back in front, where axis 0 was: for any other axis the upstream
gradient lands on the wrong elements (or fails to broadcast). A suite that draws axis=None most
of the time finds it by luck.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _sum(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.sum(x, axis=axis, keepdims=keepdims)


def _grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if axis is not None and not keepdims:
        g = ng.ops.expand_dims(g, 0)  # the bug: the reduced axis is not always the first
    return ng.ops.broadcast_to(g, x.shape)


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("lead_sum", _sum, _grad, domain=domain.reduction())
