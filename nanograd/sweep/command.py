"""``python -m nanograd.run`` when it sweeps: a new sweep, or ``--resume`` of one.

The command is a sweep when a value lists alternatives (``lr=0.1,0.01``) or samples
(``lr=loguniform(1e-4,1e-1)``), when ``--seeds``, ``--trials``, ``--workers`` or ``--cluster``
is given, or when ``--resume`` names a sweep folder. Every mistake found before the first job
(a value no run can use, a cluster that cannot be reached) is an ExperimentError, reported by the
runner's command line as one paragraph with exit code 2, and leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shlex
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nanograd import plugins
from nanograd._streams import until_reader_leaves
from nanograd.registry import PluginError
from nanograd.run import experiment as experiments
from nanograd.run.config import format_config, split_overrides
from nanograd.run.console import Console
from nanograd.run.errors import ExperimentError
from nanograd.run.provenance import git_commit, versions
from nanograd.run.runner import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from nanograd.run.sessions import identity, still_running
from nanograd.run.sources import local_modules
from nanograd.sweep import job as jobs
from nanograd.sweep.driver import Driver, Outcome
from nanograd.sweep.executors import Cluster, Executor, default_workers, open_executor
from nanograd.sweep.folder import ENDED, SWEEP_CSV, SWEEP_JSON, SweepFolder, run_folder_name
from nanograd.sweep.grammar import format_value
from nanograd.sweep.plan import RunSpec, Space, expand, parse_space, resolve
from nanograd.sweep.progress import Progress, best_run, label
from nanograd.sweep.report import write_outputs

SWEEP_FLAGS = ("seeds", "trials", "workers", "cluster")


def wants_sweep(args: argparse.Namespace) -> bool:
    """Whether the parsed command line asks for a sweep rather than one run."""
    if any(getattr(args, flag) is not None for flag in SWEEP_FLAGS):
        return True
    if args.resume is not None:
        return SweepFolder.holds_sweep(args.resume)
    return parse_space(split_overrides(args.overrides)).is_sweep


def main(args: argparse.Namespace, argv: Sequence[str], console: Console) -> int:
    """Run (or resume) the sweep the command line asks for; returns the exit status."""
    for flag in ("seeds", "trials", "workers"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ExperimentError(f"--{flag} must be at least 1, got {value}")
    if args.cluster is not None and args.workers is not None:
        raise ExperimentError(
            "--workers sets how many local processes run; with --cluster the cluster's workers "
            "run the jobs (start them with dask worker --nworkers N), so give one or the other"
        )
    _load_plugins(args.plugins)
    if args.resume is not None:
        return _resume(args, console)
    return _new(args, argv, console)


def _load_plugins(modules: Sequence[str]) -> None:
    try:
        plugins.load(list(modules))
    except PluginError as exc:
        raise ExperimentError(f"plugin error: {exc}") from exc


# -- a new sweep ----------------------------------------------------------------------------------


def _new(args: argparse.Namespace, argv: Sequence[str], console: Console) -> int:
    if args.file is None:
        raise ExperimentError("a sweep needs an experiment file (or --resume SWEEP_DIR)")
    exp = experiments.load(args.file)
    space = parse_space(split_overrides(args.overrides))
    if space.samplers and args.trials is None:
        shown = ", ".join(f"{k}={v}" for k, v in space.samplers.items())
        raise ExperimentError(f"{shown} draws random values: say how many trials with --trials N")
    if args.trials is not None and not space.samplers:
        raise ExperimentError(
            "--trials N draws values for keys given as uniform(low,high), loguniform(low,high), "
            "randint(low,high) or choice(a,b,...), and none is given"
        )
    sweep_seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    specs = expand(space, args.trials or 1, args.seeds or 1, sweep_seed)
    configs = resolve(exp.config, specs, args.max_epochs, list(space.samplers))
    if args.print_config:
        _print_configs(exp, specs, configs, sweep_seed)
        return EXIT_OK
    helpers = local_modules(exp)
    executor = open_executor(args.workers or min(default_workers(), len(specs)), args.cluster)
    try:
        record = _record(exp, space, specs, args, argv, sweep_seed)
        sweep = SweepFolder.create(args.out, record, exp.path.name, exp.source, helpers)
        settings = Settings(args.plots, args.traceback, args.max_epochs)
        return _session(sweep, exp, helpers, configs, executor, console, settings)
    finally:
        executor.close()


def _record(
    exp: experiments.Experiment,
    space: Space,
    specs: Sequence[RunSpec],
    args: argparse.Namespace,
    argv: Sequence[str],
    sweep_seed: int,
) -> dict[str, Any]:
    """What sweep.json says at the start."""
    runs = [
        {
            "index": spec.index,
            "folder": run_folder_name(spec.index, len(specs)),
            "trial": spec.trial,
            "repeat": spec.repeat,
            "values": _plain(spec.values),
            "seed": spec.seed,
            "overrides": _plain(spec.overrides),
            "status": "pending",
            "message": "",
            "epochs": None,
            "seconds": None,
            "final": {},
            "best": {},
            "evaluation": {},
            "worker": {},
        }
        for spec in specs
    ]
    return {
        "experiment": exp.name,
        "file": str(exp.path),
        "command": ["python", "-m", "nanograd.run", *argv],
        "seed": sweep_seed,
        "swept": space.swept,
        "grid": _plain(space.grid),
        "samplers": {k: str(s) for k, s in space.samplers.items()},
        "fixed": _plain(space.fixed),
        "trials": args.trials,
        "seeds": args.seeds or 1,
        "max_epochs": args.max_epochs,
        "plots": args.plots,
        "plugins": _module_plugins(),
        "status": "running",
        "started": Console.stamp(),
        "sessions": [],
        "versions": versions(),
        "git": git_commit(exp.path.resolve().parent),
        "runs": runs,
    }


def _plain(value: Any) -> Any:
    """``value`` as JSON keeps it (tuples become lists), so a resumed sweep sees what a new
    one saw."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _module_plugins() -> list[str]:
    """Plugin modules loaded by name (-p, NANOGRAD_PLUGINS): every job loads them too."""
    named = (plugins.FROM_ARGUMENT, plugins.FROM_ENV)
    return [info.module for info in plugins.plugins() if info.source in named]


def _print_configs(
    exp: experiments.Experiment,
    specs: Sequence[RunSpec],
    configs: Sequence[Mapping[str, Any]],
    sweep_seed: int,
) -> None:
    with until_reader_leaves():
        print(f"# {exp.path}: {len(specs)} runs from sweep seed {sweep_seed} (--seed {sweep_seed})")
        for spec, config in zip(specs, configs, strict=True):
            print()
            print(f"# {run_folder_name(spec.index, len(specs))}: {spec.label()} seed {spec.seed}")
            print(format_config(config))


# -- resuming -------------------------------------------------------------------------------------


def _resume(args: argparse.Namespace, console: Console) -> int:
    where = args.resume
    if not SweepFolder.holds_sweep(where):
        raise ExperimentError(
            f"--resume {where}: not a sweep folder (it has no sweep.json); --seeds, --trials, "
            "--workers and --cluster apply to sweeps"
        )
    if args.file is not None or args.overrides or args.seed is not None:
        raise ExperimentError(
            f"--resume {where} continues that sweep with its own experiment, values and seeds; "
            "give no experiment file, overrides or --seed with it"
        )
    if args.seeds is not None or args.trials is not None or args.max_epochs is not None:
        raise ExperimentError(
            f"--resume {where} continues that sweep as it was planned; give no --seeds, "
            "--trials or --max-epochs with it"
        )
    sweep = SweepFolder.open(where)
    record = sweep.record
    to_run = [r["index"] for r in sweep.runs if r["status"] not in ENDED]
    if not to_run:
        failed = sum(r["status"] == "failed" for r in sweep.runs)
        why = f" ({failed} failed)" if failed else ""
        raise ExperimentError(f"--resume {where}: every run of this sweep has ended{why}")
    live = still_running(record)
    if live is not None and not args.force:
        raise ExperimentError(
            f"--resume {where}: this sweep is still running in {live.describe()}; stop it "
            "(Ctrl-C) and resume after, or let it finish. If that process is not this sweep, "
            "resume with --force"
        )
    _load_plugins(record.get("plugins", []))
    source, helpers = sweep.sources()
    with tempfile.TemporaryDirectory(prefix="nanograd-sweep-") as tmp:
        helper_dir = Path(tmp)
        for relative, data in helpers.items():
            (helper_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (helper_dir / relative).write_bytes(data)
        exp = experiments.load(
            record["file"], name=record["experiment"], helpers=helper_dir, source=source
        )
    specs = [
        RunSpec(r["index"], r["trial"], r["repeat"], r["values"], r["seed"], r["overrides"])
        for r in sweep.runs
    ]
    configs = resolve(exp.config, specs, record.get("max_epochs"))
    workers = args.workers or min(default_workers(), len(to_run))
    executor = open_executor(workers, args.cluster)
    try:
        settings = Settings(
            record.get("plots", True) and args.plots, args.traceback, record.get("max_epochs")
        )
        return _session(sweep, exp, helpers, configs, executor, console, settings, to_run)
    finally:
        executor.close()


# -- a session: running the jobs ------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What every job of the session shares."""

    plots: bool
    traceback: bool
    max_epochs: int | None


def _session(
    sweep: SweepFolder,
    exp: experiments.Experiment,
    helpers: Mapping[str, bytes],
    configs: Sequence[dict[str, Any]],
    executor: Executor,
    console: Console,
    settings: Settings,
    to_run: Sequence[int] | None = None,
) -> int:
    """Run the jobs ``to_run`` (every run by default), then write plots, report and summary."""
    record = sweep.record
    to_run = list(to_run if to_run is not None else range(len(sweep.runs)))
    session = {
        "started": Console.stamp(),
        **identity(),
        "executor": executor.description,
        "runs": len(to_run),
    }
    record["sessions"].append(session)
    record["status"] = "running"
    for index in to_run:
        if sweep.runs[index]["status"] != "interrupted":
            sweep.runs[index]["status"] = "pending"
    sweep.save()
    console.attach(sweep.path / "log.txt")
    _introduce(sweep, executor, console, to_run)
    job_list = {i: _job(sweep, exp, helpers, settings, i) for i in to_run}
    fallbacks = {i: _config_record(sweep, configs[i], settings, i) for i in to_run}
    progress = Progress(console, record["experiment"], sweep.runs)
    started = time.perf_counter()
    outcome = Outcome()
    try:
        outcome = Driver(sweep, job_list, fallbacks, executor, console, progress).run(to_run)
    except KeyboardInterrupt:  # a Ctrl-C outside the loop's own handling: the folder stays whole
        outcome.interrupted = True
        for entry in sweep.runs:
            if entry["status"] in ("pending", "running"):
                entry["status"], entry["message"] = "cancelled", "cancelled before it started"
    finally:
        progress.close()
    status = _status(sweep.runs)
    session.update(ended=Console.stamp(), seconds=round(time.perf_counter() - started, 3))
    record.update(status=status, ended=Console.stamp())
    sweep.save()
    written = _finish(sweep, console, settings.plots)
    return _report(sweep, outcome, console, written)


def _introduce(
    sweep: SweepFolder, executor: Executor, console: Console, to_run: Sequence[int]
) -> None:
    record = sweep.record
    parts = [f"{k} ({len(v)})" for k, v in record["grid"].items()]
    if record["samplers"]:
        draws = " ".join(f"{k}={v}" for k, v in record["samplers"].items())
        parts.insert(0, f"{record['trials']} trials of {draws}")
    if record["seeds"] > 1:
        parts.append(f"{record['seeds']} seeds")
    shape = " x ".join(parts) if parts else "one configuration"
    total = len(sweep.runs)
    console.print(
        f"sweep {record['experiment']} · {record['file']} · {total} run{'s' * (total != 1)}: "
        f"{shape} · sweep seed {record['seed']}"
    )
    if len(to_run) < total:
        console.print(f"resuming: {len(to_run)} of {total} runs left to run")
    console.print(f"running on {executor.description}")
    if isinstance(executor, Cluster):
        threaded = {w: n for w, n in executor.threads().items() if n > 1}
        if threaded:
            console.error(
                f"warning: {len(threaded)} Dask workers run {max(threaded.values())} threads "
                "each; a nanograd run needs a whole process, so each runs one job at a time. "
                "Start workers with --nthreads 1 --nworkers N to use N cores."
            )
    console.print(f"sweep folder {sweep.path}")


def _job(
    sweep: SweepFolder,
    exp: experiments.Experiment,
    helpers: Mapping[str, bytes],
    settings: Settings,
    index: int,
) -> jobs.Job:
    entry = sweep.runs[index]
    record = sweep.record
    folder = sweep.run_path(entry)
    resume = None
    if _resumable(folder):
        resume = {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}
    needs = [i.name for i in plugins.plugins() if i.source == plugins.FROM_ENTRY_POINT]
    return jobs.Job(
        index=index,
        experiment=record["experiment"],
        file=record["file"],
        source=exp.source,
        helpers=dict(helpers),
        overrides=dict(entry["overrides"]),
        seed=int(entry["seed"]),
        folder=str(folder),
        argv=tuple(_repeat_argv(record, entry, settings)),
        plugins=tuple(record.get("plugins", [])),
        needs=tuple(needs),
        max_epochs=settings.max_epochs,
        plots=settings.plots,
        traceback=settings.traceback,
        resume=resume,
    )


def _resumable(folder: Path) -> bool:
    """Whether a run folder holds an unfinished run that can go on from its checkpoint."""
    try:
        status = json.loads((folder / "summary.json").read_text()).get("status")
    except (OSError, ValueError):
        return False
    return status in ("interrupted", "running") and (folder / "checkpoint.npz").is_file()


def _repeat_argv(
    record: Mapping[str, Any], entry: Mapping[str, Any], settings: Settings
) -> list[str]:
    """The arguments of ``python -m nanograd.run`` that repeat this run alone."""
    argv = [record["file"]]
    argv += [f"{k}={format_value(v)}" for k, v in entry["overrides"].items()]
    argv += ["--seed", str(entry["seed"])]
    if settings.max_epochs is not None:
        argv += ["--max-epochs", str(settings.max_epochs)]
    for module in record.get("plugins", []):
        argv += ["-p", module]
    if not settings.plots:
        argv.append("--no-plots")
    return argv


def _config_record(
    sweep: SweepFolder, config: dict[str, Any], settings: Settings, index: int
) -> dict[str, Any]:
    """The config.json a run gets when its job never wrote one (the fields the runner writes)."""
    record, entry = sweep.record, sweep.runs[index]
    return {
        "experiment": record["experiment"],
        "file": record["file"],
        "seed": entry["seed"],
        "overrides": entry["overrides"],
        "max_epochs": settings.max_epochs,
        "command": ["python", "-m", "nanograd.run", *_repeat_argv(record, entry, settings)],
        "config": config,
    }


# -- the end of a session -------------------------------------------------------------------------


def _status(runs: Sequence[Mapping[str, Any]]) -> str:
    statuses = {r["status"] for r in runs}
    if statuses <= {"completed"}:
        return "completed"
    if statuses <= set(ENDED):
        return "failed"
    return "interrupted"


def _finish(sweep: SweepFolder, console: Console, plots: bool) -> list[str]:
    """The figures and report.html; a failure there is a warning, and loses nothing else."""
    written = [SWEEP_JSON, SWEEP_CSV]
    try:
        written += write_outputs(sweep, plots)
    except Exception as exc:
        console.error(
            f"warning: drawing the sweep's figures or report.html failed: "
            f"{type(exc).__name__}: {exc}; sweep.json, sweep.csv and the runs are written"
        )
    return written


def _report(sweep: SweepFolder, outcome: Outcome, console: Console, written: list[str]) -> int:
    record, runs = sweep.record, sweep.runs
    counts: dict[str, int] = {}
    for entry in runs:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    seconds = record["sessions"][-1].get("seconds", 0.0)
    console.print(f"sweep {record['status']}: {len(runs)} runs, {tally} in {seconds:.1f}s")
    best = best_run(runs)
    if best is not None:
        console.print(
            f"best {best['best']['metric']} {float(best['best']['value']):.6g} in "
            f"{best['folder']} ({label(best)})"
        )
    folders = sum(sweep.run_path(r).is_dir() for r in runs)
    console.print(f"wrote {sweep.path}/: {' '.join(written)} and {folders} run folders")
    for entry in runs:
        if entry["status"] == "failed":
            console.error(f"failed: {entry['folder']} ({label(entry)}): {entry['message']}")
    resume = f"python -m nanograd.run --resume {shlex.quote(str(sweep.path))}"
    if outcome.missing:
        console.error(f"error: {outcome.missing}. {_install_hint()}; then continue with: {resume}")
        return EXIT_USAGE
    if record["status"] == "interrupted":
        console.error(f"interrupted; continue with: {resume}")
        return EXIT_INTERRUPTED
    if record["status"] == "failed":
        failed = counts.get("failed", 0)
        console.error(f"{failed} of {len(runs)} runs failed")
        return EXIT_FAILED
    return EXIT_OK


def _install_hint() -> str:
    wanted = []
    for info in plugins.plugins():
        if info.source == plugins.FROM_ENTRY_POINT:
            wanted.append(info.distribution or info.name)
        else:
            wanted.append(f"the module {info.module}")
    return (
        "Every worker needs nanograd and the plugins loaded here, installed in its Python: "
        + ", ".join(dict.fromkeys(wanted))
    )
