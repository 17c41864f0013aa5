"""NumPy's products: matmul, whose gradient is matmuls again; linear, the affine map of a layer;
and dot, vdot, inner, outer, tensordot, kron and cross.

Each of the latter is a composite. tensordot is NumPy's own recipe, a transpose and reshape of
each operand to a matrix, one ``matmul`` (so BLAS does the work), and a reshape back; dot and
inner are tensordots over the right axes, vdot and outer products of flattened inputs, kron a
broadcast product reshaped, cross three differences of products of components.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_std.rearranging import _axis, moveaxis
from nanograd_std.scalars import as_tensors

ndarray = np.ndarray


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.matmul(a, b)
    except ValueError:
        a_shape, b_shape = np.shape(a), np.shape(b)
        if not a_shape or not b_shape:
            raise ValueError("matmul needs inputs of at least one dimension") from None
        inner = "only" if len(b_shape) == 1 else "second-to-last"
        k = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
        if a_shape[-1] != k:
            raise ValueError(
                f"the last axis of the first input ({a_shape[-1]}) must equal the {inner} axis "
                f"of the second ({k})"
            ) from None
        raise ValueError(
            f"the batch shapes {a_shape[:-2]} and {b_shape[:-2]} do not broadcast together"
        ) from None


def _transposed(x: Any) -> bool:
    """Whether matrix ``x`` is laid out other than row by row, as ``w.T`` is in ``x @ w.T``.

    Its gradient is then computed as the transpose of the product of the transposes, which
    BLAS does at the same cost, so that it is laid out like ``x``: the vjp of ``.T`` turns it
    back into a row-major gradient for ``w``, as written by hand (``g.T @ x``), instead of one
    that a leaf's ``.grad`` or the next elementwise op has to copy across the grain. The
    values are the same either way; only their layout follows ``x``'s.
    """
    return x.ndim == 2 and not x.is_contiguous()


def _matmul_grad_a(g: Any, out: Any, a: Any, b: Any) -> Any:
    if a.ndim == 1 and b.ndim == 1:  # (n,) @ (n,) -> ()
        return g * b
    if b.ndim == 1:  # (..., k, n) @ (n,) -> (..., k): an outer product with b
        return ng.ops.expand_dims(g, -1) * b
    if a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m); the engine sums over the batch
        return (b @ ng.ops.expand_dims(g, -1)).reshape((*b.shape[:-2], b.shape[-2]))
    if _transposed(a):
        return (b @ g.mT).mT
    return g @ b.mT


def _matmul_grad_b(g: Any, out: Any, a: Any, b: Any) -> Any:
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m)
        return ng.ops.expand_dims(a, -1) * ng.ops.expand_dims(g, -2)
    if b.ndim == 1:  # (..., k, n) @ (n,) -> (..., k)
        return (ng.ops.expand_dims(g, -2) @ a).reshape((*a.shape[:-2], a.shape[-1]))
    if _transposed(b):
        return (g.mT @ a).mT
    return a.mT @ g


def _linear(x: np.ndarray, weight: np.ndarray, bias: Any) -> np.ndarray:
    """``x @ weight.T + bias``, PyTorch's F.linear, as one op.

    One node instead of three (transpose, matmul, add) makes a dense layer's forward and
    backward less Python work, and its gradients are the matmuls written by hand. A bias of the
    product's dtype, a layer's, is added into the product's own array: one array less.
    """
    if np.ndim(weight) != 2:
        raise ValueError(
            f"the weight must be a matrix of shape (out_features, in_features); got shape "
            f"{np.shape(weight)}"
        )
    if np.ndim(x) == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"the input's last axis must have length in_features = {weight.shape[1]} (the "
            f"weight's second axis, shape {weight.shape}); got an input of shape {np.shape(x)}"
        )
    out = np.matmul(x, weight.T)
    try:
        if type(bias) is ndarray and bias.dtype == out.dtype:
            return np.add(out, bias, out=out)  # refuses a bias that would enlarge out
        result = out + bias
        if result.shape == out.shape:
            return result
    except ValueError:
        pass
    raise ValueError(
        f"the bias (shape {np.shape(bias)}) must broadcast to the output's shape {out.shape} "
        f"without enlarging it; a layer's bias has shape (out_features,) = ({weight.shape[0]},)"
    )


def _linear_grad_x(g: Any, out: Any, x: Any, weight: Any, bias: Any) -> Any:
    return g @ weight


def _linear_grad_weight(g: Any, out: Any, x: Any, weight: Any, bias: Any) -> Any:
    if g.ndim == 2 and x.ndim == 2:
        return g.mT @ x
    # every leading axis is a batch: flattened into one, the products of all samples add up
    return g.reshape((-1, g.shape[-1])).mT @ x.reshape((-1, x.shape[-1]))


def _linear_grad_bias(g: Any, out: Any, x: Any, weight: Any, bias: Any) -> Any:
    return g  # the engine sums it over the axes the bias was broadcast along


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """The sum of products over axes of a and b: the last N of a with the first N of b for an
    int N, or the pairs listed in ``(axes_a, axes_b)``, as np.tensordot."""
    a, b = as_tensors(a, b)
    if np.ndim(axes) == 0:
        n = int(axes)
        if not 0 <= n <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: cannot sum over {n} axes of shapes {a.shape}, {b.shape}")
        summed_a, summed_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        listed_a, listed_b = ([x] if np.ndim(x) == 0 else list(x) for x in axes)
        if len(listed_a) != len(listed_b):
            raise ValueError(f"tensordot: axes {axes!r} pair unequal numbers of axes")
        summed_a = [_axis(i, a.ndim, "tensordot") for i in listed_a]
        summed_b = [_axis(i, b.ndim, "tensordot") for i in listed_b]
    for i, j in zip(summed_a, summed_b, strict=True):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"tensordot: axis {i} of a (shape {a.shape}) and axis {j} of b (shape "
                f"{b.shape}) differ in length, so they cannot be summed over together"
            )
    free_a = [i for i in range(a.ndim) if i not in summed_a]
    free_b = [i for i in range(b.ndim) if i not in summed_b]
    inner = math.prod(a.shape[i] for i in summed_a)
    left = _permuted(a, free_a + summed_a).reshape((-1, inner))
    right = _permuted(b, summed_b + free_b).reshape((inner, -1))
    shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b)
    return (left @ right).reshape(shape)


def _permuted(x: Any, order: list[int]) -> Any:
    return x if order == sorted(order) else ng.ops.transpose(x, tuple(order))


def dot(a: Any, b: Any) -> Any:
    """np.dot: the product of scalars, the inner product of vectors, the matrix product, and for
    N-D inputs the sum over a's last axis and b's second-to-last (b's only one if 1-D)."""
    a, b = as_tensors(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [0 if b.ndim == 1 else -2]))


def vdot(a: Any, b: Any) -> Any:
    """The dot product of a and b flattened (they must have as many elements), as np.vdot."""
    a, b = as_tensors(a, b)
    if a.size != b.size:
        raise ValueError(f"vdot: a has {a.size} elements and b {b.size}; they must be as many")
    return a.reshape(-1) @ b.reshape(-1)


def inner(a: Any, b: Any) -> Any:
    """The sum of products over the last axes of a and b (a product for scalars), as np.inner:
    shape a.shape[:-1] + b.shape[:-1]."""
    a, b = as_tensors(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a: Any, b: Any) -> Any:
    """Every product a[i] * b[j] of the flattened inputs, a matrix, as np.outer."""
    a, b = as_tensors(a, b)
    return a.reshape((-1, 1)) * b.reshape((1, -1))


def kron(a: Any, b: Any) -> Any:
    """The Kronecker product, blocks a[i, j] * b, with shapes padded by leading 1s to the same
    length, as np.kron."""
    a, b = as_tensors(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    nd = max(a.ndim, b.ndim)
    shape_a = (1,) * (nd - a.ndim) + a.shape
    shape_b = (1,) * (nd - b.ndim) + b.shape
    # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...), then (a0 * b0, a1 * b1, ...)
    spread_a = a.reshape(tuple(x for n in shape_a for x in (n, 1)))
    spread_b = b.reshape(tuple(x for n in shape_b for x in (1, n)))
    pairs = zip(shape_a, shape_b, strict=True)
    return (spread_a * spread_b).reshape(tuple(m * n for m, n in pairs))


def cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None
) -> Any:
    """The cross product of 3-vectors along axisa of a and axisb of b (axis sets all three),
    broadcasting the rest, as np.cross; the result's vectors lie along axisc. 2-vectors are
    refused, as NumPy 2.5 refuses them after deprecating them in 2.0."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = as_tensors(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("cross: a and b must hold vectors, not scalars")
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ValueError(
            f"cross: vectors must have 3 components, got {a.shape[-1]} (a, shape {a.shape}) "
            f"and {b.shape[-1]} (b, shape {b.shape}) along the vector axes; give a 2-vector "
            "a zero third component (NumPy 2.5 refuses 2-vectors too)"
        )
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    result = ng.ops.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(result, -1, _axis(axisc, result.ndim, "cross", "axisc"))


def register_ops(register: RegisterOp) -> None:
    register(
        "matmul",
        _matmul,
        (_matmul_grad_a, _matmul_grad_b),
        domain=domain.matmul(),
        method=True,
        doc="The matrix product a @ b with NumPy's rules: 1-D operands are vectors, "
        "leading axes are batches that broadcast.",
    )
    register(
        "linear",
        _linear,
        (_linear_grad_x, _linear_grad_weight, _linear_grad_bias),
        domain=domain.custom(_linear_cases),
        doc="x @ weight.T + bias, as PyTorch's F.linear and nn.Linear: x of shape "
        "(..., in_features), weight (out_features, in_features), a bias that broadcasts to "
        "(..., out_features).",
    )
    for name, function, method, cases in (
        ("dot", dot, True, _dot_cases),
        ("vdot", vdot, False, _vdot_cases),
        ("inner", inner, True, _inner_cases),
        ("outer", outer, True, _any_two_cases),
        ("tensordot", tensordot, False, _tensordot_cases),
        ("kron", kron, True, _any_two_cases),
        ("cross", cross, False, _cross_cases),
    ):
        register(name, function, None, composite=True, domain=domain.custom(cases), method=method)


# -- where the property suite draws from ----------------------------------------------------------


def _shapes(min_dims: int = 0) -> Any:
    from hypothesis.extra import numpy as hnp

    return hnp.array_shapes(min_dims=min_dims, max_dims=3, max_side=3)


def _pair(arrays: Any, shapes: Callable[[Any], tuple[Sequence[int], Sequence[int]]]) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        first, second = shapes(draw)
        return Case((draw(arrays(tuple(first))), draw(arrays(tuple(second)))))

    return case()


def _linear_cases(arrays: Any) -> Any:
    """An input of any batch shape, 1-D included; a bias of the layer's shape, of a shape that
    broadcasts to the output, or a number."""
    from hypothesis import strategies as st

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        batch = tuple(draw(_shapes()))[:2]
        out_shape = (*batch, n_out)
        kept = draw(st.integers(0, len(out_shape)))  # the bias: the output's trailing axes
        trailing = out_shape[len(out_shape) - kept :]
        bias_shape = tuple(1 if draw(st.booleans()) else n for n in trailing)
        x, weight = draw(arrays((*batch, n_in))), draw(arrays((n_out, n_in)))
        bias = draw(arrays(bias_shape)) if bias_shape or draw(st.booleans()) else 0.5
        return Case((x, weight, bias))

    return case()


def _dot_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def shapes(draw: Any) -> tuple[Sequence[int], Sequence[int]]:
        a = list(draw(_shapes()))
        b = list(draw(_shapes()))
        if a and b:  # a's last axis meets b's second-to-last, or b's only one
            b[0 if len(b) == 1 else -2] = a[-1] = draw(st.integers(1, 3))
        return a, b

    return _pair(arrays, shapes)


def _vdot_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def shapes(draw: Any) -> tuple[Sequence[int], Sequence[int]]:
        a = draw(_shapes())
        b = draw(st.permutations(a)) if draw(st.booleans()) else (math.prod(a),)
        return a, b

    return _pair(arrays, shapes)


def _inner_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def shapes(draw: Any) -> tuple[Sequence[int], Sequence[int]]:
        a, b = list(draw(_shapes())), list(draw(_shapes()))
        if a and b:
            a[-1] = b[-1] = draw(st.integers(1, 3))
        return a, b

    return _pair(arrays, shapes)


def _any_two_cases(arrays: Any) -> Any:
    return _pair(arrays, lambda draw: (draw(_shapes()), draw(_shapes())))


def _tensordot_cases(arrays: Any) -> Any:
    """An int N, or pairs of axes listed in any order (negative too)."""
    from hypothesis import strategies as st

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        a = list(draw(_shapes()))
        b = list(draw(_shapes()))
        count = draw(st.integers(0, min(len(a), len(b))))
        if draw(st.booleans()):
            b[:count] = a[len(a) - count :]
            axes: Any = count
        else:
            picked_a = draw(st.permutations(range(len(a))))[:count]
            picked_b = draw(st.permutations(range(len(b))))[:count]
            for i, j in zip(picked_a, picked_b, strict=True):
                b[j] = a[i]
            axes = ([i - len(a) * draw(st.integers(0, 1)) for i in picked_a], list(picked_b))
        return Case((draw(arrays(tuple(a))), draw(arrays(tuple(b))), axes))

    return case()


def _cross_cases(arrays: Any) -> Any:
    """3-vectors along any axis of a and b, the other axes broadcasting, the result's vectors
    along any axis; or, with ``axis``, along one axis of a, b and the result alike."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case
    from nanograd.testing import axes, shapes

    @st.composite
    def case(draw: Any) -> Any:
        # The result's dimensions, its vectors' included: as many as the kind of axis the
        # suite asks for needs.
        ndim = len(draw(shapes(min_dims=1, max_side=3)))
        axis = draw(axes(ndim, tuples=False))
        if axis is not None:  # one axis for a, b and the result alike
            batch = draw(
                hnp.mutually_broadcastable_shapes(
                    num_shapes=2, min_dims=ndim - 1, max_dims=ndim - 1, max_side=3
                )
            )
            first, second = (list(s) for s in batch.input_shapes)
            first.insert(axis % ndim, 3)
            second.insert(axis % ndim, 3)
            a, b = draw(arrays(tuple(first))), draw(arrays(tuple(second)))
            return Case((a, b), {"axis": axis})
        batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
        first, second = (list(s) for s in batch.input_shapes)
        axis_a = draw(st.integers(0, len(first)))
        axis_b = draw(st.integers(0, len(second)))
        first.insert(axis_a, 3)
        second.insert(axis_b, 3)
        ndim = len(batch.result_shape) + 1
        axis_c = draw(st.integers(-ndim, ndim - 1))
        a, b = draw(arrays(tuple(first))), draw(arrays(tuple(second)))
        return Case((a, b, axis_a - len(first), axis_b, axis_c))

    return case()
