"""A traced program: a flat list of NumPy calls over numbered array slots, made into Python.

Each :class:`Instruction` is one call the eager engine made: an op's forward (``np.add``), the
backward walk's sum of two gradients (``a + b``), or a ``@ng.callback`` function. Its operands
are slots (``v3``) or constants fixed at trace time. :func:`generate` writes the two phases as
the source of two plain Python functions, one line per call, with ``del`` after each slot's
last use so a buffer is released as soon as eager would release it:

    def forward(v0, v1):                      def backward(g, v0, v2):
        v2 = mul(v0, v1)                          v5 = mul(g, v0)
        v3 = sum(v2)                              ...
        return (v3,), (v0, v2)                    return (v5, v6)

``forward`` takes the arguments' and captured tensors' arrays and returns the outputs and the
arrays the backward needs; ``backward`` takes the upstream gradient and those, and returns
one gradient per leaf. Replaying is calling them: no tensor per op, no graph walk.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanograd.tensor import wrap

ndarray = np.ndarray


@dataclass(frozen=True)
class Const:
    """An operand fixed at trace time (a Python number, an array the trace did not compute)."""

    value: Any


@dataclass(frozen=True)
class AsTensor:
    """A slot handed to a callback as a tensor (it reads ``.data``, ``.shape``, ``.dtype``)."""

    slot: int


@dataclass(frozen=True)
class Slot:
    """A keyword parameter whose value is an array the trace computes or reads (an index)."""

    slot: int


@dataclass(frozen=True)
class SlotTuple:
    """A keyword parameter that is a tuple holding such arrays (an index ``(rows, cols)``)."""

    items: tuple[Any, ...]  # Slot or a value kept as it is


@dataclass
class Instruction:
    """One NumPy-level call: ``outputs = function(*operands, **params)``.

    ``kind`` says how the result is taken: ``"op"`` as an op's result (a NumPy scalar becomes a
    0-d array, as the engine does), ``"several"`` one array per output (None where not
    computed), ``"single"`` the one output a several-output op computed, ``"plus"`` the sum of
    two gradients, ``"copy"`` an array copy, ``"callback"`` whatever the callback returns,
    ``"callbacks"`` the tuple a callback returns, unpacked into ``outputs``, ``"same"`` a second
    name for the operand's array (no call; see :mod:`nanograd.tracing.simplify`).
    """

    function: Callable[..., Any]
    name: str
    operands: list[Any]
    params: dict[str, Any]
    outputs: list[int | None]
    kind: str = "op"
    variadic: bool = False
    site: str = ""
    zero_d: bool = True
    """An op's result may be a NumPy scalar (its output was 0-d), made a 0-d array as eager does."""


@dataclass
class Program:
    """The generated functions, and their source for reading (``step.source()``)."""

    forward: Callable[..., Any]
    backward: Callable[..., Any] | None
    source: str
    saved: list[int] = field(default_factory=list)


_as_result = np.asarray
"""As the engine's op call: a NumPy scalar result becomes a 0-d array, an array stays as it is
(the engine tests ``type(out) is ndarray`` first; the one call is cheaper in a program)."""


def same(x: Any) -> Any:
    """What a ``"same"`` instruction does, written ``v9 = v4`` in a program."""
    return x


def _as_results(outs: Any) -> list[Any]:
    return [None if x is None else _as_result(x) for x in outs]


def _single(outs: Any) -> Any:
    """The one output a several-output op computed (``svd(a, compute_uv=False)``)."""
    return next(_as_result(x) for x in outs if x is not None)


class _Namespace:
    """The globals of the generated code: each function and constant under a readable name."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {
            "_as_result": _as_result,
            "_as_results": _as_results,
            "_single": _single,
            "_wrap": wrap,
            "_copy": ndarray.copy,
        }
        self._names: dict[int, str] = {}

    def name(self, value: Any, hint: str) -> str:
        known = self._names.get(id(value))
        if known is not None:
            return known
        base = "".join(c if c.isalnum() else "_" for c in hint) or "f"
        if base[0].isdigit() or keyword.iskeyword(base) or base in self.values:
            base = f"{base}_"
        name, n = base, 1
        while name in self.values:
            n += 1
            name = f"{base}{n}"
        self.values[name] = value
        self._names[id(value)] = name
        return name


def _operand(x: Any, ns: _Namespace) -> str:
    if isinstance(x, int):
        return f"v{x}"
    if isinstance(x, AsTensor):
        return f"_wrap(v{x.slot})"
    value = x.value
    if literal(value):
        return repr(value)
    return ns.name(value, "k")


def literal(value: Any) -> bool:
    """A value whose repr is itself in source (axis=(0, 1), 0.5, 'tanh'): written inline, and
    compared by value when two calls are matched (:mod:`nanograd.tracing.simplify`)."""
    if value is None or type(value) in (bool, int, str):
        return True
    if type(value) is float:
        return bool(np.isfinite(value))
    return type(value) is tuple and all(literal(v) for v in value)


def _param(value: Any, ns: _Namespace) -> str:
    if isinstance(value, Slot):
        return f"v{value.slot}"
    if isinstance(value, SlotTuple):
        return f"({''.join(_param(v, ns) + ', ' for v in value.items)})"
    return _operand(Const(value), ns)


def _line(ins: Instruction, ns: _Namespace) -> str:
    args = [_operand(x, ns) for x in ins.operands]
    call_args = [f"[{', '.join(args)}]"] if ins.variadic else args
    call_args += [f"{key}={_param(v, ns)}" for key, v in ins.params.items()]
    if ins.kind == "plus":
        total = f"{args[0]} + {args[1]}"
        return f"v{ins.outputs[0]} = " + (f"_as_result({total})" if ins.zero_d else total)
    if ins.kind == "same":
        return f"v{ins.outputs[0]} = {args[0]}"
    if ins.kind == "copy":
        return f"v{ins.outputs[0]} = _copy({args[0]})"
    call = f"{ns.name(ins.function, ins.name)}({', '.join(call_args)})"
    targets = ", ".join("_" if o is None else f"v{o}" for o in ins.outputs)
    if ins.kind == "op":
        return f"{targets} = _as_result({call})" if ins.zero_d else f"{targets} = {call}"
    if ins.kind == "single":
        return f"{targets} = _single({call})"
    if ins.kind == "several":
        return f"{targets}{',' if len(ins.outputs) == 1 else ''} = _as_results({call})"
    if ins.kind == "callback":  # its result as it is
        return f"{targets} = {call}"
    # "callbacks": a callback that returned a tuple, unpacked
    return f"{targets}{',' if len(ins.outputs) == 1 else ''} = {call}"


def uses(ins: Instruction) -> list[int]:
    """The slots an instruction reads, operands and parameters."""
    used = [x if isinstance(x, int) else x.slot for x in ins.operands if not isinstance(x, Const)]
    for v in ins.params.values():
        items = v.items if isinstance(v, SlotTuple) else (v,)
        used += [item.slot for item in items if isinstance(item, Slot)]
    return used


def _body(
    instructions: Sequence[Instruction], keep: set[int], ns: _Namespace, defined: set[int]
) -> list[str]:
    """The lines of one phase, each slot deleted after its last use unless ``keep`` has it."""
    last: dict[int, int] = {}
    for i, ins in enumerate(instructions):
        for s in uses(ins):
            last[s] = i
    lines = []
    for i, ins in enumerate(instructions):
        lines.append(f"    {_line(ins, ns)}")
        dead = sorted({s for s in uses(ins) if last[s] == i and s not in keep and s in defined})
        for o in ins.outputs:
            if o is not None:
                defined.add(o)
                if o not in last and o not in keep:
                    dead.append(o)  # computed for an output nobody reads (another output of it)
        if dead:
            lines.append(f"    del {', '.join(f'v{s}' for s in dead)}")
    return lines


def generate(
    name: str,
    inputs: Sequence[int],
    forward: Sequence[Instruction],
    outputs: Sequence[int],
    backward: Sequence[Instruction] | None,
    seed: int | None,
    leaf_grads: Sequence[int | None],
) -> Program:
    """Write the phases as Python functions and compile them."""
    ns = _Namespace()
    produced = set(inputs) | {o for ins in forward for o in ins.outputs if o is not None}
    saved: list[int] = []
    if backward is not None:
        wanted = {s for ins in backward for s in uses(ins)} | {
            g for g in leaf_grads if g is not None
        }
        saved = sorted(s for s in wanted if s in produced)
    params = ", ".join(f"v{s}" for s in inputs)
    source = [f"def forward({params}):"]
    source += _body(forward, set(outputs) | set(saved), ns, set(inputs))
    outs = "".join(f"v{s}, " for s in outputs)
    source.append(f"    return ({outs}), ({''.join(f'v{s}, ' for s in saved)})")
    if backward is not None:
        assert seed is not None
        source.append("")
        source.append(f"def backward({', '.join([f'v{seed}', *(f'v{s}' for s in saved)])}):")
        grads = {g for g in leaf_grads if g is not None}
        source += _body(backward, grads, ns, {seed, *saved})
        listed = "".join("None, " if g is None else f"v{g}, " for g in leaf_grads)
        source.append(f"    return ({listed})")
    text = "\n".join(source) + "\n"
    namespace = dict(ns.values)
    exec(compile(text, f"<ng.compile {name}>", "exec"), namespace)
    return Program(
        forward=namespace["forward"],
        backward=namespace.get("backward"),
        source=text,
        saved=saved,
    )
