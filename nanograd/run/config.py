"""The run's config: the runner's own keys, the experiment's defaults, and command-line overrides.

A config is one flat dict. The runner's keys (epochs, lr, optimizer, ...) have defaults here that
an experiment's ``config`` may change; the experiment may add keys of its own, whose type is the
type of their default. Overrides come from the command line as ``key=value`` with the value a
Python literal, parsed with :func:`ast.literal_eval` (never ``eval``); a bare word that is not a
literal is taken as a string, so ``optimizer=adam`` works unquoted. ``key.sub=value`` sets one
entry of a dict-valued key, e.g. ``optimizer_options.momentum=0.9``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nanograd.lookup import UnknownName, find
from nanograd.run.errors import ConfigError

NoneType = type(None)


@dataclass(frozen=True)
class Option:
    """One key the runner understands: its default, the types it accepts, and what it does."""

    default: Any
    types: tuple[type, ...]
    help: str


RUNNER_OPTIONS: dict[str, Option] = {
    "epochs": Option(100, (int,), "passes over the training set"),
    "batch_size": Option(32, (int, NoneType), "examples per step; None for the whole set"),
    "optimizer": Option("adam", (str,), "registered optimizer name: sgd, adam, adamw, ..."),
    "lr": Option(1e-3, (float,), "learning rate"),
    "optimizer_options": Option(
        {}, (dict,), "more optimizer arguments, e.g. optimizer_options.momentum=0.9"
    ),
    "schedule": Option(
        None, (str, NoneType), "step, exponential, cosine, warmup, linear, plateau or None"
    ),
    "schedule_options": Option({}, (dict,), "schedule arguments, e.g. schedule_options.gamma=0.5"),
    "loss": Option("mse", (str,), "registered loss name: mse, bce, cross_entropy, hinge, ..."),
    "loss_options": Option({}, (dict,), "more loss arguments, e.g. loss_options.delta=0.5"),
    "l2": Option(0.0, (float,), "adds l2 * (sum of squared parameters) to the training loss"),
    "clip_grad_norm": Option(None, (float, NoneType), "clip the gradient norm before each step"),
    "val_fraction": Option(0.2, (float,), "share held out for validation when data() gives (X, y)"),
    "shuffle": Option(True, (bool,), "reshuffle the training set every epoch"),
    "monitor": Option("val_loss", (str,), "metric for early stopping and best.npz"),
    "mode": Option("auto", (str,), "min or max for monitor; auto: min for losses, else max"),
    "patience": Option(None, (int, NoneType), "epochs without improvement before stopping"),
    "min_delta": Option(0.0, (float,), "smallest change of monitor that counts as improvement"),
    "blas_threads": Option(
        1, (int, NoneType), "threads for NumPy's matrix products; None: the library's default"
    ),
    "compile": Option(
        False, (bool,), "trace the training step once per batch shape, then replay it (ng.compile)"
    ),
}


def runner_defaults() -> dict[str, Any]:
    """A fresh dict of the runner's default config."""
    return {key: _copy(opt.default) for key, opt in RUNNER_OPTIONS.items()}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _type_name(types: Sequence[type]) -> str:
    names = ["None" if t is NoneType else t.__name__ for t in types]
    return " or ".join(names)


def _expected_types(key: str, default: Any) -> tuple[type, ...] | None:
    """The types a key accepts: declared for runner keys, the default's type otherwise.

    None means anything goes (an experiment key whose default is None).
    """
    option = RUNNER_OPTIONS.get(key)
    if option is not None:
        return option.types
    if default is None:
        return None
    return (type(default),)


def coerce(key: str, value: Any, types: tuple[type, ...] | None, where: str) -> Any:
    """``value`` as one of ``types``, or a :class:`ConfigError` naming ``key`` and the types.

    An int is accepted where a float is expected (``lr=1`` means 1.0) and a tuple where a list
    is; a bool is never taken for a number.
    """
    if types is None:
        return value
    if isinstance(value, bool):
        if bool in types:
            return value
    elif isinstance(value, int) and int in types:
        return value
    elif isinstance(value, (int, float)) and float in types:
        return float(value)
    elif isinstance(value, tuple) and list in types:
        return list(value)
    elif isinstance(value, list) and tuple in types:
        return tuple(value)
    elif type(value) in types:
        return value
    example = _example(types)
    raise ConfigError(
        f"{where}: config key {key!r} expects {_type_name(types)}, got "
        f"{type(value).__name__} {shown(value)}{example}"
    )


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut short in the middle when long: a message names the value, it need
    not hold five thousand digits of it."""
    text = repr(value)
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} ... {text[-half:]} ({len(text)} characters)"


def _example(types: Sequence[type]) -> str:
    samples = {int: "10", float: "0.01", str: "adam", bool: "True", list: "[16, 16]",
               dict: "{'momentum': 0.9}", tuple: "(1, 2)"}  # fmt: skip
    for t in types:
        if t in samples:
            return f" (for example {samples[t]})"
    return ""


def parse_literal(text: str) -> Any:
    """A Python literal from the command line; a bare word that is no literal stays a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["lr=0.1", "hidden=[8, 8]"]`` as ``{"lr": 0.1, "hidden": [8, 8]}``, in order given."""
    return {key: parse_literal(text) for key, text in split_overrides(items).items()}


def split_overrides(items: Sequence[str]) -> dict[str, str]:
    """``["lr=0.1"]`` as ``{"lr": "0.1"}``: each key with its value's text, in order given."""
    overrides: dict[str, str] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(
                f"override {shown(item)} is not of the form key=value (e.g. lr=0.01 or "
                "hidden='[16, 16]'); quote a value that contains spaces"
            )
        if key in overrides:
            raise ConfigError(
                f"override {key!r} is given twice ({key}={shown(overrides[key])[1:-1]} and "
                f"{key}={shown(text)[1:-1]}); give each key once (a sweep lists values with "
                f"commas: {key}=a,b)"
            )
        overrides[key] = text
    return overrides


def _check_plain(key: str, value: Any, where: str) -> None:
    """Config values are written to config.json, so they must be plain JSON-like data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_plain(key, item, where)
        return
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise ConfigError(
                    f"{where}: config key {key!r} has a dict with non-string key {k!r}"
                )
            _check_plain(key, item, where)
        return
    raise ConfigError(
        f"{where}: config key {key!r} holds a {type(value).__name__} ({shown(value)}); config "
        "values are numbers, strings, booleans, None, lists, tuples or dicts of them"
    )


def check_config(config: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The experiment's ``config`` merged over the runner's defaults, with types checked."""
    resolved = runner_defaults()
    for key, value in config.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise ConfigError(f"{where}: config key {key!r} must be an identifier string")
        _check_plain(key, value, where)
        option = RUNNER_OPTIONS.get(key)
        resolved[key] = coerce(key, value, option.types if option else None, where)
    _check_values(resolved, where)
    return resolved


def apply_overrides(
    config: Mapping[str, Any], overrides: Mapping[str, Any], where: str = "command line"
) -> dict[str, Any]:
    """``config`` with ``overrides`` applied; unknown keys and wrong types are errors."""
    resolved: dict[str, Any] = _copy(dict(config))
    for key, value in overrides.items():
        _check_plain(key, value, where)
        head, _, sub = key.partition(".")
        try:
            find(resolved, head, "config key", registered=False)
        except UnknownName as exc:
            raise ConfigError(f"{where}: {exc} (--print-config lists every key)") from None
        if sub:
            target = resolved[head]
            if not isinstance(target, dict):
                raise ConfigError(
                    f"{where}: {key!r} sets an entry of {head!r}, but {head!r} is "
                    f"{type(target).__name__}, not a dict"
                )
            target[sub] = value
            continue
        resolved[head] = coerce(head, value, _expected_types(head, config[head]), where)
    _check_values(resolved, where)
    return resolved


def _check_values(config: Mapping[str, Any], where: str) -> None:
    """Value checks that types alone cannot make."""

    def positive(key: str) -> None:
        value = config[key]
        if value is not None and value <= 0:
            raise ConfigError(f"{where}: {key} must be positive, got {value!r}")

    for key in ("epochs", "batch_size", "lr", "clip_grad_norm", "blas_threads"):
        positive(key)
    if config["patience"] is not None and config["patience"] < 1:
        raise ConfigError(
            f"{where}: patience must be at least 1 (or None), got {config['patience']}"
        )
    if not 0.0 <= config["val_fraction"] < 1.0:
        raise ConfigError(
            f"{where}: val_fraction must be in [0, 1), got {config['val_fraction']!r}"
        )
    if config["mode"] not in ("auto", "min", "max"):
        raise ConfigError(f"{where}: mode must be 'auto', 'min' or 'max', got {config['mode']!r}")
    if config["l2"] < 0:
        raise ConfigError(f"{where}: l2 must be zero or positive, got {config['l2']!r}")


def format_config(config: Mapping[str, Any]) -> str:
    """The config as ``key = value`` lines, runner keys first, values as Python literals."""
    width = max((len(k) for k in config), default=0)
    lines = [f"{key:<{width}} = {config[key]!r}" for key in config]
    return "\n".join(lines)
