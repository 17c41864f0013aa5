"""``double_sq``: 2 x whose vjp returns 2 g * g.

Right for every upstream gradient made of zeros and ones (one-hot vectors, or the ones that
``sum()`` sends back), wrong for any other: only a random upstream gradient catches it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _double(x: np.ndarray) -> np.ndarray:
    return 2 * x


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("double_sq", _double, lambda g, out, x: 2 * g * g, domain=domain.elementwise())
