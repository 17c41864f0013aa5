"""What a registration records: an op, a loss or an optimizer, each with its plugin.

Also the ops the engine itself calls (:data:`ENGINE_OPS`), declared here so the loader can check
them; the records are made by :mod:`nanograd.declaration` and kept by :mod:`nanograd.registry`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any, NamedTuple

import numpy as np

from nanograd.contract import Vjp
from nanograd.domain import Domain


class PluginError(Exception):
    """A plugin failed to load or declared something the host cannot accept."""


@dataclass(eq=False, repr=False)  # its own __repr__, below: dataclass need not write one
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
        self.arity = max(required_positional(self.function), 1)


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


class HookWarning(UserWarning):
    """A plugin defines a function named like a hook but not marked ``@ng.hookimpl``, so
    nanograd never calls it."""


class Parameters(NamedTuple):
    """What registering reads of a function's signature."""

    names: tuple[str, ...]
    """Every named parameter, in order (``*args`` and ``**kwargs`` left out)."""
    positional: int
    """How many may be passed by position, not counting ``*args``."""
    required: int
    """How many of those have no default."""
    var_positional: bool
    var_keyword: bool

    def accepts(self, count: int) -> bool:
        """Whether ``count`` positional arguments bind (``inspect.Signature.bind_partial``)."""
        return count <= self.positional or self.var_positional


def parameters_of(func: Callable[..., Any]) -> Parameters | None:
    """``func``'s parameters, or None for a builtin without a signature.

    Remembered for the last few hundred functions: registering an op reads its forward's
    parameters four times. A plain function's are read from its code object; anything else
    (a builtin, a method, a partial, a wrapper with ``__wrapped__``) through
    ``inspect.signature``, which gives the same for a plain function but costs more than the
    rest of registering an op.
    """
    try:
        return _remembered_parameters(func)
    except TypeError:  # an unhashable callable cannot be remembered
        return _parameters(func)


def _parameters(func: Callable[..., Any]) -> Parameters | None:
    if type(func) is FunctionType and not vars(func):  # nothing that inspect would follow
        code = func.__code__
        positional = code.co_argcount
        return Parameters(
            names=code.co_varnames[: positional + code.co_kwonlyargcount],
            positional=positional,
            required=positional - len(func.__defaults__ or ()),
            var_positional=bool(code.co_flags & inspect.CO_VARARGS),
            var_keyword=bool(code.co_flags & inspect.CO_VARKEYWORDS),
        )
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):  # some builtins have no signature
        return None
    params = sig.parameters.values()
    ordered = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return Parameters(
        names=tuple(p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)),
        positional=len(ordered),
        required=sum(1 for p in ordered if p.default is p.empty),
        var_positional=any(p.kind is p.VAR_POSITIONAL for p in params),
        var_keyword=any(p.kind is p.VAR_KEYWORD for p in params),
    )


_remembered_parameters = functools.lru_cache(maxsize=512)(_parameters)


def required_positional(func: Callable[..., Any]) -> int:
    """How many positional parameters ``func`` requires: the default number of tensor inputs."""
    if isinstance(func, np.ufunc):  # np.less and friends have no signature, but know their nin
        return int(func.nin)
    params = parameters_of(func)
    return 1 if params is None else params.required
