"""Gradient checking: analytical vector-Jacobian products against central differences.

``gradcheck`` compares in float64 with central differences (``eps=1e-6``); an entry passes when
``|analytical - numerical| <= atol + rtol * |numerical|``, with ``atol=1e-7`` and ``rtol=1e-5``.
That is a hundred times tighter than PyTorch's defaults (``atol=1e-5``, ``rtol=1e-3``), which
let a gradient off by 0.1% pass: in float64 a central difference is good to about 1e-10 of the
function's scale, and on every op nanograd ships the largest disagreement measured stays under
a tenth of these tolerances, so a gradient 1e-4 off (relative) is caught wherever a Jacobian
entry exceeds about 1e-3. It also checks what a user relies on besides the numbers: gradients
have their input's shape and dtype, neither pass writes into an input or the upstream gradient,
and no gradient shares memory with an array the caller holds.

Full mode builds the whole Jacobian both ways (one backward per output element, two forwards per
input element) and also pushes one random upstream gradient through, so a VJP that is right on
one-hot vectors but not linear in ``g`` is caught. Fast mode compares ``v @ J @ u`` for random
``u`` and ``v``, as JAX's ``check_grads`` and PyTorch's ``fast_mode`` do; when that fails it
falls back to the full Jacobian to say where. ``gradgradcheck`` differentiates the gradient
itself, built with ``create_graph=True``, with respect to the inputs and the upstream gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nanograd.autograd import backward, grad
from nanograd.integrity import arrays_of, check_finite, check_gradients, check_unchanged, snapshot
from nanograd.jacobian import (
    GradcheckError,
    Labels,
    Settings,
    analytical_jacobian,
    as_outputs,
    call_on_leaves,
    default_labels,
    flat_outputs_at,
    floating_outputs,
    index_text,
    is_floating,
    mismatch,
    numerical_jacobian,
    unravel,
    violations,
)
from nanograd.tensor import Tensor, as_tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


# -- preparing inputs ------------------------------------------------------------------------------


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
            elif isinstance(x, (np.ndarray, list)) and is_floating(np.asarray(x)):
                chosen.append(i)  # an array, or a nested list of floats as one would type it
    else:
        chosen = sorted({int(i) for i in wrt})
        for i in chosen:
            if not 0 <= i < len(items):
                raise IndexError(f"wrt index {i} is out of range for {len(items)} input(s)")
            data = items[i].data if isinstance(items[i], Tensor) else np.asarray(items[i])
            if not is_floating(data):
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


# -- the check itself ------------------------------------------------------------------------------


def _check(
    fn: Callable[..., Any],
    values: list[Any],
    wrt: tuple[int, ...],
    grad_outputs: Sequence[Any] | None,
    names: Labels | None,
    opts: Settings,
    name: str,
) -> None:
    rng = np.random.default_rng(opts.seed)

    # One pass with a random upstream gradient, the way a user calls backward().
    args = list(values)
    leaves: dict[int, Tensor] = {}
    for i in wrt:
        leaves[i] = args[i] = Tensor(values[i], requires_grad=True)
    inputs_now = arrays_of(args)
    inputs_before = snapshot(inputs_now)
    outputs = as_outputs(fn(*args), name)
    if names is None:
        names = default_labels(name, len(values), len(outputs))
    check_unchanged(arrays_of(args), inputs_before, names.inputs, "forward", names)
    checked = floating_outputs(outputs)
    check_finite(outputs, checked, names)
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
    check_unchanged(arrays_of(args), inputs_before, names.inputs, "backward", names)
    check_unchanged(list(upstream.items()), upstream_before, names.upstream, "backward", names)
    held = [(f"{names.inputs[i]}", a) for i, a in inputs_now]
    held += [(names.upstream[k], v) for k, v in upstream.items()]
    held += [(names.outputs[k], outputs[k].data) for k in range(len(outputs))]
    grads = check_gradients(leaves, held, names)
    v_flat = np.concatenate([upstream[k].ravel() for k in checked]) if checked else np.zeros(0)

    if opts.fast:
        for i in wrt:
            u = rng.standard_normal(values[i].shape)
            norm = np.linalg.norm(u)
            u = u / norm if norm > 0 else u
            plus = flat_outputs_at(fn, _moved(values, i, opts.eps * u), wrt, name, checked)
            minus = flat_outputs_at(fn, _moved(values, i, -opts.eps * u), wrt, name, checked)
            projected = float(v_flat @ ((plus - minus) / (2 * opts.eps)))
            analytical = float(np.sum(grads[i] * u))
            excess = violations(np.array(analytical), np.array(projected), opts.atol, opts.rtol)
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
        excess = violations(grads[i], expected, opts.atol, opts.rtol)
        if np.any(excess > 0):
            flat = int(np.argmax(excess))
            where = unravel(flat, values[i].shape)
            a, n = float(grads[i].flat[flat]), float(expected.flat[flat])
            raise GradcheckError(
                f"{names.prefix}the gradient of {names.inputs[i]} (shape {values[i].shape}) "
                "for a random upstream gradient does not match central differences, though "
                "every one-hot upstream gradient does: the vjp is not linear in g.\n"
                f"  largest mismatch at {names.inputs[i]}{index_text(where)}: analytical {a:.6g}, "
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
    names: Labels,
    opts: Settings,
    name: str,
) -> dict[int, np.ndarray]:
    """Compare the full Jacobians of the ``which`` inputs; return the numerical ones."""
    analytical, outputs, checked = analytical_jacobian(fn, values, wrt, name)
    numerical = {}
    for i in which:
        n_out = analytical[i].shape[0]
        numerical[i] = numerical_jacobian(fn, values, wrt, i, checked, n_out, opts.eps, name)
        error = mismatch(analytical[i], numerical[i], i, values, outputs, checked, names, opts)
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
    atol: float = 1e-7,
    rtol: float = 1e-5,
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
    _check(fn, values, chosen, grad_outputs, None, Settings(eps, atol, rtol, fast, seed), label)
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Sequence[Any] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
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
    opts = Settings(eps, atol, rtol, fast, seed)
    rng = np.random.default_rng(None if seed is None else seed + 1)
    _, _, outputs = call_on_leaves(fn, values, chosen, label)
    differentiable = [k for k in floating_outputs(outputs) if outputs[k].requires_grad]
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
        outs = as_outputs(fn(*args), label)
        grads = grad(
            [outs[k] for k in differentiable], list(xs), list(vs),
            create_graph=True, allow_unused=True,
        )  # fmt: skip
        return tuple(
            Tensor(np.zeros(x.shape)) if g is None else g for g, x in zip(grads, xs, strict=True)
        )

    several = len(differentiable) > 1
    names = Labels(
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
