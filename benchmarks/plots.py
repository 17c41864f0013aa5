"""What a run's plots cost beside its training: matplotlib's import, and each figure's drawing.

- **whole runs**: ``python -m nanograd.run experiments/moons.py`` (and ``linreg.py``) as a
  user types it, with its plots and with ``--no-plots``, alternating; the difference is what the
  plots cost the run.
- **import**: a fresh interpreter importing ``nanograd.run`` and ``matplotlib.figure`` (what the
  first figure brings) against ``nanograd.run`` alone, which is all a run without plots imports.
- **one figure**: moons' decision boundary and a three-panel loss figure on a log axis, made and
  saved as PNG in one process after a warm-up, through ``png_bytes`` (one draw on an Agg canvas)
  and through ``Figure.savefig`` (which draws a figure with a layout engine twice); making the
  figure alone is timed too, so each save is the difference.

Every figure is a median over interleaved repeats measured in this one run, so the ratios hold
on a shared, noisy machine where the absolute numbers do not.

    python benchmarks/plots.py [--repeats 7] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python benchmarks/plots.py``: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from benchmarks.timing import ROOT, interleaved, process_seconds, python

EXPERIMENTS = ("moons", "linreg")


def whole_runs(repeats: int, out: Path) -> dict[str, float]:
    """Wall seconds of each experiment as a command, with and without its plots."""
    commands = {}
    for name in EXPERIMENTS:
        command = [sys.executable, "-m", "nanograd.run", str(ROOT / "experiments" / f"{name}.py"),
                   "--seed", "0", "--quiet", "--out", str(out)]  # fmt: skip
        commands[f"{name} with plots"] = command
        commands[f"{name} --no-plots"] = [*command, "--no-plots"]
    return process_seconds(commands, repeats)


def imports(repeats: int) -> dict[str, float]:
    return process_seconds(
        {
            "import nanograd.run": python("import nanograd.run"),
            "import nanograd.run, matplotlib.figure": python(
                "import nanograd.run, matplotlib.figure"
            ),
        },
        repeats,
    )


class _Moons:
    """What ``decision_boundary`` reads of a run: the inputs' dtype and a prediction."""

    def __init__(self, X: np.ndarray) -> None:
        self.data = type("Data", (), {"train": type("Split", (), {"X": X})})()

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.sin(3 * X[:, :1]) - X[:, 1:2] + 0.3


def _boundary() -> Any:
    from nanograd.run.plotting import decision_boundary, new_figure

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 2, size=(100, 2))
    y = np.where(X[:, 1] > np.sin(3 * X[:, 0]) + 0.3, 1.0, -1.0).reshape(-1, 1)
    fig, ax = new_figure()
    decision_boundary(ax, _Moons(X), X, y)
    ax.set_title("two moons (train accuracy 100%)")
    return fig


def _loss() -> Any:
    from nanograd.run.plotting import loss_curves

    history = [
        {"epoch": e, "train_loss": 1.0 / e, "train_accuracy": 1 - 1.0 / e,
         "lr": 1.0 - 0.9 * e / 200, "seconds": 0.01}
        for e in range(1, 201)
    ]  # fmt: skip
    return loss_curves(history, "moons: loss and metrics per epoch", "train_loss", 150, "hinge")


def figures(repeats: int) -> dict[str, float]:
    """Seconds to make each figure, and to make and save it each way."""
    from nanograd.run.plotting import png_bytes

    def savefig(fig: Any) -> bytes:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        return buffer.getvalue()

    cases = {}
    for name, make in (("boundary", _boundary), ("loss", _loss)):
        cases[f"{name}: make"] = make
        cases[f"{name}: make + png_bytes"] = lambda make=make: png_bytes(make())
        cases[f"{name}: make + savefig"] = lambda make=make: savefig(make())
    return interleaved(cases, repeats, warmup=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seconds = {
            **whole_runs(args.repeats, Path(tmp)),
            **imports(args.repeats),
            **figures(args.repeats),
        }
    if args.json:
        print(json.dumps(seconds, indent=2))
        return
    for name in EXPERIMENTS:
        with_plots, without = seconds[f"{name} with plots"], seconds[f"{name} --no-plots"]
        print(f"{name:7} with plots {with_plots:6.2f} s   --no-plots {without:6.2f} s   "
              f"plots cost {with_plots - without:5.2f} s")  # fmt: skip
    base = seconds["import nanograd.run"]
    extra = seconds["import nanograd.run, matplotlib.figure"] - base
    print(f"import  nanograd.run {base:5.2f} s   matplotlib.figure on top {extra:5.2f} s")
    for name in ("boundary", "loss"):
        made = seconds[f"{name}: make"]
        ours = seconds[f"{name}: make + png_bytes"] - made
        theirs = seconds[f"{name}: make + savefig"] - made
        print(f"{name:8} make {made * 1e3:6.1f} ms   save: png_bytes {ours * 1e3:6.1f} ms, "
              f"savefig {theirs * 1e3:6.1f} ms ({ours / theirs:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
