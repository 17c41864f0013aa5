"""A valid plugin: one op (with a Tensor method), one loss and one optimizer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register(
        "squared",
        np.square,
        lambda g, out, x: 2.0 * g * x,
        domain=domain.elementwise(),
        method=True,
        doc="x ** 2, elementwise.",
    )


def half_sse(input: Any, target: Any) -> Any:
    """Half the sum of squared errors."""
    return 0.5 * ng.ops.squared(input - target).sum()


@ng.hookimpl
def nanograd_register_losses(register: Callable[..., Any]) -> None:
    register("half_sse", half_sse)


class Still:
    """An optimizer that leaves every parameter where it is."""

    def __init__(self, params: Any, lr: float = 0.0) -> None:
        self.params = list(params)

    def step(self) -> None:
        pass


@ng.hookimpl
def nanograd_register_optimizers(register: Callable[..., Any]) -> None:
    register("still", Still)
