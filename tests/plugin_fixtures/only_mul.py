"""Registers ``mul`` and nothing else: none of the ops the engine itself calls."""

from __future__ import annotations

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp


@ng.hookimpl
def nanograd_register_ops(register: RegisterOp) -> None:
    register("mul", np.multiply, (lambda g, out, x, y: g * y, lambda g, out, x, y: g * x),
             domain=domain.broadcast())  # fmt: skip
