"""The plotter: ``loss.png`` for every run, then each figure of the experiment's ``plots(run)``.

Plots are drawn when the run ends, whatever its status, as long as an epoch finished, so an
interrupted or failed run still shows how far it got; each of its plots then says so at the top
of its title. A plot that fails is reported as a warning naming the experiment file; it does not
change the run's status.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from nanograd.hookspecs import hookimpl
from nanograd.run.context import Run
from nanograd.run.experiment import where_in
from nanograd.run.folder import RunFolder

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class Plotter:
    """Saves the run's figures as PNG files in the run folder."""

    @hookimpl
    def nanograd_run_end(self, run: Run, status: str, metrics: dict[str, float]) -> None:
        if run.folder is None or not run.history:
            return
        with np.errstate(all="ignore"):  # a diverged run's huge losses overflow a log scale
            self._plot(run, run.folder, status)

    def _plot(self, run: Run, folder: RunFolder, status: str) -> None:
        from nanograd.run.plotting import loss_curves  # matplotlib loads only when plotting

        title = f"{run.name}: loss and metrics per epoch (run {folder.path.name})"
        figure = loss_curves(run.history, title, run.monitor, run.best_epoch, run.config["loss"])
        self._save(run, folder, "loss", figure, status)
        if not run.experiment.has("plots"):
            return
        try:
            figures = run.experiment.module.plots(run)
        except Exception as exc:
            run.console.error(
                f"warning: {run.experiment.path}: plots() raised {type(exc).__name__}: {exc}"
                f"{where_in(exc, run.experiment.path)}; the run's other files are written"
            )
            return
        if not isinstance(figures, dict):
            run.console.error(
                f"warning: {run.experiment.path}: plots() must return a dict of "
                f"name -> matplotlib Figure, got {type(figures).__name__}"
            )
            return
        for name, fig in figures.items():
            if not isinstance(name, str) or not _NAME.match(name) or name == "loss":
                run.console.error(
                    f"warning: {run.experiment.path}: plots() returned the name {name!r}; a plot "
                    "name is a file name without extension (letters, digits, _ . -), not 'loss'"
                )
                continue
            if not hasattr(fig, "savefig"):
                run.console.error(
                    f"warning: {run.experiment.path}: plots() returned {type(fig).__name__} for "
                    f"{name!r}; expected a matplotlib Figure"
                )
                continue
            self._save(run, folder, name, fig, status)

    @staticmethod
    def _save(run: Run, folder: RunFolder, name: str, fig: Any, status: str) -> None:
        from nanograd.run.plotting import mark_unfinished, png_bytes

        if status != "completed":
            mark_unfinished(fig, status, run.epoch, run.config["epochs"])
        file = f"{name}.png"
        folder.write_bytes(file, png_bytes(fig))
        run.add_file(file)
        _close(fig)


def _close(fig: Any) -> None:
    """Release a figure; one made through pyplot must also leave pyplot's registry."""
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
