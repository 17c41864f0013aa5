"""The hooks a nanograd plugin can implement.

Registration hooks are called once, when plugins load, with a ``register`` callback: the host
owns the tables, checks each declaration and records which plugin made it, so an error can name
the plugin. Nothing here is called per operation: a pluggy call costs about a microsecond, more
than a NumPy op on a small array. The experiment runner's lifecycle hooks are specified in
:mod:`nanograd.run.hookspecs`; both sets are known to the plugin manager before any plugin is
checked, so a plugin may implement either.
"""

from __future__ import annotations

import pluggy

from nanograd.contract import RegisterLoss, RegisterOp, RegisterOptimizer

hookspec = pluggy.HookspecMarker("nanograd")
hookimpl = pluggy.HookimplMarker("nanograd")


@hookspec
def nanograd_register_ops(register: RegisterOp) -> None:
    """Register operations, once at load time: ``register(name, forward, vjp, domain=...)`` for
    each op. :class:`~nanograd.contract.RegisterOp` says what it accepts."""


@hookspec
def nanograd_register_losses(register: RegisterLoss) -> None:
    """Register loss functions, once at load time: ``register(name, function, domain=...)``.
    :class:`~nanograd.contract.RegisterLoss` says what it accepts."""


@hookspec
def nanograd_register_optimizers(register: RegisterOptimizer) -> None:
    """Register optimizer classes, once at load time: ``register(name, cls)``.
    :class:`~nanograd.contract.RegisterOptimizer` says what it accepts."""
