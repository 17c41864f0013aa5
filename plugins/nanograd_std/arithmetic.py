"""Broadcasting arithmetic: add, sub, mul, div, pow, maximum and minimum, their NaN-ignoring
fmax and fmin, and logaddexp and logaddexp2.

Each vjp returns the gradient at the broadcast shape; the engine sums it back to the input's.
The hot ones (add, sub, mul, div) are one NumPy ufunc forward and one or two tensor ops back.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp


def _pow_base_grad(g: Any, out: Any, x: Any, y: Any) -> Any:
    if not isinstance(y, ng.Tensor):
        if np.all(y == 0):  # x ** 0 is constant; y * x ** -1 would be 0 * inf at x = 0
            return g * 0
        if np.all(y == 2):  # the square, common enough to skip a pow node
            return g * x * 2
    return g * y * x ** (y - 1)


def _pow_exponent_grad(g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x ** y)/dy = x ** y * log(x), for x > 0. Where x == 0 the result is 0 ** y, constant in
    # y (0 for y > 0, 1 for y == 0), so the gradient is 0 there (as PyTorch's): log(x) is taken
    # of 1 in place of 0, which also keeps -inf (and 0 * inf = NaN) out of second order. A
    # constant base keeps its log a Python float when it is one, so a float32 exponent keeps a
    # float32 gradient.
    if isinstance(x, ng.Tensor):
        log_x = ng.ops.log(ng.ops.where(x == 0, 1.0, x))
    elif isinstance(x, (int, float)):
        log_x = math.log(x) if x > 0 else 0.0 if x == 0 else float(np.log(float(x)))
    else:
        log_x = np.log(np.where(x == 0, 1, x))
    return g * out * log_x


def _choice_grad(g: Any, out: Any, mine: Any, other: Any) -> Any:
    """Gradient of maximum/minimum for one operand: all of ``g`` where this operand is the
    result, half where both are (a tie, as PyTorch's maximum splits it), none elsewhere."""
    wins = ng.ops.where(ng.ops.equal(mine, out), g, 0)
    return ng.ops.where(ng.ops.equal(mine, other), g * 0.5, wins)


def _choice_grad_x(g: Any, out: Any, x: Any, y: Any) -> Any:
    return _choice_grad(g, out, x, y)


def _choice_grad_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    return _choice_grad(g, out, y, x)


_TIE = "where x == y the gradient is split evenly, g/2 to each (as PyTorch's maximum)"
_NAN = (
    "; where one input is NaN the other is the result and takes the whole gradient (both NaN: "
    "no gradient)"
)


def _logaddexp_grad(g: Any, out: Any, mine: Any, other: Any) -> Any:
    # d/dx log(e^x + e^y) = e^x / (e^x + e^y) = exp(x - out), which never overflows.
    return g * ng.ops.exp(mine - out)


def _logaddexp2_grad(g: Any, out: Any, mine: Any, other: Any) -> Any:
    return g * ng.ops.exp2(mine - out)


def register_ops(register: RegisterOp) -> None:
    register(
        "add",
        np.add,
        (lambda g, out, x, y: g, lambda g, out, x, y: g),
        domain=domain.broadcast(),
        method=True,
        doc="x + y, broadcasting as NumPy does.",
    )
    register(
        "sub",
        np.subtract,
        (lambda g, out, x, y: g, lambda g, out, x, y: -g),
        domain=domain.broadcast(),
        method=True,
        doc="x - y, broadcasting as NumPy does.",
    )
    register(
        "mul",
        np.multiply,
        (lambda g, out, x, y: g * y, lambda g, out, x, y: g * x),
        domain=domain.broadcast(),
        method=True,
        doc="x * y, broadcasting as NumPy does.",
    )
    register(
        "div",
        np.divide,
        (lambda g, out, x, y: g / y, lambda g, out, x, y: -g * out / y),
        domain=domain.broadcast(avoid=(0.0,), margin=0.5),
        method=True,
        doc="x / y (true division), broadcasting as NumPy does; defined for y != 0.",
    )
    register(
        "pow",
        np.power,
        (_pow_base_grad, _pow_exponent_grad),
        domain=domain.broadcast(0.5, 2.5),
        method=True,
        doc="x ** y. The exponent's gradient x ** y * log(x) needs x > 0, and is 0 where x == 0 "
        "and y >= 0 (x ** y is constant in y there); the base's gradient y * x ** (y - 1) holds "
        "wherever NumPy's power is defined.",
    )
    register(
        "maximum",
        np.maximum,
        (_choice_grad_x, _choice_grad_y),
        domain=domain.broadcast(apart=True),
        method=True,
        kink=_TIE,
        doc="The elementwise larger of x and y (NumPy's maximum), broadcasting.",
    )
    register(
        "minimum",
        np.minimum,
        (_choice_grad_x, _choice_grad_y),
        domain=domain.broadcast(apart=True),
        method=True,
        kink=_TIE.replace("maximum", "minimum"),
        doc="The elementwise smaller of x and y (NumPy's minimum), broadcasting.",
    )
    register(
        "fmax",
        np.fmax,
        (_choice_grad_x, _choice_grad_y),
        domain=domain.broadcast(apart=True),
        method=True,
        kink=_TIE.replace("maximum", "fmax") + _NAN,
        doc="The elementwise larger of x and y ignoring NaN (np.fmax), broadcasting.",
    )
    register(
        "fmin",
        np.fmin,
        (_choice_grad_x, _choice_grad_y),
        domain=domain.broadcast(apart=True),
        method=True,
        kink=_TIE.replace("maximum", "fmin") + _NAN,
        doc="The elementwise smaller of x and y ignoring NaN (np.fmin), broadcasting.",
    )
    register(
        "logaddexp",
        np.logaddexp,
        (_logaddexp_grad, lambda g, out, x, y: _logaddexp_grad(g, out, y, x)),
        domain=domain.broadcast(-20.0, 20.0),
        method=True,
        doc="log(exp(x) + exp(y)) without overflow, broadcasting.",
    )
    register(
        "logaddexp2",
        np.logaddexp2,
        (_logaddexp2_grad, lambda g, out, x, y: _logaddexp2_grad(g, out, y, x)),
        domain=domain.broadcast(-20.0, 20.0),
        method=True,
        doc="log2(2**x + 2**y) without overflow, broadcasting.",
    )
