"""The first-party op set: NumPy's semantics forward, the documented gradient choices, stability,
dtypes and error messages. Gradients in general are the property suite's job; the tests here
pin down what a property test cannot see (kinks, accumulation, extreme values)."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import nanograd as ng
from nanograd import ops

RNG = np.random.default_rng(1234)
X = RNG.standard_normal((3, 4, 5))


def grad_of(fn, *arrays, upstream=None):
    """Gradients of ``fn`` at ``arrays`` (float64 leaves), weighted by ``upstream``."""
    leaves = [ng.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    seed = np.ones(out.shape) if upstream is None else upstream
    grads = ng.grad(out, leaves, grad_outputs=ng.tensor(seed))
    return [g.data for g in grads]


# -- reductions -----------------------------------------------------------------------------------

AXES = [None, 0, -1, (0, 2), (2, 0, 1)]


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, axis, keepdims):
    got = getattr(ops, name)(ng.tensor(X), axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(X, axis=axis, keepdims=keepdims)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_var_and_std_match_numpy_with_ddof(name, axis, ddof, keepdims):
    got = getattr(ops, name)(ng.tensor(X), axis=axis, ddof=ddof, keepdims=keepdims)
    expected = getattr(np, name)(X, axis=axis, ddof=ddof, keepdims=keepdims)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std", "logsumexp"])
@pytest.mark.parametrize("axis", [np.int64(-1), (np.intp(0), 2)], ids=["int64", "tuple"])
def test_reductions_take_numpy_integer_axes_forward_and_backward(name, axis):
    upstream = RNG.standard_normal(np.sum(X, axis=axis).shape)
    (got,) = grad_of(lambda t: getattr(ops, name)(t, axis=axis), X, upstream=upstream)
    python_axis = int(axis) if np.ndim(axis) == 0 else tuple(int(a) for a in axis)
    (expected,) = grad_of(lambda t: getattr(ops, name)(t, axis=python_axis), X, upstream=upstream)
    np.testing.assert_array_equal(got, expected)


def test_var_and_std_default_to_the_population_formula():
    x = np.array([1.0, 2.0, 4.0])
    mean = 7.0 / 3.0
    population = sum((v - mean) ** 2 for v in x) / 3
    assert ng.tensor(x).var().item() == pytest.approx(population, rel=1e-14)
    assert ng.tensor(x).std().item() == pytest.approx(math.sqrt(population), rel=1e-14)


@pytest.mark.parametrize("ddof", [0, 1])
def test_var_gradient_is_twice_the_centred_input_over_the_divisor(ddof):
    x = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    (g,) = grad_of(lambda t: t.var(axis=1, ddof=ddof), x)
    centred = x - x.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(g, 2 * centred / (3 - ddof), rtol=1e-12)


def test_std_of_equal_elements_has_zero_gradient():
    (g,) = grad_of(lambda t: t.std(axis=0), np.array([[2.0, 1.0], [2.0, 3.0]]))
    assert np.all(np.isfinite(g))
    assert g[0, 0] == 0.0 and g[1, 0] == 0.0
    np.testing.assert_allclose(g[:, 1], [-0.5, 0.5])


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_matches_the_direct_formula(axis, keepdims):
    got = ops.logsumexp(ng.tensor(X), axis=axis, keepdims=keepdims)
    expected = np.log(np.sum(np.exp(X), axis=axis, keepdims=keepdims))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:divide by zero encountered in log")
def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    got = ops.logsumexp(ng.tensor([[-np.inf, -np.inf], [0.0, -np.inf]]), axis=1)
    assert got.data[0] == -np.inf
    assert got.data[1] == 0.0


def test_max_splits_the_gradient_evenly_among_ties():
    (g,) = grad_of(lambda t: t.max(), np.array([1.0, 3.0, 3.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])
    (g,) = grad_of(lambda t: t.min(axis=0), np.array([[1.0, 5.0], [1.0, 4.0], [2.0, 4.0]]))
    np.testing.assert_array_equal(g, [[0.5, 0.0], [0.5, 0.5], [0.0, 0.5]])


# -- softmax, log_softmax, logsumexp at extreme logits --------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_large_logits_give_finite_values_and_gradients(name):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4 + 1.0, -1e4]])
    upstream = RNG.standard_normal(getattr(ops, name)(ng.tensor(logits)).shape)
    x = ng.tensor(logits, requires_grad=True)
    out = getattr(ops, name)(x)
    (g,) = ng.grad(out, x, grad_outputs=ng.tensor(upstream))
    assert np.all(np.isfinite(out.data))
    assert np.all(np.isfinite(g.data))


def test_softmax_and_log_softmax_of_large_logits_are_exact():
    x = ng.tensor([[1e4, 0.0, -1e4], [5e3, 5e3, 5e3]])
    np.testing.assert_allclose(x.softmax().data, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(
        x.log_softmax().data, [[0.0, -1e4, -2e4], [-math.log(3)] * 3], rtol=1e-12
    )
    np.testing.assert_allclose(x.logsumexp(axis=1).data, [1e4, 5e3 + math.log(3)], rtol=1e-12)


@pytest.mark.parametrize("axis", [-1, 0, None, (0, 1)])
def test_softmax_sums_to_one_along_axis(axis):
    out = ops.softmax(ng.tensor(X), axis=axis)
    np.testing.assert_allclose(np.sum(out.data, axis=axis), 1.0, rtol=1e-12)
    exp = np.exp(X)
    np.testing.assert_allclose(out.data, exp / exp.sum(axis=axis, keepdims=True), rtol=1e-12)
    log = ops.log_softmax(ng.tensor(X), axis=axis)
    np.testing.assert_allclose(log.data, np.log(out.data), rtol=1e-12, atol=1e-12)


# -- elementwise ----------------------------------------------------------------------------------

UNARY = ["negative", "exp", "log", "log1p", "sqrt", "abs", "sign", "sin", "cos", "tanh"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_match_numpy(name):
    x = np.abs(X) + 0.1 if name in ("log", "log1p", "sqrt") else X
    op = ops.neg if name == "negative" else getattr(ops, name)
    np.testing.assert_array_equal(op(ng.tensor(x)).data, getattr(np, name)(x))


def test_erf_matches_the_c_library_to_the_last_bit():
    x = np.concatenate([np.linspace(-6, 6, 101), [0.0, 1e-300, -27.0]])
    np.testing.assert_array_equal(ops.erf(ng.tensor(x)).data, [math.erf(v) for v in x])


def test_sigmoid_is_accurate_far_into_both_tails():
    x = np.array([-745.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])
    expected = [1 / (1 + math.exp(-v)) if v > -700 else 0.0 for v in x]
    np.testing.assert_allclose(ops.sigmoid(ng.tensor(x)).data, expected, rtol=1e-14, atol=1e-300)


def test_sigmoid_does_not_warn_on_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (np.float16, np.float32, np.float64):
            out = ops.sigmoid(ng.tensor([-1e4, 1e4], dtype=dtype))
            # 0 up to the dtype's smallest normal number (below it, exp(-x) is clamped)
            np.testing.assert_allclose(out.data, [0.0, 1.0], atol=np.finfo(dtype).tiny)


def test_relu_and_leaky_relu():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(ops.relu(ng.tensor(x)).data, [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(
        ops.leaky_relu(ng.tensor(x)).data, [-0.02, -0.005, 0, 0.5, 2], rtol=1e-15
    )
    np.testing.assert_allclose(
        ops.leaky_relu(ng.tensor(x), negative_slope=0.2).data, [-0.4, -0.1, 0, 0.5, 2]
    )


def test_gelu_exact_and_tanh_forms():
    x = np.linspace(-4, 4, 17)
    exact = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x]
    k = math.sqrt(2 / math.pi)
    approx = [0.5 * v * (1 + math.tanh(k * (v + 0.044715 * v**3))) for v in x]
    # 1 + erf (or tanh) cancels for negative x: agreement to a few ulps of 1, not of the result
    np.testing.assert_allclose(ops.gelu(ng.tensor(x)).data, exact, rtol=1e-13, atol=1e-15)
    got = ops.gelu(ng.tensor(x), approximate="tanh").data
    np.testing.assert_allclose(got, approx, rtol=1e-13, atol=1e-15)


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match=r"gelu.*approximate must be 'none' or 'tanh'"):
        ops.gelu(ng.tensor([1.0]), approximate="fast")


def test_softplus_follows_pytorch_beta_and_threshold():
    x = np.array([-30.0, -1.0, 0.0, 2.0, 19.0, 21.0, 1e4])
    expected = [math.log1p(math.exp(v)) if v <= 20 else v for v in x]
    np.testing.assert_allclose(ops.softplus(ng.tensor(x)).data, expected, rtol=1e-14)
    # beta * x above threshold is linear: x itself
    got = ops.softplus(ng.tensor([1.0, 3.0]), beta=2.0, threshold=5.0).data
    np.testing.assert_allclose(got, [math.log1p(math.exp(2.0)) / 2, 3.0], rtol=1e-14)
    (g,) = grad_of(lambda t: ops.softplus(t), np.array([-1e4, 0.0, 1e4]))
    np.testing.assert_allclose(g, [0.0, 0.5, 1.0], rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("relu", [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]),
        ("abs", [-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]),
        ("leaky_relu", [-1.0, 0.0, 1.0], [0.01, 0.01, 1.0]),
    ],
)
def test_gradients_at_kinks_follow_pytorch(name, x, expected):
    (g,) = grad_of(getattr(ops, name), np.array(x))
    np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_ops_broadcast_as_numpy(name):
    a = RNG.uniform(0.5, 2.0, (3, 1, 5))
    b = RNG.uniform(0.5, 2.0, (4, 1))
    reference = {"sub": np.subtract, "mul": np.multiply, "div": np.divide}.get(name)
    expected = (reference or getattr(np, name))(a, b)
    np.testing.assert_array_equal(getattr(ops, name)(ng.tensor(a), ng.tensor(b)).data, expected)


def test_pow_gradients_for_base_and_exponent():
    x, y = np.array([0.5, 2.0, 3.0]), np.array([1.5, -1.0, 2.0])
    gx, gy = grad_of(lambda a, b: a**b, x, y)
    np.testing.assert_allclose(gx, y * x ** (y - 1), rtol=1e-14)
    np.testing.assert_allclose(gy, x**y * np.log(x), rtol=1e-14)
    (g0,) = grad_of(lambda a: a**0, np.array([0.0, 2.0]))
    np.testing.assert_array_equal(g0, [0.0, 0.0])
    (gc,) = grad_of(lambda b: 2.0**b, y)
    np.testing.assert_allclose(gc, 2.0**y * math.log(2.0), rtol=1e-14)


def test_pow_exponent_gradient_at_a_zero_base_is_zero_not_nan():
    # 0 ** y is 0 for every y > 0 (and 1 at y == 0): constant in y, so its gradient is 0.
    x, y = np.array([0.0, 0.0, 1.5]), np.array([2.0, 1.5, 3.0])
    _, gy = grad_of(lambda a, b: a**b, x, y)
    np.testing.assert_array_equal(gy[:2], [0.0, 0.0])
    np.testing.assert_allclose(gy[2], 1.5**3 * math.log(1.5), rtol=1e-14)
    (gc,) = grad_of(lambda b: 0.0**b, np.array([0.0, 0.5, 2.0]))  # a constant zero base
    np.testing.assert_array_equal(gc, [0.0, 0.0, 0.0])
    (ga,) = grad_of(lambda b: np.array([0.0, 2.0]) ** b, np.array([0.5, 0.5]))
    np.testing.assert_allclose(ga, [0.0, 2.0**0.5 * math.log(2.0)], rtol=1e-14)
    # and central differences agree (integer exponents: x ** y is defined on both sides of 0)
    base = ng.tensor([0.0, 1.5], requires_grad=True)
    assert ng.gradcheck(lambda a, b: a**b, (base, ng.tensor([2.0, 3.0], requires_grad=True)))


def test_maximum_and_minimum_split_ties_evenly():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    ga, gb = grad_of(ops.maximum, a, b)
    np.testing.assert_array_equal(ga, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(gb, [1.0, 0.5, 0.0])
    ga, gb = grad_of(ops.minimum, a, b)
    np.testing.assert_array_equal(ga, [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(gb, [0.0, 0.5, 1.0])


def test_maximum_with_a_constant_operand():
    (g,) = grad_of(lambda t: ops.maximum(t, 0.0), np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 1.0])


# -- comparisons ----------------------------------------------------------------------------------

COMPARISONS = {
    "less": (np.less, lambda a, b: a < b),
    "less_equal": (np.less_equal, lambda a, b: a <= b),
    "greater": (np.greater, lambda a, b: a > b),
    "greater_equal": (np.greater_equal, lambda a, b: a >= b),
    "equal": (np.equal, lambda a, b: a == b),
    "not_equal": (np.not_equal, lambda a, b: a != b),
}


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons_are_boolean_tensors_outside_the_graph(name):
    reference, operator = COMPARISONS[name]
    a = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ng.tensor([[2.0], [3.0]], requires_grad=True)
    for out in (getattr(ops, name)(a, b), operator(a, b), operator(a, 2.0)):
        assert isinstance(out, ng.Tensor)
        assert out.dtype == np.bool_
        assert not out.requires_grad
        assert out.grad_fn is None
    np.testing.assert_array_equal(operator(a, b).data, reference(a.data, b.data))
    np.testing.assert_array_equal(operator(a, 2.0).data, reference(a.data, 2.0))
    assert not ng.plugins.registry().ops[name].differentiable


def test_comparison_results_work_as_masks():
    x = ng.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = x[x > 0] * 3
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [6.0, 12.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 3.0, 0.0, 3.0])


# -- where, clip ----------------------------------------------------------------------------------


def test_where_broadcasts_and_routes_gradients():
    cond = np.array([[True], [False]])
    x, y = np.array([1.0, 2.0, 3.0]), np.array([[10.0], [20.0]])
    out = ops.where(ng.tensor(cond), ng.tensor(x), ng.tensor(y))
    np.testing.assert_array_equal(out.data, np.where(cond, x, y))
    gx, gy = grad_of(lambda a, b: ops.where(cond, a, b), x, y)
    np.testing.assert_array_equal(gx, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gy, [[0.0], [3.0]])


def test_where_accepts_constants_for_either_value():
    x = ng.tensor([1.0, -2.0], requires_grad=True)
    np.testing.assert_array_equal(ops.where(x > 0, x, 0.0).data, [1.0, 0.0])
    np.testing.assert_array_equal(ops.where(x > 0, 5.0, x).data, [5.0, -2.0])


@pytest.mark.parametrize(("lo", "hi"), [(-0.5, 0.5), (None, 0.0), (0.0, None), (-1.0, -1.0)])
def test_clip_matches_numpy(lo, hi):
    np.testing.assert_array_equal(ops.clip(ng.tensor(X), lo, hi).data, np.clip(X, lo, hi))
    np.testing.assert_array_equal(ng.tensor(X).clip(lo, hi).data, np.clip(X, lo, hi))


def test_clip_passes_the_gradient_inside_and_at_its_bounds():
    (g,) = grad_of(lambda t: t.clip(-1.0, 1.0), np.array([-2.0, -1.0, 0.0, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_bounds_may_be_arrays():
    lo, hi = np.array([0.0, -1.0, 0.5]), np.array([1.0, 0.0, 0.7])
    x = np.array([2.0, 2.0, 0.6])
    np.testing.assert_array_equal(ops.clip(ng.tensor(x), lo, hi).data, [1.0, 0.0, 0.6])


# -- indexing -------------------------------------------------------------------------------------

KEYS = [
    2,
    -1,
    slice(1, 3),
    slice(None, None, -2),
    (1, slice(None, 3)),
    (Ellipsis, 2),
    (None, slice(1, None), 0),
    np.array([0, 2, 0]),
    [2, 1],
    (np.array([0, 2, 2]), np.array([1, 1, 3])),
    (slice(None), np.array([3, 3, 0])),
    np.array([True, False, True]),
    X[:, :, 0] > 0,
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem_matches_numpy(key):
    np.testing.assert_array_equal(ng.tensor(X)[key].data, X[key])


def test_getitem_accepts_tensor_keys():
    idx = ng.tensor([2, 0])
    np.testing.assert_array_equal(ng.tensor(X)[idx].data, X[[2, 0]])
    np.testing.assert_array_equal(ng.tensor(X)[:, idx].data, X[:, [2, 0]])


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem_gradient_counts_each_use_of_an_element(key):
    upstream = RNG.standard_normal(X[key].shape)
    (g,) = grad_of(lambda t: t[key], X, upstream=upstream)
    expected = np.zeros_like(X)
    np.add.at(expected, key if not isinstance(key, list) else np.array(key), upstream)
    np.testing.assert_array_equal(g, expected)


def test_repeated_integer_indices_accumulate_gradient():
    x = ng.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0, 0.0])
    m = ng.tensor(np.ones((3, 2)), requires_grad=True)
    (m[np.array([[1, 1], [2, 1]])] * ng.tensor([[[1.0]], [[10.0]]])).sum().backward()
    np.testing.assert_array_equal(m.grad.data, [[0, 0], [12, 12], [10, 10]])


def test_getitem_gradient_is_differentiable_again():
    x = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    u = ng.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ng.grad(x[[1, 1]], x, grad_outputs=u, create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 3.0, 0.0])
    (gu,) = ng.grad((g * ng.tensor([5.0, 7.0, 9.0])).sum(), u)
    np.testing.assert_array_equal(gu.data, [7.0, 7.0])


def test_scatter_add_adds_at_repeated_indices():
    out = ops.scatter_add(ng.tensor([1.0, 2.0, 3.0]), key=np.array([0, 2, 0]), shape=(4,))
    np.testing.assert_array_equal(out.data, [4.0, 0.0, 2.0, 0.0])


def test_getitem_out_of_range_names_the_op():
    with pytest.raises(IndexError, match=r"getitem.*index 5 is out of bounds"):
        ng.tensor([1.0, 2.0])[5]


# -- shape ops ------------------------------------------------------------------------------------


@pytest.mark.parametrize("axes", [None, (1, 2, 0), (2, 0, 1), (-1, 0, 1), (0, 1, 2)])
def test_transpose_any_order(axes):
    np.testing.assert_array_equal(ops.transpose(ng.tensor(X), axes).data, np.transpose(X, axes))
    upstream = RNG.standard_normal(np.transpose(X, axes).shape)
    (g,) = grad_of(lambda t: ops.transpose(t, axes), X, upstream=upstream)
    np.testing.assert_array_equal(np.transpose(g, axes), upstream)


def test_reshape_squeeze_expand_dims_broadcast_to_and_flip():
    t = ng.tensor(X[:, :1, :])
    np.testing.assert_array_equal(t.reshape(5, -1).data, X[:, :1, :].reshape(5, -1))
    np.testing.assert_array_equal(t.squeeze().data, X[:, 0, :])
    np.testing.assert_array_equal(t.squeeze(axis=1).data, X[:, 0, :])
    np.testing.assert_array_equal(ops.expand_dims(t, (0, -1)).data, X[None, :, :1, :, None])
    np.testing.assert_array_equal(ops.broadcast_to(t, (2, 3, 4, 5)).data.shape, (2, 3, 4, 5))
    for axis in (None, 0, (0, 2), -1):
        np.testing.assert_array_equal(ops.flip(ng.tensor(X), axis=axis).data, np.flip(X, axis))


def test_broadcast_to_sums_the_gradient_back():
    (g,) = grad_of(lambda t: ops.broadcast_to(t, (4, 2, 3)), np.ones((2, 1)))
    np.testing.assert_array_equal(g, np.full((2, 1), 12.0))


@pytest.mark.parametrize(
    ("pad_width", "value"), [(1, 0), ((2, 0), 0), (((1, 0), (0, 2), (1, 1)), 7.5), (((1, 2),), -1)]
)
def test_pad_matches_numpy_and_its_gradient_drops_the_border(pad_width, value):
    got = ops.pad(ng.tensor(X), pad_width, constant_values=value)
    expected = np.pad(X, pad_width, constant_values=value)
    np.testing.assert_array_equal(got.data, expected)
    upstream = RNG.standard_normal(expected.shape)
    (g,) = grad_of(lambda t: ops.pad(t, pad_width, constant_values=value), X, upstream=upstream)
    marked = np.pad(np.ones_like(X, dtype=bool), pad_width)  # True where X's elements landed
    np.testing.assert_array_equal(g, upstream[marked].reshape(X.shape))


def test_pad_supports_only_constant_mode():
    with pytest.raises(ValueError, match=r"pad.*only mode='constant' is supported.*'reflect'"):
        ops.pad(ng.tensor(X), 1, mode="reflect")


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_concatenate_matches_numpy_and_splits_the_gradient(axis):
    parts = [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))]
    if axis == 0:
        parts[1] = RNG.standard_normal((4, 3))
    expected = np.concatenate(parts, axis=axis)
    got = ops.concatenate([ng.tensor(p) for p in parts], axis=axis)
    np.testing.assert_array_equal(got.data, expected)
    upstream = RNG.standard_normal(expected.shape)
    grads = grad_of(lambda *ts: ops.concatenate(list(ts), axis=axis), *parts, upstream=upstream)
    flat = axis is None  # NumPy joins the flattened parts
    sizes = [p.size if flat else p.shape[axis] for p in parts]
    pieces = np.split(upstream, np.cumsum(sizes)[:-1], axis=0 if flat else axis)
    for g, piece, p in zip(grads, pieces, parts, strict=True):
        np.testing.assert_array_equal(g, piece.reshape(p.shape))


def test_concatenate_with_a_constant_among_tensors():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    out = ops.concatenate([np.array([9.0]), x, [7.0]])
    np.testing.assert_array_equal(out.data, [9.0, 1.0, 2.0, 7.0])
    (out * ng.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 3.0])


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack_matches_numpy_and_unstacks_the_gradient(axis):
    parts = [RNG.standard_normal((2, 3)) for _ in range(4)]
    expected = np.stack(parts, axis=axis)
    np.testing.assert_array_equal(ops.stack([ng.tensor(p) for p in parts], axis).data, expected)
    upstream = RNG.standard_normal(expected.shape)
    grads = grad_of(lambda *ts: ops.stack(ts, axis=axis), *parts, upstream=upstream)
    for i, g in enumerate(grads):
        np.testing.assert_array_equal(g, np.take(upstream, i, axis=axis))


def test_concatenate_shape_mismatch_names_the_op():
    with pytest.raises(ValueError, match=r"concatenate.*\(2, 3\).*\(2, 4\)"):
        ops.concatenate([ng.tensor(np.ones((2, 3))), ng.tensor(np.ones((2, 4)))])


# -- matmul ---------------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((5, 1, 2, 3), (4, 3, 2)),
]


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES)
def test_matmul_forward_and_gradients_for_every_signature(sa, sb):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    out = ng.tensor(a) @ ng.tensor(b)
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12)
    upstream = RNG.standard_normal(out.shape)
    ga, gb = grad_of(lambda x, y: x @ y, a, b, upstream=upstream)
    # Promote 1-D operands to matrices, broadcast the batch axes, take d<G, A @ B>/dA = G @ B^T
    # and /dB = A^T @ G, then sum over whatever each operand was broadcast along.
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    full_a = np.broadcast_to(a2, batch + a2.shape[-2:])
    full_b = np.broadcast_to(b2, batch + b2.shape[-2:])
    g2 = upstream.reshape((*batch, a2.shape[-2], b2.shape[-1]))
    expected_a = sum_to(g2 @ np.swapaxes(full_b, -1, -2), a2.shape)
    expected_b = sum_to(np.swapaxes(full_a, -1, -2) @ g2, b2.shape)
    np.testing.assert_allclose(ga, expected_a.reshape(sa), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, expected_b.reshape(sb), rtol=1e-10, atol=1e-12)


def sum_to(array, shape):
    """Sum ``array`` over the leading axes and the axes where ``shape`` has length 1."""
    array = array.sum(axis=tuple(range(array.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and array.shape[i] != 1)
    return array.sum(axis=stretched, keepdims=True)


def test_matmul_shape_mismatch_names_the_op_and_the_shapes():
    with pytest.raises(ValueError) as info:
        ng.tensor(np.ones((2, 4))) @ ng.tensor(np.ones((3, 2)))
    message = str(info.value)
    assert message.startswith("matmul")
    assert "(2, 4)" in message and "(3, 2)" in message
    assert "last axis of the first input (4)" in message
    assert "second-to-last axis of the second (3)" in message


def test_matmul_with_an_array_on_the_left():
    b = ng.tensor(np.eye(2), requires_grad=True)
    out = np.array([[1.0, 2.0]]) @ b
    np.testing.assert_array_equal(out.data, [[1.0, 2.0]])
    out.sum().backward()
    np.testing.assert_array_equal(b.grad.data, [[1.0, 1.0], [2.0, 2.0]])


# -- dtypes, methods, documentation ---------------------------------------------------------------

FLOAT32_CALLS = {
    "add": lambda t: t + 2.0,
    "sub": lambda t: 1.0 - t,
    "mul": lambda t: t * 0.5,
    "div": lambda t: 2.0 / (t + 3.0),
    "pow": lambda t: (t + 3.0) ** 1.5,
    "exponent": lambda t: 2.0**t,
    "maximum": lambda t: ops.maximum(t, 0.25),
    "neg": lambda t: -t,
    "exp": lambda t: t.exp(),
    "log": lambda t: (t + 3.0).log(),
    "log1p": lambda t: (t + 3.0).log1p(),
    "sqrt": lambda t: (t + 3.0).sqrt(),
    "abs": lambda t: abs(t),
    "sin": lambda t: t.sin(),
    "cos": lambda t: t.cos(),
    "tanh": lambda t: t.tanh(),
    "erf": lambda t: t.erf(),
    "sigmoid": lambda t: t.sigmoid(),
    "relu": lambda t: t.relu(),
    "leaky_relu": lambda t: ops.leaky_relu(t),
    "gelu": lambda t: ops.gelu(t),
    "gelu_tanh": lambda t: ops.gelu(t, approximate="tanh"),
    "softplus": lambda t: ops.softplus(t),
    "softmax": lambda t: t.softmax(axis=0),
    "log_softmax": lambda t: t.log_softmax(),
    "sum": lambda t: t.sum(axis=1),
    "mean": lambda t: t.mean(),
    "max": lambda t: t.max(axis=0),
    "var": lambda t: t.var(axis=1, ddof=1),
    "std": lambda t: t.std(),
    "logsumexp": lambda t: t.logsumexp(axis=1),
    "matmul": lambda t: t @ np.ones((3, 2), dtype=np.float32),
    "getitem": lambda t: t[[0, 0], 1:],
    "pad": lambda t: ops.pad(t, 1, constant_values=1.0),
    "concatenate": lambda t: ops.concatenate([t, t], axis=1),
    "stack": lambda t: ops.stack([t, t]),
    "where": lambda t: ops.where(t > 0, t, 0.0),
    "clip": lambda t: t.clip(-0.5, np.float64(0.5)),
    "flip": lambda t: t.flip(),
}


@pytest.mark.parametrize("name", FLOAT32_CALLS)
def test_float32_stays_float32_forward_and_backward(name):
    x = ng.tensor(RNG.uniform(-1, 1, (2, 3)), dtype=np.float32, requires_grad=True)
    out = FLOAT32_CALLS[name](x)
    assert out.dtype == np.float32
    (g,) = ng.grad(out, x, grad_outputs=ng.ones_like(out), retain_graph=True)
    assert g.dtype == np.float32
    (g2,) = ng.grad(out, x, grad_outputs=ng.ones_like(out), create_graph=True)
    assert g2.dtype == np.float32


METHODS = ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sum", "mean", "max", "min"]
METHODS += ["var", "std", "logsumexp", "softmax", "log_softmax", "clip", "squeeze", "flip"]


@pytest.mark.parametrize("name", METHODS)
def test_usual_ops_are_tensor_methods(name):
    t = ng.tensor(np.abs(X[:, :1, :]) + 0.5)
    args = (0.6, 0.9) if name == "clip" else ()
    np.testing.assert_array_equal(getattr(t, name)(*args).data, getattr(ops, name)(t, *args).data)


def test_docs_table_lists_every_standard_op():
    text = (Path(__file__).resolve().parents[1] / "docs" / "ops.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)\(", text, flags=re.MULTILINE))
    registered = {op.name for op in ng.plugins.registry().ops.values()}
    std = {name for name in registered if ng.plugins.registry().ops[name].plugin == "nanograd_std"}
    assert std - documented == set(), "ops missing from docs/ops.md"
    assert documented - registered == set(), "docs/ops.md lists ops that do not exist"
