"""Pictures of the graph behind a tensor: ``ng.viz.graph(loss)``.

``.dot`` is Graphviz DOT text and needs nothing; ``.save("graph.svg")`` (or ``.png``) draws it
with Graphviz when it is installed (``pip install 'nanograd-numpy[viz]'`` and the ``dot``
program); in a notebook the picture shows itself. See docs/tutorial.md for pictures of each step
of reverse mode.
"""

from nanograd.viz.picture import Graph, graph
from nanograd.viz.render import GraphvizMissing

__all__ = ["Graph", "GraphvizMissing", "graph"]
