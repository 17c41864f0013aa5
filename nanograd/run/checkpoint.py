"""Snapshots of training at the end of an epoch, and the files they become.

At the end of every epoch the loop takes a :class:`Snapshot` in memory: copies of the model's
parameters, the optimizer's and schedule's state, the random generators' states and the run's
:class:`~nanograd.run.progress.Progress` (epoch, history, best epoch, patience count), whole.
Whatever stops the run (completion, Ctrl-C, a failure), the last snapshot is what is written, so the
run folder always holds a consistent state from the last finished epoch. ``checkpoint.npz`` holds
everything ``--resume`` needs; ``model.npz`` and ``best.npz`` hold model weights alone. All three
are written with ``ng.save`` (atomic, no pickle) and read back with ``ng.load``, so
``model.load_state_dict(ng.load("best.npz"))`` restores a model outside the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nanograd.nn.module import Module
from nanograd.optim.lr_scheduler import LRScheduler
from nanograd.optim.optimizer import Optimizer
from nanograd.run.progress import FIELDS as PROGRESS_FIELDS
from nanograd.run.progress import Progress
from nanograd.serialization import CheckpointError, load, save
from nanograd.tensor import Tensor

if TYPE_CHECKING:
    from nanograd.run.context import Run
    from nanograd.run.folder import RunFolder

CHECKPOINT = "checkpoint.npz"


_ATOMS = frozenset({int, float, complex, bool, str, bytes, type(None)})  # nothing to copy


def copy_tree(value: Any, arrays: bool = True) -> Any:
    """A deep copy of a state tree: containers rebuilt, tensors and arrays copied (NumPy arrays
    kept as they are when ``arrays`` is False: the caller knows them to be copies already).

    Plain leaves (a step count, a learning rate) are kept where their container is rebuilt,
    without a call each: a snapshot copies an optimizer's state after every epoch.
    """
    kind = type(value)
    if kind in _ATOMS:
        return value
    if isinstance(value, dict):
        return {k: v if type(v) in _ATOMS else copy_tree(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _ATOMS else copy_tree(v, arrays) for v in value]
    if isinstance(value, Tensor):
        return Tensor(np.array(value.data, copy=True))
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True) if arrays else value
    if isinstance(value, tuple):
        return tuple(copy_tree(v, arrays) for v in value)
    return value


def model_state(model: Any) -> dict[str, np.ndarray]:
    """Copies of the model's weights by name (``state_dict()``, else parameters in order)."""
    if getattr(type(model), "state_dict", None) is Module.state_dict:  # copies already
        return model.state_dict()  # type: ignore[no-any-return]
    if hasattr(model, "state_dict"):
        items = model.state_dict().items()
    else:
        items = ((f"param{i}", p) for i, p in enumerate(model.parameters()))
    return {name: np.array(value, copy=True) for name, value in items}


def load_model_state(model: Any, state: dict[str, np.ndarray]) -> None:
    """Put weights from :func:`model_state` back into ``model``."""
    if hasattr(model, "load_state_dict"):
        model.load_state_dict({k: np.array(v, copy=True) for k, v in state.items()})
        return
    for i, p in enumerate(model.parameters()):
        p.data[...] = state[f"param{i}"]


def load_weights(path: Path) -> dict[str, np.ndarray] | None:
    """Weights written for a run (``model.npz``, ``best.npz``), or None if there is no file."""
    if not path.exists():
        return None
    return {name: np.asarray(value) for name, value in load(path).items()}


def _optional_state(obj: Any) -> Any:
    """A copy of ``obj.state_dict()`` that training on cannot change, or None."""
    if obj is None or not hasattr(obj, "state_dict"):
        return None
    state = obj.state_dict()
    method = getattr(type(obj), "state_dict", None)
    if method is LRScheduler.state_dict:  # a deep copy already
        return state
    if method is Optimizer.state_dict:
        # Its groups are new dicts with new lists of indices, and its buffers copies already (a
        # large model's Adam moments would otherwise be copied twice after every epoch): only a
        # hyper-parameter that is a container (a list of betas) is shared with the optimizer.
        for group in state["param_groups"]:
            for key, value in group.items():
                if type(value) not in _ATOMS and key != "params":
                    group[key] = copy_tree(value)
        state["state"] = copy_tree(state["state"], arrays=False)
        return state
    return copy_tree(state)  # another optimizer's may share lists or arrays with the live one


@dataclass
class Snapshot:
    """Everything needed to continue training after ``progress.epoch`` as if never stopped."""

    progress: Progress
    model: dict[str, np.ndarray]
    optimizer: Any
    schedule: Any
    rngs: dict[str, Any]

    @property
    def epoch(self) -> int:
        return self.progress.epoch

    @classmethod
    def take(cls, run: Run, previous: Snapshot | None = None) -> Snapshot:
        """Copies of ``run``'s state at the end of an epoch (the generators' states need no
        copy: ``bit_generator.state`` makes a new one on every read). ``previous``, the last
        snapshot of the same training, lends its copies of the history's rows."""
        return cls(
            progress=run.progress.copy(previous.progress if previous is not None else None),
            model=model_state(run.model),
            optimizer=_optional_state(run.optimizer),
            schedule=_optional_state(run.schedule),
            rngs={name: g.bit_generator.state for name, g in run.rngs.items()},
        )

    def restore(self, run: Run) -> None:
        """Put this snapshot's state into ``run``: its progress, model, optimizer, schedule
        and random generators, so training continues from the snapshot's epoch."""
        run.progress = self.progress.copy()
        load_model_state(run.model, self.model)
        if self.optimizer is not None:
            run.optimizer.load_state_dict(copy_tree(self.optimizer))
        if self.schedule is not None and run.schedule is not None:
            run.schedule.load_state_dict(copy_tree(self.schedule))
        for name, state in self.rngs.items():
            if name in run.rngs:
                run.rngs[name].bit_generator.state = copy_tree(state)

    def rewind(self, run: Run) -> None:
        """Put back what a stopped epoch may have changed: the progress and the model."""
        run.progress = self.progress.copy()
        load_model_state(run.model, self.model)

    def save(self, folder: Path) -> None:
        """Write ``checkpoint.npz``: a dict of this snapshot's fields, the progress's fields
        (``epoch``, ``history``, ...) at its top level beside ``model`` and the others."""
        state = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "progress"}
        save({**self.progress.to_state(), **state}, folder / CHECKPOINT)

    @classmethod
    def load(cls, folder: Path) -> Snapshot:
        """The snapshot in ``folder``'s checkpoint; :class:`CheckpointError` if unusable."""
        path = folder / CHECKPOINT
        if not path.exists():
            raise CheckpointError(f"{path} does not exist")
        state = load(path)
        own = {f.name for f in fields(cls)} - {"progress"}
        if not isinstance(state, dict) or set(state) != own | set(PROGRESS_FIELDS):
            raise CheckpointError(f"{path} is not a run checkpoint")
        progress = Progress.from_state({name: state[name] for name in PROGRESS_FIELDS})
        return cls(progress=progress, **{name: state[name] for name in own})


@dataclass
class Checkpoints:
    """What the loop has finished, kept in memory: the last epoch's snapshot and best weights."""

    last: Snapshot | None = None
    best_model: dict[str, np.ndarray] | None = None
    on_disk: int | None = None  # the epoch checkpoint.npz in the run folder holds, if any

    def write(self, folder: RunFolder, written: Callable[[str], None]) -> None:
        """Write the checkpoint and weights, calling ``written(name)`` after each file.

        ``model.npz`` is the last finished epoch's weights; ``best.npz`` the best epoch's by the
        monitored metric; ``checkpoint.npz`` the state ``--resume`` continues from, written last
        so that it never holds an epoch the weights beside it do not. A write that fails raises
        :class:`~nanograd.run.errors.FolderWriteError` and leaves that file as it was.
        """
        if self.last is None:
            return
        weights = {"model.npz": self.last.model, "best.npz": self.best_model}
        for name, state in weights.items():
            if state is not None:
                with folder.writing(name) as path:
                    save(state, path)
                written(name)
        with folder.writing(CHECKPOINT):
            self.last.save(folder.path)
        self.on_disk = self.last.epoch
        written(CHECKPOINT)
