"""Graphs are freed by reference counting alone: no reference cycles, flat memory over many
training steps, and a very deep graph can be dropped without backward."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import nanograd as ng


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic collector off, after collecting what earlier tests left behind."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def cycles_left_by(work: Callable[[], None]) -> list[str]:
    """Run ``work`` with the cyclic collector off; name the objects only it could free.

    ``work`` runs once before, so that one-time costs (loading plugins, NumPy's caches) are
    not counted.
    """
    work()
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        work()
        gc.collect()
        found = sorted({type(obj).__name__ for obj in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    return found


def _params(rng: np.random.Generator) -> list[ng.Tensor]:
    return [
        ng.tensor(rng.standard_normal((3, 8)) * 0.5, requires_grad=True),
        ng.tensor(np.zeros(8), requires_grad=True),
        ng.tensor(rng.standard_normal((8, 1)) * 0.5, requires_grad=True),
    ]


def _loss(params: list[ng.Tensor], x: ng.Tensor, y: ng.Tensor) -> ng.Tensor:
    w1, b1, w2 = params
    h = (x @ w1 + b1).tanh()
    return ((h @ w2 - y) ** 2).mean()


def _sgd(params: list[ng.Tensor], lr: float) -> None:
    with ng.no_grad():
        for p in params:
            assert p.grad is not None
            p.data = (p - lr * p.grad).data
            p.grad = None


# -- no reference cycles -------------------------------------------------------------------------


def test_a_graph_after_backward_leaves_no_cycles() -> None:
    rng = np.random.default_rng(0)
    params = _params(rng)
    x, y = ng.tensor(rng.standard_normal((4, 3))), ng.tensor(rng.standard_normal((4, 1)))

    def step() -> None:
        _loss(params, x, y).backward()
        _sgd(params, 0.1)

    assert cycles_left_by(step) == []


def test_a_graph_dropped_without_backward_leaves_no_cycles() -> None:
    x = ng.tensor([1.0, 2.0], requires_grad=True)

    def build() -> None:
        h = x * 2.0
        ((h * h).exp() + h).sum()

    assert cycles_left_by(build) == []


def test_a_retained_graph_leaves_no_cycles() -> None:
    x = ng.tensor([1.0, 2.0], requires_grad=True)

    def twice() -> None:
        loss = (x * x).tanh().sum()
        loss.backward(retain_graph=True)
        loss.backward()
        x.grad = None

    assert cycles_left_by(twice) == []


def test_higher_order_with_ng_grad_leaves_no_cycles() -> None:
    x = ng.tensor([0.5, 1.5], requires_grad=True)

    def hessian_vector_product() -> None:
        (g,) = ng.grad((x**3).sum(), x, create_graph=True)
        assert g is not None
        ng.grad((g * np.array([1.0, -1.0])).sum(), x)

    assert cycles_left_by(hessian_vector_product) == []


def test_backward_with_create_graph_leaves_no_cycles_once_grad_is_cleared() -> None:
    # x.grad is then a graph that reaches x: a cycle until .grad is reset (docs/engine.md).
    x = ng.tensor([0.5, 1.5], requires_grad=True)

    def second_order() -> None:
        (x**3).sum().backward(create_graph=True)
        assert x.grad is not None
        grad = x.grad
        x.grad = None
        grad.sum().backward()
        x.grad = None

    assert cycles_left_by(second_order) == []


def test_the_cycle_detector_sees_a_cycle() -> None:
    """The control for the tests above: a real cycle is reported."""

    def make_cycle() -> None:
        x = ng.tensor([0.5], requires_grad=True)
        (x**3).sum().backward(create_graph=True)  # x -> x.grad -> its graph -> x

    assert "Tensor" in cycles_left_by(make_cycle)


# -- memory stays flat ---------------------------------------------------------------------------


@pytest.mark.usefixtures(no_cyclic_gc.__name__)
def test_memory_stays_flat_over_ten_thousand_training_steps() -> None:
    rng = np.random.default_rng(0)
    params = _params(rng)
    x, y = ng.tensor(rng.standard_normal((16, 3))), ng.tensor(rng.standard_normal((16, 1)))
    for _ in range(100):  # warm up caches before measuring
        _loss(params, x, y).backward()
        _sgd(params, 0.01)
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        first = _loss(params, x, y).item()
        for _ in range(10_000):
            _loss(params, x, y).backward()
            _sgd(params, 0.01)
        end, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One leaked tensor per step would be several megabytes by now.
    assert end - start < 64 * 1024, f"grew by {end - start} bytes over 10,000 steps"
    assert _loss(params, x, y).item() < first  # the steps really trained


def test_dropping_a_million_op_graph_does_not_crash() -> None:
    """Freeing a deep chain must not recurse once per node in C; run in a child process so a
    crash fails this test instead of the whole run."""
    code = textwrap.dedent(
        """
        import gc
        import nanograd as ng

        gc.disable()  # the graph has no cycles; the collector would only slow the build
        x = ng.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(1_000_000):
            y = y * 1.0
        del y
        print("dropped")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "dropped"
