"""Writing a scene as Graphviz DOT text: plain text, no dependency, deterministic.

Data flows left to right, as in micrograd's pictures: inputs, then each op (an ellipse) and the
tensor it made (a box). Parameters are blue, the output yellow, folds purple and dashed, and a
node holding a NaN or an infinity, in its value or its gradient, gets a thick red border.
"""

from __future__ import annotations

from nanograd.viz.collect import LEAF, OUTPUT, PARAMETER
from nanograd.viz.labels import RED, GradOf, fold_label, more_label, op_label, tensor_label
from nanograd.viz.scene import MORE, Scene

FILL = {OUTPUT: "#fff2cc", PARAMETER: "#dae8fc", LEAF: "#eeeeee"}
HEADER = """\
digraph nanograd {{
  graph [rankdir={rankdir}, fontname="Helvetica", nodesep=0.2, ranksep=0.3];
  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", \
fillcolor="white", color="#555555", margin="0.12,0.05"];
  edge [color="#888888", arrowsize=0.6];
"""


def _alarm(alarm: bool) -> str:
    return f', color="{RED}", penwidth=2.5' if alarm else ""


def write_dot(scene: Scene, grad_of: GradOf, rankdir: str = "LR") -> str:
    """The DOT text of ``scene``, with each gradient read through ``grad_of`` now."""
    lines = [HEADER.format(rankdir=rankdir)]
    for node in scene.tensors:
        label, alarm = tensor_label(node, grad_of(node))
        fill = FILL.get(node.role, "white")
        lines.append(f'  {node.key} [label={label}, fillcolor="{fill}"{_alarm(alarm)}];\n')
        if node.op is not None:
            lines.append(
                f"  o{node.key} [label={op_label(node)}, shape=ellipse, style=filled, "
                'fillcolor="#f4f4f4", margin="0.05,0.03"];\n'
            )
    for fold in scene.folds:
        label, alarm = fold_label(fold, grad_of)
        lines.append(
            f'  {fold.key} [label={label}, shape=box, style="rounded,dashed,filled", '
            f'fillcolor="#e8def0"{_alarm(alarm)}];\n'
        )
    if scene.cut:
        label = more_label(scene.cut_tensors, scene.cut_ops, scene.max_nodes)
        lines.append(f'  {MORE} [label={label}, style="dashed", color="#999999"];\n')
    for source, target in scene.edges:
        lines.append(f"  {source} -> {target};\n")
    lines.append("}\n")
    return "".join(lines)
