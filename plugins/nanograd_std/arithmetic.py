"""Broadcasting arithmetic: add, sub, mul, div, pow, maximum, minimum, and the comparisons.

Each vjp returns the gradient at the broadcast shape; the engine sums it back to the input's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain

Register = Callable[..., Any]


def _pow_base_grad(g: Any, out: Any, x: Any, y: Any) -> Any:
    return g * y * x ** (y - 1)


def _pow_exponent_grad(g: Any, out: Any, x: Any, y: Any) -> Any:
    return g * out * ng.ops.log(x)


def register_ops(register: Register) -> None:
    register("add", np.add, (lambda g, out, x, y: g, lambda g, out, x, y: g),
             domain=domain.broadcast(), method=True)
    register("sub", np.subtract, (lambda g, out, x, y: g, lambda g, out, x, y: -g),
             domain=domain.broadcast(), method=True)
    register("mul", np.multiply, (lambda g, out, x, y: g * y, lambda g, out, x, y: g * x),
             domain=domain.broadcast(), method=True)
    register("div", np.divide,
             (lambda g, out, x, y: g / y, lambda g, out, x, y: -g * out / y),
             domain=domain.broadcast(avoid=(0.0,), margin=0.5), method=True)
    register("pow", np.power, (_pow_base_grad, _pow_exponent_grad),
             domain=domain.broadcast(0.5, 2.5), method=True,
             doc="x ** y. The gradient for a tensor exponent uses log(x), so it is defined for "
                 "x > 0; for a constant exponent any base where NumPy's power is defined works.")
