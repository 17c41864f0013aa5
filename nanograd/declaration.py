"""Checking one op declaration and making its record, at load time, naming the plugin.

``register(...)`` hands its arguments here: the name must be an identifier, every vjp must take
``(g, out, *inputs)``, the forward must take as many inputs as there are vjps, a differentiable
op declares its domain, a method name must not shadow the engine's, and an op the engine itself
calls must take what the engine passes it. Any failure is a :class:`PluginError` naming the
plugin and the op; nothing malformed reaches the registry.
"""

from __future__ import annotations

import inspect
import keyword
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nanograd.contract import Vjp
from nanograd.definitions import (
    ENGINE_OPS,
    OpDef,
    PluginError,
    parameters_of,
    required_positional,
)
from nanograd.domain import Domain
from nanograd.inplace import NAMES as INPLACE_NAMES
from nanograd.tensor import ENGINE_ATTRIBUTES


def check_name(kind: str, name: object, plugin: str) -> str:
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


def _parameter_names(func: Callable[..., Any], arity: int) -> tuple[str, ...]:
    """The names of ``func``'s parameters after its ``arity`` tensor inputs, in order.

    A NumPy ufunc has none: its keywords (``out=``, ``where=``, ``casting=``) are not op
    parameters, and passing ``out=`` would write into the caller's array.
    """
    if isinstance(func, np.ufunc):
        return ()
    params = parameters_of(func)
    return () if params is None else params.names[arity:]


def _takes_any_keyword(func: Callable[..., Any]) -> bool:
    if isinstance(func, np.ufunc):
        return False
    params = parameters_of(func)
    return params is not None and params.var_keyword


def _accepts_positional(func: Callable[..., Any], count: int) -> bool:
    if isinstance(func, np.ufunc):
        return int(func.nin) == count
    params = parameters_of(func)
    return params is None or params.accepts(count)  # builtins without a signature: trusted


def check_engine_op(op: OpDef) -> None:
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


def make_op(
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
    check_name("op", name, plugin)
    where = f"plugin {plugin!r}, op {name!r}"
    if not callable(forward):
        raise PluginError(f"{where}: forward must be callable, got {type(forward).__name__}")
    vjps: tuple[Vjp | None, ...]
    if not differentiable:
        if vjp is not None:
            raise PluginError(f"{where}: declared differentiable=False but gave a vjp")
        arity = 1 if variadic else (inputs or required_positional(forward))
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
        or method_name in INPLACE_NAMES
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


def make_composite(
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
    op = make_op(
        plugin, name, function, None, domain, method, variadic, False, False, kink, doc,
        inputs if inputs is not None else max(required_positional(function), 1),
    )  # fmt: skip
    # The record is new and nobody else's, so it is finished in place (quicker than replace).
    op.vjps, op.composite, op.differentiable, op.twice_differentiable = (), True, True, True
    return op


def make_several(
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
        view = make_op(
            plugin, name, forward, entry, domain, False, False,
            entry is not None, twice_differentiable, kink, doc, arity,
        )  # fmt: skip
        view.name = f"{name}.{output}"
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
    op = make_op(
        plugin, name, forward, merged, domain, method, False, True,
        twice_differentiable, kink, doc, None,
    )  # fmt: skip
    op.outputs, op.output_ops, op.result_type = names, tuple(views), result_type
    return op
