"""Running totals along an axis: cumsum, cumprod, and the n-th difference diff.

The gradient of a running sum is a running sum from the other end, ``flip(cumsum(flip(g)))``;
cumprod's divides that by x where no element is 0 and otherwise forms each element's share
directly, so zeros are exact. diff is slicing and subtraction, a composite of those ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_std.cases import along_axis
from nanograd_std.rearranging import _axis
from nanograd_std.reductions import divides_safely


def _cumsum(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    return np.cumsum(a, axis=axis)


def _cumprod(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    return np.cumprod(a, axis=axis)


def _along(x: Any, axis: int | None) -> tuple[Any, int]:
    """``x`` as a scan sees it: flattened when ``axis`` is None, and the axis to scan."""
    return (x.reshape(-1), 0) if axis is None else (x, axis)


def _cumsum_from_end(g: Any, axis: int) -> Any:
    return ng.ops.flip(ng.ops.cumsum(ng.ops.flip(g, axis=axis), axis=axis), axis=axis)


def _cumsum_grad(g: Any, out: Any, a: Any, axis: int | None = None) -> Any:
    # out[k] sums a[i] for i <= k, so a[i] receives the sum of g[k] for k >= i.
    return _cumsum_from_end(g, 0 if axis is None else axis).reshape(a.shape)


def _cumprod_grad(g: Any, out: Any, a: Any, axis: int | None = None) -> Any:
    x, axis = _along(a, axis)
    if divides_safely(a):
        # d out[k] / d x[i] = out[k] / x[i] for i <= k, exactly, wherever no element is 0.
        return (_cumsum_from_end(g * out, axis) / x).reshape(a.shape)
    # With zeros: move the axis last; row i of the n x n table holds the running products
    # with x[i] left out (a 1 in its place), and x[i] receives sum over k >= i of g[k] times
    # entry k of its row.
    n = x.shape[axis]
    last = ng.ops.moveaxis(x, axis, -1)
    rows = ng.ops.where(np.eye(n, dtype=bool), 1.0, ng.ops.expand_dims(last, -2))
    without_i = ng.ops.cumprod(rows, axis=-1)
    later = np.triu(np.ones((n, n), dtype=bool))  # k >= i
    upstream = ng.ops.expand_dims(ng.ops.moveaxis(g, axis, -1), -2)
    share = ng.ops.where(later, upstream * without_i, 0.0).sum(axis=-1)
    return ng.ops.moveaxis(share, -1, axis).reshape(a.shape)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The n-th discrete difference along axis, ``a[1:] - a[:-1]`` applied n times, after
    joining prepend and append (a scalar is repeated across the other axes), as np.diff."""
    a = ng.as_tensor(a)
    if n < 0:
        raise ValueError(f"diff: the order n must be non-negative, got {n}")
    if n == 0:
        return a
    if a.ndim == 0:
        raise ValueError("diff needs an input of at least one dimension, got a 0-d tensor")
    axis = _axis(axis, a.ndim, "diff")
    pieces = []
    for extra in (prepend, a, append):
        if extra is None:
            continue
        if isinstance(extra, (int, float)):  # a Python number keeps a's dtype, as in arithmetic
            extra = np.asarray(extra, dtype=np.result_type(a.dtype, extra))
        extra = ng.as_tensor(extra)
        if extra.ndim == 0:
            shape = list(a.shape)
            shape[axis] = 1
            extra = ng.ops.broadcast_to(extra, tuple(shape))
        pieces.append(extra)
    if len(pieces) > 1:
        a = ng.ops.concatenate(pieces, axis=axis)
    before = (slice(None),) * axis
    later, earlier = (*before, slice(1, None)), (*before, slice(None, -1))
    for _ in range(n):
        a = a[later] - a[earlier]
    return a


def register_ops(register: RegisterOp) -> None:
    register(
        "cumsum",
        _cumsum,
        _cumsum_grad,
        domain=domain.custom(_scan_cases),
        method=True,
        doc="The running sum along axis (None: of the flattened input), as np.cumsum.",
    )
    register(
        "cumprod",
        _cumprod,
        _cumprod_grad,
        domain=domain.custom(_cumprod_cases),
        method=True,
        doc="The running product along axis (None: of the flattened input), as np.cumprod. "
        "Its gradient is exact where elements are 0.",
    )
    register(
        "diff",
        diff,
        None,
        composite=True,
        domain=domain.custom(_diff_cases),
        method=True,
        doc="The n-th difference a[1:] - a[:-1] along axis, with prepend and append, as np.diff.",
    )


def _scan_cases(arrays: Any) -> Any:
    from nanograd.domain import Case

    return along_axis(arrays).map(lambda xa: Case((xa[0],), {"axis": xa[1]}))


def _cumprod_cases(arrays: Any) -> Any:
    from nanograd.domain import Case

    cases = along_axis(arrays, zeros=True)
    return cases.map(lambda xa: Case((xa[0],), {"axis": xa[1]}))


def _diff_cases(arrays: Any) -> Any:
    """An order n up to 3, any axis, and sometimes a scalar or an array to prepend or append."""
    from hypothesis import strategies as st

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        x, axis = draw(along_axis(arrays, allow_none=False))
        shape = list(x.shape)
        shape[axis] = draw(st.integers(1, 2))
        n = draw(st.integers(0, 3))
        ends: list[Any] = []
        for _ in ("prepend", "append"):
            kind = draw(st.sampled_from(["none", "none", "scalar", "array"]))
            if kind == "scalar":
                ends.append(draw(st.floats(-2, 2)))
            else:  # an array is an input in its own right, differentiated like a
                ends.append(draw(arrays(tuple(shape))) if kind == "array" else None)
        return Case((x, n, axis, *ends))

    return case()
