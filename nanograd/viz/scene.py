"""What a picture shows: the tensors and folds in view, the edges between them, what is cut.

Folded nodes are drawn as their fold's box; when more than ``max_nodes`` boxes would be drawn,
the ones nearest the outputs stay (breadth first, towards the leaves) and the rest become one
node that says how many tensors and ops it stands for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nanograd.viz.collect import Collected, Node
from nanograd.viz.folding import Fold

MORE = "more"  # the key of the node that stands for what max_nodes cut


@dataclass
class Scene:
    tensors: list[Node]
    """The tensors drawn, each with its op when it has one, outputs first."""
    folds: list[Fold]
    edges: list[tuple[str, str]]
    """(from, to) between drawn nodes: a tensor's key, ``o`` + its key for its op, a fold's key."""
    cut_tensors: int = 0
    cut_ops: int = 0
    max_nodes: int = 0
    all_tensors: int = 0
    all_ops: int = 0
    fold_of: dict[int, Fold] = field(default_factory=dict)

    @property
    def cut(self) -> bool:
        return bool(self.cut_tensors)


Unit = Node | Fold


def make_scene(collected: Collected, folds: list[Fold], max_nodes: int) -> Scene:
    fold_of = {id(m): f for f in folds for m in f.members}

    def unit(node: Node) -> Unit:
        return fold_of.get(id(node), node)

    units: list[Unit] = []
    inputs_of: dict[int, list[Unit]] = {}
    for node in collected.nodes:
        u = unit(node)
        if id(u) not in inputs_of:
            units.append(u)
            inputs_of[id(u)] = []
        sources = inputs_of[id(u)]
        for _, x in node.inputs:
            source = unit(x)
            # An op draws an edge per input, so x * x shows x used twice; a fold, one per source.
            if source is not u and (isinstance(u, Node) or all(source is not s for s in sources)):
                sources.append(source)

    kept = _nearest(collected, units, inputs_of, max_nodes)
    scene = Scene(
        tensors=[u for u in units if isinstance(u, Node) and id(u) in kept],
        folds=[u for u in units if isinstance(u, Fold) and id(u) in kept],
        edges=[],
        max_nodes=max_nodes,
        all_tensors=len(collected.nodes),
        all_ops=sum(1 for n in collected.nodes if n.op is not None),
        fold_of=fold_of,
    )
    for u in units:
        if id(u) in kept:
            continue
        members = u.members if isinstance(u, Fold) else [u]
        scene.cut_tensors += len(members)
        scene.cut_ops += sum(1 for m in members if m.op is not None)
    seen: set[tuple[str, str]] = set()
    for u in units:
        if id(u) not in kept:
            continue
        target = u.key if isinstance(u, Fold) else "o" + u.key
        if isinstance(u, Node) and u.op is not None:
            _add(scene, seen, ("o" + u.key, u.key))
        for source in inputs_of[id(u)]:
            if isinstance(u, Node) and id(source) in kept:
                scene.edges.append((source.key, target))
            else:
                _add(scene, seen, (source.key if id(source) in kept else MORE, target))
    return scene


def _add(scene: Scene, seen: set[tuple[str, str]], edge: tuple[str, str]) -> None:
    if edge not in seen:
        seen.add(edge)
        scene.edges.append(edge)


def _size(u: Unit) -> int:
    """How many nodes a unit draws: a fold is one box, a tensor made by an op two."""
    return 1 if isinstance(u, Fold) or u.op is None else 2


def _nearest(
    collected: Collected,
    units: list[Unit],
    inputs_of: dict[int, list[Unit]],
    max_nodes: int,
) -> set[int]:
    """The ids of the units kept under ``max_nodes``: breadth first from the outputs."""
    if sum(_size(u) for u in units) <= max_nodes:
        return {id(u) for u in units}
    kept: set[int] = set()
    budget = max_nodes - 1  # one node says what was cut
    queue: list[Unit] = [u for u in units if isinstance(u, Node) and u in collected.roots]
    queued = {id(u) for u in queue}
    for u in queue:  # the list grows as it is read: breadth first
        if _size(u) > budget:
            break
        kept.add(id(u))
        budget -= _size(u)
        for source in inputs_of[id(u)]:
            if id(source) not in queued:
                queued.add(id(source))
                queue.append(source)
    return kept
