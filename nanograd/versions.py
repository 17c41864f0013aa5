"""Versions: how ``backward()`` notices that a value a gradient needs was changed in place.

A gradient is computed from the values its forward saw: ``exp``'s from its output, ``mul``'s
from its inputs. Change one of them in place between the forward and the backward (an
``optimizer.step()``, ``t.add_(1)``, ``t.data = ...``) and the backward would silently use the
new values. So, as PyTorch does with its version counters:

- one process-wide clock ticks for every graph node recorded and every in-place change;
- every in-place change nanograd makes stamps what it changed with its tick: :func:`bump` for a
  write into a tensor's memory, :func:`rebind` for ``t.data = ...``, which gives the tensor
  another array; the clock remembers the latest (``clock.changed``);
- when an op records a graph node, the node keeps its tick (``Tensor._recorded_at``), which also
  orders the backward walk (a node is recorded after every tensor it was computed from);
- ``backward()`` compares the two: a node whose inputs or output were changed after it was
  recorded is an error naming the op, the tensor and what changed it.

This is the only place the version logic lives. Its cost on the hot path is one tick per
recorded op (``call._result``) and one comparison per node in the backward walk
(``autograd._run``): a node recorded after the latest change cannot have seen one, so the stamps
are looked up (:func:`check`) only when something changed between forward and backward.

A write is stamped on the array that owns the memory, so a change through a view or a detached
tensor (``p.detach().mul_(2)``) is seen by every tensor sharing that memory; the stamps are kept
in a table keyed by identity, which forgets an entry when its object is freed.

What cannot be seen: a write that does not go through nanograd. ``t.data[...] = v``,
``t.data += 1``, ``np.copyto(t.data, v)``, or writing into a NumPy array a tensor shares
(``ng.as_tensor(a)``, ``t.detach().numpy()``) change the values without a stamp, as writing
through ``.data`` does in PyTorch. Use the in-place methods (``t.copy_(v)``, ``t.add_(v)``)
instead, or change a tensor only after the backward that needs it.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np


class _Clock:
    """The process-wide clock: ``tick()`` gives the next time, for a recorded graph node or an
    in-place change; ``changed`` is the time of the latest change (0: none yet)."""

    __slots__ = ("changed", "tick")

    def __init__(self) -> None:
        self.changed = 0
        self.tick = itertools.count(1).__next__  # a C call: the op path pays no Python frame


clock = _Clock()


class _Stamp(weakref.ref):  # type: ignore[type-arg]
    """When an object (a tensor, or the array owning a tensor's memory) was last changed, and
    by what. A weak reference: the entry leaves the table when the object is freed."""

    __slots__ = ("at", "by", "key")
    at: int
    by: str
    key: int


_stamps: dict[int, _Stamp] = {}  # id(object) -> its latest stamp


def _forget(stamp: _Stamp) -> None:
    if _stamps.get(stamp.key) is stamp:
        del _stamps[stamp.key]


def _stamp(obj: Any, by: str) -> None:
    now = clock.changed = clock.tick()
    key = id(obj)
    stamp = _stamps.get(key)
    if stamp is not None and stamp() is obj:
        stamp.at = now
        stamp.by = by
    else:
        stamp = _stamps[key] = _Stamp(obj, _forget)
        stamp.key, stamp.at, stamp.by = key, now, by


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (itself, or the base a view was taken from)."""
    base = array.base
    while isinstance(base, np.ndarray):
        array, base = base, base.base
    return array


def bump(tensor: Any, by: str) -> None:
    """Record that ``tensor``'s memory was just written in place, by ``by`` (``"SGD.step()"``)."""
    array = tensor._data
    _stamp(array if array.base is None else _owner(array), by)


def rebind(tensor: Any, by: str) -> None:
    """Record that ``tensor`` was just given another array (``t.data = ...``)."""
    _stamp(tensor, by)


def _latest(tensor: Any) -> _Stamp | None:
    """The latest stamp on ``tensor`` itself or on the memory it holds, if any."""
    latest = None
    for obj in (tensor, _owner(tensor._data)):
        stamp = _stamps.get(id(obj))
        if stamp is not None and stamp() is obj and (latest is None or stamp.at > latest.at):
            latest = stamp
    return latest


def version(tensor: Any) -> int:
    """The time of the latest in-place change nanograd made to ``tensor`` (0: none). It only
    grows; two reads that differ mean the values may have changed in between."""
    stamp = _latest(tensor)
    return 0 if stamp is None else stamp.at


def check(node: Any, inputs: Iterable[Any]) -> None:
    """Raise if any of ``inputs`` (the tensors ``node`` was computed from) or ``node`` itself
    was changed in place after ``node``'s op ran: its gradient would be computed from the new
    values. Called by the backward walk only for a node recorded before the latest change.
    """
    recorded = node._recorded_at
    for i, x in enumerate(inputs):
        stamp = _latest(x)
        if stamp is not None and stamp.at > recorded:
            raise _changed_error(node, x, f"its input {i}", stamp)
    stamp = _latest(node)
    if stamp is not None and stamp.at > recorded:
        raise _changed_error(node, node, "its output", stamp)


def _describe(t: Any) -> str:
    if t._op is not None:
        kind = f"the result of op {t._op.name!r}"
    elif t._requires_grad:
        kind = "a leaf that requires grad (a parameter?)"
    else:
        kind = "a tensor that does not require grad"
    return f"a tensor of shape {t._data.shape} {t._data.dtype}, {kind}"


def _changed_error(node: Any, culprit: Any, role: str, stamp: _Stamp) -> RuntimeError:
    return RuntimeError(
        f"backward through op {node._op.name!r}: {role}, {_describe(culprit)}, was changed in "
        f"place by {stamp.by} after the op ran, so a gradient computed now could use the new "
        f"values (version {stamp.at}; the op saw version {node._recorded_at} or earlier). Call "
        "backward() before changing it (e.g. before optimizer.step()), compute the forward "
        "again after the change, or change a copy (t.clone())"
    )
