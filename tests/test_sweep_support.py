"""Helpers shared by the sweep tests (tests/test_sweep_*.py); this module holds no tests.

``write_sweep_experiment`` writes a small experiment, a line fitted to y = 2x + 3, that imports a
helper module from beside it (as digits_cnn.py imports digits.py) and whose config keys make a
run slow, fail, diverge or kill its own process. ``sweep_folder`` finds the folder a sweep made.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

HELPER = '''
"""Data for the sweep tests' experiment, imported from beside it."""


def make_line(n, rng):
    x = rng.uniform(-1, 1, size=(n, 1))
    return x, 2 * x + 3 + 0.1 * rng.standard_normal(x.shape)
'''

EXPERIMENT = """
import os
import signal
import time

import numpy as np
from line_data import make_line

import nanograd as ng

config = {
    "n": 64,
    "epochs": 6,
    "batch_size": 16,
    "optimizer": "adam",
    "lr": 0.05,
    "loss": "mse",
    "sleep": 0.0,  # seconds to wait in every forward pass, to give a signal time to arrive
    "trouble": "none",  # "raise": an exception at epoch 2; "nan": the loss becomes NaN; "die"
}


class Model(ng.nn.Module):
    def __init__(self, config, rng):
        super().__init__()
        self.net = ng.nn.Linear(1, 1, generator=rng)
        self.sleep = config["sleep"]
        self.trouble = config["trouble"]
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.sleep:
            time.sleep(self.sleep)
        if self.calls == 6 and self.trouble == "raise":
            raise RuntimeError("the model broke on purpose")
        if self.calls == 6 and self.trouble == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        out = self.net(x)
        if self.calls >= 6 and self.trouble == "nan":
            out = out * float("nan")
        return out


def data(config, rng):
    return make_line(config["n"], rng)


def model(config, rng):
    return Model(config, rng)


def metrics(output, target):
    return {"mae": float(np.mean(np.abs(output - target)))}
"""


def write_sweep_experiment(folder: Path) -> Path:
    """``<folder>/line.py`` and the helper module ``line_data.py`` it imports."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "line_data.py").write_text(textwrap.dedent(HELPER))
    path = folder / "line.py"
    path.write_text(textwrap.dedent(EXPERIMENT))
    return path


def sweep_folder(out: Path, experiment: str = "line") -> Path:
    """The one sweep folder under ``out/experiment``."""
    folders = sorted((out / experiment).glob("sweep-*"))
    assert len(folders) == 1, folders
    return folders[0]


def sweep_record(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "sweep.json").read_text())


def sweep_rows(folder: Path, without: tuple[str, ...] = ("seconds",)) -> list[dict[str, str]]:
    """sweep.csv as rows of strings, minus timing columns."""
    with (folder / "sweep.csv").open() as handle:
        return [
            {k: v for k, v in row.items() if k not in without} for row in csv.DictReader(handle)
        ]


def start_sweep(
    *args: Any, cwd: Path, env: dict[str, str] | None = None, **streams: Any
) -> subprocess.Popen[str]:
    """``python -m nanograd.run *args`` as a child process, its output in pipes (``stderr=``
    another file descriptor, e.g. a terminal, if given)."""
    full_env = {**os.environ, "MPLBACKEND": "Agg", **(env or {})}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **streams}
    return subprocess.Popen(
        [sys.executable, "-m", "nanograd.run", *map(str, args)],
        cwd=cwd, env=full_env, text=True, **pipes,
    )  # fmt: skip
