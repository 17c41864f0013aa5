"""Activation functions, with PyTorch's defaults: sigmoid, relu, leaky_relu, gelu, softplus,
softmax and log_softmax.

sigmoid, softplus, softmax and log_softmax are fused (one op with its own gradient rather than a
composition) because that is what keeps them finite for large inputs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_std.unary import erf

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)  # the constants of gelu's tanh approximation
_TANH_C = 0.044715


# -- sigmoid, relu, leaky_relu --------------------------------------------------------------------


# Where exp(-x) would overflow: sigmoid there is below the dtype's smallest normal number. 0-d
# arrays of the input's dtype, because NumPy converts them faster than a Python float.
_EXP_LIMIT = {np.dtype(t): np.array(v, dtype=t) for t, v in ((np.float32, 88), (np.float64, 709))}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-x)) is accurate in relative terms for every x; clamping the exponent keeps
    # exp from overflowing (and warning) where the result is under the smallest normal number.
    limit = _EXP_LIMIT.get(x.dtype)
    if limit is None:
        # float16, whose limit (11) would be visible, works in float32; integers in float64
        work = np.float32 if x.dtype == np.float16 else np.float64
        return _sigmoid(x.astype(work)).astype(np.result_type(x.dtype, np.float16))
    return np.reciprocal(1.0 + np.exp(np.minimum(-x, limit)))


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def _leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, x, x * negative_slope)


def _leaky_relu_grad(g: Any, out: Any, x: Any, negative_slope: float = 0.01) -> Any:
    return ng.ops.where(x > 0, g, g * negative_slope)


# -- gelu -----------------------------------------------------------------------------------------


def _gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "none":  # x * Phi(x), Phi the standard normal CDF
        return 0.5 * x * (1 + erf(x * _SQRT1_2))
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_TANH_K * (x + _TANH_C * x * x * x)))
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def _gelu_grad(g: Any, out: Any, x: Any, approximate: str = "none") -> Any:
    if approximate == "tanh":
        t = ng.ops.tanh((x + _TANH_C * x * x * x) * _TANH_K)
        dt = (1 - t * t) * (1 + 3 * _TANH_C * x * x) * _TANH_K
        return g * (0.5 * (1 + t) + 0.5 * x * dt)
    cdf = 0.5 * (1 + ng.ops.erf(x * _SQRT1_2))
    pdf = ng.ops.exp(-0.5 * x * x) * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


# -- softplus -------------------------------------------------------------------------------------


def _softplus(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    bx = x * beta
    return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)


def _softplus_grad(g: Any, out: Any, x: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    bx = x * beta
    return ng.ops.where(bx > threshold, g, g * ng.ops.sigmoid(bx))


# -- softmax, log_softmax -------------------------------------------------------------------------


def _softmax(x: np.ndarray, axis: Any = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_grad(g: Any, out: Any, x: Any, axis: Any = -1) -> Any:
    gy = g * out
    return gy - out * gy.sum(axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: Any = -1) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _log_softmax_grad(g: Any, out: Any, x: Any, axis: Any = -1) -> Any:
    return g - ng.ops.exp(out) * g.sum(axis=axis, keepdims=True)


def register_ops(register: RegisterOp) -> None:
    register(
        "sigmoid",
        _sigmoid,
        lambda g, out, x: g * out * (1 - out),
        domain=domain.elementwise(-6.0, 6.0),
        method=True,
        doc="1 / (1 + exp(-x)), accurate for large |x|.",
    )
    register(
        "relu",
        _relu,
        lambda g, out, x: g * (out > 0),
        domain=domain.elementwise(avoid=(0.0,)),
        method=True,
        kink="relu'(0) = 0, as PyTorch",
        doc="max(x, 0).",
    )
    register(
        "leaky_relu",
        _leaky_relu,
        _leaky_relu_grad,
        domain=domain.elementwise(avoid=(0.0,)),
        method=True,
        kink="the gradient at 0 is negative_slope, as PyTorch",
        doc="x where x > 0, else negative_slope * x (PyTorch's default slope 0.01).",
    )
    register(
        "gelu",
        _gelu,
        _gelu_grad,
        domain=domain.elementwise(-4.0, 4.0),
        method=True,
        doc="x * Phi(x) with Phi the standard normal CDF (exact, through erf); "
        "approximate='tanh' gives PyTorch's tanh approximation.",
    )
    register(
        "softplus",
        _softplus,
        _softplus_grad,
        domain=domain.elementwise(-6.0, 6.0),
        method=True,
        kink="where beta * x > threshold the op is x itself, gradient 1; at the threshold the "
        "gradient jumps from sigmoid(threshold) to 1, as PyTorch",
        doc="log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold "
        "(PyTorch's beta=1, threshold=20).",
    )
    register(
        "softmax",
        _softmax,
        _softmax_grad,
        domain=domain.custom(_softmax_cases),
        method=True,
        doc="exp(x) / sum(exp(x)) along axis, shifted by the max so any finite x is safe.",
    )
    register(
        "log_softmax",
        _log_softmax,
        _log_softmax_grad,
        domain=domain.custom(_softmax_cases),
        method=True,
        doc="x - logsumexp(x) along axis: finite for logits of any finite size.",
    )


def _softmax_cases(arrays: Any) -> Any:
    """A tensor of one to three dimensions and an axis of it, a tuple of its axes, or None (all
    of it)."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd.testing import axes, shapes

    def case(shape: tuple[int, ...]) -> Any:
        return st.tuples(arrays(shape, -5.0, 5.0), axes(len(shape), empty=False)).map(
            lambda xa: Case((xa[0],), {"axis": xa[1]})
        )

    return shapes(min_dims=1).flatmap(case)
