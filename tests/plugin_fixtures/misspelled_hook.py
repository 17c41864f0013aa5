"""Implements ``nanograd_register_op`` (no s): a hook nanograd does not define."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nanograd as ng


@ng.hookimpl
def nanograd_register_op(register: Callable[..., Any]) -> None:
    pass
