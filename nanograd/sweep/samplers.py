"""The distributions of random search: ``uniform``, ``loguniform``, ``randint`` and ``choice``.

``lr=loguniform(1e-4,1e-1)`` draws each trial's learning rate so that every decade is equally
likely; ``randint(8,64)`` includes both ends, as Python's ``random.randint`` does; ``choice``
picks one of its values, each as likely. Draws come from a generator the sweep derives from its
seed, so the same command draws the same trials.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanograd.run.errors import ConfigError
from nanograd.sweep.literals import format_value


@dataclass(frozen=True)
class Sampler:
    """One key's distribution: its name, its arguments, and how to draw from it."""

    name: str
    args: tuple[Any, ...]
    draw_with: Callable[[np.random.Generator, tuple[Any, ...]], Any]

    def draw(self, rng: np.random.Generator) -> Any:
        return self.draw_with(rng, self.args)

    def __str__(self) -> str:
        return f"{self.name}({', '.join(format_value(a) for a in self.args)})"


@dataclass(frozen=True)
class Kind:
    """A sampler's name, what it expects, and how it checks and draws."""

    name: str
    usage: str
    check: Callable[[str, str, list[Any]], None]
    draw: Callable[[np.random.Generator, tuple[Any, ...]], Any]

    def make(self, key: str, args: list[Any]) -> Sampler:
        self.check(key, self.usage, args)
        return Sampler(self.name, tuple(args), self.draw)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_range(positive: bool) -> Callable[[str, str, list[Any]], None]:
    def check(key: str, usage: str, args: list[Any]) -> None:
        if len(args) != 2 or not all(_is_number(a) for a in args):
            raise ConfigError(f"{key}: {usage} takes two finite numbers, got {_shown(args)}")
        low, high = args
        if not low < high:
            raise ConfigError(f"{key}: {usage} needs low < high, got {_shown(args)}")
        if positive and low <= 0:
            raise ConfigError(
                f"{key}: {usage} needs 0 < low (a logarithm is taken), got {_shown(args)}"
            )

    return check


def _check_randint(key: str, usage: str, args: list[Any]) -> None:
    if len(args) != 2 or not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise ConfigError(f"{key}: {usage} takes two integers, got {_shown(args)}")
    if args[0] > args[1]:
        raise ConfigError(f"{key}: {usage} needs low <= high, got {_shown(args)}")


def _check_choice(key: str, usage: str, args: list[Any]) -> None:
    if len(args) < 2:
        hint = ""
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            inner = ",".join(repr(v) for v in args[0])
            hint = f"; to choose among the items of {args[0]!r} write choice({inner})"
        raise ConfigError(f"{key}: {usage} needs at least two values, got {_shown(args)}{hint}")


def _shown(args: Sequence[Any]) -> str:
    return "(" + ", ".join(repr(a) for a in args) + ")"


SAMPLERS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "uniform",
            "uniform(low, high)",
            _check_range(positive=False),
            lambda rng, a: float(rng.uniform(a[0], a[1])),
        ),
        Kind(
            "loguniform",
            "loguniform(low, high)",
            _check_range(positive=True),
            lambda rng, a: float(math.exp(rng.uniform(math.log(a[0]), math.log(a[1])))),
        ),
        Kind(
            "randint",
            "randint(low, high)",
            _check_randint,
            lambda rng, a: int(rng.integers(a[0], a[1], endpoint=True)),
        ),
        Kind(
            "choice",
            "choice(value, value, ...)",
            _check_choice,
            lambda rng, a: copy.deepcopy(a[int(rng.integers(len(a)))]),
        ),
    )
}
