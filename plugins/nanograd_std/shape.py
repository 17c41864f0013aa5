"""Ops that move elements without changing them: reshape, transpose, broadcast and friends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain

Register = Callable[..., Any]


def _inverse_axes(axes: Any, ndim: int) -> Any:
    if axes is None:
        return None
    return tuple(np.argsort([a % ndim for a in axes]))


def _astype(x: np.ndarray, dtype: Any) -> np.ndarray:
    return x.astype(dtype)


def _expand_dims(x: np.ndarray, axis: Any) -> np.ndarray:
    return np.expand_dims(x, axis)


def register_ops(register: Register) -> None:
    register("reshape", np.reshape, lambda g, out, x, shape: g.reshape(x.shape),
             domain=domain.custom(_reshape_cases))
    register("transpose", np.transpose,
             lambda g, out, x, axes=None: ng.ops.transpose(g, _inverse_axes(axes, x.ndim)),
             domain=domain.custom(_transpose_cases))
    register("broadcast_to", np.broadcast_to, lambda g, out, x, shape: g,
             domain=domain.custom(_broadcast_cases))
    register("expand_dims", _expand_dims, lambda g, out, x, axis: g.reshape(x.shape),
             domain=domain.custom(_expand_dims_cases))
    register("astype", _astype, lambda g, out, x, dtype: g.astype(x.dtype),
             domain=domain.elementwise(dtype=np.float64))


def _reshape_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    return st.sampled_from([((2, 3), (3, 2)), ((4,), (2, 2)), ((2, 3, 2), (6, -1)), ((), (1,))]) \
        .flatmap(lambda s: arrays(s[0]).map(lambda x: Case((x,), {"shape": s[1]})))


def _transpose_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    return st.sampled_from([((2, 3), None), ((2, 3, 4), (1, 2, 0)), ((2, 3, 4), (2, 0, 1))]) \
        .flatmap(lambda s: arrays(s[0]).map(lambda x: Case((x,), {"axes": s[1]})))


def _broadcast_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    return st.sampled_from([((3,), (2, 3)), ((2, 1), (2, 4)), ((1, 3), (2, 2, 3)), ((), (3,))]) \
        .flatmap(lambda s: arrays(s[0]).map(lambda x: Case((x,), {"shape": s[1]})))


def _expand_dims_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    return st.sampled_from([((3,), 0), ((2, 3), -1), ((2, 3), 1)]) \
        .flatmap(lambda s: arrays(s[0]).map(lambda x: Case((x,), {"axis": s[1]})))
