"""Layers with parameters or randomness: Linear, Embedding, LayerNorm, Dropout, Flatten."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import nanograd as ng
from nanograd.nn import init
from nanograd.nn.module import Module, Parameter
from nanograd.tensor import Tensor, as_tensor
from nanograd.tracing.callback import callback


class Linear(Module):
    """``y = x @ weight.T + bias``, with ``weight`` of shape (out_features, in_features).

    Initialised as PyTorch does: weight and bias uniform on ±1/sqrt(in_features).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: Any = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        _check_size("Linear", "in_features", in_features)
        _check_size("Linear", "out_features", out_features)
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features) if in_features else 0.0
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        init.uniform_(self.weight, -bound, bound, generator)
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dtype))
            init.uniform_(self.bias, -bound, bound, generator)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}): the input's last axis must have "
                f"length {self.in_features}; got an input of shape {x.shape}"
            )
        if self.bias is None:
            out: Tensor = x @ self.weight.T
            return out
        # one graph node for the whole layer, where x @ weight.T + bias makes three
        fused: Tensor = ng.ops.linear(x, self.weight, self.bias)
        return fused

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` is the vector for index ``i``.

    ``weight`` starts as N(0, 1) draws, as in PyTorch; the row ``padding_idx`` starts at zero
    and receives no gradient.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        dtype: Any = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        _check_size("Embedding", "num_embeddings", num_embeddings)
        _check_size("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx={padding_idx} is outside the table of "
                    f"{num_embeddings} rows"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        init.normal_(self.weight, 0.0, 1.0, generator)
        if padding_idx is not None:
            self.weight.data[padding_idx] = 0

    def forward(self, indices: Any) -> Tensor:
        out = self.weight[_checked_indices(indices, self.num_embeddings)]
        if self.padding_idx is not None:
            out = out * _padding_mask(indices, self.padding_idx, self.weight.dtype)
        return out

    def extra_repr(self) -> str:
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


@callback  # checked on every call, a compiled program's too
def _checked_indices(indices: Any, num_embeddings: int) -> np.ndarray:
    """The indices as an array, refused unless they are integers in [0, num_embeddings)."""
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"Embedding: indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num_embeddings):
        bad = idx[(idx < 0) | (idx >= num_embeddings)]
        raise IndexError(
            f"Embedding: index {int(bad.flat[0])} is outside [0, {num_embeddings}) "
            f"(indices of shape {idx.shape})"
        )
    return idx


@callback
def _padding_mask(indices: Any, padding_idx: int, dtype: Any) -> np.ndarray:
    """0 where an index is ``padding_idx``, else 1: made from the indices of each call."""
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    keep: np.ndarray = (idx != padding_idx)[..., None].astype(dtype)
    return keep


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` axes, then scale and shift.

    ``(x - mean) / sqrt(var + eps) * weight + bias`` with the biased variance, as PyTorch.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
        for n in shape:
            _check_size("LayerNorm", "normalized_shape", n)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = as_tensor(x)
        n = len(self.normalized_shape)
        if x.shape[x.ndim - n :] != self.normalized_shape:
            raise ValueError(
                f"LayerNorm({self.normalized_shape}): the input's trailing axes must have shape "
                f"{self.normalized_shape}; got an input of shape {x.shape}"
            )
        axes = tuple(range(x.ndim - n, x.ndim))
        centred = x - x.mean(axis=axes, keepdims=True)
        var = (centred * centred).mean(axis=axes, keepdims=True)
        out: Tensor = centred * (var + self.eps) ** -0.5
        if self.weight is not None:
            out = out * self.weight
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by 1/(1-p);
    in evaluation, the identity."""

    def __init__(self, p: float = 0.5, *, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        if not isinstance(x, Tensor):
            x = as_tensor(x)
        if self.p == 1.0:
            return x * np.zeros(x.shape, dtype=x.dtype)
        return x * _dropout_mask(self.generator, x.shape, self.p, x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"


@callback
def _dropout_mask(
    generator: np.random.Generator | None, shape: tuple[int, ...], p: float, dtype: Any
) -> np.ndarray:
    """Dropout's mask, 0 or 1/(1-p), drawn anew on every call (a compiled program's too)."""
    rng = generator if generator is not None else init.default_generator()
    keep = rng.random(shape) >= p
    return (keep / (1.0 - p)).astype(dtype)


class Flatten(Module):
    """Flatten axes ``start_dim``..``end_dim`` into one (by default all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Any) -> Tensor:
        t = x if isinstance(x, Tensor) else as_tensor(x)
        if t.ndim == 0:
            return t.reshape(1)
        start = self.start_dim % t.ndim
        end = self.end_dim % t.ndim
        return t.reshape((*t.shape[:start], -1, *t.shape[end + 1 :]))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def _check_size(layer: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{layer}: {name} must be a non-negative integer, got {value!r}")
