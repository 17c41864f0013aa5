"""Running a sweep's jobs: submit them, collect their results, and cope with what goes wrong.

At most as many jobs are submitted as the executor runs at once, so every submitted job is
running and every other one can still be cancelled. Each result is written into the sweep folder
as it arrives (sweep.json and sweep.csv rewritten), so the folder is consistent at every moment.

What can go wrong, and what the sweep does:

- A run fails (an exception, a non-finite loss): its folder says why; the others go on.
- A local worker process dies (killed, out of memory): the pool breaks and every job it ran
  comes back unfinished. A job alone in the pool when that happens failed; when several were
  running, each is run again alone, so only the one that kills its worker is marked failed.
  On a Dask cluster the scheduler retries such jobs itself and reports ``KilledWorker``.
- A worker lacks a plugin: the sweep stops, with one message naming what is missing.
- Ctrl-C (or SIGTERM): runs not started are cancelled; running ones are asked to stop after
  their batch (locally) or waited for (on a cluster); a second Ctrl-C stops local runs at once
  (their last finished epoch is kept) and cancels cluster ones; a third abandons them.
"""

from __future__ import annotations

import signal
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from nanograd.run.console import Console
from nanograd.sweep.executors import Executor
from nanograd.sweep.folder import SweepFolder
from nanograd.sweep.job import MISSING, Job, Result
from nanograd.sweep.progress import Progress

POLL_SECONDS = 0.25
WORKER_DIED = (
    "its worker process died while running it (killed by a signal, out of memory, or a crash "
    "in native code); the run left no files"
)


class Stops:
    """Ctrl-C and SIGTERM during a sweep, counted for the loop to act on between waits."""

    def __init__(self) -> None:
        self.count = 0
        self.name = "SIGINT"

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        self.name = signal.Signals(signum).name


@contextmanager
def caught_stops() -> Iterator[Stops]:
    stops = Stops()
    if threading.current_thread() is not threading.main_thread():
        yield stops
        return
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, stops.handle) for sig in sigs}
    try:
        yield stops
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@dataclass
class Outcome:
    """How the session ended: whether it was interrupted, and why it stopped early if it did."""

    interrupted: bool = False
    missing: str = ""  # a worker lacked what the jobs need
    abandoned: list[int] = field(default_factory=list)


class Driver:
    """Runs the jobs of one sweep session through an executor."""

    def __init__(
        self,
        sweep: SweepFolder,
        jobs: Mapping[int, Job],
        fallbacks: Mapping[int, Mapping[str, Any]],
        executor: Executor,
        console: Console,
        progress: Progress,
    ) -> None:
        self.sweep = sweep
        self.jobs = jobs
        self.fallbacks = fallbacks
        self.executor = executor
        self.console = console
        self.progress = progress
        self.queue: deque[int] = deque()
        self.in_flight: dict[Future[Result], int] = {}
        self.suspects: set[int] = set()  # ran when a pool broke beside others: next, alone
        self._broken_together: set[int] = set()
        self.outcome = Outcome()
        self._stopping = False

    def run(self, to_run: list[int]) -> Outcome:
        self.queue.extend(to_run)
        handled = 0
        with caught_stops() as stops:
            while (self.queue and not self._stopping) or self.in_flight:
                if stops.count > handled:
                    handled = stops.count
                    if not self._on_stop(handled, stops.name):
                        break
                self._fill()
                if not self.in_flight:
                    continue
                done, _ = wait(self.in_flight, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                if any(_broke(f) for f in done):
                    done = self._wait_all_after_break()
                for future in done:
                    self._collect(future, self.in_flight.pop(future))
                self.progress.update(len(self.in_flight))
        if self.queue:  # put back to run alone after a break, then the sweep stopped
            self._stop_submitting("")
        return self.outcome

    # -- submitting -------------------------------------------------------------------------------

    def _fill(self) -> None:
        while self.queue and not self._stopping:
            if self.suspects:  # a suspect runs alone, so a second break names it
                if self.in_flight:
                    return
            elif len(self.in_flight) >= self.executor.capacity():
                return
            index = self.queue.popleft()
            entry = self.sweep.runs[index]
            entry["status"] = "running"
            self.sweep.save()
            future = self.executor.submit(self.jobs[index])
            self.in_flight[future] = index
            if self.suspects:
                return

    # -- collecting -------------------------------------------------------------------------------

    def _wait_all_after_break(self) -> set[Future[Result]]:
        """Every job of a broken pool: the pool fails them all, each a moment after the next."""
        done, _ = wait(self.in_flight, timeout=30.0)
        broken = {self.in_flight[f] for f in done if _broke(f)}
        self._broken_together = broken if len(broken) > 1 else set()
        self.executor.restart()
        return done

    def _collect(self, future: Future[Result], index: int) -> None:
        entry = self.sweep.runs[index]
        try:
            result = future.result()
        except CancelledError:
            self._mark(entry, "cancelled", "cancelled before it started")
            return
        except BrokenProcessPool:
            if index in self._broken_together:  # which of them killed its worker? run it alone
                self.suspects.add(index)
                self.queue.appendleft(index)
                self._mark(entry, "pending", "")
                return
            result = Result(index, "failed", WORKER_DIED)
        except ImportError as exc:  # a Dask worker without nanograd cannot even read the job
            self._missing(entry, f"a worker cannot import {exc.name or exc}: {exc}")
            return
        except Exception as exc:
            result = Result(index, "failed", _job_error(exc))
        self.suspects.discard(index)
        if result.status == MISSING:
            host = result.worker.get("host", "a worker")
            self._missing(entry, f"the worker on {host} lacks what the jobs need: {result.message}")
            return
        if result.status == "interrupted" and not self._stopping:
            self._stop_submitting("a run was interrupted")
        self.sweep.store(entry, result, self.fallbacks[index])
        self.sweep.save()
        self.progress.finished(entry, len(self.in_flight))

    def _missing(self, entry: dict[str, Any], message: str) -> None:
        if not self.outcome.missing:
            self.outcome.missing = message
            self._stop_submitting("")
        entry["status"] = "cancelled"
        entry["message"] = "not run: a worker lacks what the jobs need"
        self.sweep.save()

    def _mark(self, entry: dict[str, Any], status: str, message: str) -> None:
        entry["status"], entry["message"] = status, message
        self.sweep.save()

    # -- stopping ---------------------------------------------------------------------------------

    def _stop_submitting(self, why: str) -> None:
        """Cancel what has not started; running jobs go on (for now)."""
        self._stopping = True
        self.outcome.interrupted = self.outcome.interrupted or bool(why)
        while self.queue:
            entry = self.sweep.runs[self.queue.popleft()]
            entry["status"], entry["message"] = "cancelled", "cancelled before it started"
        self.sweep.save()

    def _on_stop(self, count: int, name: str) -> bool:
        """React to the ``count``-th Ctrl-C; False when the loop must end now."""
        running = len(self.in_flight)
        if count == 1:
            self._stop_submitting(name)
            if not running:
                return True
            if self.executor.can_interrupt:
                self.executor.interrupt()
                self.console.error(
                    f"{name}: runs not started are cancelled; the {running} running stop after "
                    "their batch (press Ctrl-C again to stop them at once)"
                )
            else:
                self.console.error(
                    f"{name}: runs not started are cancelled; waiting for the {running} running "
                    "to finish (press Ctrl-C again to cancel them)"
                )
            return True
        if count == 2 and self.executor.can_interrupt:
            self.executor.interrupt()  # the runner's second Ctrl-C: stop at once
            self.console.error(f"{name}: stopping the running runs at once")
            return True
        if count == 2:
            for future in self.in_flight:
                future.cancel()
            self.console.error(f"{name}: cancelling the {running} running runs")
            return True
        self.executor.terminate()
        self.console.error(f"{name}: abandoning the {running} running runs")
        for future, index in self.in_flight.items():
            self._mark(self.sweep.runs[index], "interrupted", "abandoned while it ran")
            self.outcome.abandoned.append(index)
            future.cancel()
        self.in_flight.clear()
        return False


def _broke(future: Future[Result]) -> bool:
    return (
        future.done()
        and not future.cancelled()
        and isinstance(future.exception(), BrokenProcessPool)
    )


def _job_error(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":  # distributed's: the job's workers kept dying or getting lost
        return (
            "its Dask worker died or was lost while running it, as did those it was retried on "
            f"(KilledWorker: {exc})"
        )
    return f"the job could not run: {name}: {exc}"
