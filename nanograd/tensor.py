"""``Tensor``: a NumPy array that remembers the op that made it.

A tensor that requires grad keeps its op, its inputs and the op's parameters. It never keeps a
reference to anything made from it, so a graph holds no reference cycles and is freed by
reference counting alone, without waking Python's cyclic garbage collector.

Operators and methods are bound from the registry when plugins load (see :func:`bind_ops`); the
engine itself holds no op math. Calling an op is the hot path of the whole library, so the
callables made by :func:`make_function` do the least they can: one NumPy call, one new tensor,
and the graph record when one is needed. No plugin machinery runs per op.
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
# NumPy dtype kinds a tensor may hold: bool, signed and unsigned int, float, complex.
_NUMERIC_KINDS = "biufc"


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None)`` copies ``data`` into a NumPy array (NumPy's
    dtype inference: Python floats become float64). Only floating-point tensors can require grad.
    ``.grad`` of a leaf accumulates over calls to ``backward()``, as in PyTorch: call
    ``zero_grad()`` on the optimizer or module (or set ``.grad = None``) between steps.
    """

    __slots__ = ("__weakref__", "_inputs", "_op", "_params", "_requires_grad", "data", "grad")
    # NumPy's operators return NotImplemented for a type that sets this to None, so
    # ``array @ tensor`` reaches Tensor.__rmatmul__ instead of making an object array.
    __array_ufunc__ = None

    data: ndarray
    grad: Tensor | None
    _requires_grad: bool
    _op: OpDef | None
    _inputs: tuple[Any, ...] | None
    _params: dict[str, Any] | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        array = np.array(data, dtype=dtype)
        if array.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(
                f"Tensor data must be numeric (bool, int, float or complex); got dtype "
                f"{array.dtype} from {type(data).__name__}"
            )
        self.data = array
        self._requires_grad = False
        self.grad = None
        self._op = None
        self._inputs = None
        self._params = None
        if requires_grad:
            self.requires_grad = True

    def __getattr__(self, name: str) -> Any:
        """Tensor methods such as ``exp`` come from plugins: the first unknown attribute loads
        them, then looks again.

        Only present until plugins load: :func:`bind_ops` removes it from the class, because a
        class with ``__getattr__`` makes every attribute read on every tensor slower.
        """
        from nanograd import plugins

        if name.startswith("_") or plugins.is_loaded():
            raise AttributeError(f"'Tensor' object has no attribute {name!r}")
        plugins.load()
        return getattr(self, name)

    # -- attributes -----------------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor; settable on leaves of floating dtype."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require grad; this tensor is "
                f"{self.data.dtype}. Make it floating first, e.g. "
                "ng.tensor(data, dtype=np.float64, requires_grad=True) or t.double()"
            )
        if not value and self._op is not None:
            raise RuntimeError(
                "requires_grad can only be switched off on a leaf tensor; use .detach() "
                "for a tensor outside the graph"
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
        """The underlying array, shared rather than copied.

        Refused while the tensor requires grad, because writing into the array would silently
        corrupt the gradients computed from it; ``t.detach().numpy()`` says you mean it.
        """
        if self._requires_grad:
            raise RuntimeError(
                "numpy() on a tensor that requires grad; use t.detach().numpy() "
                "(PyTorch asks the same)"
            )
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> ndarray:
        """``np.asarray(t)``: the data itself; ``copy`` and ``dtype`` as NumPy 2 defines them."""
        data = self.data
        if dtype is not None and np.dtype(dtype) != data.dtype:
            if copy is False:
                raise ValueError(f"cannot convert a {data.dtype} tensor to {dtype} without a copy")
            return data.astype(dtype)
        return data.copy() if copy else data

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
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self.data.item())

    # ``__eq__`` is an op (elementwise ==), so identity hashing has to be asked for.
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
        self, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf), weighted by ``grad``, into every leaf's ``.grad``.

        A tensor of more than one element needs ``grad`` of its own shape. The graph is freed
        afterwards unless ``retain_graph`` (which defaults to ``create_graph``);
        ``create_graph=True`` records the backward pass itself so the gradients can be
        differentiated again.
        """
        from nanograd.autograd import backward

        backward([self], None if grad is None else [grad], retain_graph, create_graph)

    # -- shape helpers with PyTorch's and NumPy's calling conventions ---------------------------

    def reshape(self, *shape: Any) -> Tensor:
        """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
        return _call("reshape", self, _as_tuple(shape))

    def view(self, *shape: Any) -> Tensor:
        return self.reshape(*shape)

    def transpose(self, *axes: Any) -> Tensor:
        """NumPy's ``transpose``: reverse the axes, or order them as given."""
        order = _as_tuple(axes) if axes and axes != (None,) else None
        return _call("transpose", self, order or None)

    def permute(self, *axes: Any) -> Tensor:
        return self.transpose(*axes)

    @property
    def T(self) -> Tensor:
        return _call("transpose", self, None)

    @property
    def mT(self) -> Tensor:
        """Swap the last two axes: the matrix transpose of a batch."""
        if self.data.ndim < 2:
            raise ValueError(
                f"mT swaps the last two axes, so it needs a tensor of at least 2 dimensions; "
                f"this one has shape {self.data.shape}"
            )
        axes = list(range(self.data.ndim))
        axes[-2], axes[-1] = axes[-1], axes[-2]
        return _call("transpose", self, tuple(axes))

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def astype(self, dtype: Any) -> Tensor:
        if np.dtype(dtype) == self.data.dtype:
            return self
        return _call("astype", self, dtype)

    if TYPE_CHECKING:  # bound from the registry at load time; declared here for type checkers

        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __eq__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __neg__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __getitem__(self, key: Any) -> Tensor: ...


# The attributes the engine itself defines, which no op may take as its method name; the shape
# helpers above are the exception: an op of that name may ask for the method and the helper,
# which accepts more calling conventions, stays.
SHAPE_HELPERS = frozenset(
    {"reshape", "view", "transpose", "permute", "flatten", "astype", "float", "double", "T", "mT"}
)
ENGINE_ATTRIBUTES = frozenset(Tensor.__dict__) - SHAPE_HELPERS
_lazy_getattr = Tensor.__dict__["__getattr__"]


def _as_tuple(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` both give ``(2, 3)``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


def _call(op_name: str, *args: Any) -> Tensor:
    """Call a registered op from an engine helper, loading plugins first if needed."""
    op = _ops.get(op_name)
    if op is None:
        from nanograd import plugins

        op = plugins.registry().ops.get(op_name)
        if op is None:
            raise NotImplementedError(_missing_message(op_name, op_name))
    result: Tensor = op.function(*args)
    return result


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


def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` if it is a tensor of that dtype, otherwise a constant tensor around it.

    Unlike :func:`tensor` this does not copy an ndarray of the right dtype: the tensor shares it.
    """
    if isinstance(value, Tensor):
        if dtype is None or np.dtype(dtype) == value.data.dtype:
            return value
        value = value.data
    arr = np.asarray(value, dtype=dtype)
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"cannot make a tensor from {type(value).__name__} (dtype {arr.dtype})")
    return _make(arr)


def _constant(value: Any, op: OpDef) -> Any:
    """Normalise an operand of ``op`` that is not a tensor, which the graph records as a constant.

    Python numbers stay as they are so that NumPy keeps the tensor's dtype
    (``float32_tensor * 2.0`` stays float32); anything else becomes an ndarray, shared with the
    caller rather than copied.
    """
    if type(value) in (float, int, bool):
        return value
    arr = np.asarray(value)
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{op.name}() cannot take {type(value).__name__} {value!r:.40} as an input: an input "
            "is a tensor, a number or a numeric array"
        )
    return arr


def _constant_tensor(value: Any, op: OpDef) -> Tensor:
    """A constant tensor around an operand of ``op``, for a call that was given no tensor."""
    return _make(np.asarray(_constant(value, op)))


# -- binding ops to callables ---------------------------------------------------------------------

_ops: dict[str, OpDef] = {}
_FORWARD_ERRORS = (ValueError, TypeError, IndexError)


def _check_params(op: OpDef, params: dict[str, Any]) -> dict[str, Any]:
    """Refuse keywords the op does not take: a typo must not reach NumPy as ``out=``."""
    unknown = [key for key in params if key not in op.param_names]
    if unknown and not op.any_params:
        listed = ", ".join(op.param_names) or "none"
        raise TypeError(
            f"{op.name}() got unexpected parameter(s) {', '.join(map(repr, unknown))}; "
            f"its parameters are: {listed}"
        )
    return params


def _params_from(op: OpDef, extra: tuple[Any, ...], params: dict[str, Any]) -> dict[str, Any]:
    """Merge parameters passed positionally after the tensor inputs into the keyword ones."""
    _check_params(op, params)
    names = op.param_names
    if len(extra) > len(names):
        listed = ", ".join(names) or "none"
        raise TypeError(
            f"{op.name}() takes {op.arity} tensor input(s) and then the parameters ({listed}); "
            f"got {op.arity + len(extra)} positional arguments"
        )
    bound = dict(zip(names, extra, strict=False))  # trailing parameters keep defaults
    for key in params:
        if key in bound:
            raise TypeError(f"{op.name}() got parameter {key!r} both by position and by keyword")
    bound.update(params)
    return bound


def _describe(value: Any) -> str:
    if isinstance(value, (Tensor, ndarray)):
        kind = "tensor" if isinstance(value, Tensor) else "array"
        return f"{kind} {value.shape} {value.dtype}"
    return type(value).__name__


def _forward_error(
    op: OpDef, inputs: Sequence[Any], params: dict[str, Any], exc: Exception
) -> Exception:
    """The error of an op's forward, retold with the op, its plugin and what it was given."""
    given = ", ".join(_describe(x) for x in inputs)
    message = f"{op.name} (plugin {op.plugin}) on inputs [{given}]"
    if params:
        message += " with " + ", ".join(f"{k}={v!r}" for k, v in params.items())
    message += f": {exc}"
    if isinstance(exc, TypeError) and op.param_names:
        message += f" (its parameters: {', '.join(op.param_names)})"
    try:
        return type(exc)(message)
    except Exception:  # a class whose constructor wants more than a message (NumPy's ufunc
        # errors): the builtin class it derives from, so ``except TypeError`` still catches it
        base = next(cls for cls in _FORWARD_ERRORS if isinstance(exc, cls))
        return base(message)


def _result(
    out: Any, op: OpDef, inputs: tuple[Any, ...], params: dict[str, Any], record: bool
) -> Tensor:
    """Wrap an op's output; record the op, its inputs and params when a gradient will flow."""
    if type(out) is not ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t.data = out
    t.grad = None
    # A gradient flows only into a floating-point result (``astype(int)`` ends the graph).
    if record and out.dtype.kind == "f":
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


def _apply(op: OpDef, inputs: tuple[Any, ...], params: dict[str, Any]) -> Tensor:
    """Run ``op`` on ``inputs`` (tensors and constants): the general path, for variadic ops and
    ops of three or more inputs. Unary and binary calls do the same, unrolled."""
    datas = [x.data if isinstance(x, Tensor) else x for x in inputs]
    try:
        out = op.forward(datas, **params) if op.variadic else op.forward(*datas, **params)
    except _FORWARD_ERRORS as exc:
        raise _forward_error(op, inputs, params, exc) from exc
    record = (
        op.differentiable
        and grad_mode.enabled
        and any(isinstance(x, Tensor) and x._requires_grad for x in inputs)
    )
    return _result(out, op, inputs, params, record)


def make_function(op: OpDef) -> Callable[..., Any]:
    """The callable behind ``ng.ops.<name>``: run the forward, record the graph if needed.

    It carries the op's name and doc, so ``help(ng.ops.exp)`` shows the doc and a call with a
    missing argument says ``exp()``, not the name of the specialised function behind it.
    """
    function: Callable[..., Any]
    if op.composite:
        function = _composite(op.forward)
    elif op.output_ops:
        function = _several(op)
    else:
        function = _specialised(op)
    function.__name__ = function.__qualname__ = op.name
    function.__module__ = "nanograd.ops"
    function.__doc__ = op.doc
    return function


def _specialised(op: OpDef) -> Callable[..., Tensor]:
    """The function that calls ``op``, specialised by arity because this is the hot path: one
    Python call, the NumPy call, one tensor, and nothing else. Operands that are not tensors
    are kept as constants. Without parameters the forward is called without ``**params``:
    unpacking even an empty dict costs a NumPy ufunc call a tenth more."""
    forward = op.forward
    differentiable = op.differentiable
    mode = grad_mode

    if op.variadic:

        def variadic(tensors: Sequence[Any], *extra: Any, **params: Any) -> Tensor:
            if extra:
                params = _params_from(op, extra, params)
            elif params:
                _check_params(op, params)
            inputs = tuple(x if isinstance(x, Tensor) else _constant(x, op) for x in tensors)
            return _apply(op, inputs, params)

        return variadic

    if op.arity == 1:

        def unary(x: Any, *extra: Any, **params: Any) -> Tensor:
            if extra:
                params = _params_from(op, extra, params)
            elif params:
                _check_params(op, params)
            if not isinstance(x, Tensor):
                x = _constant_tensor(x, op)
            try:
                out = forward(x.data, **params) if params else forward(x.data)
            except _FORWARD_ERRORS as exc:
                raise _forward_error(op, (x,), params, exc) from exc
            return _result(
                out, op, (x,), params, x._requires_grad and differentiable and mode.enabled
            )

        return unary

    if op.arity == 2:

        def binary(a: Any, b: Any, *extra: Any, **params: Any) -> Tensor:
            if extra:
                params = _params_from(op, extra, params)
            elif params:
                _check_params(op, params)
            if isinstance(a, Tensor):
                ad = a.data
                needs = a._requires_grad
                if isinstance(b, Tensor):
                    bd = b.data
                    needs = needs or b._requires_grad
                else:
                    bd = b = _constant(b, op)
            elif isinstance(b, Tensor):
                ad = a = _constant(a, op)
                bd = b.data
                needs = b._requires_grad
            else:  # neither is a tensor: the result is a constant tensor
                a = _constant_tensor(a, op)
                ad = a.data
                bd = b = _constant(b, op)
                needs = False
            try:
                out = forward(ad, bd, **params) if params else forward(ad, bd)
            except _FORWARD_ERRORS as exc:
                raise _forward_error(op, (a, b), params, exc) from exc
            return _result(out, op, (a, b), params, needs and differentiable and mode.enabled)

        return binary

    arity = op.arity

    def nary(*args: Any, **params: Any) -> Tensor:
        if len(args) < arity:
            raise TypeError(f"{op.name}() takes {arity} tensor inputs, got {len(args)}")
        if len(args) > arity:
            params = _params_from(op, args[arity:], params)
            args = args[:arity]
        elif params:
            _check_params(op, params)
        inputs = tuple(x if isinstance(x, Tensor) else _constant(x, op) for x in args)
        if not any(isinstance(x, Tensor) for x in inputs):
            inputs = (_constant_tensor(inputs[0], op), *inputs[1:])
        return _apply(op, inputs, params)

    return nary


def _composite(body: Callable[..., Any]) -> Callable[..., Any]:
    """A composite op calls its body, a function of tensors made of other ops, as it is."""

    def composite(*args: Any, **kwargs: Any) -> Any:
        return body(*args, **kwargs)

    return composite


def _several(op: OpDef) -> Callable[..., Any]:
    """The function of an op with several outputs: one forward, one graph node per output.

    Each output records its own view of the op (``op.output_ops``), whose vjps give that
    output's share of each input's gradient. The outputs come back as a named tuple; an output
    the forward returned as None (not computed for these parameters) is None there, and a call
    that computes a single output returns that tensor alone (``svd(a, compute_uv=False)``).
    """
    views = op.output_ops
    result_type = op.result_type
    arity = op.arity

    def several(*args: Any, **params: Any) -> Any:
        if len(args) < arity:
            raise TypeError(f"{op.name}() takes {arity} tensor inputs, got {len(args)}")
        if len(args) > arity:
            params = _params_from(op, args[arity:], params)
            args = args[:arity]
        elif params:
            _check_params(op, params)
        inputs = tuple(x if isinstance(x, Tensor) else _constant(x, op) for x in args)
        if not any(isinstance(x, Tensor) for x in inputs):
            inputs = (_constant_tensor(inputs[0], op), *inputs[1:])
        datas = [x.data if isinstance(x, Tensor) else x for x in inputs]
        try:
            outs = op.forward(*datas, **params)
        except _FORWARD_ERRORS as exc:
            raise _forward_error(op, inputs, params, exc) from exc
        if not isinstance(outs, tuple) or len(outs) != len(views):
            raise TypeError(
                f"the forward of op {op.name!r} (plugin {op.plugin!r}) returned "
                f"{type(outs).__name__}; it must return a tuple of {len(views)} arrays "
                f"({', '.join(op.outputs)}), None for one it does not compute"
            )
        record = grad_mode.enabled and any(
            isinstance(x, Tensor) and x._requires_grad for x in inputs
        )
        results = tuple(
            None if out is None else _result(out, v, inputs, params, record and v.differentiable)
            for out, v in zip(outs, views, strict=True)
        )
        computed = [r for r in results if r is not None]
        return computed[0] if len(computed) == 1 else result_type(*results)

    return several


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


def _missing_message(op_name: str, attr: str) -> str:
    return (
        f"Tensor.{attr} needs an op named {op_name!r}, and no loaded plugin registers one; "
        "`python -m nanograd.plugins` lists what is loaded, and NANOGRAD_LOAD_PLUGINS may be "
        "leaving a plugin out"
    )


def _missing(op_name: str, attr: str) -> Callable[..., Any]:
    def missing(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(_missing_message(op_name, attr))

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


def _lazy_operator(attr: str) -> Callable[..., Any]:
    """Stand-in for an operator until plugins load: loads them, then calls the real one."""

    def lazy(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        from nanograd import plugins

        plugins.load()
        method = Tensor.__dict__[attr]
        if method is lazy:  # loading did not bind it, e.g. it failed half-way
            raise NotImplementedError(_missing_message(OPERATORS[attr][0], attr))
        return method(self, *args, **kwargs)

    return lazy


_bound_methods: set[str] = set()


def unbind_ops() -> None:
    """Undo :func:`bind_ops`: operators and methods load plugins again on first use."""
    from nanograd import ops as ops_module

    for name in _ops:
        vars(ops_module).pop(name, None)
    _ops.clear()
    for name in _bound_methods:
        if name in Tensor.__dict__:
            delattr(Tensor, name)
    _bound_methods.clear()
    for attr in OPERATORS:
        setattr(Tensor, attr, _lazy_operator(attr))
    Tensor.__getattr__ = _lazy_getattr  # type: ignore[method-assign]


def bind_ops(registry: Registry) -> None:
    """Bind every registered op: its function, its Tensor method and the operators it backs."""
    from nanograd import ops as ops_module

    unbind_ops()
    _ops.update(registry.ops)
    for op in registry.ops.values():
        op.function = make_function(op)
        setattr(ops_module, op.name, op.function)
        # The registry has already refused method names the engine defines, except the shape
        # helpers, which keep their own definition.
        if op.method is not None and op.method not in Tensor.__dict__:
            setattr(Tensor, op.method, op.function)
            _bound_methods.add(op.method)
    for attr, (op_name, reflected) in OPERATORS.items():
        found = registry.ops.get(op_name)
        if found is None:
            setattr(Tensor, attr, _missing(op_name, attr))
        elif reflected:
            setattr(Tensor, attr, _reflected(found.function))
        elif attr in ("__eq__", "__ne__"):
            setattr(Tensor, attr, _equality(found.function))
        else:
            setattr(Tensor, attr, found.function)
    del Tensor.__getattr__  # every method is bound now; see Tensor.__getattr__


unbind_ops()
