"""``int_square``: an op whose domain draws only integer arrays, so it never has an input to
differentiate and its gradient (wrong on purpose) is never checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain


def _integers(arrays: Any) -> Any:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from nanograd.domain import Case

    return hnp.arrays(np.int64, st.integers(1, 4)).map(lambda x: Case((x,)))


@ng.hookimpl
def nanograd_register_ops(register: Callable[..., Any]) -> None:
    register("int_square", np.square, lambda g, out, x: g, domain=domain.custom(_integers))
