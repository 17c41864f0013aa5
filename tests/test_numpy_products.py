"""Products: NumPy's own values forward for dot, vdot, inner, outer, tensordot, kron, cross and
every form of einsum subscripts, and einsum's gradient, which is itself an einsum."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy_reference import agrees_with_numpy, tensors

import nanograd as ng

RNG = np.random.default_rng(11)


def r(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


PRODUCTS = [
    ("dot", (r(3), r(3))),
    ("dot", (r(2, 3), r(3, 4))),
    ("dot", (r(2, 3, 4), r(4))),
    ("dot", (r(3), r(2, 3, 4))),
    ("dot", (r(2, 3, 4), r(5, 4, 2))),
    ("dot", (np.array(2.5), r(2, 3))),
    ("vdot", (r(2, 3), r(3, 2))),
    ("inner", (r(3), r(3))),
    ("inner", (r(2, 3), r(4, 3))),
    ("inner", (r(2, 2, 3), r(3))),
    ("inner", (r(2), np.array(3.0))),
    ("outer", (r(3), r(2, 2))),
    ("tensordot", (r(2, 3, 4), r(3, 4, 5))),
    ("tensordot", (r(2, 3, 4), r(4, 3, 5), ([1, 2], [1, 0]))),
    ("tensordot", (r(2, 3), r(4, 5), 0)),
    ("tensordot", (r(3, 2), r(3, 4), (0, -2))),
    ("kron", (r(2, 3), r(3, 2))),
    ("kron", (r(3), r(2, 2))),
    ("kron", (r(2, 1, 2), r(2))),
    ("cross", (r(3), r(3))),
    ("cross", (r(4, 3), r(3))),
    ("cross", (r(3, 2), r(2, 3), 0, -1, 0)),
    ("cross", (r(3, 4), r(3, 4)), {"axis": 0}),
]


@pytest.mark.parametrize("case", PRODUCTS, ids=lambda c: c[0])
def test_products_match_numpy(case: tuple[Any, ...]) -> None:
    name, args, *kwargs = case
    agrees_with_numpy(name, *args, **(kwargs[0] if kwargs else {}))


def test_cross_refuses_2_vectors_naming_the_shapes_and_the_fix() -> None:
    a, b = r(4, 2), r(4, 3)
    with pytest.raises(ValueError, match=r"3 components, got 2 \(a, shape \(4, 2\)\)") as caught:
        ng.ops.cross(ng.tensor(a), ng.tensor(b))
    assert "zero third component" in str(caught.value)
    with pytest.raises(ValueError, match=r"got 3 .* and 2"):
        ng.ops.cross(ng.tensor(b), ng.tensor(a))


EINSUMS = [
    ("ij,jk->ik", r(2, 3), r(3, 4)),
    ("ij,jk", r(2, 3), r(3, 4)),
    ("i,i", r(3), r(3)),
    ("i,j", r(3), r(2)),
    ("ii->i", r(3, 3)),
    ("ii", r(3, 3)),
    ("iij->ji", r(2, 2, 3)),
    ("ij->", r(2, 3)),
    ("ji", r(2, 3)),
    ("Ba", r(2, 3)),
    ("aB", r(2, 3)),
    ("bij,bjk->bik", r(2, 2, 3), r(2, 3, 2)),
    ("...ij,...jk->...ik", r(2, 1, 2, 3), r(3, 3, 2)),
    ("...ij,...jk", r(2, 3), r(4, 3, 2)),
    ("i...,i...->...", r(3, 2, 4), r(3, 4)),
    ("...ii->...i", r(2, 3, 3)),
    ("...", r(2, 3)),
    ("ij...->...", r(2, 3)),
    ("ij,ij,ij->i", r(2, 3), r(2, 3), r(2, 3)),
    ("ij,ij->ij", r(1, 3), r(2, 3)),
    (",ij->ji", np.array(2.0), r(2, 3)),
    (" i j , j k -> k i ", r(2, 3), r(3, 4)),
]


@pytest.mark.parametrize("case", EINSUMS, ids=lambda c: c[0])
def test_einsum_reads_every_form_of_subscripts_as_numpy_does(case: tuple[Any, ...]) -> None:
    subscripts, *operands = case
    agrees_with_numpy("einsum", subscripts, *operands)
    agrees_with_numpy("einsum", subscripts, *operands, optimize=True)


def test_einsum_takes_numpys_interleaved_sublists() -> None:
    a, b = r(2, 3), r(3, 4)
    for args in [(a, [0, 1], b, [1, 2], [0, 2]), (a, [0, 1], b, [1, 2]), (r(2, 3), [..., 0])]:
        np.testing.assert_allclose(ng.ops.einsum(*tensors(args)).data, np.einsum(*args), rtol=1e-12)


@pytest.mark.parametrize(
    ("subscripts", "shapes", "said"),
    [
        ("ij,jk->ik", [(2, 3)], "name 2 operand"),
        ("ij->ik->i", [(2, 3)], "more than one '->'"),
        ("i2->i", [(2, 3)], "letters and one '...'"),
        ("ijk->i", [(2, 3)], "do not fit an operand of shape"),
        ("...ij->j", [(4, 2, 3)], "have no '...'"),
    ],
)
def test_einsum_refuses_subscripts_numpy_refuses(
    subscripts: str, shapes: list[tuple[int, ...]], said: str
) -> None:
    with pytest.raises(ValueError, match=said):
        ng.ops.einsum(subscripts, *(ng.tensor(np.ones(s)) for s in shapes))


@pytest.mark.parametrize(
    ("subscripts", "shapes"),
    [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ij->", [(2, 3)]),
     ("...ij,...jk", [(2, 1, 2, 3), (3, 3, 2)]), ("ij,ij->ij", [(1, 3), (2, 3)])],
)  # fmt: skip
def test_einsum_gradient_is_an_einsum_to_second_order(
    subscripts: str, shapes: list[tuple[int, ...]]
) -> None:
    operands = [ng.tensor(r(*s), requires_grad=True) for s in shapes]
    out = ng.ops.einsum(subscripts, *operands)
    upstream = ng.tensor(r(*out.shape), requires_grad=True)
    grads = ng.grad(out, operands, upstream, create_graph=True)
    for g in grads:
        # the engine may have summed it back over the axes an operand was broadcast along
        while g.grad_fn.name in ("sum", "reshape"):
            g = g._inputs[0]
        assert g.grad_fn.name == "einsum_list"
    inputs = [o.data for o in operands]
    assert ng.gradgradcheck(lambda *xs: ng.ops.einsum(subscripts, *xs), inputs)


def test_einsum_puts_the_gradient_of_a_diagonal_on_the_diagonal() -> None:
    x = ng.tensor(r(3, 3), requires_grad=True)
    ng.ops.einsum("ii->i", x).backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.data, np.diag([1.0, 2.0, 3.0]))


def test_dot_is_a_tensor_method() -> None:
    a, b = r(2, 3), r(3)
    np.testing.assert_allclose(ng.tensor(a).dot(b).data, a.dot(b), rtol=1e-12)


# -- linear: F.linear's x @ weight.T + bias as one op ----------------------------------------------


@pytest.mark.parametrize(
    ("x", "weight", "bias"),
    [
        (r(3), r(2, 3), r(2)),
        (r(4, 3), r(2, 3), r(2)),
        (r(2, 4, 3), r(2, 3), r(4, 2)),  # a bias per sample and feature
        (r(4, 3), r(2, 3), np.array(0.5)),
        (r(4, 3), r(2, 3), 0.5),
    ],
)
def test_linear_is_x_times_the_transposed_weight_plus_bias(x: Any, weight: Any, bias: Any) -> None:
    got = ng.ops.linear(ng.tensor(x), ng.tensor(weight), bias)
    np.testing.assert_allclose(got.data, x @ weight.T + bias, rtol=1e-14)


def test_linear_keeps_numpys_dtype_promotion() -> None:
    x, weight = r(4, 3).astype(np.float32), r(2, 3).astype(np.float32)
    assert (
        ng.ops.linear(ng.tensor(x), ng.tensor(weight), r(2).astype(np.float32)).dtype == np.float32
    )
    assert ng.ops.linear(ng.tensor(x), ng.tensor(weight), 0.5).dtype == np.float32
    assert ng.ops.linear(ng.tensor(x), ng.tensor(weight), r(2)).dtype == np.float64


@pytest.mark.parametrize(
    ("x", "weight", "bias", "message"),
    [
        (r(4, 2), r(2, 3), r(2), r"last axis must have length in_features = 3 .* shape \(4, 2\)"),
        (np.array(1.0), r(2, 3), r(2), r"last axis must have length in_features = 3"),
        (r(4, 3), r(3), r(2), r"weight must be a matrix .* got shape \(3,\)"),
        (r(4, 3), r(2, 3), r(3), r"bias \(shape \(3,\)\) must broadcast to the output's shape"),
        (r(4, 3), r(2, 3), r(5, 4, 2), r"without enlarging it; .* \(out_features,\) = \(2,\)"),
    ],
)
def test_linear_names_the_shapes_at_fault(x: Any, weight: Any, bias: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        ng.ops.linear(ng.tensor(x), ng.tensor(weight), ng.tensor(bias))
    assert str(caught.value).startswith("linear (plugin nanograd_std) on inputs [tensor")
