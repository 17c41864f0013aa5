"""How many threads BLAS (NumPy's matrix products) may use while a run trains.

NumPy's BLAS starts a thread per core for every matrix product. The runner's models are small,
so each product is short and its threads mostly wait for each other; on a machine busy with
other work they wait far longer. The runner therefore limits BLAS to ``blas_threads`` threads
(one by default, chosen from the timings in docs/experiments.md) through threadpoolctl, and
says what it chose in the run's first lines. ``blas_threads=None`` leaves the library's own
default. Without threadpoolctl installed nothing can be limited, and the first lines say that.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

INSTALL = "pip install threadpoolctl (or 'nanograd-numpy[threads]')"


def _plural(n: int) -> str:
    return f"{n} thread{'s' if n != 1 else ''}"


@contextmanager
def blas_threads(requested: int | None) -> Iterator[str]:
    """Limit BLAS to ``requested`` threads inside the block (None: no limit).

    Yields the line that tells the user what was chosen. The limit is lifted when the block
    ends, so a program that runs experiments in its own process gets its BLAS back as it was.
    """
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        asked = "" if requested is None else f"blas_threads={requested} is not applied: "
        yield f"BLAS threads: the library's default ({asked}no threadpoolctl; {INSTALL})"
        return
    pools: list[dict[str, Any]] = [p for p in threadpool_info() if p["user_api"] == "blas"]
    if not pools:
        yield "BLAS threads: no BLAS library loaded"
        return
    library = "/".join(sorted({str(p["internal_api"]) for p in pools}))
    default = max(int(p["num_threads"]) for p in pools)
    if requested is None:
        yield f"BLAS {_plural(default)} ({library}'s default; blas_threads=N limits them)"
        return
    with threadpool_limits(limits=requested, user_api="blas"):
        yield (
            f"BLAS {_plural(requested)} (blas_threads={requested}; "
            f"{library} would use {default}, blas_threads=None lets it)"
        )
