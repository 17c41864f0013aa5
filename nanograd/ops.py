"""Every registered op as a function: ``ng.ops.exp(x)``, ``ng.ops.sum(x, axis=0)``.

The functions are bound once, when plugins load; calling one goes straight to the op.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    from nanograd import plugins

    ops = plugins.registry().ops
    op = ops.get(name)
    if op is None:
        if name.startswith("__"):
            raise AttributeError(name)
        import difflib

        close = difflib.get_close_matches(name, list(ops), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise AttributeError(
            f"no op named {name!r} is registered{hint} "
            "(`python -m nanograd.plugins` lists what is loaded)"
        )
    return op.function


def __dir__() -> list[str]:
    from nanograd import plugins

    return sorted(plugins.registry().ops)
