"""2-D convolution (cross-correlation, as in PyTorch) and the two ops that are its gradients.

``conv2d(x, w)`` slides ``w`` (O, C, kH, kW) over ``x`` (N, C, H, W). Its gradient for ``x``
is ``conv_transpose2d(g, w)`` and for ``w`` is ``conv2d_weight(x, g)``. Each of the three is
linear in each input, and the gradients of each are the other two, so the family is closed and
differentiable to any order. The forwards are NumPy (windows as strided views, one tensordot);
the vector-Jacobian products only call these ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_conv.geometry import check_geometry, check_nchw, pad, pair, windows


def _conv2d(x: np.ndarray, weight: np.ndarray, stride: Any = 1, padding: Any = 0) -> np.ndarray:
    s, p = pair(stride, "stride"), pair(padding, "padding")
    check_nchw(x, "x")
    if np.ndim(weight) != 4:
        raise ValueError(f"weight must have shape (O, C, kH, kW), got shape {np.shape(weight)}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} channels but the weight {weight.shape} (O, C, kH, kW) expects "
            f"{weight.shape[1]}"
        )
    kernel = (weight.shape[2], weight.shape[3])
    check_geometry((x.shape[2], x.shape[3]), kernel, s, p)
    cols = windows(pad(x, p), kernel, s)  # (N, C, H', W', kH, kW)
    out = np.tensordot(cols, weight, axes=([1, 4, 5], [1, 2, 3]))  # (N, H', W', O)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def _conv_transpose2d(
    g: np.ndarray,
    weight: np.ndarray,
    stride: Any = 1,
    padding: Any = 0,
    output_size: Any = None,
) -> np.ndarray:
    s, p = pair(stride, "stride"), pair(padding, "padding")
    check_nchw(g, "input")
    if np.ndim(weight) != 4 or weight.shape[0] != g.shape[1]:
        raise ValueError(
            f"the weight {np.shape(weight)} (O, C, kH, kW) needs O = the input's "
            f"{g.shape[1]} channels"
        )
    kernel = (weight.shape[2], weight.shape[3])
    n, _, ho, wo = g.shape
    if output_size is None:  # the smallest input conv2d maps to g's size
        output_size = (
            (ho - 1) * s[0] - 2 * p[0] + kernel[0],
            (wo - 1) * s[1] - 2 * p[1] + kernel[1],
        )
    size = pair(tuple(output_size), "output_size")
    if check_geometry(size, kernel, s, p) != (ho, wo):
        raise ValueError(
            f"output_size {size} with kernel {kernel}, stride {s} and padding {p} would make a "
            f"{ho}x{wo} conv2d output only if it matched; conv2d of {size} gives "
            f"{check_geometry(size, kernel, s, p)}"
        )
    cols = np.tensordot(g, weight, axes=([1], [0]))  # (N, H', W', C, kH, kW)
    dtype = np.result_type(g, weight)
    out = np.zeros((n, weight.shape[1], size[0] + 2 * p[0], size[1] + 2 * p[1]), dtype=dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            rows = slice(i, i + s[0] * (ho - 1) + 1, s[0])
            columns = slice(j, j + s[1] * (wo - 1) + 1, s[1])
            out[:, :, rows, columns] += cols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return np.ascontiguousarray(out[:, :, p[0] : p[0] + size[0], p[1] : p[1] + size[1]])


def _conv2d_weight(
    x: np.ndarray, g: np.ndarray, stride: Any = 1, padding: Any = 0, kernel_size: Any = None
) -> np.ndarray:
    s, p = pair(stride, "stride"), pair(padding, "padding")
    check_nchw(x, "x")
    check_nchw(g, "grad_output")
    if kernel_size is None:
        raise ValueError("kernel_size=(kH, kW) is required")
    kernel = pair(tuple(kernel_size), "kernel_size")
    out = check_geometry((x.shape[2], x.shape[3]), kernel, s, p)
    if g.shape[0] != x.shape[0] or (g.shape[2], g.shape[3]) != out:
        raise ValueError(
            f"grad_output of shape {g.shape} does not match x {x.shape}: conv2d with kernel "
            f"{kernel}, stride {s}, padding {p} gives (N, O, {out[0]}, {out[1]})"
        )
    cols = windows(pad(x, p), kernel, s)  # (N, C, H', W', kH, kW)
    return np.tensordot(g, cols, axes=([0, 2, 3], [0, 2, 3]))  # (O, C, kH, kW)


def _size(t: Any) -> tuple[int, int]:
    return (int(t.shape[2]), int(t.shape[3]))


# Each vjp gets (g, out, *inputs, **params) and returns one input's gradient by calling the ops.
def _conv2d_grad_x(g: Any, out: Any, x: Any, w: Any, stride: Any = 1, padding: Any = 0) -> Any:
    return ng.ops.conv_transpose2d(g, w, stride=stride, padding=padding, output_size=_size(x))


def _conv2d_grad_w(g: Any, out: Any, x: Any, w: Any, stride: Any = 1, padding: Any = 0) -> Any:
    return ng.ops.conv2d_weight(x, g, stride=stride, padding=padding, kernel_size=_size(w))


def _transpose_grad_g(
    h: Any, out: Any, g: Any, w: Any, stride: Any = 1, padding: Any = 0, output_size: Any = None
) -> Any:
    return ng.ops.conv2d(h, w, stride=stride, padding=padding)


def _transpose_grad_w(
    h: Any, out: Any, g: Any, w: Any, stride: Any = 1, padding: Any = 0, output_size: Any = None
) -> Any:
    return ng.ops.conv2d_weight(h, g, stride=stride, padding=padding, kernel_size=_size(w))


def _weight_grad_x(
    h: Any, out: Any, x: Any, g: Any, stride: Any = 1, padding: Any = 0, kernel_size: Any = None
) -> Any:
    return ng.ops.conv_transpose2d(g, h, stride=stride, padding=padding, output_size=_size(x))


def _weight_grad_g(
    h: Any, out: Any, x: Any, g: Any, stride: Any = 1, padding: Any = 0, kernel_size: Any = None
) -> Any:
    return ng.ops.conv2d(x, h, stride=stride, padding=padding)


def register_ops(register: RegisterOp) -> None:
    register(
        "conv2d",
        _conv2d,
        (_conv2d_grad_x, _conv2d_grad_w),
        domain=domain.custom(_conv2d_cases),
        doc="conv2d(x, weight, stride=1, padding=0): x (N, C, H, W) cross-correlated with "
        "weight (O, C, kH, kW), giving (N, O, H', W'); no bias. stride and padding are an int "
        "or an (h, w) pair; padding is zeros.",
    )
    register(
        "conv_transpose2d",
        _conv_transpose2d,
        (_transpose_grad_g, _transpose_grad_w),
        domain=domain.custom(_transpose_cases),
        doc="conv_transpose2d(g, weight, stride=1, padding=0, output_size=None): the adjoint of "
        "conv2d in its input, g (N, O, H', W') -> (N, C, H, W); output_size=(H, W) picks the "
        "size when strides leave it ambiguous (default: the smallest).",
    )
    register(
        "conv2d_weight",
        _conv2d_weight,
        (_weight_grad_x, _weight_grad_g),
        domain=domain.custom(_weight_cases),
        doc="conv2d_weight(x, g, stride=1, padding=0, kernel_size=(kH, kW)): the adjoint of "
        "conv2d in its weight, the (O, C, kH, kW) gradient for upstream g (N, O, H', W').",
    )


# -- where the property suite draws inputs (Hypothesis is imported only when it does) -----------


def _geometries() -> Any:
    """Small convolution problems: (N, C, O, H, W, kernel, stride, padding), all valid."""
    from hypothesis import strategies as st

    from nanograd_conv.geometry import output_size

    drawn = st.tuples(
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(3, 6),
        st.integers(3, 6),
        st.sampled_from([(1, 1), (2, 2), (3, 3), (2, 3)]),
        st.sampled_from([1, 2, (1, 2)]),
        st.sampled_from([0, 1, (1, 0)]),
    )
    return drawn.filter(
        lambda t: min(output_size((t[3], t[4]), t[5], pair(t[6], "s"), pair(t[7], "p"))) >= 1
    )


def _out_shape(t: Any) -> tuple[int, int, int, int]:
    from nanograd_conv.geometry import output_size

    n, _, o, h, w, kernel, stride, padding = t
    ho, wo = output_size((h, w), kernel, pair(stride, "s"), pair(padding, "p"))
    return (n, o, ho, wo)


def _conv2d_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    def build(t: Any) -> Any:
        n, c, o, h, w, kernel, stride, padding = t
        return st.tuples(arrays((n, c, h, w)), arrays((o, c, *kernel))).map(
            lambda xs: Case(xs, {"stride": stride, "padding": padding})
        )

    return _geometries().flatmap(build)


def _transpose_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    def build(t: Any) -> Any:
        _, c, o, h, w, kernel, stride, padding = t
        params = {"stride": stride, "padding": padding, "output_size": (h, w)}
        return st.tuples(arrays(_out_shape(t)), arrays((o, c, *kernel))).map(
            lambda xs: Case(xs, params)
        )

    return _geometries().flatmap(build)


def _weight_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    def build(t: Any) -> Any:
        n, c, _, h, w, kernel, stride, padding = t
        params = {"stride": stride, "padding": padding, "kernel_size": kernel}
        return st.tuples(arrays((n, c, h, w)), arrays(_out_shape(t))).map(
            lambda xs: Case(xs, params)
        )

    return _geometries().flatmap(build)
