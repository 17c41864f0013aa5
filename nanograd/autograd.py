"""Reverse-mode differentiation: walk the graph from the outputs back to the leaves.

The walk is iterative, so a graph a million ops deep needs no recursion, and it looks nothing up:
each tensor carries its op, whose vector-Jacobian products it calls. A tensor's gradient may be
passed on only once it is complete, after every tensor computed from it has added its share, so
the walk needs a topological order of the graph. It has one for free: every graph node keeps the
tick of the clock when it was recorded (:mod:`nanograd.versions`), and a tensor is always
recorded after the tensors it was computed from. So the walk keeps the nodes that have received
a gradient in a heap and always takes the latest recorded: hand its gradient to its op's vjps,
add the results into its inputs' gradients, push the inputs that got their first. No pass over
the graph beforehand is needed, and a part of the graph no gradient reaches is never visited.
The leaves' gradients are written into ``.grad`` at the end, so a walk that fails part of the
way (a freed graph, a value changed in place since the forward) writes none.

Broadcasting is undone here, in one place (:func:`_sum_to_shape`), so no op has to sum its
gradient back to its input's shape; dtypes are restored here too. Unless the graph is retained,
each tensor lets go of its inputs as soon as it has been processed, so memory falls during the
walk and a second walk fails with a clear error instead of a wrong answer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

from nanograd import ops, versions
from nanograd._mode import grad_mode
from nanograd.graph import freed_error, leading_to
from nanograd.tensor import Tensor, as_tensor, engine_op, wrap
from nanograd.versions import clock

if TYPE_CHECKING:
    from nanograd.registry import OpDef

_OPS = vars(ops)  # the bound ops by name; the engine's own ops (ENGINE_OPS) are found here

_NO_PARAMS: dict[str, Any] = {}  # shared, never written


def _sum_to_shape(g: Tensor, shape: tuple[int, ...], op: OpDef, index: int) -> Tensor:
    """Undo broadcasting: sum ``g`` over the axes an input of ``shape`` was stretched along."""
    gshape = g._data.shape
    lead = len(gshape) - len(shape)
    if lead < 0 or any(n != 1 and gshape[lead + i] != n for i, n in enumerate(shape)):
        raise ValueError(
            f"the vjp of op {op.name!r} (plugin {op.plugin!r}) for input {index} returned shape "
            f"{gshape}, which does not reduce to the input's shape {shape} by summing over "
            "broadcast axes"
        )
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1
    )
    if axes:
        total = _OPS.get("sum") or engine_op("sum", "undoing broadcasting in backward()")
        g = total(g, axis=axes)
    if g._data.shape != shape:
        reshape = _OPS.get("reshape") or engine_op("reshape", "undoing broadcasting in backward()")
        g = reshape(g, shape)
    return g


def _conform(gx: Any, x: Tensor, op: OpDef, index: int) -> Tensor:
    """A vjp's result made into a gradient for ``x``: a tensor of its shape and dtype."""
    g = gx if isinstance(gx, Tensor) else as_tensor(gx)
    xdata = x._data
    if g._data.shape != xdata.shape:
        g = _sum_to_shape(g, xdata.shape, op, index)
    if g._data.dtype != xdata.dtype:
        g = g.astype(xdata.dtype)  # the shape helper: it calls the engine op "astype"
    return g


def _seed(output: Tensor, grad: Any, what: str) -> Tensor:
    """The gradient the walk starts from at ``output``: ``grad``, or 1 for a one-element output.

    A tensor seed is used as given (with ``create_graph`` its own graph is kept); anything else
    is copied into an array of the output's dtype.
    """
    if grad is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"{what}: a gradient can be created implicitly only for a one-element output; "
                f"this output has shape {output._data.shape}, so pass the gradient of that shape "
                "(e.g. ng.ones_like(out))"
            )
        return wrap(np.ones_like(output._data))
    seed = grad if isinstance(grad, Tensor) else wrap(np.array(grad, dtype=output._data.dtype))
    if seed._data.shape != output._data.shape:
        raise ValueError(
            f"{what}: the gradient has shape {seed._data.shape} but the output has shape "
            f"{output._data.shape}; they must match"
        )
    if seed._data.dtype != output._data.dtype:
        seed = seed.astype(output._data.dtype)
    return seed


# The backward walk's one hook point: a context each walk runs inside, given the outputs and
# their seeds. ng.detect_anomaly() sets it for as long as it is on (it checks the seeds, and
# its checking vjps need to know a walk is running). It is read once per backward() or
# ng.grad call, never per node, so unset it costs nothing.
WalkHook = Callable[[Sequence[Tensor], Sequence[Tensor]], AbstractContextManager[object]]
walk_hook: WalkHook | None = None


def _walk(
    outputs: Sequence[Tensor],
    seeds: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[Tensor, Tensor | None] | None,
) -> None:
    """Run the walk, inside :data:`walk_hook`'s context when one is set, then hand the leaves
    their gradients: only once every node has been walked, so a walk that failed part of the
    way (a freed graph, a value changed in place) wrote none of them."""
    hook = walk_hook
    if hook is None:
        leaves = _run(outputs, seeds, retain_graph, create_graph, capture)
    else:
        with hook(outputs, seeds):
            leaves = _run(outputs, seeds, retain_graph, create_graph, capture)
    _write_leaves(leaves, create_graph, capture)


def _run(
    outputs: Sequence[Tensor],
    seeds: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[Tensor, Tensor | None] | None,
) -> dict[Tensor, Tensor]:
    """Push ``seeds`` back from ``outputs`` through every graph node; return the leaves'
    gradients. Intermediate tensors in ``capture`` (from :func:`grad`) have theirs put there,
    and the walk stops short of tensors that lead to no captured one.
    """
    keep = None if capture is None else leading_to(outputs, set(capture))
    grads: dict[Tensor, Tensor] = {}  # each tensor's gradient so far; the leaves' at the end
    for out, seed in zip(outputs, seeds, strict=True):
        prev = grads.get(out)
        grads[out] = seed if prev is None else _plus(prev, seed, create_graph)
    # The graph nodes with a gradient, not yet walked, as a heap that gives the latest recorded
    # first: every tensor computed from a node was recorded after it, so when a node comes off
    # the heap, every tensor that will add to its gradient has been walked and it is complete.
    pending = [(-out._recorded_at, out) for out in grads if out._op is not None]
    heapify(pending)
    changed_at = clock.changed  # the time of the latest in-place change (versions)
    previous_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        while pending:
            t = heappop(pending)[1]
            g = grads.pop(t)
            if capture is not None and t in capture:
                capture[t] = g
            inputs = t._inputs
            if inputs is None:
                raise freed_error(t)
            if t._recorded_at < changed_at:  # something was changed in place since this op ran
                versions.check(t, [x for x in inputs if isinstance(x, Tensor)])
            op = t._op
            assert op is not None  # only graph nodes are pushed
            params = t._params
            if not retain_graph:  # let go of the inputs: memory falls as the walk goes
                t._inputs = t._params = None
            # One entry per input: its vjp, or for a variadic op its gradient, already computed.
            per_input = _variadic_grads(op, g, t, inputs, params) if op.variadic else op.vjps
            for i, x in enumerate(inputs):
                if not isinstance(x, Tensor) or not x._requires_grad:
                    continue
                if keep is not None and x not in keep:
                    continue
                if op.variadic:
                    gx = per_input[i]
                else:
                    vjp = per_input[i]
                    if vjp is None:
                        continue
                    # as in call.make_function: no ** unpacking of empty parameters
                    gx = vjp(g, t, *inputs, **params) if params else vjp(g, t, *inputs)
                if gx is None:
                    continue
                xdata = x._data
                if (
                    type(gx) is not Tensor
                    or gx._data.shape != xdata.shape
                    or (gx._data.dtype is not xdata.dtype and gx._data.dtype != xdata.dtype)
                ):
                    gx = _conform(gx, x, op, i)
                prev = grads.get(x)
                if prev is not None:
                    grads[x] = _plus(prev, gx, create_graph)
                    continue
                grads[x] = gx
                if x._op is not None:
                    heappush(pending, (-x._recorded_at, x))
    finally:
        grad_mode.enabled = previous_mode
    return grads  # every node has been walked: what is left are the leaves


def _write_leaves(
    leaves: dict[Tensor, Tensor],
    create_graph: bool,
    capture: dict[Tensor, Tensor | None] | None,
) -> None:
    """Give each leaf its complete gradient: into ``capture`` if given, else into ``.grad``."""
    while leaves:
        t, g = leaves.popitem()  # out of the dict, so that only this frame refers to g
        if capture is None:
            _accumulate_leaf(t, g, create_graph)
        elif t in capture:
            capture[t] = g


def _variadic_grads(
    op: OpDef, g: Tensor, out: Tensor, inputs: tuple[Any, ...], params: dict[str, Any] | None
) -> list[Any]:
    """Call a variadic op's single vjp, which returns one gradient (or None) per input."""
    vjp = op.vjps[0]
    assert vjp is not None
    gxs = list(vjp(g, out, inputs, **(params or _NO_PARAMS)))
    if len(gxs) != len(inputs):
        raise ValueError(
            f"the vjp of variadic op {op.name!r} (plugin {op.plugin!r}) returned "
            f"{len(gxs)} gradients for {len(inputs)} inputs"
        )
    return gxs


def _plus(a: Tensor, b: Tensor, create_graph: bool) -> Tensor:
    """The sum of two gradients of one tensor: recorded only when the graph is being built."""
    if create_graph:
        return engine_op("add", "summing gradients with create_graph=True")(a, b)  # type: ignore[no-any-return]
    return wrap(a._data + b._data)


def _walk_owns(g: Tensor, leaf: np.ndarray) -> bool:
    """Whether gradient ``g`` may become the ``.grad`` of a leaf holding ``leaf`` as it is:
    nothing but the walk refers to it or to its memory, and it is laid out as the leaf is.

    A leaf's gradient must not alias anything that lives on: the seed, another leaf's gradient
    (an identity vjp such as add's hands one tensor to both inputs), an input or a saved output.
    So it is copied, which for a large weight costs a pass over its memory each step, unless
    the reference counts prove it private, as PyTorch does: the tensor is held only by the
    calls handing it to the leaf, its array only by the tensor, and that array owns its memory
    or is a view (a transpose) of an array nothing else holds. Every view of an array holds a
    reference to the array that owns the memory, so none can hide. Where an interpreter holds
    more references than counted here (Python 3.10 holds one), the gradient is copied: the
    count errs only towards the copy. A gradient laid out otherwise than its leaf (a transpose
    a compiled program kept) is copied into the leaf's layout: an optimizer's update across
    the grain costs several times one along it.
    """
    # getrefcount counts its own argument; the tensor is also in _write_leaves' variable and
    # the parameters of _accumulate_leaf and this function, the array in the tensor and this
    # function's variable.
    if sys.getrefcount(g) > 4:
        return False
    data = g._data
    if sys.getrefcount(data) > 3 or not data.flags.writeable or data.strides != leaf.strides:
        return False
    base = data.base
    if base is None:
        return True
    # A view: its base is held by the view and by this function's variable, and owns its memory.
    return type(base) is np.ndarray and base.base is None and sys.getrefcount(base) <= 3


def _accumulate_leaf(t: Tensor, g: Tensor, create_graph: bool) -> None:
    """Add ``g`` into ``t.grad``: a new tensor each time, never written in place."""
    if t._grad is None:
        # Without create_graph, an array nothing else holds: g itself when the walk owns it,
        # else a copy (an identity vjp such as add's hands one tensor to both inputs).
        t._grad = g if create_graph or _walk_owns(g, t._data) else wrap(g._data.copy())
    else:
        t._grad = _plus(t._grad, g, create_graph)


def backward(
    outputs: Sequence[Tensor],
    grads: Sequence[Any] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of ``outputs`` into the ``.grad`` of every leaf they depend on.

    ``grads[i]`` weights ``outputs[i]`` (None: 1 for a one-element output). ``retain_graph``
    defaults to ``create_graph``.
    """
    if grads is not None and len(grads) != len(outputs):
        raise ValueError(f"backward(): {len(outputs)} outputs but {len(grads)} gradients")
    for out in outputs:
        if not out._requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the computation "
                "had requires_grad=True, or it ran under ng.no_grad()"
            )
    seeds = [
        _seed(out, None if grads is None else grads[i], "backward()")
        for i, out in enumerate(outputs)
    ]
    keep = create_graph if retain_graph is None else retain_graph
    _walk(outputs, seeds, keep, create_graph, None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) weighted by ``grad_outputs``, leaving every ``.grad`` alone.

    As ``torch.autograd.grad``: ``inputs`` may be leaves or intermediate tensors; one gradient
    per input comes back, in order. ``retain_graph`` defaults to ``create_graph``; with
    ``create_graph=True`` the gradients are themselves differentiable. An input the outputs do
    not depend on is an error unless ``allow_unused=True``, when its gradient is None.
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        gouts: list[Any] = [None] * len(outs)
    elif isinstance(grad_outputs, Tensor) or not isinstance(grad_outputs, (list, tuple)):
        gouts = [grad_outputs]
    else:
        gouts = list(grad_outputs)
    if len(gouts) != len(outs):
        raise ValueError(f"ng.grad: {len(outs)} outputs but {len(gouts)} grad_outputs")
    for i, x in enumerate(ins):
        if not isinstance(x, Tensor) or not x._requires_grad:
            raise RuntimeError(
                f"ng.grad: input {i} is not a tensor that requires grad "
                f"(got {type(x).__name__}); make it with requires_grad=True"
            )
    for i, out in enumerate(outs):
        if not isinstance(out, Tensor) or not out._requires_grad:
            raise RuntimeError(
                f"ng.grad: output {i} does not require grad: it does not depend on a tensor "
                "that requires grad, or it was computed under ng.no_grad()"
            )
    seeds = [_seed(out, g, "ng.grad") for out, g in zip(outs, gouts, strict=True)]
    capture: dict[Tensor, Tensor | None] = dict.fromkeys(ins)
    keep = create_graph if retain_graph is None else retain_graph
    _walk(outs, seeds, keep, create_graph, capture)
    result: list[Tensor | None] = []
    for i, x in enumerate(ins):
        g = capture[x]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"ng.grad: input {i} (shape {x.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            # Without create_graph, a fresh array that aliases neither a seed nor another result.
            result.append(g if create_graph else wrap(g._data.copy()))
    return tuple(result)


def _tensor_backward(
    self: Tensor, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """Accumulate d(self)/d(leaf), weighted by ``grad``, into every leaf's ``.grad``.

    A tensor of more than one element needs ``grad`` of its own shape. The graph is freed
    afterwards unless ``retain_graph`` (which defaults to ``create_graph``);
    ``create_graph=True`` records the backward pass itself so the gradients can be
    differentiated again.
    """
    backward([self], None if grad is None else [grad], retain_graph, create_graph)


# The walk lives here and the type in nanograd.tensor, which imports no part of the engine.
_tensor_backward.__name__ = _tensor_backward.__qualname__ = "backward"
Tensor.backward = _tensor_backward  # type: ignore[method-assign]
