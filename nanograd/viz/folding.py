"""Finding repeated structure in a graph and folding each run of it into one box.

A graph is read as chains: from each op, follow its deepest input (the one with the longest path
below it) down to a leaf. Along a chain every op gets a label, its name and what hangs off its
other inputs (a leaf, a constant, a small subgraph of named ops); a block of labels that repeats
``min_repeats`` times or more in a row (the layers of an MLP, a chain of ``mul, add, tanh, exp``
fifty times) becomes one :class:`Fold`. The fold takes with it everything that only it uses: the
side branches and the parameters used once, so the box stands for the whole repeated part.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nanograd.viz.collect import OUTPUT, Collected, Node

MAX_PERIOD = 12  # the longest block of ops looked for as a repeating unit
BRANCH_DEPTH = 3  # how far down a side branch its label looks


@dataclass(eq=False)
class Fold:
    """A run of ``repeats`` copies of ``motif`` (op names), standing for ``members``."""

    key: str
    motif: list[str]
    repeats: int
    steps: list[Node]
    """The chain's ops in the run, first (nearest the leaves) to last."""
    members: list[Node] = field(default_factory=list)
    """Every node the box stands for: the steps and what only they use."""

    @property
    def entry(self) -> Node | None:
        """The tensor the run starts from (the first step's deepest input)."""
        first = self.steps[0]
        return _primary(first)

    @property
    def exit(self) -> Node:
        return self.steps[-1]


def find_folds(collected: Collected, min_repeats: int) -> list[Fold]:
    """The runs to fold, each with its members; a node belongs to at most one fold."""
    folds: list[Fold] = []
    taken: set[int] = set()
    for chain in _chains(collected.nodes):
        # An output stays in view: its label matches nothing, so no run takes it.
        labels = [("output", id(n)) if n.role == OUTPUT else _label(n) for n in chain]
        for start, period, repeats in _runs(labels, min_repeats):
            steps = chain[start : start + period * repeats]
            if any(id(s) in taken for s in steps):
                continue
            fold = Fold(f"f{len(folds)}", [s.op.name for s in steps[:period]], repeats, steps)
            fold.members = _owned(steps, taken)
            taken.update(id(m) for m in fold.members)
            folds.append(fold)
    return folds


def _primary(node: Node) -> Node | None:
    """The input a chain follows: the deepest, the first of equals."""
    best: Node | None = None
    for _, x in node.inputs:
        if best is None or x.depth > best.depth:
            best = x
    return best


def _chains(nodes: list[Node]) -> list[list[Node]]:
    """Every op in exactly one chain, each chain ordered from the leaves up."""
    placed: set[int] = set()
    chains = []
    for node in nodes:  # outputs first, so chains start as near the outputs as they can
        chain = []
        current: Node | None = node
        while current is not None and current.op is not None and id(current) not in placed:
            placed.add(id(current))
            chain.append(current)
            current = _primary(current)
        if len(chain) > 1:
            chains.append(chain[::-1])
    return chains


def _label(node: Node) -> tuple[object, ...]:
    """What must match for two ops of a chain to count as the same step."""
    primary = _primary(node)
    sides = tuple(
        (position, "primary" if x is primary else _branch(x, BRANCH_DEPTH))
        for position, x in node.inputs
    )
    constants = tuple((position, type(value).__name__) for position, value in node.constants)
    return (node.op.name, node.op.plugin, sides, constants)


def _branch(node: Node, depth: int) -> str:
    if node.op is None:
        return "leaf"
    if depth == 0:
        return str(node.op.name)
    return f"{node.op.name}({','.join(_branch(x, depth - 1) for _, x in node.inputs)})"


def _runs(labels: list[tuple[object, ...]], min_repeats: int) -> list[tuple[int, int, int]]:
    """(start, period, repeats) of tandem repeats, left to right, not overlapping.

    At each position the block covering the most ops wins (shorter period on a tie), so a chain
    of fifty ``mul, add, tanh, exp`` is one run of period 4, not four runs of period 1.
    """
    n = len(labels)
    # same[p][i]: how many labels from i on equal the one p further along, in a row
    same: dict[int, list[int]] = {}
    for p in range(1, min(MAX_PERIOD, n // min_repeats) + 1):
        streak = [0] * (n + 1)
        for i in range(n - p - 1, -1, -1):
            streak[i] = streak[i + 1] + 1 if labels[i] == labels[i + p] else 0
        same[p] = streak
    runs = []
    i = floor = 0
    while i < n:
        best = (0, 0)  # (ops covered, period)
        for p, streak in same.items():
            repeats = 1 + streak[i] // p
            if repeats >= min_repeats and p * repeats > best[0]:
                best = (p * repeats, p)
        if best[0]:
            covered, period = best
            start = i
            # Begin the run where the op before it has the name the run ends with, as far back
            # as the last run allows: the block is then a layer (matmul, add, tanh), not a
            # rotation of one (add, tanh, matmul).
            while (
                start > floor
                and start > i - period + 1
                and (labels[start - 1][0] == labels[start + covered - 1][0])
            ):
                start -= 1
            runs.append((start, period, covered // period))
            i += covered
            floor = start + covered
        else:
            i += 1
    return runs


def _owned(steps: list[Node], taken: set[int]) -> list[Node]:
    """The steps and every node all of whose consumers are in the fold (counted per input
    slot), except the run's entry, leaves used more than once, and nodes another fold took."""
    members = {id(s): s for s in steps}
    entry = _primary(steps[0])
    seen_from_inside: dict[int, int] = {}
    stack = list(steps)
    while stack:
        node = stack.pop()
        for _, x in node.inputs:
            if id(x) in members or x is entry or id(x) in taken:
                continue
            count = seen_from_inside.get(id(x), 0) + 1
            seen_from_inside[id(x)] = count
            if count == x.consumers and (x.op is not None or x.consumers == 1):
                members[id(x)] = x
                stack.append(x)
    return list(members.values())
