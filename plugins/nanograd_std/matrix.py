"""Diagonals and triangles of matrices: diagonal, trace, diag, triu and tril.

Each is a composite: diagonal is an index (``getitem``) that picks the diagonal, trace its sum,
diag either that or its adjoint ``scatter_add``, and triu and tril a ``where`` with a constant
mask. Their gradients are those ops' gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_std.rearranging import _axis


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal of the planes axis1, axis2 (offset above it if positive, below if negative)
    as the last axis of the result, the other axes in order, as np.diagonal."""
    a = ng.as_tensor(a)
    if a.ndim < 2:
        raise ValueError(f"diagonal needs an input of at least 2 dimensions, got shape {a.shape}")
    first = _axis(axis1, a.ndim, "diagonal", "axis1")
    second = _axis(axis2, a.ndim, "diagonal", "axis2")
    if first == second:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2}")
    row, col = max(0, -offset), max(0, offset)
    length = max(0, min(a.shape[first] - row, a.shape[second] - col))
    key: list[Any] = [slice(None)] * a.ndim
    key[first], key[second] = np.arange(row, row + length), np.arange(col, col + length)
    picked = a[tuple(key)]
    # NumPy puts the axis of two index arrays where they stand when they are neighbours, and
    # first otherwise; np.diagonal puts it last.
    at = min(first, second) if abs(first - second) == 1 else 0
    if at == picked.ndim - 1:
        return picked
    return ng.ops.transpose(picked, (*(i for i in range(picked.ndim) if i != at), at))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The sum of the diagonal (see diagonal), as np.trace."""
    return diagonal(a, offset, axis1, axis2).sum(axis=-1)


def diag(v: Any, k: int = 0) -> Any:
    """From a 1-D v, the square matrix with v on its k-th diagonal; from a 2-D v, its k-th
    diagonal, as np.diag."""
    v = ng.as_tensor(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag takes a 1-D or 2-D input, got shape {v.shape}")
    n = v.shape[0]
    rows, cols = np.arange(n) + max(0, -k), np.arange(n) + max(0, k)
    return ng.ops.scatter_add(v, key=(rows, cols), shape=(n + abs(k), n + abs(k)))


def _plane(m: Any) -> tuple[int, int]:
    """The shape of the last two axes; a 1-D m of length n is read as n x n, as NumPy does."""
    return (m.shape[-2], m.shape[-1]) if m.ndim > 1 else (m.shape[-1], m.shape[-1])


def tril(m: Any, k: int = 0) -> Any:
    """m with the elements above its k-th diagonal set to 0 (last two axes), as np.tril."""
    m = ng.as_tensor(m)
    rows, cols = _plane(m)
    below = np.tri(rows, cols, k=k, dtype=bool)
    return ng.ops.where(below, m, np.zeros((), m.dtype))


def triu(m: Any, k: int = 0) -> Any:
    """m with the elements below its k-th diagonal set to 0 (last two axes), as np.triu."""
    m = ng.as_tensor(m)
    rows, cols = _plane(m)
    below = np.tri(rows, cols, k=k - 1, dtype=bool)
    return ng.ops.where(below, np.zeros((), m.dtype), m)


def register_ops(register: RegisterOp) -> None:
    for name, function, cases in (
        ("diagonal", diagonal, _diagonal_cases),
        ("trace", trace, _diagonal_cases),
        ("diag", diag, _diag_cases),
        ("tril", tril, _triangle_cases),
        ("triu", triu, _triangle_cases),
    ):
        register(name, function, None, composite=True, domain=domain.custom(cases), method=True)


def _diagonal_cases(arrays: Any) -> Any:
    """2 or 3 dimensions, two different axes (negative too), an offset that may leave the
    diagonal short or empty."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, max_side=4))
        ndim = len(shape)
        first, second = draw(st.permutations(range(ndim)))[:2]
        axes = (first - ndim * draw(st.integers(0, 1)), second)
        return Case((draw(arrays(shape)), draw(st.integers(-3, 3)), *axes))

    return case()


def _diag_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    shapes = hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)
    return st.tuples(shapes.flatmap(arrays), st.integers(-2, 2)).map(lambda d: Case(d))


def _triangle_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    shapes = hnp.array_shapes(min_dims=2, max_dims=3, max_side=4)
    return st.tuples(shapes.flatmap(arrays), st.integers(-2, 2)).map(lambda d: Case(d))
