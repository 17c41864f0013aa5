"""NumPy's np.linalg, reached as ``ng.linalg.<name>`` (the ops are named ``linalg_<name>``):
inv, det, slogdet and solve here; cholesky, eigh and svd in decompositions.py; norm in
norms.py.

Each works on the last two axes, with any batch in front (broadcasting where NumPy does). The
gradients are the classical ones, written with ``linalg_inv`` and ``linalg_solve`` so that they
are differentiable again; they exist where the matrix is invertible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp

_INVERTIBLE = "a square matrix (a batch of them) that is invertible"


def scalar_per_matrix(t: Any) -> Any:
    """A tensor with one value per matrix of a batch, shaped to broadcast over the matrices."""
    return t.reshape((*t.shape, 1, 1))


def _inv(a: np.ndarray) -> np.ndarray:
    return np.linalg.inv(a)


def _inv_grad(g: Any, out: Any, a: Any) -> Any:
    # d(A^-1) = -A^-1 dA A^-1, so the gradient is -A^-T g A^-T.
    return -(out.mT @ g @ out.mT)


def _det(a: np.ndarray) -> np.ndarray:
    return np.linalg.det(a)


def _det_grad(g: Any, out: Any, a: Any) -> Any:
    # Jacobi's formula: d det(A) = det(A) tr(A^-1 dA).
    return scalar_per_matrix(g * out) * ng.ops.linalg_inv(a).mT


def _slogdet(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sign, logabsdet = np.linalg.slogdet(a)
    return np.asarray(sign), np.asarray(logabsdet)


def _logabsdet_grad(g: Any, out: Any, a: Any) -> Any:
    return scalar_per_matrix(g) * ng.ops.linalg_inv(a).mT


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # NumPy 2's rule: b is a vector (or a stack sharing a's batch) only when it is 1-D. The
    # batch is broadcast here, so every NumPy version reads b as a matrix otherwise.
    vector = np.ndim(b) == 1
    columns = b[:, None] if vector else b
    batch = np.broadcast_shapes(a.shape[:-2], columns.shape[:-2])
    x = np.linalg.solve(
        np.broadcast_to(a, batch + a.shape[-2:]),
        np.broadcast_to(columns, batch + columns.shape[-2:]),
    )
    return x[..., 0] if vector else x


def _solve_grads(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """x = A^-1 b: the gradient of b is A^-T g, and that of A is -(A^-T g) x^T."""
    vector = np.ndim(b) == 1
    g_columns = ng.ops.expand_dims(g, -1) if vector else g
    x_columns = ng.ops.expand_dims(out, -1) if vector else out
    gb = ng.ops.linalg_solve(
        a.mT if isinstance(a, ng.Tensor) else np.swapaxes(a, -1, -2), g_columns
    )
    return -(gb @ x_columns.mT), (gb[..., 0] if vector else gb)


def _solve_grad_a(g: Any, out: Any, a: Any, b: Any) -> Any:
    return _solve_grads(g, out, a, b)[0]


def _solve_grad_b(g: Any, out: Any, a: Any, b: Any) -> Any:
    return _solve_grads(g, out, a, b)[1]


def register_ops(register: RegisterOp) -> None:
    register(
        "linalg_inv",
        _inv,
        _inv_grad,
        domain=domain.custom(_square_cases),
        doc="The inverse of " + _INVERTIBLE + ", as np.linalg.inv.",
    )
    register(
        "linalg_det",
        _det,
        _det_grad,
        domain=domain.custom(_square_cases),
        kink="at a singular A, where the gradient is the adjugate's transpose, det(A) inv(A)^T "
        "cannot be formed: the inverse raises LinAlgError",
        doc="The determinant of a square matrix (a batch of them), as np.linalg.det. Its "
        "gradient det(A) inv(A)^T needs A invertible.",
    )
    register(
        "linalg_slogdet",
        _slogdet,
        (None, _logabsdet_grad),
        outputs=("sign", "logabsdet"),
        domain=domain.custom(_square_cases),
        doc="The sign and the log of the absolute value of the determinant, as "
        "np.linalg.slogdet: finite where det would overflow. The sign is outside the graph; "
        "logabsdet's gradient inv(A)^T needs A invertible.",
    )
    register(
        "linalg_solve",
        _solve,
        (_solve_grad_a, _solve_grad_b),
        domain=domain.custom(_solve_cases),
        doc="x with a @ x = b, for " + _INVERTIBLE + ", as np.linalg.solve (NumPy 2's rule: "
        "b is a vector when 1-D, else a matrix (..., M, K) whose batch broadcasts with a's).",
    )


# -- where the property suite draws from ----------------------------------------------------------


def _square_cases(arrays: Any) -> Any:
    """Square matrices (1 x 1 to 4 x 4, batches of up to 2 x 2) with singular values in
    [0.5, 3], 0.3 apart, and either sign of determinant."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd_std.matrix_cases import batch_shapes, conditioned

    @st.composite
    def case(draw: Any) -> Any:
        n = draw(st.integers(1, 4))
        batch = draw(batch_shapes())
        return Case((draw(conditioned(arrays, n, n, batch, signed=True)),))

    return case()


def _solve_cases(arrays: Any) -> Any:
    """An invertible a and a right-hand side: a vector, or columns whose batch broadcasts with
    a's."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case
    from nanograd_std.matrix_cases import conditioned

    @st.composite
    def case(draw: Any) -> Any:
        n = draw(st.integers(1, 4))
        batches = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2))
        a_batch, b_batch = batches.input_shapes
        a = draw(conditioned(arrays, n, n, a_batch, signed=True))
        if draw(st.booleans()):
            return Case((a, draw(arrays((n,)))))
        return Case((a, draw(arrays((*b_batch, n, draw(st.integers(1, 3)))))))

    return case()
