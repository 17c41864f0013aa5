"""nanograd's standard library of ops, losses and optimizers, loaded like any other plugin.

It uses only the public plugin API: the hooks in ``nanograd.hookspecs`` and the ``register``
callbacks they receive. Each module below registers one family.
"""

from __future__ import annotations

import nanograd as ng
from nanograd.contract import RegisterLoss, RegisterOp, RegisterOptimizer
from nanograd_std import (
    activations,
    arithmetic,
    comparison,
    decompositions,
    einsum,
    indexing,
    joining,
    linalg,
    losses,
    matrix,
    norms,
    optimizers,
    products,
    rearranging,
    reductions,
    rounding,
    scans,
    selection,
    shape,
    sorting,
    trigonometric,
    unary,
)

_OP_MODULES = (
    arithmetic,
    comparison,
    unary,
    trigonometric,
    rounding,
    activations,
    reductions,
    scans,
    sorting,
    products,
    einsum,
    linalg,
    decompositions,
    norms,
    matrix,
    shape,
    rearranging,
    joining,
    indexing,
    selection,
)


@ng.hookimpl
def nanograd_register_ops(register: RegisterOp) -> None:
    for module in _OP_MODULES:
        module.register_ops(register)


@ng.hookimpl
def nanograd_register_losses(register: RegisterLoss) -> None:
    losses.register_losses(register)


@ng.hookimpl
def nanograd_register_optimizers(register: RegisterOptimizer) -> None:
    optimizers.register_optimizers(register)
