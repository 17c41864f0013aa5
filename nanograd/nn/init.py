"""Weight initialisation, and the random generator layers draw from by default.

Every layer takes ``generator=`` (a ``numpy.random.Generator``); without one it draws from the
default generator here, which :func:`manual_seed` resets, so a seeded script builds the same
model every time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanograd import inplace
from nanograd.tensor import Tensor

_default = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator (as ``torch.manual_seed``); returns it."""
    global _default
    _default = np.random.default_rng(seed)
    return _default


def default_generator() -> np.random.Generator:
    """The generator used by layers and ``Dropout`` when none is given."""
    return _default


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    return _default if generator is None else generator


def _fill(tensor: Tensor, values: Any, by: str) -> Tensor:
    return inplace.write(tensor, values, f"nn.init.{by}")


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Fill ``tensor`` in place with draws from U(a, b)."""
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape), "uniform_()")


def normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` in place with draws from N(mean, std²)."""
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape), "normal_()")


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0, "zeros_()")


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1, "ones_()")


def fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    """PyTorch's fans of a weight of ``shape`` (out, in, *kernel)."""
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight of 2 or more dimensions, got {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He initialisation, uniform: U(-bound, bound) with bound = gain·sqrt(3 / fan_in)."""
    fan_in, _ = fan_in_and_fan_out(tensor.shape)
    gain = _gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / fan_in) if fan_in else 0.0
    return uniform_(tensor, -bound, bound, generator)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot initialisation, uniform: bound = gain·sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def _gain(nonlinearity: str, param: Any) -> float:
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(
        f"no gain known for nonlinearity {nonlinearity!r}; "
        "use linear, sigmoid, tanh, relu or leaky_relu"
    )
