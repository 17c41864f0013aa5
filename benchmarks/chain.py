"""W1: the per-op cost of the engine itself, on a chain of 200 elementwise ops on a shape-(8,)
float32 tensor, forward and backward. The arrays are so small that NumPy's own call overhead is
the whole of the baseline, and everything above it is bookkeeping.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

if __package__ in (None, ""):  # ``python benchmarks/chain.py``: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nanograd as ng
from benchmarks.report import Row
from benchmarks.timing import installed, interleaved

LENGTH = 200  # ops in the chain: 50 rounds of (mul, add, tanh, exp)
SHAPE = (8,)
DTYPE = np.float32


def nanograd_chain(x0: np.ndarray) -> np.ndarray:
    x = ng.tensor(x0, requires_grad=True)
    y = x
    for _ in range(LENGTH // 4):
        y = (y * 0.9 + 0.1).tanh().exp()
    y.backward(np.ones(SHAPE, DTYPE))
    assert x.grad is not None
    return x.grad.data


def numpy_chain(x0: np.ndarray) -> np.ndarray:
    """The chain by hand: keep what backward needs, then apply each derivative in reverse."""
    saved = []
    y = x0
    for _ in range(LENGTH // 4):
        t = np.tanh(y * 0.9 + 0.1)
        e = np.exp(t)
        saved.append((t, e))
        y = e
    g = np.ones(SHAPE, DTYPE)
    for t, e in reversed(saved):
        g = g * e  # exp
        g = g * (1 - t * t)  # tanh
        g = g * 0.9  # mul; add passes g through
    return g


def torch_chain(x0: np.ndarray) -> np.ndarray:
    import torch

    x = torch.tensor(x0, requires_grad=True)
    y = x
    for _ in range(LENGTH // 4):
        y = (y * 0.9 + 0.1).tanh().exp()
    y.backward(torch.ones(SHAPE, dtype=torch.float32))
    assert x.grad is not None
    return x.grad.numpy()


def autograd_chain(x0: np.ndarray) -> np.ndarray:
    import autograd
    import autograd.numpy as anp

    def f(x: np.ndarray) -> np.ndarray:
        y = x
        for _ in range(LENGTH // 4):
            y = anp.exp(anp.tanh(y * 0.9 + 0.1))
        return y

    vjp, _ = autograd.make_vjp(f)(x0)
    return np.asarray(vjp(np.ones(SHAPE, DTYPE)))


def count_per_op(fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray) -> dict[str, float]:
    """Python calls and bytecode instructions per op of one ``fn(x0)``, after a warm-up.

    Load on the machine cannot change these counts, unlike a time, so they weigh a change to
    the hot path on a machine too busy to time it. Python 3.12 and later count through
    ``sys.monitoring``: their ``sys.settrace`` is built on it and no longer delivers "opcode"
    events to a flag set from the trace function. The counts differ a little between Pythons,
    never between runs on one.
    """
    fn(x0)
    counts = {"calls": 0, "bytecodes": 0}
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:
        _count_with_monitoring(monitoring, fn, x0, counts)
    else:
        _count_with_settrace(fn, x0, counts)
    return {name: n / LENGTH for name, n in counts.items()}


def _count_with_settrace(
    fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, counts: dict[str, int]
) -> None:
    def trace(frame: FrameType, event: str, arg: object) -> Any:
        if event == "call":
            counts["calls"] += 1
            frame.f_trace_opcodes = True
        elif event == "opcode":
            counts["bytecodes"] += 1
        return trace

    sys.settrace(trace)
    try:
        fn(x0)
    finally:
        sys.settrace(None)


def _count_with_monitoring(
    monitoring: Any, fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray,
    counts: dict[str, int],
) -> None:  # fmt: skip
    def on_start(code: object, offset: int) -> None:
        counts["calls"] += 1

    def on_instruction(code: object, offset: int) -> None:
        counts["bytecodes"] += 1

    tool = monitoring.PROFILER_ID
    events = monitoring.events
    monitoring.use_tool_id(tool, "benchmarks.chain")
    try:
        monitoring.register_callback(tool, events.PY_START, on_start)
        monitoring.register_callback(tool, events.INSTRUCTION, on_instruction)
        monitoring.set_events(tool, events.PY_START | events.INSTRUCTION)
        try:
            fn(x0)
        finally:
            monitoring.set_events(tool, 0)
    finally:
        monitoring.free_tool_id(tool)


def counts() -> dict[str, float]:
    """W1's counts per op for nanograd (``python -m benchmarks --count``)."""
    return count_per_op(nanograd_chain, _start())


def _start() -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, SHAPE).astype(DTYPE)


def measure(repeats: int) -> list[Row]:
    x0 = _start()
    cases = {"numpy": numpy_chain, "nanograd": nanograd_chain}
    if installed("torch"):
        cases["torch"] = torch_chain
    if installed("autograd"):
        cases["autograd"] = autograd_chain
    expected = numpy_chain(x0)
    for name, fn in cases.items():  # the derivation by hand, checked against every engine
        np.testing.assert_allclose(fn(x0), expected, rtol=1e-5, err_msg=name)
    seconds = interleaved({name: (lambda fn=fn: fn(x0)) for name, fn in cases.items()}, repeats)
    us = {name: s / LENGTH * 1e6 for name, s in seconds.items()}
    per_op = count_per_op(nanograd_chain, x0)
    extra = {"python_calls_per_op": per_op["calls"], "bytecodes_per_op": per_op["bytecodes"]}
    if "autograd" in us:
        extra["hips_autograd_us_per_op"] = us["autograd"]
    return [
        Row(
            "W1", "200-op elementwise chain on (8,), fwd+bwd", "µs/op",
            nanograd=us["nanograd"], numpy=us["numpy"], torch=us.get("torch"), target=3.0,
            note=f"{per_op['calls']:.2f} Python calls, {per_op['bytecodes']:.0f} bytecodes per op",
            extra=extra,
        )
    ]  # fmt: skip


if __name__ == "__main__":  # W1 alone, as ``python -m benchmarks --only W1`` (its flags too)
    from benchmarks.run import main

    raise SystemExit(main(["--only", "W1", *sys.argv[1:]]))
