"""Gradient checking: analytical vector-Jacobian products against central differences.

``gradcheck`` holds a function's gradient to the bar PyTorch's ``torch.autograd.gradcheck`` sets
(float64, ``eps=1e-6``, ``atol=1e-5``, ``rtol=1e-3``, an entry passes when
``|analytical - numerical| <= atol + rtol * |numerical|``), and checks what a user relies on
besides the numbers: gradients have their input's shape and dtype, neither pass writes into an
input or the upstream gradient, and no gradient shares memory with an array the caller holds.

Full mode builds the whole Jacobian both ways (one backward per output element, two forwards per
input element) and also pushes one random upstream gradient through, so a VJP that is right on
one-hot vectors but not linear in ``g`` is caught. Fast mode compares ``v @ J @ u`` for random
``u`` and ``v``, as JAX's ``check_grads`` and PyTorch's ``fast_mode`` do; when that fails it
falls back to the full Jacobian to say where. ``gradgradcheck`` differentiates the gradient
itself, built with ``create_graph=True``, with respect to the inputs and the upstream gradient.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanograd.autograd import backward, grad
from nanograd.tensor import Tensor, as_tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(AssertionError):
    """A gradient check failed; the message says what, for which input, and where.

    Attributes repeat the message's facts for programs: ``problem`` is one of ``"mismatch"``,
    ``"shape"``, ``"dtype"``, ``"mutation"``, ``"alias"``, ``"nonfinite"``, ``"output"``,
    ``"error"`` or (from the property suite) ``"domain"``; ``order`` is 1 or 2;
    ``input_index``, ``shape``, ``index`` (the element), ``analytical`` and ``numerical`` are set
    when they apply.
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

    def with_context(self, text: str) -> GradcheckError:
        """The same error with ``text`` appended to its message (the drawn inputs, say)."""
        extended = copy.copy(self)
        extended.args = (f"{self.args[0]}\n{text}",)
        return extended


# -- preparing inputs ------------------------------------------------------------------------------


def _is_floating(value: Any) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype is not None and np.issubdtype(dtype, np.floating)


def _prepare(inputs: Any, wrt: Sequence[int] | None) -> tuple[list[Any], tuple[int, ...]]:
    """The inputs as ``fn`` receives them, and which of them to differentiate.

    Differentiated inputs become float64 arrays (the check is only meaningful in double
    precision); the others are passed to ``fn`` exactly as given.
    """
    items = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    if wrt is None:
        chosen = []
        for i, x in enumerate(items):
            if isinstance(x, Tensor):
                if x.requires_grad:
                    chosen.append(i)
            elif isinstance(x, (np.ndarray, list)) and _is_floating(np.asarray(x)):
                chosen.append(i)  # an array, or a nested list of floats as one would type it
    else:
        chosen = sorted({int(i) for i in wrt})
        for i in chosen:
            if not 0 <= i < len(items):
                raise IndexError(f"wrt index {i} is out of range for {len(items)} input(s)")
            data = items[i].data if isinstance(items[i], Tensor) else np.asarray(items[i])
            if not _is_floating(data):
                raise TypeError(
                    f"input {i} has dtype {data.dtype}; only floating-point inputs can be "
                    "differentiated"
                )
    if not chosen:
        raise ValueError(
            "nothing to differentiate: pass floating-point arrays (or lists), tensors with "
            "requires_grad=True, or name the inputs with wrt="
        )
    values = list(items)
    for i in chosen:
        x = items[i]
        values[i] = np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    return values, tuple(chosen)


def _call(
    fn: Callable[..., Any], values: Sequence[Any], wrt: Sequence[int], name: str
) -> tuple[list[Any], dict[int, Tensor], tuple[Tensor, ...]]:
    """Run ``fn`` on fresh leaves for the ``wrt`` inputs; return the args, leaves and outputs."""
    args = list(values)
    leaves: dict[int, Tensor] = {}
    for i in wrt:
        leaves[i] = args[i] = Tensor(values[i], requires_grad=True)
    return args, leaves, _outputs(fn(*args), name)


def _outputs(result: Any, name: str) -> tuple[Tensor, ...]:
    if isinstance(result, Tensor):
        return (result,)
    if isinstance(result, (tuple, list)) and all(isinstance(r, Tensor) for r in result):
        return tuple(result)
    raise GradcheckError(
        f"{name}: must return a Tensor or a tuple of Tensors, got {type(result).__name__}",
        name=name,
        problem="output",
    )


def _checked(outputs: Sequence[Tensor]) -> list[int]:
    """Which outputs have a derivative to check: the floating-point ones."""
    return [k for k, out in enumerate(outputs) if _is_floating(out.data)]


def _flat(outputs: Sequence[Tensor], checked: Sequence[int]) -> np.ndarray:
    parts = [np.asarray(outputs[k].data, dtype=np.float64).ravel() for k in checked]
    return np.concatenate(parts) if parts else np.zeros(0)


# -- labels and messages ---------------------------------------------------------------------------


@dataclass
class _Labels:
    """How a message names things: the function, its inputs and outputs, the order."""

    name: str
    inputs: list[str]
    outputs: list[str]
    upstream: list[str]
    order: int = 1

    @property
    def prefix(self) -> str:
        return f"{self.name}: " + ("second order: " if self.order == 2 else "")


def _default_labels(name: str, n_inputs: int, n_outputs: int, order: int = 1) -> _Labels:
    outputs = ["output"] if n_outputs == 1 else [f"output {k}" for k in range(n_outputs)]
    upstream = (
        ["the upstream gradient"]
        if n_outputs == 1
        else [f"the upstream gradient of output {k}" for k in range(n_outputs)]
    )
    return _Labels(name, [f"input {i}" for i in range(n_inputs)], outputs, upstream, order)


def _where(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""


def _describe(value: Any) -> str:
    data = value.data if isinstance(value, Tensor) else value
    if isinstance(data, np.ndarray):
        return f"shape {data.shape}, {data.dtype}"
    return type(data).__name__


# -- the structural checks: mutation, shape, dtype, aliasing ---------------------------------------


def _arrays_of(args: Sequence[Any]) -> list[tuple[int, np.ndarray]]:
    found = []
    for i, x in enumerate(args):
        data = x.data if isinstance(x, Tensor) else x
        if isinstance(data, np.ndarray):
            found.append((i, data))
    return found


def _snapshot(arrays: Sequence[tuple[int, np.ndarray]]) -> list[tuple[int, np.ndarray]]:
    return [(i, a.copy()) for i, a in arrays]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return bool(np.array_equal(a, b, equal_nan=_is_floating(a)))


def _check_unchanged(
    current: Sequence[tuple[int, np.ndarray]],
    before: Sequence[tuple[int, np.ndarray]],
    labels: Sequence[str],
    when: str,
    names: _Labels,
) -> None:
    for (i, now), (_, then) in zip(current, before, strict=True):
        if _same(now, then):
            continue
        where = ""
        if now.shape == then.shape:
            differs = now != then
            if _is_floating(now):
                differs &= ~(np.isnan(now) & np.isnan(then))
            changed = np.argwhere(differs)
            if len(changed):
                idx = tuple(int(j) for j in changed[0])
                what = f"element {_where(idx)}" if idx else "its value"
                where = f": {what} changed from {then[idx].item()!r} to {now[idx].item()!r}"
        raise GradcheckError(
            f"{names.prefix}the {when} pass wrote into {labels[i]} ({_describe(then)}){where}. "
            "An op must not modify its inputs or the upstream gradient in place; compute into "
            "a new array instead",
            name=names.name,
            problem="mutation",
            order=names.order,
            input_index=i,
            shape=then.shape,
        )


def _check_gradients(
    leaves: dict[int, Tensor],
    held: Sequence[tuple[str, np.ndarray]],
    names: _Labels,
) -> dict[int, np.ndarray]:
    """Shape, dtype and aliasing of each leaf's gradient; returns them (zeros where unused)."""
    grads: dict[int, np.ndarray] = {}
    fresh: list[tuple[str, np.ndarray]] = []
    for i, leaf in leaves.items():
        label = names.inputs[i]
        g = leaf.grad
        if g is None:
            grads[i] = np.zeros(leaf.shape)
            continue
        data = g.data
        if data.shape != leaf.shape:
            raise GradcheckError(
                f"{names.prefix}the gradient of {label} has shape {data.shape} but the input "
                f"has shape {leaf.shape}; a gradient has its input's shape",
                name=names.name, problem="shape", order=names.order, input_index=i,
                shape=leaf.shape,
            )  # fmt: skip
        if data.dtype != leaf.dtype:
            raise GradcheckError(
                f"{names.prefix}the gradient of {label} has dtype {data.dtype} but the input "
                f"is {leaf.dtype}; a gradient has its input's dtype",
                name=names.name, problem="dtype", order=names.order, input_index=i,
                shape=leaf.shape,
            )  # fmt: skip
        for other, array in [*held, *fresh]:
            if np.shares_memory(data, array):
                raise GradcheckError(
                    f"{names.prefix}the gradient of {label} shares memory with {other}; a "
                    "gradient must be a fresh array, or an in-place update of one (an "
                    "optimizer step) would silently change the other",
                    name=names.name, problem="alias", order=names.order, input_index=i,
                    shape=leaf.shape,
                )  # fmt: skip
        fresh.append((f"the gradient of {label}", data))
        grads[i] = data
    return grads


def _check_finite(outputs: Sequence[Tensor], checked: Sequence[int], names: _Labels) -> None:
    for k in checked:
        data = outputs[k].data
        if not np.all(np.isfinite(data)):
            bad = tuple(int(j) for j in np.argwhere(~np.isfinite(data))[0]) if data.ndim else ()
            value = data[bad] if data.ndim else data[()]
            where = f"element {_where(bad)}" if bad else "its only element"
            raise GradcheckError(
                f"{names.prefix}{names.outputs[k]} is {value} at {where} for these inputs, so "
                "it has no derivative to check; keep the inputs inside the function's domain",
                name=names.name,
                problem="nonfinite",
                order=names.order,
            )


# -- comparing numbers -----------------------------------------------------------------------------


def _violations(
    analytical: np.ndarray, numerical: np.ndarray, atol: float, rtol: float
) -> np.ndarray:
    """How far each entry is past its tolerance (positive where it fails; inf for NaN)."""
    excess = np.abs(analytical - numerical) - (atol + rtol * np.abs(numerical))
    return np.where(np.isnan(excess), np.inf, excess)


def _flat_to_output(
    flat_index: int, outputs: Sequence[Tensor], checked: Sequence[int]
) -> tuple[int, tuple[int, ...]]:
    for k in checked:
        size = outputs[k].data.size
        if flat_index < size:
            shape = outputs[k].data.shape
            return k, tuple(int(j) for j in np.unravel_index(flat_index, shape)) if shape else ()
        flat_index -= size
    raise IndexError(flat_index)


def _element(flat_index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(j) for j in np.unravel_index(flat_index, shape)) if shape else ()


# -- the check itself ------------------------------------------------------------------------------


@dataclass
class _Settings:
    eps: float
    atol: float
    rtol: float
    fast: bool
    seed: int | None


def _numerical_jacobian(
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
        plus = _flat(_call(fn, [*values[:i], xp, *values[i + 1 :]], wrt, name)[2], checked)
        minus = _flat(_call(fn, [*values[:i], xm, *values[i + 1 :]], wrt, name)[2], checked)
        jac[:, j] = (plus - minus) / step
    return jac


def _analytical_jacobian(
    fn: Callable[..., Any], values: list[Any], wrt: Sequence[int], name: str
) -> tuple[dict[int, np.ndarray], tuple[Tensor, ...], list[int]]:
    """d(flat outputs)/d(input i) from one VJP per output element, with one-hot upstreams."""
    _, leaves, outputs = _call(fn, values, wrt, name)
    checked = _checked(outputs)
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


def _mismatch(
    analytical: np.ndarray,
    numerical: np.ndarray,
    i: int,
    values: list[Any],
    outputs: Sequence[Tensor],
    checked: Sequence[int],
    names: _Labels,
    opts: _Settings,
) -> GradcheckError | None:
    """The Jacobian entries of input ``i`` that disagree, as an error naming the worst one."""
    excess = _violations(analytical, numerical, opts.atol, opts.rtol)
    if not np.any(excess > 0):
        return None
    row, col = (int(j) for j in np.unravel_index(int(np.argmax(excess)), excess.shape))
    k, out_index = _flat_to_output(row, outputs, checked)
    shape = values[i].shape
    in_index = _element(col, shape)
    a, n = float(analytical[row, col]), float(numerical[row, col])
    count = int(np.sum(excess > 0))
    label = names.inputs[i]
    return GradcheckError(
        f"{names.prefix}the gradient of {label} (shape {shape}) does not match central "
        f"differences (eps={opts.eps:g}).\n"
        f"  largest mismatch: {names.outputs[k]}{_where(out_index)} with respect to {label}"
        f"{_where(in_index)}: analytical {a:.6g}, numerical {n:.6g} "
        f"(allowed difference {opts.atol + opts.rtol * abs(n):.3g}); "
        f"{count} of {excess.size} Jacobian entries differ",
        name=names.name, problem="mismatch", order=names.order, input_index=i, shape=shape,
        index=in_index, analytical=a, numerical=n,
    )  # fmt: skip


def _check(
    fn: Callable[..., Any],
    values: list[Any],
    wrt: tuple[int, ...],
    grad_outputs: Sequence[Any] | None,
    names: _Labels | None,
    opts: _Settings,
    name: str,
) -> None:
    rng = np.random.default_rng(opts.seed)

    # One pass with a random upstream gradient, the way a user calls backward().
    args = list(values)
    leaves: dict[int, Tensor] = {}
    for i in wrt:
        leaves[i] = args[i] = Tensor(values[i], requires_grad=True)
    inputs_now = _arrays_of(args)
    inputs_before = _snapshot(inputs_now)
    outputs = _outputs(fn(*args), name)
    if names is None:
        names = _default_labels(name, len(values), len(outputs))
    _check_unchanged(_arrays_of(args), inputs_before, names.inputs, "forward", names)
    checked = _checked(outputs)
    _check_finite(outputs, checked, names)
    differentiable = [k for k in checked if outputs[k].requires_grad]
    if grad_outputs is None:
        upstream = {k: rng.standard_normal(outputs[k].shape) for k in checked}
    else:
        given = list(grad_outputs)
        if len(given) != len(differentiable):
            raise ValueError(
                f"{name}: {len(given)} grad_outputs for {len(differentiable)} output(s) "
                "that require grad"
            )
        upstream = {k: rng.standard_normal(outputs[k].shape) for k in checked}
        upstream.update(
            {k: np.asarray(g, dtype=np.float64) for k, g in zip(differentiable, given, strict=True)}
        )
    upstream_before = [(k, v.copy()) for k, v in upstream.items()]
    if differentiable:
        backward(
            [outputs[k] for k in differentiable],
            [as_tensor(upstream[k]) for k in differentiable],
        )
    _check_unchanged(_arrays_of(args), inputs_before, names.inputs, "backward", names)
    _check_unchanged(list(upstream.items()), upstream_before, names.upstream, "backward", names)
    held = [(f"{names.inputs[i]}", a) for i, a in inputs_now]
    held += [(names.upstream[k], v) for k, v in upstream.items()]
    held += [(names.outputs[k], outputs[k].data) for k in range(len(outputs))]
    grads = _check_gradients(leaves, held, names)
    v_flat = np.concatenate([upstream[k].ravel() for k in checked]) if checked else np.zeros(0)

    if opts.fast:
        for i in wrt:
            u = rng.standard_normal(values[i].shape)
            norm = np.linalg.norm(u)
            u = u / norm if norm > 0 else u
            plus = _flat(_call(fn, _moved(values, i, opts.eps * u), wrt, name)[2], checked)
            minus = _flat(_call(fn, _moved(values, i, -opts.eps * u), wrt, name)[2], checked)
            projected = float(v_flat @ ((plus - minus) / (2 * opts.eps)))
            analytical = float(np.sum(grads[i] * u))
            excess = _violations(np.array(analytical), np.array(projected), opts.atol, opts.rtol)
            if excess > 0:
                # Say where: the full Jacobian of this input locates the wrong entries.
                _full(fn, values, wrt, [i], names, opts, name)
                raise GradcheckError(
                    f"{names.prefix}the gradient of {names.inputs[i]} (shape "
                    f"{values[i].shape}) does not match central differences along a random "
                    f"direction: v.J.u analytical {analytical:.6g}, numerical {projected:.6g}",
                    name=names.name, problem="mismatch", order=names.order, input_index=i,
                    shape=values[i].shape, analytical=analytical, numerical=projected,
                )  # fmt: skip
        return

    numerical = _full(fn, values, wrt, wrt, names, opts, name)
    # The Jacobian agrees entry by entry; the random upstream gradient must agree too.
    for i in wrt:
        expected = (v_flat @ numerical[i]).reshape(values[i].shape)
        excess = _violations(grads[i], expected, opts.atol, opts.rtol)
        if np.any(excess > 0):
            flat = int(np.argmax(excess))
            where = _element(flat, values[i].shape)
            a, n = float(grads[i].flat[flat]), float(expected.flat[flat])
            raise GradcheckError(
                f"{names.prefix}the gradient of {names.inputs[i]} (shape {values[i].shape}) "
                "for a random upstream gradient does not match central differences, though "
                "every one-hot upstream gradient does: the vjp is not linear in g.\n"
                f"  largest mismatch at {names.inputs[i]}{_where(where)}: analytical {a:.6g}, "
                f"numerical {n:.6g}",
                name=names.name, problem="mismatch", order=names.order, input_index=i,
                shape=values[i].shape, index=where, analytical=a, numerical=n,
            )  # fmt: skip


def _moved(values: list[Any], i: int, delta: np.ndarray) -> list[Any]:
    return [*values[:i], values[i] + delta, *values[i + 1 :]]


def _full(
    fn: Callable[..., Any],
    values: list[Any],
    wrt: tuple[int, ...],
    which: Sequence[int],
    names: _Labels,
    opts: _Settings,
    name: str,
) -> dict[int, np.ndarray]:
    """Compare the full Jacobians of the ``which`` inputs; return the numerical ones."""
    analytical, outputs, checked = _analytical_jacobian(fn, values, wrt, name)
    numerical = {}
    for i in which:
        n_out = analytical[i].shape[0]
        numerical[i] = _numerical_jacobian(fn, values, wrt, i, checked, n_out, opts.eps, name)
        error = _mismatch(analytical[i], numerical[i], i, values, outputs, checked, names, opts)
        if error is not None:
            raise error
    return numerical


def _fn_name(fn: Callable[..., Any], name: str | None) -> str:
    if name is not None:
        return name
    return f"function {getattr(fn, '__qualname__', None) or repr(fn)!r}"


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    *,
    grad_outputs: Sequence[Any] | None = None,
    wrt: Sequence[int] | None = None,
    seed: int | None = 0,
    name: str | None = None,
) -> bool:
    """Check ``fn``'s gradients against float64 central differences; True, or GradcheckError.

    ``inputs`` is a tuple or list of arguments for ``fn`` (or one array). Differentiated are the
    floating-point NumPy arrays and the tensors with ``requires_grad=True`` unless ``wrt`` names
    the indices; they are checked in float64. Everything else (integer labels, Python scalars,
    tensors that do not require grad) is passed to ``fn`` as given. ``fn`` returns a Tensor or
    a tuple of Tensors.

    The upstream gradient is random (``seed``), never the ones that ``sum()`` would give, unless
    ``grad_outputs`` supplies one per output that requires grad. ``fast=True`` compares random
    projections instead of the whole Jacobian. ``name`` is how errors refer to ``fn``.

    Raises GradcheckError naming the input, its shape, the largest mismatch (analytical against
    numerical) and the element where it is; also when a gradient has the wrong shape or dtype,
    when either pass writes into an input or the upstream gradient, or when a gradient shares
    memory with an input, an output, the upstream gradient or another gradient.
    """
    values, chosen = _prepare(inputs, wrt)
    label = _fn_name(fn, name)
    _check(fn, values, chosen, grad_outputs, None, _Settings(eps, atol, rtol, fast, seed), label)
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Sequence[Any] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    *,
    wrt: Sequence[int] | None = None,
    seed: int | None = 0,
    name: str | None = None,
) -> bool:
    """Check second-order gradients: differentiate ``fn``'s VJP and compare it with central
    differences of the first-order gradient. True, or GradcheckError.

    The VJP is built with ``create_graph=True`` at a random upstream gradient (or
    ``grad_outputs``) and checked, as a function of the inputs and of that upstream gradient,
    with :func:`gradcheck`'s rules; errors name "second order". Arguments as for gradcheck.
    """
    values, chosen = _prepare(inputs, wrt)
    label = _fn_name(fn, name)
    opts = _Settings(eps, atol, rtol, fast, seed)
    rng = np.random.default_rng(None if seed is None else seed + 1)
    _, _, outputs = _call(fn, values, chosen, label)
    differentiable = [k for k in _checked(outputs) if outputs[k].requires_grad]
    if not differentiable:
        return True  # nothing depends on the inputs: no gradient, so no second order
    if grad_outputs is None:
        upstream = [rng.standard_normal(outputs[k].shape) for k in differentiable]
    else:
        upstream = [np.array(g, dtype=np.float64) for g in grad_outputs]
        if len(upstream) != len(differentiable):
            raise ValueError(
                f"{label}: {len(upstream)} grad_outputs for {len(differentiable)} output(s) "
                "that require grad"
            )
    n = len(chosen)

    def first_order(*tensors: Tensor) -> tuple[Tensor, ...]:
        xs, vs = tensors[:n], tensors[n:]
        args = list(values)
        for i, x in zip(chosen, xs, strict=True):
            args[i] = x
        outs = _outputs(fn(*args), label)
        grads = grad(
            [outs[k] for k in differentiable], list(xs), list(vs),
            create_graph=True, allow_unused=True,
        )  # fmt: skip
        return tuple(
            Tensor(np.zeros(x.shape)) if g is None else g for g, x in zip(grads, xs, strict=True)
        )

    several = len(differentiable) > 1
    names = _Labels(
        name=label,
        inputs=[f"input {i}" for i in chosen]
        + [f"the upstream gradient{f' of output {k}' if several else ''}" for k in differentiable],
        outputs=[f"the gradient of input {i}" for i in chosen],
        upstream=[f"the second-order upstream gradient for input {i}" for i in chosen],
        order=2,
    )
    inner = [values[i] for i in chosen] + upstream
    _check(first_order, inner, tuple(range(len(inner))), None, names, opts, label)
    return True
