"""Shapes of sliding windows: padding, strides, output sizes and the windows themselves."""

from __future__ import annotations

from typing import Any

import numpy as np

Pair = tuple[int, int]


def pair(value: Any, name: str) -> Pair:
    """``3`` -> ``(3, 3)``; ``(1, 2)`` stays; anything else is an error naming ``name``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def output_size(size: Pair, kernel: Pair, stride: Pair, padding: Pair) -> Pair:
    """Output height and width of a window of ``kernel`` slid over ``size`` (PyTorch's rule)."""
    return (
        (size[0] + 2 * padding[0] - kernel[0]) // stride[0] + 1,
        (size[1] + 2 * padding[1] - kernel[1]) // stride[1] + 1,
    )


def check_geometry(size: Pair, kernel: Pair, stride: Pair, padding: Pair) -> Pair:
    """The output size, after checking the window fits; errors say which numbers clash."""
    if min(stride) < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    if min(padding) < 0:
        raise ValueError(f"padding must be at least 0, got {padding}")
    if min(kernel) < 1:
        raise ValueError(f"kernel size must be at least 1, got {kernel}")
    out = output_size(size, kernel, stride, padding)
    if min(out) < 1:
        raise ValueError(
            f"a {kernel[0]}x{kernel[1]} window does not fit an input of {size[0]}x{size[1]} "
            f"with padding {padding}"
        )
    return out


def pad(x: np.ndarray, padding: Pair, value: float = 0.0) -> np.ndarray:
    """``x`` (N, C, H, W) with ``padding`` rows and columns of ``value`` on each side."""
    if padding == (0, 0):
        return x
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def windows(xp: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
    """A read-only view (N, C, H', W', kH, kW) of every window of a padded input."""
    view = np.lib.stride_tricks.sliding_window_view(xp, kernel, axis=(2, 3))
    return view[:, :, :: stride[0], :: stride[1]]


def check_nchw(x: Any, name: str) -> None:
    if np.ndim(x) != 4:
        raise ValueError(f"{name} must have shape (N, C, H, W), got shape {np.shape(x)}")
