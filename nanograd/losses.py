"""Every registered loss as a function: ``ng.losses.cross_entropy(logits, labels)``.

Losses come from plugins (``nanograd_register_losses``); this namespace reaches each one by its
registered name, a third-party plugin's included, loading plugins on first use.
"""

from __future__ import annotations

from typing import Any

from nanograd.lookup import UnknownName, find


def _table() -> dict[str, Any]:
    from nanograd import plugins

    return plugins.registry().losses


def available() -> list[str]:
    """The registered loss names, sorted."""
    return sorted(_table())


def get(name: str) -> Any:
    """The loss function registered as ``name``; an error with suggestions if none is."""
    table = _table()
    try:
        return find(table, name, "loss", suffix=registered_names(table)).function
    except UnknownName as exc:
        raise ValueError(str(exc)) from None


def registered_names(table: dict[str, Any]) -> str:
    """The end of an unknown-name message: what is registered, and where to look for more."""
    return (
        f" Registered: {', '.join(sorted(table)) or 'none'} "
        "(`python -m nanograd.plugins` lists plugins)"
    )


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return get(name)
    except ValueError as exc:
        raise AttributeError(str(exc)) from None


def __dir__() -> list[str]:
    return sorted({*globals(), *_table()})
