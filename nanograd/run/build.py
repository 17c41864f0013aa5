"""Building a run from an experiment and a config: seeded data, model, loss and optimizer.

Every random choice comes from generators spawned from the run's one seed: the data (and its
train/validation split), the model's initial weights, the training loop's shuffling, and
nanograd.nn's default generator (used by layers given no generator, and by dropout). So the same
seed and config give the same run, and a resumed run rebuilds exactly the same data and model.

Before any training, one small batch goes through the model and the loss, so a model that does
not fit its data fails here with the shapes in the message, not deep inside epoch one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nanograd._mode import no_grad
from nanograd.lookup import UnknownName, find
from nanograd.nn.init import manual_seed
from nanograd.run.components import make_loss, make_optimizer, make_schedule
from nanograd.run.console import Console
from nanograd.run.context import Run
from nanograd.run.data import Dataset, prepare
from nanograd.run.errors import ConfigError, ExperimentError
from nanograd.run.experiment import Experiment, where_in
from nanograd.run.training import evaluate_metrics
from nanograd.tensor import Tensor

STREAMS = ("data", "model", "train", "nn")


def generators(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per stream, all from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    rngs = {
        name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)
    }
    # Layers without an explicit generator, and dropout, draw from nn's default one.
    rngs["nn"] = manual_seed(int(children[-1].generate_state(1)[0]))
    return rngs


def build(experiment: Experiment, config: dict[str, Any], seed: int, console: Console) -> Run:
    """Everything a run needs before its folder exists; raises ExperimentError on a mistake."""
    where = str(experiment.path)
    rngs = generators(seed)
    raw = experiment.call("data", config, rngs["data"])
    data = prepare(raw, config["val_fraction"], rngs["data"], where)
    model = experiment.call("model", config, rngs["model"])
    params = _parameters(model, where)
    loss = make_loss(config, where)
    optimizer = make_optimizer(params, config, where)
    run = Run(experiment, config, seed, console, data, model, optimizer, None, loss, rngs)
    names = _dry_run(run)
    run.monitor, run.mode = _monitor(config, data, names, where)
    run.schedule = make_schedule(optimizer, config, run.mode, where)
    return run


def _parameters(model: Any, where: str) -> list[Tensor]:
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise ExperimentError(
            f"{where}: model() returned a {type(model).__name__}; it must return a callable "
            "with parameters(), such as an ng.nn.Module"
        )
    params = list(model.parameters())
    if not params:
        raise ExperimentError(f"{where}: model() returned a model with no parameters to train")
    for i, p in enumerate(params):
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise ExperimentError(
                f"{where}: parameter {i} of the model is not a tensor that requires grad"
            )
    return params


def _dry_run(run: Run) -> list[str]:
    """Push two training examples through model, loss and metrics; return the metric names."""
    where = str(run.experiment.path)
    X, y = run.data.train.X[:2], run.data.train.y[:2]
    with no_grad():
        try:
            output = run.model(Tensor(X))
        except Exception as exc:
            raise ExperimentError(
                f"{where}: the model failed on a batch of inputs of shape {X.shape}: "
                f"{type(exc).__name__}: {exc}{where_in(exc, run.experiment.path)}"
            ) from exc
        if not isinstance(output, Tensor):
            raise ExperimentError(
                f"{where}: the model returned a {type(output).__name__}; it must return a Tensor"
            )
        try:
            value = run.loss(output, Tensor(y))
        except Exception as exc:
            raise ExperimentError(
                f"{where}: loss {run.config['loss']!r} failed on model output of shape "
                f"{output.shape} and targets of shape {y.shape} (dtype {y.dtype}): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    if not isinstance(value, Tensor) or value.size != 1:
        shape = getattr(value, "shape", None)
        raise ExperimentError(
            f"{where}: loss {run.config['loss']!r} gave {type(value).__name__} of shape {shape}, "
            "not a single number; use loss_options={'reduction': 'mean'}"
        )
    names = list(evaluate_metrics(run, np.asarray(output.data), y))
    return names


def _monitor(
    config: Mapping[str, Any], data: Dataset, metric_names: list[str], where: str
) -> tuple[str, str]:
    """The metric that decides the best epoch and early stopping, and its direction."""
    splits = ["train"] + (["val"] if data.val is not None else [])
    available = [f"{s}_{m}" for s in splits for m in ["loss", *metric_names]]
    monitor = config["monitor"]
    if monitor == "val_loss" and data.val is None:
        monitor = "train_loss"  # the default, when there is nothing to validate on
    try:
        find(dict.fromkeys(available, monitor), monitor, "metric", registered=False)
    except UnknownName as exc:
        raise ConfigError(
            f"{where}: monitor={monitor!r}: {exc} of this run (available: {', '.join(available)})"
        ) from None
    mode = config["mode"]
    if mode == "auto":  # the one place "auto" is decided
        mode = "min" if monitor.endswith("loss") else "max"
    return monitor, mode
