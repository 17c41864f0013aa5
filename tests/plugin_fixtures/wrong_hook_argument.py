"""Implements ``nanograd_register_ops`` with an argument the hook does not pass."""

from __future__ import annotations

from typing import Any

import nanograd as ng


@ng.hookimpl
def nanograd_register_ops(registrar: Any) -> None:
    pass
