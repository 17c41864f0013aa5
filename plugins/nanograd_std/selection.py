"""Choosing between values: ``where``, ``select`` (a chain of ``where``) and ``clip``.

Their gradients route ``g`` to whichever value was chosen; the condition of ``where`` and the
bounds of ``clip`` are constants, not differentiated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_std.scalars import weak_arrays


def _where(condition: Any, x: Any, y: Any) -> np.ndarray:
    return np.where(condition, x, y)


def _where_grad_x(g: Any, out: Any, condition: Any, x: Any, y: Any) -> Any:
    return ng.ops.where(condition, g, 0)


def _where_grad_y(g: Any, out: Any, condition: Any, x: Any, y: Any) -> Any:
    return ng.ops.where(condition, 0, g)


def _bound(value: Any) -> Any:
    return value.data if isinstance(value, ng.Tensor) else value


def _clip(a: np.ndarray, a_min: Any = None, a_max: Any = None) -> np.ndarray:
    out = np.clip(a, _bound(a_min), _bound(a_max))
    # The bounds never widen the dtype: a float32 tensor clipped by float64 bounds stays float32.
    return out.astype(a.dtype, copy=False) if a.dtype.kind == "f" else out


def _clip_grad(g: Any, out: Any, a: Any, a_min: Any = None, a_max: Any = None) -> Any:
    # Where clip left a alone, out == a exactly: that is where the gradient passes (bounds
    # included, as PyTorch's clamp).
    return g * ng.ops.equal(out, a)


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """choicelist[i] where condlist[i] is the first condition that holds, else default,
    broadcasting them all, as np.select. The conditions are not differentiated."""
    if not len(condlist):
        raise ValueError("select needs at least one condition and choice")
    if len(condlist) != len(choicelist):
        raise ValueError(
            f"select: {len(condlist)} conditions for {len(choicelist)} choices; give one each"
        )
    *choices, result = weak_arrays([*choicelist, default])  # numbers keep the tensors' dtype
    for condition, choice in zip(reversed(condlist), reversed(choices), strict=True):
        if not isinstance(condition, ng.Tensor):  # a tensor is passed on as it is: its
            condition = np.asarray(condition)  # values are read by where, not here
        if condition.dtype != np.bool_:
            raise TypeError(f"select: a condition must be boolean, got dtype {condition.dtype}")
        result = ng.ops.where(condition, choice, result)
    return ng.as_tensor(result)


def register_ops(register: RegisterOp) -> None:
    register(
        "where",
        _where,
        (None, _where_grad_x, _where_grad_y),
        domain=domain.custom(_where_cases),
        doc="x where condition holds, else y, broadcasting all three (np.where). The condition "
        "is not differentiated.",
    )
    register(
        "select",
        select,
        None,
        composite=True,
        domain=domain.custom(_select_cases),
        doc="choicelist[i] where condlist[i] is the first condition that holds, else default, "
        "broadcasting them all (np.select). The conditions are not differentiated.",
    )
    register(
        "clip",
        _clip,
        _clip_grad,
        domain=domain.elementwise(avoid=(-1.0, 1.0), a_min=-1.0, a_max=1.0),
        method=True,
        kink="at a bound (a == a_min or a == a_max) the gradient passes, 1, as PyTorch's clamp",
        doc="a limited to [a_min, a_max] (either may be None), as np.clip. The bounds are "
        "constants: no gradient flows to them.",
    )


def _where_cases(arrays: Any) -> Any:
    """A boolean condition and two values, all three of mutually broadcastable shapes."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    shapes = hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)

    def case(drawn: Any) -> Any:
        c, x, y = drawn.input_shapes
        return st.tuples(hnp.arrays(np.bool_, c), arrays(x), arrays(y)).map(
            lambda cxy: Case(cxy, {})
        )

    return shapes.flatmap(case)


def _select_cases(arrays: Any) -> Any:
    """One to three conditions and choices, and a default, all mutually broadcastable."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        count = draw(st.integers(1, 3))
        shapes = draw(
            hnp.mutually_broadcastable_shapes(num_shapes=2 * count + 1, max_dims=3, max_side=3)
        ).input_shapes
        conditions = [draw(hnp.arrays(np.bool_, s)) for s in shapes[:count]]
        choices = [draw(arrays(s)) for s in shapes[count : 2 * count]]
        default = draw(st.one_of(st.floats(-3, 3), arrays(shapes[-1])))
        return Case((conditions, choices, default))

    return case()
