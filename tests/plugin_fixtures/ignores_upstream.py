"""``total``: the sum of all elements whose vjp returns ones, ignoring the upstream gradient.

Every one-hot upstream gradient of a one-element output is 1, so the Jacobian built from them
is right; only a random upstream gradient shows the fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _grad(g: Any, out: Any, x: Any) -> Any:
    return x * 0 + 1  # the bug: not g * 1


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("total", np.sum, _grad, domain=domain.elementwise())
