"""Walking a graph of tensors from its outputs back towards its leaves.

A tensor that requires grad and was made by an op points back at that op's inputs; these walks
follow those links, iteratively, so a graph a million ops deep needs no recursion. The backward
pass (:mod:`nanograd.autograd`) and the property suite (:mod:`nanograd.testing`) share them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from nanograd.tensor import Tensor

if TYPE_CHECKING:
    from nanograd.registry import OpDef


def inputs(t: Tensor) -> tuple[Tensor, ...]:
    """The tensors ``t`` was computed from (not the constants), or ``()`` for a leaf or a
    tensor whose graph was freed."""
    return tuple(x for x in t._inputs or () if isinstance(x, Tensor))


def tensors(outputs: Sequence[Tensor]) -> Iterator[Tensor]:
    """Every tensor of the graph that made ``outputs``, each once, outputs first."""
    seen: set[int] = set()
    stack = list(outputs)
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        yield t
        stack.extend(inputs(t))


def ops_in(outputs: Sequence[Tensor]) -> set[OpDef]:
    """Every op in the graph that made ``outputs``."""
    return {t.grad_fn for t in tensors(outputs) if t.grad_fn is not None}


def freed_error(t: Tensor) -> RuntimeError:
    assert t._op is not None
    return RuntimeError(
        f"trying to backward through op {t._op.name!r} a second time, but its graph was freed "
        "by the first backward; pass retain_graph=True to the first backward() (or ng.grad) "
        "if you need to go through the graph twice"
    )


def leading_to(roots: Sequence[Tensor], targets: set[Tensor]) -> set[Tensor]:
    """The tensors between ``roots`` and ``targets``: those some target is reachable from.

    Used by ``ng.grad`` so the walk skips the parts of the graph that lead to no requested
    input (in a gradient penalty, the whole network's parameters). An iterative post-order DFS.
    """
    leads: set[Tensor] = set()
    done: set[Tensor] = set()
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in roots]
    while stack:
        t, expanded = stack.pop()
        if t._op is not None and t._inputs is None:
            raise freed_error(t)
        inputs = t._inputs or ()
        if expanded:
            done.add(t)
            if t in targets or any(isinstance(x, Tensor) and x in leads for x in inputs):
                leads.add(t)
            continue
        if t in done:
            continue
        stack.append((t, True))
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad and x not in done:
                stack.append((x, False))
    return leads
