"""The training loop: epochs of shuffled mini-batches, evaluation, schedules, early stopping.

Each epoch: shuffle with the run's training generator, step the optimizer once per batch, then
evaluate on the validation set, step the schedule, update the early-stopping bookkeeping, call
``nanograd_epoch_end``, and take a snapshot. A non-finite loss stops the run at once with a message
naming the epoch and the last finite loss. Nothing here calls a plugin per batch.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanograd._mode import no_grad
from nanograd.run.build import evaluate_metrics
from nanograd.run.checkpoint import Checkpoints, Snapshot
from nanograd.run.components import current_lr
from nanograd.run.context import Run, set_mode
from nanograd.run.data import Split, batch_count, batches
from nanograd.tensor import Tensor


@dataclass
class Outcome:
    """How the loop ended: ``completed`` (all epochs, or stopped early) or ``failed``."""

    status: str
    message: str


def fit(run: Run, hook: Any, saved: Checkpoints) -> Outcome:
    """Train ``run`` from ``run.epoch + 1`` to ``config["epochs"]``.

    ``hook`` is the plugin manager's hook relay. After each epoch ``saved`` holds its snapshot
    (and the best model so far), so when ``KeyboardInterrupt`` or any other exception leaves
    this function, the caller still has the last finished epoch to write.
    """
    config = run.config
    epochs = config["epochs"]
    train = run.data.train
    n_batches = batch_count(len(train), config["batch_size"])
    last_finite: tuple[float, int, int] | None = None
    for epoch in range(run.epoch + 1, epochs + 1):
        started = time.perf_counter()
        order = batches(len(train), config["batch_size"], run.rngs["train"], config["shuffle"])
        wrapped = hook.nanograd_epoch_start(run=run, epoch=epoch, batches=order)
        lr = current_lr(run.optimizer)
        set_mode(run.model, training=True)
        total, count = 0.0, 0
        outputs: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        want_outputs = run.experiment.has("metrics")
        for index, rows in enumerate(wrapped if wrapped is not None else order, start=1):
            if run.stop_requested:
                raise KeyboardInterrupt
            value, output = _step(run, train.take(rows))
            if not math.isfinite(value):
                message = _non_finite(epoch, index, n_batches, value, last_finite, lr)
                return Outcome("failed", message)
            last_finite = (value, epoch, index)
            total += value * len(rows)
            count += len(rows)
            if want_outputs:
                outputs.append(output)
                targets.append(train.y[rows])
        row: dict[str, float] = {"epoch": epoch, "train_loss": total / count}
        if want_outputs:
            for name, value in evaluate_metrics(
                run, np.concatenate(outputs), np.concatenate(targets)
            ).items():
                row[f"train_{name}"] = value
        if run.data.val is not None:
            row.update(evaluate(run, run.data.val, "val"))
        row["lr"] = lr
        _step_schedule(run, row)
        row["seconds"] = time.perf_counter() - started
        run.history.append(row)
        run.epoch = epoch
        improved = _track_best(run, row)
        # Plugins may add entries to ``row`` (the metrics writer runs last and records them).
        hook.nanograd_epoch_end(run=run, epoch=epoch, metrics=row)
        saved.last = Snapshot.take(
            epoch,
            run.model,
            run.optimizer,
            run.schedule,
            run.rngs,
            run.history,
            run.best_value,
            run.best_epoch,
            run.bad_epochs,
        )
        if improved:
            saved.best_model = saved.last.model
        patience = config["patience"]
        if patience is not None and run.bad_epochs >= patience:
            return Outcome(
                "completed",
                f"stopped early at epoch {epoch}: {run.monitor} has not improved for "
                f"{patience} epochs (best {run.best_value:.6g} at epoch {run.best_epoch})",
            )
    return Outcome("completed", "")


def _step(run: Run, batch: Split) -> tuple[float, np.ndarray]:
    """One optimizer step on ``batch``; returns the data loss and the model's output."""
    output = run.model(Tensor(batch.X))
    loss = run.loss(output, Tensor(batch.y))
    objective = loss
    l2 = run.config["l2"]
    if l2:
        params = list(run.model.parameters())
        penalty = (params[0] * params[0]).sum()
        for p in params[1:]:
            penalty = penalty + (p * p).sum()
        objective = loss + l2 * penalty
    zero_grad(run.optimizer, run.model)
    objective.backward()
    clip = run.config["clip_grad_norm"]
    if clip is not None:
        from nanograd.nn.utils import clip_grad_norm_

        clip_grad_norm_(list(run.model.parameters()), clip)
    run.optimizer.step()
    return float(loss.data), np.asarray(output.data)


def zero_grad(optimizer: Any, model: Any) -> None:
    if callable(getattr(optimizer, "zero_grad", None)):
        optimizer.zero_grad()
    else:
        for p in model.parameters():
            p.grad = None


def evaluate(run: Run, split: Split, prefix: str) -> dict[str, float]:
    """Loss and metrics of the model on ``split``, in evaluation mode, as ``<prefix>_<name>``."""
    output = run.predict(split.X)
    with no_grad():
        loss = float(run.loss(Tensor(output), Tensor(split.y)).data)
    result = {f"{prefix}_loss": loss}
    for name, value in evaluate_metrics(run, output, split.y).items():
        result[f"{prefix}_{name}"] = value
    return result


def _step_schedule(run: Run, row: dict[str, float]) -> None:
    if run.schedule is None:
        return
    if getattr(run.schedule, "requires_metric", False):  # reduce-on-plateau
        run.schedule.step(row[run.monitor])
    else:
        run.schedule.step()


def _track_best(run: Run, row: dict[str, float]) -> bool:
    """Update best value and the count of epochs without improvement; True if improved."""
    value = row[run.monitor]
    delta = run.config["min_delta"]
    best = run.best_value
    if math.isfinite(value) and (
        best is None
        or (run.mode == "min" and value < best - delta)
        or (run.mode == "max" and value > best + delta)
    ):
        run.best_value, run.best_epoch, run.bad_epochs = value, int(row["epoch"]), 0
        return True
    run.bad_epochs += 1
    return False


def _non_finite(
    epoch: int,
    batch: int,
    n_batches: int,
    value: float,
    last: tuple[float, int, int] | None,
    lr: float,
) -> str:
    where = f"epoch {epoch}" + (f", batch {batch} of {n_batches}" if n_batches > 1 else "")
    if last is None:
        before = "no finite loss was seen before it"
    else:
        before = f"the last finite loss was {last[0]:.6g} (epoch {last[1]}, batch {last[2]})"
    return (
        f"training stopped at {where}: the loss became {value}; {before}. A smaller lr "
        f"(now {lr:g}) or clip_grad_norm=1.0 usually helps"
    )
