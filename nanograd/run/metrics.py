"""Metric helpers for an experiment's ``metrics(output, target)`` function."""

from __future__ import annotations

from typing import Any

import numpy as np


def predicted_classes(output: Any, threshold: float = 0.0) -> np.ndarray:
    """Class predictions from model outputs: the argmax of one column per class, or, for a
    single score, 1 where it exceeds ``threshold`` (0 for logits and margins, 0.5 for
    probabilities) and 0 elsewhere."""
    out = np.asarray(output)
    if out.ndim == 2 and out.shape[1] > 1:
        return np.asarray(out.argmax(axis=1))
    return np.asarray(out.reshape(len(out)) > threshold).astype(int)


def accuracy(output: Any, target: Any, threshold: float = 0.0) -> float:
    """The fraction of examples classified right.

    Targets are class indices, 0/1 labels, or -1/+1 labels (as a hinge loss uses); see
    :func:`predicted_classes` for how outputs become classes.
    """
    t = np.asarray(target).reshape(len(target), -1)
    if t.shape[1] > 1:  # one-hot or class probabilities
        labels = t.argmax(axis=1)
    else:
        flat = t[:, 0]
        labels = (flat > 0).astype(int) if flat.min() < 0 else flat.astype(int)
    return float(np.mean(predicted_classes(output, threshold) == labels))
