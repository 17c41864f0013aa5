"""``Progress``: how far a run has come, in one record.

The epoch counter, the history of metrics, the best value of the monitored metric and its epoch,
and the count of epochs without improvement change together at the end of an epoch and must be
put back together: a checkpoint snapshots the whole record, a failure mid-epoch rewinds to the
last snapshot's record, and ``--resume`` restores it. Keeping them in one place is what makes
the run folder's files (metrics.csv, best.npz, summary.json) agree about which epochs happened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Progress:
    """The finished epochs of a run and the early-stopping bookkeeping over them.

    ``epoch`` is the last finished epoch (0 before the first); ``history`` one metrics dict per
    finished epoch, as in metrics.csv; ``best_value`` and ``best_epoch`` the best value of the
    monitored metric so far and where it was reached; ``bad_epochs`` how many epochs in a row
    have not improved on it.
    """

    epoch: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    best_value: float | None = None
    best_epoch: int | None = None
    bad_epochs: int = 0

    def copy(self, earlier: Progress | None = None) -> Progress:
        """An independent copy: a later epoch changes neither record through the other.

        ``earlier``, a copy of this record taken some epochs ago, lends its copies of the rows
        both hold (a finished epoch's row is final), so only the newer rows are copied: a copy
        every epoch costs as much in a long run as in a short one. Copies share rows only with
        each other, never with the record they copy.
        """
        rows = self.history
        done: list[dict[str, float]] = []
        if earlier is not None and 0 < len(earlier.history) <= len(rows):
            last = len(earlier.history) - 1
            if earlier.history[last] == rows[last]:  # the same epochs: not rewound since
                done = earlier.history
        return Progress(
            self.epoch,
            done + [dict(row) for row in rows[len(done) :]],
            self.best_value,
            self.best_epoch,
            self.bad_epochs,
        )

    def record(self, row: dict[str, float], monitor: str, mode: str, min_delta: float) -> bool:
        """Add a finished epoch's metrics; True when ``row[monitor]`` is a new best.

        An improvement is a finite value better than the best by more than ``min_delta`` in the
        direction ``mode`` (``"min"`` or ``"max"``).
        """
        self.history.append(row)
        self.epoch = int(row["epoch"])
        value = row[monitor]
        best = self.best_value
        if math.isfinite(value) and (
            best is None
            or (mode == "min" and value < best - min_delta)
            or (mode == "max" and value > best + min_delta)
        ):
            self.best_value, self.best_epoch, self.bad_epochs = value, self.epoch, 0
            return True
        self.bad_epochs += 1
        return False

    def to_state(self) -> dict[str, Any]:
        """Plain data for a checkpoint file (shared with this record, not copied: it is written
        at once; ``dataclasses.asdict`` would copy every row of the history)."""
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Progress:
        """The record :meth:`to_state` wrote, with the types a checkpoint file may have lost."""
        return cls(
            epoch=int(state["epoch"]),
            history=[{str(k): v for k, v in dict(row).items()} for row in state["history"]],
            best_value=None if state["best_value"] is None else float(state["best_value"]),
            best_epoch=None if state["best_epoch"] is None else int(state["best_epoch"]),
            bad_epochs=int(state["bad_epochs"]),
        )


FIELDS = tuple(Progress.__dataclass_fields__)
"""The record's field names, which checkpoint.npz holds at its top level."""
