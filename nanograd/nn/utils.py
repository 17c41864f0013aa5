"""Gradient clipping (between ``backward()`` and ``optimizer.step()``), and calling a module
with some of its parameters swapped for other tensors."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from nanograd.nn.module import Module
from nanograd.tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients so that their joint ``norm_type`` norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated; it is returned (before
    clipping) as a 0-d tensor. As in PyTorch the scale is ``max_norm / (norm + 1e-6)``, applied
    only when below 1.
    """
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if norm_type <= 0 and not math.isinf(norm_type):
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    params = _grads(parameters)
    if not params:
        return Tensor(0.0)
    grads = [p.grad.data for p in params]  # type: ignore[union-attr]
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for g in grads) ** (
            1.0 / norm_type
        )
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total gradient norm of order {norm_type} is {total}; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            grad = p.grad
            assert grad is not None
            # A new array, not an in-place write: a gradient array may be shared.
            grad.data = grad.data * coef
    return Tensor(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient element to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _grads(parameters):
        grad = p.grad
        assert grad is not None
        grad.data = np.clip(grad.data, -clip_value, clip_value)


def functional_call(
    module: Module, tensors: Mapping[str, Tensor], *args: Any, **kwargs: Any
) -> Any:
    """``module(*args, **kwargs)`` with the parameters or buffers named in ``tensors`` (dotted
    names, as ``named_parameters()`` gives) replaced by those tensors for this one call.

    The output is then a function of the given tensors: for checking a model's gradients with
    ``ng.gradcheck``, or for computing with candidate weights without touching the model's.
    """
    swapped: list[tuple[dict[str, Any], str, Any]] = []
    try:
        for name, value in tensors.items():
            owner_name, _, attr = name.rpartition(".")
            owner = module.get_submodule(owner_name)
            if attr in owner._parameters:
                table: dict[str, Any] = owner._parameters
            elif attr in owner._buffers:
                table = owner._buffers
            else:
                raise KeyError(
                    f"functional_call: {type(module).__name__} has no parameter or buffer "
                    f"{name!r}; see named_parameters()"
                )
            swapped.append((table, attr, table[attr]))
            table[attr] = value
        return module(*args, **kwargs)
    finally:
        for table, attr, original in reversed(swapped):
            table[attr] = original
