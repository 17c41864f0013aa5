"""Reverse mode: backward and ng.grad, accumulation, freed graphs, higher order, deep graphs,
shared nodes, broadcasting, no_grad and dtypes.

Expected gradients come from derivatives worked out by hand or from central differences of the
same function written in NumPy, never from the engine itself.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nanograd as ng
from nanograd import domain
from nanograd.call import make_function
from nanograd.registry import Registry
from nanograd.tensor import Tensor


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar NumPy function, in float64."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / (2 * eps)
    return grad


def custom_op(name: str, forward: Callable[..., Any], vjp: Any) -> Callable[..., Tensor]:
    """An op made straight from a declaration, without loading it as a plugin."""
    op = Registry().op_registrar("test_plugin")(name, forward, vjp, domain=domain.broadcast())
    return make_function(op)


def leaf(values: Any, dtype: Any = np.float64) -> Tensor:
    return ng.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# -- backward ------------------------------------------------------------------------------------


def test_backward_of_a_scalar_fills_leaf_grads() -> None:
    x, w = leaf([1.0, 2.0, 3.0]), leaf([0.5, -1.0, 2.0])
    (x * w + x.exp()).sum().backward()
    assert x.grad is not None and w.grad is not None
    np.testing.assert_allclose(x.grad.data, w.data + np.exp(x.data))
    np.testing.assert_allclose(w.grad.data, x.data)


@pytest.mark.parametrize(
    "f", [lambda x: x * x, lambda x: x * x + x.exp(), lambda x: (x * 2.0).sum()],
    ids=["one use", "two uses summed", "through sum"],
)  # fmt: skip
def test_the_gradient_of_a_0_d_leaf_is_a_0_d_array(f: Callable[[Tensor], Tensor]) -> None:
    x = leaf(2.0)
    f(x).backward()
    f(x).backward()  # accumulated: NumPy adds two 0-d arrays into a scalar
    assert x.grad is not None
    assert type(x.grad.data) is np.ndarray and x.grad.data.shape == ()
    assert np.asarray(x.grad).shape == ()
    (g,) = ng.grad(f(x), x)
    assert g is not None and type(g.data) is np.ndarray


def test_backward_of_a_non_scalar_needs_a_gradient_of_its_shape() -> None:
    x = leaf([1.0, 2.0])
    y = x * 3.0
    with pytest.raises(RuntimeError, match=r"only for a one-element output.*shape \(2,\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"has shape \(3,\) but the output has shape \(2,\)"):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, 10.0]))
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [3.0, 30.0])


@pytest.mark.parametrize(
    "seed", [[2.0, -1.0], np.array([2.0, -1.0]), ng.tensor([2.0, -1.0])], ids=type
)
def test_backward_takes_a_list_array_or_tensor_as_the_gradient(seed: Any) -> None:
    x = leaf([1.0, 2.0])
    (x * x).backward(seed)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [4.0, -4.0])


def test_backward_needs_an_output_that_requires_grad() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        (ng.tensor([1.0]) * 2).backward()


def test_backward_of_a_leaf_gives_it_the_seed() -> None:
    x = leaf([1.0, 2.0])
    x.backward(np.array([3.0, 4.0]))
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_leaf_grad_accumulates_over_backward_calls() -> None:
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2 * (2 * x.data))
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


def test_accumulating_makes_a_new_grad_and_leaves_the_old_one_alone() -> None:
    x = leaf([1.0, 2.0])
    (x * 1.0).sum().backward()
    first = x.grad
    assert first is not None
    (x * 1.0).sum().backward()
    np.testing.assert_array_equal(first.data, [1.0, 1.0])
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_leaf_grads_do_not_alias_the_seed_or_each_other() -> None:
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    seed = np.array([1.0, 1.0])
    (a + b).backward(seed)
    assert a.grad is not None and b.grad is not None
    a.grad.data[0] = 100.0
    assert b.grad.data[0] == 1.0 and seed[0] == 1.0


def test_a_leaf_grad_never_aliases_what_outlives_the_walk() -> None:
    """A gradient becomes a leaf's .grad without a copy only when nothing else holds it: not a
    tensor seed the caller keeps, not an input a vjp handed back, not another leaf's gradient,
    not an array a vjp returned a view of while keeping the array."""
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    seed = ng.tensor([1.0, 1.0])
    (a + b).backward(seed)  # add hands the seed tensor itself to both leaves
    assert a.grad is not None and b.grad is not None
    a.grad.data[0] = 100.0
    assert b.grad.data[0] == 1.0 and seed.data[0] == 1.0

    kept = leaf([5.0, 6.0])
    echo = custom_op("echo", np.multiply, (lambda g, out, x, y: kept, lambda g, out, x, y: g * x))
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    echo(x, y).sum().backward()  # x's gradient is the live tensor ``kept``
    assert x.grad is not None and x.grad is not kept
    x.grad.data[0] = -1.0
    assert kept.data[0] == 5.0

    held: list[np.ndarray] = []

    def half_of_a_kept_array(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> Tensor:
        whole = np.concatenate([g.data * y.data, g.data * y.data])
        held.append(whole)
        return ng.as_tensor(whole[: g.data.size])

    view = custom_op("view", np.multiply, (half_of_a_kept_array, lambda g, out, x, y: g * x))
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    view(x, y).sum().backward()
    assert x.grad is not None
    x.grad.data[0] = -1.0
    assert held[0][0] == 3.0  # the array the vjp kept is not the gradient's memory


def test_a_second_backward_through_a_freed_graph_asks_for_retain_graph() -> None:
    x = leaf([1.0, 2.0])
    loss = (x.exp() * 2.0).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        loss.backward()


def test_a_freed_graph_is_refused_before_any_grad_is_written() -> None:
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = x * 2.0
    y.sum().backward()  # frees y's record
    x.grad = None
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        (y * w).sum().backward()
    assert w.grad is None and x.grad is None


def test_retain_graph_allows_a_second_backward() -> None:
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2 * 2 * x.data)


def test_the_graph_is_freed_after_backward() -> None:
    x = leaf([1.0, 2.0])
    y = x * 2.0
    z = y.exp()
    loss = z.sum()
    refs = [weakref.ref(y), weakref.ref(z)]
    del y, z
    assert all(r() is not None for r in refs)  # the loss's graph holds them
    loss.backward()
    assert all(r() is None for r in refs)
    assert loss.grad_fn is not None  # the loss still says what made it


def test_a_retained_graph_is_kept() -> None:
    x = leaf([1.0, 2.0])
    y = x * 2.0
    loss = y.sum()
    ref = weakref.ref(y)
    del y
    loss.backward(retain_graph=True)
    assert ref() is not None


def test_grad_mode_is_restored_when_a_vjp_raises() -> None:
    def broken(g: Any, out: Any, x: Any, y: Any) -> Any:
        raise ArithmeticError("vjp failed")

    op = custom_op("broken", np.multiply, (broken, broken))
    x = leaf([1.0])
    with pytest.raises(ArithmeticError):
        op(x, 2.0).sum().backward()
    assert ng.is_grad_enabled()


# -- ng.grad -------------------------------------------------------------------------------------


def test_grad_returns_gradients_and_leaves_dot_grad_alone() -> None:
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    gx, gw = ng.grad((x * w).sum(), [x, w])
    assert gx is not None and gw is not None
    np.testing.assert_allclose(gx.data, w.data)
    np.testing.assert_allclose(gw.data, x.data)
    assert x.grad is None and w.grad is None
    assert not gx.requires_grad


def test_grad_of_a_single_input_is_a_one_tuple() -> None:
    x = leaf([1.0, 2.0])
    result = ng.grad((x * x).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1


def test_grad_outputs_weight_several_outputs() -> None:
    x = leaf([1.0, 2.0])
    y1, y2 = x * 2.0, x * x
    (gx,) = ng.grad([y1, y2], [x], grad_outputs=[np.array([1.0, 1.0]), np.array([10.0, 0.0])])
    assert gx is not None
    np.testing.assert_allclose(gx.data, [2.0 + 10.0 * 2.0, 2.0])


def test_grad_with_respect_to_an_intermediate_tensor() -> None:
    x = leaf([1.0, 2.0])
    h = x * 3.0
    loss = (h * h).sum()
    gh, gx = ng.grad(loss, [h, x])
    assert gh is not None and gx is not None
    np.testing.assert_allclose(gh.data, 2 * h.data)
    np.testing.assert_allclose(gx.data, 2 * h.data * 3.0)


def test_grad_of_an_unused_input_is_an_error_unless_allowed() -> None:
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match=r"input 1 .* was not used.*allow_unused=True"):
        ng.grad((x * 2.0).sum(), [x, unused], retain_graph=True)
    gx, gu = ng.grad((x * 2.0).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx is not None


def test_grad_needs_inputs_that_require_grad() -> None:
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="input 0 is not a tensor that requires grad"):
        ng.grad((x * 2.0).sum(), [ng.tensor([1.0])])


def test_grad_frees_the_graph_unless_retained() -> None:
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    ng.grad(loss, x, retain_graph=True)
    ng.grad(loss, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        ng.grad(loss, x)


def test_grad_walks_only_the_part_of_the_graph_that_leads_to_its_inputs() -> None:
    calls: list[str] = []

    def recorded(g: Any, out: Any, x: Any, y: Any) -> Any:
        calls.append("w")
        return g * x

    scale = custom_op("scale", np.multiply, (lambda g, out, x, y: g * y, recorded))
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    loss = (scale(x, w) * x).sum()
    (gx,) = ng.grad(loss, x)
    assert calls == []  # no gradient was wanted for w
    assert gx is not None
    np.testing.assert_allclose(gx.data, 2 * w.data * x.data)


# -- higher order --------------------------------------------------------------------------------


def test_hessian_vector_product() -> None:
    x = leaf([0.5, -1.0, 2.0])
    v = np.array([1.0, 2.0, -1.0])
    (g,) = ng.grad((x**3).sum(), x, create_graph=True)
    assert g is not None and g.requires_grad
    (hv,) = ng.grad((g * v).sum(), x)
    assert hv is not None
    np.testing.assert_allclose(hv.data, 6 * x.data * v)  # the Hessian of sum(x^3) is diag(6x)


def test_backward_with_create_graph_makes_dot_grad_differentiable() -> None:
    x = leaf([0.5, 2.0])
    (x**3).sum().backward(create_graph=True)
    assert x.grad is not None and x.grad.requires_grad
    first = x.grad
    x.grad = None
    first.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_gradient_penalty_on_a_critic() -> None:
    """WGAN-GP: penalise (|d critic / d input|^2 - 1)^2 and differentiate it by the weights."""
    rng = np.random.default_rng(1)
    x0, w0 = rng.standard_normal(3), rng.standard_normal((3, 2))

    def penalty_numpy(w: np.ndarray) -> float:
        grad_x = w @ (1 - np.tanh(x0 @ w) ** 2)
        return float((np.sum(grad_x**2) - 1.0) ** 2)

    x, w = leaf(x0), leaf(w0)
    critic = (x @ w).tanh().sum()
    (grad_x,) = ng.grad(critic, x, create_graph=True)
    assert grad_x is not None
    penalty = ((grad_x * grad_x).sum() - 1.0) ** 2
    penalty.backward()
    assert w.grad is not None
    np.testing.assert_allclose(penalty.item(), penalty_numpy(w0))
    np.testing.assert_allclose(w.grad.data, numeric_grad(penalty_numpy, w0), rtol=1e-5, atol=1e-7)


def test_derivative_of_the_output_by_the_input_inside_a_loss() -> None:
    """Physics-informed style: fit du/dx of u(x) = tanh(a x + b) to a target slope."""
    xs = np.linspace(-1.0, 1.0, 5)
    target = np.cos(xs)

    def loss_numpy(params: np.ndarray) -> float:
        a, b = params
        dudx = a * (1 - np.tanh(a * xs + b) ** 2)
        return float(np.mean((dudx - target) ** 2))

    params0 = np.array([0.7, 0.2])
    a, b = leaf(params0[0]), leaf(params0[1])
    x = leaf(xs)
    u = (a * x + b).tanh()
    (dudx,) = ng.grad(u, x, grad_outputs=np.ones_like(xs), create_graph=True)
    assert dudx is not None
    loss = ((dudx - target) ** 2).mean()
    loss.backward()
    assert a.grad is not None and b.grad is not None
    got = np.array([a.grad.item(), b.grad.item()])
    np.testing.assert_allclose(got, numeric_grad(loss_numpy, params0), rtol=1e-5, atol=1e-8)


def test_third_order() -> None:
    x = leaf([1.5])
    (g1,) = ng.grad((x**4).sum(), x, create_graph=True)
    assert g1 is not None
    (g2,) = ng.grad(g1.sum(), x, create_graph=True)
    assert g2 is not None
    (g3,) = ng.grad(g2.sum(), x)
    assert g3 is not None
    np.testing.assert_allclose(g3.data, 24 * x.data)


# -- shared nodes ------------------------------------------------------------------------------


def test_a_tensor_used_as_both_operands() -> None:
    x = leaf([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2 * x.data)
    x.grad = None
    (x + x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0, 2.0])


def test_a_diamond_sums_both_paths() -> None:
    x = leaf([0.3, -0.7])
    y = x * 2.0
    loss = (y.tanh() * y.exp()).sum()  # y reaches the loss along two paths
    loss.backward()

    def f(v: np.ndarray) -> float:
        return float(np.sum(np.tanh(2 * v) * np.exp(2 * v)))

    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, numeric_grad(f, x.data), rtol=1e-6)


def test_a_node_reused_many_times() -> None:
    x = leaf([0.5, 1.5])
    h = x.exp()
    total = h
    for _ in range(9):
        total = total + h
    total.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 10 * np.exp(x.data))


def test_several_outputs_share_a_graph() -> None:
    x = leaf([1.0, 2.0])
    h = x * x
    ng.autograd.backward([h.sum(), (h * 3.0).sum()])
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 4 * 2 * x.data)


def test_an_output_that_feeds_another_output() -> None:
    x = leaf([1.0, 2.0])
    y = x * 2.0
    z = y * y
    ng.autograd.backward([y, z], [np.ones(2), np.ones(2)])
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2.0 + 2 * y.data * 2.0)


# -- broadcasting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape_a", "shape_b"),
    [((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((4, 1, 3), (2, 1)), ((1, 3), (2, 3))],
)
def test_broadcast_gradients_are_summed_back_to_each_shape(
    shape_a: tuple[int, ...], shape_b: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    weights = rng.standard_normal(np.broadcast_shapes(shape_a, shape_b))
    a, b = leaf(a0), leaf(b0)
    (a * b * weights).sum().backward()
    assert a.grad is not None and b.grad is not None
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    np.testing.assert_allclose(
        a.grad.data, numeric_grad(lambda v: float(np.sum(v * b0 * weights)), a0), rtol=1e-6
    )
    np.testing.assert_allclose(
        b.grad.data, numeric_grad(lambda v: float(np.sum(a0 * v * weights)), b0), rtol=1e-6
    )


def test_a_vjp_may_return_the_broadcast_shape_and_the_engine_reduces_it() -> None:
    # This op's vjps return the gradient at the output's shape and never unbroadcast.
    plus = custom_op("plus", np.add, (lambda g, out, x, y: g, lambda g, out, x, y: g))
    a, b = leaf(np.ones((2, 3))), leaf(np.ones((1, 3)))
    plus(a, b).backward(np.arange(6.0).reshape(2, 3))
    assert b.grad is not None
    np.testing.assert_allclose(b.grad.data, [[3.0, 5.0, 7.0]])


def test_a_vjp_of_an_impossible_shape_is_named() -> None:
    wrong = custom_op(
        "wrong", np.multiply, (lambda g, out, x, y: np.ones(5), lambda g, out, x, y: g)
    )
    with pytest.raises(ValueError) as info:
        wrong(leaf(np.ones(3)), 2.0).sum().backward()
    message = str(info.value)
    assert "op 'wrong' (plugin 'test_plugin') for input 0 returned shape (5,)" in message
    assert "input's shape (3,)" in message


def test_a_vjp_returning_an_array_is_accepted() -> None:
    op = custom_op("twice", np.multiply, (lambda g, out, x, y: np.asarray(g) * 2.0, None))
    x = leaf([1.0, 2.0])
    op(x, 2.0).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


# -- no_grad -------------------------------------------------------------------------------------


def test_no_grad_records_nothing() -> None:
    x = leaf([1.0, 2.0])
    with ng.no_grad():
        y = (x * 2.0).exp().sum()
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    assert (x * 2.0).requires_grad  # recording resumes after the block


def test_enable_grad_inside_no_grad_and_no_grad_as_decorator() -> None:
    x = leaf([1.0])

    @ng.no_grad()
    def evaluate() -> Tensor:
        return x * 2.0

    assert not evaluate().requires_grad
    with ng.no_grad():
        with ng.enable_grad():
            assert (x * 2.0).requires_grad
        assert not (x * 2.0).requires_grad


def test_no_grad_restores_recording_after_an_exception() -> None:
    with pytest.raises(KeyError), ng.no_grad():
        raise KeyError("inside")
    assert ng.is_grad_enabled()


def test_backward_itself_records_nothing_without_create_graph() -> None:
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    assert x.grad is not None and not x.grad.requires_grad and x.grad.is_leaf


# -- dtypes --------------------------------------------------------------------------------------


def test_float32_stays_float32_forward_and_backward() -> None:
    x = leaf([0.5, 1.5], dtype=np.float32)
    w = leaf([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    y = ((x @ w).tanh() * 2.0 + 1.0) ** 2 / 3.0 - x.exp()
    assert y.dtype == np.float32
    loss = y.sum()
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad is not None and w.grad is not None
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_mixed_precision_gives_each_input_a_gradient_of_its_own_dtype() -> None:
    a = leaf([1.0, 2.0], dtype=np.float32)
    b = leaf([3.0, 4.0], dtype=np.float64)
    out = a * b
    assert out.dtype == np.float64  # NumPy's promotion
    out.sum().backward()
    assert a.grad is not None and b.grad is not None
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad.data, [3.0, 4.0])


def test_ng_grad_keeps_dtypes_too() -> None:
    a = leaf([1.0, 2.0], dtype=np.float32)
    (ga,) = ng.grad((a * np.float64(2.0)).sum(), a)
    assert ga is not None and ga.dtype == np.float32


def test_an_integer_result_ends_the_graph() -> None:
    x = leaf([1.7, 2.2])
    assert not x.astype(np.int64).requires_grad
    assert (x.astype(np.int64) * x).requires_grad  # the float operand still records


# -- deep graphs -------------------------------------------------------------------------------


def test_backward_through_a_million_ops() -> None:
    x = leaf(1.0)
    y = x
    # The cyclic collector would rescan the growing graph over and over; the graph holds no
    # cycles (tests/test_memory.py), so reference counting alone frees it.
    gc.disable()
    try:
        for _ in range(1_000_000):
            y = y * 1.000001
        y.backward()
    finally:
        gc.enable()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.item(), 1.000001**1_000_000, rtol=1e-9)
