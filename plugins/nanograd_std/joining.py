"""Joining and splitting, as NumPy spells them: hstack, vstack, dstack, column_stack and append
(``concatenate`` after the right reshapes), and split, array_split, hsplit, vsplit and dsplit
(slices, returned as a list).

All are composites of concatenate, reshape and getitem, so their gradients are those ops':
joining splits ``g`` back into pieces, splitting puts each piece's ``g`` back in place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterOp
from nanograd_std.rearranging import _axis, atleast_1d, atleast_2d, atleast_3d
from nanograd_std.scalars import as_tensors, weak_arrays

# -- joining --------------------------------------------------------------------------------------


def _each(tup: Sequence[Any], op: str, shaped: Callable[..., Any]) -> list[Any]:
    if not isinstance(tup, (list, tuple)) or not tup:
        raise TypeError(f"{op} takes a non-empty sequence of tensors, got {type(tup).__name__}")
    return [shaped(x) for x in weak_arrays(tup)]


def hstack(tup: Sequence[Any]) -> Any:
    """Join along the second axis, or the first for 1-D inputs, as np.hstack."""
    arrays = _each(tup, "hstack", atleast_1d)
    return ng.ops.concatenate(arrays, axis=0 if arrays[0].ndim == 1 else 1)


def vstack(tup: Sequence[Any]) -> Any:
    """Join along the first axis, 1-D inputs as rows (1, n), as np.vstack."""
    return ng.ops.concatenate(_each(tup, "vstack", atleast_2d), axis=0)


def dstack(tup: Sequence[Any]) -> Any:
    """Join along the third axis, inputs made 3-D as atleast_3d does, as np.dstack."""
    return ng.ops.concatenate(_each(tup, "dstack", atleast_3d), axis=2)


def _column(x: Any) -> Any:
    x = ng.as_tensor(x)
    return x.reshape((-1, 1)) if x.ndim < 2 else x


def column_stack(tup: Sequence[Any]) -> Any:
    """Join 1-D inputs as columns, and 2-D ones as they are, side by side, as np.column_stack."""
    return ng.ops.concatenate(_each(tup, "column_stack", _column), axis=1)


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """values after arr along axis, or both flattened when axis is None, as np.append."""
    arr, values = as_tensors(arr, values)
    if axis is None:
        return ng.ops.concatenate([arr.reshape(-1), values.reshape(-1)])
    return ng.ops.concatenate([arr, values], axis=axis)


# -- splitting ------------------------------------------------------------------------------------


def _bounds(length: int, sections: Any, op: str, equal: bool) -> list[tuple[int, int]]:
    """The (start, stop) of each piece: ``sections`` equal ones (the first ``length % sections``
    one longer, when ``equal`` is False), or the pieces between the indices given."""
    if np.ndim(sections) == 0:
        count = int(sections)
        if count <= 0:
            raise ValueError(f"{op}: the number of sections must be larger than 0, got {count}")
        size, extra = divmod(length, count)
        if equal and extra:
            raise ValueError(
                f"{op}: an axis of length {length} does not split into {count} equal sections; "
                "array_split allows unequal ones"
            )
        stops = np.cumsum([size + 1] * extra + [size] * (count - extra)).tolist()
    else:
        stops = [*sections, length]
    starts = [0, *stops[:-1]]
    # NumPy's slicing clamps: an index past the end gives an empty piece, a negative one counts
    # from the end.
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def _split(ary: Any, sections: Any, axis: int, op: str, equal: bool) -> list[Any]:
    ary = ng.as_tensor(ary)
    if ary.ndim == 0:
        raise ValueError(f"{op} needs an input of at least 1 dimension, got a 0-d tensor")
    axis = _axis(axis, ary.ndim, op)
    before = (slice(None),) * axis
    bounds = _bounds(ary.shape[axis], sections, op, equal)
    keys = [(*before, slice(a, b)) for a, b in bounds]
    return [ary[key] for key in keys]


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """A list of pieces along axis: that many equal ones, or cut at the indices given, as
    np.split."""
    return _split(ary, indices_or_sections, axis, "split", equal=True)


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """As split, but a number of sections need not divide the axis: the first pieces are one
    longer, as np.array_split."""
    return _split(ary, indices_or_sections, axis, "array_split", equal=False)


def _least(ary: Any, ndim: int, op: str) -> Any:
    ary = ng.as_tensor(ary)
    if ary.ndim < ndim:
        raise ValueError(f"{op} needs an input of at least {ndim} dimensions, got {ary.shape}")
    return ary


def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """split along the second axis (the first for 1-D input), as np.hsplit."""
    ary = _least(ary, 1, "hsplit")
    return _split(ary, indices_or_sections, 1 if ary.ndim > 1 else 0, "hsplit", equal=True)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """split along the first axis of an input of at least 2 dimensions, as np.vsplit."""
    return _split(_least(ary, 2, "vsplit"), indices_or_sections, 0, "vsplit", equal=True)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """split along the third axis of an input of at least 3 dimensions, as np.dsplit."""
    return _split(_least(ary, 3, "dsplit"), indices_or_sections, 2, "dsplit", equal=True)


def register_ops(register: RegisterOp) -> None:
    for name, function in (
        ("hstack", hstack),
        ("vstack", vstack),
        ("dstack", dstack),
        ("column_stack", column_stack),
    ):
        register(
            name, function, None, composite=True, variadic=True, domain=domain.custom(_stack_cases)
        )
    register("append", append, None, composite=True, domain=domain.custom(_append_cases))
    for name, splitter, least, equal in (
        ("split", split, 1, True),
        ("array_split", array_split, 1, False),
        ("hsplit", hsplit, 1, True),
        ("vsplit", vsplit, 2, True),
        ("dsplit", dsplit, 3, True),
    ):
        register(
            name,
            splitter,
            None,
            composite=True,
            domain=domain.custom(_split_cases(name, least, equal)),
        )


# -- where the property suite draws from ----------------------------------------------------------


def _stack_cases(arrays: Any) -> Any:
    """Two or three inputs of one shape (1 to 3 dimensions), so every kind of join is defined."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    @st.composite
    def case(draw: Any) -> Any:
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
        count = draw(st.integers(2, 3))
        return Case(tuple(draw(arrays(shape)) for _ in range(count)))

    return case()


def _append_cases(arrays: Any) -> Any:
    """Flattened (axis None: any two shapes), or along an axis, differing only there."""
    from hypothesis import strategies as st

    from nanograd.domain import Case
    from nanograd.testing import axes, shapes

    @st.composite
    def case(draw: Any) -> Any:
        shape = draw(shapes(min_dims=1, max_side=3))
        axis = draw(axes(len(shape), tuples=False))
        if axis is None:  # flattened: any two shapes
            other = draw(shapes(min_dims=1, max_side=3))
            return Case((draw(arrays(shape)), draw(arrays(other))))
        other = list(shape)
        other[axis] = draw(st.integers(1, 3))
        return Case((draw(arrays(shape)), draw(arrays(tuple(other))), axis))

    return case()


def _split_cases(name: str, least: int, equal: bool) -> Callable[[Any], Any]:
    """Inputs of ``least`` to 3 dimensions cut into a number of sections (dividing the axis
    when ``equal``) or at sorted indices, some past the end."""

    def cases(arrays: Any) -> Any:
        from hypothesis import strategies as st

        from nanograd.domain import Case
        from nanograd.testing import axes, shapes

        @st.composite
        def case(draw: Any) -> Any:
            shape = draw(shapes(min_dims=least))
            fixed = {"hsplit": 1 if len(shape) > 1 else 0, "vsplit": 0, "dsplit": 2}
            any_axis = axes(len(shape), none=False, tuples=False)
            axis = fixed[name] if name in fixed else draw(any_axis)
            length = shape[axis]
            if draw(st.booleans()):
                counts = [n for n in range(1, length + 2) if not equal or length % n == 0]
                sections: Any = draw(st.sampled_from(counts))
            else:
                cuts = st.lists(st.integers(0, length + 1), min_size=1, max_size=3)
                sections = sorted(draw(cuts))
            x = draw(arrays(shape))
            if name in fixed:
                return Case((x, sections))
            return Case((x, sections, axis))

        return case()

    return cases
