"""One run of a sweep as a job: what a worker receives, what it does, and what it sends back.

A job carries everything its run needs that may not exist where it runs: the experiment's text
and the source of its local helper modules (``digits_cnn.py`` imports ``digits.py``). The worker,
a local process or a Dask worker on another machine, trains in a temporary folder with the
runner itself and returns the run folder's files; the submitting side writes them into the
sweep folder, so a sweep is complete wherever its runs happened. Workers print nothing: what a
run prints is in its log.txt.

Before training, the worker checks that it has the plugins the submitting side loaded; a job
that finds one missing returns ``status="missing"`` without running, and the sweep stops with
one message naming them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanograd import plugins
from nanograd.registry import PluginError
from nanograd.run.console import Console
from nanograd.run.errors import ExperimentError
from nanograd.run.outcome import describe
from nanograd.run.runner import Options, execute

MISSING = "missing"  # the status of a job whose worker lacks a plugin

# Runs in one process take turns: grad mode and nn's default generator are per process, so two
# runs in two threads of one Dask worker would change each other's. Start Dask workers with one
# thread each (docs/sweeps.md); this lock keeps a worker with more threads correct all the same.
_ONE_RUN_AT_A_TIME = threading.Lock()
_BLAS_LIMIT: list[Any] = []  # threadpoolctl's limiter, kept alive once set in this process


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to train one run of a sweep."""

    index: int
    experiment: str  # the experiment's name (its file's stem)
    file: str  # the experiment file as given on the submitting side, for config.json
    source: bytes
    helpers: dict[str, bytes]  # path relative to the experiment's folder -> source
    overrides: dict[str, Any]
    seed: int
    folder: str  # the run folder's path on the submitting side, as its files should name it
    argv: tuple[str, ...]  # the command line that repeats this run alone (config.json)
    plugins: tuple[str, ...] = ()  # plugin modules to load (-p and NANOGRAD_PLUGINS)
    needs: tuple[str, ...] = ()  # entry-point plugins the worker must have
    max_epochs: int | None = None
    plots: bool = True
    traceback: bool = False
    blas_threads: int | None = 1  # None: leave BLAS as it is (a run in the sweep's own process)
    resume: dict[str, bytes] | None = None  # an interrupted run folder's files, to continue it


@dataclass
class Result:
    """What came back: the run's status and message, its folder's files, and where it ran."""

    index: int
    status: str
    message: str
    files: dict[str, bytes] = field(default_factory=dict)
    worker: dict[str, Any] = field(default_factory=dict)
    output: str = ""  # what the run wrote to stdout and stderr (tracebacks under --traceback)

    def summary(self) -> dict[str, Any]:
        """The run's summary.json, or an empty dict when the run never made its folder."""
        data = self.files.get("summary.json")
        return json.loads(data) if data else {}


def run_job(job: Job) -> Result:
    """Train ``job``'s run in a temporary folder and return its files (never raises)."""
    with _ONE_RUN_AT_A_TIME:
        worker = {"host": socket.gethostname(), "pid": os.getpid()}
        worker["blas_threads"] = limit_blas(job.blas_threads)
        missing = missing_plugins(job)
        if missing:
            return Result(job.index, MISSING, "; ".join(missing), worker=worker)
        captured = io.StringIO()
        with (
            tempfile.TemporaryDirectory(prefix="nanograd-job-", dir=scratch()) as tmp,
            _importable(job.helpers, Path(tmp) / "helpers"),
            contextlib.redirect_stdout(captured),
            contextlib.redirect_stderr(captured),
        ):
            run_dir = Path(tmp) / "run" / Path(job.folder).name
            status, message = _train(job, run_dir)
            files = _collect(run_dir, job.folder)
        return Result(job.index, status, message, files, worker, captured.getvalue())


SCRATCH = Path("/dev/shm")
SCRATCH_ROOM = 512 * 2**20  # bytes free in it, or a run folder might not fit


def scratch() -> str | None:
    """Where a job's run folder lives while it trains: ``$TMPDIR`` when set, else memory-backed
    /dev/shm when it has room, else the system's temporary folder (None).

    The folder is scratch: its files go back to the sweep, which writes them durably. The
    runner replaces its files atomically and syncs them to disk as it goes; on a disk, two
    workers doing so wait on each other (an 8-run moons sweep, when metrics.csv was synced
    every epoch, took 25 s with two workers against 23 s with one on a busy machine; 14 s
    against 19 s in memory).
    """
    if os.environ.get("TMPDIR"):
        return None
    try:
        roomy = shutil.disk_usage(SCRATCH).free > SCRATCH_ROOM
    except OSError:  # no such folder: not Linux
        return None
    return str(SCRATCH) if roomy and os.access(SCRATCH, os.W_OK) else None


def _train(job: Job, run_dir: Path) -> tuple[str, str]:
    """Status and message of the run, which leaves its folder at ``run_dir`` (if it got one)."""
    console = Console(quiet=True)
    if job.resume is not None:
        run_dir.mkdir(parents=True)
        for name, data in job.resume.items():
            (run_dir / name).write_bytes(data)
        options = Options(resume=run_dir, plugins=list(job.plugins), quiet=True, plots=job.plots)
    else:
        options = Options(
            experiment=Path(job.file),
            source=job.source,
            overrides=dict(job.overrides),
            seed=job.seed,
            plugins=list(job.plugins),
            quiet=True,
            plots=job.plots,
            max_epochs=job.max_epochs,
            argv=list(job.argv),
            run_dir=run_dir,
        )
    options.traceback = job.traceback
    try:
        execute(options, console)
    except ExperimentError as exc:
        return "failed", str(exc)
    except Exception as exc:
        return "failed", describe(exc)
    finally:
        console.close()
    try:
        summary = json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError) as exc:
        return "failed", f"the run left no readable summary.json ({exc})"
    return str(summary.get("status", "failed")), str(summary.get("message", ""))


def _collect(run_dir: Path, final: str) -> dict[str, bytes]:
    """The run folder's files, naming the folder where the sweep keeps it, not where it ran."""
    if not run_dir.is_dir():
        return {}
    files = {
        f.name: f.read_bytes()
        for f in sorted(run_dir.iterdir())
        if f.is_file() and not f.name.startswith(".")
    }
    if "log.txt" in files:
        text = files["log.txt"].decode("utf-8", errors="replace")
        files["log.txt"] = text.replace(str(run_dir), final).encode("utf-8")
    if "summary.json" in files:
        summary = json.loads(files["summary.json"])
        summary["run_dir"] = final
        files["summary.json"] = (json.dumps(summary, indent=2) + "\n").encode("utf-8")
    return files


def missing_plugins(job: Job) -> list[str]:
    """What this process lacks of the plugins ``job`` needs: one line per plugin."""
    try:
        plugins.load(list(job.plugins))
    except PluginError as exc:
        return [f"plugin error: {exc}"]
    have = {info.name for info in plugins.plugins()}
    return [f"plugin {name!r} is not installed" for name in job.needs if name not in have]


@contextlib.contextmanager
def _importable(helpers: dict[str, bytes], folder: Path) -> Iterator[None]:
    """The job's helper modules importable for the block, and forgotten after it (the next job
    may bring other versions of them)."""
    if not helpers:
        yield
        return
    for relative, data in helpers.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    place = str(folder)
    sys.path.insert(0, place)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(place)
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(place):
                del sys.modules[name]


def limit_blas(threads: int | None) -> int | None:
    """Limit BLAS to ``threads`` in this process (None leaves it); the threads it now uses.

    With threadpoolctl installed the limit applies to a BLAS already loaded (a forked worker);
    without it, the worker was started with the limit in its environment (see ``executors``).
    """
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return environment_threads()
    if threads is not None and not _BLAS_LIMIT:
        _BLAS_LIMIT.append(threadpool_limits(limits=threads, user_api="blas"))
    counts = [int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas"]
    return max(counts) if counts else None


BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def environment_threads() -> int | None:
    """The BLAS thread count the environment asks for, if it does."""
    for name in BLAS_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return None
