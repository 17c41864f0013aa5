"""Drawing matrices whose spectrum is known, for the domains of the linear-algebra ops.

A gradient check of inv, eigh or svd is only meaningful away from the places where their
gradients blow up (singular matrices, repeated eigenvalues or singular values). Random entries
do not keep away from those, and Hypothesis shrinks towards them (a matrix of zeros, a matrix
of ones), so these matrices are built as ``Q diag(values) R^T``: rotations ``Q`` and ``R``
from the QR factorisation of drawn arrays, and ``values`` drawn apart from each other and from
zero. Used only from the strategy functions, under the property suite.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def rotation(raw: np.ndarray) -> np.ndarray:
    """An orthogonal matrix (a stack of them) from drawn square arrays, by QR: any draw gives
    one, zeros included.

    It is turned once more by a fixed rotation with no structure: Hypothesis shrinks the draws
    towards zeros, whose QR is the identity, and the eigenvectors and singular vectors LAPACK
    returns for a diagonal matrix change sign discontinuously nearby (they are unique only up
    to sign), where no gradient exists.
    """
    q, r = np.linalg.qr(raw)
    # A sign per column makes the factorisation continuous in raw, so shrinking is gentle.
    signs = np.where(np.diagonal(r, axis1=-2, axis2=-1) < 0, -1.0, 1.0)
    n = raw.shape[-1]
    generic, _ = np.linalg.qr(np.random.default_rng(n).standard_normal((n, n)))
    return (q * signs[..., None, :]) @ generic


def spectrum(arrays: Any, count: int, batch: tuple[int, ...], *, low: float, high: float,
             gap: float, signed: bool) -> Any:  # fmt: skip
    """``count`` values per matrix of the batch, in [low, high] and at least ``gap`` apart,
    with random signs when ``signed`` (then ``gap`` apart in magnitude)."""
    import math

    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    one = arrays((count,), low, high, distinct=True, margin=gap)
    size = math.prod(batch)
    magnitudes = st.lists(one, min_size=size, max_size=size).map(
        lambda ms: np.stack(ms).reshape((*batch, count)) if ms else np.zeros((*batch, count))
    )
    if not signed:
        return magnitudes
    signs = hnp.arrays(bool, (*batch, count))
    return st.tuples(magnitudes, signs).map(lambda d: np.where(d[1], -d[0], d[0]))


def conditioned(arrays: Any, rows: int, cols: int, batch: tuple[int, ...], *, low: float = 0.5,
                high: float = 3.0, gap: float = 0.3, signed: bool = False) -> Any:  # fmt: skip
    """Matrices ``Q diag(values) R^T`` of shape ``batch + (rows, cols)``: their singular values
    are the drawn values' magnitudes, in [low, high] and ``gap`` apart."""
    from hypothesis import strategies as st

    k = min(rows, cols)
    parts = st.tuples(
        spectrum(arrays, k, batch, low=low, high=high, gap=gap, signed=signed),
        arrays((*batch, rows, rows), -1.0, 1.0),
        arrays((*batch, cols, cols), -1.0, 1.0),
    )

    def build(drawn: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        values, left, right = drawn
        q, r = rotation(left)[..., :, :k], rotation(right)[..., :, :k]
        return (q * values[..., None, :]) @ np.swapaxes(r, -1, -2)

    return parts.map(build)


def symmetric(arrays: Any, n: int, batch: tuple[int, ...], *, low: float, high: float,
              gap: float = 0.3, signed: bool = True) -> Any:  # fmt: skip
    """Symmetric matrices ``Q diag(values) Q^T`` with eigenvalues in [low, high] (of either sign
    when ``signed``), ``gap`` apart."""
    from hypothesis import strategies as st

    parts = st.tuples(
        spectrum(arrays, n, batch, low=low, high=high, gap=gap, signed=signed),
        arrays((*batch, n, n), -1.0, 1.0),
    )

    def build(drawn: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        values, raw = drawn
        q = rotation(raw)
        return (q * values[..., None, :]) @ np.swapaxes(q, -1, -2)

    return parts.map(build)


def with_other_triangle(arrays: Any, matrices: Any, lower: bool) -> Any:
    """Symmetric matrices with the triangle NumPy does not read replaced by drawn numbers:
    the op must give the same result, and no gradient to those entries."""

    def replace(m: np.ndarray) -> Any:
        ignored = np.triu(np.ones(m.shape[-2:], bool), 1)
        if not lower:
            ignored = ignored.T
        return arrays(m.shape).map(lambda noise: np.where(ignored, noise, m))

    return matrices.flatmap(replace)


def batch_shapes() -> Any:
    """No batch, or a batch of up to 2 x 2 matrices."""
    from hypothesis.extra import numpy as hnp

    return hnp.array_shapes(min_dims=0, max_dims=2, max_side=2)


def signs_hold(vectors: Callable[[np.ndarray], Sequence[np.ndarray]], m: np.ndarray,
               step: float = 1e-5) -> bool:  # fmt: skip
    """Whether the columns ``vectors(m)`` returns (eigenvectors, singular vectors) keep their
    signs when any entry of ``m`` moves by ``step`` either way.

    They are unique only up to sign, and LAPACK's choice can jump between two nearby matrices,
    where the function NumPy computes has no derivative; gradient checks, which step 1e-6, are
    kept clear of such places by this filter.
    """
    here = vectors(m)
    for index in np.ndindex(m.shape):
        for delta in (step, -step):
            moved = m.copy()
            moved[index] += delta
            for a, b in zip(here, vectors(moved), strict=True):
                if np.any(np.sum(a * b, axis=-2) <= 0):
                    return False
    return True
