"""``@ng.callback``: NumPy work on tensor values that a compiled program runs again every call.

A trace records op calls. Code that reads a tensor's values and computes with NumPy outside the
ops (turning integer labels into one-hot coefficients, drawing a dropout mask) is invisible to
it: replayed, its result would be the one of the first call, frozen. Marking such a function
``@ng.callback`` makes the trace record the call itself, so each replay calls it again on that
call's arrays (a dropout mask is drawn afresh from the same generator, labels are read anew).

Outside a trace the marked function is called as it is: one Python call more per use, none per
op. This module is at the bottom of the import graph so layers and plugins can use it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Recording(Protocol):
    def callback(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any: ...


class _Active:
    """The trace being recorded, if any (one at a time, in the thread that compiles)."""

    __slots__ = ("recorder",)

    def __init__(self) -> None:
        self.recorder: Recording | None = None


active = _Active()


def callback(func: F) -> F:
    """Mark ``func`` (arguments: tensors, arrays, constants; result: arrays, numbers or a tuple
    of them) to be called again on every replay of a compiled program that called it."""

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        recorder = active.recorder
        if recorder is None:
            return func(*args, **kwargs)
        return recorder.callback(func, args, kwargs)

    return call  # type: ignore[return-value]
