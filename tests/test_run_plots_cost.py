"""What a run's plots cost: matplotlib is imported only when a figure is made.

Importing matplotlib takes longer than a small run's training and every experiment file imports
``nanograd.run.plotting``, so the import tests run the command line in a fresh interpreter and
look at the modules it had loaded when it exited.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_run_support import png_size, run_folder

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
