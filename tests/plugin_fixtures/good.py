"""A correct op and a correct loss: what a plugin author's passing test looks like."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _cube(x: np.ndarray) -> np.ndarray:
    return x**3


def _squared_error(input: Any, target: Any, reduction: str = "mean") -> Any:
    diff = input - target
    loss = diff * diff
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _pairs(arrays: Any) -> Any:
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    shapes = hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)
    return shapes.flatmap(lambda s: arrays(s).flatmap(lambda x: arrays(s).map(
        lambda t: Case((x, t)))))  # fmt: skip


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("cube", _cube, lambda g, out, x: 3 * g * x * x, domain=domain.elementwise())


@ng.hookimpl
def nanograd_register_losses(register: Callable[..., Any]) -> None:
    register("squared_error", _squared_error, domain=domain.custom(_pairs))
