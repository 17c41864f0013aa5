"""The hooks a nanograd plugin can implement.

Registration hooks are called once, when plugins load, with a ``register`` callback: the host
owns the tables, checks each declaration and records which plugin made it, so an error can name
the plugin. Nothing here is called per operation: a pluggy call costs about a microsecond, more
than a NumPy op on a small array. The experiment runner's lifecycle hooks are specified in
:mod:`nanograd.run.hookspecs`; both sets are known to the plugin manager before any plugin is
checked, so a plugin may implement either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("nanograd")
hookimpl = pluggy.HookimplMarker("nanograd")


@hookspec
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    """Register operations, once at load time.

    Call ``register(name, forward, vjp, domain=..., method=..., kink=...)`` for each op:
    ``forward(*arrays, **params)`` computes the result with NumPy; ``vjp`` is one function per
    tensor input, ``vjp(g, out, *inputs, **params)``, returning that input's gradient as a
    Tensor expression (so it is differentiable again); ``domain`` (see ``nanograd.domain``)
    says where the property suite draws inputs from. ``composite=True`` registers a function
    of tensors made of other ops (no vjp); ``outputs=(...)`` an op returning several tensors.
    See ``docs/writing-an-op.md``.
    """


@hookspec
def nanograd_register_losses(register: Callable[..., Any]) -> None:
    """Register loss functions, once at load time: ``register(name, function, domain=...)``.

    ``function(input, target, reduction="mean", ...)`` is built from registered ops, so its
    gradient needs no code of its own; ``domain`` is a custom domain drawing (input, target).
    """


@hookspec
def nanograd_register_optimizers(register: Callable[..., Any]) -> None:
    """Register optimizer classes, once at load time: ``register(name, cls)``.

    ``cls(params, lr=..., **hyper_parameters)`` follows ``nanograd.optim.Optimizer``.
    """
