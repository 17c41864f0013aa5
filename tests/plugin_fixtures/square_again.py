"""Registers an op named ``squared`` too: loaded with ``square``, the names collide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("squared", np.square, lambda g, out, x: 2.0 * g * x, domain=domain.elementwise())
