"""Where an op may be tested: the input shapes and values its property test draws from.

An op declares its domain beside its forward and gradient, so the property suite can check any
registered op, a stranger's included, without a test written for it. Nothing here imports
Hypothesis: the strategies that read a domain live in :mod:`nanograd.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ShapeKind = Literal["elementwise", "broadcast", "reduction", "matmul", "custom"]
_KINDS: tuple[ShapeKind, ...] = ("elementwise", "broadcast", "reduction", "matmul", "custom")


@dataclass(frozen=True)
class Domain:
    """The inputs an op is defined and differentiable on.

    ``kind`` chooses how shapes are drawn: ``elementwise`` (one shape for every input),
    ``broadcast`` (mutually broadcastable shapes), ``reduction`` (one input plus ``axis`` and
    ``keepdims``), ``matmul`` (NumPy's matmul signature, 1-D and batched included) or
    ``custom`` (``strategy`` draws the whole case). ``low``/``high`` bound the values;
    ``avoid`` lists points where the op has a kink, kept at least ``margin`` away;
    ``distinct`` keeps the elements of each input apart (ties are kinks for max and sort);
    ``apart`` keeps corresponding elements of different inputs apart (ties of ``maximum``);
    ``params`` holds fixed keyword arguments for every case.
    """

    kind: ShapeKind
    low: float = -3.0
    high: float = 3.0
    avoid: tuple[float, ...] = ()
    margin: float = 1e-2
    distinct: bool = False
    apart: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)
    strategy: Callable[..., Any] | None = None
    """For ``custom``: ``strategy(draw_arrays)`` returns a Hypothesis strategy of ``Case``."""

    def __post_init__(self) -> None:
        # Checked here, when the plugin declares its op, rather than when the suite first draws.
        if self.kind not in _KINDS:
            raise ValueError(f"domain kind {self.kind!r} is not one of {', '.join(_KINDS)}")
        if not self.low < self.high:
            raise ValueError(f"a domain needs low < high; got low={self.low}, high={self.high}")
        if self.margin < 0:
            raise ValueError(f"a domain's margin is a distance, >= 0; got {self.margin}")
        if (self.kind == "custom") != (self.strategy is not None):
            raise ValueError("a custom domain, and only a custom one, takes a strategy")


def elementwise(
    low: float = -3.0,
    high: float = 3.0,
    *,
    avoid: tuple[float, ...] = (),
    margin: float = 1e-2,
    **params: Any,
) -> Domain:
    """Inputs of one shape, values in ``[low, high]`` away from ``avoid``."""
    return Domain("elementwise", low, high, avoid, margin, params=params)


def broadcast(
    low: float = -3.0,
    high: float = 3.0,
    *,
    avoid: tuple[float, ...] = (),
    margin: float = 1e-2,
    apart: bool = False,
    **params: Any,
) -> Domain:
    """Inputs of mutually broadcastable shapes, as NumPy's binary ufuncs take."""
    return Domain("broadcast", low, high, avoid, margin, apart=apart, params=params)


def reduction(
    low: float = -3.0,
    high: float = 3.0,
    *,
    distinct: bool = False,
    margin: float = 1e-2,
    **params: Any,
) -> Domain:
    """One input reduced over ``axis`` (int, tuple or None) with ``keepdims``."""
    return Domain("reduction", low, high, margin=margin, distinct=distinct, params=params)


def matmul(low: float = -3.0, high: float = 3.0) -> Domain:
    """Two inputs with NumPy's matmul signature: 1-D, 2-D and broadcast batches."""
    return Domain("matmul", low, high)


def custom(strategy: Callable[..., Any], low: float = -3.0, high: float = 3.0) -> Domain:
    """Inputs drawn by ``strategy(arrays)``, which returns a Hypothesis strategy of ``Case``.

    ``arrays(shape, low=..., high=...)`` is handed in so a custom domain draws values the same
    way the built-in ones do, without importing Hypothesis at plugin import time.
    """
    return Domain("custom", low, high, strategy=strategy)


@dataclass(frozen=True)
class Case:
    """One drawn example: the positional inputs and the keyword parameters of a call."""

    inputs: tuple[Any, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
