"""``bmul``: x * y whose gradient for a broadcast y averages where it should sum.

Right whenever y has the output's shape, so only a test that draws broadcasting shapes finds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _grad_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    gy = g * x
    if gy.shape == y.shape:
        return gy
    lead = gy.ndim - y.ndim
    stretched = [lead + i for i, n in enumerate(y.shape) if n == 1 and gy.shape[lead + i] != 1]
    axes = tuple(range(lead)) + tuple(stretched)
    return ng.ops.mean(gy, axis=axes, keepdims=False).reshape(y.shape)  # the bug: mean, not sum


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register(
        "bmul",
        np.multiply,
        (lambda g, out, x, y: g * y, _grad_y),
        domain=domain.broadcast(),
    )
