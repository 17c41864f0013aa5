"""``ng.linalg.norm``: NumPy's vector and matrix norms, with ``ord``, ``axis`` and ``keepdims``.

A vector norm is taken along one axis (or over the flattened input); a matrix norm over two.
Each gradient is the derivative of that norm's formula, written with ops: ``x / norm`` for the
2-norm and Frobenius norm, ``sign(x)`` where the largest (or smallest) element, row or column
sum is, and singular vectors for the spectral and nuclear norms. At a kink (a zero element
under ord <= 1, ties for the largest) the gradient is the one documented in ``kink``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp

_SPECTRAL = {2, -2, "nuc"}


def _norm(x: np.ndarray, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    return np.asarray(np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims))


def _axes(ndim: int, ord: Any, axis: Any) -> tuple[int, ...]:
    """The axes the norm reduces: one for a vector norm, two (rows, columns) for a matrix."""
    if axis is None:
        return tuple(range(ndim)) if ord is None or ndim == 1 else (0, 1)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(int(a) % ndim for a in axes)


def _nonzero(t: Any) -> Any:
    return ng.ops.where(t == 0, 1.0, t)


def _share(hits: Any, axes: tuple[int, ...]) -> Any:
    """1 / (number of hits) where a slice's extreme is hit: ties share the gradient evenly."""
    return hits / hits.sum(axis=axes, keepdims=True)


def _norm_grad(g: Any, out: Any, x: Any, ord: Any = None, axis: Any = None,
               keepdims: bool = False) -> Any:  # fmt: skip
    axes = _axes(x.ndim, ord, axis)
    kept_shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    gk = g if keepdims else g.reshape(kept_shape)
    norm = out if keepdims else out.reshape(kept_shape)
    sign = ng.ops.sign(x)
    if len(axes) == 2 or (axis is None and ord is not None and x.ndim == 2):
        return gk * _matrix_grad(x, ord, axes, norm, sign)
    if ord is None or ord == 2:
        return gk * x / _nonzero(norm)
    if ord == 0:
        return gk * x * 0.0
    if ord == 1:
        return gk * sign
    if ord in (math.inf, -math.inf):
        magnitude = ng.ops.abs(x)
        return gk * sign * _share(ng.ops.equal(magnitude, norm).astype(x.dtype), axes)
    # sum(|x|^p)^(1/p): the gradient is sign(x) (|x| / norm)^(p - 1)
    return gk * sign * (ng.ops.abs(x) / _nonzero(norm)) ** (ord - 1)


def _matrix_grad(x: Any, ord: Any, axes: tuple[int, ...], norm: Any, sign: Any) -> Any:
    rows, cols = axes
    if ord in (None, "fro"):
        return x / _nonzero(norm)
    if ord in _SPECTRAL:
        moved = ng.ops.moveaxis(x, (rows, cols), (-2, -1))
        u, _, vh = ng.ops.linalg_svd(moved, full_matrices=False)
        if ord == "nuc":
            grad = u @ vh
        else:  # the singular pair of the largest (2) or smallest (-2) singular value
            i = 0 if ord == 2 else u.shape[-1] - 1
            grad = u[..., i : i + 1] @ vh[..., i : i + 1, :]
        return ng.ops.moveaxis(grad, (-2, -1), (rows, cols))
    # 1 and -1: the largest or smallest column sum of |x|; inf and -inf: row sums
    summed = rows if ord in (1, -1) else cols
    sums = ng.ops.abs(x).sum(axis=summed, keepdims=True)
    return sign * _share(ng.ops.equal(sums, norm).astype(x.dtype), axes)


def register_ops(register: RegisterOp) -> None:
    register(
        "linalg_norm",
        _norm,
        _norm_grad,
        domain=domain.custom(_norm_cases),
        kink="at a zero vector the 2-norm's gradient is 0; where |x| ties for the largest "
        "(inf) or smallest (-inf), or row or column sums tie, the ties share it evenly; at a "
        "zero element, ord=1 and the matrix 1/inf norms give 0 (sign(0)); ord=0 (the count "
        "of nonzero elements) is constant, gradient 0",
        doc="Vector and matrix norms as np.linalg.norm: ord None (2-norm, Frobenius for "
        "matrices), inf, -inf, 0, 1, 2 or any p for a vector along one axis; 'fro', 'nuc', "
        "1, -1, 2, -2, inf, -inf for a matrix over two axes. axis=None: the flattened input's "
        "2-norm, or, with ord, a 1-D vector's or 2-D matrix's norm.",
    )


# -- where the property suite draws from ----------------------------------------------------------

_VECTOR_ORDS: list[Any] = [None, 2, 1, math.inf, -math.inf, 0, 3, 0.5, -1]
_MATRIX_ORDS: list[Any] = [None, "fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]


def _norm_cases(arrays: Any) -> Any:
    """Every ord, with inputs kept away from its kinks: elements at least 0.2 from 0 with
    magnitudes apart (ties of inf/-inf); row or column sums apart (the 1 and inf norms);
    singular values apart (2, -2, nuc)."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case
    from nanograd.testing import axes, keepdims, shapes
    from nanograd_std.matrix_cases import conditioned

    @st.composite
    def vector(draw: Any) -> Any:
        shape = draw(shapes(min_dims=1, max_side=3))
        ord = draw(st.sampled_from(_VECTOR_ORDS))
        axis = draw(axes(len(shape), tuples=False))
        x = draw(_signed(arrays, shape))
        if axis is None and ord is not None:  # an ord over all axes takes a 1-D vector
            x = x.reshape(-1)
        return Case((x,), {"ord": ord, "axis": axis, "keepdims": draw(keepdims())})

    @st.composite
    def matrix(draw: Any) -> Any:
        ord = draw(st.sampled_from(_MATRIX_ORDS))
        rows, cols = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        batch = draw(hnp.array_shapes(min_dims=0, max_dims=1, max_side=2))
        if ord in _SPECTRAL:
            m = draw(conditioned(arrays, rows, cols, batch))
        else:
            m = draw(_banded(arrays, (*batch, rows, cols), summed=-2 if ord in (1, -1) else -1))
        ndim = m.ndim
        if not batch and draw(st.booleans()):
            axis: Any = None
        else:
            order = draw(st.permutations(range(ndim)))
            m = np.transpose(m, np.argsort(order))  # rows and columns land on axes order[-2:]
            axis = (order[-2] - ndim * draw(st.integers(0, 1)), order[-1])
        return Case((m,), {"ord": ord, "axis": axis, "keepdims": draw(keepdims())})

    @st.composite
    def either(draw: Any) -> Any:
        # A matrix norm's axis is a pair: drawn when the suite asks for a tuple of axes.
        return draw(matrix() if isinstance(draw(axes(3)), tuple) else vector())

    return either()


def _signed(arrays: Any, shape: tuple[int, ...]) -> Any:
    """Elements with magnitudes in [0.2, 3], 0.05 apart, and random signs."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    magnitudes = arrays(shape, 0.2, 3.0, distinct=True, margin=0.05)
    signs = hnp.arrays(bool, shape)
    return st.tuples(magnitudes, signs).map(lambda d: np.where(d[1], -d[0], d[0]))


def _banded(arrays: Any, shape: tuple[int, ...], summed: int) -> Any:
    """Elements whose sums along ``summed`` differ by at least 0.2 (each line of the other
    axis in its own band of magnitudes), with random signs and the bands in random order."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    lines = shape[-1] if summed == -2 else shape[-2]
    order = st.permutations(range(lines))
    jitter = arrays(shape, 0.2, 0.4)
    signs = hnp.arrays(bool, shape)

    def build(drawn: tuple[Any, np.ndarray, np.ndarray]) -> np.ndarray:
        ranks, noise, negative = drawn
        band = np.asarray(ranks, dtype=float) * 0.5  # a line's elements all lie in its band
        band = band[None, :] if summed == -2 else band[:, None]
        magnitude = band + noise  # each line's sum: n elements in a band 0.5 above the last
        return np.where(negative, -magnitude, magnitude)

    return st.tuples(order, jitter, signs).map(build)
