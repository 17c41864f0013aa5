"""Reductions, scans and sorting: NumPy's own values forward, and the gradients a property test
reaches only by luck (prod and cumprod at zeros, where sort sends each gradient, arg* outside
the graph)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from numpy_reference import agrees_with_numpy

import nanograd as ng

RNG = np.random.default_rng(77)
X = RNG.uniform(-2, 2, (3, 4, 2))
AXES = [None, 0, -1, (0, 2)]


def grad_of(fn: Any, x: np.ndarray, upstream: np.ndarray | None = None) -> np.ndarray:
    leaf = ng.tensor(x, requires_grad=True)
    out = fn(leaf)
    (g,) = ng.grad(out, leaf, ng.tensor(np.ones(out.shape) if upstream is None else upstream))
    return g.data


# -- forward, against NumPy ------------------------------------------------------------------------


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name", ["prod", "ptp"])
def test_prod_and_ptp_match_numpy(name: str, axis: Any, keepdims: bool) -> None:
    agrees_with_numpy(name, X, axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_scans_match_numpy(name: str, axis: Any) -> None:
    agrees_with_numpy(name, X, axis=axis)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"n": 2},
        {"n": 0},
        {"axis": 0},
        {"n": 3, "axis": 1},
        {"prepend": 0.5, "append": -1.0},
        {"axis": 1, "prepend": X[:, :2]},
        {"n": 2, "axis": 0, "append": X[:1] * 3},
    ],
)
def test_diff_matches_numpy(kwargs: dict[str, Any]) -> None:
    agrees_with_numpy("diff", X, **kwargs)


def test_diff_names_itself_and_the_valid_axes_for_an_axis_that_is_not_one() -> None:
    x = ng.tensor(X)
    with pytest.raises(TypeError, match=r"diff: axis must be an integer from -3 to 2, got None"):
        ng.ops.diff(x, axis=None)
    with pytest.raises(ValueError, match=r"diff: axis 3 is out of range for an input of 3 dim"):
        ng.ops.diff(x, axis=3)


def test_diff_keeps_float32_with_a_python_number_at_either_end() -> None:
    x = X.astype(np.float32)
    assert ng.ops.diff(ng.tensor(x), prepend=0.0, append=1.0).dtype == np.float32


@pytest.mark.parametrize(
    ("weights", "kwargs"),
    [
        (None, {}),
        (None, {"axis": 1, "returned": True}),
        (RNG.uniform(0.5, 2, X.shape), {"axis": (0, 2), "keepdims": True}),
        (RNG.uniform(0.5, 2, X.shape), {"returned": True}),
        (RNG.uniform(0.5, 2, 4), {"axis": 1}),
        (RNG.uniform(0.5, 2, 2), {"axis": -1, "returned": True}),
    ],
)
def test_average_matches_numpy(weights: Any, kwargs: dict[str, Any]) -> None:
    agrees_with_numpy("average", X, weights=weights, **kwargs)


@pytest.mark.parametrize("axis", [-1, 0, None])
@pytest.mark.parametrize("name", ["sort", "argsort"])
def test_sort_and_argsort_match_numpy(name: str, axis: Any) -> None:
    agrees_with_numpy(name, X, axis=axis)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_and_argmin_match_numpy(name: str, axis: Any, keepdims: bool) -> None:
    agrees_with_numpy(name, X, axis=axis, keepdims=keepdims)


@pytest.mark.parametrize(("kth", "axis"), [(1, -1), ([0, 3], 1), (-1, 0), (5, None)])
def test_partition_puts_numpys_kth_elements_in_place_and_splits_the_rest(
    kth: Any, axis: Any
) -> None:
    got = ng.ops.partition(ng.tensor(X), kth, axis=axis).data
    expected = np.partition(X, kth, axis=axis)
    ax = -1 if axis is None else axis
    data = X.reshape(-1) if axis is None else X
    n = data.shape[ax]
    for k in np.atleast_1d(kth) % n:
        np.testing.assert_array_equal(np.take(got, k, axis=ax), np.take(expected, k, axis=ax))
        before, after = np.take(got, range(k), axis=ax), np.take(got, range(k + 1, n), axis=ax)
        pivot = np.expand_dims(np.take(got, k, axis=ax), ax)
        assert np.all(before <= pivot) and np.all(after >= pivot)
    np.testing.assert_array_equal(np.sort(got, axis=ax), np.sort(data, axis=ax))


# -- prod and cumprod at zeros -------------------------------------------------------------------


def product_of_others(x: np.ndarray) -> np.ndarray:
    """For a 1-D x, d prod / d x_i by its definition."""
    return np.array([np.prod(np.delete(x, i)) for i in range(len(x))])


@pytest.mark.parametrize(
    "x",
    [
        np.array([2.0, 0.0, 3.0, -1.5]),
        np.array([0.0, 2.0, 0.0, 3.0]),
        np.array([0.0, 0.0, 0.0]),
        np.array([1.0, 1e-90, 4.0]),
    ],
    ids=["one zero", "two zeros", "all zeros", "a tiny element"],
)
def test_prod_gradient_is_the_product_of_the_others_at_zeros(x: np.ndarray) -> None:
    np.testing.assert_array_equal(grad_of(ng.ops.prod, x), product_of_others(x))
    assert ng.gradgradcheck(ng.ops.prod, [x])


def test_prod_second_derivative_at_a_single_zero_is_the_product_of_the_remaining_two() -> None:
    x = ng.tensor([2.0, 0.0, 3.0], requires_grad=True)
    (first,) = ng.grad(ng.ops.prod(x), x, create_graph=True)
    (row_of_zero,) = ng.grad(first[1], x)  # d/dx_j of prod_{i != 1} x_i
    np.testing.assert_array_equal(row_of_zero.data, [3.0, 0.0, 2.0])


def test_prod_over_an_axis_with_zeros_in_some_slices() -> None:
    x = np.array([[0.0, 2.0, 3.0], [1.0, -2.0, 0.5], [0.0, 0.0, 4.0]])
    upstream = np.array([1.0, -2.0, 0.5])
    expected = np.stack([product_of_others(row) for row in x]) * upstream[:, None]
    np.testing.assert_array_equal(grad_of(lambda t: t.prod(axis=1), x, upstream), expected)
    np.testing.assert_array_equal(grad_of(lambda t: t.T.prod(axis=0), x, upstream), expected)


@pytest.mark.parametrize(
    "x", [np.array([2.0, 0.0, 3.0, -1.5]), np.array([0.0, 2.0, 0.0, 3.0]), np.array([1e-95, 2.0])]
)
def test_cumprod_gradient_is_exact_at_zeros(x: np.ndarray) -> None:
    upstream = np.arange(1.0, len(x) + 1)
    # out[k] = prod(x[:k+1]); d out[k] / d x[i] = prod(x[:k+1] without x[i]) for i <= k
    expected = [
        sum(upstream[k] * np.prod(np.delete(x[: k + 1], i)) for k in range(i, len(x)))
        for i in range(len(x))
    ]
    np.testing.assert_allclose(grad_of(ng.ops.cumprod, x, upstream), expected, rtol=1e-15)
    assert ng.gradgradcheck(ng.ops.cumprod, [x])


# -- sort and the arg* functions -------------------------------------------------------------------


def test_sort_sends_each_gradient_back_to_where_the_element_came_from() -> None:
    x = np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]])
    upstream = np.array([[10.0, 20.0, 30.0], [1.0, 2.0, 3.0]])
    # row 0 sorts to [-1, 2, 3]: -1 (index 1) gets 10, 2 (index 2) gets 20, 3 (index 0) gets 30
    np.testing.assert_array_equal(
        grad_of(ng.ops.sort, x, upstream), [[30.0, 10.0, 20.0], [2.0, 3.0, 1.0]]
    )
    flat = grad_of(lambda t: ng.ops.sort(t, axis=None), x, np.arange(6.0))
    np.testing.assert_array_equal(flat, [[4.0, 1.0, 3.0], [2.0, 5.0, 0.0]])


@pytest.mark.parametrize("name", ["argsort", "argmax", "argmin"])
def test_arg_functions_give_integers_outside_the_graph(name: str) -> None:
    x = ng.tensor(X, requires_grad=True)
    for result in (getattr(ng.ops, name)(x), getattr(x, name)()):
        assert result.dtype.kind == "i" and not result.requires_grad
        np.testing.assert_array_equal(result.data, getattr(np, name)(X))


def test_average_weights_get_their_own_gradient() -> None:
    a = np.array([[1.0, 2.0], [3.0, 5.0]])
    w = np.array([1.0, 3.0])
    assert ng.gradcheck(lambda a, w: ng.ops.average(a, axis=1, weights=w), [a, w])
    assert ng.gradgradcheck(lambda a, w: ng.ops.average(a, axis=0, weights=w), [a, w])


@pytest.mark.parametrize(
    ("kwargs", "error", "said"),
    [
        ({"weights": np.ones(4)}, TypeError, "an int axis must say"),
        ({"weights": np.ones((4, 1)), "axis": 1}, TypeError, "1-D along one int axis"),
        ({"weights": np.ones(3), "axis": 1}, ValueError, "3 weights do not fit axis 1"),
        ({"weights": np.array([1.0, -1.0, 0.0, 0.0]), "axis": 0}, ZeroDivisionError, "sum to zero"),
    ],
)
def test_average_refuses_weights_it_cannot_use(
    kwargs: dict[str, Any], error: type, said: str
) -> None:
    with pytest.raises(error, match=said):
        ng.ops.average(ng.tensor(X[0]), **kwargs)


def test_tensor_methods_take_numpys_arguments() -> None:
    x = ng.tensor(X)
    for method, args in itertools.product(["prod", "cumsum", "cumprod"], [(), (1,)]):
        np.testing.assert_allclose(getattr(x, method)(*args).data, getattr(X, method)(*args))
    np.testing.assert_array_equal(x.diff(2, 0).data, np.diff(X, 2, 0))
    np.testing.assert_array_equal(x.argmax(1).data, X.argmax(1))
