"""Matrix decompositions from np.linalg: cholesky, eigh and svd (``ng.linalg.cholesky`` ...).

cholesky and eigh read one triangle of their input, as NumPy does (the lower by default), so
their gradient goes to that triangle only: the entry (i, j) there stands for both (i, j) and
(j, i) of the symmetric matrix, and gets both entries' gradient.

eigh and svd return several tensors; each output's gradient is computed on its own (the engine
adds them up) and recomputes the decomposition it needs, so every gradient is written with ops
and is differentiable again. The classical formulas divide by differences of eigenvalues or
singular values: the gradients exist where those are distinct, and, for svd's U and Vh of a
matrix that is not square, where the singular values are not 0.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp

Uplo = Literal["L", "U", "l", "u"]

_SIGNS = (
    "an eigenvector is unique only up to sign: the values are NumPy's, and the gradient is "
    "that of the sign NumPy returns, which exists where that sign does not jump (it does near "
    "diagonal matrices)"
)


def _to_triangle(grad: Any, lower: bool) -> Any:
    """The gradient of a symmetric matrix (for each entry of it) moved to the triangle the op
    reads: entry (i, j) of that triangle counts for (i, j) and (j, i)."""
    n = grad.shape[-1]
    strict = np.tri(n, n, -1, dtype=bool)
    if not lower:
        strict = strict.T
    kept = ng.ops.where(strict, grad + grad.mT, 0.0)
    return kept + ng.ops.where(np.eye(n, dtype=bool), grad, 0.0)


def _off_diagonal_inverse(differences: Any) -> Any:
    """1 / d off the diagonal, 0 on it (where d is 0 by construction)."""
    eye = np.eye(differences.shape[-1], dtype=bool)
    return ng.ops.where(eye, 0.0, 1.0 / ng.ops.where(eye, 1.0, differences))


# -- cholesky -------------------------------------------------------------------------------------


def _cholesky(a: np.ndarray, upper: bool = False) -> np.ndarray:
    if upper:  # U with A = U^T U, reading the upper triangle, as NumPy 2: the lower one of A^T
        return np.swapaxes(np.linalg.cholesky(np.swapaxes(a, -1, -2)), -1, -2)
    return np.linalg.cholesky(a)


def _cholesky_grad(g: Any, out: Any, a: Any, upper: bool = False) -> Any:
    # A = L L^T gives L^-1 dA L^-T = L^-1 dL + (L^-1 dL)^T, and L^-1 dL is lower triangular:
    # the gradient of the symmetric A is the symmetric part of L^-T phi(L^T gL) L^-1, phi the
    # lower triangle with its diagonal halved.
    lower, g_lower = (out.mT, g.mT) if upper else (out, g)
    n = lower.shape[-1]
    phi = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    inverse = ng.ops.linalg_inv(lower)
    inner = inverse.mT @ ((lower.mT @ g_lower) * phi.astype(g.dtype)) @ inverse
    grad = _to_triangle((inner + inner.mT) * 0.5, lower=True)
    return grad.mT if upper else grad


# -- eigh -----------------------------------------------------------------------------------------


def _eigh(a: np.ndarray, UPLO: Uplo = "L") -> tuple[np.ndarray, np.ndarray]:
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return w, v


def _eigenvalues_grad(g: Any, out: Any, a: Any, UPLO: Uplo = "L") -> Any:
    # dw_i = v_i^T dA v_i: the gradient is V diag(g) V^T.
    v = ng.ops.linalg_eigh(a, UPLO=UPLO).eigenvectors
    return _to_triangle((v * ng.ops.expand_dims(g, -2)) @ v.mT, lower=UPLO.upper() == "L")


def _eigenvectors_grad(g: Any, out: Any, a: Any, UPLO: Uplo = "L") -> Any:
    # dV = V (F * (V^T dA V)) with F_ij = 1 / (w_j - w_i) off the diagonal: the gradient is
    # V (F * (V^T g)) V^T.
    w = ng.ops.linalg_eigh(a, UPLO=UPLO).eigenvalues
    f = _off_diagonal_inverse(ng.ops.expand_dims(w, -2) - ng.ops.expand_dims(w, -1))
    return _to_triangle(out @ (f * (out.mT @ g)) @ out.mT, lower=UPLO.upper() == "L")


# -- svd ------------------------------------------------------------------------------------------


def _svd(
    a: np.ndarray, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> tuple[Any, Any, Any]:
    if hermitian:
        raise ValueError(
            "svd: hermitian=True (NumPy's eigh-based path, which reads one triangle of a) is "
            "not supported; for a symmetric matrix use ng.linalg.eigh"
        )
    if not compute_uv:
        return None, np.linalg.svd(a, compute_uv=False), None
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def _reduced(a: Any) -> tuple[Any, Any, Any]:
    """A's reduced SVD, recomputed as ops so the gradient built from it is differentiable."""
    u, s, vh = ng.ops.linalg_svd(a, full_matrices=False)
    return u, s, vh


def _first_columns(g: Any, k: int, what: str) -> Any:
    """g for the first k columns of U (rows of Vh, transposed): the others span an arbitrary
    basis when full_matrices=True, and only a zero gradient through them has a meaning."""
    if g.shape[-1] > k:
        if np.any(g.data[..., k:] != 0):
            raise ValueError(
                f"svd: a gradient reached the {what} beyond the first min(M, N) = {k}, which "
                "full_matrices=True makes an arbitrary basis; use full_matrices=False"
            )
        return g[..., :k]
    return g


def _svd_f(s: Any) -> Any:
    """F_ij = 1 / (s_j^2 - s_i^2) off the diagonal."""
    squares = s * s
    return _off_diagonal_inverse(ng.ops.expand_dims(squares, -2) - ng.ops.expand_dims(squares, -1))


def _u_grad(
    g: Any, out: Any, a: Any, full_matrices: bool = True, compute_uv: bool = True,
    hermitian: bool = False,
) -> Any:  # fmt: skip
    u, s, vh = _reduced(a)
    gu = _first_columns(g, s.shape[-1], "columns of U")
    j = u.mT @ gu
    inner = (_svd_f(s) * (j - j.mT)) * ng.ops.expand_dims(s, -2)
    rest = (gu - u @ j) / ng.ops.expand_dims(s, -2)  # the part of g outside U's columns
    return u @ inner @ vh + rest @ vh


def _s_grad(
    g: Any, out: Any, a: Any, full_matrices: bool = True, compute_uv: bool = True,
    hermitian: bool = False,
) -> Any:  # fmt: skip
    u, _, vh = _reduced(a)
    return (u * ng.ops.expand_dims(g, -2)) @ vh


def _vh_grad(
    g: Any, out: Any, a: Any, full_matrices: bool = True, compute_uv: bool = True,
    hermitian: bool = False,
) -> Any:  # fmt: skip
    u, s, vh = _reduced(a)
    gvh = _first_columns(g.mT, s.shape[-1], "rows of Vh").mT
    k = vh @ gvh.mT
    inner = ng.ops.expand_dims(s, -1) * (_svd_f(s) * (k - k.mT))
    rest = (gvh - (gvh @ vh.mT) @ vh) / ng.ops.expand_dims(s, -1)  # outside Vh's rows
    return u @ inner @ vh + u @ rest


def register_ops(register: RegisterOp) -> None:
    register(
        "linalg_cholesky",
        _cholesky,
        _cholesky_grad,
        domain=domain.custom(_cholesky_cases),
        doc="L, lower triangular with A = L L^T, of a symmetric positive definite A (a batch), "
        "reading A's lower triangle; upper=True gives U = L^T reading the upper one, as "
        "np.linalg.cholesky. The gradient goes to the triangle read.",
    )
    register(
        "linalg_eigh",
        _eigh,
        (_eigenvalues_grad, _eigenvectors_grad),
        outputs=("eigenvalues", "eigenvectors"),
        domain=domain.custom(_eigh_cases),
        kink=_SIGNS + "; at a repeated eigenvalue its eigenvectors have no gradient (F is "
        "infinite there)",
        doc="The eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix (a "
        "batch), reading its lower triangle (UPLO='L') or upper one, as np.linalg.eigh. The "
        "eigenvectors' gradient needs distinct eigenvalues.",
    )
    register(
        "linalg_svd",
        _svd,
        (_u_grad, _s_grad, _vh_grad),
        outputs=("U", "S", "Vh"),
        domain=domain.custom(_svd_cases),
        kink=_SIGNS.replace("an eigenvector", "a pair of singular vectors")
        + "; with full_matrices=True a gradient reaching the columns of U (rows of Vh) past "
        "min(M, N), an arbitrary basis, is an error naming full_matrices=False",
        doc="a = U diag(S) Vh with S descending, as np.linalg.svd; compute_uv=False gives S "
        "alone. The gradients need distinct singular values, nonzero for U and Vh of a "
        "matrix that is not square, and full_matrices=False (or a square matrix) for U and "
        "Vh.",
    )


# -- where the property suite draws from ----------------------------------------------------------


def _cholesky_cases(arrays: Any) -> Any:
    """Symmetric positive definite matrices (eigenvalues in [0.5, 3]) with noise in the
    triangle not read."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd_std.matrix_cases import batch_shapes, symmetric, with_other_triangle

    @st.composite
    def case(draw: Any) -> Any:
        n, batch, upper = draw(st.integers(1, 4)), draw(batch_shapes()), draw(st.booleans())
        spd = symmetric(arrays, n, batch, low=0.5, high=3.0, signed=False)
        return Case((draw(with_other_triangle(arrays, spd, lower=not upper)),), {"upper": upper})

    return case()


def _eigh_cases(arrays: Any) -> Any:
    """Symmetric matrices with eigenvalues of either sign, 0.3 apart in [0.2, 3] in magnitude,
    and noise in the triangle not read."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd_std.matrix_cases import batch_shapes, signs_hold, symmetric, with_other_triangle

    @st.composite
    def case(draw: Any) -> Any:
        n, batch = draw(st.integers(1, 4)), draw(batch_shapes())
        uplo = draw(st.sampled_from(["L", "U"]))
        # Signed values apart in magnitude could still meet as -x and x; positive ones shifted
        # by a drawn amount keep them apart and reach negative eigenvalues.
        shift = draw(st.floats(-2.0, 0.0))
        sym = symmetric(arrays, n, batch, low=0.2, high=3.0, signed=False)
        sym = sym.map(lambda m: m + shift * np.eye(n))
        read = with_other_triangle(arrays, sym, lower=uplo == "L")
        vectors = lambda m: (np.linalg.eigh(m, UPLO=uplo)[1],)
        a = draw(read.filter(lambda m: signs_hold(vectors, m)))
        return Case((a,), {"UPLO": uplo})

    return case()


def _svd_cases(arrays: Any) -> Any:
    """Matrices with singular values in [0.5, 3], 0.3 apart; full_matrices only when square
    (or without U and Vh)."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd_std.matrix_cases import batch_shapes, conditioned, signs_hold

    @st.composite
    def case(draw: Any) -> Any:
        rows, cols, batch = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(batch_shapes())
        # u_i and v_i change sign together, so U's columns tell
        vectors = lambda m: (np.linalg.svd(m, full_matrices=False)[0],)
        matrices = conditioned(arrays, rows, cols, batch)
        a = draw(matrices.filter(lambda m: signs_hold(vectors, m)))
        compute_uv = draw(st.booleans())
        full = draw(st.booleans()) if rows == cols or not compute_uv else False
        return Case((a,), {"full_matrices": full, "compute_uv": compute_uv})

    return case()
