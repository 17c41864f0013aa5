"""Registration calls that a type checker refuses: each line marked ``wrong`` is a mypy error.

Never loaded as a plugin; ``tests/test_contract_types.py`` runs mypy on this file.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterLoss, RegisterOp, RegisterOptimizer


def cube(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return x**3


@ng.hookimpl
def nanograd_register_ops(register: RegisterOp) -> None:
    register("cube", cube, lambda g, out, x: 3 * g * x * x, domian=domain.elementwise())  # wrong
    register("cube2", cube)  # wrong: the gradient argument is missing
    register("cube3", cube, lambda g, out, x: g, domain="elementwise")  # wrong: not a Domain
    register(3, cube, lambda g, out, x: g, domain=domain.elementwise())  # wrong: name not a str


@ng.hookimpl
def nanograd_register_losses(register: RegisterLoss) -> None:
    register("cubed_error", lambda x, y: ((x - y) ** 3).sum(), reduction="mean")  # wrong


@ng.hookimpl
def nanograd_register_optimizers(register: RegisterOptimizer) -> None:
    register("still", object, lr=0.1)  # wrong: hyper-parameters are not registered
