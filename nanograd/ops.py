"""Every registered op as a function: ``ng.ops.exp(x)``, ``ng.ops.sum(x, axis=0)``.

The functions are set as attributes of this module when plugins load (by
``nanograd.tensor.bind_ops``), so ``ng.ops.exp`` is a plain module attribute and calling it goes
straight to the op. The module ``__getattr__`` below only runs for a name that is not bound yet:
it loads plugins on first use, and names the ops that exist when asked for one that does not.
"""

from __future__ import annotations

from typing import Any

from nanograd._suggest import did_you_mean


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from nanograd import plugins

    ops = plugins.registry().ops
    op = ops.get(name)
    if op is None:
        hint = did_you_mean(name, ops)
        raise AttributeError(
            f"no op named {name!r} is registered{hint} "
            "(`python -m nanograd.plugins` lists what is loaded)"
        )
    return op.function


def __dir__() -> list[str]:
    from nanograd import plugins

    return sorted(plugins.registry().ops)
