"""Activation functions as modules, and :func:`resolve` to pick one by name.

Each calls a registered op, so a plugin that registers a new elementwise op can be used as an
activation by its name (``MLP(..., activation="swish")``) with no class written for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nanograd as ng
from nanograd.lookup import UnknownName, find
from nanograd.nn.module import Module


class Identity(Module):
    """Returns its input unchanged."""

    def forward(self, x: Any) -> Any:
        return x


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x: Any) -> Any:
        return ng.ops.relu(x)


class LeakyReLU(Module):
    """x for x > 0, ``negative_slope``·x otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Any:
        return ng.ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    def forward(self, x: Any) -> Any:
        return ng.ops.tanh(x)


class Sigmoid(Module):
    def forward(self, x: Any) -> Any:
        return ng.ops.sigmoid(x)


class GELU(Module):
    """Gaussian error linear unit: exact erf form, or ``approximate="tanh"``."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Any:
        if self.approximate == "none":
            return ng.ops.gelu(x)
        return ng.ops.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}" if self.approximate != "none" else ""


class Softplus(Module):
    """log(1 + exp(beta·x)) / beta, computed stably by the op."""

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = beta

    def forward(self, x: Any) -> Any:
        if self.beta == 1.0:
            return ng.ops.softplus(x)
        return ng.ops.softplus(x, beta=self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}" if self.beta != 1.0 else ""


class Softmax(Module):
    """Softmax over ``axis`` (the class axis, last by default)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return ng.ops.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Softmax):
    """Log-softmax over ``axis``: the stable input for ``nll``."""

    def forward(self, x: Any) -> Any:
        return ng.ops.log_softmax(x, axis=self.axis)


class OpActivation(Module):
    """Any registered one-input op used as an activation, named by the op."""

    def __init__(self, op: str) -> None:
        super().__init__()
        self.op = op

    def forward(self, x: Any) -> Any:
        return getattr(ng.ops, self.op)(x)

    def extra_repr(self) -> str:
        return repr(self.op)


ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "gelu": GELU,
    "gelu_tanh": lambda: GELU(approximate="tanh"),
    "softplus": Softplus,
    "identity": Identity,
    "linear": Identity,
}
"""Activation names accepted by :func:`resolve` and ``MLP(activation=...)``."""


def resolve(activation: str | Module | Callable[[], Module] | None) -> Module:
    """An activation module from a name, a module class or factory, or a module (returned).

    A name is one of :data:`ACTIVATIONS` or any registered op taking one tensor; None means
    no activation (``Identity``).
    """
    if activation is None:
        return Identity()
    if isinstance(activation, Module):
        return activation
    if isinstance(activation, str):
        if activation.lower() not in ACTIVATIONS:
            from nanograd import plugins

            op = plugins.registry().ops.get(activation)
            if op is not None and op.arity == 1 and not op.variadic:
                return OpActivation(activation)
        valid = f" Valid: {', '.join(ACTIVATIONS)}, or the name of a registered one-input op"
        try:
            factory = find(
                ACTIVATIONS,
                activation,
                "activation",
                registered=False,
                fold_case=True,
                suffix=valid,
            )
        except UnknownName as exc:
            raise ValueError(str(exc)) from None
        return factory()
    if callable(activation):
        module = activation()
        if not isinstance(module, Module):
            raise TypeError(
                f"activation factory {activation!r} returned {type(module).__name__}, "
                "not an nn.Module"
            )
        return module
    raise TypeError(
        "activation must be a name, an nn.Module or a module class; got "
        f"{type(activation).__name__}"
    )
