"""Train an MLP on two interleaving half-moons, as micrograd's demo does.

A 2-16-16-1 ReLU network initialised as micrograd's (weights uniform on [-1, 1], biases zero),
max-margin (hinge) loss plus L2 regularisation, full-batch SGD with the learning rate falling
linearly from 1.0 to 0.1: 100% training accuracy within 100 steps. Data and initialisation are
seeded, so every run prints the same numbers.

    python examples/moons.py
"""

from __future__ import annotations

import numpy as np

import nanograd as ng


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Two half circles, one upside down inside the other, with Gaussian noise (as
    scikit-learn's ``make_moons``); labels are -1 and +1."""
    rng = np.random.default_rng(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    t_outer = np.linspace(0, np.pi, n_outer)
    t_inner = np.linspace(0, np.pi, n_inner)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1)
    X = np.concatenate([outer, inner]) + rng.normal(scale=noise, size=(n_samples, 2))
    y = np.concatenate([-np.ones(n_outer), np.ones(n_inner)])
    return X, y


def micrograd_init(module: ng.nn.Module) -> None:
    """micrograd's initialisation: weights uniform on [-1, 1], biases zero."""
    if isinstance(module, ng.nn.Linear):
        ng.nn.init.uniform_(module.weight, -1.0, 1.0)
        if module.bias is not None:
            ng.nn.init.zeros_(module.bias)


def accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of points on the right side of the decision boundary."""
    return float(np.mean((scores > 0) == (labels > 0)))


def train(steps: int = 100, seed: int = 0, verbose: bool = True) -> float:
    """Train from scratch; returns the training accuracy after the last step (0 to 1)."""
    X, y = make_moons(seed=seed)
    ng.nn.init.manual_seed(seed)
    model = ng.nn.MLP(2, [16, 16], 1, activation="relu")
    model.apply(micrograd_init)
    optimizer = ng.optim.SGD(model.parameters(), lr=1.0)
    schedule = ng.optim.lr_scheduler.LinearLR(
        optimizer, start_factor=1.0, end_factor=0.1, total_iters=steps
    )
    inputs, labels = ng.tensor(X), y.reshape(-1, 1)
    for step in range(steps):
        scores = model(inputs)
        data_loss = ng.losses.hinge(scores, labels)
        l2 = sum((p * p).sum() for p in model.parameters())
        loss = data_loss + 1e-4 * l2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if verbose and step % 10 == 0:
            acc = accuracy(scores.data, labels)
            print(f"step {step:3d}  loss {loss.item():.4f}  accuracy {acc:.0%}")
    with ng.no_grad():
        return accuracy(model(inputs).data, labels)


if __name__ == "__main__":
    print(f"training accuracy after 100 steps: {train():.0%}")
