"""Where a sweep's jobs run: in this process, in local worker processes, or on a Dask cluster.

All three are ``concurrent.futures`` executors behind one small interface, so the sweep has one
code path: ``submit`` a job, wait on its future, and ask how many jobs fit at once.

- ``--workers 1``: each job runs here, one after the other.
- ``--workers N``: a ``ProcessPoolExecutor`` of N processes. Each limits its BLAS to one
  thread, so N workers never fight over N cores: forked workers (Linux) through threadpoolctl,
  or, without it, fresh interpreters started with the limit in their environment.
- ``--cluster ADDRESS``: ``distributed.Client(ADDRESS).get_executor()``, the same interface on
  a Dask cluster (``tcp://host:8786`` or a scheduler file).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from nanograd._distribution import DISTRIBUTION
from nanograd.run import signals as run_signals
from nanograd.run.errors import ExperimentError
from nanograd.run.experiment import require
from nanograd.sweep.job import BLAS_VARIABLES, Job, Result, limit_blas, run_job

CLUSTER_EXTRA = f"pip install '{DISTRIBUTION}[cluster]'"
CONNECT_TIMEOUT = "10s"


def default_workers() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class InProcess:
    """Runs each job in this process when it is submitted (``--workers 1``)."""

    description = "in this process"
    can_interrupt = True  # Ctrl-C reaches the run directly

    def capacity(self) -> int:
        return 1

    def submit(self, job: Job) -> Future[Result]:
        future: Future[Result] = Future()
        job = dataclasses.replace(job, blas_threads=None)  # BLAS here is this process's to choose
        future.set_result(run_job(job))
        return future

    def interrupt(self) -> None:
        """Nothing to forward: the signal went to this process, where the run is."""

    def restart(self) -> None:
        """A job in this process cannot break a pool."""

    def terminate(self) -> None:
        """Nothing runs in the background."""

    def close(self) -> None:
        """Nothing to release."""


def start_method() -> str:
    """``fork`` where threadpoolctl can limit the BLAS a forked worker inherits, else ``spawn``
    (a fresh interpreter that loads BLAS with the limit from its environment)."""
    if sys.platform.startswith("linux") and importlib.util.find_spec("threadpoolctl"):
        return "fork"
    return "spawn"


# Workers and SIGTERM. A worker must die when its pool terminates it: when one worker dies, the
# pool terminates the others with SIGTERM and joins them while holding its shutdown lock, so a
# worker that swallowed the signal would make the sweep wait forever. A forked child inherits the
# sweep's own SIGTERM handler, which only counts the signal, and one that the signal reaches
# before it has run any code of its own would swallow it (Python clears pending signals after a
# fork). So the parent holds SIGTERM back while it forks, and the child, first thing, takes the
# default action and lets the held signal through. A run in a worker leaves SIGTERM alone too
# (see _start_worker).
_forking_workers = False


@contextlib.contextmanager
def _sigterm_held_while_forking() -> Iterator[None]:
    global _forking_workers
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    _forking_workers = True
    try:
        yield
    finally:
        _forking_workers = False
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _default_sigterm_in_child() -> None:
    if _forking_workers:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


if hasattr(os, "register_at_fork") and hasattr(signal, "pthread_sigmask"):
    os.register_at_fork(after_in_child=_default_sigterm_in_child)
else:  # no fork here (the pool spawns fresh interpreters): nothing to hold back
    _sigterm_held_while_forking = contextlib.nullcontext  # type: ignore[assignment]


def _start_worker(path: list[str]) -> None:
    """A local worker's set-up: the sweep's import path, its own process group (the sweep
    forwards Ctrl-C itself, once, see :meth:`LocalPool.interrupt`), SIGTERM left to its default
    action even while a run trains (see the note on forked workers above), and one BLAS thread."""
    sys.path[:] = path
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # between runs; a run handles it while it trains
    run_signals.leave_sigterm_alone()
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    limit_blas(1)


class LocalPool:
    """``--workers N``: a pool of N worker processes on this machine."""

    can_interrupt = True

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.method = start_method()
        self.description = f"{workers} local worker processes"
        self._saved_env: dict[str, str | None] = {}
        if self.method == "spawn":
            for name in BLAS_VARIABLES:  # read by each fresh worker before it loads NumPy
                self._saved_env[name] = os.environ.get(name)
                os.environ[name] = "1"
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context(self.method)
        return ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(list(sys.path),)
        )

    def capacity(self) -> int:
        return self.workers

    def submit(self, job: Job) -> Future[Result]:
        with _sigterm_held_while_forking():  # the first submit forks the workers
            return self.pool.submit(run_job, job)

    def _processes(self) -> list[Any]:
        # The pool's worker processes; ProcessPoolExecutor keeps them in this attribute in
        # every Python from 3.8 to 3.13, and offers no public way to signal them.
        return list((getattr(self.pool, "_processes", None) or {}).values())

    def interrupt(self) -> None:
        """Ask every running job to stop after its batch (the runner's Ctrl-C)."""
        for process in self._processes():
            with contextlib.suppress(ProcessLookupError, TypeError):
                os.kill(process.pid, signal.SIGINT)

    def restart(self) -> None:
        """A new pool after a worker process died (a broken pool takes no more jobs)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()

    def terminate(self) -> None:
        """Stop every worker at once."""
        for process in self._processes():
            with contextlib.suppress(ProcessLookupError, AttributeError):
                process.kill()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Cluster:
    """``--cluster ADDRESS``: jobs go to a Dask cluster through its ``concurrent.futures``
    executor; the scheduler places them, and retries a job whose worker died or was lost."""

    can_interrupt = False  # a run on another machine cannot be sent Ctrl-C; it is waited for

    def __init__(self, address: str) -> None:
        distributed = require("distributed", CLUSTER_EXTRA, needed_by="--cluster")
        self.address = address
        target = _scheduler(address)
        try:
            self.client = distributed.Client(
                **target, timeout=CONNECT_TIMEOUT, set_as_default=False
            )
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExperimentError(
                f"--cluster {address}: cannot reach a Dask scheduler there ({exc}); start one "
                "with `dask scheduler` and workers with `dask worker tcp://HOST:8786` "
                "(docs/sweeps.md)"
            ) from exc
        self.executor = self.client.get_executor(pure=False)
        self._threads = (0, 0.0)
        threads = self.threads()
        self.description = (
            f"the Dask cluster at {address} ({len(threads)} workers, {sum(threads.values())} "
            "threads)"
        )

    def threads(self) -> dict[str, int]:
        """Each worker's thread count, as the scheduler knows it now."""
        nthreads: dict[str, int] = self.client.nthreads()
        return nthreads

    def capacity(self) -> int:
        count, when = self._threads
        if time.monotonic() - when > 2.0:  # workers come and go; ask again now and then
            count = sum(self.threads().values())
            self._threads = (count, time.monotonic())
        return max(1, count)

    def submit(self, job: Job) -> Future[Result]:
        future: Future[Result] = self.executor.submit(run_job, job)
        return future

    def interrupt(self) -> None:
        """Nothing to do: running jobs finish; pending ones are cancelled by the sweep."""

    def restart(self) -> None:
        """The scheduler replaces lost workers' jobs itself."""

    def terminate(self) -> None:
        self.executor.shutdown(wait=False)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a scheduler already gone has nothing to release
            self.executor.shutdown(wait=False)
            self.client.close()


def _scheduler(address: str) -> dict[str, str]:
    """``Client`` arguments for ``address``: a scheduler file if one exists there, else an
    address (``tcp://host:8786``, or ``host:8786`` for tcp)."""
    if "://" not in address and Path(address).is_file():
        return {"scheduler_file": address}
    if "://" in address or ":" in address:
        return {"address": address}
    raise ExperimentError(
        f"--cluster {address}: neither a scheduler address (tcp://host:8786) nor an existing "
        "scheduler file (dask scheduler --scheduler-file FILE)"
    )


Executor = InProcess | LocalPool | Cluster


def open_executor(workers: int, cluster: str | None) -> Executor:
    """The executor the command line asks for."""
    if cluster is not None:
        return Cluster(cluster)
    if workers == 1:
        return InProcess()
    return LocalPool(workers)
