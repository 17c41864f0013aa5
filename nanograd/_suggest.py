"""Did-you-mean hints for names a user typed: ops, losses, optimizers, config keys."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """``"; did you mean 'lr'?"`` for the closest choices, or ``""`` when none is close."""
    close = difflib.get_close_matches(str(word), sorted(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
