"""W7: the property suite, as ``python -m nanograd.check`` runs it (the default example count,
first and second order): seconds per op, timed op by op in one process, and the slowest ops.
Most of its time is the engine's own forward and backward calls on small arrays, so it shows
what W1's per-op cost means for a developer waiting on the checks. ``--quick`` checks a sample.
"""

from __future__ import annotations

import statistics
import time

from benchmarks.report import Row

# A sample across the kinds of op, for --quick.
SAMPLE = ("add", "mul", "exp", "tanh", "sum", "matmul", "log_softmax", "getitem", "cross_entropy")


def measure(quick: bool) -> list[Row]:
    from hypothesis import Verbosity
    from hypothesis import settings as Settings

    from nanograd import plugins
    from nanograd.check import DEFAULT_EXAMPLES
    from nanograd.testing import resolve, run_check

    registry = plugins.load()
    selected = [("op", n) for n in sorted(registry.ops)] + [
        ("loss", n) for n in sorted(registry.losses)
    ]
    if quick:
        selected = [pair for pair in selected if pair[1] in SAMPLE]
    settings = Settings(derandomize=True, database=None, verbosity=Verbosity.quiet)
    seconds: dict[str, float] = {}
    for kind, name in selected:
        start = time.perf_counter()
        outcome = run_check(resolve(name, kind), max_examples=DEFAULT_EXAMPLES, settings=settings)
        seconds[name] = time.perf_counter() - start
        if not outcome.passed:
            raise RuntimeError(f"the property suite fails on {kind} {name}: {outcome.errors}")
    total = sum(seconds.values())
    slowest = sorted(seconds.items(), key=lambda item: -item[1])[:5]
    which = "sample" if quick else "all"
    return [
        Row("W7", f"property suite, {len(seconds)} ops ({which}), per op (median)", "s",
            nanograd=statistics.median(seconds.values()),
            note=f"total {total:.0f} s; mean {total / len(seconds):.2f} s/op",
            extra={"total_seconds": total, "seconds": seconds, "slowest": slowest}),
    ]  # fmt: skip
