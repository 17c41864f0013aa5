"""Layers for convolutional networks: ``Conv2d`` and ``MaxPool2d``, as in PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import nanograd as ng
from nanograd.nn import Module, Parameter, init
from nanograd_conv.geometry import pair


class Conv2d(Module):
    """``conv2d(x, weight) + bias`` with weight (out, in, kH, kW), initialised as PyTorch does:
    uniform on ±1/sqrt(in·kH·kW) for weight and bias."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        bias: bool = True,
        *,
        dtype: Any = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        kernel = pair(kernel_size, "kernel_size")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel, stride, padding
        bound = 1.0 / math.sqrt(in_channels * kernel[0] * kernel[1])
        self.weight = Parameter(np.empty((out_channels, in_channels, *kernel), dtype=dtype))
        init.uniform_(self.weight, -bound, bound, generator)
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dtype))
            init.uniform_(self.bias, -bound, bound, generator)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> ng.Tensor:
        y = ng.ops.conv2d(x, self.weight, stride=self.stride, padding=self.padding)
        if self.bias is not None:
            y = y + self.bias.reshape(1, -1, 1, 1)
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )


class MaxPool2d(Module):
    """``max_pool2d`` over windows of ``kernel_size`` (stride defaults to the kernel size)."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Any) -> ng.Tensor:
        return ng.ops.max_pool2d(
            x, kernel_size=self.kernel_size, stride=self.stride, padding=self.padding
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
