"""Reverse-mode differentiation: walk the graph from the outputs back to the leaves.

The walk is iterative (a graph a million ops deep needs no recursion) and looks nothing up: each
tensor carries its op, whose vector-Jacobian products it calls. Broadcasting is undone here, in
one place, so no op has to sum its gradient back to its input's shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nanograd._mode import grad_mode
from nanograd.tensor import Tensor, _make, as_tensor


def _topological_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """Tensors that require grad, each after every tensor it was computed from."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in roots]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        inputs = t._inputs
        if inputs is not None:
            for x in inputs:
                if isinstance(x, Tensor) and x._requires_grad and id(x) not in seen:
                    stack.append((x, False))
    return order


def _sum_to_shape(g: Tensor, shape: tuple[int, ...], op: Any, index: int) -> Tensor:
    """Undo broadcasting: sum ``g`` over the axes an input of ``shape`` was stretched along."""
    gshape = g.data.shape
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise ValueError(_shape_mismatch(op, index, gshape, shape))
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1
    )
    for i, n in enumerate(shape):
        if n != 1 and gshape[lead + i] != n:
            raise ValueError(_shape_mismatch(op, index, gshape, shape))
    if axes:
        g = g.sum(axis=axes)
    if g.data.shape != shape:
        g = g.reshape(shape)
    return g


def _shape_mismatch(op: Any, index: int, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    return (
        f"the vjp of op {op.name!r} (plugin {op.plugin!r}) for input {index} returned shape "
        f"{got}, which does not reduce to the input's shape {want}"
    )


def _freed_error(t: Tensor) -> RuntimeError:
    assert t._op is not None
    return RuntimeError(
        f"trying to backward through op {t._op.name!r} a second time, but its graph was freed "
        "by the first backward; pass retain_graph=True to the first backward() (or ng.grad) "
        "if you need to go through the graph twice"
    )


def _seed(output: Tensor, grad: Any, what: str) -> Tensor:
    if grad is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"{what}: gradient can be created implicitly only for a one-element output; this "
                f"output has shape {output.data.shape}, so pass grad= of that shape "
                "(e.g. ng.ones_like(out))"
            )
        return _make(np.ones_like(output.data))
    seed = grad if isinstance(grad, Tensor) else as_tensor(np.array(grad, dtype=output.dtype))
    if seed.data.shape != output.data.shape:
        raise ValueError(
            f"{what}: grad has shape {seed.data.shape} but the output has shape "
            f"{output.data.shape}; they must match"
        )
    if seed.data.dtype != output.data.dtype:
        seed = _make(seed.data.astype(output.data.dtype))
    return seed


def _run(
    outputs: Sequence[Tensor],
    seeds: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Tensor | None] | None,
) -> None:
    """Push ``seeds`` back from ``outputs``: into ``capture`` if given, else into leaf ``.grad``."""
    order = _topological_order(outputs)
    grads: dict[int, Tensor] = {}
    for out, seed in zip(outputs, seeds):
        prev = grads.get(id(out))
        grads[id(out)] = seed if prev is None else prev + seed
    previous_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        for t in reversed(order):
            g = grads.pop(id(t), None)
            if g is None:
                continue
            if capture is not None and id(t) in capture:
                capture[id(t)] = g
            op = t._op
            if op is None:
                if capture is None:
                    _accumulate_leaf(t, g, create_graph)
                continue
            inputs = t._inputs
            if inputs is None:
                raise _freed_error(t)
            params = t._params or {}
            if op.variadic:
                _push_variadic(op, g, t, inputs, params, grads)
            else:
                for i, x in enumerate(inputs):
                    if isinstance(x, Tensor) and x._requires_grad:
                        vjp = op.vjps[i]
                        if vjp is None:
                            continue
                        gx = vjp(g, t, *inputs, **params)
                        _add_grad(grads, x, gx, op, i)
            if not retain_graph:
                t._inputs = None
                t._params = None
    finally:
        grad_mode.enabled = previous_mode


def _push_variadic(
    op: Any, g: Tensor, t: Tensor, inputs: tuple[Any, ...], params: dict[str, Any],
    grads: dict[int, Tensor],
) -> None:
    assert op.vjps[0] is not None
    gxs = op.vjps[0](g, t, inputs, **params)
    for i, (x, gx) in enumerate(zip(inputs, gxs)):
        if isinstance(x, Tensor) and x._requires_grad:
            _add_grad(grads, x, gx, op, i)


def _add_grad(grads: dict[int, Tensor], x: Tensor, gx: Any, op: Any, index: int) -> None:
    if gx is None:
        return
    if not isinstance(gx, Tensor):
        gx = as_tensor(gx)
    xdata = x.data
    if gx.data.shape != xdata.shape:
        gx = _sum_to_shape(gx, xdata.shape, op, index)
    if gx.data.dtype != xdata.dtype:
        gx = gx.astype(xdata.dtype)
    prev = grads.get(id(x))
    grads[id(x)] = gx if prev is None else prev + gx


def _accumulate_leaf(t: Tensor, g: Tensor, create_graph: bool) -> None:
    if not create_graph:
        # A fresh array: the leaf's gradient must not alias the upstream gradient or another
        # leaf's (an identity vjp such as add's passes the same array to both of its inputs).
        g = _make(np.array(g.data, copy=True))
    t.grad = g if t.grad is None else t.grad + g


def backward(
    outputs: Sequence[Tensor],
    grads: Sequence[Any] | None = None,
    retain_graph: bool = False,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of ``outputs`` into the ``.grad`` of every leaf they depend on."""
    for out in outputs:
        if not out._requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the computation "
                "had requires_grad=True (or it ran under ng.no_grad())"
            )
    seeds = [
        _seed(out, None if grads is None else grads[i], "backward()")
        for i, out in enumerate(outputs)
    ]
    _run(outputs, seeds, retain_graph or create_graph, create_graph, None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) weighted by ``grad_outputs``, leaving every ``.grad`` alone.

    As ``torch.autograd.grad``: ``retain_graph`` defaults to ``create_graph``; an input the
    outputs do not depend on is an error unless ``allow_unused=True``, when its gradient is None.
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor) and len(outs) == 1:
        gouts: list[Any] = [grad_outputs] * len(outs)
    else:
        gouts = list(grad_outputs)
    if len(gouts) != len(outs):
        raise ValueError(f"ng.grad: {len(outs)} outputs but {len(gouts)} grad_outputs")
    for i, x in enumerate(ins):
        if not isinstance(x, Tensor) or not x._requires_grad:
            raise RuntimeError(f"ng.grad: input {i} is not a tensor that requires grad")
    for i, out in enumerate(outs):
        if not out._requires_grad:
            raise RuntimeError(f"ng.grad: output {i} does not require grad")
    seeds = [_seed(out, g, "ng.grad") for out, g in zip(outs, gouts)]
    capture: dict[int, Tensor | None] = {id(x): None for x in ins}
    keep = create_graph if retain_graph is None else retain_graph
    _run(outs, seeds, keep, create_graph, capture)
    result: list[Tensor | None] = []
    for i, x in enumerate(ins):
        g = capture[id(x)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"ng.grad: input {i} (shape {x.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            result.append(g if create_graph else _make(np.array(g.data, copy=True)))
    return tuple(result)
