"""The experiment runner's lifecycle hooks: coarse events of a run, never one call per batch.

``python -m nanograd.run`` calls these around training; its own progress bar, metrics writer and
plotter are plugins on them (:mod:`nanograd.run.lifecycle`), registered for the length of one
run. ``run`` is the :class:`~nanograd.run.context.Run` being trained: ``run.config``,
``run.folder`` (a ``RunFolder``, ``.path`` its directory), ``run.model``, ``run.optimizer``,
``run.progress`` (``run.history``, one metrics dict per finished epoch, and ``run.epoch``, the
last finished epoch, read it) and ``run.console`` (``run.print`` shows a line and logs it).

The plugin loader adds these specifications to the plugin manager together with
:mod:`nanograd.hookspecs`, before it checks any plugin, so a misspelled hook name fails at load.
Implement them with ``@nanograd.hookimpl``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from nanograd.hookspecs import hookspec

if TYPE_CHECKING:
    from nanograd.run.context import Run


@hookspec
def nanograd_run_start(run: Run) -> None:
    """Training is about to begin (or resume after ``run.epoch``); the run folder exists."""


@hookspec(firstresult=True)
def nanograd_epoch_start(run: Run, epoch: int, batches: Iterable[Any]) -> Iterable[Any] | None:
    """Epoch ``epoch`` (counted from 1) is about to start over ``batches``.

    Return an iterable yielding the same items to wrap the batch loop (the progress bar wraps it
    in a bar over batches), or None. The first non-None result is used.
    """


@hookspec
def nanograd_epoch_end(run: Run, epoch: int, metrics: dict[str, float]) -> None:
    """Epoch ``epoch`` finished: ``metrics`` holds ``epoch``, ``train_loss``, ``val_loss`` (with
    a validation set), ``train_<name>``/``val_<name>`` for each of the experiment's metrics,
    ``lr`` and ``seconds``. A plugin may add entries (numbers); they are written to
    metrics.csv. An exception raised here fails the run, which keeps the epochs before this
    one: metrics.csv, best.npz and summary.json all end at epoch ``epoch - 1``."""


@hookspec
def nanograd_run_end(run: Run, status: str, metrics: dict[str, float]) -> None:
    """The run ended with ``status`` (``completed``, ``failed`` or ``interrupted``); ``metrics``
    are the last finished epoch's (empty if none finished). The model holds that epoch's
    weights and checkpoint.npz is written. Called before summary.json is written, so files
    written here are listed in it; an exception raised here marks a completed run failed."""


@hookspec
def nanograd_run_exception(run: Run, exception: BaseException) -> None:
    """Training raised ``exception`` (``KeyboardInterrupt`` included); ``run_end`` follows."""
