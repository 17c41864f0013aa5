"""Drawing helpers shared by several ops' domains: one input along one axis, with or without
ties and zeros.

Used only from the domains' strategy functions, which run under the property suite, so
Hypothesis is imported there and never when the plugin loads.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def along_axis(
    arrays: Any,
    *,
    allow_none: bool = True,
    distinct: bool = False,
    zeros: bool = False,
    low: float = -2.0,
    high: float = 2.0,
    min_dims: int = 1,
) -> Any:
    """A strategy of ``(x, axis)``: ``x`` of up to 3 dimensions, ``axis`` one of its axes
    (negative too) or, with ``allow_none``, None for the flattened array.

    ``distinct`` keeps the elements apart (a sort has kinks at ties); ``zeros`` sets some
    elements, one or several, to exactly 0 (where a product's gradient needs care).
    """
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.testing import axes, shapes

    def axis_of(shape: tuple[int, ...]) -> Any:
        # The suite's axes(): every kind of axis in turn, not whatever chance picks.
        return axes(len(shape), none=allow_none, tuples=False)

    def case(shape: tuple[int, ...]) -> Any:
        values = arrays(shape, low, high, distinct=distinct)
        if zeros:
            values = st.tuples(values, hnp.arrays(bool, shape)).map(
                lambda drawn: np.where(drawn[1], 0.0, drawn[0])
            )
        return st.tuples(values, axis_of(shape))

    return shapes(min_dims=min_dims, max_dims=3, max_side=4).flatmap(case)
