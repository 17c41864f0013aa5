"""Every registered op as a function: ``ng.ops.exp(x)``, ``ng.ops.sum(x, axis=0)``.

The functions are set as attributes of this module when plugins load (by
``nanograd.tensor.bind_ops``), so ``ng.ops.exp`` is a plain module attribute and calling it goes
straight to the op. The module ``__getattr__`` below only runs for a name that is not bound yet:
it loads plugins on first use, and names the ops that exist when asked for one that does not.
"""

from __future__ import annotations

from typing import Any

from nanograd.lookup import UnknownName, find

_LISTED = " (`python -m nanograd.plugins` lists what is loaded)"


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from nanograd import plugins

    try:
        op = find(plugins.registry().ops, name, "op", suffix=_LISTED)
    except UnknownName as exc:
        raise AttributeError(str(exc)) from None
    return op.function


def __dir__() -> list[str]:
    from nanograd import plugins

    return sorted(plugins.registry().ops)
