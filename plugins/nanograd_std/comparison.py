"""Elementwise comparisons: boolean tensors that never carry a gradient.

They back the Python operators ``< <= > >= == !=`` and serve as masks (``x[x > 0]``,
``ng.ops.where(x > 0, x, 0)``); their result is piecewise constant, so nothing flows through.
"""

from __future__ import annotations

import numpy as np

from nanograd.contract import RegisterOp

_COMPARISONS = (
    ("less", np.less, "<"),
    ("less_equal", np.less_equal, "<="),
    ("greater", np.greater, ">"),
    ("greater_equal", np.greater_equal, ">="),
    ("equal", np.equal, "=="),
    ("not_equal", np.not_equal, "!="),
)


def register_ops(register: RegisterOp) -> None:
    for name, ufunc, symbol in _COMPARISONS:
        register(
            name,
            ufunc,
            None,
            differentiable=False,
            inputs=2,
            doc=f"x {symbol} y elementwise, broadcasting: a boolean tensor outside the graph.",
        )
