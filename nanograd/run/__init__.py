"""The experiment runner: ``python -m nanograd.run experiments/linreg.py``.

An experiment file is a plain module (``config``, ``data``, ``model``, optionally ``metrics``,
``evaluate``, ``plots``); the runner trains it with the optimizer, schedule and loss its config
names, and writes a run folder. See docs/experiments.md. Modules, one job each:

- ``cli``: the command line; ``runner``: a run from start to finish;
- ``config``: defaults and overrides; ``experiment``: loading experiment files;
- ``data``: checking, splitting and batching; ``build``: seeded data, model and optimizer;
- ``components``: optimizer, schedule and loss by name; ``training``: the epoch loop;
- ``checkpoint``: snapshots of training and the files they become; ``folder``: the run folder;
- ``console``: output and log.txt; ``signals``: Ctrl-C; ``provenance``: versions and git;
- ``lifecycle``: the built-in progress bar, metrics writer and plotter plugins;
- ``plotting`` and ``metrics``: helpers for experiment files.
"""

from __future__ import annotations

from nanograd.run.cli import main
from nanograd.run.context import Run
from nanograd.run.errors import ConfigError, ExperimentError
from nanograd.run.experiment import require

__all__ = ["ConfigError", "ExperimentError", "Run", "main", "require"]
