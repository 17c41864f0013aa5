"""The arrays an experiment's ``data()`` returns: checked, split, and cut into mini-batches.

``data(config, rng)`` returns ``(X, y)``, which the runner splits into training and validation
sets by ``config["val_fraction"]``, or a dict with ``"train"`` and optionally ``"val"`` and
``"test"``, each an ``(X, y)`` pair, and ``"meta"``: anything the experiment's ``evaluate`` and
``plots`` want later (class names, the scaling that was applied), kept as ``run.data.meta``.
Rows are examples: ``X`` and ``y`` have the same first dimension, and every set has the
training set's feature shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanograd.run.errors import ExperimentError


@dataclass
class Split:
    """One set of examples: inputs ``X`` and targets ``y``, row for row."""

    X: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def take(self, index: np.ndarray) -> Split:
        return Split(self.X[index], self.y[index])


@dataclass
class Dataset:
    """The training set and, when there are any, the validation and test sets."""

    train: Split
    val: Split | None = None
    test: Split | None = None
    meta: Any = None

    def sizes(self) -> str:
        parts = [f"{len(self.train)} train"]
        if self.val is not None:
            parts.append(f"{len(self.val)} val")
        if self.test is not None:
            parts.append(f"{len(self.test)} test")
        return " / ".join(parts)


def prepare(raw: Any, val_fraction: float, rng: np.random.Generator, where: str) -> Dataset:
    """Check what ``data()`` returned and split off a validation set if it gave none."""
    if isinstance(raw, dict):
        unknown = set(raw) - {"train", "val", "test", "meta"}
        if unknown or "train" not in raw:
            raise ExperimentError(
                f"{where}: data() returned a dict with keys {sorted(map(str, raw))}; "
                "it needs 'train' and may have 'val' and 'test', each an (X, y) pair, and 'meta'"
            )
        train = _split(raw["train"], "train", where)
        val = None if raw.get("val") is None else _split(raw["val"], "val", where)
        test = None if raw.get("test") is None else _split(raw["test"], "test", where)
        for name, part in (("val", val), ("test", test)):
            if part is not None and part.X.shape[1:] != train.X.shape[1:]:
                raise ExperimentError(
                    f"{where}: data() gave {name} inputs of shape {part.X.shape} but train inputs "
                    f"of shape {train.X.shape}; every set needs the same shape after the first "
                    "(example) axis"
                )
        return Dataset(train, val, test, raw.get("meta"))
    whole = _split(raw, "data", where)
    if val_fraction == 0.0:
        return Dataset(whole)
    n = len(whole)
    n_val = round(n * val_fraction)
    if n_val < 1 or n_val >= n:
        raise ExperimentError(
            f"{where}: val_fraction={val_fraction} of {n} examples leaves "
            f"{n_val} for validation and {n - n_val} for training; both need at least one "
            "(use val_fraction=0 for no validation set)"
        )
    order = rng.permutation(n)
    return Dataset(whole.take(np.sort(order[n_val:])), whole.take(np.sort(order[:n_val])))


def _split(pair: Any, name: str, where: str) -> Split:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        what = "None" if pair is None else f"a {type(pair).__name__}"
        if isinstance(pair, (tuple, list)):
            what += f" of length {len(pair)}"
        part = "it returned" if name == "data" else f"its {name!r} entry is"
        raise ExperimentError(
            f"{where}: data() must return (X, y) or a dict of (X, y) pairs; {part} {what}"
        )
    X, y = (_array(v, f"{name} {label}", where) for v, label in zip(pair, ("X", "y"), strict=True))
    if X.ndim == 0 or y.ndim == 0:
        raise ExperimentError(
            f"{where}: data() gave {name} X of shape {X.shape} and y of shape {y.shape}; "
            "both need a first axis of examples"
        )
    if X.shape[0] != y.shape[0]:
        raise ExperimentError(
            f"{where}: data() gave {name} X of shape {X.shape} and y of shape {y.shape}; they "
            f"need the same number of examples (first dimension), got {X.shape[0]} and "
            f"{y.shape[0]}"
        )
    if X.shape[0] == 0:
        raise ExperimentError(f"{where}: data() gave an empty {name} set")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    for label, arr in (("X", X), ("y", y)):
        if np.issubdtype(arr.dtype, np.inexact) and not np.all(np.isfinite(arr)):
            raise ExperimentError(f"{where}: data() gave {name} {label} containing NaN or infinity")
    return Split(X, y)


def _array(value: Any, what: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise ExperimentError(f"{where}: data() gave {what} that is not an array: {exc}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ExperimentError(
            f"{where}: data() gave {what} of dtype {arr.dtype}; it must be numeric "
            "(an array of numbers with one shape)"
        )
    return arr


def batches(
    n: int, batch_size: int | None, rng: np.random.Generator, shuffle: bool
) -> Iterator[np.ndarray]:
    """Row indices of each mini-batch of one epoch, reshuffled with ``rng`` when ``shuffle``."""
    order = rng.permutation(n) if shuffle else np.arange(n)
    size = n if batch_size is None else batch_size
    for start in range(0, n, size):
        yield order[start : start + size]


def batch_count(n: int, batch_size: int | None) -> int:
    size = n if batch_size is None else batch_size
    return -(-n // size)
