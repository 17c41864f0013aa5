"""The metrics writer: ``metrics.csv``, one row per finished epoch.

Columns: epoch, train_loss, the training metrics, val_loss, the validation metrics, lr, seconds,
then anything other plugins added. Numbers are written with ``repr``, which reads back to the
same float, so two runs can be compared exactly. The whole file is rewritten atomically, so a
reader never sees half a row and, after a resume, the file matches the checkpoint's history
exactly.

The first epoch's row is written at once; after it the file is rewritten at most every
:data:`WRITE_SECONDS` (and whenever the checkpoint may be, see
:data:`~nanograd.run.training.CHECKPOINT_SECONDS`), and always when the run ends, however it
ends. Rewriting it after every epoch of a fast run cost more than the epoch's training (the
rename that replaces the file waits for the file system); a person or a tool watching the file
still sees each new row within a second. Each write renders only the rows added since the last
one (the earlier rows' text is kept), and the file is flushed to disk only as often as the
checkpoint is written (and at the start and end of the run): a power cut can lose the newest
rows, never the file, and ``--resume`` rewrites it from the checkpoint's history. A killed process
loses at most the last second's rows, which ``--resume`` trains again from the checkpoint.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from typing import Any

from nanograd.hookspecs import hookimpl
from nanograd.run import training
from nanograd.run.context import Run

FILE = "metrics.csv"
WRITE_SECONDS = 1.0  # during training, metrics.csv is rewritten at most this often


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
    return _lines([header]) + _row_lines(rows, header)


def _lines(cells: Iterable[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(cells)
    return out.getvalue()


def _row_lines(rows: list[dict[str, float]], header: list[str]) -> str:
    return _lines([_cell(row.get(key)) for key in header] for row in rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


class MetricsWriter:
    """Keeps metrics.csv equal to ``run.history``, at most :data:`WRITE_SECONDS` behind it."""

    def __init__(self) -> None:
        self._rows: list[dict[str, float]] = []  # the history rows rendered in ``_rendered``
        self._header: list[str] = []
        self._rendered: list[str] = []
        self._written = time.monotonic()  # when metrics.csv was last written
        self._synced = self._written  # when metrics.csv was last flushed to disk
        self._waiting = True  # for the session's first epoch, whose row is written at once

    def _text(self, history: list[dict[str, float]], whole: bool) -> str:
        """The CSV of ``history``, rendering only the rows added since the last call (all of
        them when ``whole``, the history was rewound or a row brought a new column)."""
        done = len(self._rows)
        kept = (
            not whole
            and len(history) >= done
            and all(history[i] is row for i, row in enumerate(self._rows))
        )
        new_rows = history[done:] if kept else history
        known = set(self._header)
        if not kept or not all(known.issuperset(row) for row in new_rows):
            self._header = columns(history)
            self._rendered, new_rows = [], history
        self._rendered.append(_row_lines(new_rows, self._header))
        self._rows = list(history)
        return _lines([self._header]) + "".join(self._rendered)

    def _due(self) -> bool:
        """Whether the rows should reach the file now: the session's first epoch at once, then
        once :data:`WRITE_SECONDS` (or the checkpoint's interval, if shorter) has passed."""
        every = min(WRITE_SECONDS, training.CHECKPOINT_SECONDS)
        return self._waiting or time.monotonic() - self._written >= every

    def _write(self, run: Run, durable: bool, whole: bool = False) -> None:
        if run.folder is None or not (run.history or run.folder.file(FILE).exists()):
            return
        # An empty history after a written row: the epoch was cut back (its hooks failed).
        text = self._text(run.history, whole) if run.history else "epoch\n"
        now = time.monotonic()
        durable = durable or now - self._synced >= training.CHECKPOINT_SECONDS
        run.folder.write_text(FILE, text, durable)
        self._written = now
        if durable:
            self._synced = now
        run.add_file(FILE)

    @hookimpl
    def nanograd_run_start(self, run: Run) -> None:
        # After a resume: exactly the history the checkpoint holds.
        self._write(run, durable=True, whole=True)

    @hookimpl(trylast=True)
    def nanograd_epoch_end(self, run: Run, epoch: int, metrics: dict[str, float]) -> None:
        if self._due():
            self._write(run, durable=False)
            self._waiting = False

    @hookimpl(tryfirst=True)
    def nanograd_run_end(self, run: Run, status: str, metrics: dict[str, float]) -> None:
        # Whatever ended the run: the rows not yet written, or the history cut back to the
        # last snapshot (new row objects, so rendered anew); first, before plots or another
        # plugin can fail or be cut short.
        self._write(run, durable=True)
