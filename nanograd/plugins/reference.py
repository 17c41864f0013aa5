"""The op reference, rendered from the registry: what ``docs/ops.md`` shows for every op.

Each row comes from the op's own declaration, so the reference cannot drift from the code: the
signature from its forward function, how a tensor reaches it from the binding (``x + y``,
``x.exp()``), what it does from its doc, the inputs the property suite draws from its
``domain=``, the gradient at its kinks from its ``kink=``, and its second order from
``twice_differentiable=``. ``python -m nanograd.plugins --ops --markdown`` prints it;
docs/ops.md is that output for the standard plugin, and a test keeps the two equal.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np

from nanograd.binding import OPERATORS
from nanograd.domain import Domain
from nanograd.linalg import PREFIX as LINALG_PREFIX
from nanograd.registry import OpDef, Registry

# How each Python operator reads, and the Tensor helpers that call an op of the engine's.
_OPERATOR_TEXT = {
    "__add__": "x + y", "__sub__": "x - y", "__mul__": "x * y", "__truediv__": "x / y",
    "__pow__": "x ** y", "__mod__": "x % y", "__matmul__": "x @ y", "__lt__": "x < y",
    "__le__": "x <= y", "__gt__": "x > y", "__ge__": "x >= y", "__eq__": "x == y",
    "__ne__": "x != y", "__neg__": "-x", "__abs__": "abs(x)", "__getitem__": "x[key]",
}  # fmt: skip
_HELPERS = {
    "reshape": ["x.reshape(2, 3)", "x.view(...)", "x.flatten()"],
    "transpose": ["x.transpose(...)", "x.T", "x.mT", "x.permute(...)"],
    "astype": ["x.astype(dtype)", "x.float()", "x.double()"],
}

INTRO = """\
# The op reference

Every op the loaded plugins register, reachable as `ng.ops.<name>(...)`, rendered from each op's
declaration by `python -m nanograd.plugins --ops --markdown` (this file is its output with
`NANOGRAD_LOAD_PLUGINS=nanograd_std`, the standard plugin alone; a test keeps the two equal, so
edit an op's declaration, not this file). Names, argument names and semantics are NumPy's
(`axis`, `keepdims`, `ddof=0`, `np.clip(a, a_min, a_max)`, `max` returns values, not indices);
where NumPy has no such function the defaults are PyTorch's (`leaky_relu`, `gelu`, `softplus`,
`softmax`).

How to read the table:

- **Signature**: tensor inputs first, then parameters, except where NumPy's own signature puts
  a parameter first (`einsum(subscripts, *operands)`, `select(condlist, choicelist)`). Any
  tensor input may also be a Python number or a NumPy array, which is treated as a constant.
  Binary ops broadcast as NumPy does; each gradient is summed back to its input's shape by the
  engine. NumPy's `out=` and `dtype=` are not taken: an op never writes into an array, and a
  result's dtype follows its inputs.
- **Method / operator**: how to reach the op from a tensor, besides `ng.ops`.
- **What it does**: the op's documentation.
- **Suite draws**: the inputs the property suite checks the gradient on (the op's `domain=`):
  their shapes, their value range, points kept at a distance (kinks, poles) and fixed
  parameters.
- **At kinks**: the gradient returned where the function is not differentiable (the op's
  `kink=`).
- **2nd order**: whether the gradient is itself differentiable (`create_graph=True`) and checked
  so by the suite (the op's `twice_differentiable=`).

dtypes: a float32 input gives a float32 result and float32 gradients; Python scalars do not
widen it (NumPy 2's rules), in products and joins too (`ng.ops.dot(2.0, x)`, where NumPy's array
functions would make the number float64). Comparisons return `bool`. `astype` changes dtype on
purpose, and its gradient is cast back.

An op named `linalg_<name>` is also `ng.linalg.<name>`, NumPy's `np.linalg` (as
`torch.linalg.inv` is the op `linalg_inv`); they work on the last two axes with any batch in
front, and a singular matrix is NumPy's `LinAlgError` naming the op. Many ops are composites,
written with other ops (`swapaxes` is a `transpose`, `split` a list of slices), so their
gradients are those ops' gradients.

Ops that are not differentiable (comparisons, `sign`, rounding) give tensors outside the graph:
they never require grad and nothing flows through them; boolean ones serve as masks
(`x[x > 0]`, `ng.ops.where(x > 0, x, 0)`). In reductions `axis` is an int, a tuple of ints or
None (all axes), and `keepdims` keeps reduced axes as length 1. Shape and indexing ops move
elements without changing them; their gradients move `g` back.
"""

_COLUMNS = ("Signature", "Method / operator", "What it does", "Suite draws", "At kinks",
            "2nd order")  # fmt: skip


def _cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|") or "—"


def _number(value: float) -> str:
    return f"{value:g}"


def signature(op: OpDef) -> str:
    """``name(x, y, axis=None)``: the tensor inputs, then the parameters with their defaults."""
    forward = op.forward
    params: list[inspect.Parameter] = []
    if not isinstance(forward, np.ufunc):
        try:
            params = [
                p
                for p in inspect.signature(forward).parameters.values()
                if p.kind is not p.VAR_KEYWORD
            ]
        except (TypeError, ValueError):
            params = []
    count = 1 if op.variadic else op.arity
    if len(params) >= count:
        inputs = [_positional(p) for p in params[:count]]
    else:
        inputs = ["x", "y", "z"][:count] if count <= 3 else [f"x{i}" for i in range(count)]
    rest = []
    for p in params[count:]:
        if p.kind is p.VAR_POSITIONAL:  # a composite's tensors, einsum(subscripts, *operands)
            rest.append(_positional(p))
            continue
        if p.name not in op.param_names:
            continue
        default = "" if p.default is p.empty else "=" + repr(p.default).replace("'", '"')
        rest.append(f"{p.name}{default}")
    return f"{op.name}({', '.join([*inputs, *rest])})"


def _positional(p: inspect.Parameter) -> str:
    return f"*{p.name}" if p.kind is p.VAR_POSITIONAL else p.name


def access(op: OpDef) -> str:
    """How a tensor reaches the op: its operators, its method and the engine's shape helpers."""
    ways = [
        _OPERATOR_TEXT[attr]
        for attr, (name, reflected) in OPERATORS.items()
        if name == op.name and not reflected
    ]
    ways += _HELPERS.get(op.name, [])
    if op.name.startswith(LINALG_PREFIX):
        ways.append(f"ng.linalg.{op.name[len(LINALG_PREFIX) :]}(...)")
    if op.method is not None and op.name not in _HELPERS:
        ways.append(f"x.{op.method}(...)" if op.param_names or op.arity > 1 else f"x.{op.method}()")
    return ", ".join(f"`{w}`" for w in ways) or "—"


def drawn(domain: Domain | None) -> str:
    """What the property suite draws from ``domain``, in words."""
    if domain is None:
        return "not checked (no domain)"
    shapes = {
        "elementwise": "inputs of one shape",
        "broadcast": "inputs of broadcasting shapes",
        "reduction": "one input, every axis (int, tuple, None) and keepdims",
        "matmul": "matmul shapes: 1-D, 2-D and broadcast batches",
        "custom": "cases of the op's own strategy",
    }[domain.kind]
    parts = [shapes, f"values in [{_number(domain.low)}, {_number(domain.high)}]"]
    if domain.avoid:
        points = ", ".join(_number(p) for p in domain.avoid)
        parts.append(f"at least {_number(domain.margin)} away from {points}")
    if domain.distinct:
        parts.append("elements kept apart (no ties)")
    if domain.apart:
        parts.append("the inputs kept apart elementwise")
    if domain.params:
        fixed = ", ".join(f"{k}={v!r}" for k, v in domain.params.items())
        parts.append(f"with {fixed}")
    return "; ".join(parts)


def kink(op: OpDef) -> str:
    if not op.differentiable:
        return "not differentiable"
    return op.kink or "—"


def second_order(op: OpDef) -> str:
    if not op.differentiable:
        return "—"
    return "yes" if op.twice_differentiable else "no"


def row(op: OpDef) -> list[str]:
    return [f"`{signature(op)}`", access(op), op.doc, drawn(op.domain), kink(op),
            second_order(op)]  # fmt: skip


def _table(ops: Sequence[OpDef]) -> list[str]:
    lines = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    lines += ["| " + " | ".join(_cell(c) for c in row(op)) + " |" for op in ops]
    return lines


def markdown(registry: Registry, plugin_order: Sequence[str] = ()) -> str:
    """The op reference: the introduction, then one section per plugin, its ops in the order
    it registered them."""
    by_plugin: dict[str, list[OpDef]] = {}
    for op in registry.ops.values():
        by_plugin.setdefault(op.plugin, []).append(op)
    order = [p for p in plugin_order if p in by_plugin] + sorted(
        p for p in by_plugin if p not in plugin_order
    )
    lines = [INTRO]
    for plugin in order:
        ops = by_plugin[plugin]
        lines += [f"## {plugin} ({len(ops)} ops)", ""]
        lines += _table(ops)
        lines.append("")
    return "\n".join(lines)


def text(registry: Registry) -> str:
    """The op list for a terminal: one line per op with its plugin, access and orders."""
    rows = [("op", "plugin", "inputs", "method / operator", "2nd order")]
    for op in registry.ops.values():
        inputs = "variadic" if op.variadic else str(op.arity)
        rows.append((op.name, op.plugin, inputs, access(op).replace("`", ""), second_order(op)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]]).rstrip()
        for r in rows
    )
