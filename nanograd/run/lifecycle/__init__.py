"""The runner's own lifecycle plugins: progress bar, metrics writer, plotter.

They implement the same ``nanograd_run_*`` hooks a third-party plugin would, and are registered
for the length of one run. :func:`builtin_plugins` makes a fresh set for a run.
"""

from __future__ import annotations

from typing import Any

from nanograd.run.lifecycle.metrics_writer import MetricsWriter
from nanograd.run.lifecycle.plotter import Plotter
from nanograd.run.lifecycle.progress import ProgressBar


def builtin_plugins(plots: bool) -> dict[str, Any]:
    """Name -> plugin object for one run; the plotter only when plots are wanted."""
    found: dict[str, Any] = {
        "nanograd.run.progress": ProgressBar(),
        "nanograd.run.metrics": MetricsWriter(),
    }
    if plots:
        found["nanograd.run.plotter"] = Plotter()
    return found


__all__ = ["MetricsWriter", "Plotter", "ProgressBar", "builtin_plugins"]
