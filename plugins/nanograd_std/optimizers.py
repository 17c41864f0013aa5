"""The standard optimizers: sgd, adam, adamw, rmsprop, adagrad, lion.

Constructor signatures and defaults are PyTorch's (Lion's are its paper's). Each ``update``
follows the algorithm box of the PyTorch documentation, on NumPy arrays, in place; state keys
use PyTorch's names (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ...). With
``maximize=True`` the gradient is negated first, as PyTorch's implementation does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from nanograd.optim import Optimizer, ParamsT, checks

Register = Callable[..., Any]


def _direction(grad: np.ndarray, param: np.ndarray, group: dict[str, Any]) -> np.ndarray:
    """The gradient with ``maximize`` and L2 ``weight_decay`` applied (a new array if changed)."""
    g = -grad if group.get("maximize") else grad
    wd = group.get("weight_decay", 0.0)
    if wd:
        g = g + wd * param
    return g


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and
    L2 weight decay.

    With momentum μ: ``b = μ·b + (1 - dampening)·g`` (``b = g`` on the first step), then
    ``θ -= lr·(g + μ·b)`` with Nesterov or ``θ -= lr·b`` without.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, maximize=maximize,
        )  # fmt: skip
        super().__init__(params, defaults)

    def check_group(self, group: dict[str, Any]) -> None:
        name = "SGD"
        group["lr"] = checks.nonnegative(name, "lr", group["lr"])
        momentum = group["momentum"] = checks.nonnegative(name, "momentum", group["momentum"])
        dampening = group["dampening"] = checks.in_range(
            name, "dampening", group["dampening"], 0.0, 1.0, include_high=True
        )
        group["weight_decay"] = checks.nonnegative(name, "weight_decay", group["weight_decay"])
        checks.flag(name, "maximize", group["maximize"])
        if checks.flag(name, "nesterov", group["nesterov"]) and (momentum <= 0 or dampening):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0; got "
                f"momentum={momentum}, dampening={dampening}"
            )

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        g = _direction(grad, param, group)
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, copy=True)
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, L2 ``weight_decay`` and the AMSGrad
    variant.

    ``m = β1·m + (1-β1)·g``, ``v = β2·v + (1-β2)·g²``,
    ``θ -= lr·m̂ / (sqrt(v̂) + eps)`` with ``m̂ = m/(1-β1^t)``, ``v̂ = v/(1-β2^t)``. With
    ``amsgrad`` the running maximum of ``v`` replaces ``v`` (before bias correction, as
    PyTorch's implementation and the AMSGrad paper).
    """

    decoupled = False

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        group["lr"] = checks.nonnegative(name, "lr", group["lr"])
        group["betas"] = checks.betas(name, group["betas"])
        group["eps"] = checks.nonnegative(name, "eps", group["eps"])
        group["weight_decay"] = checks.nonnegative(name, "weight_decay", group["weight_decay"])
        checks.flag(name, "amsgrad", group["amsgrad"])
        checks.flag(name, "maximize", group["maximize"])

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        if self.decoupled:
            g = -grad if group["maximize"] else grad
            param *= 1 - lr * group["weight_decay"]
        else:
            g = _direction(grad, param, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * (g * g)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        bias1 = 1 - beta1**step
        bias2 = 1 - beta2**step
        denom = np.sqrt(v) / math.sqrt(bias2) + group["eps"]
        param -= (lr / bias1) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019):
    ``θ *= 1 - lr·weight_decay`` before the Adam step, instead of an L2 term in the gradient."""

    decoupled = True

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e) with optional momentum and the centered variant.

    ``v = alpha·v + (1-alpha)·g²``; centered: ``gbar = alpha·gbar + (1-alpha)·g`` and
    ``v - gbar²`` replaces ``v``. Then ``θ -= lr·g/(sqrt(v) + eps)``, or with momentum μ
    ``b = μ·b + g/(sqrt(v) + eps)``, ``θ -= lr·b``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def check_group(self, group: dict[str, Any]) -> None:
        name = "RMSprop"
        group["lr"] = checks.nonnegative(name, "lr", group["lr"])
        group["alpha"] = checks.in_range(name, "alpha", group["alpha"], 0.0, 1.0, include_high=True)
        group["eps"] = checks.nonnegative(name, "eps", group["eps"])
        group["weight_decay"] = checks.nonnegative(name, "weight_decay", group["weight_decay"])
        group["momentum"] = checks.nonnegative(name, "momentum", group["momentum"])
        checks.flag(name, "centered", group["centered"])
        checks.flag(name, "maximize", group["maximize"])

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        alpha = group["alpha"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        g = _direction(grad, param, group)
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (g * g)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * g
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * (g / avg)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): ``s += g²``, ``θ -= lr_t·g/(sqrt(s) + eps)`` with
    ``lr_t = lr / (1 + (t-1)·lr_decay)`` and ``s`` starting at ``initial_accumulator_value``."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def check_group(self, group: dict[str, Any]) -> None:
        name = "Adagrad"
        group["lr"] = checks.nonnegative(name, "lr", group["lr"])
        group["lr_decay"] = checks.nonnegative(name, "lr_decay", group["lr_decay"])
        group["weight_decay"] = checks.nonnegative(name, "weight_decay", group["weight_decay"])
        group["initial_accumulator_value"] = checks.nonnegative(
            name, "initial_accumulator_value", group["initial_accumulator_value"]
        )
        group["eps"] = checks.nonnegative(name, "eps", group["eps"])
        checks.flag(name, "maximize", group["maximize"])

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        g = _direction(grad, param, group)
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += g * g
        param -= clr * (g / (np.sqrt(total) + group["eps"]))


class Lion(Optimizer):
    """Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms").

    ``θ *= 1 - lr·weight_decay``; ``θ -= lr·sign(β1·m + (1-β1)·g)``; ``m = β2·m + (1-β2)·g``.
    Defaults from the paper: lr=1e-4, betas=(0.9, 0.99), weight_decay=0.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.99),
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def check_group(self, group: dict[str, Any]) -> None:
        name = "Lion"
        group["lr"] = checks.nonnegative(name, "lr", group["lr"])
        group["betas"] = checks.betas(name, group["betas"])
        group["weight_decay"] = checks.nonnegative(name, "weight_decay", group["weight_decay"])
        checks.flag(name, "maximize", group["maximize"])

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        if not state:
            state["exp_avg"] = np.zeros_like(param)
        g = -grad if group["maximize"] else grad
        m = state["exp_avg"]
        param *= 1 - lr * group["weight_decay"]
        param -= lr * np.sign(beta1 * m + (1 - beta1) * g)
        m *= beta2
        m += (1 - beta2) * g


def register_optimizers(register: Register) -> None:
    """Register every standard optimizer under its lower-case name."""
    register("sgd", SGD)
    register("adam", Adam)
    register("adamw", AdamW)
    register("rmsprop", RMSprop)
    register("adagrad", Adagrad)
    register("lion", Lion)
