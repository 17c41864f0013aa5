"""Binding registered ops where users reach them: ``ng.ops.<name>``, Tensor methods, operators.

The plugin loader owns this module. After each successful load it calls :func:`bind` with the
ops that load added, and nothing else is rebound; :func:`unbind` undoes every binding when the
loader forgets its plugins. What is bound is read from the two namespaces themselves (an op's
function is the ``ng.ops`` attribute of its name), so there is no second record to keep in step.

Until the first load, the names ops will provide are stand-ins that load the plugins and then
look again. This is nanograd's one way of loading plugins lazily, reached by three doors because
Python looks names up three ways: ``Tensor.__getattr__`` for methods (``t.exp()``), a stand-in
per operator (Python finds ``t + 1`` on the class, never through ``__getattr__``), and the module
``__getattr__`` of ``ng.ops``. After a load, ``Tensor.__getattr__`` is removed (a class with
one makes every attribute read on every tensor slower), an operator whose op no plugin registers
raises NotImplementedError naming the op, and ``ng.ops`` suggests names for a typo. Only when the
load left out the ops the engine itself calls (no plugin loaded, or the standard one left out by
``NANOGRAD_LOAD_PLUGINS``) does ``Tensor.__getattr__`` stay, to say so of a missing method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from nanograd import ops
from nanograd.definitions import ENGINE_OPS
from nanograd.lookup import UnknownName, find
from nanograd.tensor import Tensor, missing_op_message

if TYPE_CHECKING:
    from nanograd.registry import OpDef

# Python operators and the op each one calls; reflected ones swap the operands.
OPERATORS: dict[str, tuple[str, bool]] = {
    "__add__": ("add", False), "__radd__": ("add", True),
    "__sub__": ("sub", False), "__rsub__": ("sub", True),
    "__mul__": ("mul", False), "__rmul__": ("mul", True),
    "__truediv__": ("div", False), "__rtruediv__": ("div", True),
    "__pow__": ("pow", False), "__rpow__": ("pow", True),
    "__mod__": ("remainder", False), "__rmod__": ("remainder", True),
    "__matmul__": ("matmul", False), "__rmatmul__": ("matmul", True),
    "__lt__": ("less", False), "__le__": ("less_equal", False),
    "__gt__": ("greater", False), "__ge__": ("greater_equal", False),
    "__eq__": ("equal", False), "__ne__": ("not_equal", False),
    "__neg__": ("neg", False), "__abs__": ("abs", False),
    "__getitem__": ("getitem", False),
}  # fmt: skip

_LISTED = " (`python -m nanograd.plugins` lists what is loaded)"


def _no_loader() -> object:
    raise RuntimeError("no plugin loader is installed; import nanograd.plugins first")


_load: Callable[[], object] = _no_loader


def set_loader(load: Callable[[], object]) -> None:
    """The function the stand-ins call to load plugins (``nanograd.plugins.load``)."""
    global _load
    _load = load


# -- binding ---------------------------------------------------------------------------------------


def bind(
    added: Iterable[OpDef], function_of: Callable[[OpDef], Callable[..., Any]] | None = None
) -> None:
    """Bind the ops a load added: each one's function into ``ng.ops``, its Tensor method, and
    the operators it backs. Then leave the lazy state: see the module docstring.

    ``function_of(op)``, when given, is what is bound for ``op`` in place of ``op.function``,
    wherever the op is reached (``ng.ops.<name>``, ``ng.linalg``, its method, its operators and
    the engine's own calls). This is how a mode changes what every op does for as long as it is
    on and costs nothing once it is off: ``ng.detect_anomaly()`` binds checking functions on
    entry and ``bind(ops)`` binds the ops' own again on exit, so the normal path does not even
    test a flag. The function given must keep ``__module__ == "nanograd.ops"`` (as
    ``functools.update_wrapper(wrapper, op.function)`` leaves it), which is how the next bind
    and :func:`unbind` tell an op's function from the engine's own methods.
    """
    for op in added:
        function = op.function if function_of is None else function_of(op)
        vars(ops)[op.name] = function
        # The registry has already refused method names the engine defines, except the shape
        # helpers (reshape, T, astype, ...), which keep their own definition.
        if op.method is not None and _is_op_slot(op.method):
            setattr(Tensor, op.method, function)
    for attr, (op_name, reflected) in OPERATORS.items():
        bound = vars(ops).get(op_name)
        if bound is None:
            setattr(Tensor, attr, _missing(op_name, attr))
        elif reflected:
            setattr(Tensor, attr, _reflected(bound))
        elif attr in ("__eq__", "__ne__"):
            setattr(Tensor, attr, _equality(bound))
        else:
            setattr(Tensor, attr, bound)
    if all(name in vars(ops) for name in ENGINE_OPS):
        if "__getattr__" in Tensor.__dict__:
            delattr(Tensor, "__getattr__")
    else:  # none loaded, or the standard plugin left out: a missing method most likely is its
        Tensor.__getattr__ = _unbound_method  # type: ignore[method-assign]
    vars(ops)["__getattr__"] = _unknown_op


def _is_op_slot(name: str) -> bool:
    """Whether ``Tensor.<name>`` is free or holds an op's function (one bound before)."""
    current = Tensor.__dict__.get(name)
    return current is None or getattr(current, "__module__", None) == ops.__name__


def unbind() -> None:
    """Undo every :func:`bind`: the stand-ins load plugins again on first use."""
    for name in [n for n in vars(ops) if not n.startswith("_")]:
        del vars(ops)[name]
    for name, value in list(Tensor.__dict__.items()):
        if getattr(value, "__module__", None) == ops.__name__:  # an op function bound as method
            delattr(Tensor, name)
    for attr in OPERATORS:
        setattr(Tensor, attr, _lazy_operator(attr))
    Tensor.__getattr__ = _lazy_method  # type: ignore[method-assign]
    vars(ops)["__getattr__"] = _lazy_op
    vars(ops)["__dir__"] = _ops_dir


# -- the operators, once bound ---------------------------------------------------------------------


def _missing(op_name: str, attr: str) -> Callable[..., Any]:
    def missing(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(missing_op_message(op_name, f"Tensor.{attr}"))

    return missing


def _equality(func: Callable[..., Tensor]) -> Callable[..., Any]:
    """``==``/``!=`` against something that is no number (``t == None``) is Python's identity
    comparison, as in PyTorch, instead of an error about an operand the user never meant as one."""

    def equality(self: Tensor, other: Any) -> Any:
        if other is None or isinstance(other, str):
            return NotImplemented
        return func(self, other)

    return equality


def _reflected(func: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def reflected(self: Tensor, other: Any) -> Tensor:
        return func(other, self)

    return reflected


# -- the stand-ins, until plugins load -------------------------------------------------------------


def _lazy_method(self: Tensor, name: str) -> Any:
    """``Tensor.__getattr__`` until plugins load: load them, then look again."""
    if name.startswith("_"):
        raise AttributeError(f"'Tensor' object has no attribute {name!r}")
    _load()
    return getattr(self, name)


def _unbound_method(self: Tensor, name: str) -> Any:
    """``Tensor.__getattr__`` after a load that left out the ops the engine itself calls."""
    if name.startswith("_"):
        raise AttributeError(f"'Tensor' object has no attribute {name!r}")
    loaded = _op_names()
    which = f"the loaded ones register only {', '.join(loaded)}" if loaded else "none is loaded"
    raise AttributeError(
        f"'Tensor' object has no attribute {name!r}: Tensor methods such as {name}() come from "
        f"plugins, and {which}{_LISTED}; NANOGRAD_LOAD_PLUGINS may be leaving a plugin out "
        "(nanograd_std registers the standard ops)"
    )


def _lazy_operator(attr: str) -> Callable[..., Any]:
    """Stand-in for an operator until plugins load: load them, then call the real one."""

    def lazy(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        _load()
        method = Tensor.__dict__[attr]
        if method is lazy:  # loading did not bind it, e.g. it failed half-way
            raise NotImplementedError(missing_op_message(OPERATORS[attr][0], f"Tensor.{attr}"))
        return method(self, *args, **kwargs)

    return lazy


def _lazy_op(name: str) -> Any:
    """``ng.ops.__getattr__`` until plugins load: load them, then look again."""
    if name.startswith("__"):
        raise AttributeError(name)
    _load()
    return getattr(ops, name)


def _unknown_op(name: str) -> Any:
    """``ng.ops.__getattr__`` once plugins are loaded: no op has this name."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        find(dict.fromkeys(_op_names()), name, "op", suffix=_LISTED)
    except UnknownName as exc:
        raise AttributeError(str(exc)) from None
    raise AttributeError(name)  # a bound name never reaches ``__getattr__``


def _op_names() -> list[str]:
    return sorted(n for n in vars(ops) if not n.startswith("_"))


def _ops_dir() -> list[str]:
    _load()
    return _op_names()
