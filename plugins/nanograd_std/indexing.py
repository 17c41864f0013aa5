"""Indexing: ``getitem`` (``x[key]``) and its adjoint ``scatter_add``.

The gradient of ``x[key]`` puts ``g`` back where the elements came from; an index that appears
twice (``x[[0, 0]]``) must receive the sum of both gradients. ``scatter_add`` does exactly that,
and its own gradient is ``getitem`` again, so the pair is differentiable to any order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp


def _index_part(part: Any) -> Any:
    if isinstance(part, ng.Tensor):
        return part.data
    if isinstance(part, list):  # NumPy reads a list as an index array
        return np.asarray([p.data if isinstance(p, ng.Tensor) else p for p in part])
    return part


def _index(key: Any) -> Any:
    """``key`` with tensors and lists replaced by the arrays NumPy indexes with."""
    if type(key) is int or type(key) is slice:
        return key
    if type(key) is tuple:
        return tuple(_index_part(part) for part in key)
    return _index_part(key)


def _may_repeat(key: Any) -> bool:
    """True when ``key`` holds an integer array, the only index that can name an element twice."""
    parts = key if type(key) is tuple else (key,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" and p.ndim for p in parts)


def _getitem(x: np.ndarray, key: Any) -> np.ndarray:
    return x[_index(key)]


def _scatter_add(values: np.ndarray, key: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=values.dtype)
    key = _index(key)
    if _may_repeat(key):
        np.add.at(out, key, values)
    else:  # each element is named at most once: assignment is the sum, and much faster
        out[key] = values
    return out


def register_ops(register: RegisterOp) -> None:
    register(
        "getitem",
        _getitem,
        lambda g, out, x, key: ng.ops.scatter_add(g, key=key, shape=x.shape),
        domain=domain.custom(_getitem_cases),
        doc="x[key] with NumPy's indexing: ints, slices, None, Ellipsis, integer arrays and "
        "boolean masks (tensors included). Repeated indices accumulate their gradients.",
    )
    register(
        "scatter_add",
        _scatter_add,
        lambda g, out, values, key, shape: ng.ops.getitem(g, key),
        domain=domain.custom(_scatter_add_cases),
        doc="zeros(shape) with values added at key; an index named twice receives both. "
        "The adjoint of getitem: out[key] += values, as np.add.at.",
    )


# -- where the property suite draws from -----------------------------------------------------------


def _keys() -> Any:
    """A strategy of (shape, key) covering each kind of index NumPy accepts."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    fixed = st.sampled_from(
        [
            ((5,), 2),
            ((5,), -1),
            ((5,), slice(1, 4)),
            ((5,), slice(None, None, -2)),
            ((3, 4), (1, slice(None, 3))),
            ((3, 4), (Ellipsis, 2)),
            ((3, 4), (None, slice(1, None), 0)),
            ((5,), np.array([0, 2, 0, 4, 0])),  # repeats must accumulate
            ((3, 4), np.array([[2, 0], [2, 2]])),
            ((3, 4), (np.array([0, 2, 2]), np.array([1, 1, 3]))),
            ((3, 4, 2), (slice(None), np.array([3, 3, 0]), 1)),
            ((3, 4, 2), (np.array([1, 1]), slice(None), np.array([0, 0]))),
            ((2, 3), np.array([[True, False, True], [False, False, True]])),
            ((2, 3), (slice(None), np.array([False, True, True]))),
        ]
    )

    def integer_index(shape: tuple[int, ...]) -> Any:
        return hnp.arrays(np.intp, st.integers(1, 6), elements=st.integers(0, shape[0] - 1))

    drawn_int = hnp.array_shapes(min_dims=1, max_dims=2, max_side=4).flatmap(
        lambda s: integer_index(s).map(lambda idx: (s, idx))
    )
    drawn_mask = hnp.array_shapes(min_dims=1, max_dims=2, max_side=4).flatmap(
        lambda s: hnp.arrays(np.bool_, s[: len(s) - (len(s) > 1)]).map(lambda m: (s, m))
    )
    return st.one_of(fixed, drawn_int, drawn_mask)


def _getitem_cases(arrays: Any) -> Any:
    from nanograd.domain import Case

    return _keys().flatmap(lambda sk: arrays(sk[0]).map(lambda x: Case((x,), {"key": sk[1]})))


def _scatter_add_cases(arrays: Any) -> Any:
    from nanograd.domain import Case

    def case(shape: tuple[int, ...], key: Any) -> Any:
        picked = np.zeros(shape)[key].shape
        return arrays(picked).map(lambda v: Case((v,), {"key": key, "shape": shape}))

    return _keys().flatmap(lambda sk: case(*sk))
