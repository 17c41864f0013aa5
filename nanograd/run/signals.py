"""Ctrl-C (and SIGTERM) during training: finish the batch, then stop cleanly.

The first signal only asks the loop to stop; the loop checks between batches and unwinds with
``KeyboardInterrupt``, so the run folder gets the last finished epoch's checkpoint and the status
``interrupted``. A second Ctrl-C raises ``KeyboardInterrupt`` at once, for a loop that is stuck.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from nanograd.run.context import Run


@contextmanager
def deferred_interrupts(run: Run) -> Iterator[None]:
    """Within the block, the first SIGINT/SIGTERM sets ``run.stop_requested``."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed from the main thread
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if run.stop_requested:
            raise KeyboardInterrupt
        run.stop_requested = True
        run.console.error(
            f"{signal.Signals(signum).name}: stopping after this batch "
            "(press Ctrl-C again to stop at once)"
        )

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
