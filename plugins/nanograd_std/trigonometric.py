"""Trigonometric and hyperbolic functions beyond sin and cos: tan, the inverse functions,
arctan2, sinh, cosh and their inverses, sinc, and the degree-radian conversions.

Each gradient is the textbook derivative written with tensor ops, reusing ``out`` where that is
cheaper (tan). Domains keep clear of poles and of the ends of the inverse functions' intervals,
where the derivative is infinite.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp

_PI = math.pi
# Below this |x| the gradient of sinc uses its Taylor series: the closed form
# (cos(pi x) - sinc(x)) / x is 0/0 at 0 and loses digits near it.
_SINC_SERIES = 1e-3


def _sinc_grad(g: Any, out: Any, x: Any) -> Any:
    # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, and -pi^2 x/3 + pi^4 x^3/30 near 0.
    # Both branches are finite everywhere (x is replaced by 1 where the series is used), so the
    # branch not taken contributes 0, not NaN, to the second derivative.
    near_zero = ng.ops.less(ng.ops.abs(x), _SINC_SERIES)
    safe_x = ng.ops.where(near_zero, 1.0, x)
    closed = (ng.ops.cos(safe_x * _PI) - out) / safe_x
    series = x * (_PI**2 / -3.0) + x * x * x * (_PI**4 / 30.0)
    return g * ng.ops.where(near_zero, series, closed)


def _arctan2_grad_y(g: Any, out: Any, y: Any, x: Any) -> Any:
    return g * x / (x * x + y * y)


def _arctan2_grad_x(g: Any, out: Any, y: Any, x: Any) -> Any:
    return -g * y / (x * x + y * y)


def register_ops(register: RegisterOp) -> None:
    unary = (
        ("tan", np.tan, lambda g, out, x: g * (out * out + 1), domain.elementwise(-1.4, 1.4),
         "The tangent, x in radians; defined away from the poles pi/2 + k pi."),
        ("arcsin", np.arcsin, lambda g, out, x: g / ng.ops.sqrt(1 - x * x),
         domain.elementwise(-0.9, 0.9),
         "The inverse sine, in [-pi/2, pi/2]; differentiable for -1 < x < 1."),
        ("arccos", np.arccos, lambda g, out, x: -g / ng.ops.sqrt(1 - x * x),
         domain.elementwise(-0.9, 0.9),
         "The inverse cosine, in [0, pi]; differentiable for -1 < x < 1."),
        ("arctan", np.arctan, lambda g, out, x: g / (x * x + 1), domain.elementwise(),
         "The inverse tangent, in (-pi/2, pi/2)."),
        ("sinh", np.sinh, lambda g, out, x: g * ng.ops.cosh(x), domain.elementwise(),
         "The hyperbolic sine."),
        ("cosh", np.cosh, lambda g, out, x: g * ng.ops.sinh(x), domain.elementwise(),
         "The hyperbolic cosine."),
        ("arcsinh", np.arcsinh, lambda g, out, x: g / ng.ops.sqrt(x * x + 1),
         domain.elementwise(), "The inverse hyperbolic sine."),
        ("arccosh", np.arccosh, lambda g, out, x: g / ng.ops.sqrt(x * x - 1),
         domain.elementwise(1.1, 4.0),
         "The inverse hyperbolic cosine; defined for x >= 1, differentiable for x > 1."),
        ("arctanh", np.arctanh, lambda g, out, x: g / (1 - x * x), domain.elementwise(-0.9, 0.9),
         "The inverse hyperbolic tangent; defined for -1 < x < 1."),
        ("sinc", np.sinc, _sinc_grad, domain.elementwise(),
         "sin(pi x) / (pi x), and 1 at 0: NumPy's normalised sinc."),
        ("deg2rad", np.deg2rad, lambda g, out, x: g * (_PI / 180), domain.elementwise(),
         "Degrees to radians, x * pi / 180."),
        ("rad2deg", np.rad2deg, lambda g, out, x: g * (180 / _PI), domain.elementwise(),
         "Radians to degrees, x * 180 / pi."),
    )  # fmt: skip
    for name, ufunc, vjp, where, doc in unary:
        register(name, ufunc, vjp, domain=where, method=True, doc=doc)
    register(
        "arctan2",
        np.arctan2,
        (_arctan2_grad_y, _arctan2_grad_x),
        # Away from y = 0: the angle jumps by 2 pi across the negative x axis, and the origin
        # has no direction at all.
        domain=domain.broadcast(avoid=(0.0,), margin=0.1),
        method=True,
        kink="the angle jumps from pi to -pi across the negative x axis (y = 0, x < 0), where "
        "it has no gradient; at the origin the gradient is NaN",
        doc="The angle of the point (x2, x1) = (x, y), arctan(x1 / x2) in the right quadrant, "
        "broadcasting, as np.arctan2(x1, x2).",
    )
