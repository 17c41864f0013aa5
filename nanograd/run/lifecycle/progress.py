"""The progress bar: one tqdm bar over epochs with live metrics, and plain lines otherwise.

On a terminal: a bar over epochs whose postfix shows the latest losses and metrics, and, for an
epoch that takes more than half a second, an inner bar over its batches that is erased when the
epoch ends. When output is not a terminal (a log file, CI) or ``--quiet``, no bar is drawn; a
plain line per epoch (about ten per run) is printed instead, unless quiet. Either way the lines
go to log.txt.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from tqdm import tqdm

from nanograd.hookspecs import hookimpl
from nanograd.run.context import Run
from nanograd.run.data import batch_count

INNER_BAR_DELAY = 0.5  # seconds an epoch must run before its batch bar appears
LINES_PER_RUN = 10


def format_metrics(metrics: dict[str, float]) -> str:
    """``train_loss 0.1234  val_loss 0.2345  lr 0.01  (0.05s)``: one epoch's line."""
    parts = [f"{key} {value:.4g}" for key, value in metrics.items()
             if key not in ("epoch", "seconds")]  # fmt: skip
    if "seconds" in metrics:
        parts.append(f"({metrics['seconds']:.2f}s)")
    return "  ".join(parts)


def postfix(metrics: dict[str, float]) -> dict[str, str]:
    """What fits beside a bar: the losses, and the validation metrics (training ones if none)."""
    split = "val_" if "val_loss" in metrics else "train_"
    keys = ["train_loss", "val_loss"] + [
        k for k in metrics if k.startswith(split) and k not in ("train_loss", "val_loss")
    ]
    return {k.replace("accuracy", "acc"): f"{metrics[k]:.4g}" for k in keys if k in metrics}


def should_print(epoch: int, first: int, epochs: int) -> bool:
    """Print the first epoch of the session, the last, and about ten in between."""
    every = max(1, epochs // LINES_PER_RUN)
    return epoch in (first, epochs) or epoch % every == 0


class ProgressBar:
    """Bars on a terminal, plain epoch lines otherwise."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.first = 1

    @hookimpl
    def nanograd_run_start(self, run: Run) -> None:
        self.first = run.epoch + 1
        if run.console.interactive:
            self.bar = tqdm(
                total=run.config["epochs"],
                initial=run.epoch,
                desc=run.name,
                unit="epoch",
                dynamic_ncols=True,
                file=sys.stderr,
            )

    @hookimpl
    def nanograd_epoch_start(
        self, run: Run, epoch: int, batches: Iterable[Any]
    ) -> Iterable[Any] | None:
        if self.bar is None:
            return None
        total = batch_count(len(run.data.train), run.config["batch_size"])
        if total < 2:
            return None
        bar: Iterable[Any] = tqdm(
            batches,
            total=total,
            desc=f"epoch {epoch}",
            unit="batch",
            leave=False,
            delay=INNER_BAR_DELAY,
            dynamic_ncols=True,
            file=sys.stderr,
        )
        return bar

    @hookimpl
    def nanograd_epoch_end(self, run: Run, epoch: int, metrics: dict[str, float]) -> None:
        epochs = run.config["epochs"]
        if self.bar is not None:
            self.bar.set_postfix(postfix(metrics), refresh=False)
            self.bar.update(1)
        if not should_print(epoch, self.first, epochs):
            return
        line = f"epoch {epoch:>{len(str(epochs))}}/{epochs}  {format_metrics(metrics)}"
        if self.bar is not None:
            run.console.log(line)
        else:
            run.console.print(line)

    @hookimpl(tryfirst=True)
    def nanograd_run_end(self, run: Run, status: str, metrics: dict[str, float]) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
