"""``half_detached_mse``: (x - t)² with x detached in one factor.

The gradient with respect to the input x is half what it should be; the one with respect to the
target t is right, so a report must name input 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nanograd as ng


def _loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    loss = (input - target) * (ng.as_tensor(input).detach() - target)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@ng.hookimpl
def nanograd_register_losses(register: Callable[..., Any]) -> None:
    register("half_detached_mse", _loss)
