"""Writing a value as text that the sweep grammar reads back as the same single value.

Shared by the grammar (:mod:`nanograd.sweep.grammar`) and the samplers, which print their
arguments the same way; kept apart so neither imports the other.
"""

from __future__ import annotations

import math
from typing import Any

from nanograd.run.config import parse_literal

_BARE_UNSAFE = set(",()[]{}'\"\\#")


def format_value(value: Any) -> str:
    """``value`` as text that :func:`parse_value` reads back as the same single value.

    Plain words stay bare (``sgd``, not ``'sgd'``); everything else is a Python literal.
    """
    if isinstance(value, str) and _bare(value):
        return value
    return _literal(value)


def _bare(word: str) -> bool:
    return (
        bool(word)
        and word == word.strip()
        and not _BARE_UNSAFE.intersection(word)
        and parse_literal(word) == word
    )


def _literal(value: Any) -> str:
    """``repr`` that ``ast.literal_eval`` reads back, infinities included (as 1e999)."""
    if isinstance(value, float) and math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)
