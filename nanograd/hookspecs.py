"""The hooks a nanograd plugin can implement.

Registration hooks are called once, when plugins load, with a ``register`` callback: the host
owns the tables, checks each declaration and records which plugin made it, so an error can name
the plugin. Nothing here is called per operation: a pluggy call costs about a microsecond, more
than a NumPy op on a small array.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("nanograd")
hookimpl = pluggy.HookimplMarker("nanograd")


@hookspec
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    """Register operations, once at load time.

    Call ``register(name, forward, vjp, domain=..., method=..., kink=...)`` for each op:
    ``forward(*arrays, **params)`` computes the result with NumPy; ``vjp`` is one function per
    tensor input, ``vjp(g, out, *inputs, **params)``, returning that input's gradient as a
    Tensor expression (so it is differentiable again); ``domain`` (see ``nanograd.domain``)
    says where the property suite draws inputs from. See ``docs/writing-an-op.md``.
    """


@hookspec
def nanograd_register_losses(register: Callable[..., Any]) -> None:
    """Register loss functions, once at load time: ``register(name, function, domain=...)``.

    ``function(input, target, reduction="mean", ...)`` is built from registered ops, so its
    gradient needs no code of its own; ``domain`` is a custom domain drawing (input, target).
    """


@hookspec
def nanograd_register_optimizers(register: Callable[..., Any]) -> None:
    """Register optimizer classes, once at load time: ``register(name, cls)``.

    ``cls(params, lr=..., **hyper_parameters)`` follows ``nanograd.optim.Optimizer``.
    """


# -- experiment runner lifecycle: coarse events only -----------------------------------------------
#
# ``python -m nanograd.run`` calls these around training; its own progress bar, metrics writer
# and plotter are plugins on them (nanograd/run/lifecycle/). ``run`` is a ``nanograd.run.Run``:
# ``run.config``, ``run.folder`` (a ``RunFolder``, ``.path`` its directory), ``run.model``,
# ``run.optimizer``, ``run.history`` (one metrics dict per finished epoch), ``run.epoch`` (the
# last finished epoch) and ``run.console`` (``print`` to show a line and log it). Nothing is
# called per batch.


@hookspec
def nanograd_run_start(run: Any) -> None:
    """Training is about to begin (or resume after ``run.epoch``); the run folder exists."""


@hookspec(firstresult=True)
def nanograd_epoch_start(run: Any, epoch: int, batches: Iterable[Any]) -> Iterable[Any] | None:
    """Epoch ``epoch`` (counted from 1) is about to start over ``batches``.

    Return an iterable yielding the same items to wrap the batch loop (the progress bar wraps it
    in a bar over batches), or None. The first non-None result is used.
    """


@hookspec
def nanograd_epoch_end(run: Any, epoch: int, metrics: dict[str, float]) -> None:
    """Epoch ``epoch`` finished: ``metrics`` holds ``epoch``, ``train_loss``, ``val_loss`` (with
    a validation set), ``train_<name>``/``val_<name>`` for each of the experiment's metrics,
    ``lr`` and ``seconds``. A plugin may add entries (numbers); they are written to
    metrics.csv."""


@hookspec
def nanograd_run_end(run: Any, status: str, metrics: dict[str, float]) -> None:
    """The run ended with ``status`` (``completed``, ``failed`` or ``interrupted``); ``metrics``
    are the last finished epoch's (empty if none finished). The model holds that epoch's
    weights and checkpoint.npz is written. Called before summary.json is written, so files
    written here are listed in it; an exception raised here marks a completed run failed."""


@hookspec
def nanograd_run_exception(run: Any, exception: BaseException) -> None:
    """Training raised ``exception`` (``KeyboardInterrupt`` included); ``run_end`` follows."""
