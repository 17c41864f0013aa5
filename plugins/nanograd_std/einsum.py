"""Einstein summation: ``einsum`` with every form of subscripts NumPy accepts, and the op behind
it, ``einsum_list``, whose gradient is itself an einsum.

``einsum`` reads NumPy's forms (explicit ``'ij,jk->ik'``, implicit ``'ij,jk'``, ellipsis
``'...ij,...jk->...ik'``, spaces, and the interleaved ``einsum(a, [0, 1], b, [1, 2], [0, 2])``)
and writes them as explicit subscripts of letters only, each ellipsis spelled out with letters no
term uses. ``einsum_list(operands, subscripts)`` then computes with ``np.einsum``.

The gradient of operand k is the einsum of the other operands and ``g`` into operand k's
subscripts. Two things need more than that: a letter repeated in operand k (``'ii->i'``, a
diagonal) is given a fresh letter tied to the first by an identity matrix, so the gradient lands
on the diagonal; and a letter only operand k has (``'ij->i'``, summed away) is brought back by a
vector of ones, which broadcasts ``g`` along it. Both are constants in the gradient's einsum,
so it is differentiable again, to any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_std.scalars import weak_arrays

# NumPy's order: an int label i in a sublist is LABELS[i]. string.ascii_letters, written out:
# importing the string module compiles a regular expression, a millisecond of every start-up.
LABELS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# -- reading NumPy's subscripts -------------------------------------------------------------------


def _from_sublists(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``(a, [0, 1], b, [1, 2], [0, 2])`` as ``('ab,bc->ac', [a, b])``."""

    def term(sublist: Any) -> str:
        labels = []
        for item in sublist:
            if item is Ellipsis:
                labels.append("...")
            elif isinstance(item, (int, np.integer)) and 0 <= item < len(LABELS):
                labels.append(LABELS[item])
            else:
                raise ValueError(
                    f"einsum: a sublist holds ints from 0 to {len(LABELS) - 1} and Ellipsis, "
                    f"got {item!r}"
                )
        return "".join(labels)

    operands = list(args[0::2])
    inputs = ",".join(term(s) for s in args[1::2])
    if len(args) % 2:  # an odd count ends with the output's sublist
        operands.pop()
        return f"{inputs}->{term(args[-1])}", operands
    return inputs, operands


def canonical(subscripts: str, shapes: Sequence[tuple[int, ...]]) -> str:
    """Explicit subscripts of letters only for operands of ``shapes``, as NumPy reads them:
    implicit output (the letters used once, in sorted order, after any ellipsis), ellipses
    replaced by letters no term uses, right-aligned as broadcasting aligns dimensions."""
    text = subscripts.replace(" ", "")
    if text.count("->") > 1:
        raise ValueError(f"einsum: subscripts {subscripts!r} have more than one '->'")
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s), but "
            f"{len(shapes)} were given"
        )
    for t in (*terms, rhs):
        letters = t.replace("...", "", 1)
        if any(c not in LABELS for c in letters):
            raise ValueError(f"einsum: {t!r} in {subscripts!r} may hold letters and one '...' only")
    used = {c for t in (*terms, rhs) for c in t if c in LABELS}
    spare = [c for c in LABELS if c not in used]
    widths = []
    for t, shape in zip(terms, shapes, strict=True):
        named = len(t.replace("...", ""))
        if ("..." in t and named > len(shape)) or ("..." not in t and named != len(shape)):
            raise ValueError(
                f"einsum: operand subscripts {t!r} do not fit an operand of shape {shape}"
            )
        widths.append(len(shape) - named if "..." in t else 0)
    width = max(widths, default=0)
    if width > len(spare):
        raise ValueError(f"einsum: {subscripts!r} needs more than {len(LABELS)} labels")
    ellipsis = "".join(spare[:width])
    terms = [t.replace("...", ellipsis[width - w :]) for t, w in zip(terms, widths, strict=True)]
    if not arrow:
        counts = {c: sum(t.count(c) for t in terms) for c in used}
        rhs = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1))
    elif "..." in rhs:
        rhs = rhs.replace("...", ellipsis)
    elif width:
        raise ValueError(
            f"einsum: output subscripts {rhs!r} have no '...' for the dimensions the "
            f"operands' '...' stands for in {subscripts!r}"
        )
    return ",".join(terms) + "->" + rhs


# -- the op ---------------------------------------------------------------------------------------


def _einsum_list(operands: Sequence[Any], subscripts: str, optimize: Any = False) -> np.ndarray:
    return np.asarray(np.einsum(subscripts, *weak_arrays(operands), optimize=optimize))


def _einsum_list_grad(
    g: Any, out: Any, operands: Sequence[Any], subscripts: str, optimize: Any = False
) -> list[Any]:
    lhs, _, output = subscripts.partition("->")
    terms = lhs.split(",")
    sizes: dict[str, int] = {}
    for t, x in zip(terms, operands, strict=True):
        for c, n in zip(t, np.shape(x), strict=True):
            sizes[c] = max(sizes.get(c, 1), n)
    spare = iter(c for c in LABELS if c not in sizes)
    grads: list[Any] = []
    for k, x in enumerate(operands):
        if not (isinstance(x, ng.Tensor) and x.requires_grad):
            grads.append(None)
            continue
        parts = [t for j, t in enumerate(terms) if j != k] + [output]
        args = [y for j, y in enumerate(operands) if j != k] + [g]
        target = ""
        for c in terms[k]:
            if c in target:  # a diagonal: a fresh letter, tied to c by the identity
                fresh = next(spare)
                parts.append(c + fresh)
                args.append(np.eye(sizes[c], dtype=g.dtype))
                target += fresh
            else:
                target += c
        reached = set("".join(parts))
        for c in dict.fromkeys(terms[k]):
            if c not in reached:  # summed away by operand k alone: g is the same along it
                parts.append(c)
                args.append(np.ones(sizes[c], dtype=g.dtype))
        grads.append(ng.ops.einsum_list(args, ",".join(parts) + "->" + target, optimize=optimize))
    return grads


def einsum(subscripts: Any, *operands: Any, optimize: Any = False) -> Any:
    """Einstein summation as np.einsum: ``einsum('ij,jk->ik', a, b)``, implicit output, '...',
    or sublists ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. optimize is passed to NumPy."""
    if isinstance(subscripts, str):
        text, arrays = subscripts, list(operands)
    else:
        text, arrays = _from_sublists((subscripts, *operands))
    explicit = canonical(text, [np.shape(x) for x in arrays])
    return ng.ops.einsum_list(arrays, explicit, optimize=optimize)


def register_ops(register: RegisterOp) -> None:
    register(
        "einsum_list",
        _einsum_list,
        _einsum_list_grad,
        variadic=True,
        domain=domain.custom(_einsum_list_cases),
        doc="np.einsum of a sequence of operands with explicit subscripts of letters only "
        "('ij,jk->ik'): the op behind einsum, which reads NumPy's other forms. Its gradient "
        "is an einsum_list again.",
    )
    register(
        "einsum",
        einsum,
        None,
        composite=True,
        domain=domain.custom(_einsum_cases),
    )


# -- where the property suite draws from ----------------------------------------------------------

# subscripts and the operands' shapes, with letters standing for sizes drawn per case
_FORMS: list[tuple[Any, tuple[str, ...]]] = [
    ("ij,jk->ik", ("ij", "jk")),
    ("ij,jk", ("ij", "jk")),
    ("i,i->", ("i", "i")),
    ("i,j->ij", ("i", "j")),
    ("ii->i", ("ii",)),
    ("ii", ("ii",)),
    ("iij->ji", ("iij",)),
    ("ij->", ("ij",)),
    ("ij->j", ("ij",)),
    ("ijk->kij", ("ijk",)),
    ("bij,bjk->bik", ("bij", "bjk")),
    ("...ij,...jk->...ik", ("bij", "jk")),
    ("...ij,...jk", ("1ij", "bjk")),
    ("i...,i...->...", ("ib", "i")),
    ("...ii->...i", ("bii",)),
    ("ij,ij,ij->i", ("ij", "ij", "ij")),
    ("ijk,k->ij", ("ijk", "k")),
    ("ij,ij->ij", ("1j", "ij")),
    (",ij->ij", ("", "ij")),
    ("ba,ab", ("ij", "ji")),
    (" i j , j k -> k i ", ("ij", "jk")),
    ([[0, 1], [1, 2], [0, 2]], ("ij", "jk")),
    ([[Ellipsis, 0], [0]], ("bi", "i")),
]


def _einsum_draw(arrays: Any, explicit: bool) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        subscripts, shapes = draw(st.sampled_from(_FORMS))
        size = {c: draw(st.integers(1, 3)) for c in "bijk"}
        size["1"] = 1
        operands = [draw(arrays(tuple(size[c] for c in s))) for s in shapes]
        if explicit:
            if not isinstance(subscripts, str):
                subscripts, _ = _from_sublists(_interleave(operands, subscripts))
            text = canonical(subscripts, [x.shape for x in operands])
            return Case(tuple(operands), {"subscripts": text})
        if isinstance(subscripts, str):
            return Case((subscripts, *operands))
        return Case(tuple(_interleave(operands, subscripts)))

    return case()


def _interleave(operands: Sequence[Any], sublists: Sequence[Any]) -> list[Any]:
    """``[a, sub_a, b, sub_b, ..., out]``: the sublist calling form."""
    items: list[Any] = []
    for x, sub in zip(operands, sublists, strict=False):
        items += [x, sub]
    return items + list(sublists[len(operands) :])


def _einsum_cases(arrays: Any) -> Any:
    return _einsum_draw(arrays, explicit=False)


def _einsum_list_cases(arrays: Any) -> Any:
    return _einsum_draw(arrays, explicit=True)
