"""Hypothesis strategies for gradient property tests: shapes, axes and values an op is defined on.

Values come from a domain's bounds and keep ``margin`` away from its ``avoid`` points (the kinks
of relu, abs, clip), where a central difference straddling the kink would disagree with any
gradient. ``distinct`` and ``apart`` draw from a grid with ``margin`` spacing, so no two elements
of an input tie (max, min) and no two inputs tie elementwise (maximum, minimum).

Shapes stay small (up to 3 dimensions of up to 4 elements): a full Jacobian costs one backward
per output element, and Hypothesis finds shape bugs on small shapes as readily as on large ones.

For an op that takes ``axis`` or ``keepdims``, the property suite asks for each kind of axis (None,
0, 1, 2, a negative one, a tuple) with each ``keepdims`` in turn: it sets a :class:`Focus` while
an example is drawn, and :func:`shapes`, :func:`axes`, :func:`keepdims` and
:func:`reduction_params` draw what the focus asks where the shape allows it. A domain that draws
its axes with them is checked on every kind within a few dozen examples, rather than on the few
that chance picks.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nanograd.domain import Case, Domain
from nanograd.domain import elementwise as _elementwise_domain

__all__ = [
    "AXIS_KINDS",
    "MAX_DIMS",
    "MAX_SIDE",
    "Focus",
    "arrays",
    "axes",
    "axis_kind",
    "focus",
    "keepdims",
    "broadcastable_shapes",
    "domain_cases",
    "matmul_shapes",
    "reduction_params",
    "sampled_from_focus",
    "shapes",
    "values",
]

MAX_DIMS = 3
MAX_SIDE = 4

Shape = tuple[int, ...]
Interval = tuple[float, float]


# -- which kind of axis to draw --------------------------------------------------------------------

AXIS_KINDS = ("None", "0", "1", "2", "negative", "tuple")
"""The kinds of ``axis`` the suite checks an op on: None, each axis of a 3-D input, a negative
axis and a tuple of axes."""

# How many dimensions, each of at least 2 elements, an input needs for an axis of that kind.
_DIMS_NEEDED = {"0": 1, "1": 2, "2": 3, "negative": 1, "tuple": 2}


@dataclass(frozen=True)
class Focus:
    """The kind of ``axis`` (one of :data:`AXIS_KINDS`) and the ``keepdims`` to draw; None for
    either means any."""

    axis: str | None = None
    keepdims: bool | None = None

    def __str__(self) -> str:
        parts = [] if self.axis is None else [f"axis {self.axis}"]
        if self.keepdims is not None:
            parts.append(f"keepdims={self.keepdims}")
        return ", ".join(parts) or "any"


_ANY = Focus()  # frozen, so safe as the ContextVar default
_FOCUS: ContextVar[Focus] = ContextVar("nanograd_testing_focus", default=_ANY)


@contextmanager
def focus(wanted: Focus) -> Iterator[None]:
    """Draw ``wanted``'s kind of axis and keepdims inside the block (read when drawing, so a
    strategy built before the block follows it too)."""
    token = _FOCUS.set(wanted)
    try:
        yield
    finally:
        _FOCUS.reset(token)


def axis_kind(axis: Any) -> str:
    """The kind of an ``axis`` value: ``"None"``, ``"tuple"``, ``"negative"`` or the axis
    itself (``"0"``, ``"1"``, ...)."""
    if axis is None:
        return "None"
    if isinstance(axis, (tuple, list)):
        return "tuple"
    return "negative" if int(axis) < 0 else str(int(axis))


# -- shapes ----------------------------------------------------------------------------------------


def shapes(
    *, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1, max_side: int = MAX_SIDE
) -> st.SearchStrategy[Shape]:
    """Array shapes, scalars (``()``) included.

    When the suite asks for an axis kind, the shapes drawn have the dimensions it needs (3 for
    axis 2), each of at least 2 elements, so that reducing over the wrong axis shows.
    """

    @st.composite
    def draw_shape(draw: st.DrawFn) -> Shape:
        lowest, shortest = min_dims, min_side
        needed = _DIMS_NEEDED.get(_FOCUS.get().axis or "", 0)
        if needed and needed <= max_dims:
            lowest = max(lowest, needed)
            shortest = max(shortest, min(2, max_side))
        return draw(_array_shapes(lowest, max_dims, shortest, max_side))

    return draw_shape()


@functools.lru_cache(maxsize=256)
def _array_shapes(
    min_dims: int, max_dims: int, min_side: int, max_side: int
) -> st.SearchStrategy[Shape]:
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    num_shapes: int, *, min_dims: int = 0, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """``num_shapes`` shapes that broadcast together, as NumPy's binary ufuncs take them."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda drawn: tuple(drawn.input_shapes))


def matmul_shapes(
    *, max_batch_dims: int = 2, max_side: int = MAX_SIDE
) -> st.SearchStrategy[tuple[Shape, Shape]]:
    """Operand shapes for ``matmul``: 1-D on either side, 2-D, and broadcast batches."""
    return hnp.mutually_broadcastable_shapes(
        signature="(m?,n),(n,p?)->(m?,p?)", max_dims=max_batch_dims, max_side=max_side
    ).map(lambda drawn: (drawn.input_shapes[0], drawn.input_shapes[1]))


def axes(
    ndim: int, *, none: bool = True, tuples: bool = True, empty: bool = True
) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """An ``axis`` for an input of ``ndim`` dimensions: None, one axis (negative too) or a
    tuple of distinct axes; ``none=False`` or ``tuples=False`` for an op that takes neither,
    ``empty=False`` for one that takes no empty tuple.

    Each kind is about as likely as any other, and the kind the suite asks for (see
    :class:`Focus`) is drawn whenever ``ndim`` allows it.
    """

    @st.composite
    def draw_axis(draw: st.DrawFn) -> int | tuple[int, ...] | None:
        kind = _FOCUS.get().axis
        if kind == "None" and none:
            return None
        if kind in ("0", "1", "2") and int(kind) < ndim:
            return int(kind)
        if kind == "negative" and ndim:
            return draw(st.integers(-ndim, -1))
        if kind == "tuple" and tuples and ndim:
            return draw(_tuple_axes(ndim, 1))
        drawn: int | tuple[int, ...] | None = draw(_any_axis(ndim, none, tuples, empty))
        return drawn

    return draw_axis()


@functools.lru_cache(maxsize=64)
def _tuple_axes(ndim: int, min_size: int) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.valid_tuple_axes(ndim, min_size=min_size)


@functools.lru_cache(maxsize=64)
def _any_axis(ndim: int, none: bool, tuples: bool, empty: bool) -> st.SearchStrategy[Any]:
    kinds: list[st.SearchStrategy[Any]] = [st.none()] if none else []
    if ndim:
        kinds += [st.integers(0, ndim - 1), st.integers(-ndim, -1)]
    if tuples and (empty or ndim):
        kinds.append(_tuple_axes(ndim, 0 if empty else 1))
    if not kinds:
        raise ValueError("an input of no dimensions has no axis but None or ()")
    return st.one_of(kinds)


def keepdims() -> st.SearchStrategy[bool]:
    """``keepdims``: True or False, or the one the suite asks for (see :class:`Focus`)."""

    @st.composite
    def draw_keepdims(draw: st.DrawFn) -> bool:
        wanted = _FOCUS.get().keepdims
        return draw(st.booleans()) if wanted is None else wanted

    return draw_keepdims()


def reduction_params(
    ndim: int, *, axis: bool = True, keepdims: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """``{"axis": ..., "keepdims": ...}`` for an input of ``ndim`` dimensions."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    if axis:
        fields["axis"] = axes(ndim)
    if keepdims:
        fields["keepdims"] = _keepdims()
    return st.fixed_dictionaries(fields)


_keepdims = keepdims


def sampled_from_focus(
    rows: Sequence[Any], axis_of: Callable[[Any], Any] = lambda row: row
) -> st.SearchStrategy[Any]:
    """One of ``rows`` (a domain's table of cases, say), drawn among those whose ``axis_of(row)``
    is of the kind the suite asks for (see :class:`Focus`) when any is, else among all."""
    rows = list(rows)
    if not rows:
        raise ValueError("sampled_from_focus needs at least one row")
    everything = st.sampled_from(rows)
    by_kind: dict[str, st.SearchStrategy[Any]] = {}
    for kind in AXIS_KINDS:
        matching = [row for row in rows if axis_kind(axis_of(row)) == kind]
        if matching:
            by_kind[kind] = st.sampled_from(matching)

    @st.composite
    def draw_row(draw: st.DrawFn) -> Any:
        return draw(by_kind.get(_FOCUS.get().axis or "", everything))

    return draw_row()


# -- values ----------------------------------------------------------------------------------------


def _allowed(low: float, high: float, avoid: Sequence[float], margin: float) -> list[Interval]:
    """The parts of ``[low, high]`` at least ``margin`` away from every ``avoid`` point."""
    if not low <= high:
        raise ValueError(f"a domain needs low <= high; got low={low}, high={high}")
    intervals = [(float(low), float(high))]
    for point in sorted(avoid):
        cut_low, cut_high = point - margin, point + margin
        # Step past rounding, so the ends themselves are a full margin away.
        while point - cut_low < margin:
            cut_low = float(np.nextafter(cut_low, -np.inf))
        while cut_high - point < margin:
            cut_high = float(np.nextafter(cut_high, np.inf))
        kept = []
        for a, b in intervals:
            if b < cut_low or a > cut_high:
                kept.append((a, b))
                continue
            if a <= cut_low:
                kept.append((a, cut_low))
            if b >= cut_high:
                kept.append((cut_high, b))
        intervals = kept
    if not intervals:
        raise ValueError(
            f"no value in [{low}, {high}] is at least {margin} away from {tuple(avoid)}: "
            "widen the bounds or shrink the margin"
        )
    return intervals


def _snap(intervals: Sequence[Interval], x: float) -> float:
    """``x`` if it is allowed, else the nearest allowed value (an interval's end)."""
    for a, b in intervals:
        if a <= x <= b:
            return x
    ends = [end for interval in intervals for end in interval]
    return min(ends, key=lambda end: abs(end - x))


def values(
    low: float = -3.0, high: float = 3.0, *, avoid: Sequence[float] = (), margin: float = 1e-2
) -> st.SearchStrategy[float]:
    """Floats in ``[low, high]`` at least ``margin`` away from each point in ``avoid``.

    A draw that lands too near an avoided point moves to the nearest allowed value, so a
    shrunk failure shows a simple number such as ``margin`` itself.
    """
    intervals = _allowed(low, high, avoid, margin)
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return floats.map(functools.partial(_snap, intervals))


def _grid(
    low: float, high: float, avoid: Sequence[float], margin: float, part: int, parts: int
) -> np.ndarray:
    """Allowed values ``margin`` apart; the ``part``-th of ``parts`` interleaved subsets,
    smallest magnitude first (so a shrunk example shows small numbers)."""
    if margin <= 0:
        raise ValueError(f"distinct or apart values need margin > 0; got {margin}")
    points = []
    for a, b in _allowed(low, high, avoid, margin):
        count = int(np.floor((b - a) / margin + 1e-9)) + 1
        points.append(a + margin * np.arange(count))
    grid = np.concatenate(points)[part::parts]
    return grid[np.argsort(np.abs(grid), kind="stable")]


def _grid_arrays(shape: Shape, grid: np.ndarray, distinct: bool) -> st.SearchStrategy[np.ndarray]:
    size = int(np.prod(shape)) if shape else 1
    if distinct and size > len(grid):
        raise ValueError(
            f"cannot draw {size} distinct values {grid.min()}..{grid.max()} for shape {shape}: "
            "widen the domain's bounds or shrink its margin"
        )
    indices = hnp.arrays(np.int64, shape, elements=st.integers(0, len(grid) - 1), unique=distinct)
    # np.asarray: indexing with a 0-d index array gives a NumPy scalar, not an array.
    return indices.map(lambda idx: np.asarray(grid[idx], dtype=np.float64))


def arrays(
    shape: Shape | st.SearchStrategy[Shape],
    low: float = -3.0,
    high: float = 3.0,
    *,
    avoid: Sequence[float] = (),
    margin: float = 1e-2,
    distinct: bool = False,
    dtype: Any = np.float64,
) -> st.SearchStrategy[np.ndarray]:
    """Float arrays of ``shape`` (a tuple or a strategy of tuples) with :func:`values`' rules.

    ``distinct=True`` keeps every two elements at least ``margin`` apart.
    """
    return _arrays(shape, low, high, avoid, margin, distinct, 0, 1, dtype)


def _arrays(
    shape: Shape | st.SearchStrategy[Shape],
    low: float,
    high: float,
    avoid: Sequence[float],
    margin: float,
    distinct: bool,
    part: int,
    parts: int,
    dtype: Any = np.float64,
) -> st.SearchStrategy[np.ndarray]:
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(
            lambda s: _arrays(s, low, high, avoid, margin, distinct, part, parts, dtype)
        )
    shape = tuple(int(n) for n in shape)
    return _arrays_of_shape(
        shape, float(low), float(high), tuple(avoid), float(margin), distinct, part, parts,
        np.dtype(dtype),
    )  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _arrays_of_shape(
    shape: Shape,
    low: float,
    high: float,
    avoid: tuple[float, ...],
    margin: float,
    distinct: bool,
    part: int,
    parts: int,
    dtype: np.dtype[Any],
) -> st.SearchStrategy[np.ndarray]:
    """Cached: shapes are drawn anew for every example, and building (and validating) a fresh
    array strategy each time would cost more than the draw itself."""
    if distinct or parts > 1:
        drawn = _grid_arrays(shape, _grid(low, high, avoid, margin, part, parts), distinct)
        return drawn if np.dtype(dtype) == np.float64 else drawn.map(lambda a: a.astype(dtype))
    elements = values(low, high, avoid=avoid, margin=margin)
    return hnp.arrays(dtype, shape, elements=elements)


# -- cases from a domain ---------------------------------------------------------------------------


def accepted_params(func: Callable[..., Any]) -> Callable[[str], bool]:
    """Whether ``func`` takes a keyword argument of a given name (any, with ``**kwargs``)."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):  # a builtin without a signature: assume it does
        return lambda name: True
    params = sig.parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return lambda name: True
    return lambda name: name in params


def domain_cases(
    domain: Domain | None,
    n_inputs: int,
    accepts: Callable[[str], bool] = lambda name: True,
    *,
    where: str = "this domain",
) -> st.SearchStrategy[Case]:
    """A strategy of :class:`~nanograd.domain.Case` for a function of ``n_inputs`` tensors.

    ``accepts(name)`` says whether the function takes a parameter (``axis``, ``keepdims``), so
    reductions draw only what the function understands. ``where`` names the op in errors.
    """
    if domain is None:
        domain = _elementwise_domain()
    fixed = dict(domain.params)
    parts = n_inputs if domain.apart else 1

    def draw_input(shape: Shape, i: int) -> st.SearchStrategy[np.ndarray]:
        part = i if domain.apart else 0
        return _arrays(
            shape, domain.low, domain.high, domain.avoid, domain.margin, domain.distinct,
            part, parts,
        )  # fmt: skip

    def with_inputs(shape_list: Sequence[Shape]) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
        return st.tuples(*(draw_input(s, i) for i, s in enumerate(shape_list)))

    kind = domain.kind
    if kind == "custom":
        if domain.strategy is None:
            raise ValueError(f"{where}: a custom domain needs a strategy")

        def helper(
            shape: Shape | st.SearchStrategy[Shape],
            low: float | None = None,
            high: float | None = None,
            **options: Any,
        ) -> st.SearchStrategy[np.ndarray]:
            return arrays(
                shape,
                domain.low if low is None else low,
                domain.high if high is None else high,
                avoid=options.pop("avoid", domain.avoid),
                margin=options.pop("margin", domain.margin),
                distinct=options.pop("distinct", domain.distinct),
                **options,
            )

        strategy = domain.strategy(helper)
        if not isinstance(strategy, st.SearchStrategy):
            raise TypeError(
                f"{where}: the custom domain's strategy(arrays) must return a Hypothesis "
                f"strategy of nanograd.domain.Case, got {type(strategy).__name__}"
            )
        return strategy.map(functools.partial(_merged, fixed, where))
    if kind == "elementwise":
        drawn = shapes().flatmap(lambda s: with_inputs([s] * n_inputs))
        return drawn.map(lambda inputs: Case(inputs, dict(fixed)))
    if kind == "broadcast":
        drawn = broadcastable_shapes(n_inputs).flatmap(with_inputs)
        return drawn.map(lambda inputs: Case(inputs, dict(fixed)))
    if kind == "matmul":
        if n_inputs != 2:
            raise ValueError(f"{where}: a matmul domain needs 2 inputs, not {n_inputs}")
        drawn = matmul_shapes().flatmap(with_inputs)
        return drawn.map(lambda inputs: Case(inputs, dict(fixed)))
    if kind == "reduction":
        if n_inputs != 1:
            raise ValueError(f"{where}: a reduction domain needs 1 input, not {n_inputs}")

        def reduction(shape: Shape) -> st.SearchStrategy[Case]:
            params = reduction_params(
                len(shape),
                axis=accepts("axis") and "axis" not in fixed,
                keepdims=accepts("keepdims") and "keepdims" not in fixed,
            )
            return st.tuples(draw_input(shape, 0), params).map(
                lambda xp: Case((xp[0],), {**fixed, **xp[1]})
            )

        return shapes().flatmap(reduction)
    raise ValueError(f"{where}: unknown domain kind {kind!r}")


def _merged(fixed: dict[str, Any], where: str, case: Any) -> Case:
    """A custom domain's case with the domain's fixed parameters, and its NumPy scalars as 0-d
    arrays: ``np.float64`` is what NumPy arithmetic on 0-d arrays returns, and the suite
    differentiates arrays (a scalar input would be passed through, its gradient unchecked)."""
    if not isinstance(case, Case):
        raise TypeError(
            f"{where}: the custom domain drew {type(case).__name__}; it must draw "
            "nanograd.domain.Case(inputs=(...), params={...})"
        )
    inputs = tuple(np.asarray(x) if isinstance(x, np.generic) else x for x in case.inputs)
    return Case(inputs, {**fixed, **case.params})
