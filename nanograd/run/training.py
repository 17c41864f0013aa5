"""The training loop: epochs of shuffled mini-batches, evaluation, schedules, early stopping.

Each epoch: shuffle with the run's training generator, step the optimizer once per batch, then
evaluate on the validation set, step the schedule, update the early-stopping bookkeeping, call
``nanograd_epoch_end``, and take a snapshot. A non-finite loss stops the run at once with a message
naming the epoch and the last finite loss. Nothing here calls a plugin per batch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanograd._mode import no_grad
from nanograd.anomaly import AnomalyError
from nanograd.nn.utils import clip_grad_norm_
from nanograd.run.checkpoint import Checkpoints, Snapshot
from nanograd.run.components import current_lr
from nanograd.run.context import Run, set_mode
from nanograd.run.data import Split, batch_count, batches
from nanograd.run.errors import ExperimentError
from nanograd.run.step_picture import StepPicture
from nanograd.tensor import Tensor
from nanograd.tracing.compiled import compile as compile_function

CHECKPOINT_SECONDS = 20.0  # during training, checkpoint.npz is rewritten at most this often,
CHECKPOINT_SHARE = 0.05  # and spaced so that writing it takes at most this share of the time
_NUMBERS = frozenset({float, int})  # what metrics.csv takes as it is


@dataclass
class Outcome:
    """How the loop ended: ``completed`` (all epochs, or stopped early) or ``failed``."""

    status: str
    message: str


def fit(run: Run, hook: Any, saved: Checkpoints) -> Outcome:
    """Train ``run`` from ``run.epoch + 1`` to ``config["epochs"]``.

    ``hook`` is the plugin manager's hook relay. After each epoch ``saved`` holds its snapshot
    (and the best model so far), so when ``KeyboardInterrupt`` or any other exception leaves
    this function, the caller still has the last finished epoch to write. The snapshot is also
    written to the run folder every :data:`CHECKPOINT_SECONDS` or so, so that even a run killed
    outright (out of memory, SIGKILL) can be resumed from a recent epoch.
    """
    config = run.config
    epochs = config["epochs"]
    train = run.data.train
    n_batches = batch_count(len(train), config["batch_size"])
    step = stepper(run, StepPicture(run) if run.graph else None)
    want_outputs = run.experiment.has("metrics")
    last_finite: tuple[float, int, int] | None = None
    last_write, wait = time.monotonic(), CHECKPOINT_SECONDS
    for epoch in range(run.epoch + 1, epochs + 1):
        stopped = _early_stop(run)  # a run resumed after it stopped early stays stopped
        if stopped:
            return Outcome("completed", stopped)
        started = time.perf_counter()
        order = batches(len(train), config["batch_size"], run.rngs["train"], config["shuffle"])
        wrapped = hook.nanograd_epoch_start(run=run, epoch=epoch, batches=order)
        lr = current_lr(run.optimizer)
        set_mode(run.model, training=True)
        total, count = 0.0, 0
        outputs: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        for index, rows in enumerate(wrapped if wrapped is not None else order, start=1):
            if run.stop_requested:
                raise KeyboardInterrupt
            run.batch = index
            batch = train.take(rows)
            try:
                value, output = step(batch)
            except AnomalyError as exc:  # only under --detect-anomaly
                return Outcome("failed", _anomaly(epoch, index, n_batches, exc, last_finite))
            if not math.isfinite(value):
                message = _non_finite(epoch, index, n_batches, value, last_finite, lr)
                return Outcome("failed", message)
            last_finite = (value, epoch, index)
            total += value * len(rows)
            count += len(rows)
            if want_outputs:
                outputs.append(output)
                targets.append(batch.y)
        run.batch = 0
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
        improved = run.progress.record(row, run.monitor, run.mode, config["min_delta"])
        # Plugins may add entries to ``row`` (the metrics writer runs last and records them).
        hook.nanograd_epoch_end(run=run, epoch=epoch, metrics=row)
        _check_added(row)
        if run.console.log_error is not None and run.folder is not None:
            raise run.folder.failed("log.txt", run.console.log_error)
        saved.last = Snapshot.take(run, saved.last)
        if improved:
            saved.best_model = saved.last.model
        if run.folder is not None and time.monotonic() - last_write >= wait:
            began = time.monotonic()
            saved.write(run.folder, run.add_file)
            last_write = time.monotonic()
            wait = _checkpoint_wait(last_write - began)
    stopped = _early_stop(run)
    return Outcome("completed", stopped)


def _checkpoint_wait(took: float) -> float:
    """Seconds from one checkpoint to the next, given that the last took ``took`` to write.

    The checkpoint holds the whole history, so each is larger than the last: in a run of a
    million short epochs, one every :data:`CHECKPOINT_SECONDS` would come to take most of the
    time. Spacing them by what the last one cost bounds that share (``CHECKPOINT_SECONDS = 0``
    still writes one every epoch).
    """
    if CHECKPOINT_SECONDS <= 0:
        return 0.0
    return max(CHECKPOINT_SECONDS, took / CHECKPOINT_SHARE)


def _early_stop(run: Run) -> str:
    """Why training stops early (the monitored metric stopped improving), or ``""``."""
    patience = run.config["patience"]
    if patience is None or run.bad_epochs < patience:
        return ""
    return (
        f"stopped early at epoch {run.epoch}: {run.monitor} has not improved for "
        f"{patience} epochs (best {run.best_value:.6g} at epoch {run.best_epoch})"
    )


def _check_added(row: dict[str, Any]) -> None:
    """Entries a plugin added to an epoch's metrics must be numbers (they go to metrics.csv)."""
    if _NUMBERS.issuperset(map(type, row.values())):  # the usual case, checked without a loop
        return
    for key, value in row.items():
        if type(value) is not float and type(value) is not int:
            try:
                row[key] = float(value)
            except (TypeError, ValueError):
                raise ExperimentError(
                    f"a nanograd_epoch_end hook put {key}={value!r} into the epoch's metrics; "
                    "metrics are numbers"
                ) from None


def stepper(
    run: Run, picture: StepPicture | None = None
) -> Callable[[Split], tuple[float, np.ndarray]]:
    """``step(batch)``: one optimizer step on ``batch``; returns the data loss and the output.

    Everything that does not change between batches (the parameter list, the penalty and
    clipping settings, how to clear gradients) is looked up once, here. ``picture``, when
    given, draws the graph of the first step.
    """
    model, loss_function, optimizer = run.model, run.loss, run.optimizer
    params = list(model.parameters())
    l2, clip = run.config["l2"], run.config["clip_grad_norm"]
    if callable(getattr(optimizer, "zero_grad", None)):
        zero_grad = optimizer.zero_grad
    else:

        def zero_grad() -> None:
            for p in params:
                p.grad = None

    def forward(X: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The objective to differentiate, the data loss and the output."""
        output = model(X)
        loss = loss_function(output, y)
        objective = loss
        if l2:
            penalty = (params[0] * params[0]).sum()
            for p in params[1:]:
                penalty = penalty + (p * p).sum()
            objective = loss + l2 * penalty
        return objective, loss, output

    # Compiled, each batch shape is traced once and replayed after (bit-identical to eager).
    objective_of = compile_function(forward) if run.config.get("compile") else forward

    def step(batch: Split) -> tuple[float, np.ndarray]:
        nonlocal picture
        objective, loss, output = objective_of(Tensor(batch.X), Tensor(batch.y))
        zero_grad()
        if picture is None:
            objective.backward()
        else:
            picture.before_backward(objective)
            objective.backward()
            picture.after_backward()
            picture = None
        if clip is not None:
            clip_grad_norm_(params, clip)
        optimizer.step()
        return float(loss.data), np.asarray(output.data)

    return step


def evaluate(run: Run, split: Split, prefix: str) -> dict[str, float]:
    """Loss and metrics of the model on ``split``, in evaluation mode, as ``<prefix>_<name>``."""
    output = run.predict(split.X)
    with no_grad():
        loss = float(run.loss(Tensor(output), Tensor(split.y)).data)
    result = {f"{prefix}_loss": loss}
    for name, value in evaluate_metrics(run, output, split.y).items():
        result[f"{prefix}_{name}"] = value
    return result


def evaluate_metrics(run: Run, output: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """The experiment's ``metrics(output, target)``, checked to be a dict of numbers."""
    if not run.experiment.has("metrics"):
        return {}
    where = str(run.experiment.path)
    result = run.experiment.call("metrics", output, target)
    if not isinstance(result, Mapping):
        raise ExperimentError(
            f"{where}: metrics() must return a dict of name -> number, got {type(result).__name__}"
        )
    checked: dict[str, float] = {}
    for name, value in result.items():
        if not isinstance(name, str) or not name.isidentifier() or name == "loss":
            raise ExperimentError(
                f"{where}: metrics() returned the name {name!r}; names are identifiers other "
                "than 'loss' (train_ and val_ are prefixed by the runner)"
            )
        try:
            checked[name] = float(value)
        except (TypeError, ValueError):
            raise ExperimentError(
                f"{where}: metrics() returned {name}={value!r}, which is not a number"
            ) from None
    return checked


def _step_schedule(run: Run, row: dict[str, float]) -> None:
    if run.schedule is None:
        return
    if getattr(run.schedule, "requires_metric", False):  # reduce-on-plateau
        run.schedule.step(row[run.monitor])
    else:
        run.schedule.step()


def _where(epoch: int, batch: int, n_batches: int) -> str:
    return f"epoch {epoch}" + (f", batch {batch} of {n_batches}" if n_batches > 1 else "")


def _before(last: tuple[float, int, int] | None) -> str:
    if last is None:
        return "no finite loss was seen before it"
    return f"the last finite loss was {last[0]:.6g} (epoch {last[1]}, batch {last[2]})"


def _non_finite(
    epoch: int,
    batch: int,
    n_batches: int,
    value: float,
    last: tuple[float, int, int] | None,
    lr: float,
) -> str:
    return (
        f"training stopped at {_where(epoch, batch, n_batches)}: the loss became {value}; "
        f"{_before(last)}. A smaller lr (now {lr:g}) or clip_grad_norm=1.0 usually helps; "
        "--detect-anomaly names the op that made it"
    )


def _anomaly(
    epoch: int, batch: int, n_batches: int, exc: AnomalyError, last: tuple[float, int, int] | None
) -> str:
    """A step stopped by anomaly mode: where in training, then the op and what it was given."""
    return f"training stopped at {_where(epoch, batch, n_batches)} ({_before(last)}): {exc}"
