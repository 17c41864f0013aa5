"""``square_detached``: x ** 2 whose vjp computes 2x on ``.data``.

The first derivative is right; ``create_graph=True`` cannot see through ``.data``, so the
second derivative comes out as zero instead of 2 g.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _grad(g: Any, out: Any, x: Any) -> Any:
    return g * (2 * np.asarray(x.data))


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("square_detached", np.square, _grad, domain=domain.elementwise())
