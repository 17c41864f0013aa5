"""Defines ``nanograd_register_ops`` and a misspelled ``nanograd_register_loss`` without
``@ng.hookimpl``: pluggy ignores both, so the plugin would register nothing without a word."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nanograd import domain


def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("never_registered", np.exp, lambda g, out, x: g * out, domain=domain.elementwise())


def nanograd_register_loss(register: Callable[..., Any]) -> None:
    pass


def nanograd_helper() -> None:
    """Named with the prefix but like no hook: not warned about."""
