"""Versions: a value a gradient needs that was changed in place between the forward and the
backward is an error naming the op, the tensor and what changed it, never a wrong gradient; a
change made before the forward, or after the backward, is none of backward's business."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import nanograd as ng
from nanograd import versions


def _parameter() -> ng.Tensor:
    return ng.tensor([1.0, -2.0, 3.0], requires_grad=True)


def _step(p: ng.Tensor) -> None:
    p.grad = ng.ones_like(p)
    ng.optim.SGD([p], lr=0.5).step()


# -- what is refused -----------------------------------------------------------------------------


def test_an_optimizer_step_between_forward_and_backward_names_the_op_the_tensor_and_the_step() -> (
    None
):
    w = _parameter()
    loss = (w * w).sum()
    _step(w)
    grad_before = w.grad
    with pytest.raises(RuntimeError) as info:
        loss.backward()
    message = str(info.value)
    assert "op 'mul'" in message
    assert "its input 0" in message and "shape (3,) float64" in message
    assert "a leaf that requires grad" in message
    assert "SGD.step()" in message
    assert "before optimizer.step()" in message
    assert w.grad is grad_before  # refused before any gradient was written


@pytest.mark.parametrize(
    "change",
    [
        lambda w: w.add_(1.0),
        lambda w: w.mul_(2.0),
        lambda w: w.zero_(),
        lambda w: w.fill_(4.0),
        lambda w: w.copy_(np.arange(3.0)),
        lambda w: w.__isub__(1.0),
    ],
    ids=["add_", "mul_", "zero_", "fill_", "copy_", "-="],
)
def test_an_in_place_method_under_no_grad_is_seen(change: Callable[[ng.Tensor], object]) -> None:
    w = _parameter()
    loss = w.exp().sum()
    with ng.no_grad():
        change(w)
    with pytest.raises(RuntimeError, match=r"op 'exp'.*changed in place by"):
        loss.backward()


def test_a_data_assignment_is_seen() -> None:
    w = _parameter()
    loss = (w * 3.0).sum()
    w.data = np.zeros(3)
    with pytest.raises(RuntimeError, match=r"op 'mul'.*by a \.data assignment"):
        loss.backward()


def test_a_change_of_an_op_result_is_seen_as_its_output() -> None:
    w = _parameter()
    y = w.exp()  # exp's gradient is computed from its output
    with ng.no_grad():
        y.mul_(0.0)
    with pytest.raises(RuntimeError, match=r"op 'exp': its output, .*result of op 'exp'"):
        y.backward(np.ones(3))


def test_a_change_of_an_intermediate_result_is_seen_by_the_op_that_consumed_it() -> None:
    w = _parameter()
    y = w.exp()
    loss = (y * 2.0).sum()
    with ng.no_grad():
        y.mul_(0.0)
    with pytest.raises(RuntimeError, match=r"op 'mul': its input 0, .*result of op 'exp'"):
        loss.backward()


def test_a_change_through_a_detached_tensor_is_seen() -> None:
    w = _parameter()
    loss = (w * w).sum()
    w.detach().add_(1.0)  # shares w's memory
    with pytest.raises(RuntimeError, match="op 'mul'"):
        loss.backward()


def test_a_change_through_a_view_is_seen() -> None:
    w = ng.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    loss = (w * w).sum()
    with ng.no_grad():
        view = w.reshape(3, 2)  # NumPy's reshape is a view of w's memory
        view.add_(1.0)
    with pytest.raises(RuntimeError, match="op 'mul'"):
        loss.backward()


def test_a_constant_input_changed_in_place_is_seen_too() -> None:
    w = _parameter()
    x = ng.tensor([1.0, 2.0, 3.0])  # w's gradient is computed from x
    loss = (w * x).sum()
    x.add_(1.0)
    with pytest.raises(RuntimeError, match=r"input 1.*does not require grad"):
        loss.backward()


def test_ng_grad_refuses_too() -> None:
    w = _parameter()
    loss = (w * w).sum()
    _step(w)
    with pytest.raises(RuntimeError, match="op 'mul'"):
        ng.grad(loss, w)


def test_a_retained_graph_walked_again_after_a_step_is_refused() -> None:
    w = _parameter()
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    _step(w)
    with pytest.raises(RuntimeError, match=r"SGD\.step\(\)"):
        loss.backward()


# -- what is not refused -------------------------------------------------------------------------


def test_the_training_loop_order_forward_backward_step_passes_and_is_right() -> None:
    w = _parameter()
    optimizer = ng.optim.SGD([w], lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        expected = 2 * w.data.copy()
        (w * w).sum().backward()
        assert w.grad is not None
        np.testing.assert_allclose(w.grad.data, expected)
        optimizer.step()


def test_a_change_before_the_forward_is_fine() -> None:
    w = _parameter()
    with ng.no_grad():
        w.mul_(2.0)
    (w * w).sum().backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, [4.0, -8.0, 12.0])


def test_a_change_of_another_tensor_is_fine() -> None:
    w, other = _parameter(), _parameter()
    loss = (w * w).sum()
    _step(other)  # the clock moved, so backward looks, and finds nothing of its own changed
    loss.backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, [2.0, -4.0, 6.0])


def test_a_graph_made_after_the_change_of_its_leaf_is_fine_even_if_older_parts_exist() -> None:
    w = _parameter()
    (w * w).sum()  # an abandoned graph
    _step(w)
    loss = (w * w).sum()
    loss.backward()
    assert w.grad is not None


def test_writes_that_bypass_nanograd_are_not_seen_as_documented() -> None:
    # Writing into t.data directly is invisible, as it is through PyTorch's .data; the docs of
    # nanograd.versions say so, and point to the in-place methods instead.
    w = _parameter()
    loss = (w * w).sum()
    w.data[...] = 0.0
    loss.backward()
    assert "t.data[...] = v" in (versions.__doc__ or "")


# -- the version itself --------------------------------------------------------------------------


def test_the_version_grows_with_each_in_place_change_and_only_then() -> None:
    w = _parameter()
    start = w._version
    y = w * 2.0
    assert w._version == start
    with ng.no_grad():
        w.add_(1.0)
    after_add = w._version
    assert after_add > start
    _step(w)
    assert w._version > after_add
    w.data = np.ones(3)
    assert w._version > after_add
    assert y._version == 0


def test_a_tensor_sharing_memory_shares_its_version() -> None:
    w = _parameter()
    d = w.detach()
    with ng.no_grad():
        w.add_(1.0)
    assert d._version == w._version > 0


def test_stamps_are_forgotten_with_their_tensors() -> None:
    before = len(versions._stamps)
    for _ in range(100):
        t = ng.tensor([1.0, 2.0])
        t.add_(1.0)
    del t
    assert len(versions._stamps) <= before + 1
