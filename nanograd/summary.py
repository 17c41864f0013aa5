"""Short summaries of an array's values, for graph pictures and error messages.

Both places want the same facts: the range of the finite values, the norm, and how many NaN and
infinite entries there are (one NaN among a million values is what a person is looking for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Stats:
    """What a summary says about an array: its finite range and norm, its NaN and inf counts."""

    size: int
    norm: float
    min: float | None
    max: float | None
    nan: int
    inf: int

    @property
    def finite(self) -> bool:
        return self.nan == 0 and self.inf == 0


def stats(values: Any) -> Stats:
    """The :class:`Stats` of ``values`` (anything ``np.asarray`` takes); min and max are over
    the finite entries (None when there are none), the norm over them too."""
    a = np.asarray(values)
    if a.dtype.kind not in "fc":  # integers and booleans are always finite
        a = a.astype(np.float64)
    if a.dtype.kind == "c":
        a = np.abs(a)
    finite = np.isfinite(a)
    with np.errstate(over="ignore"):  # the norm of huge finite values is inf, and says so
        return _stats(a, finite)


def _stats(a: np.ndarray, finite: np.ndarray) -> Stats:
    nan = int(np.isnan(a).sum())
    inf = int(a.size - finite.sum()) - nan
    good = a[finite] if nan or inf else a.ravel()
    if good.size == 0:
        return Stats(a.size, 0.0, None, None, nan, inf)
    return Stats(
        a.size,
        float(np.sqrt(np.sum(np.square(good, dtype=np.float64)))),
        float(good.min()),
        float(good.max()),
        nan,
        inf,
    )


def number(x: float) -> str:
    """A number in four significant digits."""
    return f"{x:.4g}"


def value_range(s: Stats) -> str:
    """``[-1, 2]``, ``[-1, 2], 3 NaN``, ``all NaN`` or ``none finite: 3 NaN, 1 inf``: the
    range of the finite values, and what is not finite."""
    if s.size == 0:
        return "empty"
    if s.min is None or s.max is None:
        if s.nan == s.size or s.inf == s.size:
            return "all NaN" if s.nan else "all inf"
        return f"none finite{non_finite(s, prefix=': ')}"
    if s.min == s.max:
        text = number(s.min) if s.size == 1 else f"all {number(s.min)}"
    else:
        text = f"[{number(s.min)}, {number(s.max)}]"
    return text + non_finite(s, prefix=", ")


def non_finite(s: Stats, prefix: str = "") -> str:
    """``3 NaN, 1 inf``, or nothing when every value is finite."""
    parts = [f"{n} {what}" for n, what in ((s.nan, "NaN"), (s.inf, "inf")) if n]
    return prefix + ", ".join(parts) if parts else ""


def describe(values: Any) -> str:
    """``shape (3,) float64, values [-1, 2], 1 NaN``: for error messages."""
    a = np.asarray(values)
    return f"shape {a.shape} {a.dtype}, values {value_range(stats(a))}"
