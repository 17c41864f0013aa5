"""``cube_detached``: x³ whose vjp, 3 g x², takes one factor x from ``.data``.

First order is right. Differentiating the vjp sees only one of the two factors, so the second
derivative is 3 x g instead of 6 x g: wrong at second order only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _cube(x: np.ndarray) -> np.ndarray:
    return x**3


def _grad(g: Any, out: Any, x: Any) -> Any:
    return 3 * g * x * x.detach()


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("cube_detached", _cube, _grad, domain=domain.elementwise())
