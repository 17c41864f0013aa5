"""Registers an op named ``add``, which nanograd_std already registers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("add", np.add, (lambda g, out, x, y: g, lambda g, out, x, y: g),
             domain=domain.broadcast())  # fmt: skip
