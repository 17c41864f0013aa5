"""Whether operations record a graph: the switch behind ``no_grad`` and ``enable_grad``.

A module-level flag read directly by every operation; the context managers are only the polite
way to flip it. Threads share the flag, as they share NumPy's error state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record a graph."""
    return grad_mode.enabled


class set_grad_enabled:
    """Record a graph inside the block when ``enabled``, nothing otherwise; also a decorator."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(grad_mode.enabled)
        grad_mode.enabled = self.enabled

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        grad_mode.enabled = self._previous.pop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(self.enabled):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Record nothing inside the block: for evaluation and parameter updates."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record a graph inside the block, even within ``no_grad``."""

    def __init__(self) -> None:
        super().__init__(True)
