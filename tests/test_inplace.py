"""In-place methods and augmented assignment: PyTorch's names, the tensor's own array changed,
its shape and dtype kept; refused (or, for ``y += x``, done out of place) where a graph would
lose track."""

from __future__ import annotations

import numpy as np
import pytest

import nanograd as ng


def test_arithmetic_methods_change_the_array_itself_and_return_the_tensor() -> None:
    t = ng.tensor([1.0, 2.0, 3.0])
    array = t.data
    assert t.add_(1.0) is t
    t.sub_(ng.tensor([0.5, 0.5, 0.5])).mul_(2.0).div_(np.array([1.0, 2.0, 4.0]))
    assert t.data is array
    np.testing.assert_allclose(t.data, [3.0, 2.5, 1.75])


def test_zero_fill_and_copy() -> None:
    t = ng.tensor(np.ones((2, 2), dtype=np.float32))
    t.fill_(3)
    np.testing.assert_array_equal(t.data, 3)
    t.copy_([1.0, 2.0])  # broadcasts to the tensor's shape
    np.testing.assert_array_equal(t.data, [[1.0, 2.0], [1.0, 2.0]])
    t.zero_()
    np.testing.assert_array_equal(t.data, 0)
    assert t.dtype == np.float32


def test_an_integer_tensor_takes_integer_updates_in_place() -> None:
    t = ng.tensor([1, 2])
    t += 3
    t.mul_(2)
    np.testing.assert_array_equal(t.data, [8, 10])
    assert t.dtype == np.int64


def test_a_manual_sgd_step_under_no_grad_keeps_the_parameter_a_leaf() -> None:
    w = ng.tensor([1.0, 2.0], requires_grad=True)
    original = w
    for _ in range(2):
        w.grad = None
        (w * w).sum().backward()
        with ng.no_grad():
            assert w.grad is not None
            w -= 0.25 * w.grad
    assert w is original and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.data, [0.25, 0.5])


def test_augmented_assignment_on_a_graph_result_is_recorded_out_of_place() -> None:
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    before = y
    y += x  # y = y + x, as a new node; nanograd records no in-place op
    assert y is not before
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [4.0, 4.0])


def test_summing_losses_into_a_constant_keeps_the_graph() -> None:
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    total = ng.zeros(())
    for k in (1.0, 2.0):
        total += (x * k).sum()  # x requires grad: out of place, recorded
    total.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


def test_in_place_methods_are_refused_on_a_graph_result_naming_the_op() -> None:
    y = ng.tensor([1.0], requires_grad=True).exp()
    with pytest.raises(RuntimeError, match=r"Tensor\.mul_\(\) on the result of op 'exp'"):
        y.mul_(2.0)


def test_in_place_methods_are_refused_with_an_operand_that_requires_grad() -> None:
    t = ng.tensor([1.0])
    with pytest.raises(RuntimeError, match=r"operand that requires grad.*t = t \+ other"):
        t.add_(ng.tensor([1.0], requires_grad=True))


def test_an_operand_that_requires_grad_is_fine_under_no_grad() -> None:
    t = ng.tensor([1.0])
    with ng.no_grad():
        t.add_(ng.tensor([2.0], requires_grad=True))
    np.testing.assert_array_equal(t.data, [3.0])
