"""Cost of the ops a small network spends its time in: matmul alone, and an MLP training step.

``chain.py`` measures the per-op overhead on tiny arrays; this measures where the work is in a
real model: a (64, 128) @ (128, 128) matmul with its backward, and one step of a 784-128-64-10
MLP (forward, cross-entropy, backward, SGD update) on a batch of 64. Every figure is a median
over repeats in this one run.

    OPENBLAS_NUM_THREADS=1 python benchmarks/mlp.py [--repeats 200] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

import nanograd as ng


def matmul_step(a: ng.Tensor, b: ng.Tensor, g: np.ndarray) -> Callable[[], None]:
    def run() -> None:
        a.grad = b.grad = None
        (a @ b).backward(g)

    return run


def mlp_step(batch: int = 64) -> Callable[[], None]:
    ng.manual_seed(0)
    model = ng.nn.Sequential(
        ng.nn.Linear(784, 128), ng.nn.ReLU(), ng.nn.Linear(128, 64), ng.nn.ReLU(),
        ng.nn.Linear(64, 10),
    )  # fmt: skip
    optimizer = ng.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    X = ng.tensor(rng.standard_normal((batch, 784)))
    y = ng.tensor(rng.integers(0, 10, batch))
    loss_fn = ng.losses.get("cross_entropy")

    def run() -> None:
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()

    return run


def median_seconds(fn: Callable[[], None], repeats: int) -> float:
    for _ in range(5):
        fn()  # warm up: plugin loading, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    a = ng.tensor(rng.standard_normal((64, 128)), requires_grad=True)
    b = ng.tensor(rng.standard_normal((128, 128)), requires_grad=True)
    g = rng.standard_normal((64, 128))
    a_np, b_np = a.data, b.data

    def numpy_matmul() -> None:
        a_np @ b_np
        g @ b_np.T
        a_np.T @ g

    cases = {
        "matmul numpy by hand": numpy_matmul,
        "matmul nanograd": matmul_step(a, b, g),
        "mlp step nanograd": mlp_step(),
    }
    gc.collect()
    results = {name: median_seconds(fn, args.repeats) * 1e6 for name, fn in cases.items()}
    if args.json:
        print(json.dumps({"us": results}))
        return 0
    print(f"median of {args.repeats} (Python {sys.version.split()[0]}, NumPy {np.__version__})")
    base = results["matmul numpy by hand"]
    for name, us in results.items():
        print(f"  {name:<22} {us:9.1f} us   {us / base:5.2f}x matmul by hand")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
