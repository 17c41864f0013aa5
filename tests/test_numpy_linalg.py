"""ng.linalg: NumPy's own values forward for inv, det, slogdet, solve, cholesky, eigh, svd and
norm, the triangle cholesky and eigh read, and the conditions under which gradients exist."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy_reference import agrees_with_numpy, assert_same

import nanograd as ng

RNG = np.random.default_rng(3)


def spd(n: int, *batch: int) -> np.ndarray:
    b = RNG.standard_normal((*batch, n, n))
    return b @ np.swapaxes(b, -1, -2) + n * np.eye(n)


A = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
BATCH = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)


def test_ng_linalg_is_every_op_named_linalg_something() -> None:
    ops = ng.plugins.registry().ops
    names = {"inv", "det", "slogdet", "solve", "cholesky", "eigh", "svd", "norm"}
    assert names <= set(dir(ng.linalg))
    for name in names:
        assert getattr(ng.linalg, name) is ops[f"linalg_{name}"].function
    with pytest.raises(AttributeError, match=r"ng.linalg 'eig'.*did you mean 'eigh'"):
        ng.linalg.eig  # noqa: B018


@pytest.mark.parametrize("a", [A, BATCH], ids=["matrix", "batch"])
@pytest.mark.parametrize("name", ["inv", "det"])
def test_inv_and_det_match_numpy(name: str, a: np.ndarray) -> None:
    agrees_with_numpy(f"linalg_{name}", a, numpy=getattr(np.linalg, name))


def test_slogdet_matches_numpy_and_keeps_its_sign_outside_the_graph() -> None:
    a = ng.tensor(BATCH * [[[-1.0]], [[1.0]]], requires_grad=True)
    sign, logabsdet = ng.linalg.slogdet(a)
    expected = np.linalg.slogdet(a.data)
    assert_same(sign, expected.sign)
    assert_same(logabsdet, expected.logabsdet)
    assert not sign.requires_grad and logabsdet.requires_grad
    # the gradient of log|det A| is inv(A)^T
    logabsdet.sum().backward()
    np.testing.assert_allclose(a.grad.data, np.swapaxes(np.linalg.inv(a.data), -1, -2))


@pytest.mark.parametrize(
    ("a", "b"),
    [(A, RNG.standard_normal(3)), (A, RNG.standard_normal((3, 2))),
     (BATCH, RNG.standard_normal(3)), (BATCH, RNG.standard_normal((3, 4))),
     (A, RNG.standard_normal((5, 3, 1)))],
    ids=["vector", "matrix", "batch-vector", "batch-matrix", "broadcast"],
)  # fmt: skip
def test_solve_matches_numpy_2(a: np.ndarray, b: np.ndarray) -> None:
    expected = np.linalg.solve(a, b[..., None])[..., 0] if b.ndim == 1 else None
    if expected is None:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        expected = np.linalg.solve(
            np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
        )
    assert_same(ng.linalg.solve(ng.tensor(a), ng.tensor(b)), expected)
    assert ng.gradcheck(ng.linalg.solve, [a, b])


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_matches_numpy_and_reads_one_triangle(upper: bool) -> None:
    a = spd(3, 2)
    noisy = a + np.triu(RNG.standard_normal((3, 3)), 1) * (1 if not upper else 0)
    noisy = noisy + np.tril(RNG.standard_normal((3, 3)), -1) * (1 if upper else 0)
    expected = np.swapaxes(np.linalg.cholesky(a), -1, -2) if upper else np.linalg.cholesky(a)
    x = ng.tensor(noisy, requires_grad=True)
    factor = ng.linalg.cholesky(x, upper=upper)
    assert_same(factor, expected)
    factor.backward(RNG.standard_normal(factor.shape))
    ignored = np.tril(np.ones((3, 3)), -1) if upper else np.triu(np.ones((3, 3)), 1)
    assert np.all(x.grad.data * ignored == 0)


def test_eigh_matches_numpy_up_to_the_sign_of_each_eigenvector() -> None:
    for uplo in ("L", "U"):
        a = spd(4, 2) + np.triu(RNG.standard_normal((4, 4)), 1) * (uplo == "L")
        w, v = ng.linalg.eigh(ng.tensor(a), UPLO=uplo)
        expected = np.linalg.eigh(a, UPLO=uplo)
        assert_same(w, expected.eigenvalues)
        assert v.shape == expected.eigenvectors.shape and v.dtype == np.float64
        products = np.sum(v.data * expected.eigenvectors, axis=-2)  # +1 or -1 per column
        np.testing.assert_allclose(np.abs(products), 1.0, rtol=1e-10)


@pytest.mark.parametrize(("shape", "full"), [((3, 3), True), ((4, 2), False), ((2, 2, 4), False),
                                             ((4, 2), True)])  # fmt: skip
def test_svd_matches_numpy(shape: tuple[int, ...], full: bool) -> None:
    a = RNG.standard_normal(shape)
    u, s, vh = ng.linalg.svd(ng.tensor(a), full_matrices=full)
    expected = np.linalg.svd(a, full_matrices=full)
    assert_same(s, expected.S)
    assert u.shape == expected.U.shape and vh.shape == expected.Vh.shape
    k = min(shape[-2:])
    np.testing.assert_allclose((u.data[..., :k] * s.data[..., None, :]) @ vh.data[..., :k, :], a)
    assert_same(ng.linalg.svd(ng.tensor(a), compute_uv=False), np.linalg.svd(a, compute_uv=False))


def test_svd_names_the_gradients_that_do_not_exist() -> None:
    x = ng.tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    u, _, _ = ng.linalg.svd(x)  # full_matrices=True: U is 4 x 4, its last 2 columns arbitrary
    u[:, :2].sum().backward()  # through the first min(M, N) columns: fine
    assert x.grad is not None
    with pytest.raises(ValueError, match="beyond the first min"):
        ng.linalg.svd(x).U.sum().backward()
    with pytest.raises(ValueError, match="hermitian=True"):
        ng.linalg.svd(x, hermitian=True)


NORMS = [
    (RNG.standard_normal(5), {}),
    (RNG.standard_normal((2, 3, 4)), {}),
    (RNG.standard_normal(5), {"ord": 1}),
    (RNG.standard_normal(5), {"ord": math.inf}),
    (RNG.standard_normal(5), {"ord": -math.inf}),
    (RNG.standard_normal(5), {"ord": 0}),
    (RNG.standard_normal(5), {"ord": 3.5}),
    (RNG.standard_normal(5), {"ord": -1}),
    (RNG.standard_normal((2, 3, 4)), {"axis": 1, "keepdims": True}),
    (RNG.standard_normal((2, 3, 4)), {"ord": 2, "axis": -1}),
    (RNG.standard_normal((3, 4)), {"ord": "fro"}),
    (RNG.standard_normal((3, 4)), {"ord": "nuc"}),
    (RNG.standard_normal((3, 4)), {"ord": 2}),
    (RNG.standard_normal((3, 4)), {"ord": -2}),
    (RNG.standard_normal((3, 4)), {"ord": 1}),
    (RNG.standard_normal((3, 4)), {"ord": -math.inf}),
    (RNG.standard_normal((2, 3, 4)), {"ord": math.inf, "axis": (2, 0)}),
    (RNG.standard_normal((2, 3, 4)), {"ord": "nuc", "axis": (-1, 1), "keepdims": True}),
]


@pytest.mark.parametrize(("x", "kwargs"), NORMS, ids=lambda v: str(v)[-30:])
def test_norm_matches_numpy_and_its_gradient_checks(x: np.ndarray, kwargs: dict[str, Any]) -> None:
    agrees_with_numpy("linalg_norm", x, numpy=np.linalg.norm, **kwargs)
    assert ng.gradcheck(lambda t: ng.linalg.norm(t, **kwargs), [x])


def test_norm_gradient_at_the_zero_vector_is_zero() -> None:
    x = ng.tensor(np.zeros(3), requires_grad=True)
    ng.linalg.norm(x).backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(3))


def test_a_singular_matrix_is_named_by_the_op() -> None:
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg_inv .*Singular matrix"):
        ng.linalg.inv(ng.tensor(np.ones((2, 2))))
    with pytest.raises(np.linalg.LinAlgError, match="linalg_cholesky"):
        ng.linalg.cholesky(ng.tensor(-np.eye(2)))
