"""The metrics writer: ``metrics.csv``, one row per finished epoch.

Columns: epoch, train_loss, the training metrics, val_loss, the validation metrics, lr, seconds,
then anything other plugins added. Numbers are written with ``repr``, which reads back to the
same float, so two runs can be compared exactly. The whole file is rewritten atomically each
epoch (it is small), so a reader never sees half a row and, after a resume, the file matches the
checkpoint's history exactly.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from nanograd.hookspecs import hookimpl
from nanograd.run.context import Run

FILE = "metrics.csv"


def columns(rows: list[dict[str, float]]) -> list[str]:
    """Every key of ``rows`` in a reading order: epoch, train_*, val_*, others, lr, seconds."""
    seen: list[str] = []
    for row in rows:
        seen.extend(k for k in row if k not in seen)

    fixed = {"epoch": 0, "train_loss": 1, "val_loss": 3, "lr": 6, "seconds": 7}

    def rank(key: str) -> tuple[int, int]:
        if key in fixed:
            group = fixed[key]
        elif key.startswith("train_"):
            group = 2
        elif key.startswith("val_"):
            group = 4
        else:
            group = 5
        return group, seen.index(key)

    return sorted(seen, key=rank)


def to_csv(rows: list[dict[str, float]]) -> str:
    header = columns(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key in header])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


class MetricsWriter:
    """Keeps metrics.csv equal to ``run.history``."""

    def _write(self, run: Run) -> None:
        if run.folder is None or not (run.history or run.folder.file(FILE).exists()):
            return
        # An empty history after a written row: the epoch was cut back (its hooks failed).
        run.folder.write_text(FILE, to_csv(run.history) if run.history else "epoch\n")
        run.add_file(FILE)

    @hookimpl
    def nanograd_run_start(self, run: Run) -> None:
        self._write(run)  # after a resume: exactly the history the checkpoint holds

    @hookimpl(trylast=True)
    def nanograd_epoch_end(self, run: Run, epoch: int, metrics: dict[str, float]) -> None:
        self._write(run)

    @hookimpl
    def nanograd_run_end(self, run: Run, status: str, metrics: dict[str, float]) -> None:
        self._write(run)  # the history may have been cut back to the last snapshot
