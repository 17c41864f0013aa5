"""Reductions over ``axis`` (int, tuple or None) with ``keepdims``, as NumPy spells them:
sum, mean, max, min, var, std and logsumexp.

Each vjp first gives the upstream gradient the kept shape (reduced axes of length 1), so it
broadcasts against the input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp


def _kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """The shape a reduction has with ``keepdims=True``: reduced axes become length 1."""
    if axis is None:
        return (1,) * len(shape)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)  # int or NumPy integer
    ndim = len(shape)
    reduced = {a % ndim for a in axes} if ndim else set()
    return tuple(1 if i in reduced else n for i, n in enumerate(shape))


def _kept(t: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """``t``, a reduction's output or its gradient, reshaped to broadcast against ``x``."""
    if keepdims or axis is None:  # already broadcastable: kept axes, or a 0-d result
        return t
    return t.reshape(_kept_shape(x.shape, axis))


def expand_to_input(g: Any, x: Any, axis: Any, keepdims: bool = False) -> Any:
    """Broadcast a reduction's upstream gradient back over the reduced axes of ``x``."""
    return ng.ops.broadcast_to(_kept(g, x, axis, keepdims), x.shape)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements each output element of a reduction over ``axis`` summarises."""
    return math.prod(shape) // max(math.prod(_kept_shape(shape, axis)), 1) if shape else 1


# -- sum, mean ------------------------------------------------------------------------------------


def _sum(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return expand_to_input(g, x, axis, keepdims)


def _mean(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return expand_to_input(g, x, axis, keepdims) / _count(x.shape, axis)


# -- max, min -------------------------------------------------------------------------------------


def _max(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.min(x, axis=axis, keepdims=keepdims)


def _extreme_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The gradient of max or min: ``g`` shared evenly by the elements equal to the result."""
    hits = ng.ops.equal(x, _kept(out, x, axis, keepdims)).astype(g.dtype)
    return _kept(g, x, axis, keepdims) * hits / hits.sum(axis=axis, keepdims=True)


_TIES = (
    "ties share the gradient evenly (as PyTorch's amax/amin and max() without a dim; "
    "max(dim) picks one index instead)"
)


# -- var, std -------------------------------------------------------------------------------------


def _var(x: np.ndarray, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> np.ndarray:
    return np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)


def _std(x: np.ndarray, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> np.ndarray:
    return np.std(x, axis=axis, ddof=ddof, keepdims=keepdims)


def _divisor(x: Any, axis: Any, ddof: int) -> float:
    """NumPy's divisor of var and std, N - ddof; NaN where it leaves nothing to divide by."""
    n = _count(x.shape, axis) - ddof
    return n if n > 0 else math.nan


def _var_grad(
    g: Any, out: Any, x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False
) -> Any:
    centred = x - x.mean(axis=axis, keepdims=True)
    return _kept(g, x, axis, keepdims) * centred * (2 / _divisor(x, axis, ddof))


def _std_grad(
    g: Any, out: Any, x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False
) -> Any:
    centred = x - x.mean(axis=axis, keepdims=True)
    std = _kept(out, x, axis, keepdims)
    # Where std is 0 every centred value is 0 too: give 0 rather than 0 / 0.
    std = ng.ops.where(std == 0, 1, std)
    return _kept(g, x, axis, keepdims) * centred / (std * _divisor(x, axis, ddof))


# -- logsumexp ------------------------------------------------------------------------------------


def _logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)  # a slice of all -inf gives -inf, not nan
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return _kept(g, x, axis, keepdims) * ng.ops.exp(x - _kept(out, x, axis, keepdims))


def register_ops(register: RegisterOp) -> None:
    register(
        "sum",
        _sum,
        _sum_grad,
        domain=domain.reduction(),
        method=True,
        doc="The sum over axis (int, tuple or None for all), keepdims as NumPy.",
    )
    register(
        "mean",
        _mean,
        _mean_grad,
        domain=domain.reduction(),
        method=True,
        doc="The arithmetic mean over axis, keepdims as NumPy.",
    )
    register(
        "max",
        _max,
        _extreme_grad,
        domain=domain.reduction(distinct=True),
        method=True,
        kink="at ties " + _TIES,
        doc="The largest value over axis (values, as np.max; not indices).",
    )
    register(
        "min",
        _min,
        _extreme_grad,
        domain=domain.reduction(distinct=True),
        method=True,
        kink="at ties " + _TIES,
        doc="The smallest value over axis (values, as np.min; not indices).",
    )
    register(
        "var",
        _var,
        _var_grad,
        domain=domain.custom(_spread_cases),
        method=True,
        doc="The variance over axis, sum((x - mean)**2) / (N - ddof); ddof=0 as NumPy.",
    )
    register(
        "std",
        _std,
        _std_grad,
        domain=domain.custom(_spread_cases),
        method=True,
        kink="where std is 0 (all elements equal) the gradient is 0, as PyTorch",
        doc="The standard deviation over axis, sqrt(var(x, axis, ddof)); ddof=0 as NumPy.",
    )
    register(
        "logsumexp",
        _logsumexp,
        _logsumexp_grad,
        domain=domain.reduction(),
        method=True,
        doc="log(sum(exp(x))) over axis, shifted by the max: finite for logits of any size.",
    )


def _spread_cases(arrays: Any) -> Any:
    """Inputs for var and std: an axis, keepdims and ddof, with elements kept apart.

    std has a kink where all reduced elements are equal, and Hypothesis shrinks towards equal
    values, so each element is put in its own band: rank r lies in [r / 2, r / 2 + 1 / 4).
    """
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    def case(shape: tuple[int, ...]) -> Any:
        ndim = len(shape)
        axes = st.none()
        if ndim:
            axes = st.one_of(
                axes, st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim, min_size=1)
            )
        size = math.prod(shape)
        ranks = st.permutations(range(size)).map(lambda r: np.reshape(r, shape) / 2 - size / 4)
        drawn = st.tuples(
            arrays(shape, 0.0, 0.25), ranks, axes, st.booleans(), st.sampled_from((0, 1))
        )
        return drawn.map(lambda c: _spread_case(Case, shape, c))

    return hnp.array_shapes(min_dims=0, max_dims=3, max_side=4).flatmap(case)


def _spread_case(case: Any, shape: tuple[int, ...], drawn: tuple[Any, ...]) -> Any:
    jitter, ranks, axis, keepdims, ddof = drawn
    if _count(shape, axis) <= ddof:  # ddof=1 needs two elements
        ddof = 0
    return case((jitter + ranks,), {"axis": axis, "keepdims": keepdims, "ddof": ddof})
