"""The optimizer, learning-rate schedule and loss a config names, looked up by registered name.

Losses and optimizers come from the plugin registry, so one from a third-party plugin is used by
naming it in the config, with no code change. An unknown name is a config error with a
did-you-mean suggestion drawn from what is actually registered.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nanograd import plugins
from nanograd.lookup import UnknownName, find
from nanograd.run.errors import ConfigError


def _registered(kind: str, name: str, table: Mapping[str, Any], where: str) -> Any:
    known = ", ".join(sorted(table)) or "none"
    suffix = f" (registered: {known}; `python -m nanograd.plugins` shows which plugin gives each)"
    try:
        return find(table, name, kind, suffix=suffix)
    except UnknownName as exc:
        raise ConfigError(f"{where}: {exc}") from None


def make_loss(config: Mapping[str, Any], where: str) -> Callable[[Any, Any], Any]:
    """``loss(output, target)`` for ``config["loss"]`` with ``config["loss_options"]``."""
    loss = _registered("loss", config["loss"], plugins.registry().losses, where)
    options = dict(config["loss_options"])
    return functools.partial(loss.function, **options) if options else loss.function


def make_optimizer(params: Sequence[Any], config: Mapping[str, Any], where: str) -> Any:
    """The optimizer ``config["optimizer"]`` over ``params`` with ``lr`` and its options."""
    opt = _registered("optimizer", config["optimizer"], plugins.registry().optimizers, where)
    options = dict(config["optimizer_options"])
    try:
        return opt.cls(list(params), lr=config["lr"], **options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: optimizer {config['optimizer']!r} (plugin {opt.plugin!r}) rejected "
            f"lr={config['lr']!r} and optimizer_options={options!r}: {exc}"
            f"{_accepted(opt.cls, skip=('params', 'lr'))}"
        ) from exc


def _accepted(factory: Any, skip: Sequence[str] = ()) -> str:
    """``" (it accepts momentum, nesterov)"``: the keyword arguments ``factory`` takes."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return ""
    names = [
        p.name for p in parameters
        if p.name not in skip and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]  # fmt: skip
    return f" (it accepts {', '.join(names)})" if names else " (it accepts no options)"


def make_schedule(optimizer: Any, config: Mapping[str, Any], mode: str, where: str) -> Any:
    """The schedule ``config["schedule"]`` stepping ``optimizer`` once per epoch, or None.

    ``mode`` is the run's resolved direction of its monitored metric (``"min"`` or ``"max"``).
    """
    name = config["schedule"]
    if name is None:
        return None
    lr_scheduler = importlib.import_module("nanograd.optim.lr_scheduler")
    try:
        lr_scheduler.schedule_class(name)
    except UnknownName as exc:
        raise ConfigError(f"{where}: {exc} (or None for no schedule)") from None
    options = {**schedule_defaults(name, config, mode), **config["schedule_options"]}
    try:
        return lr_scheduler.create(name, optimizer, **options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: schedule {name!r} rejected schedule_options={options!r}: {exc}"
        ) from exc


def schedule_defaults(name: str, config: Mapping[str, Any], mode: str) -> dict[str, Any]:
    """Arguments that follow from the run: cosine annealing and a linear ramp span all epochs,
    and plateau watches the monitored metric in the run's direction ``mode``."""
    if name == "cosine":
        return {"T_max": config["epochs"]}
    if name == "linear":
        return {"total_iters": config["epochs"]}
    if name == "plateau":
        return {"mode": mode}
    return {}


def current_lr(optimizer: Any) -> float:
    """The first parameter group's learning rate (what the epoch trained with)."""
    groups = getattr(optimizer, "param_groups", None)
    if groups:
        return float(groups[0]["lr"])
    return float(getattr(optimizer, "lr", float("nan")))
