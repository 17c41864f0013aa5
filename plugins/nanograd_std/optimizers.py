"""The standard optimizers: sgd, adam, adamw, rmsprop, adagrad, lion.

Constructor signatures and defaults are PyTorch's (Lion's are its paper's). Each ``update``
follows the algorithm box of the PyTorch documentation, on NumPy arrays, in place, with one
scratch array per step rather than a temporary per operation (on large parameters, allocating
the temporaries cost more than the arithmetic). State keys use PyTorch's names
(``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ...). With ``maximize=True`` the gradient is
negated first, as PyTorch's implementation does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanograd.contract import RegisterOptimizer
from nanograd.optim import Optimizer, ParamsT, checks


def _direction(grad: np.ndarray, param: np.ndarray, group: dict[str, Any]) -> np.ndarray:
    """The gradient with ``maximize`` and L2 ``weight_decay`` applied: ``grad`` itself when
    neither is set, else one new array (the gradient is never written into)."""
    maximize, wd = group.get("maximize"), group.get("weight_decay", 0.0)
    if not wd:
        return -grad if maximize else grad
    g = np.multiply(param, wd, out=np.empty_like(param))
    if maximize:
        g -= grad
    else:
        g += grad
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
        name = type(self).__name__
        checks.nonnegatives(name, group, "lr", "momentum", "weight_decay")
        dampening = group["dampening"] = checks.in_range(
            name, "dampening", group["dampening"], 0.0, 1.0, include_high=True
        )
        checks.flags(name, group, "nesterov", "maximize")
        if group["nesterov"] and (group["momentum"] <= 0 or dampening):
            raise ValueError(
                f"{name}: nesterov=True needs momentum > 0 and dampening = 0; got "
                f"momentum={group['momentum']}, dampening={dampening}"
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
                dampening = group["dampening"]
                buf += (1 - dampening) * g if dampening else g
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
        checks.nonnegatives(name, group, "lr", "eps", "weight_decay")
        group["betas"] = checks.betas(name, group["betas"])
        checks.flags(name, group, "amsgrad", "maximize")

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
            if group["weight_decay"]:
                param *= 1 - lr * group["weight_decay"]
        else:
            g = _direction(grad, param, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        scratch = np.multiply(g, 1 - beta1, out=np.empty_like(param))  # the step's one new array
        m *= beta1
        m += scratch
        np.square(g, out=scratch)
        scratch *= 1 - beta2
        v *= beta2
        v += scratch
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        denom = np.sqrt(v, out=scratch)
        denom /= math.sqrt(1 - beta2**step)
        denom += group["eps"]
        update = np.divide(m, denom, out=scratch)
        update *= lr / (1 - beta1**step)
        param -= update


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
        name = type(self).__name__
        checks.nonnegatives(name, group, "lr", "eps", "weight_decay", "momentum")
        group["alpha"] = checks.in_range(name, "alpha", group["alpha"], 0.0, 1.0, include_high=True)
        checks.flags(name, group, "centered", "maximize")

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
        scratch = np.square(g, out=np.empty_like(param))  # the step's one new array
        scratch *= 1 - alpha
        square_avg *= alpha
        square_avg += scratch
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += np.multiply(g, 1 - alpha, out=scratch)
            avg = np.square(grad_avg, out=scratch)
            np.subtract(square_avg, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg, out=scratch)
        avg += group["eps"]
        update = np.divide(g, avg, out=avg)
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += update
            update = np.multiply(buf, group["lr"], out=update)
        else:
            update *= group["lr"]
        param -= update


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
        name = type(self).__name__
        checks.nonnegatives(
            name, group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"
        )
        checks.flags(name, group, "maximize")

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
        scratch = np.square(g, out=np.empty_like(param))  # the step's one new array
        total += scratch
        std = np.sqrt(total, out=scratch)
        std += group["eps"]
        update = np.divide(g, std, out=std)
        update *= clr
        param -= update


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
        name = type(self).__name__
        checks.nonnegatives(name, group, "lr", "weight_decay")
        group["betas"] = checks.betas(name, group["betas"])
        checks.flags(name, group, "maximize")

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        if not state:
            state["exp_avg"] = np.zeros_like(param)
        g = -grad if group["maximize"] else grad
        m = state["exp_avg"]
        if group["weight_decay"]:
            param *= 1 - lr * group["weight_decay"]
        # sign(β1·m + (1-β1)·g) is sign(β1/(1-β1)·m + g) (β1 < 1): no temporary array.
        update = np.multiply(m, beta1 / (1 - beta1), out=np.empty_like(param))
        update += g
        np.sign(update, out=update)
        update *= lr
        param -= update
        m *= beta2
        m += np.multiply(g, 1 - beta2, out=update)


def register_optimizers(register: RegisterOptimizer) -> None:
    """Register every standard optimizer under its lower-case name."""
    register("sgd", SGD)
    register("adam", Adam)
    register("adamw", AdamW)
    register("rmsprop", RMSprop)
    register("adagrad", Adagrad)
    register("lion", Lion)
