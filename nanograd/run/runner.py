"""Running an experiment from start to finish: build, fold, train, write, report.

A new run loads the experiment, applies the overrides, builds data, model and optimizer from the
seed, and only then makes its folder, so a mistake found early leaves nothing behind. A resumed
run rebuilds the same things from the folder's config.json and seed and restores the last
checkpoint into them (see :mod:`nanograd.run.resume`). Whatever ends training (completion, early
stopping, a non-finite loss, Ctrl-C, an exception, a run folder that can no longer be written)
the run folder gets the last finished epoch's checkpoint, the plots and a summary.json with the
status, as far as it can be written; the last message says what the folder holds.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanograd import plugins
from nanograd._atomic import atomic_write_bytes
from nanograd.anomaly import AnomalyError, detect_anomaly
from nanograd.registry import PluginError
from nanograd.run import experiment as experiments
from nanograd.run.build import build
from nanograd.run.checkpoint import Checkpoints
from nanograd.run.config import apply_overrides
from nanograd.run.console import Console
from nanograd.run.context import Run
from nanograd.run.data import batch_count
from nanograd.run.errors import ExperimentError, FolderWriteError
from nanograd.run.folder import RunFolder
from nanograd.run.lifecycle import builtin_plugins
from nanograd.run.numeric_warnings import Folded, folded_warnings
from nanograd.run.outcome import Ending, closing_message, describe, is_user_error, plugin_at_fault
from nanograd.run.progress import Progress
from nanograd.run.provenance import git_commit, plugin_list, versions
from nanograd.run.resume import MODULES, reopen
from nanograd.run.sessions import identity
from nanograd.run.signals import Interrupts, deferred_interrupts
from nanograd.run.sources import imported_modules
from nanograd.run.threads import blas_threads
from nanograd.run.training import evaluate, fit

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass
class Options:
    """What the command line asked for."""

    experiment: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    out: Path = Path("runs")
    seed: int | None = None
    plugins: list[str] = field(default_factory=list)
    quiet: bool = False
    plots: bool = True
    max_epochs: int | None = None
    resume: Path | None = None
    force: bool = False  # --resume even if the recorded process seems alive
    traceback: bool = False
    detect_anomaly: bool = False  # ng.detect_anomaly() around training
    graph: bool = False  # graph.dot and graph.svg of the session's first step
    argv: list[str] = field(default_factory=list)
    # A sweep's job sets these: the experiment's text (the file may not exist where the job
    # runs), and the exact run folder to make instead of a new one under out/<experiment>/.
    source: bytes | None = None
    run_dir: Path | None = None


def execute(options: Options, console: Console) -> int:
    """Run (or resume) one experiment; returns the exit code.

    Mistakes found before training raise :class:`ExperimentError` for the caller to report;
    once the run folder exists, every outcome is written there and reported here. The folder is
    made (or reopened) with Ctrl-C already deferred, so it never lacks its summary.json.
    """
    try:
        plugins.load(options.plugins)
    except PluginError as exc:
        raise ExperimentError(f"plugin error: {exc}") from exc
    with folded_warnings(console) as warned:
        if options.resume is not None:
            _check_resume_options(options)
            run, saved, summary = reopen(RunFolder(options.resume), console, options.force)
            run.plots = options.plots
            run.graph = options.graph
        else:
            run, record = _start(options, console)
            saved, summary = Checkpoints(), None
        warned.run = run
        with deferred_interrupts(run) as interrupts:
            if summary is None:
                summary = _create_folder(run, options, record)
            else:
                _reopen_folder(run, summary)
            with blas_threads(run.config["blas_threads"]) as threads:
                _introduce(run, threads)
                return _train(run, saved, summary, options, interrupts, warned)


# -- starting -------------------------------------------------------------------------------------


def _start(options: Options, console: Console) -> tuple[Run, dict[str, Any]]:
    """Load and build a new run; returns it and what its config.json will say."""
    assert options.experiment is not None
    exp = experiments.load(options.experiment, source=options.source)
    config = apply_overrides(exp.config, options.overrides)
    if options.max_epochs is not None:
        config["epochs"] = min(config["epochs"], options.max_epochs)
    seed = options.seed if options.seed is not None else secrets.randbelow(2**31)
    run = build(exp, config, seed, console)
    run.plots = options.plots
    run.graph = options.graph
    record = {
        "experiment": exp.name,
        "file": str(exp.path),
        "path": str(exp.path.resolve()),  # so --resume works from any working directory
        "seed": seed,
        "overrides": options.overrides,
        "max_epochs": options.max_epochs,
        "command": ["python", "-m", "nanograd.run", *options.argv],
        "config": config,
    }
    return run, record


def _create_folder(run: Run, options: Options, record: dict[str, Any]) -> dict[str, Any]:
    """Make the run folder with config.json, the experiment's copy (and its local modules'),
    log.txt and a first summary.json; returns the summary. A folder that cannot be made whole
    is removed again: a run that cannot start leaves nothing behind."""
    folder: RunFolder | None = None
    # A sweep's job carries its experiment's modules; the sweep folder keeps them.
    modules = imported_modules(run.experiment) if options.source is None else {}
    record["modules"] = sorted(modules)
    try:
        if options.run_dir is None:
            folder = RunFolder.create(options.out, run.name)
        else:
            folder = RunFolder.new(options.run_dir)
        summary = {
            "experiment": run.name,
            "file": str(run.experiment.path),
            "run_dir": str(folder.path),
            "seed": run.seed,
            "started": run.console.stamp(),
            "sessions": [],
        }
        folder.write_json("config.json", record)
        folder.write_bytes("experiment.py", run.experiment.source)
        for relative, data in modules.items():
            with folder.writing(f"{MODULES}/{relative}") as path:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(path, data)
        folder.make_reserve()
        run.console.attach(folder.file("log.txt"))
        folder.mark(summary, "running")
    except (OSError, FolderWriteError) as exc:
        run.console.close()
        if folder is not None:
            shutil.rmtree(folder.path, ignore_errors=True)
        error = exc.error if isinstance(exc, FolderWriteError) else exc
        full = " (the disk is full)" if isinstance(exc, FolderWriteError) and exc.disk_full else ""
        raise ExperimentError(
            f"cannot write a run folder under --out {options.out}: {error.strerror or error} "
            f"({error.filename or options.out}){full}; nothing was kept. Choose a folder you "
            "can write to"
        ) from exc
    run.folder = folder
    for name in ("config.json", "experiment.py", "log.txt"):
        run.add_file(name)
    return summary


def _check_resume_options(options: Options) -> None:
    if (
        options.experiment is not None
        or options.overrides
        or options.seed is not None
        or options.max_epochs is not None
    ):
        raise ExperimentError(
            f"--resume {options.resume} continues that run with its own experiment file, "
            "config and seed; give no experiment file, overrides, --seed or --max-epochs with it"
        )


def _reopen_folder(run: Run, summary: dict[str, Any]) -> None:
    assert run.folder is not None
    run.folder.status = summary["status"]
    with contextlib.suppress(FolderWriteError):  # without it a full disk still shows soon
        run.folder.make_reserve()
    try:
        run.console.attach(run.folder.file("log.txt"))
    except OSError as exc:
        run.console.log_error = exc  # reported as the run's first failed write
    run.print(f"resuming {run.folder.path} after epoch {run.epoch} of {run.config['epochs']}")


def _introduce(run: Run, threads: str) -> None:
    config = run.config
    n_params = sum(int(p.size) for p in run.model.parameters())
    n_batches = batch_count(len(run.data.train), config["batch_size"])
    schedule = f" · {config['schedule']} schedule" if config["schedule"] else ""
    run.print(f"{run.name} · {run.experiment.path} · seed {run.seed}")
    run.print(
        f"data {run.data.sizes()} · model {n_params} parameters · {config['optimizer']} "
        f"lr={config['lr']:g}{schedule} · loss {config['loss']} · {config['epochs']} epochs "
        f"of {n_batches} batch{'es' if n_batches > 1 else ''}"
    )
    run.print(threads)
    assert run.folder is not None
    run.print(f"run folder {run.folder.path}")


# -- training and finishing -----------------------------------------------------------------------


def _train(
    run: Run,
    saved: Checkpoints,
    summary: dict[str, Any],
    options: Options,
    interrupts: Interrupts,
    warned: Folded,
) -> int:
    """Train, then write the checkpoint, evaluation, plots and summary whatever happened."""
    assert run.folder is not None
    pm = plugins.manager()
    own = builtin_plugins(options.plots)
    for name, plugin in own.items():
        pm.register(plugin, name=name)
    session = {"started": run.console.stamp(), "from_epoch": run.epoch, **identity()}
    summary["sessions"].append(session)
    started = time.perf_counter()
    ending = Ending("failed", "the run stopped before training started")
    try:
        ending = _fit(run, saved, summary, pm.hook, options.detect_anomaly)
        warned.training_over = True
        with interrupts.shielded():
            interrupts.training_done()
            if ending.status != "completed":
                _rewind(run, saved)
            try:
                saved.write(run.folder, run.add_file)
            except FolderWriteError as exc:
                ending.setback(exc, run)
        _wrap_up(run, ending, pm.hook)
        with interrupts.shielded():
            if run.console.log_error is not None and "log.txt" not in run.folder.unwritten:
                ending.setback(run.folder.failed("log.txt", run.console.log_error), run)
            session.update(
                ended=run.console.stamp(),
                to_epoch=run.epoch,
                seconds=round(time.perf_counter() - started, 3),
            )
            ending.message = closing_message(run, ending, saved, warned)
            _write_summary(run, summary, ending, warned)
            warned.report()
            _report(run, ending, session)
    finally:
        for name in own:
            pm.unregister(name=name)
        _show_traceback(run, ending.error, options)
        run.console.close()
    if ending.status == "completed":
        return EXIT_OK
    if ending.status == "interrupted":
        return EXIT_INTERRUPTED
    error = ending.error
    return EXIT_USAGE if error is not None and is_user_error(error, run) else EXIT_FAILED


def _show_traceback(run: Run, error: BaseException | None, options: Options) -> None:
    """The traceback of what ended the run: always for a fault in nanograd itself (and into
    log.txt), for a mistake in the experiment or a fault in a plugin (whose place the message
    names) only under ``--traceback``."""
    if error is None or isinstance(error, KeyboardInterrupt):
        return
    if not is_user_error(error, run) and not plugin_at_fault(error):
        run.console.error("".join(traceback.format_exception(error)).rstrip())
    elif options.traceback:
        traceback.print_exception(error, file=sys.stderr)


def _fit(run: Run, saved: Checkpoints, summary: dict[str, Any], hook: Any, anomaly: bool) -> Ending:
    """Status, message and exception (if one ended training) of the training loop, under
    anomaly mode when asked."""
    assert run.folder is not None
    try:
        run.folder.mark(summary, "running")
        hook.nanograd_run_start(run=run)
        with detect_anomaly() if anomaly else contextlib.nullcontext():
            outcome = fit(run, hook, saved)
        return Ending(outcome.status, outcome.message)
    except AnomalyError as exc:  # in an evaluation (training steps report their own)
        return Ending("failed", f"training stopped in epoch {run.epoch + 1}: {exc}")
    except KeyboardInterrupt as exc:
        message = (
            f"the checkpoint holds epoch {saved.last.epoch}, the last one finished"
            if saved.last
            else "stopped before the first epoch finished; there is no checkpoint"
        )
        return Ending("interrupted", message, exc)
    except Exception as exc:
        return Ending("failed", describe(exc, run), exc)


def _rewind(run: Run, saved: Checkpoints) -> None:
    """After a stop mid-epoch, put the progress and the model back to the last finished epoch,
    which is what the files written next (metrics.csv, best.npz, summary.json) hold."""
    if saved.last is None:
        run.progress = Progress()
    else:
        saved.last.rewind(run)


def _wrap_up(run: Run, ending: Ending, hook: Any) -> None:
    """The exception hook, the evaluation and ``nanograd_run_end`` (which draws the plots).

    Any of them may fail or be interrupted (a second Ctrl-C in a slow ``evaluate`` or
    ``plots``): see :meth:`Ending.setback`.
    """
    try:
        if ending.error is not None:
            hook.nanograd_run_exception(run=run, exception=ending.error)
        if ending.status == "completed":
            _evaluate(run)
    except (Exception, KeyboardInterrupt) as exc:
        ending.setback(exc, run)
    try:
        hook.nanograd_run_end(run=run, status=ending.status, metrics=run.metrics)
    except (Exception, KeyboardInterrupt) as exc:
        ending.setback(exc, run)


def _write_summary(run: Run, summary: dict[str, Any], ending: Ending, warned: Folded) -> None:
    """summary.json, as far as the folder can still be written (the reserve makes room for it
    on a full disk); when it cannot, the message says what the old one still says."""
    assert run.folder is not None
    summary.update(
        {
            "message": ending.message,
            "epochs": {"planned": run.config["epochs"], "completed": run.epoch},
            "final": run.metrics,
            "best": {
                "metric": run.monitor,
                "mode": run.mode,
                "value": run.best_value,
                "epoch": run.best_epoch,
            },
            "evaluation": run.evaluation,
            "warnings": warned.to_json(),
            "ended": run.console.stamp(),
            "training_seconds": round(sum(row.get("seconds", 0.0) for row in run.history), 3),
            "versions": versions(),
            "plugins": plugin_list(),
            "git": git_commit(run.experiment.path.resolve().parent),
        }
    )
    run.add_file("summary.json")
    # What the folder holds; a file whose latest write failed holds an earlier epoch (the
    # message says which).
    summary["files"] = [n for n in run.files if n == "summary.json" or run.folder.file(n).exists()]
    try:
        run.folder.mark(summary, ending.status)
    except FolderWriteError as exc:
        if not isinstance(ending.error, FolderWriteError):
            ending.status, ending.error = "failed", exc
        if not exc.folder_gone:
            old = run.folder.status
            says = f"it still says {old!r}" if old else "the folder has none"
            note = f"summary.json could not be written ({exc.error.strerror or exc.error}): {says}"
            ending.message = f"{ending.message}. {note}" if ending.message else note
        return
    run.folder.release_reserve()  # the run is no longer live


def _evaluate(run: Run) -> None:
    """Test-set loss and metrics, then the experiment's own ``evaluate(run)``."""
    if run.data.test is not None:
        run.evaluation.update(evaluate(run, run.data.test, "test"))
    if run.experiment.has("evaluate"):
        result = run.experiment.call("evaluate", run)
        if result is None:
            return
        if not isinstance(result, dict):
            raise ExperimentError(
                f"{run.experiment.path}: evaluate() must return a dict of name -> number "
                f"(or None), got {type(result).__name__}"
            )
        for name, value in result.items():
            try:
                run.evaluation[str(name)] = float(value)
            except (TypeError, ValueError):
                raise ExperimentError(
                    f"{run.experiment.path}: evaluate() returned {name}={value!r}, which is "
                    "not a number"
                ) from None


def _report(run: Run, ending: Ending, session: dict[str, Any]) -> None:
    assert run.folder is not None
    status, message = ending.status, ending.message
    last = run.metrics
    losses = "  ".join(f"{k} {last[k]:.4g}" for k in last if k not in ("epoch", "lr", "seconds"))
    head = (
        f"{status} after {run.epoch} epoch{'s' if run.epoch != 1 else ''} "
        f"in {session['seconds']:.1f}s"
    )
    if status == "completed":
        run.print(f"{head}  {losses}".rstrip())
        if message:
            run.print(message)
        if run.best_epoch is not None:
            run.print(f"best {run.monitor} {run.best_value:.4g} at epoch {run.best_epoch}")
        if run.evaluation:
            run.print("evaluation  " + "  ".join(f"{k} {v:.6g}" for k, v in run.evaluation.items()))
    else:
        run.console.error(f"{head}: {message}")
        if status == "interrupted" and run.epoch > 0:
            run.console.error(f"continue with: python -m nanograd.run --resume {run.folder.path}")
    if run.folder.failure is None:  # otherwise the message says what the folder holds
        run.print(f"wrote {run.folder.path}/: {' '.join(run.files)}")
