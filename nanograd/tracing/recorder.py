"""Recording a trace: run ``fn`` eagerly while every op call is also written down as a NumPy call.

While a :class:`Recorder` is active, every op is bound (``binding.bind(..., function_of=...)``)
to a wrapper that calls the real op, then records its forward as an :class:`Instruction` over
slots: each array the trace computes or reads (an argument, a captured parameter) has a slot
number. The backward walk is run over the traced graph with its two NumPy-level steps (adding
two gradients, handing a leaf its gradient) watched too, so the vjps' own ops, unbroadcasting
and accumulation are recorded in the order eager runs them.

What a trace cannot see is refused where it happens, naming the line of ``fn``: reading a
traced tensor's values in Python (``float(t)``, ``t.item()``, ``bool(t)``, ``np.asarray(t)``),
``backward()`` inside ``fn``, an in-place change, an op without a gradient on the way to a
leaf.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import numpy as np

from nanograd import autograd, binding, graph, versions
from nanograd.call import _constant, _params_from
from nanograd.nn.module import Module
from nanograd.tensor import Tensor
from nanograd.tracing.callback import active
from nanograd.tracing.program import AsTensor, Const, Instruction, Slot, SlotTuple

ndarray = np.ndarray


class TraceError(RuntimeError):
    """``fn`` did something a compiled program cannot replay; the message names its line."""


def call_site(fn: Callable[..., Any]) -> str:
    """Where the user's code is: the innermost frame outside nanograd, its plugins and NumPy,
    and the line of ``fn`` that led there when that is another frame."""
    code = getattr(fn, "__code__", None)
    frame: FrameType | None = sys._getframe(1)
    innermost = None
    in_fn = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if innermost is None and not module.startswith(("nanograd", "numpy")):
            innermost = frame
        if frame.f_code is code:
            in_fn = frame
            break
        frame = frame.f_back
    where = innermost or in_fn
    if where is None:
        return "in the compiled function"
    text = f'File "{where.f_code.co_filename}", line {where.f_lineno}, in {where.f_code.co_name}'
    if in_fn is not None and in_fn is not where:
        text += f" (from line {in_fn.f_lineno} of {in_fn.f_code.co_name})"
    return text


# The Tensor members that hand a tensor's values to Python; refused on a traced tensor.
_READS = {
    "__float__": "float(t)",
    "__int__": "int(t)",
    "__bool__": "bool(t) (an if or while on a tensor)",
    "__index__": "using a tensor as an index number",
    "item": "t.item()",
    "tolist": "t.tolist()",
    "__array__": "np.asarray(t)",
    "numpy": "t.numpy()",
}


class Recorder:
    """One trace of ``fn``: the slots, the instructions of both phases, what was captured."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.n_slots = 0
        self.slot_of: dict[int, int] = {}  # id(tensor or array or callback number) -> slot
        self.shapes: dict[int, tuple[tuple[int, ...], Any]] = {}  # slot -> its array's shape, dtype
        self.alive: list[Any] = []  # holds everything in slot_of, so no id is reused
        self.forward: list[Instruction] = []
        self.backward: list[Instruction] = []
        self.phase = self.forward
        self.args: list[int] = []
        self.captured: list[tuple[Tensor, int]] = []
        self.made_by: dict[int, str] = {}  # id(tensor) -> where its op was called
        self.modules: dict[int, tuple[Module, bool]] = {}
        self.leaf_grads: dict[int, tuple[Tensor, Any]] = {}
        self.in_callback = 0
        self.data_reads: list[str] = []  # where fn read a traced tensor's .data
        self.array_constants: list[str] = []  # ops given an array the trace did not compute

    # -- slots -------------------------------------------------------------------------------

    def new_slot(self, value: Any) -> int:
        slot = self.n_slots
        self.n_slots += 1
        self.alive.append(value)
        array = value._data if isinstance(value, Tensor) else value
        if isinstance(array, ndarray):
            self.shapes[slot] = (array.shape, array.dtype)
        return slot

    def bind(self, value: Any, slot: int) -> None:
        self.slot_of[id(value)] = slot
        self.alive.append(value)

    def add_argument(self, t: Tensor | ndarray) -> int:
        slot = self.new_slot(t)
        self.bind(t, slot)
        if isinstance(t, Tensor):
            self.bind(t._data, slot)
        self.args.append(slot)
        return slot

    def slot(self, t: Tensor) -> int | Const:
        """The slot of tensor ``t``; one it meets first is captured (a parameter, a buffer),
        its array read afresh on every call, or in backward a constant."""
        slot = self.slot_of.get(id(t))
        if slot is not None:
            return slot
        if self.phase is self.backward:
            return Const(t._data)
        slot = self.slot_of.get(id(t._data))
        if slot is not None and t._op is None:
            # a tensor wrapping an array the trace computes (a callback's draw, ng.randn)
            self.bind(t, slot)
            return slot
        if t._requires_grad and t._op is not None:
            raise TraceError(
                f"{call_site(self.fn)}: the compiled function uses a tensor made by op "
                f"{t._op.name!r} that the trace did not see: either computed before the call "
                "(pass it as an argument, or detach() it), or by an op function kept in a "
                "variable before tracing (f = ng.ops.exp); call ops as ng.ops.<name> or as "
                "tensor methods, which a trace watches"
            )
        slot = self.new_slot(t)
        self.bind(t, slot)
        self.bind(t._data, slot)
        self.captured.append((t, slot))
        return slot

    def operand(self, x: Any, op: Any) -> int | Const:
        if isinstance(x, Tensor):
            return self.slot(x)
        value = _constant(x, op)
        slot = self.slot_of.get(id(value))
        if slot is not None and isinstance(value, (ndarray, float)):
            return slot
        if isinstance(value, ndarray) and self.phase is self.forward:
            self.array_constants.append(f"{op.name} at {call_site(self.fn)}")
        return Const(value)

    def param(self, value: Any, op: Any) -> Any:
        """A keyword parameter: an array the trace has a slot for (an index read from an
        argument) becomes that slot; anything else is kept as it is."""
        if isinstance(value, ndarray):
            slot = self.slot_of.get(id(value))
            if slot is not None:
                return Slot(slot)
            if self.phase is self.forward:
                self.array_constants.append(f"{op.name} at {call_site(self.fn)}")
        elif type(value) is tuple and any(isinstance(v, ndarray) for v in value):
            items = tuple(self.param(v, op) for v in value)
            if any(isinstance(v, Slot) for v in items):
                return SlotTuple(items)
        return value

    def is_traced(self, t: Tensor) -> bool:
        return id(t) in self.slot_of and not self.in_callback

    # -- recording ---------------------------------------------------------------------------

    def record_op(
        self, op: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
    ) -> None:
        if self.in_callback:
            return
        arity = op.arity
        if op.variadic:
            items, extra = args[0], args[1:]
            operands = [self.operand(x, op) for x in items]
        else:
            items, extra = args[:arity], args[arity:]
            if not any(isinstance(x, Tensor) for x in items):
                # the engine makes the first operand a constant array of its own
                first = Const(np.asarray(_constant(items[0], op)))
                operands = [first, *(self.operand(x, op) for x in items[1:])]
            else:
                operands = [self.operand(x, op) for x in items]
        params = _params_from(op, extra, dict(kwargs)) if extra else dict(kwargs)
        params = {key: self.param(value, op) for key, value in params.items()}
        site = call_site(self.fn)
        if op.output_ops:
            if isinstance(result, Tensor):
                outputs: list[int | None] = [self.result_slot(result, site)]
                kind = "single"
            else:
                outputs = [None if r is None else self.result_slot(r, site) for r in result]
                kind = "several"
        else:
            outputs = [self.result_slot(result, site)]
            kind = "op"
        zero_d = kind != "op" or result._data.ndim == 0
        self.phase.append(
            Instruction(
                op.forward, op.name, operands, params, outputs, kind, op.variadic, site, zero_d
            )
        )

    def result_slot(self, t: Tensor, site: str) -> int:
        slot = self.new_slot(t)
        self.bind(t, slot)
        self.bind(t._data, slot)
        self.made_by[id(t)] = site
        return slot

    def callback(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        self.in_callback += 1
        try:
            result = func(*args, **kwargs)
        finally:
            self.in_callback -= 1
        operands = [self.callback_operand(x) for x in args]
        params = {key: self.callback_operand(x) for key, x in kwargs.items()}
        if any(not isinstance(p, Const) for p in params.values()):
            raise TraceError(
                f"{call_site(self.fn)}: callback {func.__qualname__} takes a tensor by keyword; "
                "pass tensors to a callback by position"
            )
        values = result if type(result) is tuple else (result,)
        outputs: list[int | None] = []
        for value in values:
            if isinstance(value, (ndarray, float)):
                slot = self.new_slot(value)
                self.bind(value, slot)
                outputs.append(slot)
            else:
                outputs.append(None)
        kind = "callbacks" if type(result) is tuple else "callback"
        plain = {key: p.value for key, p in params.items() if isinstance(p, Const)}
        self.phase.append(
            Instruction(
                func, func.__name__, operands, plain, outputs, kind, False, call_site(self.fn)
            )
        )
        return result

    def callback_operand(self, x: Any) -> Any:
        if isinstance(x, Tensor):
            slot = self.slot(x)
            return x if isinstance(slot, Const) else AsTensor(slot)
        known = self.slot_of.get(id(x))
        if known is not None and isinstance(x, ndarray):
            return known
        return Const(x)

    def alias(self, source: Tensor, result: Tensor) -> None:
        """``result`` holds the very array of ``source`` (``detach()``): the same slot."""
        slot = self.slot(source)
        if isinstance(slot, int):
            self.bind(result, slot)

    def copy(self, source: Tensor, result: Tensor) -> None:
        slot = self.slot(source)
        out = self.result_slot(result, call_site(self.fn))
        self.phase.append(Instruction(ndarray.copy, "copy", [slot], {}, [out], "copy"))

    def plus(self, a: Tensor, b: Tensor, result: Tensor) -> None:
        operands = [self.slot(a), self.slot(b)]
        out = self.result_slot(result, "")
        zero_d = result._data.ndim == 0  # two 0-d arrays add to a NumPy scalar
        self.phase.append(Instruction(np.add, "add", operands, {}, [out], "plus", zero_d=zero_d))

    # -- what cannot be traced ---------------------------------------------------------------

    def refuse_read(self, what: str) -> TraceError:
        return TraceError(
            f"{call_site(self.fn)}: {what} on a traced tensor hands its values to Python, which "
            "a compiled program cannot replay (it would keep this call's value for ever). Keep "
            "the computation in tensor ops (ng.ops.where for a branch), move it out of the "
            "compiled function, or put the NumPy part in a function marked @ng.callback"
        )

    def refuse_branch(self) -> TraceError:
        """A vjp that looks at values (to choose a formula) cannot be replayed as one program."""
        frame = sys._getframe(2)
        where = (
            f'File "{frame.f_code.co_filename}", line {frame.f_lineno}, in {frame.f_code.co_name}'
        )
        return TraceError(
            f"{where}: the gradient of an op in the compiled function ({self.fn.__name__}) "
            "reads tensor values to choose how to compute it, so the backward of a trace "
            "would keep this call's choice for ever; compute the gradient eagerly (without "
            "ng.compile), or under ng.no_grad() if it is not needed"
        )

    def check_frozen(self) -> None:
        """Refuse a trace that read tensor values through ``.data`` and also fed an op an
        array it did not compute: that array may be made from those values, and would stay
        this call's for ever."""
        if self.data_reads and self.array_constants:
            raise TraceError(
                f"{self.data_reads[0]}: the compiled function reads a traced tensor's values "
                f"(.data), and op {self.array_constants[0]} takes an array the trace did not "
                "compute; if that array is made from those values it would be frozen at this "
                "call's. Compute it with tensor ops, or in a function marked @ng.callback"
            )

    def check_gradients(self, output: Tensor) -> None:
        """Refuse an op on the way to a leaf that declares no gradient for that input."""
        for t in graph.tensors([output]):
            op, inputs = t._op, t._inputs
            if op is None or inputs is None:
                continue
            for i, x in enumerate(inputs):
                if not (isinstance(x, Tensor) and x._requires_grad):
                    continue
                vjp = op.vjps[0] if op.variadic else op.vjps[i]
                if vjp is None:
                    site = self.made_by.get(id(t), "in the compiled function")
                    raise TraceError(
                        f"{site}: op {op.name!r} declares no gradient for its input {i}, which "
                        "requires grad, so backward() through a compiled program cannot give "
                        "that input's gradient; detach() the input, or declare the op's vjp"
                    )

    # -- the patches a trace puts in place, and takes away -----------------------------------

    @contextmanager
    def active(self, ops: list[Any]) -> Iterator[None]:
        recorder = self
        saved: list[tuple[Any, str, Any]] = []

        def patch(owner: Any, name: str, value: Any) -> None:
            saved.append((owner, name, vars(owner)[name]))
            setattr(owner, name, value)

        for attr, what in _READS.items():
            patch(Tensor, attr, _guarded(Tensor.__dict__[attr], what, recorder))
        original_detach, original_clone = Tensor.detach, Tensor.clone

        def detach(t: Tensor) -> Tensor:
            result = original_detach(t)
            recorder.alias(t, result)
            return result

        def clone(t: Tensor) -> Tensor:
            result = original_clone(t)
            recorder.copy(t, result)
            return result

        data = Tensor.__dict__["data"]

        def read_data(t: Tensor) -> Any:
            if recorder.is_traced(t):
                if recorder.phase is recorder.backward:
                    raise recorder.refuse_branch()
                recorder.data_reads.append(call_site(recorder.fn))
            return data.fget(t)

        patch(Tensor, "data", property(read_data, data.fset, doc=data.__doc__))
        patch(Tensor, "detach", detach)
        patch(Tensor, "clone", clone)
        original_call = Module.__call__

        def module_call(module: Module, *args: Any, **kwargs: Any) -> Any:
            recorder.modules.setdefault(id(module), (module, module.training))
            return original_call(module, *args, **kwargs)

        patch(Module, "__call__", module_call)
        original_plus = autograd._plus

        def plus(a: Tensor, b: Tensor, create_graph: bool) -> Tensor:
            result = original_plus(a, b, create_graph)
            if not create_graph:  # with create_graph the add is an op call, recorded as one
                recorder.plus(a, b, result)
            return result

        patch(autograd, "_plus", plus)
        patch(autograd, "_accumulate_leaf", recorder.accumulate_leaf)

        def in_place(obj: Any, by: str) -> None:
            raise TraceError(
                f"{call_site(recorder.fn)}: {by} changes a tensor in place inside the compiled "
                "function, which a replay would not do; keep in-place updates (optimizer.step(), "
                "t.add_(...), t.data = ..., nn.init) outside the compiled function"
            )

        patch(versions, "_stamp", in_place)
        binding.bind(ops, function_of=recorder.wrap)
        active.recorder = recorder
        try:
            yield
        finally:
            active.recorder = None
            binding.bind(ops)
            for owner, name, value in reversed(saved):
                setattr(owner, name, value)

    def accumulate_leaf(self, t: Tensor, g: Tensor, create_graph: bool) -> None:
        if self.phase is not self.backward:
            raise TraceError(
                f"{call_site(self.fn)}: backward() inside a compiled function; return the loss "
                "and call backward() on what the compiled function returns"
            )
        self.leaf_grads[id(t)] = (t, g)

    def wrap(self, op: Any) -> Callable[..., Any]:
        """The function bound for ``op`` while tracing: the real op, then the record."""
        function = op.function
        if op.composite:
            return function  # type: ignore[no-any-return]
        recorder = self

        def traced(*args: Any, **kwargs: Any) -> Any:
            result = function(*args, **kwargs)
            recorder.record_op(op, args, kwargs, result)
            return result

        traced.__name__ = traced.__qualname__ = op.name
        traced.__module__ = function.__module__  # "nanograd.ops": the binding rebinds it
        traced.__doc__ = function.__doc__
        return traced


def _guarded(original: Any, what: str, recorder: Recorder) -> Any:
    def guarded(t: Tensor, *args: Any, **kwargs: Any) -> Any:
        if recorder.is_traced(t):
            raise recorder.refuse_read(what)
        return original(t, *args, **kwargs)

    return guarded
