"""What ``ng.compile`` buys: eager nanograd, compiled nanograd and hand-written NumPy, timed in
one run, so the ratios hold on a shared machine where the absolute numbers do not.

Workloads (forward + backward, and the optimizer step where there is one):

- ``chain``: 200 elementwise ops (50 rounds of mul, add, tanh, exp) on a shape-(8,) tensor;
- ``moons``: micrograd's demo, an MLP 2-16-16-1 with the hinge loss and an L2 penalty,
  20 full-batch SGD steps on 100 points;
- ``mlp``: one SGD step of an MLP 784-256-256-10 on a batch of 128, softmax cross-entropy;
- ``trace``: the first call of a compiled function (the trace) against one eager call;
- ``experiments`` (``--experiments``): ``python -m nanograd.run`` of moons and digits end to
  end, with ``compile=True`` against without, whole processes.

Every figure is a median over repeats, the three variants of a workload interleaved.

    OPENBLAS_NUM_THREADS=1 python benchmarks/compile.py [--repeats 50] [--experiments] [--json]

``python -m benchmarks --only W8`` runs the first four in the suite's table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import nanograd as ng

ROOT = Path(__file__).resolve().parent.parent
Step = Callable[[], Any]


# -- the 200-op chain -----------------------------------------------------------------------------


def chain_workloads() -> dict[str, Step]:
    x0 = np.random.default_rng(0).standard_normal(8)
    x = ng.tensor(x0, requires_grad=True)
    seed = np.ones(8)

    def chain(x: ng.Tensor) -> ng.Tensor:
        y = x
        for _ in range(50):
            y = (y * 0.9 + 0.1).tanh().exp()
        return y

    compiled = ng.compile(chain)

    def eager() -> Any:
        x.grad = None
        chain(x).backward(seed)

    def replayed() -> Any:
        x.grad = None
        compiled(x).backward(seed)

    def numpy() -> Any:
        saved = []
        y = x0
        for _ in range(50):
            t = np.tanh(y * 0.9 + 0.1)
            e = np.exp(t)
            saved.append((t, e))
            y = e
        g = seed
        for t, e in reversed(saved):
            g = g * e
            g = g * (1 - t * t)
            g = g * 0.9
        return g

    return {"eager": eager, "compiled": replayed, "numpy": numpy}


# -- micrograd's moons demo -----------------------------------------------------------------------


def _moons(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    outer = np.linspace(0, np.pi, 50)
    X = np.concatenate(
        [
            np.column_stack([np.cos(outer), np.sin(outer)]),
            np.column_stack([1 - np.cos(outer), 1 - np.sin(outer) - 0.5]),
        ]
    )
    X += 0.1 * rng.standard_normal(X.shape)
    y = np.concatenate([-np.ones(50), np.ones(50)]).reshape(-1, 1)
    return X, y


def moons_workloads() -> dict[str, Step]:
    rng = np.random.default_rng(0)
    X_np, y_np = _moons(rng)
    X, y = ng.tensor(X_np), ng.tensor(y_np)
    hinge = ng.losses.get("hinge")

    def model() -> tuple[ng.nn.Module, Any]:
        net = ng.nn.MLP(2, [16, 16], 1, activation="relu", generator=np.random.default_rng(1))
        return net, ng.optim.SGD(net.parameters(), lr=0.05)

    def objective(net: ng.nn.Module) -> Callable[[ng.Tensor, ng.Tensor], ng.Tensor]:
        params = list(net.parameters())

        def loss(X: ng.Tensor, y: ng.Tensor) -> ng.Tensor:
            penalty = (params[0] * params[0]).sum()
            for p in params[1:]:
                penalty = penalty + (p * p).sum()
            return hinge(net(X), y) + 1e-4 * penalty

        return loss

    def trainer(compiled: bool) -> Step:
        net, optimizer = model()
        loss = ng.compile(objective(net)) if compiled else objective(net)

        def run() -> None:
            for _ in range(20):
                optimizer.zero_grad()
                loss(X, y).backward()
                optimizer.step()

        return run

    weights = [p.data.copy() for p in model()[0].parameters()]  # W1, b1, W2, b2, W3, b3

    def numpy() -> None:
        W1, b1, W2, b2, W3, b3 = (w.copy() for w in weights)
        for _ in range(20):
            h1 = X_np @ W1.T + b1
            a1 = np.maximum(h1, 0)
            h2 = a1 @ W2.T + b2
            a2 = np.maximum(h2, 0)
            out = a2 @ W3.T + b3
            margins = 1 - y_np * out
            ps = (W1, b1, W2, b2, W3, b3)
            _loss = np.maximum(margins, 0).mean() + 1e-4 * sum((p * p).sum() for p in ps)
            g = (margins > 0) * -y_np / margins.size
            gW3, gb3 = g.T @ a2, g.sum(0)
            g = (g @ W3) * (h2 > 0)
            gW2, gb2 = g.T @ a1, g.sum(0)
            g = (g @ W2) * (h1 > 0)
            gW1, gb1 = g.T @ X_np, g.sum(0)
            grads = (gW1, gb1, gW2, gb2, gW3, gb3)
            for p, gp in zip(ps, grads, strict=True):
                p -= 0.05 * (gp + 2e-4 * p)

    return {"eager": trainer(False), "compiled": trainer(True), "numpy": numpy}


# -- an MLP 784-256-256-10 step -----------------------------------------------------------------


def mlp_workloads() -> dict[str, Step]:
    rng = np.random.default_rng(0)
    X_np = rng.standard_normal((128, 784))
    labels = rng.integers(0, 10, 128)
    X, y = ng.tensor(X_np), ng.tensor(labels)
    cross_entropy = ng.losses.get("cross_entropy")

    def trainer(compiled: bool) -> Step:
        ng.manual_seed(0)
        net = ng.nn.Sequential(
            ng.nn.Linear(784, 256), ng.nn.ReLU(), ng.nn.Linear(256, 256), ng.nn.ReLU(),
            ng.nn.Linear(256, 10),
        )  # fmt: skip
        optimizer = ng.optim.SGD(net.parameters(), lr=0.01)

        def loss(X: ng.Tensor, y: ng.Tensor) -> ng.Tensor:
            return cross_entropy(net(X), y)

        step = ng.compile(loss) if compiled else loss

        def run() -> None:
            optimizer.zero_grad()
            step(X, y).backward()
            optimizer.step()

        return run

    ng.manual_seed(0)
    shapes = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
    params = [np.random.default_rng(i).standard_normal(s) * 0.05 for i, s in enumerate(shapes)]
    onehot = np.eye(10)[labels]

    def numpy() -> None:
        W1, b1, W2, b2, W3, b3 = params
        h1 = X_np @ W1.T + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2.T + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ W3.T + b3
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        _loss = -(onehot * log_p).sum() / len(labels)
        g = (np.exp(log_p) - onehot) / len(labels)
        gW3, gb3 = g.T @ a2, g.sum(0)
        g = (g @ W3) * (h2 > 0)
        gW2, gb2 = g.T @ a1, g.sum(0)
        g = (g @ W2) * (h1 > 0)
        gW1, gb1 = g.T @ X_np, g.sum(0)
        for p, gp in zip(params, (gW1, gb1, gW2, gb2, gW3, gb3), strict=True):
            p -= 0.01 * gp

    return {"eager": trainer(False), "compiled": trainer(True), "numpy": numpy}


# -- timing ---------------------------------------------------------------------------------------


def medians(steps: dict[str, Step], repeats: int) -> dict[str, float]:
    """Median seconds of each step, the steps interleaved so load affects them alike."""
    for step in steps.values():
        for _ in range(3):
            step()  # warm up; a compiled step traces here
    times: dict[str, list[float]] = {name: [] for name in steps}
    gc.disable()
    try:
        for _ in range(repeats):
            for name, step in steps.items():
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    finally:
        gc.enable()
    return {name: statistics.median(t) for name, t in times.items()}


def trace_cost(repeats: int) -> dict[str, float]:
    """Seconds of a first compiled call (the trace, with its backward) and of an eager call
    with backward, for the chain and the MLP step; medians over fresh compiled functions."""
    x = ng.tensor(np.random.default_rng(0).standard_normal(8), requires_grad=True)

    def chain(x: ng.Tensor) -> ng.Tensor:
        y = x
        for _ in range(50):
            y = (y * 0.9 + 0.1).tanh().exp()
        return y.sum()

    ng.manual_seed(0)
    net = ng.nn.Sequential(
        ng.nn.Linear(784, 256), ng.nn.ReLU(), ng.nn.Linear(256, 256), ng.nn.ReLU(),
        ng.nn.Linear(256, 10),
    )  # fmt: skip
    rng = np.random.default_rng(0)
    X, y = ng.tensor(rng.standard_normal((128, 784))), ng.tensor(rng.integers(0, 10, 128))
    cross_entropy = ng.losses.get("cross_entropy")

    def mlp(X: ng.Tensor, y: ng.Tensor) -> ng.Tensor:
        return cross_entropy(net(X), y)

    result = {}
    for name, fn, args in (("chain", chain, (x,)), ("mlp", mlp, (X, y))):
        first, eager = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            fn(*args).backward()
            eager.append(time.perf_counter() - start)
            compiled = ng.compile(fn)
            start = time.perf_counter()
            compiled(*args).backward()
            first.append(time.perf_counter() - start)
        result[f"{name}_eager"] = statistics.median(eager)
        result[f"{name}_first_call"] = statistics.median(first)
    return result


def experiment_seconds(repeats: int) -> dict[str, float]:
    """Whole ``python -m nanograd.run`` processes, eager and compile=True interleaved: the
    process's wall time, and the training time the run records (``training_seconds``, the
    epochs without start-up, evaluation, plots and the run folder). Beside them, what compile
    cannot reach: an eager run without plots (the plots cost the difference) and a process
    that only imports the runner and the engine (``startup``)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    result: dict[str, float] = {}
    variants = {"eager": ["compile=False"], "compiled": ["compile=True"],
                "eager_no_plots": ["compile=False", "--no-plots"]}  # fmt: skip
    startup = [sys.executable, "-c", "import nanograd.run.cli, nanograd.run.runner"]
    with tempfile.TemporaryDirectory() as tmp:
        starts = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(startup, cwd=ROOT, env=env, check=True)
            starts.append(time.perf_counter() - start)
        result["startup"] = statistics.median(starts)
        for name in ("moons", "digits"):
            wall: dict[str, list[float]] = {label: [] for label in variants}
            training: dict[str, list[float]] = {label: [] for label in variants}
            for i in range(repeats):
                for label, extra in variants.items():
                    out = Path(tmp) / f"{name}-{label}-{i}"
                    command = [
                        sys.executable, "-m", "nanograd.run", f"experiments/{name}.py",
                        "--seed", "0", "--quiet", "--out", str(out), *extra,
                    ]  # fmt: skip
                    start = time.perf_counter()
                    subprocess.run(command, cwd=ROOT, env=env, check=True)
                    wall[label].append(time.perf_counter() - start)
                    (summary,) = out.glob("*/*/summary.json")
                    training[label].append(json.loads(summary.read_text())["training_seconds"])
            for label in variants:
                result[f"{name}_{label}"] = statistics.median(wall[label])
                result[f"{name}_{label}_training"] = statistics.median(training[label])
    return result


def measure(repeats: int) -> list[Any]:
    """W8 for ``python -m benchmarks``: each workload compiled, against the hand-written NumPy
    timed in the same run (eager's ratio in the note), and the first call's cost."""
    from benchmarks.report import Row
    from benchmarks.timing import interleaved

    rows = []
    workloads = (
        ("chain", "200-op chain, shape (8,) float64, compiled", chain_workloads, 1.5),
        ("moons", "moons demo, 20 SGD steps, compiled", moons_workloads, 2.0),
        ("mlp", "MLP 784-256-256-10 SGD step, compiled", mlp_workloads, 1.02),
    )
    for name, title, make, target in workloads:
        ms = {k: v * 1e3 for k, v in interleaved(make(), repeats).items()}
        rows.append(
            Row(f"W8 {name}", title, "ms", nanograd=ms["compiled"], numpy=ms["numpy"],
                target=target, note=f"eager {ms['eager'] / ms['numpy']:.2f}x",
                extra={"eager_ms": ms["eager"]})
        )  # fmt: skip
    trace = trace_cost(max(3, repeats // 10))
    for name in ("chain", "mlp"):
        first, eager = trace[f"{name}_first_call"] * 1e3, trace[f"{name}_eager"] * 1e3
        rows.append(
            Row(f"W8 trace {name}", f"first compiled call of the {name} (the trace)", "ms",
                nanograd=first, note=f"{first / eager:.1f}x an eager call",
                extra={"eager_ms": eager})
        )  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--experiments", action="store_true", help="also time whole runs")
    parser.add_argument("--experiment-repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {"load_average": os.getloadavg()[0]}
    for name, make in (("chain", chain_workloads), ("moons", moons_workloads),
                       ("mlp", mlp_workloads)):  # fmt: skip
        results[name] = medians(make(), args.repeats)
    results["trace"] = trace_cost(max(3, args.repeats // 10))
    if args.experiments:
        results["experiments"] = experiment_seconds(args.experiment_repeats)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"load average {results['load_average']:.1f}; medians of {args.repeats}")
    for name in ("chain", "moons", "mlp"):
        m = results[name]
        print(
            f"{name:6} numpy {m['numpy'] * 1e3:8.3f} ms   eager {m['eager'] * 1e3:8.3f} ms "
            f"({m['eager'] / m['numpy']:.2f}x)   compiled {m['compiled'] * 1e3:8.3f} ms "
            f"({m['compiled'] / m['numpy']:.2f}x numpy, {m['eager'] / m['compiled']:.2f}x faster)"
        )
    t = results["trace"]
    for name in ("chain", "mlp"):
        first, eager = t[f"{name}_first_call"], t[f"{name}_eager"]
        print(
            f"trace  {name:5} first call {first * 1e3:8.2f} ms = {first / eager:.1f}x an eager call"
        )
    if args.experiments:
        e = results["experiments"]
        print(
            f"run    start-up (interpreter, imports of the runner and engine) {e['startup']:.2f} s"
        )
        for name in ("moons", "digits"):
            for part, suffix in (("process", ""), ("training", "_training")):
                eager, compiled = e[f"{name}_eager{suffix}"], e[f"{name}_compiled{suffix}"]
                print(
                    f"run    {name:6} {part:8} eager {eager:6.2f} s   compiled {compiled:6.2f} s "
                    f"({eager / compiled:.2f}x faster)"
                )
            plots = e[f"{name}_eager"] - e[f"{name}_eager_no_plots"]
            rest = e[f"{name}_eager_no_plots"] - e["startup"] - e[f"{name}_eager_no_plots_training"]
            print(
                f"run    {name:6} outside training: plots {plots:5.2f} s, start-up "
                f"{e['startup']:5.2f} s, the rest (data, model, evaluation, run folder) "
                f"{rest:5.2f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
