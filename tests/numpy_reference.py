"""Comparing an op with the NumPy function of the same name, for the differential tests."""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng


def tensors(value: Any) -> Any:
    """Arrays as tensors, and inside lists and tuples too; everything else as it is."""
    if isinstance(value, np.ndarray):
        return ng.tensor(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, np.ndarray) for v in value):
        return type(value)(tensors(v) for v in value)
    return value


def assert_same(got: Any, expected: Any, rtol: float = 1e-12) -> None:
    """A tensor (or a sequence of them) equal to NumPy's array (or sequence), dtype and shape
    included."""
    if isinstance(expected, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(expected), (got, expected)
        for g, e in zip(got, expected, strict=True):
            assert_same(g, e, rtol)
        return
    expected = np.asarray(expected)
    assert isinstance(got, ng.Tensor), type(got)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_allclose(got.data, expected, rtol=rtol, atol=1e-14)


def agrees_with_numpy(name: str, *args: Any, numpy: Any = None, **kwargs: Any) -> None:
    """``ng.ops.<name>`` on the arguments as tensors gives what NumPy's function gives."""
    function = numpy if numpy is not None else getattr(np, name)
    expected = function(*args, **kwargs)
    got = getattr(ng.ops, name)(*(tensors(a) for a in args), **kwargs)
    assert_same(got, expected)
