"""Anomaly mode: ``with ng.detect_anomaly():`` stops at the first op that makes a NaN or an inf.

While the mode is on, every op is bound (:func:`nanograd.binding.bind` with ``function_of``) to
a checking function: it calls the op's own, raises :class:`AnomalyError` if the output holds a
NaN or an inf, records the line of user code that called the op, and gives each graph node a
view of its op whose vjps check the gradients they return. The error names the op, its plugin,
the pass, the shapes and value ranges of what went in, and that line. When the mode ends, the
ops' own functions are bound again: with it off nothing is checked, not even a flag per op.

Backward checks the graph recorded while the mode is on, whose nodes hold the checking vjps; a
graph recorded before the mode began is walked unchecked, and its ops' lines are not known.
"""

from __future__ import annotations

import copy
import functools
import linecache
import os
import sys
import sysconfig
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from nanograd import autograd, binding, plugins
from nanograd.summary import describe, non_finite, stats
from nanograd.tensor import Tensor

if TYPE_CHECKING:
    from nanograd.registry import OpDef

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["AnomalyError", "Site", "detect_anomaly", "is_anomaly_enabled"]


class AnomalyError(FloatingPointError):
    """An op made a NaN or an inf while ``ng.detect_anomaly()`` was on.

    ``op`` is the op (None when the gradient ``backward()`` started from was not finite),
    ``phase`` is ``"forward"`` or ``"backward"``, ``site`` the line of user code that called
    the op (None when it is not known).
    """

    def __init__(
        self, message: str, op: OpDef | None, phase: str, site: Site | None = None
    ) -> None:
        super().__init__(message)
        self.op = op
        self.phase = phase
        self.site = site


# -- where an op was called ------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """The line of user code that called an op, and the library line between, if any."""

    filename: str
    lineno: int
    function: str
    via: tuple[str, int, str] | None = None  # the op's direct caller, when not user code

    def __str__(self) -> str:
        text = _line(self.filename, self.lineno, self.function)
        if self.via is not None:
            text += f" (through {_line(*self.via, source=False)})"
        return text


def _line(filename: str, lineno: int, function: str, source: bool = True) -> str:
    where = f"{filename}:{lineno} in {function}"
    code = linecache.getline(filename, lineno).strip() if source else ""
    return f"{where}: {code}" if code else where


_NANOGRAD = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Frames of the binding itself (operators, shape helpers) never count as the op's caller.
_ENGINE_FILES = frozenset(
    os.path.join(_NANOGRAD, name) for name in ("anomaly.py", "binding.py", "tensor.py", "call.py")
)
# The runner is an application of the library: its own loop is the code that called an op.
_APPLICATIONS = tuple(os.path.join(_NANOGRAD, name) + os.sep for name in ("run", "sweep"))
_STDLIB = tuple(
    os.path.abspath(p) + os.sep
    for p in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
)


def _library_roots() -> tuple[str, ...]:
    """Where the library's code lives: nanograd and the modules of the loaded plugins."""
    roots = {_NANOGRAD}
    for info in plugins.plugins():
        module = sys.modules.get(info.module)
        path = getattr(module, "__file__", None)
        if path:
            path = os.path.abspath(path)
            name = os.path.basename(path)
            roots.add(os.path.dirname(path) + os.sep if name == "__init__.py" else path)
    return tuple(sorted(roots))


def _in_library(filename: str, library: tuple[str, ...]) -> bool:
    return filename.startswith(library) and not filename.startswith(_APPLICATIONS)


def _site(frame: FrameType | None, library: tuple[str, ...]) -> Site | None:
    """The first frame out of ``frame`` that is user code: neither nanograd's engine nor a
    plugin (the runner's training loop counts as user code). When the frames run out, or lead
    into the standard library, the op's direct caller stands in."""
    while frame is not None and frame.f_code.co_filename in _ENGINE_FILES:
        frame = frame.f_back
    if frame is None:
        return None
    caller = frame
    while frame is not None and _in_library(frame.f_code.co_filename, library):
        frame = frame.f_back
    if frame is None or frame.f_code.co_filename.startswith(_STDLIB):
        frame = caller
    via = None
    if frame is not caller:
        via = (caller.f_code.co_filename, caller.f_lineno, caller.f_code.co_name)
    return Site(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, via)


# -- the state of the mode -------------------------------------------------------------------------


class _Mode:
    """Whether the mode is on (how deep ``with`` blocks nest), and what it needs meanwhile."""

    def __init__(self) -> None:
        self.depth = 0
        self.walking = 0  # backward walks under way: their ops' outputs are checked as gradients
        self.views: dict[OpDef, OpDef] = {}  # each op -> its view with checking vjps
        self.library: tuple[str, ...] = ()
        # id(tensor) -> (a weak reference that forgets the entry, the site of the op that made it)
        self.sites: dict[int, tuple[weakref.ref[Tensor], Site | None]] = {}


_mode = _Mode()


def is_anomaly_enabled() -> bool:
    """True inside ``ng.detect_anomaly()``."""
    return _mode.depth > 0


class detect_anomaly:
    """Check every op's output in forward and every gradient in backward for NaN and inf, and
    raise :class:`AnomalyError` at the first, naming the op; also a decorator.

    Slower (a check and a look at the call stack per op), so for finding a fault, not for
    training. Only graphs recorded inside the block are checked in backward.
    """

    def __enter__(self) -> None:
        if _mode.depth == 0:
            _switch_on()
        _mode.depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _mode.depth -= 1
        if _mode.depth == 0:
            _switch_off()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _switch_on() -> None:
    registry = plugins.registry()  # loads the plugins: the ops to check must be there
    views: dict[OpDef, OpDef] = {}
    for op in registry.ops.values():
        for one in (op, *op.output_ops):
            if one.vjps:
                views[one] = _checking_view(one)
    _mode.views = views
    _mode.library = _library_roots()
    binding.bind(registry.ops.values(), function_of=_checking_function)
    autograd.walk_hook = _walk


def _switch_off() -> None:
    autograd.walk_hook = None
    if plugins.is_loaded():  # after a reset inside the block the stand-ins are bound already
        binding.bind(plugins.registry().ops.values())
    _mode.views = {}
    _mode.sites.clear()


# -- forward: the checking functions ---------------------------------------------------------------


def _checking_function(op: OpDef) -> Callable[..., Any]:
    """The function bound for ``op`` while the mode is on: the op's own, checked."""
    function = op.function

    def checked(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        outputs = result if isinstance(result, tuple) else (result,)
        site: Site | None = None
        site_known = False
        for out in outputs:
            if not isinstance(out, Tensor):
                continue
            data = out._data
            if data.dtype.kind in "fc" and not _mode.walking and not np.isfinite(data).all():
                raise _forward_error(op, args, kwargs, data, _site(sys._getframe(1), _mode.library))
            node_op = out._op
            if node_op is None:
                continue
            view = _mode.views.get(node_op)
            if view is None:
                continue
            out._op = view
            if not site_known:
                site, site_known = _site(sys._getframe(1), _mode.library), True
            _remember(out, site)
        return result

    functools.update_wrapper(checked, function)
    checked.__module__ = function.__module__  # still an op's function to the binding
    return checked


def _remember(t: Tensor, site: Site | None) -> None:
    key = id(t)
    sites = _mode.sites
    sites[key] = (weakref.ref(t, lambda _: sites.pop(key, None)), site)


def _site_of(t: Tensor) -> Site | None:
    entry = _mode.sites.get(id(t))
    return None if entry is None or entry[0]() is not t else entry[1]


def _forward_error(
    op: OpDef, args: tuple[Any, ...], kwargs: dict[str, Any], data: np.ndarray, site: Site | None
) -> AnomalyError:
    inputs = _tensor_inputs(op, args)
    lines = [
        f"anomaly in the forward pass: op {op.name!r} (plugin {op.plugin}) returned "
        f"{non_finite(stats(data))} among {data.size} values",
        f"  output: {describe(data)}",
    ]
    lines += [f"  input {i}: {_operand(x)}" for i, x in inputs]
    if kwargs:
        lines.append("  parameters: " + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()))
    lines.append(_blame(op, inputs))
    lines.append(_where(site))
    return AnomalyError("\n".join(lines), op, "forward", site)


def _tensor_inputs(op: OpDef, args: tuple[Any, ...]) -> list[tuple[int, Any]]:
    """The operands of a call (tensors, arrays, numbers), numbered as the op numbers its
    inputs."""
    operands = list(args[0]) if op.variadic and args else list(args[: op.arity])
    return [
        (i, x)
        for i, x in enumerate(operands)
        if isinstance(x, (Tensor, np.ndarray, float, int, complex))
    ]


def _operand(x: Any) -> str:
    if isinstance(x, Tensor):
        return describe(x._data)
    if isinstance(x, np.ndarray):
        return f"array, {describe(x)}"
    return f"the number {x!r}"


def _values(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _blame(op: OpDef, inputs: list[tuple[int, Any]]) -> str:
    bad = [
        str(i)
        for i, x in inputs
        if _values(x).dtype.kind in "fc" and not np.isfinite(_values(x)).all()
    ]
    if not bad:
        return f"  its inputs are all finite: {op.name} made the non-finite values"
    which = f"input {bad[0]} already holds"
    if len(bad) > 1:
        which = f"inputs {', '.join(bad)} already hold"
    return (
        f"  {which} non-finite values, which no checked op made: they come from the data, "
        "from a graph recorded before the mode was on, or from a change made in place"
    )


def _where(site: Site | None) -> str:
    if site is None:
        return "  called from: not known (the op was recorded before ng.detect_anomaly() began)"
    return f"  called at {site}"


# -- backward: the checking vjps -------------------------------------------------------------------


def _checking_view(op: OpDef) -> OpDef:
    """A copy of ``op`` whose vjps check what they return; graph nodes made in the mode hold it."""
    view = copy.copy(op)
    view.vjps = tuple(
        None if vjp is None else _CheckedVjp(op, i, vjp) for i, vjp in enumerate(op.vjps)
    )
    return view


class _CheckedVjp:
    """A vjp that raises :class:`AnomalyError` when the gradient it returns is not finite.

    A class, not a closure: graph nodes hold it (through their op) and stay free of closures.
    """

    __slots__ = ("index", "op", "vjp")

    def __init__(self, op: OpDef, index: int, vjp: Callable[..., Any]) -> None:
        self.op = op
        self.index = index
        self.vjp = vjp

    def __call__(self, g: Tensor, out: Tensor, *inputs: Any, **params: Any) -> Any:
        result = self.vjp(g, out, *inputs, **params)
        if self.op.variadic:  # one vjp giving one gradient per element of inputs[0]
            for i, gx in enumerate(result):
                _check_gradient(self.op, i, gx, g, out, inputs[0])
        elif result is not None:
            _check_gradient(self.op, self.index, result, g, out, inputs)
        return result


def _check_gradient(
    op: OpDef, index: int, gx: Any, g: Tensor, out: Tensor, inputs: Sequence[Any]
) -> None:
    if gx is None:
        return
    data = gx._data if isinstance(gx, Tensor) else np.asarray(gx)
    if data.dtype.kind not in "fc" or np.isfinite(data).all():
        return
    site = _site_of(out)
    lines = [
        f"anomaly in the backward pass: the gradient op {op.name!r} (plugin {op.plugin}) "
        f"passes back to its input {index} holds {non_finite(stats(data))} among "
        f"{data.size} values",
        f"  that gradient: {describe(data)}",
        f"  the gradient of its output: {describe(g._data)}",
        f"  its output: {describe(out._data)}",
    ]
    lines += [
        f"  input {i}: {describe(x._data if isinstance(x, Tensor) else x)}"
        for i, x in enumerate(inputs)
    ]
    lines.append(_where(site))
    raise AnomalyError("\n".join(lines), op, "backward", site)


@contextmanager
def _walk(outputs: Sequence[Tensor], seeds: Sequence[Tensor]) -> Iterator[None]:
    """The walk hook: check the gradients backward starts from, and mark a walk under way so
    the ops a vjp calls are not blamed for a gradient its own check names better."""
    for out, seed in zip(outputs, seeds, strict=True):
        data = seed._data
        if data.dtype.kind in "fc" and not np.isfinite(data).all():
            raise AnomalyError(
                "anomaly in the backward pass: the gradient backward started from holds "
                f"{non_finite(stats(data))}: {describe(data)} (for an output of shape "
                f"{out.shape})",
                None,
                "backward",
            )
    _mode.walking += 1
    try:
        yield
    finally:
        _mode.walking -= 1
