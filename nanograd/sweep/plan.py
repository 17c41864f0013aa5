"""The runs of a sweep: the grid's points, the random trials, the seeds, in a fixed order.

The runs are the cartesian product of the grid keys (the last key varies fastest), crossed with
the trials when there is random search (each trial draws every sampled key once and runs at every
grid point, so grid values are compared on the same draws), each repeated ``seeds`` times. Run
``i``'s seed comes from the sweep seed and ``i`` alone (``SeedSequence.spawn``); the trials' draws
come from a separate branch of the same seed. So the same command and seed give the same runs,
and one run can be repeated alone from the seed and overrides in its config.json.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanograd.run.config import apply_overrides
from nanograd.run.errors import ConfigError
from nanograd.sweep.grammar import Choices, format_value, parse_value
from nanograd.sweep.samplers import Sampler

_SAMPLES, _RUNS = 0, 1  # the two branches of the sweep seed


@dataclass
class Space:
    """What the command line sweeps: fixed values, grid axes and samplers, in the order given."""

    order: list[str] = field(default_factory=list)
    fixed: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    samplers: dict[str, Sampler] = field(default_factory=dict)

    @property
    def swept(self) -> list[str]:
        """The keys whose value changes from run to run, in command-line order."""
        return [k for k in self.order if k in self.grid or k in self.samplers]

    @property
    def is_sweep(self) -> bool:
        return bool(self.grid or self.samplers)

    def points(self) -> int:
        count = 1
        for values in self.grid.values():
            count *= len(values)
        return count


def parse_space(texts: Mapping[str, str]) -> Space:
    """The space of ``key -> value text`` overrides (see :mod:`nanograd.sweep.grammar`)."""
    space = Space()
    for key, text in texts.items():
        space.order.append(key)
        parsed = parse_value(key, text)
        if isinstance(parsed, Sampler):
            space.samplers[key] = parsed
        elif isinstance(parsed, Choices) and parsed.swept:
            space.grid[key] = list(parsed.values)
        else:
            space.fixed[key] = parsed.values[0]
    return space


@dataclass(frozen=True)
class RunSpec:
    """One run of the sweep: its index, where it sits in the sweep, and what it overrides."""

    index: int
    trial: int
    repeat: int
    values: dict[str, Any]  # the swept keys' values for this run, in command-line order
    seed: int
    overrides: dict[str, Any]  # every override of this run: the fixed ones and ``values``

    def label(self) -> str:
        """``lr=0.1 optimizer=adam``: the swept values, as the command line writes them."""
        return " ".join(f"{k}={format_value(v)}" for k, v in self.values.items())


def run_seeds(sweep_seed: int, count: int) -> list[int]:
    """The seed of each of ``count`` runs: run ``i``'s depends on ``sweep_seed`` and ``i`` only."""
    branch = np.random.SeedSequence(sweep_seed).spawn(2)[_RUNS]
    return [int(child.generate_state(1)[0]) for child in branch.spawn(count)]


def draw_trials(space: Space, trials: int, sweep_seed: int) -> list[dict[str, Any]]:
    """Each trial's sampled values, drawn key by key from the sweep seed's sampling branch."""
    rng = np.random.default_rng(np.random.SeedSequence(sweep_seed).spawn(2)[_SAMPLES])
    return [
        {key: sampler.draw(rng) for key, sampler in space.samplers.items()} for _ in range(trials)
    ]


def expand(space: Space, trials: int, seeds: int, sweep_seed: int) -> list[RunSpec]:
    """Every run of the sweep, in order: trial, then grid point, then seed."""
    grid_points = [
        dict(zip(space.grid, combination, strict=True))
        for combination in itertools.product(*space.grid.values())
    ]
    draws = draw_trials(space, trials, sweep_seed) if space.samplers else [{}] * trials
    layout = [
        (trial, point, repeat)
        for trial in range(len(draws))
        for point in grid_points
        for repeat in range(seeds)
    ]
    run_seed = run_seeds(sweep_seed, len(layout))
    specs = []
    for index, (trial, point, repeat) in enumerate(layout):
        chosen = {**point, **draws[trial]}
        values = {k: chosen[k] for k in space.swept}
        overrides = {k: space.fixed[k] if k in space.fixed else chosen[k] for k in space.order}
        specs.append(RunSpec(index, trial, repeat, values, run_seed[index], overrides))
    return specs


def resolve(
    experiment_config: Mapping[str, Any],
    specs: Sequence[RunSpec],
    max_epochs: int | None,
    sampled: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Each run's resolved config; a value no run can use is an error naming the run's values."""
    configs = []
    for spec in specs:
        where = f"command line ({spec.label()})" if spec.values else "command line"
        try:
            config = apply_overrides(experiment_config, spec.overrides, where=where)
        except ConfigError as exc:
            raise ConfigError(f"{exc}{_sampler_hint(str(exc), sampled)}") from exc
        if max_epochs is not None:
            config["epochs"] = min(config["epochs"], max_epochs)
        configs.append(config)
    return configs


def _sampler_hint(message: str, sampled: Sequence[str]) -> str:
    """uniform() draws floats; an integer key needs another sampler."""
    if any(f"config key {key!r} expects int" in message for key in sampled):
        return " (an integer key is sampled with randint(low, high) or choice(...))"
    return ""
