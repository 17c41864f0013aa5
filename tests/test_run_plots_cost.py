"""What a run's plots cost: matplotlib is imported only when a figure is made, and a figure is
drawn once and saved as the pixels ``savefig`` would write.

Importing matplotlib takes longer than a small run's training and every experiment file imports
``nanograd.run.plotting``, so the import tests run the command line in a fresh interpreter and
look at the modules it had loaded when it exited.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from PIL import Image
from test_run_support import png_size, run_folder

from nanograd.run import plotting

MOONS = Path(__file__).resolve().parent.parent / "experiments" / "moons.py"

# Runs ``python -m nanograd.run ARGS...`` as the command line does, then writes the matplotlib
# modules loaded by then (at exit, whatever the exit status) to the file named first.
PROBE = """
import atexit, json, runpy, sys

report = sys.argv.pop(1)

def write_loaded_modules():
    names = sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "mpl_toolkits"))
    with open(report, "w") as handle:
        json.dump(names, handle)

atexit.register(write_loaded_modules)
sys.argv[0] = "nanograd.run"
runpy.run_module("nanograd.run", run_name="__main__", alter_sys=True)
"""


def run_command_line(tmp_path: Path, *args: object) -> tuple[int, str, list[str]]:
    """Exit status, standard error and the matplotlib modules loaded by a fresh process."""
    report = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stderr, json.loads(report.read_text())


def test_a_run_without_plots_never_imports_matplotlib(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    code, err, loaded = run_command_line(
        tmp_path, MOONS, "epochs=3", "--no-plots", "--seed", 0, "--quiet", "--out", out
    )
    assert code == 0, err
    assert loaded == []
    assert not list(run_folder(out, "moons").glob("*.png"))


def test_a_run_that_stops_on_a_config_mistake_never_imports_matplotlib(tmp_path: Path) -> None:
    code, err, loaded = run_command_line(
        tmp_path, MOONS, "lrr=0.5", "--quiet", "--out", tmp_path / "runs"
    )
    assert code == 2
    assert "unknown config key 'lrr'" in err
    assert loaded == []


def test_a_run_with_plots_writes_its_pngs_at_their_full_size(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    code, err, loaded = run_command_line(
        tmp_path, MOONS, "epochs=3", "--seed", 0, "--quiet", "--out", out
    )
    assert code == 0, err
    assert "matplotlib.figure" in loaded
    folder = run_folder(out, "moons")
    # 110 dots per inch: the boundary is 5.5 x 4.5 inches; the loss figure has three panels
    # (loss, accuracy, the decaying learning rate) of 5.0 x 3.8 inches.
    assert png_size(folder / "boundary.png") == (605, 495)
    assert png_size(folder / "loss.png") == (1650, 418)


class Run:
    """What the drawing helpers read of a run: its inputs' dtype and its predictions."""

    def __init__(self, X: np.ndarray, classes: int) -> None:
        self.data = type("Data", (), {"train": type("Split", (), {"X": X})})()
        self.classes = classes

    def predict(self, X: np.ndarray) -> np.ndarray:
        angle = np.arctan2(X[:, 1], X[:, 0])[:, None]
        if self.classes == 1:
            return np.sin(3 * angle) + X[:, :1]
        return np.cos(angle - np.arange(self.classes) * 2 * np.pi / self.classes)


def history(epochs: int) -> list[dict[str, float]]:
    """A history whose loss spans decades (a log axis), with a metric and a decaying rate."""
    return [
        {"epoch": e, "train_loss": 3.0 / e**1.5, "val_loss": 4.0 / e, "train_accuracy": 1 - 1 / e,
         "val_accuracy": 1 - 1.5 / e, "lr": 0.1 * 0.97**e, "seconds": 0.01}
        for e in range(1, epochs + 1)
    ]  # fmt: skip


def loss_figure() -> Any:
    fig = plotting.loss_curves(history(40), "run: loss", "val_loss", 31, "cross_entropy")
    plotting.mark_unfinished(fig, "interrupted", 40, 50)
    return fig


def boundary_figure(classes: int) -> Any:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    labels = rng.integers(0, max(classes, 2), size=(60, 1))
    y = labels if classes > 1 else 2 * labels - 1  # a binary model's labels are -1 and +1
    fig, ax = plotting.new_figure()
    plotting.decision_boundary(ax, Run(X, classes), X, y.astype(float))
    ax.set_title("boundary")
    return fig


def confusion_figure() -> Any:
    rng = np.random.default_rng(1)
    fig, ax = plotting.new_figure(size=(5.5, 5.0))
    plotting.confusion_matrix(ax, rng.integers(0, 10, 300), rng.integers(0, 10, 300))
    return fig


FIGURES = {
    "loss": loss_figure,
    "binary boundary": lambda: boundary_figure(1),
    "three-class boundary": lambda: boundary_figure(3),
    "confusion matrix": confusion_figure,
}


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def saved_by_savefig(fig: Any, **options: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_a_figure_is_saved_as_the_pixels_savefig_draws(name: str) -> None:
    made = FIGURES[name]
    expected = pixels(saved_by_savefig(made()))
    assert np.array_equal(pixels(plotting.png_bytes(made())), expected)


def test_saving_leaves_the_figure_its_own_canvas_and_resolution() -> None:
    fig = confusion_figure()
    canvas, dpi = fig.canvas, fig.dpi
    first = plotting.png_bytes(fig)
    assert fig.canvas is canvas and fig.dpi == dpi
    assert np.array_equal(pixels(plotting.png_bytes(fig)), pixels(first))


def test_a_matplotlibrc_asking_for_a_tight_bounding_box_is_still_honoured() -> None:
    with matplotlib.rc_context({"savefig.bbox": "tight"}):
        expected = pixels(saved_by_savefig(boundary_figure(1)))
        got = pixels(plotting.png_bytes(boundary_figure(1)))
    assert got.shape == expected.shape and got.shape[:2] != (495, 605)
    assert np.array_equal(got, expected)
