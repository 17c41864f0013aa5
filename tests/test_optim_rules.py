"""Each optimizer against its published update rule, written out here independently.

For every optimizer and its main option combinations, the rule from the paper or the PyTorch
documentation's algorithm box is computed in plain float64 NumPy on a fixed sequence of 20
gradients, and the optimizer's parameter trajectory must match it to 1e-12.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import nanograd as ng

STEPS = 20
SHAPE = (3, 4)


def gradient_sequence(seed: int = 7) -> list[np.ndarray]:
    """Fixed gradients of mixed sign and scale, some elements exactly zero."""
    rng = np.random.default_rng(seed)
    grads = []
    for k in range(STEPS):
        g = rng.standard_normal(SHAPE) * (1.0 + 0.5 * math.sin(k))
        g[0, k % SHAPE[1]] = 0.0
        grads.append(g)
    return grads


def initial_parameter() -> np.ndarray:
    return np.random.default_rng(3).standard_normal(SHAPE)


def trajectory(name: str, **hyper: Any) -> list[np.ndarray]:
    """Run the registered optimizer on the fixed gradients; the parameter after each step."""
    p = ng.Tensor(initial_parameter(), requires_grad=True)
    optimizer = ng.optim.create(name, [p], **hyper)
    out = []
    for g in gradient_sequence():
        p.grad = ng.Tensor(g.copy())
        optimizer.step()
        out.append(p.data.copy())
    return out


def assert_same(actual: list[np.ndarray], expected: Iterator[np.ndarray]) -> None:
    for step, (a, e) in enumerate(zip(actual, expected, strict=True)):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, err_msg=f"step {step + 1}")


# -- the published rules ---------------------------------------------------------------------------


def sgd_rule(
    lr: float, momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
    nesterov: bool = False, maximize: bool = False,
) -> Iterator[np.ndarray]:  # fmt: skip
    """PyTorch SGD algorithm box: g += λθ; b = μb + (1-τ)g (b = g at t=1);
    g = g + μb (nesterov) or b; θ -= lr·g. maximize negates the gradient."""
    theta = initial_parameter()
    b = None
    for grad in gradient_sequence():
        g = -grad if maximize else grad
        if weight_decay:
            g = g + weight_decay * theta
        if momentum:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        yield theta


def adam_rule(
    lr: float, beta1: float, beta2: float, eps: float, weight_decay: float = 0.0,
    amsgrad: bool = False, decoupled: bool = False, maximize: bool = False,
) -> Iterator[np.ndarray]:  # fmt: skip
    """Kingma & Ba's Adam with bias correction. L2 decay adds λθ to g (Adam); decoupled decay
    scales θ by 1 - lrλ first (AdamW, Loshchilov & Hutter). AMSGrad keeps the running maximum
    of v and divides by it (bias-corrected by 1 - β2^t, as PyTorch implements it)."""
    theta = initial_parameter()
    m = np.zeros(SHAPE)
    v = np.zeros(SHAPE)
    v_max = np.zeros(SHAPE)
    for t, grad in enumerate(gradient_sequence(), start=1):
        g = -grad if maximize else grad
        if decoupled:
            theta = theta * (1 - lr * weight_decay)
        elif weight_decay:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        yield theta


def rmsprop_rule(
    lr: float, alpha: float, eps: float, weight_decay: float = 0.0, momentum: float = 0.0,
    centered: bool = False, maximize: bool = False,
) -> Iterator[np.ndarray]:  # fmt: skip
    """PyTorch RMSprop algorithm box: g = -g if maximize; g += λθ; v = alpha·v + (1-alpha)·g²;
    centered: gbar = alpha·gbar + (1-alpha)·g and v~ = v - gbar²; with momentum
    b = μb + g/(√v~ + ε), θ -= lr·b; else θ -= lr·g/(√v~ + ε)."""
    theta = initial_parameter()
    v = np.zeros(SHAPE)
    g_avg = np.zeros(SHAPE)
    b = np.zeros(SHAPE)
    for grad in gradient_sequence():
        g = -grad if maximize else grad
        g = g + weight_decay * theta if weight_decay else g
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_tilde = v - g_avg**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        yield theta


def adagrad_rule(
    lr: float, lr_decay: float = 0.0, weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0, eps: float = 1e-10, maximize: bool = False,
) -> Iterator[np.ndarray]:  # fmt: skip
    """Duchi et al.'s Adagrad as PyTorch documents it: g = -g if maximize;
    lr_t = lr / (1 + (t-1)η); g += λθ; s += g²; θ -= lr_t·g / (√s + ε)."""
    theta = initial_parameter()
    s = np.full(SHAPE, initial_accumulator_value)
    for t, grad in enumerate(gradient_sequence(), start=1):
        lr_t = lr / (1 + (t - 1) * lr_decay)
        g = -grad if maximize else grad
        g = g + weight_decay * theta if weight_decay else g
        s = s + g**2
        theta = theta - lr_t * g / (np.sqrt(s) + eps)
        yield theta


def lion_rule(
    lr: float, beta1: float, beta2: float, weight_decay: float = 0.0, maximize: bool = False
) -> Iterator[np.ndarray]:
    """Chen et al. 2023, Algorithm 2: c = β1 m + (1-β1) g; θ -= η (sign(c) + λθ);
    m = β2 m + (1-β2) g. maximize (as for PyTorch's optimizers) ascends: g = -g."""
    theta = initial_parameter()
    m = np.zeros(SHAPE)
    for grad in gradient_sequence():
        g = -grad if maximize else grad
        c = beta1 * m + (1 - beta1) * g
        theta = theta - lr * (np.sign(c) + weight_decay * theta)
        m = beta2 * m + (1 - beta2) * g
        yield theta


# -- the comparisons -------------------------------------------------------------------------------

SGD_CASES = [
    {},
    {"momentum": 0.9},
    {"momentum": 0.9, "dampening": 0.3},
    {"momentum": 0.9, "nesterov": True},
    {"weight_decay": 0.05},
    {"momentum": 0.8, "weight_decay": 0.05, "nesterov": True},
    {"momentum": 0.5, "maximize": True},
]


@pytest.mark.parametrize("options", SGD_CASES, ids=lambda o: ",".join(o) or "plain")
def test_sgd_follows_its_rule(options: dict[str, Any]) -> None:
    assert_same(trajectory("sgd", lr=0.05, **options), sgd_rule(0.05, **options))


ADAM_CASES = [
    {},
    {"weight_decay": 0.1},
    {"amsgrad": True},
    {"amsgrad": True, "weight_decay": 0.1},
    {"betas": (0.5, 0.9), "eps": 1e-3},
    {"maximize": True},
]


def _adam_args(options: dict[str, Any]) -> dict[str, Any]:
    args = dict(options)
    beta1, beta2 = args.pop("betas", (0.9, 0.999))
    return {"beta1": beta1, "beta2": beta2, "eps": args.pop("eps", 1e-8), **args}


@pytest.mark.parametrize("options", ADAM_CASES, ids=lambda o: ",".join(o) or "defaults")
def test_adam_follows_its_rule(options: dict[str, Any]) -> None:
    expected = adam_rule(0.01, **_adam_args(options))
    assert_same(trajectory("adam", lr=0.01, **options), expected)


@pytest.mark.parametrize(
    "options", [{}, {"weight_decay": 0.3}, {"amsgrad": True}], ids=["defaults", "wd", "amsgrad"]
)
def test_adamw_decouples_weight_decay(options: dict[str, Any]) -> None:
    args = _adam_args(options)
    args.setdefault("weight_decay", 1e-2)  # AdamW's default, unlike Adam's 0
    expected = adam_rule(0.01, decoupled=True, **args)
    assert_same(trajectory("adamw", lr=0.01, **options), expected)


RMSPROP_CASES = [
    {},
    {"momentum": 0.9},
    {"centered": True},
    {"centered": True, "momentum": 0.9},
    {"weight_decay": 0.1, "alpha": 0.9, "eps": 1e-4},
    {"momentum": 0.9, "weight_decay": 0.1, "maximize": True},
]


@pytest.mark.parametrize("options", RMSPROP_CASES, ids=lambda o: ",".join(o) or "defaults")
def test_rmsprop_follows_its_rule(options: dict[str, Any]) -> None:
    args = {"alpha": 0.99, "eps": 1e-8, **options}
    assert_same(trajectory("rmsprop", lr=0.01, **options), rmsprop_rule(0.01, **args))


ADAGRAD_CASES = [
    {},
    {"lr_decay": 0.1},
    {"weight_decay": 0.1},
    {"initial_accumulator_value": 0.5, "eps": 1e-6},
    {"lr_decay": 0.1, "weight_decay": 0.1, "maximize": True},
]


@pytest.mark.parametrize("options", ADAGRAD_CASES, ids=lambda o: ",".join(o) or "defaults")
def test_adagrad_follows_its_rule(options: dict[str, Any]) -> None:
    assert_same(trajectory("adagrad", lr=0.1, **options), adagrad_rule(0.1, **options))


LION_CASES = [{}, {"weight_decay": 0.5}, {"betas": (0.5, 0.8)}, {"maximize": True}]


@pytest.mark.parametrize("options", LION_CASES, ids=lambda o: ",".join(o) or "defaults")
def test_lion_follows_its_rule(options: dict[str, Any]) -> None:
    beta1, beta2 = options.get("betas", (0.9, 0.99))
    expected = lion_rule(
        0.01, beta1, beta2, options.get("weight_decay", 0.0), options.get("maximize", False)
    )
    assert_same(trajectory("lion", lr=0.01, **options), expected)


def test_the_rules_are_not_trivially_equal() -> None:
    # Guards the comparisons above: different options give measurably different trajectories.
    plain = list(sgd_rule(0.05))
    nesterov = list(sgd_rule(0.05, momentum=0.9, nesterov=True))
    assert np.max(np.abs(plain[-1] - nesterov[-1])) > 1e-3
    adam = list(adam_rule(0.01, 0.9, 0.999, 1e-8))
    amsgrad = list(adam_rule(0.01, 0.9, 0.999, 1e-8, amsgrad=True))
    assert np.max(np.abs(adam[-1] - amsgrad[-1])) > 1e-6


FLOAT32_CASES: dict[str, tuple[dict[str, Any], Callable[[], Iterator[np.ndarray]]]] = {
    "sgd": ({"lr": 0.1, "momentum": 0.9}, lambda: sgd_rule(0.1, momentum=0.9)),
    "adam": (
        {"lr": 0.01, "amsgrad": True},
        lambda: adam_rule(0.01, 0.9, 0.999, 1e-8, amsgrad=True),
    ),
    "adamw": ({"lr": 0.01}, lambda: adam_rule(0.01, 0.9, 0.999, 1e-8, 1e-2, decoupled=True)),
    "rmsprop": (
        {"lr": 0.01, "momentum": 0.5, "centered": True},
        lambda: rmsprop_rule(0.01, 0.99, 1e-8, momentum=0.5, centered=True),
    ),
    "adagrad": ({"lr": 0.1}, lambda: adagrad_rule(0.1)),
    "lion": ({"lr": 0.01}, lambda: lion_rule(0.01, 0.9, 0.99)),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_CASES))
def test_float32_parameters_follow_the_rule_in_float32(name: str) -> None:
    p = ng.Tensor(initial_parameter().astype(np.float32), requires_grad=True)
    hyper, rule = FLOAT32_CASES[name]
    optimizer = ng.optim.create(name, [p], **hyper)
    for g, e in zip(gradient_sequence(), rule(), strict=True):
        p.grad = ng.Tensor(g.astype(np.float32))
        optimizer.step()
        assert p.dtype == np.float32
        np.testing.assert_allclose(p.data, e, rtol=1e-4, atol=1e-5)
    buffers = [v for s in optimizer.state.values() for v in s.values() if isinstance(v, np.ndarray)]
    assert buffers and all(b.dtype == np.float32 for b in buffers)
