"""Declares an op whose second input has no gradient (its vjp is None)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nanograd as ng
from nanograd import domain


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register(
        "scale_by",
        lambda x, s: x * s,
        (lambda g, out, x, s: g * s, None),
        domain=domain.broadcast(),
    )
