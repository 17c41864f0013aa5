"""Helpers shared by the runner's tests (tests/test_run_*.py); this module holds no tests.

``write_experiment`` puts a small experiment file in a folder: a line (or a small MLP with
dropout) fitted to y = 2x + 3, whose config keys let a test slow it down, make it diverge or
make it fail. ``run`` calls the CLI in-process; ``run_folder`` finds the folder a run made.
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

import numpy as np

from nanograd import plugins
from nanograd.run import main

EXPERIMENT = """
import signal
import time
from pathlib import Path

import numpy as np

import nanograd as ng

config = {
    "n": 64,
    "epochs": 6,
    "batch_size": 16,
    "optimizer": "adam",
    "lr": 0.05,
    "schedule": "cosine",
    "loss": "mse",
    "width": 0,  # 0: a straight line; otherwise an MLP with this hidden width and dropout
    "sleep": 0.0,  # seconds to wait in every forward pass, to give a signal time to arrive
    "fail_at_call": 0,  # raise from the model's forward on this call (0: never)
    "interrupt_plots": "",  # a file: if it exists, plots() deletes it and presses Ctrl-C twice
}


class Model(ng.nn.Module):
    def __init__(self, config, rng):
        super().__init__()
        if config["width"]:
            self.net = ng.nn.MLP(1, [config["width"]], 1, dropout=0.2, generator=rng)
        else:
            self.net = ng.nn.Linear(1, 1, generator=rng)
        self.sleep = config["sleep"]
        self.fail_at_call = config["fail_at_call"]
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls == self.fail_at_call:
            raise RuntimeError("the model broke on purpose")
        if self.sleep:
            time.sleep(self.sleep)
        return self.net(x)


def data(config, rng):
    x = rng.uniform(-1, 1, size=(config["n"], 1))
    return x, 2 * x + 3 + 0.1 * rng.standard_normal(x.shape)


def model(config, rng):
    return Model(config, rng)


def metrics(output, target):
    return {"mae": float(np.mean(np.abs(output - target)))}


def evaluate(run):
    error = run.predict(run.data.train.X) - run.data.train.y
    return {"train_rmse": float(np.sqrt(np.mean(error**2)))}


def plots(run):
    from nanograd.run.plotting import fit_curve, new_figure

    marker = run.config["interrupt_plots"]
    if marker and Path(marker).exists():
        Path(marker).unlink()
        signal.raise_signal(signal.SIGINT)  # the first asks the run to stop...
        signal.raise_signal(signal.SIGINT)  # ...and the second stops it at once
    fig, ax = new_figure()
    fit_curve(ax, run, run.data.train.X, run.data.train.y)
    return {"fit": fig}
"""

# A plugin giving a loss and an optimizer under names nanograd_std does not use.
TINY_PLUGIN = '''
import numpy as np

import nanograd as ng


class HeavyBall:
    """Gradient descent with momentum, kept minimal: what a third-party optimizer looks like."""

    def __init__(self, params, lr, momentum=0.9):
        self.params = list(params)
        self.param_groups = [{"lr": lr, "momentum": momentum}]
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        group = self.param_groups[0]
        for v, p in zip(self.velocity, self.params):
            v *= group["momentum"]
            v += p.grad.data
            p.data -= group["lr"] * v

    def state_dict(self):
        return {"velocity": [v.copy() for v in self.velocity], "param_groups": self.param_groups}

    def load_state_dict(self, state):
        self.velocity = [np.array(v) for v in state["velocity"]]
        self.param_groups = [dict(g) for g in state["param_groups"]]


def squared_error_sum(input, target, reduction="mean"):
    return ((input - target) ** 2).sum()


@ng.hookimpl
def nanograd_register_losses(register):
    register("squared_error_sum", squared_error_sum)


@ng.hookimpl
def nanograd_register_optimizers(register):
    register("heavy_ball", HeavyBall)
'''


def write_experiment(folder: Path, name: str = "line", source: str = EXPERIMENT) -> Path:
    """Write an experiment file ``<folder>/<name>.py`` and return its path."""
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return path


def write_module(folder: Path, name: str, source: str) -> str:
    """Write a plugin module into ``folder`` (on sys.path) and return its module name."""
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return name


def unload_plugins() -> None:
    """Forget plugin modules a test loaded with -p, so later runs in this process lack them."""
    plugins.reset()
    plugins.load()


def run(*args: Any) -> int:
    """``python -m nanograd.run *args`` in this process; the exit status."""
    return main([str(a) for a in args])


def run_folder(out: Path, experiment: str = "line") -> Path:
    """The one run folder under ``out/experiment``."""
    folders = sorted((out / experiment).iterdir())
    assert len(folders) == 1, folders
    return folders[0]


def read_metrics(folder: Path, without: tuple[str, ...] = ("seconds",)) -> list[dict[str, str]]:
    """metrics.csv as rows of strings (exact, as written), minus timing columns."""
    with (folder / "metrics.csv").open() as handle:
        return [
            {k: v for k, v in row.items() if k not in without} for row in csv.DictReader(handle)
        ]


def summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text())


def weights(path: Path) -> dict[str, np.ndarray]:
    import nanograd as ng

    return {k: np.asarray(v) for k, v in ng.load(path).items()}


def run_subprocess(
    *args: Any, cwd: Path, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.Popen[str]:
    """Start ``python -m nanograd.run *args`` as a child process with pipes for its output
    (``stderr=`` another file descriptor, e.g. a terminal, if given)."""
    full_env = {**os.environ, "MPLBACKEND": "Agg", **(env or {})}
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.Popen(
        [sys.executable, "-m", "nanograd.run", *map(str, args)],
        cwd=cwd, env=full_env, text=True, **streams,
    )  # fmt: skip


def open_terminal(columns: int = 120) -> tuple[int, int]:
    """A pseudo-terminal ``(ours, the child's)`` with a width (or tqdm has no room to draw)."""
    import fcntl
    import pty
    import struct
    import termios

    ours, theirs = pty.openpty()
    fcntl.ioctl(theirs, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    return ours, theirs


def read_terminal(ours: int) -> str:
    """Everything shown on the terminal until the child closed it."""
    shown = b""
    while True:
        try:
            chunk = os.read(ours, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(ours)
    return shown.decode(errors="replace")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header, after checking its signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
