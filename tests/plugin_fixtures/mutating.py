"""Ops that write into arrays they were given: their results are right, their manners are not.

``relu_inplace`` clamps its input in place; ``double_inplace`` doubles the upstream gradient in
place to save an allocation (and ``redouble_inplace`` too, declared twice differentiable);
``positive_inplace``, a comparison, zeroes the negatives it was given; ``double_logged`` writes
its result's sum into the array it was given as parameter ``log``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _relu_inplace(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0, out=x)


def _positive_inplace(x: np.ndarray) -> np.ndarray:
    x[x < 0] = 0.0
    return x > 0


def _double(x: np.ndarray) -> np.ndarray:
    return 2 * x


def _double_logged(x: np.ndarray, log: np.ndarray) -> np.ndarray:
    out = 2 * x
    log[...] = out.sum()
    return out


def _logged_cases(arrays: Any) -> Any:
    from nanograd.domain import Case

    return arrays((2, 3)).map(lambda x: Case((x,), {"log": np.full((), -1.0)}))


def _double_grad(g: Any, out: Any, x: Any) -> Any:
    data = g.data
    data *= 2
    return ng.Tensor(data)


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register(
        "relu_inplace",
        _relu_inplace,
        lambda g, out, x: g * (out > 0),
        domain=domain.elementwise(avoid=(0.0,)),
        twice_differentiable=False,
    )
    register(
        "double_inplace",
        _double,
        _double_grad,
        domain=domain.elementwise(),
        twice_differentiable=False,
    )
    register("redouble_inplace", _double, _double_grad, domain=domain.elementwise())
    register("positive_inplace", _positive_inplace, None, differentiable=False, inputs=1)
    register(
        "double_logged",
        _double_logged,
        lambda g, out, x, log: 2 * g,
        domain=domain.custom(_logged_cases),
    )
