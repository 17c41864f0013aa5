"""``MLP``: the multilayer perceptron most experiments start from."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nanograd.nn.activations import resolve
from nanograd.nn.containers import Sequential
from nanograd.nn.layers import Dropout, Linear
from nanograd.nn.module import Module


class MLP(Sequential):
    """Linear layers of sizes ``in_features -> *hidden -> out_features`` with ``activation``
    after each hidden one (and ``Dropout(dropout)`` after it when dropout > 0).

    ``MLP(2, [16, 16], 1)`` is micrograd's moons classifier. ``activation`` is a name
    (``"relu"``, ``"tanh"``, ``"gelu"``, ... or any registered one-input op), a module class or
    a module; ``output_activation`` goes after the last layer (none by default: losses such as
    ``cross_entropy`` and ``bce_with_logits`` take raw scores). It is a ``Sequential``, so its
    state-dict keys are ``"0.weight"``, ``"0.bias"``, ``"2.weight"``, ...
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] | int,
        out_features: int,
        activation: str | Module | Callable[[], Module] | None = "relu",
        *,
        bias: bool = True,
        dropout: float = 0.0,
        output_activation: str | Module | Callable[[], Module] | None = None,
        dtype: Any = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        sizes_hidden = [hidden] if isinstance(hidden, int) else list(hidden)
        for size in sizes_hidden:
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise ValueError(
                    f"MLP: hidden must be a list of positive layer sizes such as [16, 16]; "
                    f"got {hidden!r}"
                )
        sizes = [in_features, *sizes_hidden, out_features]
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(Linear(n_in, n_out, bias, dtype=dtype, generator=generator))
            if i < len(sizes) - 2:
                layers.append(resolve(activation))
                if dropout > 0:
                    layers.append(Dropout(dropout, generator=generator))
        if output_activation is not None:
            layers.append(resolve(output_activation))
        super().__init__(*layers)
        self.in_features = in_features
        self.hidden = sizes_hidden
        self.out_features = out_features
