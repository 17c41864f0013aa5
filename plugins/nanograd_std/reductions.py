"""Reductions over ``axis`` (int, tuple or None) with ``keepdims``, as NumPy spells them:
sum, mean, prod, max, min, ptp, var, std, logsumexp, and the weighted average.

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
from nanograd_std.scalars import as_tensors


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
    return x.sum(axis=axis, keepdims=keepdims)  # the method: np.sum's Python wrapper costs more


def _sum_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return expand_to_input(g, x, axis, keepdims)


def _mean(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return x.mean(axis=axis, keepdims=keepdims)


def _mean_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return expand_to_input(g, x, axis, keepdims) / _count(x.shape, axis)


# -- prod -----------------------------------------------------------------------------------------


def _prod(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.prod(x, axis=axis, keepdims=keepdims)


def divides_safely(x: Any) -> bool:
    """Whether a product's gradient may divide by x: no element is 0 or nearly so.

    ``out / x_i`` is the product of the other elements, exactly as a function, wherever no
    element is 0; but its own derivative cancels two terms of size ``out / x_i**2``, so at
    second order an element tiny beside the others (1e-90 beside 1) leaves only rounding.
    """
    magnitude = np.abs(x.data)
    return bool(np.all(magnitude > 1e-8 * max(1.0, float(magnitude.max(initial=0.0)))))


def _prod_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """d prod / d x_i is the product of the other elements: ``out / x_i`` when that is safe,
    and otherwise that product formed directly, which is exact for one zero or several."""
    if divides_safely(x):
        return _kept(g, x, axis, keepdims) * _kept(out, x, axis, keepdims) / x
    return _kept(g, x, axis, keepdims) * _product_of_others(x, axis)


def _product_of_others(x: Any, axis: Any) -> Any:
    """For each element, the product of the other elements of its slice along ``axis``.

    The reduced axes are moved last and flattened to n; each element's row of n factors has a 1
    in its own place, and the row's product is taken: n * x.size work, with no division, so
    zeros need no special case and the result is differentiable again.
    """
    ndim = x.ndim
    reduced = _reduced_axes(ndim, axis)
    kept = [i for i in range(ndim) if i not in reduced]
    order = (*kept, *reduced)
    kept_shape = tuple(x.shape[i] for i in kept)
    n = math.prod(x.shape[i] for i in reduced)
    rows = x.transpose(order).reshape((*kept_shape, 1, n))
    others = ng.ops.where(np.eye(n, dtype=bool), 1.0, rows).prod(axis=-1)
    others = others.reshape((*kept_shape, *(x.shape[i] for i in reduced)))
    return others.transpose(tuple(int(i) for i in np.argsort(order)))


def _reduced_axes(ndim: int, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted({int(a) % ndim for a in axes})) if ndim else ()


def _prod_cases(arrays: Any) -> Any:
    """Any axis and keepdims, with one element, several or none set to exactly 0."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case
    from nanograd.testing import reduction_params, shapes

    def case(shape: tuple[int, ...]) -> Any:
        return st.tuples(
            arrays(shape, -2.0, 2.0), hnp.arrays(bool, shape), reduction_params(len(shape))
        ).map(lambda d: Case((np.where(d[1], 0.0, d[0]),), d[2]))

    return shapes().flatmap(case)


# -- max, min -------------------------------------------------------------------------------------


def _max(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return x.max(axis=axis, keepdims=keepdims)


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


def ptp(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The range max - min over axis ("peak to peak"), as np.ptp."""
    return ng.ops.max(a, axis=axis, keepdims=keepdims) - ng.ops.min(a, axis=axis, keepdims=keepdims)


# -- average --------------------------------------------------------------------------------------


def average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: bool = False
) -> Any:
    """The weighted mean ``sum(a * weights) / sum(weights)`` over axis, as np.average.

    ``weights`` has a's shape, or is 1-D along an int ``axis``; it may be a tensor that requires
    grad. With ``returned=True`` the sum of the weights comes back too, broadcast to the
    average's shape.
    """
    a, w = as_tensors(a, weights) if weights is not None else (ng.as_tensor(a), None)
    if w is None:
        avg = ng.ops.mean(a, axis=axis, keepdims=keepdims)
        total: Any = ng.tensor(np.full(avg.shape, a.size / max(avg.size, 1), dtype=avg.dtype))
    else:
        if w.shape != a.shape:
            w = _weights_along(a, w, axis)
        total = ng.ops.sum(w, axis=axis, keepdims=keepdims)
        if np.any(total.data == 0):
            raise ZeroDivisionError(f"average: the weights sum to zero along axis={axis!r}")
        avg = ng.ops.sum(a * w, axis=axis, keepdims=keepdims) / total
    if not returned:
        return avg
    return avg, total if total.shape == avg.shape else ng.ops.broadcast_to(total, avg.shape)


def _weights_along(a: Any, w: Any, axis: Any) -> Any:
    """1-D weights laid along ``axis`` of ``a``, with NumPy's errors for anything else."""
    if axis is None:
        raise TypeError(
            f"average: weights of shape {w.shape} differ from a's shape {a.shape}, so an int "
            "axis must say which axis of a they weigh"
        )
    if w.ndim != 1 or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"average: weights of shape {w.shape} differ from a's shape {a.shape}; they must "
            "have a's shape, or be 1-D along one int axis"
        )
    if not -a.ndim <= axis < a.ndim or w.shape[0] != a.shape[axis]:
        raise ValueError(
            f"average: {w.shape[0]} weights do not fit axis {axis} of a's shape {a.shape}"
        )
    shape = [1] * a.ndim
    shape[axis] = w.shape[0]
    return w.reshape(shape)


def _average_cases(arrays: Any) -> Any:
    """Without weights, with weights of a's shape, and with 1-D weights along an int axis;
    weights in [0.5, 2] so they never sum to zero."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd.testing import axes, keepdims, shapes

    @st.composite
    def case(draw: Any) -> Any:
        shape = draw(shapes())
        a = draw(arrays(shape))
        params = {"returned": draw(st.booleans()), "keepdims": draw(keepdims())}
        axis = draw(axes(len(shape)))
        kind = draw(st.sampled_from(["none", "full", "along"] if shape else ["none", "full"]))
        if kind == "along" and not isinstance(axis, int):  # 1-D weights need one int axis
            kind = "full"
        if kind == "none":
            return Case((a, axis), params)
        if kind == "full":
            return Case((a, axis, draw(arrays(shape, 0.5, 2.0))), params)
        return Case((a, axis, draw(arrays((shape[axis],), 0.5, 2.0))), params)

    return case()


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
        "prod",
        _prod,
        _prod_grad,
        domain=domain.custom(_prod_cases),
        method=True,
        doc="The product over axis, keepdims as NumPy. Its gradient, the product of the other "
        "elements, is exact where one element or several are 0.",
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
        "ptp",
        ptp,
        None,
        composite=True,
        domain=domain.reduction(distinct=True),
        kink="at ties of the max or the min " + _TIES,
        doc="The range max - min over axis, keepdims as NumPy (np.ptp).",
    )
    register(
        "average",
        average,
        None,
        composite=True,
        domain=domain.custom(_average_cases),
        doc="The weighted mean sum(a * weights) / sum(weights) over axis (np.average); weights "
        "of a's shape or 1-D along an int axis, differentiable too. returned=True also gives "
        "the sum of the weights.",
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

    from nanograd.domain import Case
    from nanograd.testing import axes, keepdims, shapes

    def case(shape: tuple[int, ...]) -> Any:
        size = math.prod(shape)
        ranks = st.permutations(range(size)).map(lambda r: np.reshape(r, shape) / 2 - size / 4)
        drawn = st.tuples(
            arrays(shape, 0.0, 0.25),
            ranks,
            axes(len(shape), empty=False),
            keepdims(),
            st.sampled_from((0, 1)),
        )
        return drawn.map(lambda c: _spread_case(Case, shape, c))

    return shapes().flatmap(case)


def _spread_case(case: Any, shape: tuple[int, ...], drawn: tuple[Any, ...]) -> Any:
    jitter, ranks, axis, keepdims, ddof = drawn
    if _count(shape, axis) <= ddof:  # ddof=1 needs two elements
        ddof = 0
    return case((jitter + ranks,), {"axis": axis, "keepdims": keepdims, "ddof": ddof})
