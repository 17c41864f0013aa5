"""Turning DOT text into SVG or PNG with Graphviz, or saying how to get Graphviz.

Rendering needs two things that nanograd does not require: the ``graphviz`` Python package
(``pip install 'nanograd-numpy[viz]'``) and Graphviz's ``dot`` program, from the system's
packages. Without either, :class:`GraphvizMissing` says which one is missing and how to install
it; the DOT text never needs them.
"""

from __future__ import annotations

FORMATS = ("svg", "png", "pdf")
TEXT_FORMATS = ("dot", "gv")

INSTALL = (
    "install the Python package with pip install 'nanograd-numpy[viz]' (or pip install "
    "graphviz) and the dot program with your system's packages: apt-get install graphviz, "
    "brew install graphviz, or conda install graphviz. The DOT text needs neither: "
    "picture.dot, or picture.save('graph.dot')"
)


class GraphvizMissing(RuntimeError):
    """Drawing a picture needs Graphviz, and part of it is not installed."""


def render(dot: str, fmt: str) -> bytes:
    """The picture of ``dot`` in ``fmt`` (``svg``, ``png`` or ``pdf``), drawn by ``dot``."""
    try:
        import graphviz
    except ImportError:
        raise GraphvizMissing(
            f"drawing a graph as {fmt} needs Graphviz, and the graphviz Python package is not "
            f"installed: {INSTALL}"
        ) from None
    try:
        drawn: bytes = graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(
            f"drawing a graph as {fmt} needs Graphviz, and its dot program was not found on "
            f"PATH: {INSTALL}"
        ) from None
    return drawn
