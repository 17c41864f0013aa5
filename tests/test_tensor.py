"""``Tensor``: construction, attributes, repr, which tensors may require grad, and operators
with Python scalars and NumPy arrays on either side."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nanograd as ng
from nanograd.tensor import Tensor

# -- construction and attributes ----------------------------------------------------------------


def test_tensor_copies_its_data() -> None:
    source = np.array([1.0, 2.0])
    t = ng.Tensor(source)
    source[0] = 100.0
    assert t.data[0] == 1.0
    u = ng.tensor(t)
    t.data[1] = 50.0
    assert u.data[1] == 2.0


def test_dtype_follows_numpy_unless_given() -> None:
    assert ng.tensor([1.0, 2.0]).dtype == np.float64
    assert ng.tensor([1, 2]).dtype == np.int64
    assert ng.tensor([True]).dtype == np.bool_
    assert ng.tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert ng.tensor(np.ones(2, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("data", [["a", "b"], [object()], {"x": 1}])
def test_non_numeric_data_is_refused(data: Any) -> None:
    with pytest.raises(TypeError, match="must be numeric"):
        ng.tensor(data)


def test_attributes() -> None:
    t = ng.tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float64
    assert len(t) == 2
    assert t.is_leaf and t.grad is None and t.grad_fn is None and not t.requires_grad
    assert ng.tensor([[4.5]]).item() == 4.5 and isinstance(ng.tensor(3).item(), int)
    assert float(ng.tensor([2.5])) == 2.5 and int(ng.tensor(7)) == 7
    with pytest.raises(ValueError, match=r"one element; this one has shape \(2, 3\)"):
        t.item()
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_numpy_and_asarray_share_the_data() -> None:
    t = ng.tensor([1.0, 2.0])
    assert t.numpy() is t.data
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(t) is not t.data  # np.array copies, as for any array
    np.testing.assert_array_equal(np.array(t), [1.0, 2.0])


def test_numpy_refuses_while_grad_is_required() -> None:
    t = ng.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"t.detach\(\).numpy\(\)"):
        t.numpy()
    assert t.detach().numpy() is t.data


def test_detach_shares_data_outside_the_graph() -> None:
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    d = y.detach()
    assert d.data is y.data and not d.requires_grad and d.is_leaf
    c = y.clone()
    assert c.data is not y.data and not c.requires_grad
    np.testing.assert_array_equal(c.data, y.data)


def test_repr_is_readable() -> None:
    assert repr(ng.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ng.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(ng.tensor([1, 2], dtype=np.float32)) == "tensor([1., 2.], dtype=float32)"
    assert repr(ng.tensor(3)) == "tensor(3)"
    x = ng.tensor([1.0], requires_grad=True)
    assert repr(x * 2.0) == "tensor([2.], grad_fn=<mul>)"
    lines = repr(ng.tensor(np.eye(2))).splitlines()
    assert lines == ["tensor([[1., 0.],", "        [0., 1.]])"]


def test_truth_value_of_a_tensor() -> None:
    assert bool(ng.tensor([1.0])) and not bool(ng.tensor(0.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ng.tensor([1.0, 2.0]))


def test_tensors_hash_by_identity() -> None:
    a, b = ng.tensor([1.0]), ng.tensor([1.0])
    assert len({a, b}) == 2


# -- which tensors may require grad ------------------------------------------------------------


@pytest.mark.parametrize("data", [[1, 2], [True, False], np.array([1], dtype=np.uint8)])
def test_integer_and_boolean_tensors_never_require_grad(data: Any) -> None:
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        ng.tensor(data, requires_grad=True)
    t = ng.tensor(data)
    with pytest.raises(TypeError, match=r"this tensor is (int|bool|uint)"):
        t.requires_grad = True
    assert not t.requires_grad


def test_creation_functions_refuse_grad_on_integer_dtypes() -> None:
    with pytest.raises(TypeError, match="floating-point"):
        ng.zeros(3, dtype=np.int32, requires_grad=True)


def test_requires_grad_can_be_set_on_leaves_only() -> None:
    x = ng.tensor([1.0]).requires_grad_()
    assert x.requires_grad
    y = x * 2.0
    with pytest.raises(RuntimeError, match="only be switched off on a leaf"):
        y.requires_grad = False
    x.requires_grad = False
    assert not (x * 2.0).requires_grad


# -- operators with scalars and arrays on either side --------------------------------------------

BINARY: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("+", operator.add),
    ("-", operator.sub),
    ("*", operator.mul),
    ("/", operator.truediv),
    ("**", operator.pow),
]
# d(a op b)/da and d(a op b)/db, written out by hand.
PARTIALS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "+": (lambda a, b: np.ones_like(a * b), lambda a, b: np.ones_like(a * b)),
    "-": (lambda a, b: np.ones_like(a * b), lambda a, b: -np.ones_like(a * b)),
    "*": (lambda a, b: b * np.ones_like(a), lambda a, b: a * np.ones_like(b)),
    "/": (lambda a, b: 1 / b * np.ones_like(a), lambda a, b: -a / b**2),
    "**": (lambda a, b: b * a ** (b - 1), lambda a, b: a**b * np.log(a)),
}
VALUES = np.array([0.5, 1.5, 2.0])


def _reduce(grad: np.ndarray, like: Any) -> Any:
    """Sum a broadcast gradient down to the shape of ``like`` (what the engine should do)."""
    shape = np.shape(like)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


@pytest.mark.parametrize(("symbol", "op"), BINARY, ids=[s for s, _ in BINARY])
@pytest.mark.parametrize(
    "other",
    [2.0, 3, np.float64(1.5), np.array([1.5, 2.5, 0.5])],
    ids=["float", "int", "np", "array"],
)
@pytest.mark.parametrize("tensor_on", ["left", "right"])
def test_a_constant_on_either_side(symbol: str, op: Any, other: Any, tensor_on: str) -> None:
    t = ng.tensor(VALUES, requires_grad=True)
    if tensor_on == "left":
        out, expected = op(t, other), op(VALUES, other)
        partial = PARTIALS[symbol][0](VALUES, np.asarray(other))
    else:
        out, expected = op(other, t), op(other, VALUES)
        partial = PARTIALS[symbol][1](np.asarray(other), VALUES)
    assert isinstance(out, Tensor), "NumPy must hand the operator to the tensor"
    np.testing.assert_allclose(out.data, expected)
    out.sum().backward()
    assert t.grad is not None
    np.testing.assert_allclose(t.grad.data, partial)


def test_a_broadcasting_array_on_either_side() -> None:
    t = ng.tensor(VALUES, requires_grad=True)
    arr = np.arange(6.0).reshape(2, 3)
    out = arr * t + t / (arr + 1.0)
    assert isinstance(out, Tensor) and out.shape == (2, 3)
    out.sum().backward()
    assert t.grad is not None
    np.testing.assert_allclose(t.grad.data, _reduce(arr + 1 / (arr + 1.0), VALUES))


def test_matmul_with_an_array_on_either_side() -> None:
    rng = np.random.default_rng(0)
    m = rng.standard_normal((2, 3))
    v = ng.tensor(VALUES, requires_grad=True)
    left = m @ v
    assert isinstance(left, Tensor)
    np.testing.assert_allclose(left.data, m @ VALUES)
    left.sum().backward()
    assert v.grad is not None
    np.testing.assert_allclose(v.grad.data, m.sum(axis=0))
    w = ng.tensor(m, requires_grad=True)
    right = w @ VALUES
    np.testing.assert_allclose(right.data, m @ VALUES)
    right.sum().backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, np.tile(VALUES, (2, 1)))


def test_square_root_by_power() -> None:
    t = ng.tensor([4.0, 9.0], requires_grad=True)
    (t**0.5).sum().backward()
    assert t.grad is not None
    np.testing.assert_allclose(t.grad.data, [0.25, 1 / 6])


def test_negation() -> None:
    t = ng.tensor([1.0, -2.0], requires_grad=True)
    (-t * np.array([3.0, 4.0])).sum().backward()
    assert t.grad is not None
    np.testing.assert_array_equal(t.grad.data, [-3.0, -4.0])


COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("compare", COMPARISONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("other", [2.0, np.array([2.0, 1.0, 3.0])], ids=["scalar", "array"])
def test_comparisons_with_a_constant_on_either_side(compare: Any, other: Any) -> None:
    t = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in (
        (compare(t, other), compare(t.data, other)),
        (compare(other, t), compare(other, t.data)),
    ):
        assert isinstance(result, Tensor) and result.dtype == np.bool_
        assert not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)


def test_python_scalars_keep_a_float32_tensor_float32() -> None:
    t = ng.tensor([1.0, 2.0], dtype=np.float32)
    for out in (t * 2.0, 2.0 * t, t + 1, 1 - t, t / 3.0, t**0.5, 2.0**t):
        assert out.dtype == np.float32


def test_ops_on_constants_give_constant_tensors() -> None:
    out = ng.ops.add(1.0, np.array([2.0, 3.0]))
    assert isinstance(out, Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, [3.0, 4.0])
    assert ng.ops.exp(0.0).item() == 1.0


def test_a_forward_error_names_the_op_and_its_inputs() -> None:
    a, b = ng.tensor(np.ones(3)), ng.tensor(np.ones(4))
    with pytest.raises(ValueError) as info:
        a + b
    message = str(info.value)
    assert message.startswith("add (plugin nanograd_std) on inputs")
    assert "tensor (3,) float64, tensor (4,) float64" in message
    assert "could not be broadcast" in message


def test_a_forward_error_with_parameters_lists_them() -> None:
    with pytest.raises(ValueError, match=r"reshape .* with shape=\(4,\): cannot reshape"):
        ng.tensor(np.ones(3)).reshape(4)


def test_shape_helpers_accept_both_calling_conventions() -> None:
    t = ng.tensor(np.arange(6.0), requires_grad=True)
    assert t.reshape(2, 3).shape == (2, 3) and t.reshape((3, 2)).shape == (3, 2)
    m = t.reshape(2, 3)
    assert m.T.shape == (3, 2) and m.transpose().shape == (3, 2)
    assert m.transpose(1, 0).shape == (3, 2) and m.transpose((1, 0)).shape == (3, 2)
    b = ng.tensor(np.zeros((4, 2, 3)))
    assert b.mT.shape == (4, 3, 2) and b.permute(2, 0, 1).shape == (3, 4, 2)
    assert b.flatten().shape == (24,)
    assert t.float().dtype == np.float32 and t.double() is t


# -- creation ------------------------------------------------------------------------------------


def test_creation_takes_either_shape_convention() -> None:
    assert ng.zeros(2, 3).shape == (2, 3) and ng.zeros((2, 3)).shape == (2, 3)
    assert ng.ones([4]).shape == (4,) and ng.randn(2, 2).shape == (2, 2)
    assert ng.rand((3,), dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(ng.full((2,), 7.0).data, [7.0, 7.0])
    np.testing.assert_array_equal(ng.arange(3).data, [0, 1, 2])


def test_like_functions_keep_the_dtype_unless_told() -> None:
    t = ng.tensor([1, 2], dtype=np.float32)
    assert ng.zeros_like(t).dtype == np.float32 and ng.ones_like(t).shape == (2,)
    assert ng.ones_like(t, dtype=np.float64).dtype == np.float64
    assert ng.zeros_like(t, requires_grad=True).requires_grad


def test_random_draws_follow_the_generator() -> None:
    a = ng.randn(3, generator=np.random.default_rng(5))
    b = ng.randn(3, generator=np.random.default_rng(5))
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.data, np.random.default_rng(5).standard_normal(3))


def test_comparing_with_none_is_identity_not_an_error() -> None:
    t = ng.tensor([1.0, 2.0])
    assert (t == None) is False  # noqa: E711 - the comparison itself is under test
    assert (t != None) is True  # noqa: E711
    assert (t == t).data.tolist() == [True, True]


def test_ufunc_keywords_are_not_op_parameters() -> None:
    x = ng.tensor([1.0, 2.0])
    target = np.zeros(2)
    with pytest.raises(TypeError, match=r"add\(\) got unexpected parameter\(s\) 'out'"):
        ng.ops.add(x, x, out=target)
    with pytest.raises(TypeError, match=r"exp\(\) takes 1 tensor input"):
        ng.ops.exp(x, target)
    assert target.tolist() == [0.0, 0.0]


def test_misspelled_parameter_names_the_valid_ones() -> None:
    with pytest.raises(TypeError, match="its parameters are: axis, keepdims"):
        ng.tensor([1.0, 2.0]).sum(axs=0)


def test_a_missing_argument_names_the_op() -> None:
    with pytest.raises(TypeError, match=r"^add\(\) missing 1 required positional argument"):
        ng.ops.add(ng.tensor([1.0]))  # type: ignore[call-arg]
    assert ng.ops.exp.__name__ == "exp" and ng.ops.exp.__doc__ == "e ** x."


@pytest.mark.parametrize("operand", ["a", None, [object()]], ids=["str", "None", "objects"])
def test_an_operand_that_is_no_number_names_the_op_and_the_value(operand: Any) -> None:
    t = ng.tensor([1.0, 2.0])
    for call, op in ((lambda: t * operand, "mul"), (lambda: ng.ops.exp(operand), "exp"),
                     (lambda: ng.ops.where(t > 0, t, operand), "where")):  # fmt: skip
        with pytest.raises(TypeError, match=rf"^{op}\(\) cannot take {type(operand).__name__} "):
            call()


def test_a_numpy_error_that_cannot_be_retold_in_its_own_class_keeps_its_builtin_class() -> None:
    # NumPy's ufunc errors are TypeErrors whose constructor wants the ufunc and the dtypes.
    with pytest.raises(TypeError, match=r"^clip \(plugin nanograd_std\) .* a_min='a'.*ufunc"):
        ng.tensor([1.0, 2.0]).clip("a", None)


def test_matrix_transpose_of_a_vector_says_what_it_needs() -> None:
    with pytest.raises(ValueError, match=r"at least 2 dimensions; this one has shape \(3,\)"):
        ng.tensor([1.0, 2.0, 3.0]).mT  # noqa: B018
