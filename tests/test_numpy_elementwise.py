"""The elementwise NumPy functions: NumPy's own values forward, in float64 and float32, and the
gradient choices a property test cannot see (sinc at 0, rounding outside the graph, the
remainder's jumps, NaN in fmax and nan_to_num, the % operator)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nanograd as ng

RNG = np.random.default_rng(2024)

# op name: (NumPy's function, low, high) for inputs inside its domain
UNARY = {
    "tan": (np.tan, -1.4, 1.4),
    "arcsin": (np.arcsin, -0.99, 0.99),
    "arccos": (np.arccos, -0.99, 0.99),
    "arctan": (np.arctan, -5, 5),
    "sinh": (np.sinh, -5, 5),
    "cosh": (np.cosh, -5, 5),
    "arcsinh": (np.arcsinh, -5, 5),
    "arccosh": (np.arccosh, 1, 5),
    "arctanh": (np.arctanh, -0.99, 0.99),
    "sinc": (np.sinc, -3, 3),
    "deg2rad": (np.deg2rad, -360, 360),
    "rad2deg": (np.rad2deg, -7, 7),
    "exp2": (np.exp2, -10, 10),
    "expm1": (np.expm1, -1e-3, 1e-3),
    "log2": (np.log2, 1e-3, 100),
    "log10": (np.log10, 1e-3, 100),
    "square": (np.square, -5, 5),
    "reciprocal": (np.reciprocal, 0.1, 5),
    "floor": (np.floor, -5, 5),
    "ceil": (np.ceil, -5, 5),
    "round": (np.round, -5, 5),
    "nan_to_num": (np.nan_to_num, -5, 5),
}
BINARY = {
    "arctan2": np.arctan2,
    "fmax": np.fmax,
    "fmin": np.fmin,
    "logaddexp": np.logaddexp,
    "logaddexp2": np.logaddexp2,
    "remainder": np.remainder,
    "mod": np.mod,
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_give_numpys_values_as_function_and_method(name: str, dtype: type) -> None:
    function, low, high = UNARY[name]
    x = RNG.uniform(low, high, (3, 4)).astype(dtype)
    expected = function(x)
    for got in (getattr(ng.ops, name)(ng.tensor(x)), getattr(ng.tensor(x), name)()):
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got.data, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_give_numpys_values_broadcasting(name: str, dtype: type) -> None:
    x = RNG.uniform(-4, 4, (2, 1, 4)).astype(dtype)
    y = RNG.uniform(0.5, 3, (3, 1)).astype(dtype) * RNG.choice([-1, 1], (3, 1)).astype(dtype)
    expected = BINARY[name](x, y)
    got = getattr(ng.ops, name)(ng.tensor(x), ng.tensor(y))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got.data, expected)


def test_nan_to_num_replaces_as_numpy_does_and_passes_gradient_only_where_finite() -> None:
    x = ng.tensor([1.5, np.nan, np.inf, -np.inf, -2.0], requires_grad=True)
    out = ng.ops.nan_to_num(x, nan=-1.0, posinf=7.0)
    expected = np.nan_to_num(x.data, nan=-1.0, posinf=7.0)
    np.testing.assert_array_equal(out.data, expected)
    out.backward(np.arange(1.0, 6.0))
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 0.0, 0.0, 5.0])
    # copy=False is accepted but never writes into the input
    data = np.array([np.nan, 1.0])
    ng.ops.nan_to_num(ng.tensor(data), copy=False)
    assert np.isnan(data[0])


def test_sinc_is_smooth_through_zero_to_second_order() -> None:
    x = ng.tensor([0.0, 1e-4, -1e-4, 0.5], requires_grad=True)
    (first,) = ng.grad(ng.ops.sinc(x).sum(), x, create_graph=True)
    (second,) = ng.grad(first.sum(), x)
    pi = math.pi
    np.testing.assert_allclose(first.data[:3], [0.0, -(pi**2) * 1e-4 / 3, pi**2 * 1e-4 / 3])
    expected_half = (math.cos(pi / 2) * pi / 2 - math.sin(pi / 2) / pi * 2) / 0.5
    np.testing.assert_allclose(first.data[3], expected_half, rtol=1e-12)
    np.testing.assert_allclose(second.data[:3], -(pi**2) / 3, rtol=1e-6)


@pytest.mark.parametrize("name", ["floor", "ceil", "round"])
def test_rounding_stays_outside_the_graph_as_sign_does(name: str) -> None:
    x = ng.tensor([0.4, 1.6, -2.5], requires_grad=True)
    rounded = getattr(ng.ops, name)(x)
    assert not rounded.requires_grad
    (rounded * x).sum().backward()  # a constant factor in a differentiable expression
    np.testing.assert_array_equal(x.grad.data, rounded.data)


def test_round_takes_numpys_decimals_halves_to_even() -> None:
    x = np.array([0.125, 2.5, -1.2345, 3.5])
    np.testing.assert_array_equal(ng.ops.round(ng.tensor(x), 2).data, np.round(x, 2))
    np.testing.assert_array_equal(ng.tensor(x).round(decimals=1).data, np.round(x, 1))
    np.testing.assert_array_equal(ng.ops.round(ng.tensor(x)).data, [0.0, 2.0, -1.0, 4.0])


def test_percent_is_the_remainder_with_its_gradients() -> None:
    x = ng.tensor([5.5, -5.5, 7.0], requires_grad=True)
    y = ng.tensor([2.0, 2.0, -3.0], requires_grad=True)
    out = x % y
    np.testing.assert_array_equal(out.data, np.remainder(x.data, y.data))
    np.testing.assert_array_equal((7.5 % y).data, 7.5 % y.data)
    np.testing.assert_array_equal((x % 2).data, x.data % 2)
    out.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0, 3.0])
    # d/dy of x - y * floor(x / y) is -floor(x / y): floor(2.75) = 2, floor(-2.75) = -3, ...
    np.testing.assert_array_equal(y.grad.data, [-2.0, 6.0, 9.0])


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_and_fmin_give_the_whole_gradient_to_the_number_beside_a_nan(name: str) -> None:
    x = ng.tensor([np.nan, 2.0, np.nan], requires_grad=True)
    y = ng.tensor([1.0, np.nan, np.nan], requires_grad=True)
    out = getattr(ng.ops, name)(x, y)
    np.testing.assert_array_equal(out.data, getattr(np, name)(x.data, y.data))
    out.backward(np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(y.grad.data, [1.0, 0.0, 0.0])


def test_logaddexp_gradients_stay_finite_for_large_inputs() -> None:
    x = ng.tensor([1000.0, -1000.0], requires_grad=True)
    y = ng.tensor([1000.0, 0.0], requires_grad=True)
    out = ng.ops.logaddexp(x, y)
    np.testing.assert_allclose(out.data, [1000 + math.log(2), 0.0], atol=1e-300)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.5, 0.0], atol=1e-300)
    np.testing.assert_allclose(y.grad.data, [0.5, 1.0])
