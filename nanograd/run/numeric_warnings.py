"""NumPy's RuntimeWarnings during a run, folded into the run's own output and summary.

A run that diverges makes NumPy warn (``overflow encountered in matmul``, ``invalid value
encountered in multiply``) from deep inside an op, as raw lines with a source path that mean
little to the person who ran the experiment. While a run is built, trains, evaluates and plots,
each distinct warning is instead shown once as one of the run's own lines, saying where it first
came (epoch and batch), counted afterwards, and listed in summary.json; a run that then fails
with a non-finite loss names the first warning in its message, which is usually the cause.
Other kinds of warning are shown as usual.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from nanograd.run.console import Console
from nanograd.run.context import Run


@dataclass
class Seen:
    """One distinct warning: its text, where it first came, and how often it came."""

    message: str
    first: str
    count: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "first": self.first, "count": self.count}


class Folded:
    """The RuntimeWarnings of one run session, by message, in the order they first came."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.run: Run | None = None  # set once the run is built
        self.seen: dict[str, Seen] = {}
        self.training_over = False

    def where(self) -> str:
        """The place in training a warning comes from, as the run's messages name it."""
        run = self.run
        if run is None:
            return "building the run"
        if self.training_over:
            return "after training"
        epoch = run.epoch + 1
        return f"epoch {epoch}, batch {run.batch}" if run.batch else f"epoch {epoch}, evaluating"

    def show(self, message: Any, category: type[Warning], *rest: Any, **kwargs: Any) -> None:
        text = str(message)
        entry = self.seen.get(text)
        if entry is not None:
            entry.count += 1
            return
        entry = self.seen[text] = Seen(text, self.where())
        self.console.error(f"warning: {entry.first}: NumPy warned: {text}")

    def first(self) -> str:
        """``"; NumPy first warned at epoch 3, batch 2: overflow ..."``, or ``""``."""
        if not self.seen:
            return ""
        entry = next(iter(self.seen.values()))
        return f"; NumPy first warned at {entry.first}: {entry.message}"

    def report(self) -> None:
        """One line counting the warnings that came more than once (each was shown once)."""
        repeated = [s for s in self.seen.values() if s.count > 1]
        if repeated:
            counts = ", ".join(f"{s.message} ({s.count} times)" for s in repeated)
            self.console.error(f"warning: NumPy kept warning: {counts}")

    def to_json(self) -> list[dict[str, Any]]:
        return [s.to_json() for s in self.seen.values()]


@contextmanager
def folded_warnings(console: Console) -> Iterator[Folded]:
    """Within the block, RuntimeWarnings become lines of the run that ``console`` shows (see
    :class:`Folded`)."""
    folded = Folded(console)
    with warnings.catch_warnings():
        warnings.simplefilter("always", RuntimeWarning)  # count each, not only the first
        previous = warnings.showwarning

        def show(message: Any, category: type[Warning], *rest: Any, **kwargs: Any) -> None:
            if issubclass(category, RuntimeWarning):
                folded.show(message, category)
            else:
                previous(message, category, *rest, **kwargs)

        warnings.showwarning = show
        yield folded
