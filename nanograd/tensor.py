"""``Tensor``: a NumPy array that remembers the op that made it.

A tensor that requires grad keeps its op, its inputs and the op's parameters. It never keeps a
reference to anything made from it, so a graph holds no reference cycles and is freed by
reference counting alone, without waking Python's cyclic garbage collector.

This module holds the type alone; of the rest of the engine it imports only the ``ng.ops``
namespace, the checks on what users assign (:mod:`nanograd.tensor_checks`) and the version
clock (:mod:`nanograd.versions`). Its operators and op methods (``+``, ``exp``, ``sum``) are
bound onto the class by :mod:`nanograd.binding` as plugins register ops, ``backward()`` comes
from :mod:`nanograd.autograd` and the in-place methods (``add_``, ``+=``) from
:mod:`nanograd.inplace`; the first two are declared at the end of the class for type checkers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from nanograd import ops, versions
from nanograd import tensor_checks as checks
from nanograd.tensor_checks import NUMERIC_KINDS

if TYPE_CHECKING:
    from nanograd.registry import OpDef

ndarray = np.ndarray
_new = object.__new__


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None)`` copies ``data`` into a NumPy array (NumPy's
    dtype inference: Python floats become float64). Only floating-point tensors can require grad.
    ``.grad`` of a leaf accumulates over calls to ``backward()``, as in PyTorch: call
    ``zero_grad()`` on the optimizer or module (or set ``.grad = None``) between steps.
    """

    __slots__ = (
        "__weakref__", "_data", "_grad", "_inputs", "_op", "_params", "_recorded_at",
        "_requires_grad",
    )  # fmt: skip
    # NumPy's operators return NotImplemented for a type that sets this to None, so
    # ``array @ tensor`` reaches Tensor.__rmatmul__ instead of making an object array.
    __array_ufunc__ = None

    # The engine reads and writes the slots (``_data``, ``_grad``); users and plugins go through
    # the checked ``data`` and ``grad`` properties below.
    _data: ndarray
    _grad: Tensor | None
    _requires_grad: bool
    _op: OpDef | None
    _inputs: tuple[Any, ...] | None
    _params: dict[str, Any] | None
    _recorded_at: int  # set on graph nodes only: the version clock when the op ran (versions.py)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data._data
        if type(data) in (list, tuple):
            array = checks.from_sequence(data, dtype)
        else:
            array = np.array(data, dtype=dtype)
        self._data = checks.numeric(array, data)
        self._requires_grad = False
        self._grad = None
        self._op = None
        self._inputs = None
        self._params = None
        if requires_grad:
            self.requires_grad = True

    # -- attributes -----------------------------------------------------------------------------

    @property
    def data(self) -> ndarray:
        """The values, a NumPy array (always an ndarray, 0-d for a scalar).

        Assigning one is checked (a numeric ndarray, floating if the tensor requires grad, of the
        gradient's shape and dtype if it has one) and counts as an in-place change for
        ``backward()``. Writing into it (``t.data[...] = v``) is not seen: see ``versions``.
        """
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = checks.new_data(self, value._data if isinstance(value, Tensor) else value)
        versions.rebind(self, "a .data assignment")

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient, a tensor of this one's shape and dtype, or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None and not isinstance(value, Tensor):
            raise checks.not_a_tensor(value)
        self._grad = None if value is None else checks.new_grad(self, value)

    @property
    def _version(self) -> int:
        """Grows with every in-place change nanograd makes to this tensor (0: none yet)."""
        return versions.version(self)

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor; settable on leaves of floating dtype."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._requires_grad = checks.requires_grad(self, value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return the tensor, as PyTorch does."""
        self.requires_grad = requires_grad
        return self

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that recorded a graph."""
        return self._op is None

    @property
    def grad_fn(self) -> OpDef | None:
        """The op that made this tensor, or None for a leaf."""
        return self._op

    def is_contiguous(self) -> bool:
        """Whether the values are laid out row by row with no gaps, as PyTorch's: false for a
        transpose (``w.T``), a strided slice or a broadcast view. Says nothing about the
        values, so a compiled function's gradient may ask it."""
        return bool(self._data.flags.c_contiguous)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element; this one has shape {self._data.shape}"
            )
        return self._data.item()

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
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> ndarray:
        """``np.asarray(t)``: the data itself; ``copy`` and ``dtype`` as NumPy 2 defines them."""
        if self._requires_grad and checks.listing():
            raise checks.listed_error()
        data = self._data
        if dtype is not None and np.dtype(dtype) != data.dtype:
            if copy is False:
                raise ValueError(f"cannot convert a {data.dtype} tensor to {dtype} without a copy")
            return data.astype(dtype)
        return data.copy() if copy else data

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, outside any graph."""
        return wrap(self._data)

    def clone(self) -> Tensor:
        """A copy of the data outside any graph (a differentiable copy is ``x + 0``)."""
        return wrap(self._data.copy())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self._data.shape} is ambiguous; "
                "use .any() or .all() on its data"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self._data.item())

    # ``__eq__`` is an op (elementwise ==), so identity hashing has to be asked for.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extras = []
        if self._data.dtype not in (np.float64, np.int64, np.bool_):
            extras.append(f"dtype={self._data.dtype}")
        if self._op is not None:
            extras.append(f"grad_fn=<{self._op.name}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

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
        ndim = self._data.ndim
        if ndim < 2:
            raise ValueError(
                f"mT swaps the last two axes, so it needs a tensor of at least 2 dimensions; "
                f"this one has shape {self._data.shape}"
            )
        return _call("transpose", self, (*range(ndim - 2), ndim - 1, ndim - 2))

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def astype(self, dtype: Any) -> Tensor:
        if np.dtype(dtype) == self._data.dtype:
            return self
        return _call("astype", self, dtype)

    if TYPE_CHECKING:  # attached by nanograd.autograd and nanograd.binding; declared for mypy
        # Op methods (x.exp(), x.sum(axis=0)) are whatever the loaded plugins register.
        def __getattr__(self, name: str) -> Any: ...

        def backward(
            self, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False
        ) -> None: ...

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
ENGINE_ATTRIBUTES = (frozenset(Tensor.__dict__) | {"backward"}) - SHAPE_HELPERS


def _as_tuple(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` both give ``(2, 3)``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


def _call(op_name: str, *args: Any) -> Tensor:
    """Call a registered op from a shape helper (``reshape``, ``T``, ``astype``)."""
    function = _BOUND.get(op_name)  # the fast path: one dict lookup, as ``ng.ops.<name>``
    if function is None:
        function = engine_op(op_name, f"Tensor.{op_name}")
    result: Tensor = function(*args)
    return result


_BOUND = vars(ops)  # the ng.ops namespace, where the binding puts each op's function


def engine_op(op_name: str, needed_by: str) -> Callable[..., Any]:
    """The function of an op the engine itself calls (see ``registry.ENGINE_OPS``), loading
    plugins first if needed; NotImplementedError naming it if no loaded plugin registers it."""
    function = _BOUND.get(op_name)
    if function is None:
        try:
            function = getattr(ops, op_name)  # loads plugins on first use
        except AttributeError:
            raise NotImplementedError(missing_op_message(op_name, needed_by)) from None
    return function  # type: ignore[no-any-return]


def missing_op_message(op_name: str, needed_by: str) -> str:
    """Why ``needed_by`` cannot run: no loaded plugin registers the op it calls."""
    return (
        f"{needed_by} needs an op named {op_name!r}, and no loaded plugin registers one; "
        "`python -m nanograd.plugins` lists what is loaded, and NANOGRAD_LOAD_PLUGINS may be "
        "leaving a plugin out"
    )


def wrap(data: ndarray) -> Tensor:
    """A leaf tensor around ``data`` without copying: the fast path for results."""
    if type(data) is not ndarray:  # NumPy gives a scalar, not a 0-d array, for 0-d arithmetic
        data = np.asarray(data)
    t = _new(Tensor)
    t._data = data
    t._requires_grad = False
    t._grad = None
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
        if dtype is None or np.dtype(dtype) == value._data.dtype:
            return value
        value = value._data
    arr = np.asarray(value, dtype=dtype)
    if arr.dtype.kind not in NUMERIC_KINDS:
        raise TypeError(f"cannot make a tensor from {type(value).__name__} (dtype {arr.dtype})")
    return wrap(arr)
