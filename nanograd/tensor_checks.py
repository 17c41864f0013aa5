"""What a tensor accepts from its user, and the error when it is given something else.

``t.data = ...`` and ``t.grad = ...`` are checked when they are assigned rather than where a
wrong value would fail later (a (3, 1) gradient on a (3,) tensor broadcasts silently into
(3, 3)); ``ng.tensor([a, b])`` refuses tensors that require grad, which copying would drop from
the graph. The :class:`~nanograd.tensor.Tensor` type calls these; they import no part of it.
"""

from __future__ import annotations

from _thread import _local as thread_local  # threading.local itself, without threading
from typing import Any

import numpy as np

from nanograd._mode import grad_mode

NUMERIC_KINDS = "biufc"  # NumPy dtype kinds a tensor may hold: bool, int, uint, float, complex

# Set while ``ng.tensor([...])`` converts a list: NumPy reads each tensor in it through
# ``Tensor.__array__``, which refuses then if the tensor requires grad. Cheaper than scanning
# a long list of numbers, and per thread, so another thread's ``np.asarray(t)`` is unaffected.
_listing = thread_local()


def from_sequence(data: list[Any] | tuple[Any, ...], dtype: Any) -> np.ndarray:
    """``np.array(data)`` for ``ng.tensor([...])``, refusing tensors that require grad in it."""
    _listing.active = True
    try:
        return np.array(data, dtype=dtype)
    finally:
        _listing.active = False


def listing() -> bool:
    """True while :func:`from_sequence` converts a list and the graph is being recorded."""
    return getattr(_listing, "active", False) and grad_mode.enabled


def listed_error() -> RuntimeError:
    return RuntimeError(
        "ng.tensor([...]) copies the values of the tensors in the list, so a tensor in it that "
        "requires grad would leave the graph and its gradient would be lost; build the tensor "
        "with ng.ops.stack([a, b]) (or ng.ops.concatenate) to keep them in the graph, or detach "
        "them first (a.detach()) if a constant is what you want"
    )


def new_data(t: Any, value: Any) -> np.ndarray:
    """``value`` (an array, a tensor's already taken) as the new ``t.data``, or an error
    saying what ``t.data`` accepts."""
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"Tensor.data must be a NumPy array; got {type(value).__name__}. Assign "
            "np.asarray(value), or write the values into the tensor with t.copy_(value)"
        )
    array = np.asarray(value)  # an ndarray subclass (np.matrix, a masked array) becomes plain
    if array.dtype.kind not in NUMERIC_KINDS:
        raise TypeError(
            f"Tensor.data must be a numeric array (bool, int, float or complex); got dtype "
            f"{array.dtype}"
        )
    if t._requires_grad and array.dtype.kind != "f":
        raise TypeError(
            f"Tensor.data of a tensor that requires grad must be floating-point; got "
            f"{array.dtype}. Assign array.astype(np.float64), or detach the tensor first"
        )
    grad = t._grad
    if grad is not None and (grad._data.shape, grad._data.dtype) != (array.shape, array.dtype):
        raise ValueError(
            f"Tensor.data: the tensor has a gradient of shape {grad._data.shape} "
            f"{grad._data.dtype}, which would not fit an array of shape {array.shape} "
            f"{array.dtype}; set t.grad = None first"
        )
    return array


def numeric(array: np.ndarray, source: Any) -> np.ndarray:
    """``array`` (made from ``source``) if a tensor can hold it: of a numeric dtype."""
    if array.dtype.kind not in NUMERIC_KINDS:
        raise TypeError(
            f"Tensor data must be numeric (bool, int, float or complex); got dtype "
            f"{array.dtype} from {type(source).__name__}"
        )
    return array


def requires_grad(t: Any, value: Any) -> bool:
    """``value`` as ``t.requires_grad``: only floating tensors, and only leaves switch it off."""
    if value and t._data.dtype.kind != "f":
        raise TypeError(
            f"only floating-point tensors can require grad; this tensor is "
            f"{t._data.dtype}. Make it floating first, e.g. "
            "ng.tensor(data, dtype=np.float64, requires_grad=True) or t.double()"
        )
    if not value and t._op is not None:
        raise RuntimeError(
            "requires_grad can only be switched off on a leaf tensor; use .detach() "
            "for a tensor outside the graph"
        )
    return bool(value)


def not_a_tensor(value: Any) -> TypeError:
    hint = " (wrap it: t.grad = ng.tensor(array))" if isinstance(value, np.ndarray) else ""
    return TypeError(f"Tensor.grad must be a Tensor or None; got {type(value).__name__}{hint}")


def new_grad(t: Any, value: Any) -> Any:
    """``value``, a tensor, as the new ``t.grad``: it must have ``t``'s shape and dtype."""
    shape, dtype = t._data.shape, t._data.dtype
    given = value._data
    if given.shape != shape:
        raise ValueError(
            f"Tensor.grad must have the tensor's shape {shape}; got a gradient of shape "
            f"{given.shape}"
        )
    if given.dtype != dtype:
        raise TypeError(
            f"Tensor.grad must have the tensor's dtype {dtype}; got {given.dtype} "
            f"(convert it: g.astype(np.{dtype}))"
        )
    return value
