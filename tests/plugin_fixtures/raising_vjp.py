"""Ops whose gradient raises: ``lopsided_mul``'s vjp for its second input, at first order, and
``rough_square``'s only when it is differentiated again (it calls a helper op, ``snap``, whose
own vjp is not written)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _second_grad(g: Any, out: Any, x: Any, y: Any) -> Any:
    raise ValueError("no gradient for the second factor yet")


def _snap_grad(g: Any, out: Any, x: Any) -> Any:
    raise NotImplementedError("snap has no gradient")


def _square(x: np.ndarray) -> np.ndarray:
    return x * x


def _square_grad(g: Any, out: Any, x: Any) -> Any:
    return 2 * g * ng.ops.snap(x)


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register(
        "lopsided_mul",
        np.multiply,
        (lambda g, out, x, y: g * y, _second_grad),
        domain=domain.broadcast(),
    )
    register("snap", np.positive, _snap_grad, domain=domain.elementwise())
    register("rough_square", _square, _square_grad, domain=domain.elementwise())
