"""Ctrl-C (and SIGTERM) during a run: finish the batch, then stop cleanly.

While training, the first signal only asks the loop to stop; the loop checks between batches and
unwinds with ``KeyboardInterrupt``, so the run folder gets the last finished epoch's checkpoint
and the status ``interrupted``. A second Ctrl-C raises ``KeyboardInterrupt`` at once, for a loop
(or an experiment's ``evaluate``/``plots``) that is stuck. While the checkpoint and summary.json
are being written, signals are only noted, so those files are never left behind half-updated.

SIGHUP, which a closing terminal (or a dropped SSH connection) sends, is ignored while the
command runs: like a reader of ``| head`` that leaves, a terminal that goes away ends nothing.
The run or sweep trains to the end and writes its folder, and what it would have printed is
dropped (see :mod:`nanograd._streams`). Ctrl-C and SIGTERM are how to stop it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from nanograd.run.context import Run

SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


def leave_sigterm_alone() -> None:
    """Runs in this process stop gracefully on SIGINT only; SIGTERM keeps its default action.

    For a sweep's local worker process: its pool terminates the workers with SIGTERM when one of
    them dies, and joins them, so a worker that took SIGTERM as a request to finish its batch
    would outlive the pool. The sweep asks a worker's run to stop with SIGINT instead.
    """
    global SIGNALS
    SIGNALS = (signal.SIGINT,)


class Interrupts:
    """The signal handler of one run, and what the first signal means at each stage."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.next_step = "stopping after this batch"
        self._shielded = False

    def training_done(self) -> None:
        """From now on the first signal can no longer stop training, which is over."""
        self.next_step = "training is over; finishing the run folder"

    @contextmanager
    def shielded(self) -> Iterator[None]:
        """Within the block, signals are noted but never raise: the block always completes."""
        self._shielded = True
        try:
            yield
        finally:
            self._shielded = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._shielded:
            self.run.stop_requested = True
            self.run.console.error(f"{name}: writing the run folder; it stops when that is done")
            return
        if self.run.stop_requested:
            raise KeyboardInterrupt
        self.run.stop_requested = True
        self.run.console.error(f"{name}: {self.next_step} (press Ctrl-C again to stop at once)")


@contextmanager
def outliving_the_terminal() -> Iterator[None]:
    """Within the block SIGHUP is ignored, in this process and in the local workers it starts
    (a forked or spawned process inherits an ignored signal)."""
    hangup = getattr(signal, "SIGHUP", None)  # none on Windows
    if hangup is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(hangup, signal.SIG_IGN)
    try:
        yield
    finally:
        if previous is not None:  # None: set outside Python, and not ours to put back
            signal.signal(hangup, previous)


@contextmanager
def deferred_interrupts(run: Run) -> Iterator[Interrupts]:
    """Within the block, SIGINT and SIGTERM go to the run's :class:`Interrupts`."""
    interrupts = Interrupts(run)
    if threading.current_thread() is not threading.main_thread():
        yield interrupts  # signal handlers can only be installed from the main thread
        return
    previous = {sig: signal.signal(sig, interrupts.handle) for sig in SIGNALS}
    try:
        yield interrupts
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
