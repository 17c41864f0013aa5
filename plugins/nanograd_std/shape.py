"""Ops that move elements without changing them: reshape, transpose, broadcast_to, expand_dims,
squeeze, flip, pad, concatenate, stack, and the dtype cast astype.

Every gradient here moves ``g`` back the way the forward moved ``x``: reshape back, transpose by
the inverse permutation, flip again, slice the padding off, split the joined pieces apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp


def _requires_grad(x: Any) -> bool:
    return isinstance(x, ng.Tensor) and x.requires_grad


# -- reshape, transpose, broadcast_to, expand_dims, squeeze, flip, astype -------------------------


# The array methods rather than np.reshape and np.transpose: the same NumPy code without the
# Python wrapper around it, which costs more than the reshape itself on a small array.
def _reshape(x: np.ndarray, shape: Any) -> np.ndarray:
    return x.reshape(shape)


def _transpose(x: np.ndarray, axes: Any = None) -> np.ndarray:
    return x.transpose(axes)


def _inverse_axes(axes: Any, ndim: int) -> Any:
    if axes is None:
        return None
    return tuple(int(i) for i in np.argsort([a % ndim for a in axes]))


def _broadcast_to(x: np.ndarray, shape: Any) -> np.ndarray:
    """A new array, not np.broadcast_to's read-only view with zero strides.

    Mostly this is a reduction's gradient spread back over its input, which the next op reads
    at once: a matmul copies a zero-stride operand first (measured: 3 ms more for a 1024x1024
    one than filling a new array takes), and on small arrays np.broadcast_to's Python wrapper
    alone costs eight times the copy (3.5 against 0.4 microseconds).
    """
    if type(shape) is not tuple:
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if x.ndim > len(shape):
        raise ValueError(f"cannot broadcast shape {x.shape} to {shape}, which has fewer dimensions")
    out = np.empty(shape, dtype=x.dtype)
    try:
        out[...] = x
    except ValueError:
        raise ValueError(f"cannot broadcast shape {x.shape} to {shape}") from None
    return out


def _expand_dims(x: np.ndarray, axis: Any) -> np.ndarray:
    return np.expand_dims(x, axis)


def _squeeze(x: np.ndarray, axis: Any = None) -> np.ndarray:
    return np.squeeze(x, axis=axis)


def _flip(x: np.ndarray, axis: Any = None) -> np.ndarray:
    return np.flip(x, axis=axis)


def _astype(x: np.ndarray, dtype: Any) -> np.ndarray:
    return x.astype(dtype)


# -- pad ------------------------------------------------------------------------------------------


def _pad(
    x: np.ndarray, pad_width: Any, mode: str = "constant", constant_values: Any = 0
) -> np.ndarray:
    if mode != "constant":
        raise ValueError(f"only mode='constant' is supported, got mode={mode!r}")
    return np.pad(x, pad_width, mode="constant", constant_values=constant_values)


def _pad_grad(
    g: Any, out: Any, x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0
) -> Any:
    # np.pad's pad_width is an int, a (before, after) pair, or one pair per axis.
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (x.ndim, 2))
    return g[tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, x.shape, strict=True))]


# -- concatenate, stack ---------------------------------------------------------------------------


def _concatenate(arrays: Sequence[Any], axis: int | None = 0) -> np.ndarray:
    return np.concatenate(arrays, axis=axis)


def _concatenate_grad(g: Any, out: Any, arrays: Sequence[Any], axis: int | None = 0) -> list[Any]:
    flat = axis is None  # NumPy joined the flattened inputs: g is 1-D
    before = (slice(None),) * (0 if flat else axis % g.ndim)
    grads: list[Any] = []
    start = 0
    for x in arrays:
        shape = np.shape(x)
        stop = start + (math.prod(shape) if flat else shape[axis])
        if not _requires_grad(x):
            grads.append(None)
        else:
            index = (*before, slice(start, stop))
            piece = g[index]
            grads.append(piece.reshape(shape) if flat else piece)
        start = stop
    return grads


def _stack(arrays: Sequence[Any], axis: int = 0) -> np.ndarray:
    return np.stack(arrays, axis=axis)


def _stack_grad(g: Any, out: Any, arrays: Sequence[Any], axis: int = 0) -> list[Any]:
    before = (slice(None),) * (axis % g.ndim)
    indices = [(*before, i) for i in range(len(arrays))]
    return [g[indices[i]] if _requires_grad(x) else None for i, x in enumerate(arrays)]


def register_ops(register: RegisterOp) -> None:
    register(
        "reshape",
        _reshape,
        lambda g, out, x, shape: g.reshape(x.shape),
        domain=domain.custom(_reshape_cases),
        method=True,
        doc="The same elements in a new shape (one dimension may be -1), as np.reshape.",
    )
    register(
        "transpose",
        _transpose,
        lambda g, out, x, axes=None: ng.ops.transpose(g, _inverse_axes(axes, x.ndim)),
        domain=domain.custom(_transpose_cases),
        method=True,
        doc="Permute the axes: reversed, or in the order axes gives, as np.transpose.",
    )
    register(
        "broadcast_to",
        _broadcast_to,
        lambda g, out, x, shape: g,
        domain=domain.custom(_broadcast_cases),
        method=True,
        doc="x repeated along new or length-1 axes to shape, as np.broadcast_to.",
    )
    register(
        "expand_dims",
        _expand_dims,
        lambda g, out, x, axis: g.reshape(x.shape),
        domain=domain.custom(_expand_dims_cases),
        method=True,
        doc="Insert length-1 axes at axis (an int or a tuple), as np.expand_dims.",
    )
    register(
        "squeeze",
        _squeeze,
        lambda g, out, x, axis=None: g.reshape(x.shape),
        domain=domain.custom(_squeeze_cases),
        method=True,
        doc="Remove length-1 axes (all of them, or those named by axis), as np.squeeze.",
    )
    register(
        "flip",
        _flip,
        lambda g, out, x, axis=None: ng.ops.flip(g, axis=axis),
        domain=domain.custom(_flip_cases),
        method=True,
        doc="Reverse the order of elements along axis (all axes if None), as np.flip.",
    )
    register(
        "pad",
        _pad,
        _pad_grad,
        domain=domain.custom(_pad_cases),
        doc="Surround x with constant_values, pad_width[i] = (before, after) on axis i, as "
        "np.pad in its constant mode (the only mode supported).",
    )
    register(
        "concatenate",
        _concatenate,
        _concatenate_grad,
        variadic=True,
        domain=domain.custom(_concatenate_cases),
        doc="Join a sequence of tensors along an existing axis (None: flatten them first).",
    )
    register(
        "stack",
        _stack,
        _stack_grad,
        variadic=True,
        domain=domain.custom(_stack_cases),
        doc="Join a sequence of tensors of one shape along a new axis.",
    )
    register(
        "astype",
        _astype,
        lambda g, out, x, dtype: g.astype(x.dtype),
        domain=domain.elementwise(dtype=np.float64),
        method=True,
        doc="The values cast to dtype; the gradient is cast back to the input's dtype.",
    )


# -- where the property suite draws from ----------------------------------------------------------


def _cases(arrays: Any, table: list[tuple[tuple[int, ...], dict[str, Any]]]) -> Any:
    """A strategy of one input of a listed shape, with that row's parameters."""
    from hypothesis import strategies as st

    from nanograd.domain import Case

    return st.sampled_from(table).flatmap(
        lambda row: arrays(row[0]).map(lambda x: Case((x,), row[1]))
    )


def _reshape_cases(arrays: Any) -> Any:
    table = [((2, 3), (3, 2)), ((4,), (2, 2)), ((2, 3, 2), (6, -1)), ((), (1,)), ((3, 1), (3,))]
    return _cases(arrays, [(shape, {"shape": new}) for shape, new in table])


def _transpose_cases(arrays: Any) -> Any:
    table: list[tuple[tuple[int, ...], tuple[int, ...] | None]] = [
        ((2, 3), None), ((2, 3, 4), (1, 2, 0)), ((2, 3, 4), (2, 0, 1)), ((2, 3, 4), None),
    ]  # fmt: skip
    table += [((2, 3, 4), (-1, 0, 1)), ((3,), (0,)), ((2, 1, 3, 2), (3, 1, 0, 2))]
    return _cases(arrays, [(shape, {"axes": axes}) for shape, axes in table])


def _broadcast_cases(arrays: Any) -> Any:
    table = [((3,), (2, 3)), ((2, 1), (2, 4)), ((1, 3), (2, 2, 3)), ((), (3,)), ((2, 3), (2, 3))]
    return _cases(arrays, [(shape, {"shape": new}) for shape, new in table])


def _axis_cases(arrays: Any, table: list[tuple[tuple[int, ...], Any]]) -> Any:
    """A strategy of one input of a listed shape with that row's ``axis``, a row with the kind
    of axis the suite asks for when the table has one."""
    from nanograd.domain import Case
    from nanograd.testing import sampled_from_focus

    rows = sampled_from_focus(table, lambda row: row[1])
    return rows.flatmap(lambda row: arrays(row[0]).map(lambda x: Case((x,), {"axis": row[1]})))


def _expand_dims_cases(arrays: Any) -> Any:
    table = [((3,), 0), ((2, 3), -1), ((2, 3), 1), ((2, 3), 2), ((2, 3), (0, 3)), ((), 0)]
    return _axis_cases(arrays, table)


def _squeeze_cases(arrays: Any) -> Any:
    table: list[tuple[tuple[int, ...], Any]] = [
        ((1, 3), None), ((2, 1, 3, 1), None), ((1, 3), 0), ((2, 1, 3, 1), 1),
        ((2, 3, 1), 2), ((2, 1), -1), ((1, 2, 1), (0, -1)),
    ]  # fmt: skip
    return _axis_cases(arrays, table)


def _flip_cases(arrays: Any) -> Any:
    from nanograd.domain import Case
    from nanograd.testing import axes, shapes

    def case(shape: tuple[int, ...]) -> Any:
        return arrays(shape).flatmap(
            lambda x: axes(x.ndim).map(lambda axis: Case((x,), {"axis": axis}))
        )

    return shapes(min_dims=1).flatmap(case)


def _pad_cases(arrays: Any) -> Any:
    table: list[tuple[tuple[int, ...], Any]] = [
        ((3,), 1),
        ((3,), (2, 0)),
        ((2, 3), ((1, 0), (0, 2))),
        ((2, 3), ((1, 2),)),
        ((2, 2, 2), ((0, 0), (1, 1), (2, 0))),
    ]
    rows = [(shape, {"pad_width": width}) for shape, width in table]
    rows.append(((2, 3), {"pad_width": 1, "constant_values": 5.0}))
    return _cases(arrays, rows)


def _joined_cases(arrays: Any, stacking: bool) -> Any:
    """Two to four inputs joined along an axis: of one shape for stack, and differing along the
    joined axis for concatenate (or any shapes, when concatenate flattens with axis=None)."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd.testing import axes
    from nanograd.testing import shapes as drawn_shapes

    @st.composite
    def case(draw: Any) -> Any:
        count = draw(st.integers(2, 4))
        shape = draw(drawn_shapes(min_dims=1, max_side=3))
        if stacking:  # an axis of the result, which has one more
            axis = draw(axes(len(shape) + 1, none=False, tuples=False))
            shapes = [shape] * count
        else:
            axis = draw(axes(len(shape), tuples=False))
            sizes = draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
            if axis is None:
                shapes = [(n, *shape[1:]) for n in sizes]
            else:
                at = axis % len(shape)
                shapes = [(*shape[:at], n, *shape[at + 1 :]) for n in sizes]
        inputs = tuple(draw(arrays(s)) for s in shapes)
        return Case(inputs, {"axis": axis})

    return case()


def _concatenate_cases(arrays: Any) -> Any:
    return _joined_cases(arrays, stacking=False)


def _stack_cases(arrays: Any) -> Any:
    return _joined_cases(arrays, stacking=True)
