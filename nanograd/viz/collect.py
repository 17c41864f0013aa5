"""Reading the graph behind a tensor into a picture's parts: tensors, ops, edges, constants.

The tensors come from the engine's own walk (:func:`nanograd.graph.tensors`); this module only
records, for each, who consumes it, how deep it sits (the longest path down to a leaf) and
which role it plays (the output, a parameter, an input or constant, an intermediate value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nanograd import graph
from nanograd.tensor import Tensor

OUTPUT, PARAMETER, LEAF, INTERMEDIATE = "output", "parameter", "leaf", "intermediate"


@dataclass(eq=False)
class Node:
    """One tensor of the graph, and the op that made it (``op`` is None for a leaf)."""

    key: str
    tensor: Tensor
    role: str
    name: str | None
    inputs: list[tuple[int, Node]] = field(default_factory=list)
    """(input position, node) for each input that is a tensor."""
    constants: list[tuple[int, Any]] = field(default_factory=list)
    """(input position, value) for each input that is not a tensor."""
    consumers: int = 0
    """How many input slots of the graph's ops hold this tensor (``x * x`` counts twice)."""
    depth: int = 0
    """The longest path, in ops, from this tensor down to a leaf (a parameter counts -1)."""

    @property
    def op(self) -> Any:
        return self.tensor._op


@dataclass
class Collected:
    """The graph of one or more outputs, nodes ordered outputs first (consumers before inputs)."""

    nodes: list[Node]
    roots: list[Node]


def freed_message(t: Tensor) -> str:
    name = t._op.name if t._op is not None else "?"
    return (
        f"ng.viz.graph: the graph behind this tensor was freed by backward() (op "
        f"{name!r} no longer keeps its inputs); call ng.viz.graph before backward() "
        "(its picture shows the gradients once backward has run), or pass retain_graph=True "
        "to backward()"
    )


def collect(outputs: list[Tensor], names: Mapping[str, Tensor] | None = None) -> Collected:
    """Every tensor behind ``outputs`` as a :class:`Node`, in an order where each node comes
    before its inputs; ``names`` labels tensors (``dict(model.named_parameters())``)."""
    by_id = {id(t): name for name, t in (names or {}).items() if isinstance(t, Tensor)}
    out_ids = {id(t) for t in outputs}
    nodes: dict[int, Node] = {}
    for t in graph.tensors(outputs):
        if t._op is not None and t._inputs is None:
            raise RuntimeError(freed_message(t))
        if id(t) in out_ids:
            role = OUTPUT
        elif t._op is not None:
            role = INTERMEDIATE
        elif t._requires_grad:
            role = PARAMETER
        else:
            role = LEAF
        nodes[id(t)] = Node(f"t{len(nodes)}", t, role, by_id.get(id(t)))
    for node in nodes.values():
        for position, x in enumerate(node.tensor._inputs or ()):
            if isinstance(x, Tensor):
                source = nodes[id(x)]
                node.inputs.append((position, source))
                source.consumers += 1
            else:
                node.constants.append((position, x))
    ordered = _consumers_first(list(nodes.values()))
    for node in reversed(ordered):  # inputs before consumers
        if node.op is not None:
            node.depth = 1 + max((x.depth for _, x in node.inputs), default=0)
        else:  # a parameter sits below the data, so a chain follows the data through a layer
            node.depth = -1 if node.tensor._requires_grad else 0
    return Collected(ordered, [nodes[id(t)] for t in outputs])


def _consumers_first(nodes: list[Node]) -> list[Node]:
    """A topological order, each node before its inputs (Kahn's algorithm)."""
    waiting = {id(n): n.consumers for n in nodes}
    ready = [n for n in reversed(nodes) if waiting[id(n)] == 0]
    ordered: list[Node] = []
    while ready:
        node = ready.pop()
        ordered.append(node)
        for _, x in reversed(node.inputs):
            waiting[id(x)] -= 1
            if waiting[id(x)] == 0:
                ready.append(x)
    return ordered
