"""``Run``: one training run, as experiment functions and lifecycle plugins see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanograd._mode import no_grad
from nanograd.run.console import Console
from nanograd.run.data import Dataset
from nanograd.run.experiment import Experiment
from nanograd.run.folder import RunFolder
from nanograd.run.progress import Progress
from nanograd.tensor import Tensor


@dataclass
class Run:
    """The state of a run: config, data, model, optimizer, history and where it writes.

    ``evaluate(run)`` and ``plots(run)`` in an experiment file and every ``nanograd_run_*`` hook
    receive this. ``progress`` is how far training has come (see
    :class:`~nanograd.run.progress.Progress`); ``epoch``, ``history``, ``best_value``,
    ``best_epoch`` and ``bad_epochs`` read it: ``epoch`` is the last finished epoch, ``history``
    holds one metrics dict per finished epoch, as in metrics.csv. ``batch`` is the batch being
    trained in the epoch after ``epoch`` (from 1; 0 between batches), for messages.
    """

    experiment: Experiment
    config: dict[str, Any]
    seed: int
    console: Console
    data: Dataset
    model: Any
    optimizer: Any
    schedule: Any
    loss: Any
    rngs: dict[str, np.random.Generator]
    folder: RunFolder | None = None
    plots: bool = True
    graph: bool = False  # --graph: draw the session's first training step
    progress: Progress = field(default_factory=Progress)
    monitor: str = "val_loss"
    mode: str = "min"
    evaluation: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    stop_requested: bool = False
    batch: int = 0

    @property
    def name(self) -> str:
        return self.experiment.name

    @property
    def epoch(self) -> int:
        """The last finished epoch (0 before the first)."""
        return self.progress.epoch

    @property
    def history(self) -> list[dict[str, float]]:
        """One metrics dict per finished epoch, as in metrics.csv."""
        return self.progress.history

    @property
    def best_value(self) -> float | None:
        """The best value of ``monitor`` so far."""
        return self.progress.best_value

    @property
    def best_epoch(self) -> int | None:
        """The epoch that reached :attr:`best_value`."""
        return self.progress.best_epoch

    @property
    def bad_epochs(self) -> int:
        """Epochs in a row without an improvement of ``monitor``."""
        return self.progress.bad_epochs

    @property
    def metrics(self) -> dict[str, float]:
        """The last finished epoch's metrics (empty before the first)."""
        return dict(self.history[-1]) if self.history else {}

    def predict(self, X: Any, batch_size: int = 4096) -> np.ndarray:
        """The model's output for inputs ``X`` as an array: evaluation mode, no graph."""
        X = np.asarray(X)
        if not np.issubdtype(X.dtype, np.floating):
            X = X.astype(self.data.train.X.dtype)
        set_mode(self.model, training=False)
        try:
            with no_grad():
                parts = [
                    np.asarray(self.model(Tensor(X[i : i + batch_size])).data)
                    for i in range(0, max(len(X), 1), batch_size)
                ]
        finally:
            set_mode(self.model, training=True)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def print(self, message: str = "") -> None:
        """Show a line and add it to log.txt."""
        self.console.print(message)

    def add_file(self, name: str) -> None:
        """Record a file written into the run folder, for summary.json."""
        if name not in self.files:
            self.files.append(name)


def set_mode(model: Any, training: bool) -> None:
    """``model.train()`` or ``model.eval()`` when the model has them."""
    method = getattr(model, "train" if training else "eval", None)
    if callable(method):
        method()
