"""What a ``key=value`` on the command line asks for: one value, a list of values, or a sampler.

A comma at the top level of a value separates alternatives (``lr=0.3,0.1,0.03``); a comma inside
brackets or quotes does not (``hidden=[16,16],[32,32]`` is two lists, ``name='a,b'`` one
string). Each alternative is read as the runner reads a single value: a Python literal, or a bare
word taken as a string. A value that is a whole ``uniform(...)``, ``loguniform(...)``,
``randint(...)`` or ``choice(...)`` is a sampler for random search. Text whose brackets or quotes
do not balance is one value, as it always was (``title=it's`` is the string ``it's``).

:func:`format_values` writes values back so that :func:`parse_value` reads the same values again,
and writes plain words bare, so a run's repeat command reads as a person would type it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nanograd.run.config import parse_literal
from nanograd.run.errors import ConfigError
from nanograd.sweep.literals import format_value as format_value  # re-exported
from nanograd.sweep.samplers import SAMPLERS, Sampler

_CALL = re.compile(r"^([A-Za-z_]\w*)\((.*)\)$", re.S)
_OPENING, _CLOSING = "([{", ")]}"


@dataclass(frozen=True)
class Choices:
    """The alternatives one key takes: a single value (a plain override) or a grid axis."""

    values: tuple[Any, ...]

    @property
    def swept(self) -> bool:
        return len(self.values) > 1


def split_top_level(text: str) -> list[str] | None:
    """``text`` cut at the commas outside brackets and quotes; None when they do not balance."""
    parts: list[str] = []
    depth, quote, start, i = 0, "", 0, 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1  # the escaped character cannot close the string
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth -= 1
            if depth < 0:
                return None
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    if quote or depth:
        return None
    parts.append(text[start:])
    return parts


def parse_value(key: str, text: str) -> Choices | Sampler:
    """The alternatives (or the sampler) that ``key=text`` asks for."""
    parts = split_top_level(text)
    if parts is None or len(parts) == 1:
        sampler = _sampler(key, text.strip()) if parts is not None else None
        return sampler if sampler is not None else Choices((parse_literal(text),))
    values: list[Any] = []
    for part in parts:
        piece = part.strip()
        if not piece:
            raise ConfigError(
                f"{key}={text}: an empty value between commas; a comma separates values to "
                f"sweep (lr=0.1,0.01), and a tuple is written in parentheses: {key}='(1, 2)'"
            )
        if _sampler(key, piece) is not None:
            raise ConfigError(
                f"{key}={text}: a sampler such as {piece} must be the whole value, not one of "
                "several separated by commas"
            )
        values.append(parse_literal(piece))
    _check_distinct(key, text, values)
    return Choices(tuple(values))


def _sampler(key: str, text: str) -> Sampler | None:
    match = _CALL.match(text)
    if match is None or match.group(1) not in SAMPLERS:
        return None
    name, inner = match.groups()
    parts = split_top_level(inner) if inner.strip() else []
    if parts is None or any(not p.strip() for p in parts):
        raise ConfigError(f"{key}={text}: the arguments of {name}() are not a list of values")
    return SAMPLERS[name].make(key, [parse_literal(p.strip()) for p in parts])


def _check_distinct(key: str, text: str, values: Sequence[Any]) -> None:
    seen: set[str] = set()
    for value in values:
        identity = f"{type(value).__name__}:{format_value(value)}"
        if identity in seen:
            raise ConfigError(f"{key}={text}: the value {format_value(value)} is given twice")
        seen.add(identity)


def format_values(values: Sequence[Any]) -> str:
    """The alternatives as one comma-separated value: ``0.1,0.01`` or ``[16, 16],[32, 32]``."""
    return ",".join(format_value(v) for v in values)
