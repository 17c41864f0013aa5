"""ng.gradcheck, ng.gradgradcheck and the strategies of nanograd.testing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

import nanograd as ng
import nanograd.autograd
from nanograd import domain
from nanograd.domain import Case
from nanograd.gradcheck import GradcheckError
from nanograd.tensor import wrap
from nanograd.testing import (
    arrays,
    broadcastable_shapes,
    cases,
    check_case,
    domain_cases,
    matmul_shapes,
    reduction_params,
    values,
)

# Input 1's gradient is wrong by exactly a[i, j] at every element, worst where |a| is largest.
A = np.array([[0.1, -0.2, 5.0], [0.3, 0.4, -0.5]])
B = np.array([[1.0, 2.0, 3.0], [-1.0, -2.0, 0.5]])


def _b_detached(a: ng.Tensor, b: ng.Tensor) -> ng.Tensor:
    return a * ng.Tensor(b.data) + a  # d/db is a, but the graph cannot see b


# -- gradcheck: passing ----------------------------------------------------------------------------


def test_gradcheck_returns_true_for_a_correct_function_of_several_inputs() -> None:
    assert ng.gradcheck(lambda a, b: (a * b).tanh() / (1 + b * b), (A, B)) is True


def test_gradcheck_accepts_broadcasting_and_a_single_array() -> None:
    assert ng.gradcheck(lambda a, b: (a * b).exp(), (A, B[0]))  # (2, 3) with (3,)
    assert ng.gradcheck(lambda a, b: a / (b * b + 1), (A[:, :1], B[:1]))  # (2, 1) with (1, 3)
    assert ng.gradcheck(lambda a, b: (a @ b.T).exp(), (A, B[:1]))
    assert ng.gradcheck(lambda a: (a * a).sum(axis=0), A)


def test_gradcheck_checks_every_output_of_a_tuple() -> None:
    def both(a: ng.Tensor) -> tuple[ng.Tensor, ng.Tensor]:
        return a.exp(), (a * ng.Tensor(a.data)).sum()  # the second output's gradient is wrong

    with pytest.raises(GradcheckError, match="output 1"):
        ng.gradcheck(both, (A,))
    assert ng.gradcheck(lambda a: (a.exp(), a.tanh()), (A,))


def test_gradcheck_passes_integer_inputs_through_undifferentiated() -> None:
    labels = np.array([2, 0])
    assert ng.gradcheck(lambda a, idx: a[np.arange(2), idx].exp(), (A, labels))


def test_gradcheck_checks_in_float64_whatever_the_input_dtype() -> None:
    x = ng.tensor(A.astype(np.float32), requires_grad=True)
    assert ng.gradcheck(lambda a: a.tanh(), (x,))


def test_gradcheck_only_differentiates_tensors_that_require_grad() -> None:
    frozen = ng.tensor(B)  # requires_grad=False: held constant, so its detachment is invisible
    assert ng.gradcheck(_b_detached, (ng.tensor(A, requires_grad=True), frozen))


def test_gradcheck_refuses_when_nothing_is_differentiable() -> None:
    with pytest.raises(ValueError, match="nothing to differentiate"):
        ng.gradcheck(lambda a: a, (np.arange(3),))


# -- gradcheck: reporting a wrong gradient ---------------------------------------------------------


@pytest.mark.parametrize("fast", [False, True])
def test_a_wrong_gradient_is_reported_with_input_shape_and_worst_element(fast: bool) -> None:
    with pytest.raises(GradcheckError) as info:
        ng.gradcheck(_b_detached, (A, B), fast=fast, name="detached b")
    error = info.value
    assert (error.input_index, error.shape, error.index) == (1, (2, 3), (0, 2))
    assert error.analytical == 0.0
    assert error.numerical == pytest.approx(5.0, rel=1e-6)
    message = str(error)
    assert message.startswith("detached b: the gradient of input 1 (shape (2, 3))")
    assert "output[0, 2] with respect to input 1[0, 2]" in message
    assert "analytical 0, numerical 5" in message


def test_the_default_name_is_the_function_name() -> None:
    with pytest.raises(GradcheckError, match="function '_b_detached'"):
        ng.gradcheck(_b_detached, (A, B))


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_a_function_not_finite_at_the_inputs_is_reported_as_outside_its_domain() -> None:
    with pytest.raises(GradcheckError, match=r"output is nan at element \[0, 1\]") as info:
        ng.gradcheck(lambda a: a.log(), (A,))
    assert info.value.problem == "nonfinite"


def test_a_function_returning_no_tensor_is_reported() -> None:
    with pytest.raises(GradcheckError, match="must return a Tensor"):
        ng.gradcheck(lambda a: a.data, (A,))


# -- gradcheck: the structural checks bite ---------------------------------------------------------
# The engine copies every leaf gradient, so no op can produce these faults; breaking the engine's
# leaf accumulation on purpose shows the checker would notice if it ever regressed.


def _leaf_gradient_becomes(monkeypatch: pytest.MonkeyPatch, make: object) -> None:
    def accumulate(t: ng.Tensor, g: ng.Tensor, create_graph: bool) -> None:
        # The engine's own slot: a fault of the walk, which the checked ``t.grad =`` would stop.
        t._grad = make(g)  # type: ignore[operator]

    monkeypatch.setattr(nanograd.autograd, "_accumulate_leaf", accumulate)


def test_a_gradient_aliasing_the_upstream_gradient_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _leaf_gradient_becomes(monkeypatch, lambda g: g)  # add's vjp passes the upstream on as is
    with pytest.raises(GradcheckError, match="shares memory with the upstream gradient") as info:
        ng.gradcheck(lambda a, b: a + b, (A, B))
    assert info.value.problem == "alias"


def test_a_gradient_of_the_wrong_dtype_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    _leaf_gradient_becomes(monkeypatch, lambda g: wrap(g.data.astype(np.float32)))
    with pytest.raises(GradcheckError, match="has dtype float32 but the input is float64"):
        ng.gradcheck(lambda a: a.exp(), (A,))


def test_a_gradient_of_the_wrong_shape_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    _leaf_gradient_becomes(monkeypatch, lambda g: wrap(g.data.ravel().copy()))
    with pytest.raises(GradcheckError, match=r"has shape \(6,\) but the input has shape \(2, 3\)"):
        ng.gradcheck(lambda a: a.exp(), (A,))


def test_a_function_writing_into_its_input_is_reported() -> None:
    def scale_in_place(a: ng.Tensor) -> ng.Tensor:
        a.data *= 2
        return a * 1.0

    with pytest.raises(GradcheckError, match=r"forward pass wrote into input 0") as info:
        ng.gradcheck(scale_in_place, (A,))
    assert info.value.problem == "mutation"


# -- gradgradcheck ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fast", [False, True])
def test_gradgradcheck_passes_for_twice_differentiable_functions(fast: bool) -> None:
    assert ng.gradgradcheck(lambda a, b: (a * b).tanh() @ b.T, (A, B), fast=fast)


@pytest.mark.parametrize("fast", [False, True])
def test_gradgradcheck_reports_a_vjp_computed_outside_the_graph(fast: bool) -> None:
    def square_with_detached_gradient(a: ng.Tensor) -> ng.Tensor:
        return a * ng.Tensor(a.data)  # first order is half the truth, second order zero

    with pytest.raises(GradcheckError, match="second order") as info:
        ng.gradgradcheck(square_with_detached_gradient, (A,), fast=fast)
    assert info.value.order == 2


def test_gradgradcheck_accepts_an_explicit_upstream_gradient() -> None:
    assert ng.gradgradcheck(lambda a: a.exp().sum(axis=1), (A,), grad_outputs=[np.ones(2)])


# -- checking one case of a registered op ----------------------------------------------------------


def test_check_case_passes_a_first_party_op_on_a_given_case() -> None:
    assert check_case("mul", Case((A, B[0]))) == "pass"
    assert check_case("sum", Case((A,), {"axis": 1, "keepdims": True}), order=2) == "pass"


def test_check_case_reports_a_comparison_as_checked_without_second_order() -> None:
    assert check_case("less", Case((A, B))) == "pass"
    assert check_case("less", Case((A, B)), order=2) == "n/a"


def test_check_case_names_the_op_the_plugin_and_the_forward_when_the_op_raises() -> None:
    with pytest.raises(GradcheckError) as info:
        check_case("matmul", Case((A, A)))
    assert str(info.value).startswith(
        "op 'matmul' (plugin 'nanograd_std'): first order: the forward raised ValueError: "
    )
    assert (info.value.problem, info.value.order, info.value.input_index) == ("error", 1, None)


def test_an_unknown_op_name_gets_a_did_you_mean() -> None:
    with pytest.raises(LookupError, match="did you mean 'mul'"):
        cases("mull")


# -- strategies ------------------------------------------------------------------------------------


@given(values(-1.0, 1.0, avoid=(0.0, 0.5), margin=0.1))
def test_values_stay_in_bounds_and_away_from_avoided_points(x: float) -> None:
    assert -1.0 <= x <= 1.0
    assert abs(x) >= 0.1 and abs(x - 0.5) >= 0.1


@given(arrays((3, 4), -1.0, 1.0, distinct=True, margin=0.05))
def test_distinct_arrays_keep_every_two_elements_a_margin_apart(x: np.ndarray) -> None:
    gaps = np.diff(np.sort(x.ravel()))
    assert x.dtype == np.float64 and x.shape == (3, 4)
    assert gaps.min() >= 0.05 - 1e-12


@given(domain_cases(domain.broadcast(apart=True, margin=0.2), 2))
def test_apart_inputs_differ_by_a_margin_wherever_they_meet(case: Case) -> None:
    x, y = np.broadcast_arrays(*case.inputs)
    assert np.all(np.abs(x - y) >= 0.2 - 1e-12)


@given(st.integers(1, 4).flatmap(broadcastable_shapes))
def test_broadcastable_shapes_broadcast_together(shapes: tuple[tuple[int, ...], ...]) -> None:
    np.broadcast_shapes(*shapes)


def test_broadcastable_shapes_include_stretched_dimensions() -> None:
    found = find(
        broadcastable_shapes(2),
        lambda s: len(s[0]) == len(s[1]) and np.broadcast_shapes(*s) != s[1],
    )
    assert any(n == 1 < m for n, m in zip(found[1], np.broadcast_shapes(*found), strict=True))


@given(matmul_shapes())
def test_matmul_shapes_are_valid_operands(shapes: tuple[tuple[int, ...], ...]) -> None:
    np.matmul(np.zeros(shapes[0]), np.zeros(shapes[1]))


@pytest.mark.parametrize(
    "kind",
    [
        lambda a, b: len(a) == 1 and len(b) == 1,
        lambda a, b: len(a) == 1 and len(b) == 3,
        lambda a, b: len(a) == 3 and len(b) == 1,
        lambda a, b: len(a) == 4 and len(b) == 3 and a[:-2] != b[:-2],
    ],
    ids=["vector-vector", "vector-batch", "batch-vector", "broadcast-batches"],
)
def test_matmul_shapes_cover_vectors_and_broadcast_batches(kind: object) -> None:
    a, b = find(matmul_shapes(), lambda s: kind(*s))  # type: ignore[operator]
    np.matmul(np.zeros(a), np.zeros(b))


@given(arrays(st.just((2, 3, 4)), 0.0, 1.0).flatmap(
    lambda x: reduction_params(x.ndim).map(lambda p: (x, p))))  # fmt: skip
def test_reduction_params_are_what_numpy_accepts(drawn: tuple[np.ndarray, dict]) -> None:
    x, params = drawn
    np.sum(x, **params)
    assert set(params) == {"axis", "keepdims"}


def test_a_custom_domains_numpy_scalars_are_drawn_as_arrays_to_differentiate() -> None:
    # Arithmetic on 0-d arrays gives NumPy scalars, which the suite would pass through unchecked.
    scalar = domain.custom(lambda arrays: arrays(()).map(lambda a: Case((a * 2, np.int64(3)))))
    case = find(domain_cases(scalar, 2), lambda case: True)
    x, label = case.inputs
    assert isinstance(x, np.ndarray) and x.shape == () and x.dtype == np.float64
    assert isinstance(label, np.ndarray) and label.dtype == np.int64


def test_a_custom_domain_drawing_something_else_than_a_case_is_named() -> None:
    bad = domain.custom(lambda arrays: arrays((2,)))  # draws arrays, not Cases
    with pytest.raises(TypeError, match=r"op 'bad': .* must draw nanograd\.domain\.Case"):
        find(domain_cases(bad, 1, where="op 'bad'"), lambda case: True)


def test_nested_lists_of_floats_are_differentiated_like_arrays() -> None:
    assert ng.gradcheck(lambda x, y: x * y, [[[0.5, -1.0]], [[2.0], [3.0]]])
    with pytest.raises(GradcheckError, match="input 0"):
        ng.gradcheck(lambda x: ng.ops.exp(x.detach()) * x, [[0.5, -1.0]])
