"""2-D max pooling.

The gradient goes to each window's largest element: ``scatter_add`` of the upstream gradient
at the argmax positions. ``scatter_add`` (from nanograd_std) has ``getitem`` as its gradient, so
the pair is differentiable again. Where two elements of a window tie, the first in row-major
order takes the gradient, as in PyTorch; ties are the kinks of max pooling, so the property
suite draws inputs whose elements are all distinct.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_conv.geometry import Pair, check_geometry, check_nchw, pad, pair, windows


def _settings(kernel_size: Any, stride: Any, padding: Any) -> tuple[Pair, Pair, Pair]:
    k = pair(kernel_size, "kernel_size")
    s = k if stride is None else pair(stride, "stride")
    p = pair(padding, "padding")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"padding {p} must be at most half the kernel size {k}, so no window is all padding"
        )
    return k, s, p


def _pooled_windows(x: np.ndarray, kernel_size: Any, stride: Any, padding: Any) -> Any:
    check_nchw(x, "x")
    k, s, p = _settings(kernel_size, stride, padding)
    check_geometry((x.shape[2], x.shape[3]), k, s, p)
    return windows(pad(x, p, -np.inf), k, s), k, s, p


def _max_pool2d(
    x: np.ndarray, kernel_size: Any = 2, stride: Any = None, padding: Any = 0
) -> np.ndarray:
    view, *_ = _pooled_windows(x, kernel_size, stride, padding)
    return np.ascontiguousarray(view.max(axis=(4, 5)))


def argmax_key(
    x: np.ndarray, kernel_size: Any = 2, stride: Any = None, padding: Any = 0
) -> tuple[np.ndarray, ...]:
    """Where each window's maximum sits in ``x``: an index (n, c, row, column), each of the
    output's shape (N, C, H', W'), for ``x[key]`` and ``scatter_add``."""
    view, k, s, p = _pooled_windows(x, kernel_size, stride, padding)
    n, c, ho, wo = view.shape[:4]
    flat = view.reshape(n, c, ho, wo, k[0] * k[1]).argmax(axis=-1)
    di, dj = np.divmod(flat, k[1])
    rows = np.arange(ho).reshape(1, 1, ho, 1) * s[0] + di - p[0]
    cols = np.arange(wo).reshape(1, 1, 1, wo) * s[1] + dj - p[1]
    shape = (n, c, ho, wo)
    return (
        np.broadcast_to(np.arange(n).reshape(n, 1, 1, 1), shape),
        np.broadcast_to(np.arange(c).reshape(1, c, 1, 1), shape),
        rows,
        cols,
    )


def _max_pool2d_grad(
    g: Any, out: Any, x: Any, kernel_size: Any = 2, stride: Any = None, padding: Any = 0
) -> Any:
    # The argmax is read from x's values: it is piecewise constant in x (zero derivative), so
    # the result stays differentiable in g and correct in x away from ties.
    key = _window_maxima(x, kernel_size, stride, padding)
    return ng.ops.scatter_add(g, key=key, shape=x.shape)


@ng.callback  # read from each call's values, in a compiled program's backward too
def _window_maxima(x: Any, kernel_size: Any, stride: Any, padding: Any) -> tuple[np.ndarray, ...]:
    data = x.data if isinstance(x, ng.Tensor) else np.asarray(x)
    return argmax_key(data, kernel_size, stride, padding)


def register_ops(register: RegisterOp) -> None:
    register(
        "max_pool2d",
        _max_pool2d,
        _max_pool2d_grad,
        domain=domain.custom(_max_pool_cases),
        kink="ties within a window: the first maximum (row-major) receives the gradient",
        doc="max_pool2d(x, kernel_size=2, stride=kernel_size, padding=0): the largest value of "
        "each window of x (N, C, H, W); padding (at most half the kernel) is -inf.",
    )


def _max_pool_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    drawn = st.tuples(
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(2, 6),
        st.integers(2, 6),
        st.sampled_from([2, 3, (2, 3), 1]),
        st.sampled_from([None, 1, 2]),
        st.sampled_from([0, 1]),
    )

    def valid(t: Any) -> bool:
        try:
            k, s, p = _settings(t[4], t[5], t[6])
            check_geometry((t[2], t[3]), k, s, p)
        except ValueError:
            return False
        return True

    def build(t: Any) -> Any:
        n, c, h, w, kernel, stride, padding = t
        params = {"kernel_size": kernel, "stride": stride, "padding": padding}
        return arrays((n, c, h, w), distinct=True).map(lambda x: Case((x,), params))

    return drawn.filter(valid).flatmap(build)
