"""``--graph``: the picture of one training step's graph, in the run folder.

The session's first step is drawn: its objective (the loss, plus the L2 penalty when there is
one), with the model's parameters named. The picture is made before ``backward()``, which frees
the graph, and written after it, before the optimizer's step, so each parameter shows the
gradient that step used. ``graph.dot`` is always written; ``graph.svg`` when Graphviz is
installed, and otherwise one line says how to get it. Both are written atomically, like every
file of the run folder.
"""

from __future__ import annotations

from typing import Any

from nanograd.run.context import Run
from nanograd.tensor import Tensor
from nanograd.viz import Graph, GraphvizMissing, graph

DOT, SVG = "graph.dot", "graph.svg"


class StepPicture:
    """Draws one step: :meth:`before_backward` with its objective, then :meth:`after_backward`."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._picture: Graph | None = None

    def before_backward(self, objective: Tensor) -> None:
        model: Any = self.run.model
        params = model if hasattr(model, "named_parameters") else None
        self._picture = graph(objective, params=params)

    def after_backward(self) -> None:
        picture, self._picture = self._picture, None
        run, folder = self.run, self.run.folder
        if picture is None or folder is None:
            return
        folder.write_text(DOT, picture.dot)
        run.add_file(DOT)
        try:
            svg = picture.render("svg")
        except GraphvizMissing as exc:
            run.print(f"{SVG} not drawn ({DOT} holds the picture's DOT text): {exc}")
            written = DOT
        else:
            folder.write_bytes(SVG, svg)
            run.add_file(SVG)
            written = SVG
        run.print(f"graph of one training step ({picture.summary}): {folder.path / written}")
