"""Elementwise functions of one tensor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nanograd import domain

Register = Callable[..., Any]


def register_ops(register: Register) -> None:
    register("neg", np.negative, lambda g, out, x: -g, domain=domain.elementwise())
    register("exp", np.exp, lambda g, out, x: g * out, domain=domain.elementwise(), method=True)
    register("log", np.log, lambda g, out, x: g / x, domain=domain.elementwise(0.1, 5.0),
             method=True)
    register("tanh", np.tanh, lambda g, out, x: g * (1 - out * out),
             domain=domain.elementwise(), method=True)
