"""Learning-rate schedules, with PyTorch's class names and a factory by short name.

Each schedule writes ``lr`` into every parameter group of its optimizer when ``step()`` is
called (once per epoch, or per batch, as the caller chooses). Rates are computed in closed form
from the initial rate and the step count, so a schedule resumed from its ``state_dict()`` gives
exactly the rates of an uninterrupted one.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from nanograd.lookup import UnknownName, find
from nanograd.optim import checks
from nanograd.optim.optimizer import Optimizer

_PLAIN = frozenset({int, float, bool, str, type(None)})


def _copy_attribute(value: Any) -> Any:
    """A copy of a schedule's attribute that stepping the schedule on cannot change: a list of
    numbers copied as it is, anything else (a subclass's own state) deep-copied."""
    if type(value) is list and _PLAIN.issuperset(map(type, value)):
        return list(value)
    return copy.deepcopy(value)


class LRScheduler:
    """Base class: subclasses give the rate at step ``t`` in :meth:`lr_at`.

    Construction sets step 0's rate (PyTorch's convention); each ``step()`` advances one.
    ``step(metric)`` accepts a metric so a caller can step every schedule the same way; only
    :class:`ReduceLROnPlateau` reads it.
    """

    requires_metric = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an nanograd.optim.Optimizer, got "
                f"{type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: last_epoch={last_epoch} resumes a schedule, but "
                    f"parameter group {i} has no 'initial_lr'; load the optimizer's state first"
                )
        self.base_lrs: list[float] = [float(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self.step()

    def lr_at(self, base_lr: float, step: int) -> float:
        """The learning rate at ``step`` (0, 1, ...) for a group whose initial rate is
        ``base_lr``."""
        raise NotImplementedError

    def step(self, metric: float | None = None) -> None:
        """Advance one step and set each group's ``lr``."""
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.lr_at(base, self.last_epoch)
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (a copy), to resume with :meth:`load_state_dict`."""
        # The runner takes one after every epoch, where copy.deepcopy of the whole dict cost
        # more than the rest of its snapshot: numbers and strings (most of what a schedule
        # holds) need no copy, and only the other attributes are copied.
        state = dict(self.__dict__)
        state.pop("optimizer", None)
        for key, value in state.items():
            if type(value) not in _PLAIN:
                state[key] = _copy_attribute(value)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from :meth:`state_dict`, and put the rates in force when it was taken back into
        the optimizer's groups, so the next ``optimizer.step()`` uses them whichever of the
        optimizer and the schedule was built or loaded first."""
        unknown = set(state_dict) - (set(self.__dict__) - {"optimizer"})
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: unexpected entries {sorted(unknown)}; "
                "was it saved from another schedule?"
            )
        rates = [float(lr) for lr in state_dict.get("_last_lr", self._last_lr)]
        groups = self.optimizer.param_groups
        if len(rates) != len(groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state dict holds rates for "
                f"{len(rates)} parameter group(s), the optimizer has {len(groups)}"
            )
        self.__dict__.update(copy.deepcopy(dict(state_dict)))
        self.base_lrs = [float(x) for x in self.base_lrs]
        self._last_lr = rates
        for group, lr in zip(groups, rates, strict=True):
            group["lr"] = lr


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` steps."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = checks.integer("StepLR", "step_size", step_size)
        self.gamma = checks.nonnegative("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, step: int) -> float:
        return base_lr * self.gamma ** (step // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every step."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = checks.nonnegative("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, step: int) -> float:
        return base_lr * self.gamma**step


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from the initial rate down to ``eta_min`` over ``T_max`` steps.

    ``eta_min + (base - eta_min)·(1 + cos(π·t / T_max)) / 2``; after ``T_max`` the rate stays
    at ``eta_min`` (PyTorch's recursive form would climb again).
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = checks.integer("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = checks.nonnegative("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, step: int) -> float:
        t = min(step, self.T_max)
        return (
            self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2
        )


class LinearLR(LRScheduler):
    """Scale the rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters``
    steps, then hold it: a linear warm-up (``start_factor=0.1``) or a linear decay."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.start_factor = checks.nonnegative("LinearLR", "start_factor", start_factor)
        self.end_factor = checks.nonnegative("LinearLR", "end_factor", end_factor)
        self.total_iters = checks.integer("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, step: int) -> float:
        t = min(step, self.total_iters)
        factor = self.start_factor + (self.end_factor - self.start_factor) * t / self.total_iters
        return base_lr * factor


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when ``metric`` (passed to ``step``) has not improved
    for more than ``patience`` steps; PyTorch's arguments and semantics.

    Improvement means below ``best·(1 - threshold)`` in ``mode="min"`` with
    ``threshold_mode="rel"`` (``best - threshold`` with ``"abs"``; mirrored for ``"max"``).
    After a reduction, ``cooldown`` steps pass before bad steps count again; the rate never goes
    below ``min_lr``, and a change smaller than ``eps`` is skipped.
    """

    requires_metric = True

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        owner = "ReduceLROnPlateau"
        if mode not in ("min", "max"):
            raise ValueError(f"{owner}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{owner}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        checks.in_range(owner, "factor", factor, 0, 1)
        checks.integer(owner, "patience", patience, low=0)
        checks.integer(owner, "cooldown", cooldown, low=0)
        groups = optimizer.param_groups
        mins = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * len(groups)
        if len(mins) != len(groups):
            raise ValueError(
                f"{owner}: min_lr has {len(mins)} values for {len(groups)} parameter groups"
            )
        self.mode = mode
        self.factor = float(factor)
        self.patience = patience
        self.threshold = checks.nonnegative(owner, "threshold", threshold)
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.min_lrs = [checks.nonnegative(owner, "min_lr", m) for m in mins]
        self.eps = checks.nonnegative(owner, "eps", eps)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.optimizer = optimizer
        self.last_epoch = 0
        self.base_lrs = [float(g["lr"]) for g in groups]
        self._last_lr = list(self.base_lrs)

    def _is_better(self, current: float) -> bool:
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return current < self.best * (1.0 - self.threshold)
            return current < self.best - self.threshold
        if self.threshold_mode == "rel":
            return current > self.best * (1.0 + self.threshold)
        return current > self.best + self.threshold

    def step(self, metric: float | None = None) -> None:
        """Record ``metric`` (required) and reduce the rate if it has stalled."""
        if metric is None:
            raise TypeError(
                "ReduceLROnPlateau.step needs the monitored metric, e.g. "
                "scheduler.step(validation_loss)"
            )
        current = float(metric)
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]


SCHEDULES: dict[str, type[LRScheduler]] = {
    "step": StepLR,
    "exponential": ExponentialLR,
    "cosine": CosineAnnealingLR,
    "warmup": LinearLR,
    "linear": LinearLR,
    "plateau": ReduceLROnPlateau,
}
"""Short names accepted by :func:`create`."""


def schedule_class(name: str) -> type[LRScheduler]:
    """The schedule class of a short name; :class:`~nanograd.lookup.UnknownName` if none."""
    return find(
        SCHEDULES, name, "schedule", registered=False, suffix=f" Valid: {', '.join(SCHEDULES)}"
    )


def create(name: str, optimizer: Optimizer, **kwargs: Any) -> LRScheduler:
    """Build a schedule by short name: ``create("cosine", opt, T_max=100)``.

    Names: step (StepLR), exponential (ExponentialLR), cosine (CosineAnnealingLR), warmup and
    linear (LinearLR), plateau (ReduceLROnPlateau, whose ``step`` takes the metric).
    """
    try:
        cls = schedule_class(name)
    except UnknownName as exc:
        raise ValueError(str(exc)) from None
    checks.keywords(f"schedule {name!r} ({cls.__name__})", cls, kwargs)
    return cls(optimizer, **kwargs)
