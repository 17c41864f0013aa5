"""In-place changes of a tensor: ``t.add_(x)``, ``t.zero_()``, ``t.copy_(v)``, ``t -= x``, ...

PyTorch's names and habits: an in-place method changes the tensor's own array and returns the
tensor, and changing a leaf that requires grad is an update, made under ``ng.no_grad()``
(``with ng.no_grad(): w -= lr * w.grad``). Every change is stamped on the tensor's version
(:mod:`nanograd.versions`), so a ``backward()`` that needs the old values says so instead of
returning a wrong gradient.

nanograd records no in-place op in a graph. While the graph is recorded, an in-place method on a
tensor that requires grad, or with an operand that does, is refused with the out-of-place form
to write instead; the augmented operators (``y += x``) fall back to that form by themselves
(Python's ``y = y + x``), except on a leaf that requires grad, which is refused as in PyTorch.
The arithmetic is the registered op's (``add``, ``mul``, ...); the result is stored back into
the tensor's array, keeping its shape and dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nanograd import versions
from nanograd._mode import grad_mode
from nanograd.tensor import Tensor, engine_op, wrap

# The in-place methods and operators this module gives Tensor, and the op each one applies.
METHODS = {"add_": "add", "sub_": "sub", "mul_": "mul", "div_": "div"}
OPERATORS = {"__iadd__": "add", "__isub__": "sub", "__imul__": "mul", "__itruediv__": "div"}
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
NAMES = frozenset({*METHODS, *OPERATORS, "zero_", "fill_", "copy_"})


def write(t: Tensor, values: Any, by: str) -> Tensor:
    """Store ``values`` into ``t``'s array (broadcast to its shape, cast within a dtype kind)
    and stamp the change; the one way nanograd writes into a tensor (``nn.init`` uses it too).
    """
    data = t._data
    source = values._data if isinstance(values, Tensor) else values
    shape = np.shape(source)
    try:
        fits = np.broadcast_shapes(shape, data.shape) == data.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{by}: a value of shape {shape} cannot be stored in place in a tensor of shape "
            f"{data.shape}; an in-place change keeps the tensor's shape, so the value must "
            "broadcast to it"
        )
    try:
        np.copyto(data, source, casting="same_kind")
    except TypeError:
        given = np.result_type(source)
        raise TypeError(
            f"{by}: a {given} value cannot be stored in place in a {data.dtype} tensor without "
            f"changing its kind; convert the tensor first (t = t.astype(np.{given})) or make a "
            "new tensor out of place"
        ) from None
    except ValueError as exc:  # a read-only array: a broadcast view, a memory-mapped file
        raise ValueError(f"{by}: the tensor's array cannot be written: {exc}") from None
    versions.bump(t, by)
    return t


def _requires_grad(value: Any) -> bool:
    return isinstance(value, Tensor) and value._requires_grad


def _refusal(t: Tensor, name: str, other: Any, out_of_place: str) -> RuntimeError | None:
    """Why ``name`` may not change ``t`` in place now, or None if it may."""
    if not grad_mode.enabled:
        return None
    if t._requires_grad and t._op is None:
        return RuntimeError(
            f"{name} on a leaf tensor that requires grad (shape {t._data.shape}): changing a "
            "parameter in place is an update, so make it under `with ng.no_grad():` as "
            "optimizer.step() does (or use an optimizer)"
        )
    if t._requires_grad:
        assert t._op is not None
        return RuntimeError(
            f"{name} on the result of op {t._op.name!r}, which is part of a graph: nanograd "
            f"records no in-place op, so write {out_of_place} instead"
        )
    if _requires_grad(other):
        return RuntimeError(
            f"{name} with an operand that requires grad: a change in place cannot be recorded "
            f"and its gradient would be lost; write {out_of_place} instead"
        )
    return None


def _arithmetic(method: str, op_name: str) -> Callable[[Tensor, Any], Tensor]:
    def inplace(self: Tensor, other: Any) -> Tensor:
        name = f"Tensor.{method}()"
        refusal = _refusal(self, name, other, f"t = t {SYMBOLS[op_name]} other")
        if refusal is not None:
            raise refusal
        result = engine_op(op_name, name)(wrap(self._data), other)
        return write(self, result, name)

    inplace.__name__ = inplace.__qualname__ = method
    inplace.__doc__ = f"``t.{method}(other)``: ``t = t {SYMBOLS[op_name]} other`` in place."
    return inplace


def _augmented(attr: str, op_name: str) -> Callable[[Tensor, Any], Any]:
    symbol = SYMBOLS[op_name] + "="

    def augmented(self: Tensor, other: Any) -> Any:
        refusal = _refusal(self, symbol, other, f"t = t {SYMBOLS[op_name]} other")
        if refusal is not None:
            if self._requires_grad and self._op is None:
                raise refusal
            return NotImplemented  # Python then computes t = t <op> other, recorded
        result = engine_op(op_name, symbol)(wrap(self._data), other)
        return write(self, result, symbol)

    augmented.__name__ = augmented.__qualname__ = attr
    return augmented


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0, in place."""
    refusal = _refusal(self, "Tensor.zero_()", None, "ng.zeros_like(t)")
    if refusal is not None:
        raise refusal
    return write(self, 0, "Tensor.zero_()")


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` (a number or one-element tensor), in place."""
    refusal = _refusal(self, "Tensor.fill_()", value, "ng.full(t.shape, value)")
    if refusal is not None:
        raise refusal
    given = value._data if isinstance(value, Tensor) else value
    if np.size(given) != 1:
        raise ValueError(
            f"Tensor.fill_() takes a number or a one-element tensor; got a value of shape "
            f"{np.shape(given)} (to copy values of a shape in, use t.copy_(values))"
        )
    return write(self, np.reshape(given, ()), "Tensor.fill_()")


def copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (a tensor, array or number broadcasting to this shape) in, in place."""
    refusal = _refusal(self, "Tensor.copy_()", src, "t = src + 0 (a differentiable copy)")
    if refusal is not None:
        raise refusal
    return write(self, src, "Tensor.copy_()")


for _method, _op_name in METHODS.items():
    setattr(Tensor, _method, _arithmetic(_method, _op_name))
for _attr, _op_name in OPERATORS.items():
    setattr(Tensor, _attr, _augmented(_attr, _op_name))
Tensor.zero_ = zero_  # type: ignore[attr-defined]
Tensor.fill_ = fill_  # type: ignore[attr-defined]
Tensor.copy_ = copy_  # type: ignore[attr-defined]
