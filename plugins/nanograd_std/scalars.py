"""Python numbers among a composite op's inputs, made tensors the way arithmetic treats them.

``x * 2.0`` keeps a float32 x float32 (NumPy 2's rule for Python scalars, which the engine
follows). NumPy's array functions (dot, kron, einsum, append...) turn a Python number into a
float64 array first, which would widen the result; the ops here keep the rule of arithmetic
instead, so a product with a number has the dtype of the tensors it is taken with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

import nanograd as ng

_NUMBERS = (bool, int, float, complex)


def is_number(value: Any) -> bool:
    return type(value) in _NUMBERS


def weak_arrays(values: Iterable[Any]) -> list[Any]:
    """The values, each Python number made an array of the dtype it promotes to beside the
    others (2.0 beside float32 is float32); tensors and arrays as they are."""
    values = list(values)
    dtypes = [np.asarray(v).dtype if not isinstance(v, ng.Tensor) else v.dtype for v in values
              if not is_number(v)]  # fmt: skip
    if not dtypes:
        return values
    return [np.asarray(v, dtype=np.result_type(*dtypes, v)) if is_number(v) else v for v in values]


def as_tensors(*values: Any) -> list[Any]:
    """:func:`weak_arrays`, then each one a tensor (constants around the arrays)."""
    return [ng.as_tensor(v) for v in weak_arrays(values)]
