"""The registry plugins fill: ops, losses and optimizers, each recorded with its plugin.

Plugins call the ``register`` callback handed to their hook (typed in :mod:`nanograd.contract`);
each declaration is checked by :mod:`nanograd.declaration` at load time, so a malformed op fails
with the plugin's name before anything runs, and recorded here by name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from nanograd.call import make_function
from nanograd.contract import RegisterLoss, RegisterOp, RegisterOptimizer, Vjp
from nanograd.declaration import check_engine_op, check_name, make_composite, make_op, make_several
from nanograd.definitions import (
    ENGINE_OPS,
    EngineOpsWarning,
    HookWarning,
    LossDef,
    OpDef,
    OptimizerDef,
    PluginError,
)
from nanograd.domain import Domain

__all__ = [
    "ENGINE_OPS",
    "EngineOpsWarning",
    "HookWarning",
    "LossDef",
    "OpDef",
    "OptimizerDef",
    "PluginError",
    "Registry",
]


class Registry:
    """Every op, loss and optimizer the loaded plugins registered, by name."""

    def __init__(self) -> None:
        self.ops: dict[str, OpDef] = {}
        self.losses: dict[str, LossDef] = {}
        self.optimizers: dict[str, OptimizerDef] = {}
        self._methods: dict[str, OpDef] = {}  # the op that claims each Tensor method

    def missing_engine_ops(self) -> list[str]:
        """The names in :data:`ENGINE_OPS` that no loaded plugin registers."""
        return [name for name in ENGINE_OPS if name not in self.ops]

    def copy(self) -> Registry:
        """A registry with the same entries, to fill further without touching this one."""
        new = Registry()
        new.ops = dict(self.ops)
        new.losses = dict(self.losses)
        new.optimizers = dict(self.optimizers)
        new._methods = dict(self._methods)
        return new

    # -- the callbacks handed to plugins -------------------------------------------------------

    def op_registrar(self, plugin: str) -> RegisterOp:
        """The ``register`` callback for ``nanograd_register_ops``, bound to one plugin."""

        def register(
            name: str,
            forward: Callable[..., Any],
            vjp: Vjp | Sequence[Vjp | None] | None,
            *,
            domain: Domain | None = None,
            method: bool | str = False,
            variadic: bool = False,
            differentiable: bool = True,
            twice_differentiable: bool = True,
            kink: str | None = None,
            doc: str | None = None,
            inputs: int | None = None,
            composite: bool = False,
            outputs: Sequence[str] | None = None,
        ) -> OpDef:
            if composite:
                op = make_composite(
                    plugin, name, forward, vjp, domain, method, variadic, kink, doc, inputs
                )
            elif outputs is not None:
                op = make_several(
                    plugin, name, forward, vjp, domain, method, outputs,
                    twice_differentiable, kink, doc,
                )  # fmt: skip
            else:
                op = make_op(
                    plugin, name, forward, vjp, domain, method, variadic,
                    differentiable, twice_differentiable, kink, doc, inputs,
                )  # fmt: skip
            self._check_method(op)
            check_engine_op(op)
            op.function = make_function(op)
            self._add("op", self.ops, op)
            if op.method is not None:
                self._methods[op.method] = op
            return op

        return register

    def loss_registrar(self, plugin: str) -> RegisterLoss:
        """The ``register`` callback for ``nanograd_register_losses``, bound to one plugin."""

        def register(
            name: str,
            function: Callable[..., Any],
            *,
            domain: Domain | None = None,
            doc: str | None = None,
        ) -> LossDef:
            check_name("loss", name, plugin)
            if not callable(function):
                raise PluginError(f"plugin {plugin!r} registered loss {name!r} with a non-callable")
            loss = LossDef(name, function, plugin, domain, doc or inspect.getdoc(function) or "")
            self._add("loss", self.losses, loss)
            return loss

        return register

    def optimizer_registrar(self, plugin: str) -> RegisterOptimizer:
        """The ``register`` callback for ``nanograd_register_optimizers``, bound to one plugin."""

        def register(name: str, cls: Callable[..., Any], *, doc: str | None = None) -> OptimizerDef:
            check_name("optimizer", name, plugin)
            if not callable(cls):
                raise PluginError(
                    f"plugin {plugin!r} registered optimizer {name!r} with a non-callable"
                )
            opt = OptimizerDef(name, cls, plugin, doc or inspect.getdoc(cls) or "")
            self._add("optimizer", self.optimizers, opt)
            return opt

        return register

    # -- validation ------------------------------------------------------------------------------

    def _check_method(self, op: OpDef) -> None:
        """Two ops may not claim the same Tensor method; the second one is refused."""
        other = None if op.method is None else self._methods.get(op.method)
        if other is not None and other.name != op.name:
            raise PluginError(
                f"plugin {op.plugin!r}, op {op.name!r}: Tensor method {op.method!r} is "
                f"already taken by op {other.name!r} of plugin {other.plugin!r}; choose "
                "another method= name, or method=False"
            )

    def _add(self, kind: str, table: dict[str, Any], item: Any) -> None:
        previous = table.get(item.name)
        if previous is not None:
            raise PluginError(
                f"{kind} {item.name!r} is registered twice: by plugin {previous.plugin!r} and by "
                f"plugin {item.plugin!r}; uninstall one, or choose which load with "
                "NANOGRAD_LOAD_PLUGINS"
            )
        table[item.name] = item
