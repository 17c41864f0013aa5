"""What a sweep shows while it runs: one bar over its runs, and a line as each run ends.

On a terminal a bar counts the runs done, with how many failed, how many are running and the
best metric so far; off a terminal (a log, CI) or with ``--quiet`` there is no bar. Either way
each run's result is one line (failures on standard error), also written to the sweep's
log.txt. Workers print nothing.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from tqdm import tqdm

from nanograd.run.console import Console
from nanograd.sweep.grammar import format_value


class _Bar(tqdm):  # type: ignore[misc]
    # No monitor thread: the bar moves once per run, and a sweep's process forks its workers,
    # which is only safe while it has no other threads.
    monitor_interval = 0


def label(entry: Mapping[str, Any]) -> str:
    """``lr=0.1 optimizer=adam seed 123``: what sets a run apart."""
    values = " ".join(f"{k}={format_value(v)}" for k, v in entry["values"].items())
    return f"{values} seed {entry['seed']}".strip()


def best_run(runs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The completed run with the best monitored value (the first run's metric and mode)."""
    scored = [
        r
        for r in runs
        if r["status"] == "completed" and _finite((r.get("best") or {}).get("value"))
    ]
    if not scored:
        return None
    metric, mode = scored[0]["best"]["metric"], scored[0]["best"].get("mode", "min")
    same = [r for r in scored if r["best"]["metric"] == metric]
    sign = 1.0 if mode == "min" else -1.0
    return min(same, key=lambda r: sign * float(r["best"]["value"]))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def result_line(entry: Mapping[str, Any], done: int, total: int) -> str:
    """One finished run: ``run-003  completed  lr=0.1 seed 7  train_loss 0.01  (2.1s)``."""
    head = f"{entry['folder']}  {entry['status']:<9}  {label(entry)}"
    if entry["status"] != "completed":
        return f"[{done}/{total}] {head}: {entry.get('message') or 'no reason was given'}"
    metrics = "  ".join(f"{k} {v:.4g}" for k, v in (entry.get("final") or {}).items() if _finite(v))
    seconds = entry.get("seconds")
    timing = f"  ({seconds:.1f}s)" if isinstance(seconds, (int, float)) else ""
    return f"[{done}/{total}] {head}  {metrics}{timing}".rstrip()


class Progress:
    """The bar (on a terminal) and the result lines."""

    def __init__(self, console: Console, name: str, runs: Sequence[Mapping[str, Any]]) -> None:
        self.console = console
        self.runs = runs
        self.total = len(runs)
        self.bar: Any = None
        if console.interactive:
            self.bar = _Bar(
                total=self.total,
                initial=self._ended(),
                desc=f"sweep {name}",
                unit="run",
                dynamic_ncols=True,
                file=sys.stderr,
            )

    def _ended(self) -> int:
        return sum(r["status"] in ("completed", "failed") for r in self.runs)

    def update(self, running: int) -> None:
        """Refresh the bar's counts."""
        if self.bar is None:
            return
        failed = sum(r["status"] == "failed" for r in self.runs)
        parts = [f"{failed} failed"] if failed else []
        parts.append(f"{running} running")
        best = best_run(self.runs)
        if best is not None:
            parts.append(f"best {best['best']['metric']} {float(best['best']['value']):.4g}")
        self.bar.n = self._ended()
        self.bar.set_postfix_str(", ".join(parts), refresh=False)
        self.bar.refresh()

    def finished(self, entry: Mapping[str, Any], running: int) -> None:
        """A run ended: its line, then the bar."""
        line = result_line(entry, self._ended(), self.total)
        if entry["status"] == "completed":
            self.console.print(line)
        else:
            self.console.error(line)
        self.update(running)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
