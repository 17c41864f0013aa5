"""How a run ends, and how that is told: its status, its last message, and who is at fault.

A run ends ``completed``, ``interrupted`` or ``failed``; :class:`Ending` keeps the first reason
when more go wrong after training (an evaluation that fails, a plot cut short, a file that
cannot be written). An exception is told as one paragraph naming where it came from: the line of
the experiment file, the plugin and line, or nanograd itself, whose faults show a traceback. A
run folder that could not be written is told with what it still holds and what to do.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import nanograd
from nanograd import plugins
from nanograd.registry import PluginError
from nanograd.run import experiment as experiments
from nanograd.run.checkpoint import Checkpoints
from nanograd.run.context import Run
from nanograd.run.errors import ExperimentError, FolderWriteError
from nanograd.run.numeric_warnings import Folded


@dataclass
class Ending:
    """How the run ends: its status, the message and the exception behind them, if any."""

    status: str
    message: str
    error: BaseException | None = None

    def setback(self, exc: BaseException, run: Run) -> None:
        """Something went wrong after training (saving, evaluating, plotting, a hook).

        A completed run takes it as its status; a run that had already failed or been
        interrupted keeps its first reason and shows the later one as a warning. A run folder
        that cannot be written fails the run whatever it was: an interrupted run whose
        checkpoint could not be saved cannot honestly say "continue with --resume". Later
        failed writes are not told one by one: the last message lists them.
        """
        if isinstance(exc, FolderWriteError):
            if self.status != "failed":
                self.status, self.message, self.error = "failed", str(exc), exc
            return
        interrupted = isinstance(exc, KeyboardInterrupt)
        if self.status != "completed":  # keep the first reason
            what = "the plots were cut short" if interrupted else describe(exc, run)
            run.console.error(f"warning: after the run {self.status}: {what}")
        elif interrupted:
            self.status, self.error = "interrupted", exc
            self.message = (
                "training had finished, but evaluation and plots were cut short; the "
                f"checkpoint holds epoch {run.epoch}, and --resume finishes them"
            )
        else:
            self.status, self.message, self.error = "failed", describe(exc, run), exc


def closing_message(run: Run, ending: Ending, saved: Checkpoints, warned: Folded) -> str:
    """The run's last message: what ended it, and, when the folder could not be written, what
    the folder still holds and what to do; a non-finite loss names NumPy's first warning."""
    message = ending.message
    if ending.status == "failed" and "the loss became" in message:
        message += warned.first()
    folder = run.folder
    assert folder is not None
    failure = folder.failure
    if failure is None:
        return message
    if failure.folder_gone:
        state = "nothing more could be saved there"
    else:
        others = [name for name in folder.unwritten if name != failure.name]
        held = (
            f"checkpoint.npz holds epoch {saved.on_disk}"
            if saved.on_disk
            else "no checkpoint was written"
        )
        state = (f"also not written: {', '.join(others)}; " if others else "") + held
        state += (
            f". {failure.remedy().capitalize()}, then continue with: python -m nanograd.run "
            f"--resume {folder.path}"
            if saved.on_disk
            else f". {failure.remedy().capitalize()} and start the run again"
        )
    if isinstance(ending.error, FolderWriteError):
        return f"{message}; {state}"
    return f"{message}. Then: {failure}; {state}"


def is_user_error(exc: BaseException, run: Run | None = None) -> bool:
    """A mistake in the experiment file, its config or a plugin, or a run folder that cannot be
    written, rather than a fault in nanograd."""
    if isinstance(exc, (ExperimentError, PluginError)):
        return True
    return run is not None and bool(experiments.where_in(exc, run.experiment.path))


def describe(exc: BaseException, run: Run | None = None) -> str:
    """One paragraph for an exception: the file and line in the experiment when it is there,
    else the plugin and line where it was raised; else it is a fault in nanograd itself."""
    if isinstance(exc, ExperimentError):
        return str(exc)
    if isinstance(exc, PluginError):
        return f"plugin error: {exc}"
    if run is not None:
        where = experiments.where_in(exc, run.experiment.path)
        if where:
            return f"{run.experiment.path}: {type(exc).__name__}: {exc}{where}"
    plugin = plugin_at_fault(exc)
    if plugin:
        return f"{type(exc).__name__}: {exc} ({plugin})"
    if run is not None:
        return (
            f"{type(exc).__name__}: {exc} (a fault in nanograd rather than in "
            f"{run.experiment.path}; the traceback follows, and is in log.txt)"
        )
    return f"{type(exc).__name__}: {exc} (run with --traceback to see where)"


def plugin_at_fault(exc: BaseException) -> str:
    """``"in plugin 'x' at /path/x.py, line 7, in nanograd_run_end"`` when the deepest frame of
    ``exc`` that is nanograd's or a loaded plugin's is a plugin's; ``""`` otherwise (frames of
    NumPy, pluggy or the standard library do not count)."""
    engine = Path(nanograd.__file__).resolve().parent
    owners: dict[Path, str] = {}
    for info in plugins.plugins():
        file = getattr(sys.modules.get(info.module.split(":")[0]), "__file__", None)
        if file:
            path = Path(file).resolve()
            owners[path.parent if path.name == "__init__.py" else path] = info.name
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename).resolve()
        if engine in path.parents:
            found = ""
            continue
        for place, name in owners.items():
            if place == path or place in path.parents:
                found = (
                    f"in plugin {name!r} at {frame.filename}, line {frame.lineno}, in {frame.name}"
                )
    return found
