"""ng.compile: a traced and replayed program gives eager's values and gradients bit for bit,
retraces when its signature changes, and refuses what it cannot replay, naming the line."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import nanograd as ng
from nanograd.testing import registered_losses, registered_ops
from nanograd.testing.checks import _flatten, _rebuild, cases, resolve
from nanograd.tracing.compiled import CACHE_SIZE


def same(a: Any, b: Any) -> bool:
    """Bit-identical: same dtype, same shape, same bits (NaN where NaN)."""
    a = a.data if isinstance(a, ng.Tensor) else np.asarray(a)
    b = b.data if isinstance(b, ng.Tensor) else np.asarray(b)
    return bool(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes())


def run(fn: Callable[..., Any], args: Sequence[Any], leaves: Sequence[ng.Tensor], grad: Any) -> Any:
    """Call ``fn``, backward with ``grad``; return the output's and every leaf's gradient's data."""
    for t in leaves:
        t.grad = None
    out = fn(*args)
    first = out[0] if isinstance(out, tuple) else out
    if first.requires_grad:
        first.backward(grad)
    return [first.data.copy()] + [None if t.grad is None else t.grad.data.copy() for t in leaves]


def assert_same_as_eager(
    fn: Callable[..., Any],
    calls: Sequence[Sequence[Any]],
    leaves: Sequence[ng.Tensor],
    grad: Callable[[Any], Any] | None = None,
) -> ng.compile:
    """Each call compiled (the first traces, the others replay) equals the same call eager."""
    step = ng.compile(fn)
    for args in calls:
        eager_out = fn(*args)
        first = eager_out[0] if isinstance(eager_out, tuple) else eager_out
        g = None if grad is None else grad(first)
        expected = run(fn, args, leaves, g)
        got = run(step, args, leaves, g)
        for e, c in zip(expected, got, strict=True):
            assert (e is None) == (c is None)
            if e is not None:
                assert same(e, c), (e, c)
    return step


def chain(x: ng.Tensor) -> ng.Tensor:
    y = x
    for _ in range(20):
        y = (y * 1.01 + 0.1).tanh() * x - y.exp() * 0.01
    return y.sum()


def test_a_chain_replays_bit_identical_values_and_gradients() -> None:
    rng = np.random.default_rng(0)
    x = ng.tensor(rng.standard_normal(8), requires_grad=True)
    calls = []
    for _ in range(3):
        calls.append([x])
    step = assert_same_as_eager(chain, calls, [x])
    assert step.traces == 1
    out = step(x)
    assert out.grad_fn.name == "compiled chain"  # a replay: one node, not the walk


def test_an_mlp_step_with_sgd_matches_eager_step_for_step() -> None:
    def train(compiled: bool) -> list[Any]:
        ng.manual_seed(0)
        model = ng.nn.Sequential(
            ng.nn.Linear(20, 16), ng.nn.ReLU(), ng.nn.Linear(16, 16), ng.nn.Tanh(),
            ng.nn.Linear(16, 5),
        )  # fmt: skip
        optimizer = ng.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = ng.losses.get("cross_entropy")

        def loss(X: ng.Tensor, y: ng.Tensor) -> ng.Tensor:
            return loss_fn(model(X), y)

        step = ng.compile(loss) if compiled else loss
        rng = np.random.default_rng(1)
        seen = []
        for _ in range(5):  # a new batch, new labels each step: nothing may stay frozen
            X = ng.tensor(rng.standard_normal((12, 20)))
            y = ng.tensor(rng.integers(0, 5, 12))
            optimizer.zero_grad()
            out = step(X, y)
            out.backward()
            optimizer.step()
            seen.append(out.data.copy())
            seen += [p.grad.data.copy() for p in model.parameters()]
        seen += [p.data.copy() for p in model.parameters()]
        return seen

    for e, c in zip(train(False), train(True), strict=True):
        assert same(e, c)


def test_parameters_are_read_afresh_on_every_call() -> None:
    w = ng.tensor([1.0, 2.0], requires_grad=True)
    step = ng.compile(lambda x: (w * x).sum())
    x = ng.tensor([3.0, 4.0])
    assert step(x).item() == 11.0
    with ng.no_grad():
        w.mul_(2.0)
    assert step(x).item() == 22.0
    out = step(x)
    out.backward()
    assert same(w.grad, np.array([3.0, 4.0]))


def test_gradients_accumulate_into_grad_as_eager() -> None:
    x = ng.tensor([0.5, -1.5], requires_grad=True)
    step = ng.compile(lambda x: (x * x).sum())
    step(x).backward()  # traces
    step(x).backward()  # replays, adds
    step(x).backward()
    assert same(x.grad, 3 * (2 * x.data))


def test_a_new_shape_dtype_or_grad_mode_traces_again_and_the_cache_is_bounded() -> None:
    step = ng.compile(lambda x: (x * 2.0).sum())
    step(ng.ones(3))
    step(ng.ones(3))
    assert step.traces == 1
    step(ng.ones(4))
    step(ng.ones(3, dtype=np.float32))
    step(ng.ones(3, requires_grad=True))
    with ng.no_grad():
        step(ng.ones(3, requires_grad=True))
    assert step.traces == 5
    for n in range(5, 5 + CACHE_SIZE + 1):
        step(ng.ones(n))
    step(ng.ones(3))  # the oldest signature was dropped: traced again
    assert step.traces == 5 + CACHE_SIZE + 2


def test_train_and_eval_mode_are_part_of_the_signature_and_dropout_draws_afresh() -> None:
    def losses(compiled: bool) -> list[np.ndarray]:
        ng.manual_seed(3)
        model = ng.nn.Sequential(ng.nn.Linear(6, 6), ng.nn.Dropout(0.5))
        fn = lambda x: model(x).sum()
        step = ng.compile(fn) if compiled else fn
        x = ng.ones((4, 6))
        seen = []
        for mode in ("train", "train", "train", "eval", "eval", "train"):
            getattr(model, mode)()
            for p in model.parameters():
                p.grad = None
            out = step(x)
            out.backward()
            seen += [out.data.copy(), model[0].weight.grad.data.copy()]
        return seen

    eager, compiled = losses(False), losses(True)
    for e, c in zip(eager, compiled, strict=True):
        assert same(e, c)
    assert not same(eager[0], eager[2])  # a new mask each call


def test_several_outputs_return_the_others_without_a_graph() -> None:
    x = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    step = ng.compile(lambda x: ((x * x).sum(), x.exp()))
    for _ in range(2):
        x.grad = None
        loss, e = step(x)
        loss.backward()
        assert same(e, np.exp(x.data)) and same(x.grad, 2 * x.data)


# -- what a trace refuses -----------------------------------------------------------------------


def _line_of(fragment: str) -> str:
    lines = Path(__file__).read_text().splitlines()
    return f"line {next(i for i, s in enumerate(lines, 1) if fragment in s)}"


TAGS = ("float-of-sum", "item-of-sum", "bool-of-sum", "asarray-of-x")


@pytest.mark.parametrize(
    "body",
    [
        lambda x: x * float(x.sum()),  # float-of-sum
        lambda x: x * x.sum().item(),  # item-of-sum
        lambda x: x if bool(x.sum() > 0) else -x,  # bool-of-sum
        lambda x: x * np.asarray(x).sum(),  # asarray-of-x
    ],
    ids=["float", "item", "bool", "asarray"],
)
def test_python_values_of_a_traced_tensor_are_refused_naming_the_line(body: Any) -> None:
    step = ng.compile(lambda x: body(x).sum())
    with pytest.raises(ng.TraceError, match=r"@ng\.callback") as info:
        step(ng.tensor([1.0, 2.0], requires_grad=True))
    message = str(info.value)
    assert __file__ in message
    assert any(_line_of(f"# {tag}") in message for tag in TAGS)
    assert ng.ops.add is not None and (ng.ones(2) + 1).grad_fn is None  # bindings restored


def test_create_graph_through_a_compiled_output_is_refused() -> None:
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    step = ng.compile(lambda x: (x**3).sum())
    step(x)  # traces
    with pytest.raises(ng.TraceError, match=r"create_graph=True.*stay eager"):
        ng.grad(step(x), x, create_graph=True)
    assert x.grad is None


def test_an_op_without_a_gradient_on_the_way_to_a_leaf_is_refused_naming_it(
    fresh_plugins: Callable[..., Any],
) -> None:
    fresh_plugins("plugin_fixtures.no_gradient_for_input")  # scale_by(x, s): none for s
    x = ng.tensor([1.0, 2.5], requires_grad=True)
    s = ng.tensor([2.0, 3.0], requires_grad=True)
    step = ng.compile(lambda x, s: ng.ops.scale_by(x, s * 2.0).sum())  # scale-line
    with pytest.raises(ng.TraceError, match="op 'scale_by' declares no gradient for its input 1"):
        step(x, s)
    with pytest.raises(ng.TraceError) as info:
        step(x, s)
    assert _line_of("# scale-line") in str(info.value)
    assert step(x, s.detach()).item() == 2.0 * 2.0 + 2.5 * 6.0  # fine when none is needed


def test_backward_inside_the_compiled_function_is_refused() -> None:
    x = ng.tensor([1.0, 2.0], requires_grad=True)

    def fn(x: ng.Tensor) -> ng.Tensor:
        loss = (x * x).sum()
        loss.backward()
        return loss

    with pytest.raises(ng.TraceError, match="backward\\(\\) inside a compiled function"):
        ng.compile(fn)(x)


def test_an_in_place_change_inside_the_compiled_function_is_refused_naming_it() -> None:
    w = ng.tensor([1.0, 2.0], requires_grad=True)
    optimizer = ng.optim.SGD([w], lr=0.1)

    def fn(x: ng.Tensor) -> ng.Tensor:
        loss = (w * x).sum()
        optimizer.step()  # step-line
        return loss

    w.grad = ng.ones(2)
    with pytest.raises(ng.TraceError, match=r"SGD\.step.*in place") as info:
        ng.compile(fn)(ng.tensor([3.0, 4.0]))
    assert _line_of("# step-line") in str(info.value)


def test_an_array_made_from_tensor_values_in_numpy_is_refused() -> None:
    def fn(x: ng.Tensor) -> ng.Tensor:
        mask = x.data > 0  # NumPy on the values: would be frozen
        return (x * mask).sum()

    with pytest.raises(ng.TraceError, match="reads a traced tensor's values"):
        ng.compile(fn)(ng.tensor([1.0, -2.0], requires_grad=True))


def test_a_callback_runs_again_on_every_replay() -> None:
    @ng.callback
    def positive(t: ng.Tensor) -> np.ndarray:
        return (t.data > 0).astype(t.dtype)

    step = ng.compile(lambda x: (x * positive(x)).sum())
    assert step(ng.tensor([1.0, -2.0])).item() == 1.0
    assert step(ng.tensor([-1.0, 2.0])).item() == 2.0
    assert step.traces == 1


@pytest.mark.parametrize("draw", [ng.randn, ng.rand])
def test_random_draws_inside_are_fresh_on_every_replay_as_eager(draw: Any) -> None:
    w = ng.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)

    def make(generator: np.random.Generator) -> Callable[[ng.Tensor], ng.Tensor]:
        def fn(x: ng.Tensor) -> ng.Tensor:
            noise = draw(2, 3, generator=generator, dtype=np.float32)
            return ((x + noise) * w).sum(axis=1) * draw(2, generator=generator)

        return fn

    eager_rng, compiled_rng = np.random.default_rng(7), np.random.default_rng(7)
    eager, step = make(eager_rng), ng.compile(make(compiled_rng))
    outputs = []
    for seed in [None, None, None, 11, None]:
        if seed is not None:  # reseeded between calls: the replay follows the new state
            eager_rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
            compiled_rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
        x = ng.tensor(np.arange(6.0).reshape(2, 3))
        expected = run(eager, [x], [w], np.array([1.0, -2.0]))
        got = run(step, [x], [w], np.array([1.0, -2.0]))
        for e, c in zip(expected, got, strict=True):
            assert same(e, c), (e, c)
        outputs.append(got[0])
    assert step.traces == 1
    assert not any(same(outputs[0], later) for later in outputs[1:])  # not frozen
    unseeded = ng.compile(lambda x: x + draw(3))
    assert not same(unseeded(ng.zeros(3)), unseeded(ng.zeros(3)))


@pytest.mark.parametrize("saturated_first", [False, True])
def test_bce_clamps_exact_zeros_and_ones_on_every_replay_as_eager(saturated_first: bool) -> None:
    inner = np.array([0.2, 0.7, 0.5, 0.9])
    saturated = np.array([0.0, 0.7, 1.0, 0.9])  # log 0 clamped at -100, gradient finite
    target = ng.tensor([1.0, 0.0, 0.0, 1.0])
    p = ng.tensor(inner, requires_grad=True)

    def fn(p: ng.Tensor) -> ng.Tensor:
        return ng.losses.bce(p, target, reduction="sum")

    order = [saturated, inner, saturated] if saturated_first else [inner, saturated, inner]
    step = ng.compile(fn)
    for values in order:
        p.data = values.copy()
        expected = run(fn, [p], [p], None)
        got = run(step, [p], [p], None)
        for e, c in zip(expected, got, strict=True):
            assert same(e, c), (e, c)
        assert np.isfinite(got[1]).all()
    assert step.traces == 1
    p.data = np.array([0.5, 1.5, 0.5, 0.5])  # the range check runs on a replay too
    with pytest.raises(ValueError, match=r"bce: input must hold probabilities in \[0, 1\]"):
        step(p)


@pytest.mark.parametrize("loss", ["bce", "mse", "hinge"])
def test_a_loss_replays_with_each_calls_target_tensor(loss: str) -> None:
    """A target tensor stays a tensor inside the loss, so what bce makes of it (1 - t) is
    made by ops: a replay reads each call's target instead of refusing to trace."""
    rng = np.random.default_rng(0)
    w = ng.tensor(rng.standard_normal((3, 1)), requires_grad=True)
    loss_fn = ng.losses.get(loss)

    def objective(x: ng.Tensor, t: ng.Tensor) -> ng.Tensor:
        return loss_fn((x @ w).sigmoid(), t)

    calls = []
    for _ in range(3):
        labels = rng.integers(0, 2, (6, 1))
        target = {"bce": labels * 1.0, "mse": labels.astype(np.float32), "hinge": 2.0 * labels - 1}
        calls.append([ng.tensor(rng.standard_normal((6, 3))), ng.tensor(target[loss])])
    step = assert_same_as_eager(objective, calls, [w])
    assert step.traces == 1


def test_hinge_checks_the_labels_of_every_replayed_call() -> None:
    w = ng.tensor(np.ones((3, 1)), requires_grad=True)
    step = ng.compile(lambda x, t: ng.losses.hinge(x @ w, t))
    x = ng.tensor(np.ones((4, 3)))
    step(x, ng.tensor([[1.0], [-1.0], [1.0], [-1.0]]))  # the trace
    with pytest.raises(ValueError, match=r"hinge: target must hold labels -1 or \+1"):
        step(x, ng.tensor([[1.0], [0.0], [1.0], [0.0]]))
    assert step.traces == 1


def test_source_shows_the_replayed_program() -> None:
    step = ng.compile(lambda x: (x * x).sum())
    step(ng.tensor([1.0, 2.0], requires_grad=True))
    source = step.source()
    assert re.search(r"def forward\(v0\):\n    v1 = mul\(v0, v0\)", source)
    assert "def backward(" in source


def test_calls_a_replay_can_do_without_are_left_out_with_eager_bits() -> None:
    """An L2 penalty's gradient broadcasts a 0-d gradient before each mul (left to the mul)
    and computes g * p twice for p * p (once); a linear layer's gradient transposes W.T back
    (W itself). The mean's broadcast stays: the division by a number needs its shape."""
    rng = np.random.default_rng(0)
    w = ng.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = ng.tensor(rng.standard_normal(4), requires_grad=True)

    def loss(x: ng.Tensor) -> ng.Tensor:
        penalty = (w * w).sum() + (b * b).sum()
        return (x @ w.T + b).relu().mean() + 1e-4 * penalty

    xs = [ng.tensor(rng.standard_normal((5, 3)), requires_grad=True) for _ in range(3)]
    step = assert_same_as_eager(loss, [[x] for x in xs], [w, b, *xs])
    source = step.source()
    assert source.count("broadcast_to(") == 1
    calls = [line.split(" = ", 1)[1] for line in source.splitlines() if " = " in line]
    assert len(calls) == len(set(calls)), source  # no call made twice on the same operands
    # eager transposes W.T back for x's gradient, and g.T @ x back for W's and then its .T:
    # three of the four transposes undo another, only g.T stays
    assert source.split("def backward")[1].count("transpose(") == 1


def test_a_broadcast_left_to_the_ufunc_and_a_leaf_gradient_named_twice_keep_eager_bits() -> None:
    """Cross-entropy's gradient broadcasts the loss's scalar gradient to (batch, classes) before
    a mul by an array of that shape: the mul broadcasts it. W's gradient, (g.T @ x).T.T, is
    g.T @ x: handed on, it is written as a second name for that array, not transposed twice."""
    rng = np.random.default_rng(0)
    w = ng.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    cross_entropy = ng.losses.get("cross_entropy")

    def loss(x: ng.Tensor, labels: ng.Tensor) -> ng.Tensor:
        return cross_entropy(x @ w.T, labels, label_smoothing=0.1)

    calls = [
        [ng.tensor(rng.standard_normal((6, 3))), ng.tensor(rng.integers(0, 4, 6))] for _ in range(3)
    ]
    step = assert_same_as_eager(loss, calls, [w])
    backward = step.source().split("def backward")[1]
    assert "broadcast_to(" not in backward
    assert re.search(r"\n    v\d+ = v\d+\n", backward)
    assert backward.count("transpose(") == 1


@pytest.mark.parametrize("loss_name", ["cross_entropy", "nll"])
def test_a_mean_over_the_labels_kept_is_read_from_each_call_s_labels(loss_name: str) -> None:
    """The mean divides by the number of labels not ignored, which differs from batch to batch:
    a replay must take it from the call's labels, not from the traced call's."""
    rng = np.random.default_rng(3)
    w = ng.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    loss_fn = ng.losses.get(loss_name)

    def loss(x: ng.Tensor, labels: ng.Tensor) -> ng.Tensor:
        return loss_fn(x @ w.T, labels)

    calls = []
    for ignored in (0, 2, 5):
        labels = rng.integers(0, 4, 6)
        labels[:ignored] = -100
        calls.append([ng.tensor(rng.standard_normal((6, 3))), ng.tensor(labels)])
    assert_same_as_eager(loss, calls, [w])


# -- every registered op, every module ----------------------------------------------------------


# Ops whose gradient looks at the values to choose its formula (a product divides by its
# inputs only when none is near 0): their backward cannot be one replayed program.
BRANCHING_GRADIENTS = {"prod", "cumprod"}


def _nudged(x: Any) -> Any:
    """Other values of the same shape and dtype, so a replay cannot pass on frozen ones."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return np.asarray(x * (1 + 1e-3) + 1e-4, dtype=x.dtype)
    return x


def _arguments(flat: Sequence[Any], target: Any) -> tuple[list[int], list[Any]]:
    """Which inputs are passed as tensors (the arrays), and the inputs with those as tensors."""
    positions = [i for i, x in enumerate(flat) if isinstance(x, np.ndarray)]
    out = list(flat)
    for i in positions:
        x = flat[i]
        out[i] = ng.tensor(x, requires_grad=x.dtype.kind == "f" and target.has_gradient(i))
    return positions, out


@pytest.mark.parametrize("name", registered_ops())
@settings(
    max_examples=1,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
@given(data=st.data())
def test_every_registered_op_compiles_bit_identical_to_eager(name: str, data: Any) -> None:
    target = resolve(name)
    case = data.draw(cases(target))
    flat = _flatten(target, case)
    positions, first = _arguments(flat, target)
    _, second = _arguments([_nudged(x) for x in flat], target)
    weights: dict[int, np.ndarray] = {}

    def fn(*tensors: Any) -> Any:
        inputs = list(first)  # the constants; the tensors go where the arrays were
        for i, t in zip(positions, tensors, strict=True):
            inputs[i] = t
        args = _rebuild(target, case, inputs)
        op = getattr(ng.ops, name)  # looked up when called: a trace binds its own wrapper
        result = op(args, **case.params) if target.definition.variadic else op(*args, **case.params)
        outs = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        total = None
        for k, o in enumerate(outs):  # a fixed random weight per output: no gradient via sum()
            if isinstance(o, ng.Tensor) and o.dtype.kind == "f" and o.requires_grad:
                w = weights.setdefault(k, np.random.default_rng(k).standard_normal(o.shape))
                term = (o * w.astype(o.dtype)).sum()
                total = term if total is None else total + term
        return total if total is not None else outs[0]

    calls = [[first[i] for i in positions], [second[i] for i in positions]]
    leaves = [t for t in calls[0] + calls[1] if t.requires_grad]
    with np.errstate(all="ignore"):
        try:
            for args in calls:
                fn(*args)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return  # the nudged values left the op's domain: nothing to compare
        if name in BRANCHING_GRADIENTS and leaves:
            with pytest.raises(ng.TraceError, match="reads tensor values to choose"):
                ng.compile(fn)(*calls[0])
            return
        assert_same_as_eager(fn, calls, leaves)


def _shifted(x: Any) -> Any:
    """Another batch of the same kind: the samples moved along by one (each row keeps what
    makes it valid, a label in range or probabilities that sum to 1), floats nudged."""
    if not isinstance(x, np.ndarray) or x.ndim == 0:
        return x
    return _nudged(np.roll(x, 1, axis=0)) if x.dtype.kind == "f" else np.roll(x, 1, axis=0)


@pytest.mark.parametrize("name", registered_losses())
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
@given(data=st.data())
def test_every_registered_loss_replays_with_each_call_s_own_target(name: str, data: Any) -> None:
    """What a loss makes of its target in NumPy (one-hot coefficients, masks, counts) must
    come from each call's target: a replay that kept the traced call's would give the loss of
    the wrong labels. The input is passed as a tensor that requires grad, the target as one
    that does not; the second call shifts both by a sample, so their pairing changes."""
    target = resolve(name, kind="loss")
    case = data.draw(cases(target))
    x, t = case.inputs
    loss_fn = ng.losses.get(name)

    def fn(x: ng.Tensor, t: ng.Tensor, w: ng.Tensor) -> ng.Tensor:
        # w weights the output (per sample with reduction="none"): no gradient via sum().
        # It is an argument, as a constant array would be refused next to the loss's reads
        # of its target's values (its checks), which a trace cannot tell it is not made from.
        return (loss_fn(x, t, **case.params) * w).sum()

    shape = np.shape(loss_fn(ng.tensor(x), ng.tensor(t), **case.params))
    w = ng.tensor(np.random.default_rng(4).standard_normal(shape).astype(x.dtype))
    calls = []
    for x_values, t_values in ((x, t), (_nudged(x), t), (_shifted(x), _shifted(t))):
        calls.append([ng.tensor(x_values, requires_grad=True), ng.tensor(t_values), w])
    with np.errstate(all="ignore"):
        try:
            for args in calls:
                fn(*args)
        except ValueError:
            return  # the nudged values left the loss's domain: nothing to compare
        assert_same_as_eager(fn, calls, [args[0] for args in calls])


def _modules() -> dict[str, tuple[Callable[[], ng.nn.Module], Callable[[Any], Any]]]:
    """Each module of nn (and the conv plugin's) with the input it takes."""
    from nanograd_conv.nn import Conv2d, MaxPool2d

    nn = ng.nn
    floats = lambda *shape: lambda rng: ng.tensor(rng.standard_normal(shape))
    ints = lambda high, *shape: lambda rng: ng.tensor(rng.integers(0, high, shape))
    return {
        "Linear": (lambda: nn.Linear(5, 3), floats(4, 5)),
        "Embedding": (lambda: nn.Embedding(7, 3), ints(7, 4, 2)),
        "Embedding(padding_idx)": (lambda: nn.Embedding(7, 3, padding_idx=0), ints(7, 4, 2)),
        "LayerNorm": (lambda: nn.LayerNorm(5), floats(4, 5)),
        "Dropout": (lambda: nn.Dropout(0.3), floats(4, 5)),
        "Flatten": (lambda: nn.Flatten(), floats(2, 3, 4)),
        "Identity": (lambda: nn.Identity(), floats(4, 5)),
        "ReLU": (lambda: nn.ReLU(), floats(4, 5)),
        "LeakyReLU": (lambda: nn.LeakyReLU(0.1), floats(4, 5)),
        "Tanh": (lambda: nn.Tanh(), floats(4, 5)),
        "Sigmoid": (lambda: nn.Sigmoid(), floats(4, 5)),
        "GELU": (lambda: nn.GELU(), floats(4, 5)),
        "GELU(tanh)": (lambda: nn.GELU(approximate="tanh"), floats(4, 5)),
        "Softplus": (lambda: nn.Softplus(beta=2.0), floats(4, 5)),
        "Softmax": (lambda: nn.Softmax(axis=-1), floats(4, 5)),
        "LogSoftmax": (lambda: nn.LogSoftmax(axis=-1), floats(4, 5)),
        "OpActivation": (lambda: nn.OpActivation("sin"), floats(4, 5)),
        "Sequential": (
            lambda: nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Dropout(0.2), nn.Linear(6, 2)),
            floats(4, 5),
        ),
        "ModuleList": (lambda: _Stack(), floats(4, 5)),
        "MLP": (lambda: nn.MLP(5, [8, 8], 3, activation="tanh"), floats(4, 5)),
        "Conv2d": (lambda: Conv2d(2, 3, 3, padding=1), floats(2, 2, 5, 5)),
        "MaxPool2d": (lambda: MaxPool2d(2), floats(2, 2, 4, 4)),
    }


class _Stack(ng.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = ng.nn.ModuleList([ng.nn.Linear(5, 5), ng.nn.Linear(5, 5)])

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = ng.ops.tanh(layer(x))
        return x


@pytest.mark.parametrize("name", list(_modules()))
def test_every_nn_module_compiles_bit_identical_to_eager(name: str) -> None:
    make, draw = _modules()[name]

    def outcomes(compiled: bool) -> list[np.ndarray]:
        ng.manual_seed(5)
        module = make()
        rng = np.random.default_rng(6)
        inputs = [draw(rng) for _ in range(3)]
        for x in inputs:
            if x.dtype.kind == "f":
                x.requires_grad = True
        fn = _weighted(module)
        step = ng.compile(fn) if compiled else fn
        seen = []
        for x in inputs:  # the first call traces, the others replay (new values)
            for t in [*module.parameters(), x]:
                t.grad = None
            out = step(x)
            out.backward()
            seen.append(out.data.copy())
            seen += [t.grad.data.copy() for t in [*module.parameters(), x] if t.grad is not None]
        return seen

    eager, compiled = outcomes(False), outcomes(True)
    assert len(eager) == len(compiled)
    for e, c in zip(eager, compiled, strict=True):
        assert same(e, c)


def _weighted(module: ng.nn.Module) -> Callable[[Any], Any]:
    """The module's output weighted by fixed random numbers and summed: a scalar to
    differentiate whose gradient is not all ones."""
    weights: dict[tuple[int, ...], np.ndarray] = {}

    def fn(x: Any) -> Any:
        y = module(x)
        if y.shape not in weights:
            weights[y.shape] = np.random.default_rng(8).standard_normal(y.shape)
        return (y * weights[y.shape]).sum()

    return fn


def test_under_detect_anomaly_a_compiled_function_runs_eagerly_and_is_checked() -> None:
    step = ng.compile(lambda x: ng.ops.log(x).sum())
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    step(x)  # traces
    with np.errstate(invalid="ignore"), ng.detect_anomaly(), pytest.raises(ng.AnomalyError):
        step(ng.tensor([-1.0, 2.0], requires_grad=True))
    assert step.traces == 1
