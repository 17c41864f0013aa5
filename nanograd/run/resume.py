"""``--resume RUN_DIR``: rebuilding a run from its folder and restoring its last checkpoint.

The run is rebuilt from what its folder recorded (config.json: the experiment, its absolute
location, the config and the seed; experiment.py and modules/: the experiment and the local
modules it imported, as they were), so it resumes from any working directory and ends as it
began. Everything is checked before the folder is touched: files that are not what the runner
wrote (JSON of another shape, a missing key), a folder that cannot be written, a process still
training in it, a checkpoint that does not fit the model the experiment builds now. Each is an
:class:`~nanograd.run.errors.ExperimentError` naming the file, the key or the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nanograd.run import experiment as experiments
from nanograd.run.build import build
from nanograd.run.checkpoint import Checkpoints, Snapshot, load_weights, model_state
from nanograd.run.config import apply_overrides
from nanograd.run.console import Console
from nanograd.run.context import Run
from nanograd.run.errors import ExperimentError, FolderWriteError
from nanograd.run.folder import STATUSES, RunFolder
from nanograd.run.sessions import still_running
from nanograd.serialization import CheckpointError

MODULES = "modules"  # the run folder's copies of the experiment's local modules

# What a run's config.json and summary.json hold, as far as --resume reads them: key, what the
# value must be, and how to say so.
Check = tuple[str, Callable[[Any], bool], str]
CONFIG_KEYS: tuple[Check, ...] = (
    ("experiment", lambda v: isinstance(v, str) and bool(v), "the experiment's name"),
    ("file", lambda v: isinstance(v, str) and bool(v), "the experiment file's path"),
    ("seed", lambda v: type(v) is int and v >= 0, "the run's seed, an integer >= 0"),
    ("config", lambda v: isinstance(v, dict), "the resolved config, a dict"),
)
SUMMARY_KEYS: tuple[Check, ...] = (
    ("status", lambda v: v in STATUSES, f"one of {', '.join(STATUSES)}"),
    (
        "sessions",
        lambda v: isinstance(v, list) and all(isinstance(s, dict) for s in v),
        "a list of the run's sessions, each a dict",
    ),
)


def reopen(
    folder: RunFolder, console: Console, force: bool
) -> tuple[Run, Checkpoints, dict[str, Any]]:
    """The run recorded in ``folder``, rebuilt with its last checkpoint restored, the
    checkpoints it holds, and its summary; ExperimentError if it cannot be resumed."""
    where = str(folder.path)
    if not folder.path.is_dir():
        raise ExperimentError(f"--resume {where}: no such folder; give a run folder")
    recorded = _record(folder, "config.json", CONFIG_KEYS)
    summary = _record(folder, "summary.json", SUMMARY_KEYS)
    if summary["status"] == "completed":
        raise ExperimentError(f"--resume {where}: this run already completed; nothing to resume")
    live = still_running(summary)
    if live is not None and not force:
        raise ExperimentError(
            f"--resume {where}: this run is still training in {live.describe()}; stop it "
            "(Ctrl-C) and resume after, or let it finish. If that process is not this run, "
            "resume with --force"
        )
    try:
        folder.check_writable()
    except FolderWriteError as exc:
        raise ExperimentError(
            f"--resume {where}: {exc}; the run writes its checkpoint, metrics and summary "
            "there, so make the folder writable (or copy it somewhere writable and resume "
            "the copy)"
        ) from exc
    exp = _recorded_experiment(folder, recorded, console)
    _check_complete(exp, recorded["config"], where)
    config = apply_overrides(exp.config, recorded["config"], where=f"{where}/config.json")
    run = build(exp, config, recorded["seed"], console)
    run.folder = folder
    snapshot = _snapshot(folder, summary["status"])
    _restore(snapshot, run, where)
    best = _best_weights(folder, run, where)
    saved = Checkpoints(last=snapshot, best_model=best, on_disk=snapshot.epoch)
    # A run killed outright never listed its files: start from those every run has.
    listed = summary.get("files")
    if not (isinstance(listed, list) and all(isinstance(f, str) for f in listed)):
        listed = ["config.json", "experiment.py", "log.txt"]
    run.files = [f for f in listed if folder.file(f).exists()]
    return run, saved, summary


def _record(folder: RunFolder, name: str, keys: tuple[Check, ...]) -> dict[str, Any]:
    """``name`` read as JSON and checked to hold ``keys``."""
    where = f"--resume {folder.path}"
    path = folder.file(name)
    if not path.is_file():
        raise ExperimentError(
            f"{where}: not a run folder: it has no {name} (a run folder holds config.json, "
            "summary.json and checkpoint.npz, as the runner wrote them)"
        )
    try:
        value = folder.read_json(name)
    except (OSError, UnicodeDecodeError) as exc:
        raise ExperimentError(f"{where}: cannot read {name}: {exc}") from exc
    except ValueError as exc:
        raise ExperimentError(
            f"{where}: {name} is not valid JSON ({exc}); it may have been edited by hand or "
            "written by something else"
        ) from exc
    wanted = "; ".join(f"{key}: {what}" for key, _, what in keys)
    if not isinstance(value, dict):
        raise ExperimentError(
            f"{where}: {name} holds a JSON {_json_kind(value)}, not the object the runner "
            f"writes (with {wanted})"
        )
    for key, valid, what in keys:
        if key not in value:
            raise ExperimentError(
                f"{where}: {name} has no {key!r} key ({key} is {what}); it was not written by "
                "the runner, or was edited since"
            )
        if not valid(value[key]):
            raise ExperimentError(f"{where}: {name} has {key}={value[key]!r}; {key} must be {what}")
    return value


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _check_complete(exp: experiments.Experiment, config: Mapping[str, Any], where: str) -> None:
    """Every key the experiment file sets must have its recorded value: a key missing from
    config.json would silently take the file's default, and the run would not go on as it
    began. (A runner key the file leaves alone may be missing from an older run's config.json:
    it takes the runner's default, as it did then.)"""
    own = getattr(exp.module, "config", {})
    missing = [key for key in exp.config if key in own and key not in config]
    if missing:
        shown = ", ".join(f"{k!r} (default {exp.config[k]!r})" for k in missing)
        raise ExperimentError(
            f"--resume {where}: config.json has no value for config key{'s' * (len(missing) > 1)} "
            f"{shown}; the run cannot be rebuilt as it began. Put the value the run started "
            'with back into config.json\'s "config"'
        )


def _recorded_experiment(
    folder: RunFolder, recorded: Mapping[str, Any], console: Console
) -> experiments.Experiment:
    """The experiment as it was when the run started: the original file (by its absolute
    location, so the working directory does not matter) while it and its local modules are
    unchanged, else the copies in the run folder."""
    original = Path(recorded.get("path") or recorded["file"])
    copy, modules = folder.file("experiment.py"), folder.file(MODULES)
    changed = _changed(original, copy, modules)
    if not changed:
        return experiments.load(original, name=recorded["experiment"])
    if not copy.is_file():
        raise ExperimentError(
            f"--resume {folder.path}: the experiment file {original} no longer exists and the "
            "run folder has no copy of it (experiment.py)"
        )
    if original.exists():
        console.print(
            f"{', '.join(changed)} changed since the run started; resuming with the copies in "
            f"{folder.path}"
        )
    # The copies of its modules first, then the original's folder for anything not copied.
    return experiments.load(copy, name=recorded["experiment"], helpers=[modules, original.parent])


def _changed(original: Path, copy: Path, modules: Path) -> list[str]:
    """The files that differ from their copies in the run folder (or are gone)."""
    if not copy.is_file():
        return []  # nothing to compare with: the original is all there is
    pairs = [(original, copy)]
    if modules.is_dir():
        pairs += [(original.parent / p.relative_to(modules), p) for p in modules.rglob("*.py")]
    return [
        str(first) for first, second in pairs
        if not first.is_file() or first.read_bytes() != second.read_bytes()
    ]  # fmt: skip


def _snapshot(folder: RunFolder, status: str) -> Snapshot:
    try:
        return Snapshot.load(folder.path)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # CheckpointError is a ValueError
        if not folder.file("checkpoint.npz").exists():
            why = (
                "the process ended before its first checkpoint was written"
                if status == "running"
                else "the run stopped before finishing an epoch"
            )
            raise ExperimentError(
                f"--resume {folder.path}: no usable checkpoint ({exc}); {why}, so start it "
                "again instead"
            ) from exc
        raise ExperimentError(
            f"--resume {folder.path}: checkpoint.npz cannot be used: {exc}. model.npz and "
            "best.npz hold weights only; start the run again to train it"
        ) from exc


def _restore(snapshot: Snapshot, run: Run, where: str) -> None:
    """Put the checkpoint into the rebuilt run, once it is known to fit."""
    _check_fits(snapshot.model, run, where, "checkpoint.npz")
    try:
        snapshot.restore(run)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise ExperimentError(
            f"--resume {where}: checkpoint.npz does not fit the run the experiment builds now: "
            f"{exc}. {_WHY_NOT_FIT}"
        ) from exc


_WHY_NOT_FIT = (
    "The experiment file, its modules or a plugin changed since the run started, or the "
    "checkpoint comes from another run"
)


def _check_fits(weights: Mapping[str, Any], run: Run, where: str, name: str) -> None:
    """Every parameter of the model, by name and shape, in ``weights`` and nothing else."""
    expected = model_state(run.model)
    problems = [
        f"parameter {key!r} has shape {np.shape(weights[key])} in {name} but "
        f"{value.shape} in the model"
        for key, value in expected.items()
        if key in weights and np.shape(weights[key]) != value.shape
    ][:3]
    missing = [key for key in expected if key not in weights]
    unexpected = [key for key in weights if key not in expected]
    if missing:
        problems.append(f"the model's {_names(missing)} {'is' if len(missing) == 1 else 'are'} "
                        f"not in {name}")  # fmt: skip
    if unexpected:
        problems.append(f"{name} has {_names(unexpected)} the model lacks")
    if problems:
        raise ExperimentError(
            f"--resume {where}: {name} does not fit the model the experiment builds now: "
            f"{'; '.join(problems)}. {_WHY_NOT_FIT}"
        )


def _names(keys: list[str]) -> str:
    """``parameter 'a'`` or ``parameters 'a', 'b', 'c' and 2 more``."""
    shown = ", ".join(repr(k) for k in keys[:4])
    more = f" and {len(keys) - 4} more" if len(keys) > 4 else ""
    return f"parameter{'s' * (len(keys) > 1)} {shown}{more}"


def _best_weights(folder: RunFolder, run: Run, where: str) -> dict[str, np.ndarray] | None:
    try:
        best = load_weights(folder.file("best.npz"))
    except (CheckpointError, OSError) as exc:
        raise ExperimentError(
            f"--resume {where}: best.npz cannot be read: {exc}. Remove it to resume without "
            f"the best weights so far (epoch {run.best_epoch}); it is written again when a "
            "later epoch improves"
        ) from exc
    if best is not None:
        _check_fits(best, run, where, "best.npz")
    return best
