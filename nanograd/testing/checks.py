"""What the property suite asserts about one drawn example of an op or a loss.

For a differentiable op or a loss, first order: :func:`nanograd.gradcheck` (full Jacobian and a
random upstream gradient; shapes, dtypes, no writes into inputs or the upstream gradient, no
aliased gradients), then the same call in float32, whose outputs and gradients must stay float32.
Second order: :func:`nanograd.gradgradcheck` in fast mode. For an op declared
``differentiable=False``: its output never requires grad. Every failure is a
:class:`~nanograd.gradcheck.GradcheckError` that names the op and the plugin that registered it,
followed by the drawn inputs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from hypothesis import strategies as st

from nanograd import plugins
from nanograd.autograd import backward, grad
from nanograd.domain import Case, Domain, broadcast, elementwise
from nanograd.gradcheck import gradcheck, gradgradcheck
from nanograd.graph import ops_in
from nanograd.integrity import arrays_of, check_unchanged, snapshot
from nanograd.jacobian import GradcheckError, Labels, default_labels, is_floating
from nanograd.lookup import find
from nanograd.registry import LossDef, OpDef, Registry
from nanograd.tensor import Tensor
from nanograd.testing.strategies import (
    AXIS_KINDS,
    Focus,
    accepted_params,
    axis_kind,
    domain_cases,
)

__all__ = ["Example", "Target", "cases", "check_case", "examples", "resolve"]

Kind = Literal["op", "loss"]
Order = Literal[1, 2]
REDUCTIONS = ("mean", "sum", "none")


@dataclass(frozen=True)
class Target:
    """An op or a loss under test, with what the suite needs to know about it."""

    kind: Kind
    definition: OpDef | LossDef

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def plugin(self) -> str:
        return self.definition.plugin

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name!r} (plugin {self.plugin!r})"

    @property
    def differentiable(self) -> bool:
        return not isinstance(self.definition, OpDef) or self.definition.differentiable

    @property
    def twice_differentiable(self) -> bool:
        """For a loss, decided per example from the ops in its graph."""
        return not isinstance(self.definition, OpDef) or self.definition.twice_differentiable

    @property
    def function(self) -> Callable[..., Any]:
        return self.definition.function

    def domain(self) -> Domain:
        """The declared domain, or the default: inputs of one shape for a loss and a unary op,
        broadcasting shapes for an op of several inputs (a comparison, say)."""
        if self.definition.domain is not None:
            return self.definition.domain
        if self.kind == "op" and self.arity() >= 2:
            return broadcast()
        return elementwise()

    def arity(self) -> int:
        return self.definition.arity

    def has_gradient(self, position: int) -> bool:
        """Whether input ``position`` (of the flattened inputs) has a vjp to check."""
        op = self.definition
        if not isinstance(op, OpDef) or op.variadic or op.composite:
            return True
        return position < len(op.vjps) and op.vjps[position] is not None

    def call(self, inputs: Sequence[Any], params: dict[str, Any]) -> Any:
        if isinstance(self.definition, OpDef) and self.definition.variadic:
            return self.function(list(inputs), **params)
        return self.function(*inputs, **params)

    def _signature(self) -> inspect.Signature | None:
        func = self.definition.forward if isinstance(self.definition, OpDef) else self.function
        try:
            return inspect.signature(func)
        except (TypeError, ValueError):  # a NumPy ufunc, say: no axis to draw
            return None

    def foci(self) -> list[Focus]:
        """Every combination of the kinds of ``axis`` and the ``keepdims`` the op takes, which
        the suite checks each at least once; empty for an op that takes neither."""
        sig = self._signature()
        takes = set() if sig is None else set(sig.parameters)
        kinds: list[str | None] = list(AXIS_KINDS) if "axis" in takes else [None]
        flags: list[bool | None] = [False, True] if "keepdims" in takes else [None]
        if kinds == [None] and flags == [None]:
            return []
        return [Focus(kind, flag) for flag in flags for kind in kinds]

    def focus_of(self, case: Case) -> Focus:
        """The kind of ``axis`` and the ``keepdims`` that ``case`` calls the op with, its
        defaults included (``softmax``'s axis=-1 is a negative axis)."""
        sig = self._signature()
        if sig is None:
            return Focus()
        inputs = list(case.inputs)
        if isinstance(self.definition, OpDef) and self.definition.variadic:
            inputs = [inputs[0] if len(inputs) == 1 and isinstance(inputs[0], list) else inputs]
        try:
            bound = sig.bind_partial(*inputs, **case.params)
        except TypeError:
            return Focus()
        bound.apply_defaults()
        given = bound.arguments
        axis = axis_kind(given["axis"]) if "axis" in given else None
        flag = given.get("keepdims")
        return Focus(axis, bool(flag) if isinstance(flag, (bool, np.bool_)) else None)


# -- finding what to check -------------------------------------------------------------------------


def _registry(modules: Sequence[str] = ()) -> Registry:
    return plugins.load(modules) if modules else plugins.registry()


def resolve(
    target: str | OpDef | LossDef | Target,
    kind: Kind | None = None,
    modules: Sequence[str] = (),
) -> Target:
    """The op or loss called ``target`` in the registry (after loading ``modules``).

    Raises :class:`~nanograd.lookup.UnknownName` (a LookupError) with a did-you-mean when no
    op or loss has that name.
    """
    if isinstance(target, Target):
        return target
    if isinstance(target, OpDef):
        return Target("op", target)
    if isinstance(target, LossDef):
        return Target("loss", target)
    reg = _registry(modules)
    tables: list[tuple[Kind, dict[str, Any]]] = []
    if kind in (None, "op"):
        tables.append(("op", reg.ops))
    if kind in (None, "loss"):
        tables.append(("loss", reg.losses))
    found = [(k, table[target]) for k, table in tables if target in table]
    if len(found) > 1:
        raise LookupError(f"{target!r} is both an op and a loss; say which with kind=")
    merged = {name: (k, definition) for k, table in tables for name, definition in table.items()}
    suffix = (
        f" Loaded plugins: {', '.join(p.name for p in plugins.plugins()) or 'none'} "
        "(`python -m nanograd.plugins` lists what each registered; a module that is not "
        "installed loads with modules=[...], -p or NANOGRAD_PLUGINS)"
    )
    found_kind, definition = find(merged, target, " or ".join(k for k, _ in tables), suffix=suffix)
    return Target(found_kind, definition)


# -- drawing examples ------------------------------------------------------------------------------


def cases(target: str | OpDef | LossDef | Target) -> st.SearchStrategy[Case]:
    """A strategy of :class:`~nanograd.domain.Case` from an op's or a loss's domain.

    A loss that takes ``reduction`` and whose domain does not fix it gets each of
    ``"mean"``, ``"sum"`` and ``"none"``.
    """
    t = resolve(target)
    accepts = accepted_params(
        t.definition.forward if isinstance(t.definition, OpDef) else t.function
    )
    drawn = domain_cases(t.domain(), t.arity(), accepts, where=t.label)
    if t.kind == "loss" and accepts("reduction"):

        def add_reduction(case: Case) -> st.SearchStrategy[Case]:
            if "reduction" in case.params:
                return st.just(case)
            return st.sampled_from(REDUCTIONS).map(
                lambda r: Case(case.inputs, {**case.params, "reduction": r})
            )

        return drawn.flatmap(add_reduction)
    return drawn


@dataclass(frozen=True)
class Example:
    """One check: a case, which of its inputs to pass as constants, and the random seed for
    the upstream gradient. Constants exercise the call path ``x * 2.0``/``arr @ t``, where a
    vjp receives a NumPy array or a Python scalar instead of a Tensor."""

    case: Case
    constants: frozenset[int] = field(default_factory=frozenset)
    seed: int = 0


def _is_variadic(target: Target) -> bool:
    return isinstance(target.definition, OpDef) and target.definition.variadic


def _is_array_sequence(x: Any) -> bool:
    """A list or tuple of arrays passed as one input (``select``'s choicelist)."""
    return (
        isinstance(x, (list, tuple))
        and len(x) > 0
        and all(isinstance(item, (np.ndarray, Tensor)) for item in x)
    )


def _flatten(target: Target, case: Case) -> list[Any]:
    """The case's tensor inputs, one by one: a variadic op's sequence is opened up, and so is
    any input that is a sequence of arrays."""
    inputs = list(case.inputs)
    if _is_variadic(target):
        if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
            return list(inputs[0])
        return inputs
    flat: list[Any] = []
    for x in inputs:
        flat.extend(x if _is_array_sequence(x) else [x])
    return flat


def _rebuild(target: Target, case: Case, flat: Sequence[Any]) -> list[Any]:
    """The inverse of :func:`_flatten`: the call's arguments with sequences put back."""
    if _is_variadic(target):
        return list(flat)
    args: list[Any] = []
    rest = list(flat)
    for x in case.inputs:
        if _is_array_sequence(x):
            args.append(type(x)(rest[: len(x)]))
            del rest[: len(x)]
        else:
            args.append(rest.pop(0))
    return args


def _candidates(target: Target, inputs: Sequence[Any]) -> list[int]:
    """The inputs the suite differentiates: floating arrays with a vjp, and tensors that ask."""
    chosen = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            if x.requires_grad:
                chosen.append(i)
        elif isinstance(x, np.ndarray) and is_floating(x) and target.has_gradient(i):
            chosen.append(i)
    return chosen


def examples(target: str | OpDef | LossDef | Target) -> st.SearchStrategy[Example]:
    """Cases of ``target`` with a choice of constant inputs (never all) and a seed."""
    t = resolve(target)

    def complete(case: Case) -> st.SearchStrategy[Example]:
        candidates = _candidates(t, _flatten(t, case))
        constants: st.SearchStrategy[frozenset[int]] = st.just(frozenset())
        if len(candidates) > 1:
            constants = st.frozensets(st.sampled_from(candidates), max_size=len(candidates) - 1)
        seeds = st.integers(0, 2**32 - 1)
        return st.builds(Example, st.just(case), constants, seeds)

    return cases(t).flatmap(complete)


# -- checking one example --------------------------------------------------------------------------


def _roles(target: Target, example: Example) -> list[tuple[str, Any]]:
    """Each input of the example, flattened, with its role and its value (an array's data)."""
    inputs = _flatten(target, example.case)
    wrt = set(_candidates(target, inputs)) - example.constants
    roles = []
    for i, x in enumerate(inputs):
        role = "constant" if i in example.constants else "passed through"
        role = "differentiated" if i in wrt else role
        roles.append((role, x.data if isinstance(x, Tensor) else x))
    return roles


def _describe(target: Target, example: Example) -> str:
    lines = ["  drawn inputs:"]
    for i, (role, data) in enumerate(_roles(target, example)):
        if isinstance(data, np.ndarray):
            body = np.array2string(data, precision=6, separator=", ", threshold=40)
            body = body.replace("\n", "\n      ")
            lines.append(f"    input {i} ({role}, shape {data.shape}, {data.dtype}): {body}")
        else:
            lines.append(f"    input {i} ({role}): {data!r}")
    lines.append(f"    params: {dict(example.case.params)!r}")
    lines.append(f"    upstream gradient seed: {example.seed}")
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data: arrays as nested lists, anything unknown as its repr."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _example_data(target: Target, example: Example) -> dict[str, Any]:
    """The drawn example as data, as :func:`_describe` words it."""
    described = []
    for i, (role, data) in enumerate(_roles(target, example)):
        entry: dict[str, Any] = {"index": i, "role": role}
        if isinstance(data, np.ndarray):
            entry.update(shape=list(data.shape), dtype=str(data.dtype))
        entry["value"] = _plain(data)
        described.append(entry)
    return {
        "inputs": described,
        "params": _plain(dict(example.case.params)),
        "upstream_seed": example.seed,
    }


def _arguments(inputs: Sequence[Any], constants: frozenset[int]) -> list[Any]:
    """Inputs as the check passes them: a 0-d constant as the Python float a user would write."""
    args = list(inputs)
    for i in constants:
        x = args[i]
        if isinstance(x, np.ndarray) and x.ndim == 0:
            args[i] = float(x)
    return args


def _as_tuple(result: Any) -> tuple[Any, ...]:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def check_case(
    target: str | OpDef | LossDef | Target,
    example: Example | Case,
    order: Order = 1,
) -> Literal["pass", "n/a"]:
    """Run the checks of one order on one example; raise GradcheckError naming the op.

    Returns ``"n/a"`` when the example has nothing to differentiate (its inputs are all labels
    or constants; the call must still run) and for second order when it does not apply (the op
    or a loss's graph is not twice differentiable), else ``"pass"``. When the op or one of its
    vjps raises, the error says which order, which part (the forward, or the vjp of which
    input) and the drawn inputs.
    """
    t = resolve(target)
    if isinstance(example, Case):
        example = Example(example)
    try:
        return _check(t, example, order)
    except GradcheckError as exc:
        raise exc.with_context(_describe(t, example), _example_data(t, example)) from None
    except Exception as exc:
        part, index = _culprit(t, example, order)
        stage = "first order" if order == 1 else "second order"
        error = GradcheckError(
            f"{t.label}: {stage}: {part} raised {type(exc).__name__}: {exc}",
            name=t.label, problem="error", order=order, input_index=index,
        )  # fmt: skip
        raise error.with_context(_describe(t, example), _example_data(t, example)) from exc


def _culprit(t: Target, example: Example, order: Order) -> tuple[str, int | None]:
    """Which part of ``t`` raised on ``example``: the forward, or the vjp of which input.

    Found by running them again one at a time: the forward, then for each input the backward
    pass that reaches that input alone (and at second order, differentiating that gradient).
    """
    inputs = _flatten(t, example.case)
    params = dict(example.case.params)
    wrt = [i for i in _candidates(t, inputs) if i not in example.constants]
    args = _arguments(inputs, example.constants)
    rng = np.random.default_rng(example.seed)

    def run() -> tuple[list[Any], list[Tensor]]:
        xs = [
            Tensor(np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64),
                   requires_grad=True) if i in wrt else x
            for i, x in enumerate(args)
        ]  # fmt: skip
        outputs = _as_tuple(t.call(_rebuild(t, example.case, xs), params))
        return xs, [o for o in outputs if isinstance(o, Tensor) and o.requires_grad]

    try:
        run()
    except Exception:
        return "the forward", None
    for i in wrt:
        try:
            xs, outputs = run()
            if not outputs:
                continue
            upstream = [Tensor(rng.standard_normal(o.shape)) for o in outputs]
            (g,) = grad(outputs, [xs[i]], upstream, create_graph=order == 2, allow_unused=True)
            if order == 2 and g is not None and g.requires_grad:
                leaves = [xs[j] for j in wrt]
                grad([g], leaves, [Tensor(rng.standard_normal(g.shape))], allow_unused=True)
        except Exception:
            return ("the vjp" if _is_variadic(t) else f"the vjp of input {i}"), i
    return "the op", None


def _check(t: Target, example: Example, order: Order) -> Literal["pass", "n/a"]:
    inputs = _flatten(t, example.case)
    params = dict(example.case.params)
    wrt = [i for i in _candidates(t, inputs) if i not in example.constants]
    args = _arguments(inputs, example.constants)
    param_arrays = [(j, v) for j, v in enumerate(params.values()) if isinstance(v, np.ndarray)]
    params_before = snapshot(param_arrays)

    def fn(*xs: Any) -> Any:
        return t.call(_rebuild(t, example.case, xs), params)

    status: Literal["pass", "n/a"] = "pass"
    if not t.differentiable:
        _check_constant_output(t, fn, args)
        status = "n/a" if order == 2 else "pass"
    elif not wrt:  # nothing floating to differentiate (all labels, say): it must still run
        fn(*args)
        status = "n/a"
    elif order == 1:
        gradcheck(fn, args, wrt=wrt, seed=example.seed, name=t.label)
        _check_float32(t, fn, args, wrt, params, example.seed)
    elif not t.twice_differentiable:
        status = "n/a"
    else:
        probe = [Tensor(x, requires_grad=True) if i in wrt else x for i, x in enumerate(args)]
        outputs = [o for o in _as_tuple(fn(*probe)) if isinstance(o, Tensor)]
        if any(not op.twice_differentiable for op in ops_in(outputs)):
            status = "n/a"
        else:
            gradgradcheck(fn, args, wrt=wrt, seed=example.seed, name=t.label, fast=True)
    names = Labels(t.label, [f"parameter {key!r}" for key in params], [], [], order)
    check_unchanged(param_arrays, params_before, names.inputs, "forward or backward", names)
    return status


def _check_constant_output(t: Target, fn: Callable[..., Any], args: Sequence[Any]) -> None:
    """A non-differentiable op's results stay out of the graph, even from inputs that ask."""
    leaves = [
        Tensor(x, requires_grad=True) if isinstance(x, np.ndarray) and is_floating(x) else x
        for x in args
    ]
    before = snapshot(arrays_of(leaves))
    outputs = _as_tuple(fn(*leaves))
    names = default_labels(t.label, len(leaves), len(outputs))
    check_unchanged(arrays_of(leaves), before, names.inputs, "forward", names)
    for k, out in enumerate(outputs):
        if isinstance(out, Tensor) and out.requires_grad:
            raise GradcheckError(
                f"{t.label} is declared differentiable=False, but output {k} requires grad",
                name=t.label, problem="output",
            )  # fmt: skip


def _check_float32(
    t: Target,
    fn: Callable[..., Any],
    args: Sequence[Any],
    wrt: Sequence[int],
    params: dict[str, Any],
    seed: int,
) -> None:
    """Float32 in gives float32 out and float32 gradients (unless the op takes a ``dtype``)."""
    leaves: dict[int, Tensor] = {}
    call: list[Any] = []
    for i, x in enumerate(args):
        if i in wrt:
            leaves[i] = Tensor(np.asarray(x.data if isinstance(x, Tensor) else x, np.float32),
                               requires_grad=True)  # fmt: skip
            call.append(leaves[i])
        elif isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
            call.append(x.astype(np.float32))
        else:
            call.append(x)
    try:
        outputs = [o for o in _as_tuple(fn(*call)) if isinstance(o, Tensor)]
    except Exception as exc:
        raise _float32_error(t, "the forward", exc) from exc
    floating = [o for o in outputs if np.issubdtype(o.dtype, np.floating)]
    if "dtype" not in params:
        for k, out in enumerate(floating):
            if out.dtype != np.float32:
                raise GradcheckError(
                    f"{t.label}: float32 inputs gave a {out.dtype} output {k}; float32 "
                    "computations must stay float32 (look for a float64 constant or a NumPy "
                    "call that promotes)",
                    name=t.label, problem="dtype",
                )  # fmt: skip
    rng = np.random.default_rng(seed)
    needing = [o for o in floating if o.requires_grad]
    if not needing:
        return
    try:
        backward(needing, [Tensor(rng.standard_normal(o.shape).astype(o.dtype)) for o in needing])
    except Exception as exc:
        raise _float32_error(t, "the backward pass", exc) from exc
    for i, leaf in leaves.items():
        g = leaf.grad
        if g is not None and (g.dtype != np.float32 or g.shape != leaf.shape):
            raise GradcheckError(
                f"{t.label}: the gradient of float32 input {i} (shape {leaf.shape}) is "
                f"{g.dtype} of shape {g.shape}; it must be float32 of the input's shape",
                name=t.label, problem="dtype", input_index=i, shape=leaf.shape,
            )  # fmt: skip


def _float32_error(t: Target, part: str, exc: Exception) -> GradcheckError:
    return GradcheckError(
        f"{t.label}: first order: with float32 inputs, {part} raised {type(exc).__name__}: {exc}",
        name=t.label, problem="error", order=1,
    )  # fmt: skip
