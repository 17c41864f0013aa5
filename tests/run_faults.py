"""Helpers for the tests of run folders that stop telling the truth; this module holds no tests.

``interrupted_run`` makes a real interrupted run folder in this process (a plugin presses
Ctrl-C at the end of an epoch). ``failing_writes`` is a fault-injecting writer: from the end of a
chosen epoch, every new file under a folder fails as a full disk, a read-only folder or a
deleted one would make it fail (the runner writes every file through a temporary file beside
it, so failing that is failing the write). ``snapshot`` records a folder's bytes, to show that
a refused command changed nothing.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from test_run_support import run, run_folder, unload_plugins, write_experiment, write_module

import nanograd as ng
from nanograd import plugins
from nanograd.run import training
from nanograd.run.folder import RESERVE

CTRL_C_AT = """
import signal

import nanograd as ng

AT = {at}


@ng.hookimpl
def nanograd_epoch_end(run, epoch, metrics):
    if epoch == AT:
        signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl-C during this epoch
"""


def interrupted_run(folder: Path, *args: Any, at: int = 2) -> Path:
    """Run the small experiment in ``folder`` with ``args``, interrupted (as by Ctrl-C) at the
    end of epoch ``at``; the run folder, whose checkpoint holds epoch ``at``."""
    experiment = write_experiment(folder)
    name = write_module(folder, f"ctrl_c_at_{at}", CTRL_C_AT.format(at=at))
    try:
        code = run(experiment, "--seed", 3, "-p", name, "--out", folder / "runs", "--quiet",
                   "--no-plots", *args)  # fmt: skip
    finally:
        unload_plugins()
    assert code == 130
    return run_folder(folder / "runs")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


class Arm:
    """A lifecycle plugin that starts the faults at the end of an epoch."""

    def __init__(self, state: dict[str, Any], at: int) -> None:
        self.state, self.at = state, at

    @ng.hookimpl(tryfirst=True)
    def nanograd_epoch_end(self, run: Any, epoch: int, metrics: dict[str, float]) -> None:
        if epoch == self.at:
            self.state["armed"] = True


@contextmanager
def failing_writes(
    below: Path, error: int = errno.ENOSPC, at: int | None = None
) -> Iterator[dict[str, Any]]:
    """Within the block, making a file below ``below`` fails with ``error`` (from the end of
    epoch ``at`` of a run, or at once); the state says whether it is armed and how many writes
    failed. Training checkpoints every epoch meanwhile, so there is a checkpoint to keep."""
    state: dict[str, Any] = {"armed": at is None, "failed": 0}
    real = tempfile.mkstemp
    root = below.resolve()

    def mkstemp(*args: Any, dir: Any = None, **kwargs: Any) -> tuple[int, str]:
        place = Path(dir if dir is not None else tempfile.gettempdir()).resolve()
        # A full disk has room again once the run gives up its reserve (16 KiB, plenty for
        # summary.json); a read-only or missing folder never does.
        reserved = any(root.rglob(RESERVE))
        state["reserved"] = state.get("reserved", False) or reserved
        room = error == errno.ENOSPC and state["reserved"] and not reserved
        if state["armed"] and not room and (place == root or root in place.parents):
            state["failed"] += 1
            raise OSError(error, os.strerror(error), str(place))
        return real(*args, dir=dir, **kwargs)

    every = training.CHECKPOINT_SECONDS
    tempfile.mkstemp, training.CHECKPOINT_SECONDS = mkstemp, 0.0  # type: ignore[assignment]
    arm = Arm(state, at) if at is not None else None
    if arm is not None:
        plugins.manager().register(arm, name="tests.arm-faults")
    try:
        yield state
    finally:
        tempfile.mkstemp, training.CHECKPOINT_SECONDS = real, every  # type: ignore[assignment]
        if arm is not None:
            plugins.manager().unregister(name="tests.arm-faults")
