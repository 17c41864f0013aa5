"""A plugin whose registration hook raises before registering anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nanograd as ng


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    raise RuntimeError("the op table could not be built")
