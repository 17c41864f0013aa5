"""Forward + backward cost per op on a chain of 200 elementwise ops on a shape-(8,) tensor.

The same chain is also written by hand in NumPy (forward, then the derivatives in reverse), which
is the floor any engine on NumPy can approach; PyTorch and HIPS autograd are timed too when they
are installed. Every figure is a median over repeats measured in this one run, so the ratios hold
on a shared, noisy machine where the absolute numbers do not.

    python benchmarks/chain.py [--repeats 300] [--json]
    python benchmarks/chain.py --count

``--count`` times nothing: it counts the Python calls and bytecode instructions one forward +
backward of nanograd's chain executes, per op. The counts are the same on every run, so they
compare two versions of the hot path where a shared machine's timings cannot.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import numpy as np

import nanograd as ng

LENGTH = 200  # ops in the chain: 50 rounds of (mul, add, tanh, exp)
SHAPE = (8,)


def nanograd_chain(x0: np.ndarray) -> np.ndarray:
    x = ng.tensor(x0, requires_grad=True)
    y = x
    for _ in range(LENGTH // 4):
        y = (y * 0.9 + 0.1).tanh().exp()
    y.backward(np.ones(SHAPE))
    assert x.grad is not None
    return x.grad.data


def numpy_chain(x0: np.ndarray) -> np.ndarray:
    """The chain written by hand: keep what backward needs, then apply each derivative."""
    saved = []
    y = x0
    for _ in range(LENGTH // 4):
        t = np.tanh(y * 0.9 + 0.1)
        e = np.exp(t)
        saved.append((t, e))
        y = e
    g = np.ones(SHAPE)
    for t, e in reversed(saved):
        g = g * e  # exp
        g = g * (1 - t * t)  # tanh
        # add: identity
        g = g * 0.9  # mul
    return g


def torch_chain(x0: np.ndarray) -> np.ndarray:
    import torch

    x = torch.tensor(x0, requires_grad=True)
    y = x
    for _ in range(LENGTH // 4):
        y = (y * 0.9 + 0.1).tanh().exp()
    y.backward(torch.ones(SHAPE, dtype=torch.float64))
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
    return np.asarray(vjp(np.ones(SHAPE)))


# Engines timed beside nanograd when installed: label, chain, module imported, distribution.
PEERS = (
    ("pytorch", torch_chain, "torch", "torch"),
    ("hips autograd", autograd_chain, "autograd", "autograd"),
)


def median_seconds(fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, repeats: int) -> float:
    fn(x0)  # warm up: plugin loading, imports, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x0)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def count_per_op(fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray) -> dict[str, float]:
    """Python calls and bytecode instructions per op of one ``fn(x0)``, after a warm-up.

    Python 3.12 and later count through ``sys.monitoring``: their ``sys.settrace`` is built on
    it and no longer delivers "opcode" events to a flag set from the trace function. The two
    counts differ a little between Pythons, never between runs on one.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument(
        "--count", action="store_true",
        help="count nanograd's Python calls and bytecodes per op instead of timing",
    )  # fmt: skip
    args = parser.parse_args(argv)

    x0 = np.random.default_rng(0).uniform(-1, 1, SHAPE)
    if args.count:
        per_op = count_per_op(nanograd_chain, x0)
        if args.json:
            print(json.dumps({"per_op": per_op, "ops": LENGTH}))
        else:
            print(
                f"nanograd, chain of {LENGTH} ops, forward + backward: "
                f"{per_op['calls']:.2f} Python calls and {per_op['bytecodes']:.1f} bytecodes "
                f"per op (Python {sys.version.split()[0]})"
            )
        return 0
    expected = numpy_chain(x0)
    contenders: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "numpy by hand": numpy_chain,
        "nanograd": nanograd_chain,
    }
    skipped: dict[str, str] = {}  # peer -> the distribution that would bring it
    for name, fn, module, distribution in PEERS:
        try:
            __import__(module)
        except ImportError:
            skipped[name] = distribution
            continue
        contenders[name] = fn

    results = {}
    gc.collect()
    for name, fn in contenders.items():
        np.testing.assert_allclose(fn(x0), expected, rtol=1e-10, err_msg=name)
        results[name] = median_seconds(fn, x0, args.repeats) / LENGTH * 1e6
    baseline = results["numpy by hand"]
    if args.json:
        document = {"us_per_op": results, "ops": LENGTH, "shape": SHAPE, "skipped": skipped}
        print(json.dumps(document))
        return 0
    print(
        f"chain of {LENGTH} elementwise ops on shape {SHAPE}, forward + backward, "
        f"median of {args.repeats} (Python {sys.version.split()[0]}, NumPy {np.__version__})"
    )
    for name, us in results.items():
        print(f"  {name:<15} {us:6.2f} us/op   {us / baseline:5.1f}x numpy by hand")
    if skipped:
        print(
            f"skipped, not installed: {', '.join(skipped)} "
            f"(pip install {' '.join(skipped.values())} to time them too)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
