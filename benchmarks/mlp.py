"""W2 and W3: where the work is in BLAS. An MLP training step (784-256-256-10, batch 128,
softmax cross-entropy, SGD) and a 1024x1024 matmul with the backward of its sum, both float32,
and W2's peak memory over 20 steps. Here the bookkeeping should vanish into the matmuls.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import nanograd as ng
from benchmarks.mlp_by_hand import (
    DTYPE,
    LR,
    Weights,
    batch,
    initial_weights,
    numpy_gradients,
    numpy_step,
)  # fmt: skip
from benchmarks.report import Row
from benchmarks.timing import ROOT, installed, interleaved, peak_rss_mib

# -- the step three ways ------------------------------------------------------------------------


def nanograd_step(weights: Weights) -> tuple[Callable[[], None], list[ng.Tensor]]:
    model = ng.nn.Sequential(
        ng.nn.Linear(784, 256, dtype=DTYPE), ng.nn.ReLU(),
        ng.nn.Linear(256, 256, dtype=DTYPE), ng.nn.ReLU(),
        ng.nn.Linear(256, 10, dtype=DTYPE),
    )  # fmt: skip
    params = list(model.parameters())
    for p, w in zip(params, weights, strict=True):
        p.data = w.copy()
    optimizer = ng.optim.SGD(params, lr=LR)
    X, y = batch()
    x, labels = ng.tensor(X), ng.tensor(y)
    cross_entropy = ng.losses.cross_entropy

    def step() -> None:
        optimizer.zero_grad()
        cross_entropy(model(x), labels).backward()
        optimizer.step()

    return step, params


def torch_step(weights: Weights) -> Callable[[], None]:
    import torch

    params = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    W1, b1, W2, b2, W3, b3 = params
    optimizer = torch.optim.SGD(params, lr=LR)
    X, y = batch()
    x, labels = torch.from_numpy(X), torch.from_numpy(y)
    F = torch.nn.functional

    def step() -> None:
        optimizer.zero_grad()
        h = F.relu(F.linear(F.relu(F.linear(x, W1, b1)), W2, b2))
        F.cross_entropy(F.linear(h, W3, b3), labels).backward()
        optimizer.step()

    return step


def check_mlp_gradients() -> None:
    """The gradients derived by hand against nanograd's, once, before any timing."""
    weights = initial_weights()
    X, y = batch()
    _, params = nanograd_step(weights)  # the parameters, as nn.Linear holds them
    expected = numpy_gradients(weights, X, y)
    x, labels = ng.tensor(X), ng.tensor(y)
    W1, b1, W2, b2, W3, b3 = params
    h = ((x @ W1.T + b1).relu() @ W2.T + b2).relu()
    ng.losses.cross_entropy(h @ W3.T + b3, labels).backward()
    for p, g in zip(params, expected, strict=True):
        assert p.grad is not None
        np.testing.assert_allclose(p.grad.data, g, rtol=1e-4, atol=1e-6)


# -- W3: one large matmul -----------------------------------------------------------------------

N = 1024


def matmul_cases() -> dict[str, Callable[[], None]]:
    rng = np.random.default_rng(2)
    A = rng.standard_normal((N, N)).astype(DTYPE)
    B = rng.standard_normal((N, N)).astype(DTYPE)
    a, b = ng.tensor(A, requires_grad=True), ng.tensor(B, requires_grad=True)

    def nanograd_matmul() -> None:
        a.grad = b.grad = None
        (a @ b).sum().backward()

    def numpy_matmul() -> None:
        c = A @ B
        c.sum()
        g = np.ones_like(c)  # d(sum)/dc
        g @ B.T
        A.T @ g

    cases = {"numpy": numpy_matmul, "nanograd": nanograd_matmul}
    nanograd_matmul()
    ones = np.ones((N, N), DTYPE)
    assert a.grad is not None and b.grad is not None
    # float32 sums of 1024 products, which BLAS may add in another order for another layout
    np.testing.assert_allclose(a.grad.data, ones @ B.T, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(b.grad.data, A.T @ ones, rtol=1e-4, atol=1e-3)
    if installed("torch"):
        import torch

        ta = torch.tensor(A, requires_grad=True)
        tb = torch.tensor(B, requires_grad=True)

        def torch_matmul() -> None:
            ta.grad = tb.grad = None
            (ta @ tb).sum().backward()

        cases["torch"] = torch_matmul
    return cases


# -- W2's memory ------------------------------------------------------------------------------

_MEMORY = """
import sys
sys.path.insert(0, {root!r})
from benchmarks import mlp_by_hand, {module}
weights = mlp_by_hand.initial_weights()
step = {module}.{maker}(weights){pick}
for _ in range(20):
    step()
"""


def peak_memory(repeats: int, with_torch: bool) -> dict[str, float]:
    makers = {
        "numpy": ("mlp_by_hand", "numpy_step", ""),
        "nanograd": ("mlp", "nanograd_step", "[0]"),
    }
    if with_torch:
        makers["torch"] = ("mlp", "torch_step", "")
    figures: dict[str, list[float]] = {name: [] for name in makers}
    for _ in range(repeats):
        for name, (module, maker, pick) in makers.items():
            code = _MEMORY.format(root=str(ROOT), module=module, maker=maker, pick=pick)
            figures[name].append(peak_rss_mib(code))
    return {name: float(np.median(values)) for name, values in figures.items()}


def measure(repeats: int, quick: bool = False) -> list[Row]:
    """``quick`` leaves PyTorch out of the memory figure: its process imports torch."""
    check_mlp_gradients()
    weights = initial_weights()
    cases: dict[str, Callable[[], None]] = {
        "numpy": numpy_step(weights),
        "nanograd": nanograd_step(weights)[0],
    }
    if installed("torch"):
        cases["torch"] = torch_step(weights)
    step_ms = {k: v * 1e3 for k, v in interleaved(cases, repeats).items()}
    matmul_ms = {k: v * 1e3 for k, v in interleaved(matmul_cases(), max(5, repeats // 4)).items()}
    rss = peak_memory(1 if quick else 3, installed("torch") and not quick)
    return [
        Row("W2", "MLP 784-256-256-10, batch 128, CE, SGD step", "ms/step",
            nanograd=step_ms["nanograd"], numpy=step_ms["numpy"], torch=step_ms.get("torch"),
            target=1.05),
        Row("W3", "1024² matmul, fwd + bwd of the sum", "ms",
            nanograd=matmul_ms["nanograd"], numpy=matmul_ms["numpy"],
            torch=matmul_ms.get("torch"), target=1.03),
        Row("W2 RSS", "peak memory of 20 W2 steps, whole process", "MiB",
            nanograd=rss["nanograd"], numpy=rss["numpy"], torch=rss.get("torch"), target=1.2,
            note="PyTorch not in --quick" if quick and installed("torch") else ""),
    ]  # fmt: skip
