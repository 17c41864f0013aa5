"""The text inside each node of a picture, read from the tensors when the picture is drawn.

A tensor shows its name (a parameter's, when names were given), shape and dtype, its value when
it holds one number, and a summary of its gradient once there is one; an op shows its name, its
plugin, its parameters and the constants it was given; a fold shows what repeats and how often.
Anything not finite is written in red, so a NaN stands out in a picture of a hundred nodes.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from nanograd.summary import Stats, number, stats, value_range
from nanograd.viz.collect import OUTPUT, PARAMETER, Node
from nanograd.viz.folding import Fold

RED = "#c0392b"
GREY = "#6b6b6b"
MAX_TEXT = 32  # characters of a parameter's or constant's value shown

# (text, colour or None, bold)
Line = tuple[str, str | None, bool]
GradOf = Callable[[Node], Any]


def html_label(lines: Iterable[Line], small_from: int = 1) -> str:
    """Graphviz's HTML-like label of ``lines``; lines from ``small_from`` on in a smaller font."""
    parts = []
    for i, (text, colour, bold) in enumerate(lines):
        body = html.escape(text, quote=True)
        if bold:
            body = f"<B>{body}</B>"
        attrs = ' POINT-SIZE="9"' if i >= small_from else ""
        if colour:
            attrs += f' COLOR="{colour}"'
        parts.append(f"<FONT{attrs}>{body}</FONT>" if attrs else body)
    return "<" + "<BR/>".join(parts) + ">"


def shape_text(shape: Sequence[int], dtype: Any) -> str:
    return f"scalar {dtype}" if len(shape) == 0 else f"{tuple(shape)} {dtype}"


def grad_lines(s: Stats) -> list[Line]:
    """The gradient's norm and NaN count, then its finite range (and infinities), in red when
    anything is not finite; of one number, the number."""
    colour = None if s.finite else RED
    if s.size == 1:
        return [(f"grad {value_range(s)}", colour, False)]
    finite_only = Stats(s.size, s.norm, s.min, s.max, 0, s.inf)
    return [
        (f"grad norm {number(s.norm)}, NaN {s.nan}", colour, False),
        (f"grad in {value_range(finite_only)}", colour, False),
    ]


def tensor_label(node: Node, grad: Any) -> tuple[str, bool]:
    """The label of a tensor node, and whether it shows something not finite."""
    data = node.tensor._data
    lines: list[Line] = []
    title = node.name or ("output" if node.role == OUTPUT else None)
    if title:
        lines.append((title, None, True))
    lines.append((shape_text(data.shape, data.dtype), None, not title))
    values = stats(data)
    if data.size == 1 and values.finite:
        lines.append((f"value {number(float(np.asarray(data).real.ravel()[0]))}", None, False))
    elif not values.finite:
        lines.append((f"value {value_range(values)}", RED, False))
    alarm = not values.finite
    if grad is not None:
        g = stats(grad)
        lines += grad_lines(g)
        alarm = alarm or not g.finite
    return html_label(lines), alarm


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array {value.shape}"
    text = repr(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def op_label(node: Node) -> str:
    op = node.op
    lines: list[Line] = [(op.name, None, True), (op.plugin, GREY, False)]
    for key, value in (node.tensor._params or {}).items():
        lines.append((f"{key}={_short(value)}", None, False))
    for position, value in node.constants:
        lines.append((f"input {position}: {_short(value)}", None, False))
    return html_label(lines)


def fold_label(fold: Fold, grad_of: GradOf) -> tuple[str, bool]:
    """The box of a fold: the repeated ops, how often, the shapes in and out, what is inside."""
    motif = " → ".join(fold.motif if len(fold.motif) <= 6 else [*fold.motif[:5], "…"])
    lines: list[Line] = [(f"{motif}  × {fold.repeats}", None, True)]
    entry, exit_ = fold.entry, fold.exit.tensor._data
    if entry is not None:
        lines.append((f"{tuple(entry.tensor.shape)} → {tuple(exit_.shape)}", None, False))
    ops = sum(1 for m in fold.members if m.op is not None)
    lines.append((f"{ops} ops, {len(fold.members)} tensors folded", GREY, False))
    params = [m for m in fold.members if m.role == PARAMETER]
    alarm = False
    if params:
        size = sum(m.tensor._data.size for m in params)
        lines.append((f"{len(params)} parameters, {size} values", None, False))
        grads = [grad_of(m) for m in params]
        if all(g is not None for g in grads):
            flat = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads])
            g = stats(flat)
            lines += grad_lines(g)
            alarm = not g.finite
    return html_label(lines), alarm


def more_label(tensors: int, ops: int, max_nodes: int) -> str:
    return html_label(
        [
            (f"… {tensors} more tensors, {ops} ops", None, True),
            (f"not drawn: max_nodes={max_nodes}", GREY, False),
        ]
    )
