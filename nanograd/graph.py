"""Walking a graph of tensors from its outputs back towards its leaves.

A tensor that requires grad and was made by an op points back at that op's inputs; these walks
follow those links, iteratively, so a graph a million ops deep needs no recursion. The backward
pass (:mod:`nanograd.autograd`) and the property suite (:mod:`nanograd.testing`) share them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from nanograd import versions
from nanograd.tensor import Tensor

if TYPE_CHECKING:
    from nanograd.registry import OpDef

# Tensor -> how many tensors of the graph being walked consume it. Tensors are dict keys by
# identity: their hash is object.__hash__, and dicts compare keys with ``is`` before ``==``.
Consumers = dict[Tensor, int]


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


def count_consumers(roots: Sequence[Tensor], keep: set[Tensor] | None = None) -> Consumers:
    """Pass 1: every tensor reachable from ``roots`` that requires grad, with its fan-out.

    ``keep``, when given, limits the walk to those tensors (the ones a gradient is wanted
    through). A tensor whose graph was freed by an earlier walk, or one whose op's values were
    changed in place since it ran (:mod:`nanograd.versions`), fails here, before any gradient
    has been written anywhere.
    """
    consumers: Consumers = dict.fromkeys(roots, 0)
    stack = list(consumers)
    now = versions.clock.now
    while stack:
        t = stack.pop()
        inputs = t._inputs
        if inputs is None:
            if t._op is not None:
                raise freed_error(t)
            continue
        if t._recorded_at != now:  # something was changed in place since this op ran
            versions.check(t, [x for x in inputs if isinstance(x, Tensor)])
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad:
                if keep is not None and x not in keep:
                    continue
                n = consumers.get(x)
                if n is None:
                    consumers[x] = 1
                    stack.append(x)
                else:
                    consumers[x] = n + 1
    return consumers


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
