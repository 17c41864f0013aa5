"""``Tensor``: a NumPy array that remembers the op that made it.

A tensor that requires grad keeps its op, its inputs and the op's parameters. It never keeps a
reference to anything made from it, so a graph holds no reference cycles and is freed by
reference counting alone, without waking Python's cyclic garbage collector.

Operators and methods are bound from the registry when plugins load (see :func:`bind_ops`); the
engine itself holds no op math.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nanograd._mode import grad_mode

if TYPE_CHECKING:
    from nanograd.registry import OpDef, Registry

ndarray = np.ndarray
_new = object.__new__


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None)`` copies ``data`` into a NumPy array (NumPy's
    dtype inference: Python floats become float64). Only floating-point tensors can require grad.
    ``.grad`` of a leaf accumulates over calls to ``backward()``, as in PyTorch: call
    ``zero_grad()`` on the optimizer or module (or set ``.grad = None``) between steps.
    """

    __slots__ = ("data", "_requires_grad", "grad", "_op", "_inputs", "_params", "__weakref__")
    # NumPy's operators return NotImplemented for a type that sets this to None, so
    # ``array @ tensor`` reaches Tensor.__rmatmul__ instead of making an object array.
    __array_ufunc__ = None

    data: ndarray
    grad: Tensor | None
    _op: OpDef | None
    _inputs: tuple[Any, ...] | None
    _params: dict[str, Any] | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = np.array(data, dtype=dtype)
        if self.data.dtype == object:
            raise TypeError(
                f"Tensor data must be numeric; got an object array from {type(data).__name__}"
            )
        self._requires_grad = False
        self.grad = None
        self._op = None
        self._inputs = None
        self._params = None
        if requires_grad:
            self.requires_grad = True

    # -- attributes -----------------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor; settable on leaves of floating dtype."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require grad; this tensor is "
                f"{self.data.dtype}. Make it floating first, e.g. "
                "ng.tensor(data, dtype=np.float64, requires_grad=True)"
            )
        if not value and self._op is not None:
            raise RuntimeError(
                "requires_grad can only be switched off on a leaf tensor; use .detach() "
                "for a copy outside the graph"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return the tensor, as PyTorch does."""
        self.requires_grad = requires_grad
        return self

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that recorded a graph."""
        return self._op is None

    @property
    def grad_fn(self) -> OpDef | None:
        """The op that made this tensor, or None for a leaf."""
        return self._op

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element; this one has shape {self.data.shape}"
            )
        return self.data.item()

    def numpy(self) -> ndarray:
        """The underlying array (shared, not copied): refuses while the tensor requires grad
        unless detached, because writing into it would silently corrupt gradients."""
        if self._requires_grad:
            raise RuntimeError(
                "numpy() on a tensor that requires grad; use t.detach().numpy() "
                "(PyTorch asks the same)"
            )
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> ndarray:
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, outside any graph."""
        return _make(self.data)

    def clone(self) -> Tensor:
        """A copy of the data outside any graph (a differentiable copy is ``x + 0``)."""
        return _make(self.data.copy())

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.data.shape} is ambiguous; "
                "use .any() or .all() on its data"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if not np.issubdtype(self.data.dtype, np.integer) or self.data.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self.data.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.data.dtype not in (np.float64, np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self._op is not None:
            extras.append(f"grad_fn=<{self._op.name}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # -- autodiff -------------------------------------------------------------------------------

    def backward(
        self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf), weighted by ``grad``, into every leaf's ``.grad``.

        A non-scalar tensor needs ``grad`` of its own shape. The graph is freed afterwards
        unless ``retain_graph=True``; ``create_graph=True`` records the backward pass itself so
        the gradients can be differentiated again.
        """
        from nanograd.autograd import backward

        backward([self], None if grad is None else [grad], retain_graph, create_graph)

    # -- shape helpers with PyTorch's and NumPy's calling conventions ---------------------------

    def reshape(self, *shape: Any) -> Tensor:
        """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return _ops["reshape"].function(self, shape)

    def view(self, *shape: Any) -> Tensor:
        return self.reshape(*shape)

    def transpose(self, *axes: Any) -> Tensor:
        """NumPy's ``transpose``: reverse the axes, or order them as given."""
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0]) if axes[0] is not None else ()
        return _ops["transpose"].function(self, axes or None)

    def permute(self, *axes: Any) -> Tensor:
        return self.transpose(*axes)

    @property
    def T(self) -> Tensor:
        return _ops["transpose"].function(self, None)

    @property
    def mT(self) -> Tensor:
        """Swap the last two axes: the matrix transpose of a batch."""
        axes = list(range(self.data.ndim))
        axes[-2], axes[-1] = axes[-1], axes[-2]
        return _ops["transpose"].function(self, tuple(axes))

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def astype(self, dtype: Any) -> Tensor:
        if np.dtype(dtype) == self.data.dtype:
            return self
        return _ops["astype"].function(self, dtype)


def _make(data: ndarray) -> Tensor:
    """A leaf tensor around ``data`` without copying: the fast path for results."""
    t = _new(Tensor)
    t.data = data
    t._requires_grad = False
    t.grad = None
    t._op = None
    t._inputs = None
    t._params = None
    return t


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a tensor from data, copying it (``ng.tensor([1.0, 2.0], requires_grad=True)``)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(value: Any) -> Tensor:
    """``value`` if it is a tensor, otherwise a constant tensor around it (no copy)."""
    if isinstance(value, Tensor):
        return value
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f"cannot make a tensor from {type(value).__name__}")
    return _make(arr)


def _constant(value: Any) -> Any:
    """Normalise a non-tensor operand: Python numbers stay as they are, so NumPy keeps the
    tensor's dtype (``float32_tensor * 2.0`` stays float32); everything else becomes an array."""
    if type(value) in (float, int, bool):
        return value
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f"cannot use {type(value).__name__} as a tensor operand")
    return arr


# -- binding ops to callables ---------------------------------------------------------------------

_ops: dict[str, OpDef] = {}


def _params_from(op: OpDef, extra: tuple[Any, ...], params: dict[str, Any]) -> dict[str, Any]:
    names = op.param_names
    if len(extra) > len(names):
        raise TypeError(
            f"{op.name}() takes {op.arity} tensor input(s) and parameters {names}; "
            f"got {op.arity + len(extra)} positional arguments"
        )
    bound = dict(zip(names, extra))
    for key in params:
        if key in bound:
            raise TypeError(f"{op.name}() got parameter {key!r} twice")
    bound.update(params)
    return bound


def _forward_error(op: OpDef, args: Sequence[Any], exc: Exception) -> Exception:
    shapes = ", ".join(
        str(getattr(a, "shape", type(a).__name__)) for a in (args[0] if op.variadic else args)
    )
    return type(exc)(f"{op.name}: {exc} (input shapes: {shapes})") if isinstance(
        exc, (ValueError, TypeError, IndexError)
    ) else exc


def make_function(op: OpDef) -> Callable[..., Tensor]:
    """The callable behind ``ng.ops.<name>``: run the forward, record the graph if needed.

    Specialised by arity because this is the hot path: one Python call, the NumPy call, one
    tensor, and nothing else. No plugin machinery is involved.
    """
    forward = op.forward
    differentiable = op.differentiable
    mode = grad_mode

    def wrap(out: Any, inputs: tuple[Any, ...], params: dict[str, Any], needs: bool) -> Tensor:
        if type(out) is not ndarray:
            out = np.asarray(out)
        t = _new(Tensor)
        t.data = out
        t.grad = None
        if needs and differentiable and mode.enabled:
            t._requires_grad = True
            t._op = op
            t._inputs = inputs
            t._params = params
        else:
            t._requires_grad = False
            t._op = None
            t._inputs = None
            t._params = None
        return t

    if op.variadic:

        def variadic(tensors: Sequence[Any], *extra: Any, **params: Any) -> Tensor:
            if extra:
                params = _params_from(op, extra, params)
            inputs = tuple(x if isinstance(x, Tensor) else _constant(x) for x in tensors)
            datas = [x.data if isinstance(x, Tensor) else x for x in inputs]
            try:
                out = forward(datas, **params)
            except (ValueError, TypeError, IndexError) as exc:
                raise _forward_error(op, (inputs,), exc) from exc
            needs = any(isinstance(x, Tensor) and x._requires_grad for x in inputs)
            return wrap(out, inputs, params, needs)

        return variadic

    if op.arity == 1:

        def unary(x: Any, *extra: Any, **params: Any) -> Tensor:
            if extra:
                params = _params_from(op, extra, params)
            if not isinstance(x, Tensor):
                x = as_tensor(x)
            try:
                out = forward(x.data, **params)
            except (ValueError, TypeError, IndexError) as exc:
                raise _forward_error(op, (x,), exc) from exc
            return wrap(out, (x,), params, x._requires_grad)

        return unary

    if op.arity == 2:

        def binary(a: Any, b: Any, *extra: Any, **params: Any) -> Tensor:
            if extra:
                params = _params_from(op, extra, params)
            if isinstance(a, Tensor):
                needs = a._requires_grad
                ad = a.data
            else:
                if not isinstance(b, Tensor):
                    a = as_tensor(a)
                    ad = a.data
                else:
                    ad = a = _constant(a)
                needs = False
            if isinstance(b, Tensor):
                needs = needs or b._requires_grad
                bd = b.data
            else:
                bd = b = _constant(b)
            try:
                out = forward(ad, bd, **params)
            except (ValueError, TypeError, IndexError) as exc:
                raise _forward_error(op, (a, b), exc) from exc
            return wrap(out, (a, b), params, needs)

        return binary

    arity = op.arity

    def nary(*args: Any, **params: Any) -> Tensor:
        if len(args) < arity:
            raise TypeError(f"{op.name}() takes {arity} tensor inputs, got {len(args)}")
        if len(args) > arity:
            params = _params_from(op, args[arity:], params)
            args = args[:arity]
        inputs = tuple(x if isinstance(x, Tensor) else _constant(x) for x in args)
        if not any(isinstance(x, Tensor) for x in inputs):
            inputs = (as_tensor(inputs[0]), *inputs[1:])
        datas = [x.data if isinstance(x, Tensor) else x for x in inputs]
        try:
            out = forward(*datas, **params)
        except (ValueError, TypeError, IndexError) as exc:
            raise _forward_error(op, inputs, exc) from exc
        needs = any(isinstance(x, Tensor) and x._requires_grad for x in inputs)
        return wrap(out, inputs, params, needs)

    return nary


# Python operators and the op each one calls; reflected ones swap the operands.
OPERATORS: dict[str, tuple[str, bool]] = {
    "__add__": ("add", False), "__radd__": ("add", True),
    "__sub__": ("sub", False), "__rsub__": ("sub", True),
    "__mul__": ("mul", False), "__rmul__": ("mul", True),
    "__truediv__": ("div", False), "__rtruediv__": ("div", True),
    "__pow__": ("pow", False), "__rpow__": ("pow", True),
    "__matmul__": ("matmul", False), "__rmatmul__": ("matmul", True),
    "__lt__": ("less", False), "__le__": ("less_equal", False),
    "__gt__": ("greater", False), "__ge__": ("greater_equal", False),
    "__eq__": ("equal", False), "__ne__": ("not_equal", False),
    "__neg__": ("neg", False), "__abs__": ("abs", False),
    "__getitem__": ("getitem", False),
}  # fmt: skip


def _missing(op_name: str, attr: str) -> Callable[..., Any]:
    def missing(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"Tensor.{attr} needs an op named {op_name!r}, and no loaded plugin registers one; "
            "check `python -m nanograd.plugins` and NANOGRAD_LOAD_PLUGINS"
        )

    return missing


def _reflected(func: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def reflected(self: Tensor, other: Any) -> Tensor:
        return func(other, self)

    return reflected


def _lazy(attr: str) -> Callable[..., Any]:
    """Placeholder for an operator until plugins load; loads them, then calls the real one."""

    def lazy(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        from nanograd import plugins

        plugins.load()
        method = type(self).__dict__.get(attr)
        if method is None or getattr(method, "_nanograd_lazy", False):
            return _missing(OPERATORS.get(attr, (attr, False))[0], attr)(self, *args, **kwargs)
        return method(self, *args, **kwargs)

    lazy._nanograd_lazy = True  # type: ignore[attr-defined]
    return lazy


for _attr in OPERATORS:
    setattr(Tensor, _attr, _lazy(_attr))

_bound_methods: set[str] = set()


def bind_ops(registry: Registry) -> None:
    """Bind every registered op: its function, its Tensor method and the operators it backs."""
    _ops.clear()
    _ops.update(registry.ops)
    for name in _bound_methods:
        if hasattr(Tensor, name):
            delattr(Tensor, name)
    _bound_methods.clear()
    for op in registry.ops.values():
        op.function = make_function(op)
        if op.method is not None and op.method not in Tensor.__dict__:
            setattr(Tensor, op.method, op.function)
            _bound_methods.add(op.method)
    for attr, (op_name, reflected) in OPERATORS.items():
        found = registry.ops.get(op_name)
        if found is None:
            setattr(Tensor, attr, _missing(op_name, attr))
        elif reflected:
            setattr(Tensor, attr, _reflected(found.function))
        else:
            setattr(Tensor, attr, found.function)


def _getattr(self: Tensor, name: str) -> Any:
    """Tensor methods come from plugins: the first unknown attribute loads them once."""
    from nanograd import plugins

    if not name.startswith("_") and not plugins.is_loaded():
        plugins.load()
        return getattr(self, name)
    raise AttributeError(f"'Tensor' object has no attribute {name!r}")


Tensor.__getattr__ = _getattr  # type: ignore[attr-defined]
