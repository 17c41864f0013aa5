"""Running an experiment from start to finish: build, fold, train, write, report.

A new run loads the experiment, applies the overrides, builds data, model and optimizer from the
seed, and only then makes its folder, so a mistake found early leaves nothing behind. A resumed
run rebuilds the same things from the folder's config.json and seed and restores the last
checkpoint into them. Whatever ends training (completion, early stopping, a non-finite loss,
Ctrl-C, an exception) the run folder gets the last finished epoch's checkpoint, the plots and a
summary.json with the status.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanograd import plugins
from nanograd.registry import PluginError
from nanograd.run import experiment as experiments
from nanograd.run.build import build
from nanograd.run.checkpoint import Checkpoints, Snapshot, load_weights
from nanograd.run.config import apply_overrides
from nanograd.run.console import Console
from nanograd.run.context import Run
from nanograd.run.data import batch_count
from nanograd.run.errors import ExperimentError
from nanograd.run.folder import RunFolder
from nanograd.run.lifecycle import builtin_plugins
from nanograd.run.progress import Progress
from nanograd.run.provenance import git_commit, plugin_list, versions
from nanograd.run.signals import Interrupts, deferred_interrupts
from nanograd.run.threads import blas_threads
from nanograd.run.training import evaluate, fit
from nanograd.serialization import CheckpointError

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
    traceback: bool = False
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
    if options.resume is not None:
        run, saved, summary = _resume(options, console)
    else:
        run, record = _start(options, console)
        saved, summary = Checkpoints(), None
    with deferred_interrupts(run) as interrupts:
        if summary is None:
            summary = _create_folder(run, options, record)
        else:
            _reopen_folder(run)
        with blas_threads(run.config["blas_threads"]) as threads:
            _introduce(run, threads)
            return _train(run, saved, summary, options, interrupts)


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
    record = {
        "experiment": exp.name,
        "file": str(exp.path),
        "seed": seed,
        "overrides": options.overrides,
        "max_epochs": options.max_epochs,
        "command": ["python", "-m", "nanograd.run", *options.argv],
        "config": config,
    }
    return run, record


def _create_folder(run: Run, options: Options, record: dict[str, Any]) -> dict[str, Any]:
    """Make the run folder, write config.json and the experiment's copy; returns the summary."""
    try:
        if options.run_dir is None:
            folder = RunFolder.create(options.out, run.name)
        else:
            folder = RunFolder.new(options.run_dir)
        run.folder = folder
        run.console.attach(folder.file("log.txt"))
        folder.write_json("config.json", record)
        folder.write_bytes("experiment.py", run.experiment.source)
    except OSError as exc:
        raise ExperimentError(
            f"cannot write a run folder under --out {options.out}: {exc.strerror or exc} "
            f"({exc.filename or options.out}); choose a folder you can write to"
        ) from exc
    for name in ("config.json", "experiment.py", "log.txt"):
        run.add_file(name)
    return {
        "experiment": run.name,
        "file": str(run.experiment.path),
        "run_dir": str(folder.path),
        "seed": run.seed,
        "started": run.console.stamp(),
        "sessions": [],
    }


def _resume(options: Options, console: Console) -> tuple[Run, Checkpoints, dict[str, Any]]:
    """Rebuild the run recorded in ``--resume``'s folder and restore its checkpoint."""
    assert options.resume is not None
    folder = RunFolder(options.resume)
    where = str(folder.path)
    if (
        options.experiment is not None
        or options.overrides
        or options.seed is not None
        or options.max_epochs is not None
    ):
        raise ExperimentError(
            f"--resume {where} continues that run with its own experiment file, config and "
            "seed; give no experiment file, overrides, --seed or --max-epochs with it"
        )
    try:
        recorded = folder.read_json("config.json")
        summary = folder.read_json("summary.json")
    except (OSError, ValueError) as exc:
        raise ExperimentError(
            f"--resume {where}: not a run folder (config.json and summary.json are needed): {exc}"
        ) from exc
    if summary.get("status") == "completed":
        raise ExperimentError(f"--resume {where}: this run already completed; nothing to resume")
    pid = still_running(summary)
    if pid is not None:
        raise ExperimentError(
            f"--resume {where}: this run is still training in process {pid}; stop it (Ctrl-C) "
            "and resume after, or let it finish"
        )
    exp = _recorded_experiment(folder, recorded, console)
    config = apply_overrides(exp.config, recorded["config"], where=f"{where}/config.json")
    run = build(exp, config, int(recorded["seed"]), console)
    run.plots = options.plots
    run.folder = folder
    try:
        snapshot = Snapshot.load(folder.path)
    except CheckpointError as exc:
        why = (
            "the process ended before its first checkpoint was written"
            if summary.get("status") == "running"
            else "the run stopped before finishing an epoch"
        )
        raise ExperimentError(
            f"--resume {where}: no usable checkpoint ({exc}); {why}, so start it again instead"
        ) from exc
    snapshot.restore(run)
    saved = Checkpoints(last=snapshot, best_model=load_weights(folder.file("best.npz")))
    # A run killed outright never listed its files: start from those every run has.
    listed = summary.get("files", ["config.json", "experiment.py", "log.txt"])
    run.files = [f for f in listed if folder.file(f).exists()]
    return run, saved, summary


def still_running(summary: Mapping[str, Any]) -> int | None:
    """The process id of the session a ``running`` summary names, if it is alive on this host
    (a run's summary.json, or a sweep's sweep.json, which records its sessions the same way)."""
    sessions = summary.get("sessions") or [{}]
    pid, host = sessions[-1].get("pid"), sessions[-1].get("host")
    if summary.get("status") != "running" or not pid or host != socket.gethostname():
        return None
    if os.name != "posix":  # on Windows os.kill would end the process instead of asking
        return None
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return None
    except PermissionError:  # it exists, under another user
        pass
    return int(pid)


def _recorded_experiment(
    folder: RunFolder, recorded: dict[str, Any], console: Console
) -> experiments.Experiment:
    """The experiment as it was when the run started: the original file while it is unchanged,
    else the copy in the run folder (importing helper modules from the original's folder)."""
    original, copy = Path(recorded["file"]), folder.file("experiment.py")
    if not copy.exists() or (original.exists() and original.read_bytes() == copy.read_bytes()):
        return experiments.load(original, name=recorded["experiment"])
    if original.exists():
        console.print(f"{original} changed since the run started; resuming with the copy {copy}")
    return experiments.load(copy, name=recorded["experiment"], helpers=original.parent)


def _reopen_folder(run: Run) -> None:
    assert run.folder is not None
    run.console.attach(run.folder.file("log.txt"))
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
) -> int:
    """Train, then write the checkpoint, evaluation, plots and summary whatever happened."""
    assert run.folder is not None
    folder = run.folder
    pm = plugins.manager()
    own = builtin_plugins(options.plots)
    for name, plugin in own.items():
        pm.register(plugin, name=name)
    session = {
        "started": run.console.stamp(),
        "from_epoch": run.epoch,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    summary["sessions"].append(session)
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        status, message, error = _fit(run, saved, summary, pm.hook)
        with interrupts.shielded():
            interrupts.training_done()
            if status != "completed":
                _rewind(run, saved)
            for name in saved.write(folder.path):
                run.add_file(name)
        status, message, error = _wrap_up(run, status, message, error, pm.hook)
        with interrupts.shielded():
            session.update(
                ended=run.console.stamp(),
                to_epoch=run.epoch,
                seconds=round(time.perf_counter() - started, 3),
            )
            _write_summary(run, summary, status, message)
            _report(run, status, message, session)
    finally:
        for name in own:
            pm.unregister(name=name)
        if error is not None and options.traceback and not isinstance(error, KeyboardInterrupt):
            traceback.print_exception(error, file=sys.stderr)
        run.console.close()
    if status == "completed":
        return EXIT_OK
    if status == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_USAGE if error is not None and is_user_error(error, run) else EXIT_FAILED


def _fit(
    run: Run, saved: Checkpoints, summary: dict[str, Any], hook: Any
) -> tuple[str, str, BaseException | None]:
    """Status, message and exception (if one ended training) of the training loop."""
    assert run.folder is not None
    try:
        run.folder.mark(summary, "running")
        hook.nanograd_run_start(run=run)
        outcome = fit(run, hook, saved)
        return outcome.status, outcome.message, None
    except KeyboardInterrupt as exc:
        message = (
            f"the checkpoint holds epoch {saved.last.epoch}, the last one finished"
            if saved.last
            else "stopped before the first epoch finished; there is no checkpoint"
        )
        return "interrupted", message, exc
    except Exception as exc:
        return "failed", describe(exc, run), exc


def _rewind(run: Run, saved: Checkpoints) -> None:
    """After a stop mid-epoch, put the progress and the model back to the last finished epoch,
    which is what the files written next (metrics.csv, best.npz, summary.json) hold."""
    if saved.last is None:
        run.progress = Progress()
    else:
        saved.last.rewind(run)


def _wrap_up(
    run: Run, status: str, message: str, error: BaseException | None, hook: Any
) -> tuple[str, str, BaseException | None]:
    """The exception hook, the evaluation and ``nanograd_run_end`` (which draws the plots).

    Any of them may fail or be interrupted (a second Ctrl-C in a slow ``evaluate`` or
    ``plots``); a run that was completed then takes that status, and a run that had already
    failed or been interrupted keeps its first reason, the later one shown as a warning.
    """

    def setback(exc: BaseException) -> None:
        nonlocal status, message, error
        interrupted = isinstance(exc, KeyboardInterrupt)
        if status != "completed":  # keep the first reason
            what = "the plots were cut short" if interrupted else describe(exc, run)
            run.console.error(f"warning: after the run {status}: {what}")
        elif interrupted:
            status, error = "interrupted", exc
            message = (
                "training had finished, but evaluation and plots were cut short; the "
                f"checkpoint holds epoch {run.epoch}, and --resume finishes them"
            )
        else:
            status, message, error = "failed", describe(exc, run), exc

    try:
        if error is not None:
            hook.nanograd_run_exception(run=run, exception=error)
        if status == "completed":
            _evaluate(run)
    except (Exception, KeyboardInterrupt) as exc:
        setback(exc)
    try:
        hook.nanograd_run_end(run=run, status=status, metrics=run.metrics)
    except (Exception, KeyboardInterrupt) as exc:
        setback(exc)
    return status, message, error


def _write_summary(run: Run, summary: dict[str, Any], status: str, message: str) -> None:
    assert run.folder is not None
    summary.update(
        {
            "status": status,
            "message": message,
            "epochs": {"planned": run.config["epochs"], "completed": run.epoch},
            "final": run.metrics,
            "best": {
                "metric": run.monitor,
                "mode": run.mode,
                "value": run.best_value,
                "epoch": run.best_epoch,
            },
            "evaluation": run.evaluation,
            "ended": run.console.stamp(),
            "training_seconds": round(sum(row.get("seconds", 0.0) for row in run.history), 3),
            "versions": versions(),
            "plugins": plugin_list(),
            "git": git_commit(run.experiment.path.resolve().parent),
        }
    )
    run.add_file("summary.json")
    summary["files"] = run.files
    run.folder.mark(summary, status)


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


def _report(run: Run, status: str, message: str, session: dict[str, Any]) -> None:
    assert run.folder is not None
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
    run.print(f"wrote {run.folder.path}/: {' '.join(run.files)}")


def is_user_error(exc: BaseException, run: Run | None = None) -> bool:
    """A mistake in the experiment file, its config or a plugin, rather than in nanograd."""
    if isinstance(exc, (ExperimentError, PluginError)):
        return True
    return run is not None and bool(experiments.where_in(exc, run.experiment.path))


def describe(exc: BaseException, run: Run | None = None) -> str:
    """One paragraph for an exception: the file and line in the experiment when it is there."""
    if isinstance(exc, ExperimentError):
        return str(exc)
    if isinstance(exc, PluginError):
        return f"plugin error: {exc}"
    where = ""
    if run is not None:
        where = experiments.where_in(exc, run.experiment.path)
        if where:
            return f"{run.experiment.path}: {type(exc).__name__}: {exc}{where}"
    return f"{type(exc).__name__}: {exc} (run with --traceback to see where)"
