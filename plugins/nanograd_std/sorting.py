"""Sorting and searching: sort and partition, which are differentiable, and argsort, argmax and
argmin, whose integer results stay outside the graph.

sort and partition put each element somewhere else; their gradient puts ``g`` back where each
element came from, an index with the inverse permutation (``getitem``, whose own gradient is
``scatter_add``, so second order works). The permutation is read from the input's values: it is
constant wherever the elements are distinct, and ties are the kinks.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_std.cases import along_axis

Selection = Literal["introselect"]  # the one selection algorithm np.partition has

_TIES = (
    "where elements tie the order among them is arbitrary: each tied element gets the gradient "
    "of one of the tied places"
)


def along(indices: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The index that picks ``indices`` along ``axis`` and keeps every other axis in place:
    ``x[along(i, axis)]`` is ``np.take_along_axis(x, i, axis)``."""
    shape = indices.shape
    axis %= len(shape)
    return tuple(
        indices
        if d == axis
        else np.arange(n).reshape([-1 if e == d else 1 for e in range(len(shape))])
        for d, n in enumerate(shape)
    )


def _no_order(op: str, order: Any) -> None:
    if order is not None:
        raise ValueError(f"{op}: order= names fields of a structured array; a tensor has none")


def _flat(a: np.ndarray, axis: int | None) -> tuple[np.ndarray, int]:
    return (a.reshape(-1), -1) if axis is None else (a, axis)


def _sort(a: np.ndarray, axis: int | None = -1, kind: Any = None, order: Any = None) -> np.ndarray:
    _no_order("sort", order)
    return np.sort(a, axis=axis, kind=kind)


def _partition(
    a: np.ndarray,
    kth: Any,
    axis: int | None = -1,
    kind: Selection = "introselect",
    order: Any = None,
) -> np.ndarray:
    # Built from argpartition, the permutation the gradient reads back, so the two agree even
    # in the order of the elements on either side of kth, which NumPy leaves unspecified.
    _no_order("partition", order)
    data, ax = _flat(a, axis)
    return np.take_along_axis(data, np.argpartition(data, kth, axis=ax, kind=kind), axis=ax)


def _put_back(g: Any, a: Any, permutation: np.ndarray, axis: int | None) -> Any:
    """``g`` of a result ``out = take_along_axis(a, permutation, axis)`` sent back to ``a``."""
    ax = -1 if axis is None else axis
    inverse = np.argsort(permutation, axis=ax, kind="stable")
    back = g[along(inverse, ax)]
    return back.reshape(a.shape) if axis is None else back


@ng.callback  # the order of each call's values, in a compiled program's backward too
def _sort_order(a: Any, axis: int | None) -> np.ndarray:
    data, ax = _flat(a.data, axis)
    return np.argsort(data, axis=ax, kind="stable")


def _sort_grad(
    g: Any, out: Any, a: Any, axis: int | None = -1, kind: Any = None, order: Any = None
) -> Any:
    return _put_back(g, a, _sort_order(a, axis), axis)


@ng.callback
def _partition_order(a: Any, kth: Any, axis: int | None, kind: Selection) -> np.ndarray:
    data, ax = _flat(a.data, axis)
    return np.argpartition(data, kth, axis=ax, kind=kind)


def _partition_grad(
    g: Any, out: Any, a: Any, kth: Any, axis: int | None = -1, kind: Selection = "introselect",
    order: Any = None,
) -> Any:  # fmt: skip
    return _put_back(g, a, _partition_order(a, kth, axis, kind), axis)


def _argsort(a: np.ndarray, axis: int | None = -1, kind: Any = None, order: Any = None) -> Any:
    _no_order("argsort", order)
    return np.argsort(a, axis=axis, kind=kind)


def _argmax(a: np.ndarray, axis: int | None = None, keepdims: bool = False) -> Any:
    return np.argmax(a, axis=axis, keepdims=keepdims)


def _argmin(a: np.ndarray, axis: int | None = None, keepdims: bool = False) -> Any:
    return np.argmin(a, axis=axis, keepdims=keepdims)


def register_ops(register: RegisterOp) -> None:
    register(
        "sort",
        _sort,
        _sort_grad,
        domain=domain.custom(_sort_cases),
        kink=_TIES,
        doc="The elements sorted along axis (None: flattened), as np.sort, returning a new "
        "tensor (ndarray.sort sorts in place, so there is no Tensor method).",
    )
    register(
        "partition",
        _partition,
        _partition_grad,
        domain=domain.custom(_partition_cases),
        kink=_TIES,
        doc="The elements rearranged along axis so that the k-th is where a sort would put it, "
        "smaller ones before and larger after (kth an int or a sequence), as np.partition.",
    )
    for name, forward, doc in (
        ("argsort", _argsort, "The indices that sort along axis (None: flattened), np.argsort."),
        ("argmax", _argmax, "The index of the largest element over axis (None: flattened)."),
        ("argmin", _argmin, "The index of the smallest element over axis (None: flattened)."),
    ):
        register(
            name,
            forward,
            None,
            differentiable=False,
            inputs=1,
            method=True,
            doc=doc + " Integers, outside the graph.",
        )


def _sort_cases(arrays: Any) -> Any:
    from nanograd.domain import Case

    return along_axis(arrays, distinct=True).map(lambda xa: Case((xa[0],), {"axis": xa[1]}))


def _partition_cases(arrays: Any) -> Any:
    """Distinct elements, an axis, and kth one index or several (negative too) along it."""
    from hypothesis import strategies as st

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        x, axis = draw(along_axis(arrays, distinct=True))
        n = x.size if axis is None else x.shape[axis]
        index = st.integers(-n, n - 1)
        kth = draw(st.one_of(index, st.lists(index, min_size=1, max_size=3)))
        return Case((x, kth), {"axis": axis})

    return case()
