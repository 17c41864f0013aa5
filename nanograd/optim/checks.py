"""Hyper-parameter checks shared by optimizers and schedules, first-party and third-party alike.

Each raises ``ValueError`` naming the owner (the optimizer or schedule), the argument, the value
given and what would be valid, so ``lr=-0.1`` fails at construction instead of as a diverging
run. These are nanograd's one set of number checks: a rate, a decay or a count means the same
thing wherever it is given (never NaN, never infinite unless said so, never a bool).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

from nanograd.lookup import did_you_mean


def number(owner: str, name: str, value: Any) -> float:
    """``value`` as a float; an error unless it is a real number (bools and strings refused)."""
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise ValueError(f"{owner}: {name} must be a number, got {value!r}")
    result = float(value)
    if math.isnan(result):
        raise ValueError(f"{owner}: {name} must be a number, got nan")
    return result


def nonnegative(owner: str, name: str, value: Any) -> float:
    """A finite number >= 0 (learning rates, weight decay, eps, momentum, decay factors)."""
    result = number(owner, name, value)
    if result < 0:
        raise ValueError(f"{owner}: {name} must be a number >= 0, got {value!r}")
    if math.isinf(result):
        raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
    return result


def integer(owner: str, name: str, value: Any, low: int = 1) -> int:
    """A whole number >= ``low`` (step counts, patience); bools and floats refused."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{owner}: {name} must be an integer >= {low}, got {value!r}")
    return value


def in_range(
    owner: str, name: str, value: Any, low: float, high: float, *, include_high: bool = False
) -> float:
    """A number in [low, high) — or [low, high] with ``include_high``."""
    result = number(owner, name, value)
    ok = low <= result <= high if include_high else low <= result < high
    if not ok:
        bracket = "]" if include_high else ")"
        raise ValueError(f"{owner}: {name} must be in [{low}, {high}{bracket}, got {value!r}")
    return result


def betas(owner: str, value: Any, name: str = "betas") -> tuple[float, float]:
    """A pair of decay rates, each in [0, 1)."""
    try:
        b1, b2 = value
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner}: {name} must be a pair (beta1, beta2) such as (0.9, 0.999), got {value!r}"
        ) from None
    return (
        in_range(owner, f"{name}[0]", b1, 0.0, 1.0),
        in_range(owner, f"{name}[1]", b2, 0.0, 1.0),
    )


def flag(owner: str, name: str, value: Any) -> bool:
    """A boolean switch (``nesterov``, ``amsgrad``, ``centered``, ``maximize``)."""
    if not isinstance(value, bool):
        raise ValueError(f"{owner}: {name} must be True or False, got {value!r}")
    return value


def nonnegatives(owner: str, group: dict[str, Any], *names: str) -> None:
    """Check each of ``names`` in a parameter group with :func:`nonnegative`, storing the float."""
    for name in names:
        group[name] = nonnegative(owner, name, group[name])


def flags(owner: str, group: dict[str, Any], *names: str) -> None:
    """Check each of ``names`` in a parameter group with :func:`flag`."""
    for name in names:
        flag(owner, name, group[name])


def keywords(owner: str, func: Callable[..., Any], kwargs: Mapping[str, Any]) -> None:
    """An error naming ``owner`` if ``kwargs`` holds a name ``func`` does not take, with a
    did-you-mean suggestion and the names it does take (config typos fail loudly)."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    accepted = [
        name
        for name, p in params.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name not in _POSITIONAL
    ]
    for key in kwargs:
        if key not in accepted:
            hint = did_you_mean(key, accepted)
            raise TypeError(
                f"{owner} has no argument {key!r}{hint} It takes: {', '.join(accepted)}"
            )


_POSITIONAL = ("self", "params", "optimizer")
