"""Shape ops and matrix structure: NumPy's own values forward for every calling form, and the
gradient of the ops whose backward sums copies (repeat, tile) or fills in zeros (diag, triu)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy_reference import agrees_with_numpy

import nanograd as ng

RNG = np.random.default_rng(5)
X = RNG.standard_normal((2, 3, 4))
M = RNG.standard_normal((3, 4))
V = RNG.standard_normal(3)

CALLS = [
    ("swapaxes", (X, 0, 2), {}),
    ("swapaxes", (X, -1, 1), {}),
    ("moveaxis", (X, 0, -1), {}),
    ("moveaxis", (X, (0, 1), (2, 0)), {}),
    ("ravel", (X,), {}),
    ("ravel", (X,), {"order": "F"}),
    ("atleast_1d", (np.float64(2.0),), {}),
    ("atleast_2d", (V,), {}),
    ("atleast_3d", (M,), {}),
    ("atleast_3d", (V, np.array(1.5), X), {}),
    ("roll", (X, 2), {}),
    ("roll", (X, -1, 1), {}),
    ("roll", (X, (1, 2), (0, 2)), {}),
    ("roll", (X, (1, 1), (2, 2)), {}),
    ("rot90", (M,), {}),
    ("rot90", (X, 2, (1, 2)), {}),
    ("rot90", (X, -1, (2, 0)), {}),
    ("rot90", (X, 4), {}),
    ("repeat", (X, 2), {}),
    ("repeat", (X, 3, 1), {}),
    ("repeat", (M, np.array([0, 2, 1, 3]), -1), {}),
    ("tile", (V, 2), {}),
    ("tile", (M, (2, 1, 3)), {}),
    ("tile", (X, (2, 2)), {}),
    ("diagonal", (M,), {}),
    ("diagonal", (X, 1, 2, 0), {}),
    ("diagonal", (X, -1, -1, 1), {}),
    ("diagonal", (M, 5), {}),
    ("trace", (M,), {}),
    ("trace", (X, -1, 1, 2), {}),
    ("diag", (V,), {}),
    ("diag", (V, -2), {}),
    ("diag", (M, 1), {}),
    ("tril", (M,), {}),
    ("tril", (X, -1), {}),
    ("triu", (M, 1), {}),
    ("triu", (X,), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CALLS, ids=lambda v: str(v)[:20])
def test_shape_ops_match_numpy(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    agrees_with_numpy(name, *args, **kwargs)


@pytest.mark.parametrize(
    ("method", "args"),
    [("swapaxes", (0, 1)), ("repeat", (2, 0)), ("ravel", ()), ("diagonal", (1,)),
     ("trace", ()), ("tile", ((2, 1),)), ("roll", (1, 0)), ("triu", ()), ("moveaxis", (0, 1))],
)  # fmt: skip
def test_numpy_methods_are_tensor_methods(method: str, args: tuple[Any, ...]) -> None:
    expected = getattr(np, method)(M, *args)
    np.testing.assert_array_equal(getattr(ng.tensor(M), method)(*args).data, expected)


def test_repeat_gradient_sums_the_copies_of_each_element() -> None:
    x = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ng.ops.repeat(x, [2, 0, 3]).backward(np.array([1.0, 10.0, 100.0, 1000.0, 10000.0]))
    np.testing.assert_array_equal(x.grad.data, [11.0, 0.0, 11100.0])


def test_tile_gradient_sums_the_tiles() -> None:
    x = ng.tensor([[1.0, 2.0]], requires_grad=True)
    upstream = np.arange(12.0).reshape(3, 4)
    ng.ops.tile(x, (3, 2)).backward(upstream)
    np.testing.assert_array_equal(x.grad.data, [[0 + 2 + 4 + 6 + 8 + 10, 1 + 3 + 5 + 7 + 9 + 11]])


def test_diag_of_a_vector_and_triu_pass_gradient_only_where_they_keep_values() -> None:
    v = ng.tensor([1.0, 2.0], requires_grad=True)
    upstream = np.arange(9.0).reshape(3, 3)
    ng.ops.diag(v, 1).backward(upstream)
    np.testing.assert_array_equal(v.grad.data, [1.0, 5.0])
    m = ng.tensor(np.ones((2, 3)), requires_grad=True)
    ng.ops.triu(m).backward(np.full((2, 3), 7.0))
    np.testing.assert_array_equal(m.grad.data, [[7.0, 7.0, 7.0], [0.0, 7.0, 7.0]])


def test_atleast_returns_the_tensor_itself_when_it_has_the_dimensions() -> None:
    x = ng.tensor(M)
    assert ng.ops.atleast_2d(x) is x
    assert isinstance(ng.ops.atleast_1d(1.0, 2.0), tuple)


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (lambda: ng.ops.swapaxes(ng.tensor(M), 0, 2), "swapaxes: axis2 2 is out of range"),
        (lambda: ng.ops.moveaxis(ng.tensor(X), (0, 0), (1, 2)), "repeated axis in source"),
        (lambda: ng.ops.moveaxis(ng.tensor(X), (0, 1), 2), "must name as many axes"),
        (lambda: ng.ops.ravel(ng.tensor(M), "K"), "order must be 'C' or 'F'"),
        (lambda: ng.ops.rot90(ng.tensor(M), 1, (0, 0)), "repeated axis"),
        (lambda: ng.ops.diagonal(ng.tensor(V)), "at least 2 dimensions"),
        (lambda: ng.ops.diagonal(ng.tensor(M), 0, 1, -1), "axis1 and axis2 must differ"),
        (lambda: ng.ops.diag(ng.tensor(X)), "1-D or 2-D input"),
    ],
)
def test_bad_axes_are_named(call: Any, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        call()


# -- joining and splitting -------------------------------------------------------------------------

JOINS = [
    ("hstack", [V, V[:2]]),
    ("hstack", [M, M[:, :1]]),
    ("vstack", [V, V]),
    ("vstack", [M, M[:1]]),
    ("dstack", [V, V]),
    ("dstack", [M, M]),
    ("dstack", [X, X[..., :1]]),
    ("column_stack", [V, V]),
    ("column_stack", [V, M]),
]


@pytest.mark.parametrize(("name", "tup"), JOINS, ids=lambda v: str(v)[:12])
def test_stacking_matches_numpy(name: str, tup: list[np.ndarray]) -> None:
    agrees_with_numpy(name, tup)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((M, V), {}), ((M, M[:1]), {"axis": 0}), ((X, X[:, :1]), {"axis": -2})],
)
def test_append_matches_numpy(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    agrees_with_numpy("append", *args, **kwargs)


SPLITS = [
    ("split", (X, 2)),
    ("split", (X, 3, 1)),
    ("split", (X, [1, 3], -1)),
    ("split", (X, [0, 5, 2])),
    ("array_split", (X, 3, -1)),
    ("array_split", (V, 5)),
    ("hsplit", (X, 3)),
    ("hsplit", (V, [1])),
    ("vsplit", (M, [2])),
    ("dsplit", (X, 2)),
]


@pytest.mark.parametrize(("name", "args"), SPLITS, ids=lambda v: str(v)[:12])
def test_splitting_matches_numpy_piece_by_piece(name: str, args: tuple[Any, ...]) -> None:
    agrees_with_numpy(name, *args)


def test_split_pieces_send_their_gradients_back_in_place() -> None:
    x = ng.tensor(np.arange(6.0), requires_grad=True)
    first, _, third = ng.ops.split(x, 3)
    (first * 2 + third * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 0.0, 0.0, 3.0, 3.0])


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (lambda: ng.ops.split(ng.tensor(V), 2), "does not split into 2 equal sections"),
        (lambda: ng.ops.split(ng.tensor(V), 0), "must be larger than 0"),
        (lambda: ng.ops.vsplit(ng.tensor(V), 3), "at least 2 dimensions"),
        (lambda: ng.ops.dsplit(ng.tensor(M), 2), "at least 3 dimensions"),
    ],
)
def test_impossible_splits_are_named(call: Any, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        call()


def test_select_matches_numpy_and_routes_the_gradient_to_the_first_true_choice() -> None:
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    conditions = [x < -1, x < 1]
    choices = [x * 10, x * 100]
    agrees_with_numpy("select", conditions, choices, default=-7.0)
    a = ng.tensor(x, requires_grad=True)
    b = ng.tensor(x, requires_grad=True)
    fallback = ng.tensor(np.zeros(4), requires_grad=True)
    ng.ops.select(conditions, [a, b], fallback).backward(np.ones(4))
    np.testing.assert_array_equal(a.grad.data, [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(b.grad.data, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(fallback.grad.data, [0.0, 0.0, 0.0, 1.0])
