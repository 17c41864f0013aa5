"""What a gradient computation may not do, checked after each pass of a gradient check.

Neither the forward nor the backward pass may write into an input or the upstream gradient; a
gradient has its input's shape and dtype and shares memory with no array the caller holds; an
output to differentiate is finite. Each failure is a :class:`~nanograd.jacobian.GradcheckError`
naming the input and what changed. Used by :func:`nanograd.gradcheck` and the property suite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nanograd.jacobian import GradcheckError, Labels, describe_value, index_text, is_floating
from nanograd.tensor import Tensor


def arrays_of(args: Sequence[Any]) -> list[tuple[int, np.ndarray]]:
    found = []
    for i, x in enumerate(args):
        data = x.data if isinstance(x, Tensor) else x
        if isinstance(data, np.ndarray):
            found.append((i, data))
    return found


def snapshot(arrays: Sequence[tuple[int, np.ndarray]]) -> list[tuple[int, np.ndarray]]:
    return [(i, a.copy()) for i, a in arrays]


def same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return bool(np.array_equal(a, b, equal_nan=is_floating(a)))


def check_unchanged(
    current: Sequence[tuple[int, np.ndarray]],
    before: Sequence[tuple[int, np.ndarray]],
    labels: Sequence[str],
    when: str,
    names: Labels,
) -> None:
    for (i, now), (_, then) in zip(current, before, strict=True):
        if same(now, then):
            continue
        where = ""
        if now.shape == then.shape:
            differs = now != then
            if is_floating(now):
                differs &= ~(np.isnan(now) & np.isnan(then))
            changed = np.argwhere(differs)
            if len(changed):
                idx = tuple(int(j) for j in changed[0])
                what = f"element {index_text(idx)}" if idx else "its value"
                where = f": {what} changed from {then[idx].item()!r} to {now[idx].item()!r}"
        raise GradcheckError(
            f"{names.prefix}the {names.stage(when)} pass wrote into {labels[i]} "
            f"({describe_value(then)})"
            f"{where}. "
            "An op must not modify its inputs or the upstream gradient in place; compute into "
            "a new array instead",
            name=names.name,
            problem="mutation",
            order=names.order,
            input_index=i,
            shape=then.shape,
        )


def check_gradients(
    leaves: dict[int, Tensor],
    held: Sequence[tuple[str, np.ndarray]],
    names: Labels,
) -> dict[int, np.ndarray]:
    """Shape, dtype and aliasing of each leaf's gradient; returns them (zeros where unused)."""
    grads: dict[int, np.ndarray] = {}
    fresh: list[tuple[str, np.ndarray]] = []
    for i, leaf in leaves.items():
        label = names.inputs[i]
        g = leaf.grad
        if g is None:
            grads[i] = np.zeros(leaf.shape)
            continue
        data = g.data
        if data.shape != leaf.shape:
            raise GradcheckError(
                f"{names.prefix}the gradient of {label} has shape {data.shape} but the input "
                f"has shape {leaf.shape}; a gradient has its input's shape",
                name=names.name, problem="shape", order=names.order, input_index=i,
                shape=leaf.shape,
            )  # fmt: skip
        if data.dtype != leaf.dtype:
            raise GradcheckError(
                f"{names.prefix}the gradient of {label} has dtype {data.dtype} but the input "
                f"is {leaf.dtype}; a gradient has its input's dtype",
                name=names.name, problem="dtype", order=names.order, input_index=i,
                shape=leaf.shape,
            )  # fmt: skip
        for other, array in [*held, *fresh]:
            if np.shares_memory(data, array):
                raise GradcheckError(
                    f"{names.prefix}the gradient of {label} shares memory with {other}; a "
                    "gradient must be a fresh array, or an in-place update of one (an "
                    "optimizer step) would silently change the other",
                    name=names.name, problem="alias", order=names.order, input_index=i,
                    shape=leaf.shape,
                )  # fmt: skip
        fresh.append((f"the gradient of {label}", data))
        grads[i] = data
    return grads


def check_finite(outputs: Sequence[Tensor], checked: Sequence[int], names: Labels) -> None:
    for k in checked:
        data = outputs[k].data
        if not np.all(np.isfinite(data)):
            bad = tuple(int(j) for j in np.argwhere(~np.isfinite(data))[0]) if data.ndim else ()
            value = data[bad] if data.ndim else data[()]
            where = f"element {index_text(bad)}" if bad else "its only element"
            raise GradcheckError(
                f"{names.prefix}{names.outputs[k]} is {value} at {where} for these inputs, so "
                "it has no derivative to check; keep the inputs inside the function's domain",
                name=names.name,
                problem="nonfinite",
                order=names.order,
            )
