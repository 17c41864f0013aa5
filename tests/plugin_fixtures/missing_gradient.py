"""Declares a differentiable op without its gradient (vjp=None)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nanograd as ng
from nanograd import domain


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("cube", lambda x: x**3, None, domain=domain.elementwise())
