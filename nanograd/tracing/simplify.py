"""Fewer NumPy calls, the same bits: rewrites of a traced phase before it becomes Python.

The eager engine makes calls a replay can do without. Each rewrite here is made only where the
values that follow are certain to be bit-identical to eager's:

- **a repeated exact call**: an exactly rounded elementwise ufunc (``+ - * /``, negation,
  ``maximum``, comparisons) called again on the same operands is made once; ``x * x``'s
  gradient computes ``g * x`` twice, and IEEE arithmetic gives the same bits both times;
- **a broadcast an exact ufunc would do itself**: ``broadcast_to(x, shape)`` whose result feeds
  an exactly rounded binary ufunc whose other operand already has that shape and ``x``'s dtype
  (the gradient of ``sum``, met by ``mul`` in an L2 penalty's gradient or cross-entropy's) gives
  the ufunc ``x`` instead: it broadcasts ``x`` with the same zero strides, and every element is
  the same operation on the same two numbers;
- **a transpose that undoes a transpose**: the result is a view with the very shape and
  strides of the array transposed first, so that array is used;
- **a call nobody reads** after those rewrites is dropped (only calls without side effects:
  never a callback, which may draw random numbers).

Slots a phase hands on (its outputs, what backward needs, the leaves' gradients) keep their
numbers: one that holds what another does is written as a second name for it (``v9 = v4``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nanograd.tracing.program import (
    AsTensor,
    Const,
    Instruction,
    Slot,
    SlotTuple,
    literal,
    same,
    uses,
)

Shape = tuple[int, ...]

EXACT_UFUNCS = frozenset(
    {
        np.add, np.subtract, np.multiply, np.divide, np.negative, np.maximum, np.minimum,
        np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    }
)  # fmt: skip
"""Elementwise ufuncs whose every result is one correctly rounded operation on its inputs, so
it does not depend on how NumPy loops (vectorised, broadcast, chunked) or on memory layout."""


Transposes = dict[int, tuple[int, tuple[int, ...]]]  # a transpose's slot -> (its source, axes)


def simplify(
    instructions: Sequence[Instruction],
    keep: set[int],
    shapes: Mapping[int, tuple[Shape, np.dtype[Any]]],
    transposes: Transposes | None = None,
) -> list[Instruction]:
    """``instructions`` with the rewrites above; ``shapes`` gives each slot's shape and dtype
    at the trace (a program is only replayed for those); ``transposes``, those of the forward
    phase when this is the backward (whose gradients transpose them back)."""
    rename: dict[int, int] = {}
    made: dict[tuple[Any, ...], int] = {}  # an exact call's key -> the slot holding its result
    broadcast_of: dict[int, int] = {}  # the slot of broadcast_to(x, shape) -> x's slot
    transposed: Transposes = dict(transposes or {})
    result: list[Instruction] = []
    for ins in instructions:
        ins = _renamed(ins, rename)
        out = ins.outputs[0] if len(ins.outputs) == 1 else None
        if out is None or ins.kind not in ("op", "plus"):
            result.append(ins)
            continue
        if ins.function in EXACT_UFUNCS and not ins.params:
            ins = _unbroadcast(ins, broadcast_of, shapes)
            key = _key(ins)
            if key is not None:
                earlier = made.get(key)
                if earlier is not None:
                    _same_as(out, earlier, keep, rename, result)
                    continue
                made[key] = out
        elif ins.name == "broadcast_to" and _slot_in(ins.operands[0], shapes):
            broadcast_of[out] = ins.operands[0]
        elif ins.name == "transpose" and _slot_in(ins.operands[0], shapes):
            source = ins.operands[0]
            axes = _axes(ins.params.get("axes"), len(shapes[source][0]))
            if source in transposed:
                first, first_axes = transposed[source]
                if all(first_axes[a] == i for i, a in enumerate(axes)):
                    # the axes are back in place: the same shape, strides and memory
                    _same_as(out, first, keep, rename, result)
                    continue
            transposed[out] = (source, axes)
        result.append(ins)
    return _without_dead(result, keep)


def _same_as(
    out: int, earlier: int, keep: set[int], rename: dict[int, int], result: list[Instruction]
) -> None:
    """``out`` holds what ``earlier`` holds: later instructions read ``earlier``, and a slot
    the phase hands on becomes a second name for it."""
    if out in keep:
        result.append(Instruction(same, "same", [earlier], {}, [out], "same"))
    else:
        rename[out] = earlier


def transposes_in(
    instructions: Sequence[Instruction], shapes: Mapping[int, tuple[Shape, np.dtype[Any]]]
) -> Transposes:
    """Every transpose of a slot in ``instructions``: its source and axes."""
    return {
        ins.outputs[0]: (
            ins.operands[0],
            _axes(ins.params.get("axes"), len(shapes[ins.operands[0]][0])),
        )
        for ins in instructions
        if ins.name == "transpose"
        and ins.kind == "op"
        and ins.outputs[0] is not None
        and _slot_in(ins.operands[0], shapes)
    }


def _renamed(ins: Instruction, rename: Mapping[int, int]) -> Instruction:
    if not rename:
        return ins

    def operand(x: Any) -> Any:
        if isinstance(x, int):
            return rename.get(x, x)
        if isinstance(x, AsTensor):
            return AsTensor(rename.get(x.slot, x.slot))
        return x

    def param(v: Any) -> Any:
        if isinstance(v, Slot):
            return Slot(rename.get(v.slot, v.slot))
        if isinstance(v, SlotTuple):
            return SlotTuple(tuple(param(item) for item in v.items))
        return v

    operands = [operand(x) for x in ins.operands]
    params = {key: param(v) for key, v in ins.params.items()}
    if operands == ins.operands and params == ins.params:
        return ins
    return _replace(ins, operands=operands, params=params)


def _replace(ins: Instruction, **changes: Any) -> Instruction:
    fields = dict(vars(ins))
    fields.update(changes)
    return Instruction(**fields)


def _slot_in(x: Any, shapes: Mapping[int, tuple[Shape, np.dtype[Any]]]) -> bool:
    return isinstance(x, int) and x in shapes


def _unbroadcast(
    ins: Instruction,
    broadcast_of: Mapping[int, int],
    shapes: Mapping[int, tuple[Shape, np.dtype[Any]]],
) -> Instruction:
    """An exact binary ufunc given ``broadcast_to(x, S)`` beside an operand of shape ``S`` and
    ``x``'s dtype: give it ``x`` itself."""
    if len(ins.operands) != 2 or ins.variadic:
        return ins
    operands = list(ins.operands)
    for i in (0, 1):
        x, other = operands[i], operands[1 - i]
        if not isinstance(x, int) or x not in broadcast_of or not isinstance(other, int):
            continue
        source = broadcast_of[x]
        if other in shapes and shapes[other] == (shapes[x][0], shapes[source][1]):
            operands[i] = source
    if operands == ins.operands:
        return ins
    return _replace(ins, operands=operands)


def _key(ins: Instruction) -> tuple[Any, ...] | None:
    """What makes two exact calls the same call; None if an operand is not comparable."""
    parts: list[Any] = [ins.function, ins.kind, ins.zero_d]
    for x in ins.operands:
        if isinstance(x, int):
            parts.append(("slot", x))
        elif isinstance(x, Const) and literal(x.value):
            parts.append(("value", type(x.value), x.value))
        else:
            return None
    return tuple(parts)


def _axes(axes: Any, ndim: int) -> tuple[int, ...]:
    if axes is None:
        return tuple(range(ndim - 1, -1, -1))
    return tuple(int(a) % ndim for a in axes)


def _pure(ins: Instruction) -> bool:
    """Calls that change nothing but their result, and may be dropped when it is not read."""
    return ins.kind == "same" or (
        ins.kind in ("op", "plus")
        and (ins.function in EXACT_UFUNCS or ins.name in ("broadcast_to", "transpose"))
    )


def _without_dead(instructions: list[Instruction], keep: set[int]) -> list[Instruction]:
    used = set(keep)
    kept: list[Instruction] = []
    for ins in reversed(instructions):
        if _pure(ins) and not any(o in used for o in ins.outputs if o is not None):
            continue
        kept.append(ins)
        used.update(uses(ins))
    kept.reverse()
    return kept
