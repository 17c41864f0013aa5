"""Optimizers: the :class:`Optimizer` base here, the algorithms from plugins.

``ng.optim.SGD``, ``ng.optim.Adam``, ... are the classes the plugins registered, found by class
name; ``ng.optim.create("adam", params, lr=1e-3)`` builds any registered optimizer by its
registered name, a third-party plugin's included. Schedules are in
:mod:`nanograd.optim.lr_scheduler`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nanograd.lookup import UnknownName, find
from nanograd.optim import checks
from nanograd.optim.optimizer import Optimizer, ParamsT

if TYPE_CHECKING:  # imported on first use (below): the optimizers' plugin loads without it
    from nanograd.optim import lr_scheduler


def _registered() -> dict[str, Any]:
    from nanograd import plugins

    return plugins.registry().optimizers


def available() -> list[str]:
    """The registered optimizer names, sorted."""
    return sorted(_registered())


def get(name: str) -> type[Optimizer]:
    """The optimizer class registered as ``name`` (an error with suggestions if none is)."""
    from nanograd.losses import registered_names

    table = _registered()
    try:
        found = find(table, name, "optimizer", fold_case=True, suffix=registered_names(table))
    except UnknownName as exc:
        raise ValueError(str(exc)) from None
    cls: type[Optimizer] = found.cls
    return cls


def create(name: str, params: ParamsT, **kwargs: Any) -> Optimizer:
    """Build the optimizer registered as ``name``: ``create("sgd", model.parameters(), lr=0.1)``.

    Keyword arguments are its hyper-parameters; a misspelled one is an error naming the
    optimizer and what it accepts.
    """
    cls = get(name)
    checks.keywords(f"optimizer {name!r} ({cls.__name__})", cls, kwargs)
    return cls(params, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "lr_scheduler":  # importing it makes it this module's attribute
        return importlib.import_module("nanograd.optim.lr_scheduler")
    # ng.optim.Adam: the registered class whose class name this is.
    if name.startswith("_") or not name[:1].isupper():
        raise AttributeError(f"module 'nanograd.optim' has no attribute {name!r}")
    classes = {getattr(d.cls, "__name__", ""): d.cls for d in _registered().values()}
    try:
        return find(classes, name, "registered optimizer class", registered=False)
    except UnknownName as exc:
        raise AttributeError(str(exc)) from None


def __dir__() -> list[str]:
    classes = [getattr(d.cls, "__name__", "") for d in _registered().values()]
    return sorted({*globals(), "lr_scheduler", *classes})


__all__ = ["Optimizer", "ParamsT", "available", "checks", "create", "get", "lr_scheduler"]
