"""NumPy's ways of moving elements about, each a composite of the primitive shape ops:
swapaxes and moveaxis (a transpose), ravel (a reshape), atleast_1d/2d/3d (reshapes), roll,
rot90 (flips and a transpose), repeat and tile (an index and a broadcast).

None has a gradient of its own: each is the ops it calls, whose gradients move ``g`` back.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp


def _axis(axis: Any, ndim: int, op: str, what: str = "axis") -> int:
    """``axis`` as a non-negative int, or NumPy's error naming the op."""
    try:
        index = operator.index(axis)
    except TypeError:
        raise TypeError(
            f"{op}: {what} must be an integer from {-ndim} to {ndim - 1}, got {axis!r}"
        ) from None
    if not -ndim <= index < ndim:
        raise ValueError(f"{op}: {what} {axis} is out of range for an input of {ndim} dimensions")
    return index % ndim


def _axes(axes: Any, ndim: int, op: str, what: str) -> list[int]:
    found = [_axis(a, ndim, op, what) for a in (axes if isinstance(axes, Sequence) else [axes])]
    if len(set(found)) != len(found):
        raise ValueError(f"{op}: repeated axis in {what} {axes!r}")
    return found


# -- transposes and reshapes ----------------------------------------------------------------------


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """a with axes axis1 and axis2 interchanged, as np.swapaxes."""
    a = ng.as_tensor(a)
    order = list(range(a.ndim))
    i, j = _axis(axis1, a.ndim, "swapaxes", "axis1"), _axis(axis2, a.ndim, "swapaxes", "axis2")
    order[i], order[j] = order[j], order[i]
    return ng.ops.transpose(a, tuple(order))


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """a with the axes source moved to the positions destination, the others in order, as
    np.moveaxis."""
    a = ng.as_tensor(a)
    src = _axes(source, a.ndim, "moveaxis", "source")
    dst = _axes(destination, a.ndim, "moveaxis", "destination")
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must name as many axes"
        )
    order = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return ng.ops.transpose(a, tuple(order))


def ravel(a: Any, order: str = "C") -> Any:
    """The elements as a 1-D tensor, row by row (order "C") or column by column ("F")."""
    a = ng.as_tensor(a)
    if order == "F":
        return ng.ops.transpose(a).reshape(-1)
    if order != "C":
        raise ValueError(
            f"ravel: order must be 'C' or 'F', got {order!r} (a tensor has no memory layout "
            "for 'A' or 'K' to follow)"
        )
    return a.reshape(-1)


def _at_least(
    arys: tuple[Any, ...], ndim: int, grow: Callable[[tuple[int, ...]], tuple[int, ...]]
) -> Any:
    shaped = []
    for x in arys:
        x = ng.as_tensor(x)
        shaped.append(x if x.ndim >= ndim else x.reshape(grow(x.shape)))
    return shaped[0] if len(shaped) == 1 else tuple(shaped)


def atleast_1d(*arys: Any) -> Any:
    """Each input with at least 1 dimension (a scalar becomes shape (1,)); a tuple for several."""
    return _at_least(arys, 1, lambda s: (1,))


def atleast_2d(*arys: Any) -> Any:
    """Each input with at least 2 dimensions: (n,) becomes (1, n)."""
    return _at_least(arys, 2, lambda s: (1, *s) if s else (1, 1))


def atleast_3d(*arys: Any) -> Any:
    """Each input with at least 3 dimensions: (n,) becomes (1, n, 1), (m, n) becomes
    (m, n, 1), as np.atleast_3d."""
    return _at_least(arys, 3, lambda s: (*((1,) if len(s) < 2 else ()), *s, 1) if s else (1, 1, 1))


# -- roll, rot90 ----------------------------------------------------------------------------------


def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """The elements shifted along axis by shift, those pushed off one end coming back at the
    other (None: of the flattened input, reshaped back), as np.roll."""
    a = ng.as_tensor(a)
    if axis is None:
        return _roll_along(a.reshape(-1), int(shift), 0).reshape(a.shape)
    shifts = np.broadcast_to(
        np.asarray(shift), np.broadcast_shapes(np.shape(shift), np.shape(axis))
    )
    axes = np.broadcast_to(np.asarray(axis), shifts.shape)
    total = [0] * a.ndim
    for s, ax in zip(shifts.ravel(), axes.ravel(), strict=True):
        total[_axis(ax, a.ndim, "roll")] += int(s)
    for ax, s in enumerate(total):
        if s % max(a.shape[ax], 1):
            a = _roll_along(a, s, ax)
    return a


def _roll_along(a: Any, shift: int, axis: int) -> Any:
    n = a.shape[axis]
    source = (np.arange(n) - shift) % max(n, 1)
    return a[(slice(None),) * axis + (source,)]


def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """m turned by 90 degrees k times, from the first of axes towards the second, as np.rot90."""
    m = ng.as_tensor(m)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name two axes, got {axes!r}")
    first, second = _axes(axes, m.ndim, "rot90", "axes")
    k %= 4
    if k == 0:
        return m[...]
    if k == 2:
        return ng.ops.flip(ng.ops.flip(m, axis=first), axis=second)
    order = list(range(m.ndim))
    order[first], order[second] = order[second], order[first]
    if k == 1:
        return ng.ops.transpose(ng.ops.flip(m, axis=second), tuple(order))
    return ng.ops.flip(ng.ops.transpose(m, tuple(order)), axis=second)


# -- repeat, tile ---------------------------------------------------------------------------------


def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """Each element repeated, ``repeats`` times (an int, or one count per element along axis),
    along axis (None: of the flattened input), as np.repeat. Its gradient sums the copies."""
    a = ng.as_tensor(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    axis = _axis(axis, a.ndim, "repeat")
    source = np.repeat(np.arange(a.shape[axis]), repeats)
    return a[(slice(None),) * axis + (source,)]


def tile(A: Any, reps: Any) -> Any:
    """A repeated reps[i] times along axis i (reps and A's shape are padded with leading 1s to
    the same length), as np.tile."""
    A = ng.as_tensor(A)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    d = max(A.ndim, len(reps))
    shape = (1,) * (d - A.ndim) + A.shape
    reps = (1,) * (d - len(reps)) + reps
    # (n0, n1) -> (1, n0, 1, n1) -> broadcast to (r0, n0, r1, n1) -> (r0 * n0, r1 * n1)
    spread = A.reshape(tuple(x for n in shape for x in (1, n)))
    pairs = zip(reps, shape, strict=True)
    stretched = ng.ops.broadcast_to(spread, tuple(x for pair in pairs for x in pair))
    return stretched.reshape(tuple(r * n for r, n in zip(reps, shape, strict=True)))


def register_ops(register: RegisterOp) -> None:
    table = (
        ("swapaxes", swapaxes, True, _swapaxes_cases),
        ("moveaxis", moveaxis, True, _moveaxis_cases),
        ("ravel", ravel, True, _ravel_cases),
        ("atleast_1d", atleast_1d, False, _atleast_cases),
        ("atleast_2d", atleast_2d, False, _atleast_cases),
        ("atleast_3d", atleast_3d, False, _atleast_cases),
        ("roll", roll, True, _roll_cases),
        ("rot90", rot90, True, _rot90_cases),
        ("repeat", repeat, True, _repeat_cases),
        ("tile", tile, True, _tile_cases),
    )
    for name, function, method, cases in table:
        register(name, function, None, composite=True, domain=domain.custom(cases), method=method)


# -- where the property suite draws from ----------------------------------------------------------


def _drawn(
    arrays: Any, build: Callable[[Any, Any, tuple[int, ...]], Any], min_dims: int = 1
) -> Any:
    """Cases built by ``build(draw, x, shape)`` from an input of up to 3 dimensions (each at
    least 2 long, as many as the kind of axis the suite asks for needs)."""
    from hypothesis import strategies as st

    from nanograd.testing import shapes

    @st.composite
    def case(draw: Any) -> Any:
        shape = draw(shapes(min_dims=min_dims))
        return build(draw, draw(arrays(shape)), shape)

    return case()


def _an_axis(draw: Any, ndim: int) -> int:
    from hypothesis import strategies as st

    return int(draw(st.integers(-ndim, ndim - 1)))


def _swapaxes_cases(arrays: Any) -> Any:
    from nanograd.domain import Case

    def build(draw: Any, x: Any, shape: tuple[int, ...]) -> Any:
        return Case((x, _an_axis(draw, len(shape)), _an_axis(draw, len(shape))))

    return _drawn(arrays, build)


def _moveaxis_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    def build(draw: Any, x: Any, shape: tuple[int, ...]) -> Any:
        ndim = len(shape)
        count = draw(st.integers(1, ndim))
        source = draw(st.permutations(range(ndim)))[:count]
        destination = draw(st.permutations(range(ndim)))[:count]
        if count == 1 and draw(st.booleans()):  # an int each, negative too
            return Case((x, source[0] - ndim * draw(st.integers(0, 1)), destination[0]))
        return Case((x, tuple(source), tuple(destination)))

    return _drawn(arrays, build)


def _ravel_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    def build(draw: Any, x: Any, shape: tuple[int, ...]) -> Any:
        return Case((x,), {"order": draw(st.sampled_from(["C", "F"]))})

    return _drawn(arrays, build, min_dims=0)


def _atleast_cases(arrays: Any) -> Any:
    """One to three inputs of 0 to 3 dimensions."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    # Several inputs have a dimension at least: a 0-d one the suite passes as a constant would
    # be a Python float, which NumPy makes float64 whatever the other inputs are.
    one = hnp.array_shapes(min_dims=0, max_dims=3, max_side=3).flatmap(arrays)
    several = st.lists(
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=3).flatmap(arrays), min_size=2,
        max_size=3,
    )  # fmt: skip
    return st.one_of(one.map(lambda x: Case((x,))), several.map(lambda xs: Case(tuple(xs))))


def _roll_cases(arrays: Any) -> Any:
    """Flattened (axis None), along one axis, or along a tuple of axes with a shift each (an
    axis given twice sometimes, whose shifts add up)."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd.testing import axes

    def build(draw: Any, x: Any, shape: tuple[int, ...]) -> Any:
        ndim = len(shape)
        shift = st.integers(-6, 6)
        axis = draw(axes(ndim, empty=False))
        if axis is None:
            return Case((x, draw(shift)))
        if isinstance(axis, int):
            return Case((x, draw(shift), axis))
        if draw(st.booleans()):
            axis = (*axis, _an_axis(draw, ndim))
        return Case((x, tuple(draw(shift) for _ in axis), axis))

    return _drawn(arrays, build)


def _rot90_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    def build(draw: Any, x: Any, shape: tuple[int, ...]) -> Any:
        first, second = draw(st.permutations(range(len(shape))))[:2]
        axes = (first - len(shape) * draw(st.integers(0, 1)), second)
        return Case((x, draw(st.integers(-5, 5)), axes))

    return _drawn(arrays, build, min_dims=2)


def _repeat_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd.testing import axes

    def build(draw: Any, x: Any, shape: tuple[int, ...]) -> Any:
        axis = draw(axes(len(shape), tuples=False))
        length = x.size if axis is None else shape[axis]
        counts = st.lists(st.integers(0, 3), min_size=length, max_size=length).map(np.array)
        return Case((x, draw(st.one_of(st.integers(0, 3), counts)), axis))

    return _drawn(arrays, build, min_dims=0)


def _tile_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    from nanograd.domain import Case

    def build(draw: Any, x: Any, shape: tuple[int, ...]) -> Any:
        reps = st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple)
        return Case((x, draw(st.one_of(st.integers(1, 3), reps))))

    return _drawn(arrays, build, min_dims=0)
