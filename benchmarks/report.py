"""The suite's results: one row per figure, printed as a table and written as JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Row:
    """One figure: nanograd's, the hand-written NumPy baseline's and PyTorch's, in ``unit``.

    ``target`` is the ratio nanograd / NumPy the engine aims at (lower is better everywhere).
    """

    key: str
    title: str
    unit: str
    nanograd: float
    numpy: float | None = None
    torch: float | None = None
    target: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return None if self.numpy is None else self.nanograd / self.numpy

    @property
    def torch_ratio(self) -> float | None:
        return None if self.numpy is None or self.torch is None else self.torch / self.numpy

    @property
    def met(self) -> bool | None:
        ratio = self.ratio
        return None if ratio is None or self.target is None else ratio <= self.target


def conditions(repeats: int, quick: bool) -> dict[str, Any]:
    """What the figures depend on besides the code: machine, versions, load, settings."""
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "cpu": _cpu_name(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas_threads": 1,
        "load_average": [round(x, 2) for x in load],
        "repeats": repeats,
        "quick": quick,
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _figure(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(rows: list[Row], setting: dict[str, Any]) -> str:
    """The rows as a Markdown table, with the conditions they were measured under."""
    lines = [
        "| workload | unit | NumPy by hand | nanograd | ratio | target | PyTorch | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        target = "-" if row.target is None else f"<= {row.target:.2f}x"
        if row.met is False:
            target += " (missed)"
        title = f"{row.key} {row.title}" + (f" ({row.note})" if row.note else "")
        lines.append(
            f"| {title} | {row.unit} | {_figure(row.numpy)} | {_figure(row.nanograd)} | "
            f"{_ratio(row.ratio)} | {target} | {_figure(row.torch)} | {_ratio(row.torch_ratio)} |"
        )
    load = ", ".join(f"{x:g}" for x in setting["load_average"])
    lines.append("")
    lines.append(
        f"{setting['date']}; {setting['cpu']} ({setting['machine']}); Python {setting['python']}, "
        f"NumPy {setting['numpy']}, 1 BLAS thread; load average {load} at the end; medians of "
        f"{setting['repeats']} interleaved repeats{' (--quick)' if setting['quick'] else ''}."
    )
    return "\n".join(lines)


def document(rows: list[Row], setting: dict[str, Any], skipped: dict[str, str]) -> str:
    """The results as JSON: conditions, then each row with its ratios."""
    return json.dumps(
        {
            "conditions": setting,
            "skipped": skipped,
            "rows": [
                {**asdict(row), "ratio": row.ratio, "torch_ratio": row.torch_ratio, "met": row.met}
                for row in rows
            ],
        },
        indent=2,
    )
