"""Rounding and the remainder: floor, ceil, round, and remainder (also ``mod`` and ``%``).

floor, ceil and round are constant between their jumps: their derivative is 0 wherever it
exists, so like ``sign`` they stay outside the graph rather than pass zeros backwards.
The remainder ``x - y * floor(x / y)`` is not constant: its gradient is the one that
definition implies, 1 for x and ``-floor(x / y)`` for y, everywhere but at the jumps where
``x / y`` is a whole number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp


def _round(a: np.ndarray, decimals: int = 0) -> np.ndarray:
    return np.round(a, decimals)


def _remainder_grad_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    # floor(x / y) is piecewise constant (and outside the graph), so this is exact between jumps.
    return -g * ng.ops.floor(x / y)


_REMAINDER_KINK = (
    "the result jumps by y where x / y is a whole number; between jumps the gradient is 1 for "
    "x and -floor(x / y) for y, as x - y * floor(x / y) implies"
)


def register_ops(register: RegisterOp) -> None:
    for name, forward, doc in (
        ("floor", np.floor, "The largest whole number <= x, elementwise (as a float)."),
        ("ceil", np.ceil, "The smallest whole number >= x, elementwise (as a float)."),
        ("round", _round, "x rounded to decimals places, halves to even (np.round)."),
    ):
        register(
            name,
            forward,
            None,
            differentiable=False,
            inputs=1,
            method=True,
            doc=doc + " Piecewise constant, so outside the graph, as sign.",
        )
    for name, method in (("remainder", True), ("mod", False)):
        register(
            name,
            np.remainder,
            (lambda g, out, x, y: g, _remainder_grad_y),
            domain=domain.custom(_remainder_cases),
            method=method,
            kink=_REMAINDER_KINK,
            doc="x - y * floor(x / y), the remainder with the sign of y, broadcasting: Python's "
            "% (np.remainder; np.mod is the same function).",
        )


def _remainder_cases(arrays: Any) -> Any:
    """Broadcasting x and y with |y| >= 0.5 and x / y at least 0.05 from a whole number.

    The input of the full broadcast shape is built from the other one and a drawn quotient,
    so every pair that meets is kept clear of a jump.
    """
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    def case(full: tuple[int, ...], ones: list[bool], drop: int) -> Any:
        small = tuple(1 if one else n for n, one in zip(full, ones, strict=False))[drop:]
        parts = hnp.arrays(np.float64, full, elements=st.floats(0.05, 0.95))
        wholes = hnp.arrays(np.int64, full, elements=st.integers(-3, 3))
        return st.tuples(
            arrays(small, 0.5, 3.0), hnp.arrays(bool, small), wholes, parts, st.booleans()
        ).map(lambda drawn: _remainder_case(Case, *drawn))

    full = hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)
    return full.flatmap(
        lambda shape: st.tuples(
            st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)),
            st.integers(0, len(shape)),
        ).flatmap(lambda drawn: case(shape, *drawn))
    )


def _remainder_case(
    case: Any, magnitude: np.ndarray, negative: np.ndarray, wholes: np.ndarray,
    parts: np.ndarray, y_is_small: bool,
) -> Any:  # fmt: skip
    small = np.where(negative, -magnitude, magnitude)
    quotient = wholes + parts
    if y_is_small:  # y drawn, x = (k + f) * y: x / y = k + f
        return case((quotient * small, small))
    # x drawn (away from 0), y = x / (k + f) for a nonzero quotient
    quotient = np.where(np.abs(quotient) < 0.5, quotient + 1.0, quotient)
    return case((small, np.broadcast_to(small, quotient.shape) / quotient))
