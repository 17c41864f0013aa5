"""Finding a thing a user named (an op, a loss, an optimizer, a schedule, a config key), with a
did-you-mean hint when there is none of that name.

Every such lookup in nanograd goes through :func:`find` and fails with :class:`UnknownName`, a
``LookupError``. A caller whose interface promises another error translates it where it must:
``ng.ops.exq`` is an ``AttributeError``, an unknown optimizer in a run's config a ``ConfigError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """``"; did you mean 'lr'?"`` for the closest choices, or ``""`` when none is close."""
    import difflib  # for a mistake only: not imported by every script that never makes one

    close = difflib.get_close_matches(str(word), sorted(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


class UnknownName(LookupError):
    """No ``kind`` named ``name``: the message says so, with the closest names if any are close.

    ``kind``, ``name`` and ``choices`` (every valid name, sorted) are kept for a caller that
    words its own error.
    """

    def __init__(self, kind: str, name: object, choices: Iterable[str], message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.choices = sorted(choices)


def find(
    table: Mapping[str, T],
    name: str,
    kind: str,
    *,
    registered: bool = True,
    fold_case: bool = False,
    suffix: str = "",
) -> T:
    """``table[name]``, or :class:`UnknownName`.

    The message reads ``no loss named 'msee' is registered; did you mean 'mse'?`` for a registry
    (``registered=True``) and ``unknown schedule 'cosin'; did you mean 'cosine'?`` otherwise,
    followed by ``suffix``. ``fold_case`` also accepts the name in another case (``ADAM``).
    """
    if name in table:
        return table[name]
    word = name
    if fold_case and isinstance(name, str):
        lowered = {key.lower(): key for key in table}
        key = lowered.get(name.lower())
        if key is not None:
            return table[key]
        word = name.lower()
    hint = did_you_mean(word, table)
    if not hint and suffix.startswith(" ") and not suffix.startswith(" ("):
        hint = "."  # the suffix is a sentence of its own
    head = f"no {kind} named {name!r} is registered" if registered else f"unknown {kind} {name!r}"
    raise UnknownName(kind, name, table, f"{head}{hint}{suffix}")
