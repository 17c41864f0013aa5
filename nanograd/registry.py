"""The registry plugins fill: ops, losses and optimizers, each recorded with its plugin.

Plugins call the ``register`` callback handed to their hook; the host checks every declaration
here, at load time, so a malformed op fails with the plugin's name before anything runs.
"""

from __future__ import annotations

import inspect
import keyword
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from nanograd.call import make_function
from nanograd.contract import RegisterLoss, RegisterOp, RegisterOptimizer, Vjp
from nanograd.domain import Domain
from nanograd.tensor import ENGINE_ATTRIBUTES


class PluginError(Exception):
    """A plugin failed to load or declared something the host cannot accept."""


@dataclass(eq=False)
class OpDef:
    """One registered operation: how to compute it, differentiate it and test it.

    ``vjps[i](g, out, *inputs, **params)`` returns the gradient for input ``i`` given the
    upstream gradient ``g`` (all as Tensors, so the gradient is itself differentiable).
    A variadic op takes one sequence of tensors; its single ``vjps[0]`` returns one gradient
    per element. A composite op is a function of tensors built from other ops (its gradient is
    theirs), so it has no vjps. An op with several outputs has one view per output in
    ``output_ops``, each an OpDef holding that output's vjps: a vjp is linear in the upstream
    gradient, so each output's contribution to an input's gradient is computed on its own and the
    engine adds them up, as it does for a tensor used twice.
    """

    name: str
    forward: Callable[..., Any]
    vjps: tuple[Vjp | None, ...]
    arity: int
    param_names: tuple[str, ...]
    domain: Domain | None
    plugin: str
    method: str | None = None
    variadic: bool = False
    differentiable: bool = True
    twice_differentiable: bool = True
    kink: str | None = None
    doc: str = ""
    any_params: bool = False
    """True when forward takes ``**params``: any keyword is passed on unchecked."""
    composite: bool = False
    outputs: tuple[str, ...] = ()
    """The names of the outputs of an op with several; empty for one output."""
    output_ops: tuple[OpDef, ...] = field(default=(), repr=False)
    result_type: Any = field(default=None, repr=False)
    """For several outputs: the named tuple the bound function returns them in."""
    function: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    """The callable users reach as ``ng.ops.<name>``, made once when the op is registered."""

    def __repr__(self) -> str:
        return f"<op {self.name} from {self.plugin}>"


@dataclass(eq=False)
class LossDef:
    """One registered loss: a function of tensors built from ops, so its gradient comes free."""

    name: str
    function: Callable[..., Any]
    plugin: str
    domain: Domain | None = None
    doc: str = ""
    arity: int = field(init=False)
    """How many tensors it takes before its options: its required positional parameters."""

    def __post_init__(self) -> None:
        self.arity = max(_required_positional(self.function), 1)


@dataclass(eq=False)
class OptimizerDef:
    """One registered optimizer class, constructed as ``cls(params, **hyper_parameters)``."""

    name: str
    cls: Callable[..., Any]
    plugin: str
    doc: str = ""


# The ops the engine itself calls, with the parameters it passes them and what for. A plugin set
# without one of them loads (a one-op plugin is useful on its own) with a warning naming it, and
# the engine raises NotImplementedError naming the op where it needs it; an op of one of these
# names that cannot be called the way the engine calls it is refused at load.
ENGINE_OPS: dict[str, tuple[int, tuple[str, ...], str]] = {
    "add": (2, (), "summing gradients when backward() records its own graph"),
    "sum": (1, ("axis",), "undoing broadcasting in backward()"),
    "reshape": (1, ("shape",), "undoing broadcasting in backward(), and Tensor.reshape"),
    "astype": (1, ("dtype",), "giving each gradient its input's dtype, and Tensor.astype"),
    "transpose": (1, ("axes",), "Tensor.T, Tensor.mT, Tensor.transpose"),
}


class EngineOpsWarning(UserWarning):
    """The loaded plugins register none of some op the engine itself calls."""


def _check_name(kind: str, name: object, plugin: str) -> str:
    if (
        not isinstance(name, str)
        or not name.isidentifier()
        or keyword.iskeyword(name)
        or name.startswith("_")
    ):
        raise PluginError(
            f"plugin {plugin!r} registered {kind} {name!r}: a name must be a Python identifier "
            "that does not start with '_', such as 'softplus'"
        )
    return name


def _signature(func: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):  # some builtins have no signature
        return None


def _required_positional(func: Callable[..., Any]) -> int:
    """How many positional parameters ``func`` requires: the default number of tensor inputs."""
    if isinstance(func, np.ufunc):  # np.less and friends have no signature, but know their nin
        return int(func.nin)
    sig = _signature(func)
    if sig is None:
        return 1
    return sum(
        1
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    )


def _parameter_names(func: Callable[..., Any], arity: int) -> tuple[str, ...]:
    """The names of ``func``'s parameters after its ``arity`` tensor inputs, in order.

    A NumPy ufunc has none: its keywords (``out=``, ``where=``, ``casting=``) are not op
    parameters, and passing ``out=`` would write into the caller's array.
    """
    if isinstance(func, np.ufunc):
        return ()
    sig = _signature(func)
    if sig is None:
        return ()
    names = [
        p.name for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    return tuple(names[arity:])


def _takes_any_keyword(func: Callable[..., Any]) -> bool:
    if isinstance(func, np.ufunc):
        return False
    sig = _signature(func)
    return sig is not None and any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


def _accepts_positional(func: Callable[..., Any], count: int) -> bool:
    if isinstance(func, np.ufunc):
        return int(func.nin) == count
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):  # builtins without a signature: trust them
        return True
    try:
        sig.bind_partial(*([None] * count))
    except TypeError:
        return False
    return True


def _check_engine_op(op: OpDef) -> None:
    """An op named like one the engine calls must take the inputs and parameters it passes."""
    declared = ENGINE_OPS.get(op.name)
    if declared is None:
        return
    arity, params, why = declared
    lacking = [p for p in params if p not in op.param_names and not op.any_params]
    if op.variadic or op.arity != arity or lacking:
        wanted = ", ".join(["x" * (arity == 1) or "x, y", *params])
        raise PluginError(
            f"plugin {op.plugin!r}, op {op.name!r}: the engine calls {op.name}({wanted}) for "
            f"{why}, but this op takes {op.arity} tensor input(s) and the parameters "
            f"({', '.join(op.param_names) or 'none'}); register it with that signature or "
            "under another name"
        )


class Registry:
    """Every op, loss and optimizer the loaded plugins registered, by name."""

    def __init__(self) -> None:
        self.ops: dict[str, OpDef] = {}
        self.losses: dict[str, LossDef] = {}
        self.optimizers: dict[str, OptimizerDef] = {}

    def missing_engine_ops(self) -> list[str]:
        """The names in :data:`ENGINE_OPS` that no loaded plugin registers."""
        return [name for name in ENGINE_OPS if name not in self.ops]

    def copy(self) -> Registry:
        """A registry with the same entries, to fill further without touching this one."""
        new = Registry()
        new.ops = dict(self.ops)
        new.losses = dict(self.losses)
        new.optimizers = dict(self.optimizers)
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
                op = self._make_composite(
                    plugin, name, forward, vjp, domain, method, variadic, kink, doc, inputs
                )
            elif outputs is not None:
                op = self._make_several(
                    plugin, name, forward, vjp, domain, method, outputs,
                    twice_differentiable, kink, doc,
                )  # fmt: skip
            else:
                op = self._make_op(
                    plugin, name, forward, vjp, domain, method, variadic,
                    differentiable, twice_differentiable, kink, doc, inputs,
                )  # fmt: skip
            self._check_method(op)
            _check_engine_op(op)
            op.function = make_function(op)
            self._add("op", self.ops, op)
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
            _check_name("loss", name, plugin)
            if not callable(function):
                raise PluginError(f"plugin {plugin!r} registered loss {name!r} with a non-callable")
            loss = LossDef(name, function, plugin, domain, doc or inspect.getdoc(function) or "")
            self._add("loss", self.losses, loss)
            return loss

        return register

    def optimizer_registrar(self, plugin: str) -> RegisterOptimizer:
        """The ``register`` callback for ``nanograd_register_optimizers``, bound to one plugin."""

        def register(name: str, cls: Callable[..., Any], *, doc: str | None = None) -> OptimizerDef:
            _check_name("optimizer", name, plugin)
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
        if op.method is None:
            return
        for other in self.ops.values():
            if other.method == op.method and other.name != op.name:
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

    @staticmethod
    def _make_op(
        plugin: str,
        name: str,
        forward: Callable[..., Any],
        vjp: Vjp | Sequence[Vjp | None] | None,
        domain: Domain | None,
        method: bool | str,
        variadic: bool,
        differentiable: bool,
        twice_differentiable: bool,
        kink: str | None,
        doc: str | None,
        inputs: int | None,
    ) -> OpDef:
        _check_name("op", name, plugin)
        where = f"plugin {plugin!r}, op {name!r}"
        if not callable(forward):
            raise PluginError(f"{where}: forward must be callable, got {type(forward).__name__}")
        vjps: tuple[Vjp | None, ...]
        if not differentiable:
            if vjp is not None:
                raise PluginError(f"{where}: declared differentiable=False but gave a vjp")
            arity = 1 if variadic else (inputs or _required_positional(forward))
            vjps = (None,) * arity
        else:
            if vjp is None:
                raise PluginError(
                    f"{where}: missing gradient: give vjp= (one function per tensor input, "
                    "None for an input that is not differentiable), or differentiable=False"
                )
            vjps = (vjp,) if callable(vjp) else tuple(vjp)
            if not vjps:
                raise PluginError(f"{where}: vjp= is empty; give one function per tensor input")
            arity = 1 if variadic else len(vjps)
            if variadic and len(vjps) != 1:
                raise PluginError(
                    f"{where}: a variadic op gives one vjp returning a gradient per input"
                )
            if all(v is None for v in vjps):
                raise PluginError(f"{where}: every vjp is None; use differentiable=False")
            if not variadic and not _accepts_positional(forward, arity):
                raise PluginError(
                    f"{where}: wrong arity: {arity} vjps were given, one per tensor input, but "
                    f"forward cannot take {arity} positional inputs"
                )
            for i, v in enumerate(vjps):
                if v is None:
                    continue
                if not callable(v):
                    raise PluginError(f"{where}: vjp {i} is not callable")
                if not _accepts_positional(v, 2 + arity):
                    raise PluginError(
                        f"{where}: vjp {i} must accept (g, out, "
                        + ", ".join(f"x{j}" for j in range(arity))
                        + ", **params)"
                    )
            if domain is None:
                raise PluginError(
                    f"{where}: a differentiable op declares its domain= so the property suite "
                    "can check its gradient, e.g. nanograd.domain.elementwise()"
                )
        if not _accepts_positional(forward, arity):
            raise PluginError(f"{where}: forward cannot take {arity} positional input(s)")
        param_names = _parameter_names(forward, arity)
        if domain is not None and not isinstance(domain, Domain):
            raise PluginError(f"{where}: domain must be a nanograd.domain.Domain")
        method_name = name if method is True else (method or None)
        if method_name is not None and (
            not isinstance(method_name, str)
            or not method_name.isidentifier()
            or method_name.startswith("_")
            or method_name in ENGINE_ATTRIBUTES
        ):
            raise PluginError(
                f"{where}: method={method!r} cannot be a Tensor method: a method name is an "
                "identifier that does not start with '_' and is not one the engine defines "
                "(such as backward, grad, shape, item)"
            )
        return OpDef(
            name=name,
            forward=forward,
            vjps=vjps,
            arity=arity,
            param_names=param_names,
            domain=domain,
            plugin=plugin,
            method=method_name,
            variadic=variadic,
            differentiable=differentiable,
            twice_differentiable=twice_differentiable and differentiable,
            kink=kink,
            doc=doc or inspect.getdoc(forward) or "",
            any_params=_takes_any_keyword(forward),
        )

    @staticmethod
    def _make_composite(
        plugin: str,
        name: str,
        function: Callable[..., Any],
        vjp: Any,
        domain: Domain | None,
        method: bool | str,
        variadic: bool,
        kink: str | None,
        doc: str | None,
        inputs: int | None,
    ) -> OpDef:
        """An op written as a function of tensors: it calls other ops, whose gradients are its
        gradient, so it declares no vjp. It may take parameters anywhere and return a tuple or a
        list of tensors (``split``, ``einsum(subscripts, *operands)``)."""
        where = f"plugin {plugin!r}, op {name!r}"
        if vjp is not None:
            raise PluginError(
                f"{where}: a composite op is differentiated through the ops it calls; give vjp=None"
            )
        if domain is None:
            raise PluginError(
                f"{where}: a composite op declares its domain= so the property suite can check "
                "the gradient it gets from the ops it calls"
            )
        op = Registry._make_op(
            plugin, name, function, None, domain, method, variadic, False, False, kink, doc,
            inputs if inputs is not None else max(_required_positional(function), 1),
        )  # fmt: skip
        return replace(op, vjps=(), composite=True, differentiable=True, twice_differentiable=True)

    @staticmethod
    def _make_several(
        plugin: str,
        name: str,
        forward: Callable[..., Any],
        vjp: Any,
        domain: Domain | None,
        method: bool | str,
        outputs: Sequence[str],
        twice_differentiable: bool,
        kink: str | None,
        doc: str | None,
    ) -> OpDef:
        """An op whose forward returns a tuple of arrays, one per name in ``outputs``.

        ``vjp`` has one entry per output: that output's vjps (a function, or one per tensor
        input), or None for an output no gradient flows through (the sign of ``slogdet``).
        Each output becomes a graph node of its own, an OpDef view named ``name.output``.
        """
        where = f"plugin {plugin!r}, op {name!r}"
        names = tuple(outputs) if not isinstance(outputs, str) else (outputs,)
        if len(names) < 2 or len(set(names)) != len(names):
            raise PluginError(f"{where}: outputs= names two or more distinct outputs")
        try:
            result_type = namedtuple(f"{name}_result", names)  # type: ignore[misc]
        except ValueError as exc:
            raise PluginError(f"{where}: outputs= {names!r}: {exc}") from None
        entries = tuple(vjp) if isinstance(vjp, (tuple, list)) else None
        if entries is None or len(entries) != len(names):
            raise PluginError(
                f"{where}: an op with outputs {names} gives vjp= one entry per output (that "
                "output's vjp, or None when no gradient flows through it)"
            )
        given = [e for e in entries if e is not None]
        if not given:
            raise PluginError(f"{where}: every output's vjp is None; use differentiable=False")
        arity = 1 if callable(given[0]) else len(given[0])
        views = []
        for output, entry in zip(names, entries, strict=True):
            view = Registry._make_op(
                plugin, name, forward, entry, domain, False, False,
                entry is not None, twice_differentiable, kink, doc, arity,
            )  # fmt: skip
            view = replace(view, name=f"{name}.{output}")
            if view.arity != arity:
                raise PluginError(
                    f"{where}: output {output!r} gives vjps for {view.arity} inputs, another "
                    f"output for {arity}; every output has one vjp (or None) per tensor input"
                )
            views.append(view)
        # One vjp per input as the property suite reads it: whether any output has a gradient.
        merged = tuple(
            next((v.vjps[i] for v in views if v.vjps[i] is not None), None) for i in range(arity)
        )
        op = Registry._make_op(
            plugin, name, forward, merged, domain, method, False, True,
            twice_differentiable, kink, doc, None,
        )  # fmt: skip
        return replace(op, outputs=names, output_ops=tuple(views), result_type=result_type)
