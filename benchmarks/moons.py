"""W4: micrograd's moons demo (examples/moons.py), 20 full-batch steps: a 2-16-16-1 ReLU MLP on
100 points, hinge loss plus L2, SGD. Small matrices, so the cost is per op, as in W1, but with
the ops a real model uses (matmul, broadcasting adds, reductions, the loss's checks). float64,
as the demo.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import ModuleType

import numpy as np

import nanograd as ng
from benchmarks.report import Row
from benchmarks.timing import ROOT, installed, interleaved

STEPS = 20
LR = 1.0
ALPHA = 1e-4  # the L2 weight


def demo() -> ModuleType:
    """examples/moons.py, for its data and micrograd's initialisation."""
    spec = importlib.util.spec_from_file_location("moons_demo", ROOT / "examples" / "moons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def initial_weights() -> list[np.ndarray]:
    moons = demo()
    ng.nn.init.manual_seed(0)
    model = ng.nn.MLP(2, [16, 16], 1, activation="relu")
    model.apply(moons.micrograd_init)
    return [p.data.copy() for p in model.parameters()]


def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = demo().make_moons(seed=0)
    return X, y.reshape(-1, 1)


def nanograd_train(weights: list[np.ndarray]) -> Callable[[], list[np.ndarray]]:
    X, y = data()
    model = ng.nn.MLP(2, [16, 16], 1, activation="relu")
    params = list(model.parameters())
    optimizer = ng.optim.SGD(params, lr=LR)
    inputs = ng.tensor(X)

    def train() -> list[np.ndarray]:
        for p, w in zip(params, weights, strict=True):  # each repeat from the same start
            p.data = w.copy()
        for _ in range(STEPS):
            scores = model(inputs)
            loss = ng.losses.hinge(scores, y) + ALPHA * sum((p * p).sum() for p in params)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return [p.data for p in params]

    return train


def numpy_train(weights: list[np.ndarray]) -> Callable[[], list[np.ndarray]]:
    X, y = data()

    def train() -> list[np.ndarray]:
        W1, b1, W2, b2, W3, b3 = params = [w.copy() for w in weights]
        for _ in range(STEPS):
            z1 = X @ W1.T + b1
            h1 = np.maximum(z1, 0)
            z2 = h1 @ W2.T + b2
            h2 = np.maximum(z2, 0)
            scores = h2 @ W3.T + b3
            margin = 1 - y * scores
            _loss = np.maximum(margin, 0).mean() + ALPHA * sum(np.sum(p * p) for p in params)
            ds = -y * (margin > 0) / len(y)  # d(mean hinge)/d(scores)
            dz2 = (ds @ W3) * (z2 > 0)
            dz1 = (dz2 @ W2) * (z1 > 0)
            grads = [dz1.T @ X, dz1.sum(0), dz2.T @ h1, dz2.sum(0), ds.T @ h2, ds.sum(0)]
            for p, g in zip(params, grads, strict=True):
                p -= LR * (g + 2 * ALPHA * p)
        return params

    return train


def torch_train(weights: list[np.ndarray]) -> Callable[[], list[np.ndarray]]:
    import torch

    X, y = data()
    F = torch.nn.functional
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    W1, b1, W2, b2, W3, b3 = params
    optimizer = torch.optim.SGD(params, lr=LR)
    inputs, labels = torch.from_numpy(X), torch.from_numpy(y)

    def train() -> list[np.ndarray]:
        with torch.no_grad():
            for p, w in zip(params, weights, strict=True):
                p.copy_(torch.from_numpy(w))
        for _ in range(STEPS):
            scores = F.linear(F.relu(F.linear(F.relu(F.linear(inputs, W1, b1)), W2, b2)), W3, b3)
            hinge = F.relu(1 - labels * scores).mean()
            loss = hinge + ALPHA * sum((p * p).sum() for p in params)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return [p.detach().numpy().copy() for p in params]

    return train


def measure(repeats: int) -> list[Row]:
    weights = initial_weights()
    cases = {"numpy": numpy_train(weights), "nanograd": nanograd_train(weights)}
    if installed("torch"):
        cases["torch"] = torch_train(weights)
    expected = cases["numpy"]()
    for name, train in cases.items():  # 20 steps by hand end where every engine's 20 end
        for got, want in zip(train(), expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=name)
    ms = {k: v * 1e3 for k, v in interleaved(cases, repeats).items()}
    return [
        Row("W4", "micrograd's moons demo, 20 full-batch steps", "ms",
            nanograd=ms["nanograd"], numpy=ms["numpy"], torch=ms.get("torch"), target=4.0)
    ]  # fmt: skip
