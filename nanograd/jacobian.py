"""The pieces of a gradient check: Jacobians both ways, and how a failure is told.

:func:`analytical_jacobian` builds d(outputs)/d(input) from one vector-Jacobian product per
output element; :func:`numerical_jacobian` from central differences; :func:`mismatch` finds the
entries that disagree beyond ``atol + rtol * |numerical|`` and words the error. They serve
:func:`nanograd.gradcheck` and the property suite (:mod:`nanograd.testing`), which also words
its failures with :class:`Labels` and :class:`GradcheckError`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from nanograd.autograd import grad
from nanograd.tensor import Tensor, as_tensor


class GradcheckError(AssertionError):
    """A gradient check failed; the message says what, for which input, and where.

    Attributes repeat the message's facts for programs: ``problem`` is one of ``"mismatch"``,
    ``"shape"``, ``"dtype"``, ``"mutation"``, ``"alias"``, ``"nonfinite"``, ``"output"``,
    ``"error"`` (the function or a vjp raised) or (from the property suite) ``"domain"``;
    ``order`` is 1 or 2; ``input_index`` (the input whose gradient is wrong, or whose vjp
    raised), ``shape``, ``index`` (the element), ``analytical`` and ``numerical`` are set when
    they apply. The property suite adds ``example``, the drawn inputs as plain data.
    :meth:`details` gives them all as one JSON-ready dict.
    """

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        problem: str = "mismatch",
        order: int = 1,
        input_index: int | None = None,
        shape: tuple[int, ...] | None = None,
        index: tuple[int, ...] | None = None,
        analytical: float | None = None,
        numerical: float | None = None,
    ) -> None:
        super().__init__(message)
        self.name = name
        self.problem = problem
        self.order = order
        self.input_index = input_index
        self.shape = shape
        self.index = index
        self.analytical = analytical
        self.numerical = numerical
        self.example: dict[str, Any] | None = None

    def with_context(self, text: str, example: dict[str, Any] | None = None) -> GradcheckError:
        """The same error with ``text`` appended to its message (the drawn inputs, say), and
        ``example`` (those inputs as data) attached."""
        extended = copy.copy(self)
        extended.args = (f"{self.args[0]}\n{text}",)
        if example is not None:
            extended.example = example
        return extended

    def details(self) -> dict[str, Any]:
        """The facts of the failure as plain data, for ``--json``: the message, ``problem``,
        ``order``, ``input`` (its index), ``shape``, ``index``, ``analytical``, ``numerical``
        and, from the property suite, ``example``."""
        return {
            "message": str(self),
            "problem": self.problem,
            "order": self.order,
            "input": self.input_index,
            "shape": None if self.shape is None else list(self.shape),
            "index": None if self.index is None else list(self.index),
            "analytical": self.analytical,
            "numerical": self.numerical,
            "example": self.example,
        }


def is_floating(value: Any) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype is not None and np.issubdtype(dtype, np.floating)


def call_on_leaves(
    fn: Callable[..., Any], values: Sequence[Any], wrt: Sequence[int], name: str
) -> tuple[list[Any], dict[int, Tensor], tuple[Tensor, ...]]:
    """Run ``fn`` on fresh leaves for the ``wrt`` inputs; return the args, leaves and outputs."""
    args = list(values)
    leaves: dict[int, Tensor] = {}
    for i in wrt:
        leaves[i] = args[i] = Tensor(values[i], requires_grad=True)
    return args, leaves, as_outputs(fn(*args), name)


def as_outputs(result: Any, name: str) -> tuple[Tensor, ...]:
    if isinstance(result, Tensor):
        return (result,)
    if isinstance(result, (tuple, list)) and all(isinstance(r, Tensor) for r in result):
        return tuple(result)
    raise GradcheckError(
        f"{name}: must return a Tensor or a tuple of Tensors, got {type(result).__name__}",
        name=name,
        problem="output",
    )


def flat_outputs_at(
    fn: Callable[..., Any],
    values: Sequence[Any],
    wrt: Sequence[int],
    name: str,
    checked: Sequence[int],
) -> np.ndarray:
    """The ``checked`` outputs of ``fn`` at ``values``, flattened into one float64 vector."""
    return flatten_outputs(call_on_leaves(fn, values, wrt, name)[2], checked)


def floating_outputs(outputs: Sequence[Tensor]) -> list[int]:
    """Which outputs have a derivative to check: the floating-point ones."""
    return [k for k, out in enumerate(outputs) if is_floating(out.data)]


def flatten_outputs(outputs: Sequence[Tensor], checked: Sequence[int]) -> np.ndarray:
    parts = [np.asarray(outputs[k].data, dtype=np.float64).ravel() for k in checked]
    return np.concatenate(parts) if parts else np.zeros(0)


# -- labels and messages ---------------------------------------------------------------------------


class Labels(NamedTuple):
    """How a message names things: the function, its inputs and outputs, the order.

    This and :class:`Settings` are named tuples rather than dataclasses: ``import nanograd``
    imports this module for ``ng.gradcheck``, and making a dataclass costs about a millisecond.
    """

    name: str
    inputs: list[str]
    outputs: list[str]
    upstream: list[str]
    order: int = 1

    @property
    def prefix(self) -> str:
        return f"{self.name}: " + ("second order: " if self.order == 2 else "")

    def stage(self, when: str) -> str:
        """What a pass of the check is to the user: at second order the function checked is
        the backward pass itself, so its "forward" is the backward pass and its "backward" the
        double-backward pass."""
        if self.order == 2:
            stages = {"forward": "backward", "backward": "double-backward"}
            return " or ".join(stages.get(part, part) for part in when.split(" or "))
        return when


def default_labels(name: str, n_inputs: int, n_outputs: int, order: int = 1) -> Labels:
    outputs = ["output"] if n_outputs == 1 else [f"output {k}" for k in range(n_outputs)]
    upstream = (
        ["the upstream gradient"]
        if n_outputs == 1
        else [f"the upstream gradient of output {k}" for k in range(n_outputs)]
    )
    return Labels(name, [f"input {i}" for i in range(n_inputs)], outputs, upstream, order)


def index_text(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""


def describe_value(value: Any) -> str:
    data = value.data if isinstance(value, Tensor) else value
    if isinstance(data, np.ndarray):
        return f"shape {data.shape}, {data.dtype}"
    return type(data).__name__


# -- comparing numbers -----------------------------------------------------------------------------


def violations(
    analytical: np.ndarray, numerical: np.ndarray, atol: float, rtol: float
) -> np.ndarray:
    """How far each entry is past its tolerance (positive where it fails; inf for NaN)."""
    excess = np.abs(analytical - numerical) - (atol + rtol * np.abs(numerical))
    return np.where(np.isnan(excess), np.inf, excess)


def flat_to_output(
    flat_index: int, outputs: Sequence[Tensor], checked: Sequence[int]
) -> tuple[int, tuple[int, ...]]:
    for k in checked:
        size = outputs[k].data.size
        if flat_index < size:
            shape = outputs[k].data.shape
            return k, tuple(int(j) for j in np.unravel_index(flat_index, shape)) if shape else ()
        flat_index -= size
    raise IndexError(flat_index)


def unravel(flat_index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(j) for j in np.unravel_index(flat_index, shape)) if shape else ()


class Settings(NamedTuple):
    eps: float
    atol: float
    rtol: float
    fast: bool
    seed: int | None


def numerical_jacobian(
    fn: Callable[..., Any],
    values: list[Any],
    wrt: Sequence[int],
    i: int,
    checked: Sequence[int],
    n_out: int,
    eps: float,
    name: str,
) -> np.ndarray:
    """d(flat outputs)/d(input i), one column per element, by central differences."""
    x = values[i]
    jac = np.zeros((n_out, x.size))
    for j in range(x.size):
        xp = x.copy()
        xm = x.copy()
        xp.flat[j] += eps
        xm.flat[j] -= eps
        step = xp.flat[j] - xm.flat[j]  # the step actually taken, after rounding
        plus = flatten_outputs(
            call_on_leaves(fn, [*values[:i], xp, *values[i + 1 :]], wrt, name)[2], checked
        )
        minus = flatten_outputs(
            call_on_leaves(fn, [*values[:i], xm, *values[i + 1 :]], wrt, name)[2], checked
        )
        jac[:, j] = (plus - minus) / step
    return jac


def analytical_jacobian(
    fn: Callable[..., Any], values: list[Any], wrt: Sequence[int], name: str
) -> tuple[dict[int, np.ndarray], tuple[Tensor, ...], list[int]]:
    """d(flat outputs)/d(input i) from one VJP per output element, with one-hot upstreams."""
    _, leaves, outputs = call_on_leaves(fn, values, wrt, name)
    checked = floating_outputs(outputs)
    sizes = [outputs[k].data.size for k in checked]
    rows: dict[int, list[np.ndarray]] = {i: [] for i in wrt}
    ordered = [leaves[i] for i in wrt]
    for k, size in zip(checked, sizes, strict=True):
        out = outputs[k]
        for e in range(size):
            if not out.requires_grad:
                for i in wrt:
                    rows[i].append(np.zeros(values[i].size))
                continue
            onehot = np.zeros(out.data.shape, dtype=out.data.dtype)
            onehot.flat[e] = 1.0
            grads = grad(out, ordered, as_tensor(onehot), retain_graph=True, allow_unused=True)
            for i, g in zip(wrt, grads, strict=True):
                rows[i].append(np.zeros(values[i].size) if g is None else g.data.ravel())
    total = sum(sizes)
    jac = {i: np.stack(rows[i]) if rows[i] else np.zeros((total, values[i].size)) for i in wrt}
    return jac, outputs, checked


def mismatch(
    analytical: np.ndarray,
    numerical: np.ndarray,
    i: int,
    values: list[Any],
    outputs: Sequence[Tensor],
    checked: Sequence[int],
    names: Labels,
    opts: Settings,
) -> GradcheckError | None:
    """The Jacobian entries of input ``i`` that disagree, as an error naming the worst one."""
    excess = violations(analytical, numerical, opts.atol, opts.rtol)
    if not np.any(excess > 0):
        return None
    row, col = (int(j) for j in np.unravel_index(int(np.argmax(excess)), excess.shape))
    k, out_index = flat_to_output(row, outputs, checked)
    shape = values[i].shape
    in_index = unravel(col, shape)
    a, n = float(analytical[row, col]), float(numerical[row, col])
    count = int(np.sum(excess > 0))
    label = names.inputs[i]
    return GradcheckError(
        f"{names.prefix}the gradient of {label} (shape {shape}) does not match central "
        f"differences (eps={opts.eps:g}).\n"
        f"  largest mismatch: {names.outputs[k]}{index_text(out_index)} with respect to {label}"
        f"{index_text(in_index)}: analytical {a:.6g}, numerical {n:.6g} "
        f"(allowed difference {opts.atol + opts.rtol * abs(n):.3g}); "
        f"{count} of {excess.size} Jacobian entries differ",
        name=names.name, problem="mismatch", order=names.order, input_index=i, shape=shape,
        index=in_index, analytical=a, numerical=n,
    )  # fmt: skip
