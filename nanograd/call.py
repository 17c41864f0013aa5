"""Calling an op: run its forward on the inputs' arrays, and record the graph when one is needed.

This is the hot path of the whole library, so :func:`make_function` builds, once per op when it
is bound, a function specialised by arity that does the least it can: one NumPy call, one new
tensor, and the graph record (op, inputs, parameters) when a gradient will flow. No plugin
machinery and no lookup run per call. Operands that are not tensors are kept as constants.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nanograd._mode import grad_mode
from nanograd.tensor import Tensor, wrap
from nanograd.tensor_checks import NUMERIC_KINDS
from nanograd.versions import clock

_tick = clock.tick

if TYPE_CHECKING:
    from nanograd.registry import OpDef

ndarray = np.ndarray
_new = object.__new__


_NUMBERS = (float, int, bool)


def _constant(value: Any, op: OpDef) -> Any:
    """Normalise an operand of ``op`` that is not a tensor, which the graph records as a constant.

    Python numbers stay as they are so that NumPy keeps the tensor's dtype
    (``float32_tensor * 2.0`` stays float32); anything else becomes an ndarray, shared with the
    caller rather than copied.
    """
    if type(value) in _NUMBERS:
        return value
    arr = np.asarray(value)
    if arr.dtype.kind not in NUMERIC_KINDS:
        raise TypeError(
            f"{op.name}() cannot take {type(value).__name__} {value!r:.40} as an input: an input "
            "is a tensor, a number or a numeric array"
        )
    return arr


def _constant_tensor(value: Any, op: OpDef) -> Tensor:
    """A constant tensor around an operand of ``op``, for a call that was given no tensor."""
    return wrap(np.asarray(_constant(value, op)))


_FORWARD_ERRORS = (ValueError, TypeError, IndexError)


def _check_params(op: OpDef, params: dict[str, Any]) -> dict[str, Any]:
    """Refuse keywords the op does not take: a typo must not reach NumPy as ``out=``."""
    names = op.param_names
    for key in params:  # a loop, not a comprehension: this runs on every call with keywords
        if key not in names and not op.any_params:
            break
    else:
        return params
    unknown = ", ".join(repr(key) for key in params if key not in names)
    raise TypeError(
        f"{op.name}() got unexpected parameter(s) {unknown}; "
        f"its parameters are: {', '.join(names) or 'none'}"
    )


def _params_from(op: OpDef, extra: tuple[Any, ...], params: dict[str, Any]) -> dict[str, Any]:
    """Merge parameters passed positionally after the tensor inputs into the keyword ones."""
    names = op.param_names
    if len(extra) > len(names):
        listed = ", ".join(names) or "none"
        raise TypeError(
            f"{op.name}() takes {op.arity} tensor input(s) and then the parameters ({listed}); "
            f"got {op.arity + len(extra)} positional arguments"
        )
    bound = dict(zip(names, extra, strict=False))  # trailing parameters keep defaults
    if params:  # rarely: most calls give parameters all by position (x.reshape) or by keyword
        _check_params(op, params)
        for key in params:
            if key in bound:
                raise TypeError(
                    f"{op.name}() got parameter {key!r} both by position and by keyword"
                )
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
    return _node(out, op, inputs, params) if record else wrap(out)


def _node(out: Any, op: OpDef, inputs: tuple[Any, ...], params: dict[str, Any]) -> Tensor:
    """A graph node: the op's output, with the op, its inputs and params a gradient needs.

    A gradient flows only into a floating-point result (``astype(int)`` ends the graph).
    """
    if type(out) is not ndarray:
        out = np.asarray(out)
    if out.dtype.kind != "f":
        return wrap(out)
    t = _new(Tensor)
    t._data = out
    t._grad = None
    t._requires_grad = True
    t._op = op
    t._inputs = inputs
    t._params = params
    t._recorded_at = _tick()  # orders the backward walk; versions checks changes since
    return t


def _apply(op: OpDef, inputs: tuple[Any, ...], params: dict[str, Any]) -> Tensor:
    """Run ``op`` on ``inputs`` (tensors and constants): the general path, for variadic ops and
    ops of three or more inputs. Unary and binary calls do the same, unrolled."""
    datas = [x._data if isinstance(x, Tensor) else x for x in inputs]
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
                out = forward(x._data, **params) if params else forward(x._data)
            except _FORWARD_ERRORS as exc:
                raise _forward_error(op, (x,), params, exc) from exc
            if x._requires_grad and differentiable and mode.enabled:
                return _node(out, op, (x,), params)
            return wrap(out)

        return unary

    if op.arity == 2:

        def binary(a: Any, b: Any, *extra: Any, **params: Any) -> Tensor:
            if extra:
                params = _params_from(op, extra, params)
            elif params:
                _check_params(op, params)
            if isinstance(a, Tensor):
                ad = a._data
                needs = a._requires_grad
                if isinstance(b, Tensor):
                    bd = b._data
                    needs = needs or b._requires_grad
                else:  # a Python number (``x * 0.9``) is kept as it is, without a call
                    bd = b = b if type(b) in _NUMBERS else _constant(b, op)
            elif isinstance(b, Tensor):
                ad = a = a if type(a) in _NUMBERS else _constant(a, op)
                bd = b._data
                needs = b._requires_grad
            else:  # neither is a tensor: the result is a constant tensor
                a = _constant_tensor(a, op)
                ad = a._data
                bd = b = _constant(b, op)
                needs = False
            try:
                out = forward(ad, bd, **params) if params else forward(ad, bd)
            except _FORWARD_ERRORS as exc:
                raise _forward_error(op, (a, b), params, exc) from exc
            if needs and differentiable and mode.enabled:
                return _node(out, op, (a, b), params)
            return wrap(out)

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
        datas = [x._data if isinstance(x, Tensor) else x for x in inputs]
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
