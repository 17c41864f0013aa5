"""``ng.viz.graph``: the picture of the graph behind a tensor.

The structure is read once, when the picture is made; the values and gradients are read each
time it is drawn. So a picture made before ``backward()`` (which frees the graph) shows the
gradients once backward has run: make it, step, then save it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nanograd._atomic import atomic_write_bytes
from nanograd.tensor import Tensor
from nanograd.viz.collect import Collected, Node, collect
from nanograd.viz.dot import write_dot
from nanograd.viz.folding import Fold, find_folds
from nanograd.viz.render import FORMATS, TEXT_FORMATS, GraphvizMissing, render
from nanograd.viz.scene import Scene, make_scene


class Graph:
    """A picture of a graph: ``.dot`` (DOT text), ``.save(path)``, shown as SVG in notebooks."""

    def __init__(
        self, collected: Collected, scene: Scene, gradients: dict[int, Any], rankdir: str
    ) -> None:
        self._collected = collected
        self._scene = scene
        self._gradients = gradients
        self._rankdir = rankdir

    # -- what it shows ---------------------------------------------------------------------------

    @property
    def folds(self) -> list[Fold]:
        """The runs of repeated structure drawn as one box each."""
        return list(self._scene.folds)

    @property
    def summary(self) -> str:
        """One line: how many tensors and ops, what was folded or cut."""
        scene = self._scene
        text = f"{scene.all_tensors} tensors, {scene.all_ops} ops"
        if scene.folds:
            text += "; folded: " + "; ".join(f"{' → '.join(f.motif)} × {f.repeats}"
                                             for f in scene.folds)  # fmt: skip
        if scene.cut:
            text += (
                f"; {scene.cut_tensors} tensors and {scene.cut_ops} ops not drawn "
                f"(max_nodes={scene.max_nodes})"
            )
        return text

    def _grad(self, node: Node) -> Any:
        computed = self._gradients.get(id(node.tensor))
        if computed is not None:
            return computed
        grad = node.tensor._grad
        return None if grad is None else grad._data

    @property
    def dot(self) -> str:
        """The picture as Graphviz DOT text, with the gradients as they are now."""
        return write_dot(self._scene, self._grad, self._rankdir)

    # -- drawing -----------------------------------------------------------------------------------

    def render(self, format: str = "svg") -> bytes:
        """The picture drawn by Graphviz as ``svg``, ``png`` or ``pdf``; raises
        :class:`GraphvizMissing`, saying how to install it, when Graphviz is not there."""
        if format not in FORMATS:
            raise ValueError(
                f"ng.viz: cannot draw as {format!r}; formats: {', '.join(FORMATS)} "
                f"(and {', '.join(TEXT_FORMATS)} for the DOT text)"
            )
        return render(self.dot, format)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the picture to ``path``, its format from the suffix: ``.svg``, ``.png``,
        ``.pdf`` (drawn by Graphviz) or ``.dot``/``.gv`` (the text). Written all or nothing."""
        target = Path(path)
        fmt = target.suffix.lower().lstrip(".")
        if fmt in TEXT_FORMATS:
            data = self.dot.encode("utf-8")
        elif fmt in FORMATS:
            data = self.render(fmt)
        else:
            raise ValueError(
                f"ng.viz: cannot save {str(target)!r}: give a file name ending in "
                + ", ".join(f".{f}" for f in (*FORMATS, *TEXT_FORMATS))
            )
        atomic_write_bytes(target, data)
        return target

    def _repr_svg_(self) -> str | None:
        """Jupyter's picture of the graph; None (plain text instead) without Graphviz."""
        try:
            return self.render("svg").decode("utf-8")
        except GraphvizMissing:
            return None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The SVG for notebooks, or, without Graphviz, text saying how to get it."""
        try:
            return {"image/svg+xml": self.render("svg").decode("utf-8"), "text/plain": repr(self)}
        except GraphvizMissing as exc:
            return {"text/plain": f"{self!r}\n{exc}"}

    def __repr__(self) -> str:
        return f"<ng.viz.Graph: {self.summary}>"


def graph(
    output: Tensor | Sequence[Tensor],
    params: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | Any = None,
    *,
    gradients: bool = False,
    collapse: bool = True,
    min_repeats: int = 3,
    max_nodes: int = 200,
    rankdir: str = "LR",
) -> Graph:
    """The picture of the graph that computed ``output`` (a tensor or a list of them).

    ``params`` names tensors, as torchviz's ``make_dot`` does: ``dict(model.named_parameters())``,
    ``model.named_parameters()`` or the model itself. Each tensor shows its gradient once
    ``backward()`` has filled ``.grad``; ``gradients=True`` instead computes now the gradient of
    a one-element output with respect to every tensor of the graph, intermediate ones too, as
    micrograd's pictures show them (``.grad`` is left alone). ``collapse`` folds a block of ops
    repeated ``min_repeats`` times or more in a row into one box; at most ``max_nodes`` nodes
    are drawn, those nearest the output. ``rankdir`` is Graphviz's: ``LR`` or ``TB``.
    """
    outputs = [output] if isinstance(output, Tensor) else list(output)
    if not outputs or not all(isinstance(t, Tensor) for t in outputs):
        raise TypeError(
            f"ng.viz.graph takes a tensor or a list of tensors, got {type(output).__name__}"
        )
    if max_nodes < 3:
        raise ValueError(f"ng.viz.graph: max_nodes must be at least 3, got {max_nodes}")
    if min_repeats < 2:
        raise ValueError(f"ng.viz.graph: min_repeats must be at least 2, got {min_repeats}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"ng.viz.graph: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    collected = collect(outputs, _names(params))
    folds = find_folds(collected, min_repeats) if collapse else []
    scene = make_scene(collected, folds, max_nodes)
    computed = _all_gradients(outputs, collected) if gradients else {}
    return Graph(collected, scene, computed, rankdir)


def _names(params: Any) -> dict[str, Tensor]:
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    pairs = params.items() if isinstance(params, Mapping) else params
    try:
        return {str(name): t for name, t in pairs}
    except (TypeError, ValueError):
        raise TypeError(
            "ng.viz.graph: params must map names to tensors: dict(model.named_parameters()), "
            f"model.named_parameters() or the model; got {type(params).__name__}"
        ) from None


def _all_gradients(outputs: list[Tensor], collected: Collected) -> dict[int, Any]:
    """d(output)/d(t) for every tensor t of the graph that requires grad, by id."""
    from nanograd.autograd import grad

    if len(outputs) != 1 or outputs[0]._data.size != 1:
        raise ValueError(
            "ng.viz.graph(gradients=True) needs one output of one element (a loss); call "
            "backward() yourself for others and the picture shows the leaves' .grad"
        )
    wanted = [n.tensor for n in collected.nodes if n.tensor._requires_grad]
    if not wanted:
        return {}
    found = grad(outputs[0], wanted, retain_graph=True, allow_unused=True)
    return {id(t): g._data for t, g in zip(wanted, found, strict=True) if g is not None}
