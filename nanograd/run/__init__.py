"""The experiment runner: ``python -m nanograd.run experiments/linreg.py``.

An experiment file is a plain module (``config``, ``data``, ``model``, optionally ``metrics``,
``evaluate``, ``plots``); the runner trains it with the optimizer, schedule and loss its config
names, and writes a run folder. See docs/experiments.md. Modules, one job each:

- ``cli``: the command line; ``runner``: a run from start to finish; ``resume``: rebuilding
  a run from its folder; ``outcome``: how a run ends and how that is told;
- ``config``: defaults and overrides; ``experiment``: loading experiment files; ``sources``:
  the local modules an experiment imports;
- ``data``: checking, splitting and batching; ``build``: seeded data, model and optimizer;
- ``components``: optimizer, schedule and loss by name; ``training``: the epoch loop;
- ``checkpoint``: snapshots of training and the files they become; ``folder``: the run folder;
- ``console``: output and log.txt; ``numeric_warnings``: NumPy's warnings as the run's lines;
  ``signals``: Ctrl-C; ``sessions``: which process a session is; ``provenance``: versions and
  git; ``errors``: the errors told as one paragraph;
- ``hookspecs``: the lifecycle hooks a plugin may implement; ``progress``: how far a run has
  come, one record; ``lifecycle``: the built-in progress bar, metrics writer and plotter plugins;
- ``plotting`` and ``metrics``: helpers for experiment files.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nanograd.run.cli import main
    from nanograd.run.context import Run
    from nanograd.run.errors import ConfigError, ExperimentError
    from nanograd.run.experiment import require

# Imported on first use: the plugin loader imports ``nanograd.run.hookspecs`` whenever plugins
# load, and that must not import the whole runner (tqdm, the training loop) with it.
_LAZY = {
    "ConfigError": "nanograd.run.errors",
    "ExperimentError": "nanograd.run.errors",
    "Run": "nanograd.run.context",
    "main": "nanograd.run.cli",
    "require": "nanograd.run.experiment",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nanograd.run' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["ConfigError", "ExperimentError", "Run", "main", "require"]
