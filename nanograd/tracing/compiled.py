"""``ng.compile(fn)``: trace ``fn`` once per signature, then replay its flat NumPy program.

The first call with a signature (see :func:`signature`) runs ``fn`` eagerly and records it
(:mod:`nanograd.tracing.recorder`), forward and backward, into a program
(:mod:`nanograd.tracing.program`); that call returns eager's own result. Later calls run the
program's forward on the arguments' arrays and the parameters' current arrays, and return a
tensor whose graph is one node: its gradient function is the program's backward, which hands
each leaf its gradient, so ``out.backward()`` (or ``ng.grad``) fills ``.grad`` through the
engine's own walk, exactly as eager.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanograd import autograd, plugins
from nanograd._mode import grad_mode
from nanograd.definitions import OpDef
from nanograd.nn.module import Module
from nanograd.tensor import Tensor, wrap
from nanograd.tracing.callback import active
from nanograd.tracing.program import Program, generate, uses
from nanograd.tracing.recorder import Recorder, TraceError
from nanograd.tracing.simplify import simplify, transposes_in
from nanograd.versions import clock

CACHE_SIZE = 8
"""How many signatures one compiled function keeps programs for; the least recently used goes."""

ndarray = np.ndarray
_new = object.__new__


def signature(args: Sequence[Any]) -> tuple[Any, ...]:
    """What a program is specialised to: each argument's shape, dtype and ``requires_grad``
    (an argument that is not a tensor or array by its value), and the grad mode. The train or
    eval mode of the modules ``fn`` calls, and the captured parameters' shapes, dtypes and
    ``requires_grad``, are checked against each program kept for this key."""
    parts: list[Any] = []
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            parts.append((d.shape, d.dtype, a._requires_grad))
        elif isinstance(a, ndarray):
            parts.append((a.shape, a.dtype, None))
        else:
            try:
                hash(a)
            except TypeError:
                raise TypeError(
                    f"a compiled function takes tensors, arrays and hashable constants; got "
                    f"{type(a).__name__} (its value is part of the signature a program is kept "
                    "for, so it must be hashable)"
                ) from None
            parts.append(("constant", type(a), a))
    return (tuple(parts), grad_mode.enabled)


@dataclass
class _Entry:
    """One traced program and what it was traced under."""

    program: Program
    arguments: list[int]  # positions of the arguments whose arrays the program takes
    captured: list[Tensor]
    captured_state: list[tuple[bool, tuple[int, ...], Any]]
    modules: list[tuple[Module, bool]]
    leaves: list[int | Tensor]  # an argument's position, or a captured tensor
    node: OpDef | None
    several: bool

    def __post_init__(self) -> None:
        # What every call compares and reads, laid out once: a replay of a small model costs
        # about as much as these checks
        self._modules = [m for m, _ in self.modules]
        self._training = [training for _, training in self.modules]
        by_argument = any(isinstance(leaf, int) for leaf in self.leaves)
        self._fixed_inputs = None if by_argument else tuple(self.leaves)

    def matches(self) -> bool:
        return [m.training for m in self._modules] == self._training and [
            (t._requires_grad, t._data.shape, t._data.dtype) for t in self.captured
        ] == self.captured_state

    def run(self, args: tuple[Any, ...]) -> Any:
        arrays = [
            a._data if isinstance(a, Tensor) else a for a in map(args.__getitem__, self.arguments)
        ]
        arrays += [t._data for t in self.captured]
        outs, saved = self.program.forward(*arrays)
        first = wrap(outs[0])
        if self.node is not None:
            first._requires_grad = True
            first._op = self.node
            first._inputs = self._fixed_inputs or tuple(
                args[leaf] if isinstance(leaf, int) else leaf for leaf in self.leaves
            )
            first._params = {"saved": saved}
            first._recorded_at = clock.tick()
        if not self.several:
            return first
        return (first, *(wrap(o) for o in outs[1:]))


def _no_forward(*args: Any, **params: Any) -> Any:
    raise RuntimeError("a compiled program's node is made by replaying it, never called")


class Compiled:
    """``fn`` compiled: call it as ``fn``; see the module docstring and docs/compile.md."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self._cache: OrderedDict[tuple[Any, ...], list[_Entry]] = OrderedDict()
        self.traces = 0
        """How many times ``fn`` has been traced (once per new signature)."""

    def __call__(self, *args: Any) -> Any:
        if active.recorder is not None or autograd.walk_hook is not None:
            # inside another trace: be part of it; under ng.detect_anomaly(): run eagerly, so
            # that every op is checked
            return self.fn(*args)
        key = signature(args)
        entries = self._cache.get(key)
        if entries is not None:
            for entry in entries:
                if entry.matches():
                    self._cache.move_to_end(key)
                    return entry.run(args)
        return self._trace(key, args)

    def source(self) -> str:
        """The Python source of the most recently traced program (forward, then backward)."""
        if not self._cache:
            return ""
        return next(reversed(self._cache.values()))[-1].program.source

    def _trace(self, key: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
        recorder = Recorder(self.fn)
        ops = list(plugins.registry().ops.values())
        with recorder.active(ops):
            arguments = []
            for i, a in enumerate(args):
                if isinstance(a, (Tensor, ndarray)):
                    recorder.add_argument(a)
                    arguments.append(i)
            result = self.fn(*args)
            outputs = _outputs(result, self.fn)
            out_slots = [recorder.slot(t) for t in outputs]
            recorder.check_frozen()
            first = outputs[0]
            seed_slot = None
            if grad_mode.enabled and first._requires_grad:
                recorder.check_gradients(first)
                recorder.phase = recorder.backward
                seed = wrap(np.ones_like(first._data))
                seed_slot = recorder.new_slot(seed)
                recorder.bind(seed, seed_slot)
                autograd._write_leaves(
                    autograd._run([first], [seed], True, False, None), False, None
                )
        leaves, grad_slots = self._leaves(recorder, args)
        name = getattr(self.fn, "__name__", "fn")
        outputs_kept = [s for s in out_slots if isinstance(s, int)]
        backward = None
        needed: set[int] = set()
        if seed_slot is not None:
            grads = {g for g in grad_slots if g is not None}
            forward_transposes = transposes_in(recorder.forward, recorder.shapes)
            backward = simplify(recorder.backward, grads, recorder.shapes, forward_transposes)
            needed = grads.union(*(uses(ins) for ins in backward))
        forward = simplify(recorder.forward, set(outputs_kept) | needed, recorder.shapes)
        program = generate(
            name,
            [*recorder.args, *(slot for _, slot in recorder.captured)],
            forward,
            outputs_kept,
            backward,
            seed_slot,
            grad_slots,
        )
        captured = [t for t, _ in recorder.captured]
        entry = _Entry(
            program=program,
            arguments=arguments,
            captured=captured,
            captured_state=[(t._requires_grad, t._data.shape, t._data.dtype) for t in captured],
            modules=list(recorder.modules.values()),
            leaves=leaves,
            node=None if seed_slot is None else self._node(program, name),
            several=isinstance(result, tuple),
        )
        self._remember(key, entry)
        self.traces += 1
        return result

    def _leaves(
        self, recorder: Recorder, args: tuple[Any, ...]
    ) -> tuple[list[int | Tensor], list[int | None]]:
        positions = {id(a): i for i, a in enumerate(args) if isinstance(a, Tensor)}
        leaves: list[int | Tensor] = []
        slots: list[int | None] = []
        for t, g in recorder.leaf_grads.values():
            slot = recorder.slot_of.get(id(g))
            if slot is None:
                raise TraceError(
                    f"the gradient of a leaf of shape {t.shape} in {recorder.fn.__name__} comes "
                    "from no traced op, so a compiled program cannot give it"
                )
            leaves.append(positions.get(id(t), t))
            slots.append(slot)
        return leaves, slots

    def _node(self, program: Program, name: str) -> OpDef:
        backward = program.backward
        assert backward is not None
        fn = self.fn

        def gradients(g: Tensor, out: Tensor, inputs: Any, saved: Any) -> list[Any]:
            if grad_mode.enabled:
                raise TraceError(
                    f"create_graph=True through the output of compiled {name} "
                    f"({_where(fn)}): its backward is a replayed NumPy program, which records "
                    "no graph. Higher-order gradients stay eager: call the function without "
                    "ng.compile for them"
                )
            return [None if a is None else wrap(a) for a in backward(g._data, *saved)]

        return OpDef(
            name=f"compiled {name}",
            forward=_no_forward,
            vjps=(gradients,),
            arity=1,
            param_names=("saved",),
            domain=None,
            plugin="nanograd.tracing",
            variadic=True,
            twice_differentiable=False,
        )

    def _remember(self, key: tuple[Any, ...], entry: _Entry) -> None:
        self._cache.setdefault(key, []).append(entry)
        self._cache.move_to_end(key)
        while sum(len(v) for v in self._cache.values()) > CACHE_SIZE:
            oldest = next(iter(self._cache))
            entries = self._cache[oldest]
            entries.pop(0)
            if not entries:
                del self._cache[oldest]


def _where(fn: Callable[..., Any]) -> str:
    code = getattr(fn, "__code__", None)
    if code is None:
        return repr(fn)
    return f'File "{code.co_filename}", line {code.co_firstlineno}'


def _outputs(result: Any, fn: Callable[..., Any]) -> list[Tensor]:
    items = result if isinstance(result, tuple) else (result,)
    if not items or not all(isinstance(t, Tensor) for t in items):
        raise TypeError(
            f"a compiled function returns a tensor or a tuple of tensors (the first is the one "
            f"backward() flows from); {getattr(fn, '__name__', fn)} ({_where(fn)}) returned "
            f"{type(result).__name__}"
        )
    return list(items)


def compile(fn: Callable[..., Any]) -> Compiled:
    """Compile ``fn(*tensors) -> tensor``: trace it once per signature, then replay it as a
    flat NumPy program, forward and backward, with results bit-identical to eager.

    Works as a decorator. See docs/compile.md for what is traced and what is refused.
    """
    if not callable(fn):
        raise TypeError(f"ng.compile takes a function; got {type(fn).__name__}")
    return Compiled(fn)
