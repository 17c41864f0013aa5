"""A reader that leaves early (``| head``, ``less`` quit, a closed terminal) costs nothing.

Each command runs as a real child process whose standard output is a pipe (or a terminal) the
test closes while the child is held at a gate: a file the test creates only after closing. So
every line the child prints after the gate meets a pipe nobody reads, whatever the timing. A run
or sweep still trains to the end and writes its whole folder; no command prints a traceback or
"Exception ignored", and each exits with the status it would have had.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_run_support import open_terminal, read_metrics, run, run_subprocess, summary, weights
from test_sweep_support import sweep_folder, sweep_record

# A line fitted in a few epochs, whose first training step marks ``ready`` (the intro lines are
# printed by then) and waits until the test creates ``gate``. (The runner's check of the model
# before training runs without gradients.)
GATED_EXPERIMENT = """
import time
from pathlib import Path

import nanograd as ng

config = {"n": 32, "epochs": 3, "batch_size": 16, "optimizer": "sgd", "lr": 0.1, "loss": "mse"}
GATE = Path(r"{gate}")


class Line(ng.nn.Module):
    def __init__(self, rng):
        super().__init__()
        self.line = ng.nn.Linear(1, 1, generator=rng)
        self.waited = False

    def forward(self, x):
        if not self.waited and ng.is_grad_enabled():
            (GATE.parent / "ready").touch()
            deadline = time.monotonic() + 20
            while not GATE.exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("the test never opened the gate")
                time.sleep(0.005)
            self.waited = True
        return self.line(x)


def data(config, rng):
    x = rng.uniform(-1, 1, size=(config["n"], 1))
    return x, 2 * x + 3


def model(config, rng):
    return Line(rng)
"""

# A plugin module that holds a command back, before it prints anything, until ``gate`` exists.
GATED_PLUGIN = """
import time
from pathlib import Path

deadline = time.monotonic() + 20
while not Path(r"{gate}").exists() and time.monotonic() < deadline:
    time.sleep(0.005)
"""

RUN_FILES = {
    "config.json", "experiment.py", "log.txt", "metrics.csv", "model.npz", "best.npz",
    "checkpoint.npz", "loss.png", "summary.json",
}  # fmt: skip


@pytest.fixture
def gate(tmp_path: Path) -> Path:
    return tmp_path / "gate"


@pytest.fixture
def experiment(tmp_path: Path, gate: Path) -> Path:
    path = tmp_path / "line.py"
    path.write_text(GATED_EXPERIMENT.replace("{gate}", str(gate)))
    return path


def wait_until_ready(tmp_path: Path, child: subprocess.Popen[str]) -> None:
    """Until the child's model waits at the gate (its intro lines printed)."""
    deadline = time.monotonic() + 60
    while not (tmp_path / "ready").exists():
        assert child.poll() is None, "the child ended before it reached the gate"
        assert time.monotonic() < deadline, "the child never reached the gate"
        time.sleep(0.005)


def assert_whole_run(folder: Path) -> dict:
    """The run in ``folder`` completed its 3 epochs and wrote every file a run writes."""
    record = summary(folder)
    assert record["status"] == "completed"
    assert record["epochs"] == {"planned": 3, "completed": 3}
    assert set(record["files"]) >= RUN_FILES
    assert {f.name for f in folder.iterdir()} >= RUN_FILES
    assert "completed after 3 epochs" in (folder / "log.txt").read_text()
    return record


def assert_whole_sweep(folder: Path) -> None:
    """The sweep in ``folder`` completed both its runs and wrote its report."""
    record = sweep_record(folder)
    assert record["status"] == "completed"
    assert [r["status"] for r in record["runs"]] == ["completed", "completed"]
    for entry in record["runs"]:
        assert summary(folder / entry["folder"])["epochs"]["completed"] == 3
    assert {f.name for f in folder.iterdir()} >= {"sweep.json", "sweep.csv", "report.html"}
    assert "sweep completed: 2 runs" in (folder / "log.txt").read_text()


def assert_quiet(stderr: Path) -> None:
    """Nothing on standard error: no traceback, no "Exception ignored" from the exit's flush."""
    text = stderr.read_text()
    assert "Traceback" not in text and "Exception ignored" not in text, text
    assert text == ""


def test_a_run_whose_reader_leaves_trains_to_the_end_and_writes_its_whole_folder(
    tmp_path, experiment, gate
):
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as err:
        child = run_subprocess(experiment, "--seed", 5, "--out", tmp_path / "runs",
                               cwd=tmp_path, stderr=err)  # fmt: skip
        wait_until_ready(tmp_path, child)
        assert child.stdout is not None
        first = child.stdout.readline()  # shown at once, not held back in a buffer
        child.stdout.close()  # the reader leaves, as head does after its lines
        gate.touch()
        code = child.wait(timeout=60)
    assert first.startswith("line · "), first
    assert_quiet(stderr)
    assert code == 0
    (folder,) = (tmp_path / "runs" / "line").iterdir()
    record = assert_whole_run(folder)
    log = (folder / "log.txt").read_text()  # the lines nobody read are in the log
    assert "epoch 3/3" in log and f"wrote {folder}/" in log

    # The same run with nobody leaving trains the same epochs to the same weights.
    assert run(experiment, "--seed", 5, "--out", tmp_path / "alone", "--quiet") == 0
    (alone,) = (tmp_path / "alone" / "line").iterdir()
    assert read_metrics(folder) == read_metrics(alone)
    assert set(summary(alone)["files"]) == set(record["files"])
    for name, array in weights(alone / "model.npz").items():
        assert (weights(folder / "model.npz")[name] == array).all()


@pytest.mark.parametrize("sweep", [False, True], ids=["run", "sweep"])
def test_a_command_whose_terminal_closes_trains_to_the_end(tmp_path, experiment, gate, sweep):
    args = ("lr=0.1,0.2", "--workers", 2, "--no-plots") if sweep else ()
    terminal, child_end = open_terminal()
    child = run_subprocess(experiment, *args, "--out", tmp_path / "runs", cwd=tmp_path,
                           stdout=child_end, stderr=child_end)  # fmt: skip
    os.close(child_end)
    wait_until_ready(tmp_path, child)
    shown = b""
    while b"\n" not in shown:
        shown += os.read(terminal, 4096)
    # What a closing terminal does: SIGHUP to the command, and every later write fails (EIO).
    child.send_signal(signal.SIGHUP)
    os.close(terminal)
    gate.touch()
    assert child.wait(timeout=60) == 0
    assert b"line \xc2\xb7 " in shown
    if sweep:
        assert_whole_sweep(sweep_folder(tmp_path / "runs", "line"))
    else:
        (folder,) = (tmp_path / "runs" / "line").iterdir()
        assert_whole_run(folder)


def test_a_sweep_whose_reader_leaves_runs_every_run_to_the_end(tmp_path, experiment, gate):
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as err:
        child = run_subprocess(experiment, "lr=0.1,0.2", "--workers", 2, "--no-plots",
                               "--out", tmp_path / "runs", cwd=tmp_path, stderr=err)  # fmt: skip
        wait_until_ready(tmp_path, child)
        assert child.stdout is not None
        first = child.stdout.readline()
        child.stdout.close()
        gate.touch()
        code = child.wait(timeout=60)
    assert first.startswith("sweep line · "), first
    assert_quiet(stderr)
    assert code == 0
    assert_whole_sweep(sweep_folder(tmp_path / "runs", "line"))


def test_a_run_started_without_standard_output_or_error_writes_its_whole_folder(
    tmp_path, experiment, gate
):
    gate.touch()
    closed = 'exec "$0" "$@" >&- 2>&-'  # Python then has sys.stdout and sys.stderr as None
    child = subprocess.run(
        ["sh", "-c", closed, sys.executable, "-m", "nanograd.run", str(experiment),
         "--out", str(tmp_path / "runs")],
        cwd=tmp_path, env={**os.environ, "MPLBACKEND": "Agg"}, timeout=60,
    )  # fmt: skip
    assert child.returncode == 0
    (folder,) = (tmp_path / "runs" / "line").iterdir()
    assert_whole_run(folder)


@pytest.mark.parametrize(
    "command",
    [
        ["nanograd.plugins", "--ops"],
        ["nanograd.check", "--op", "add", "--examples", "2"],
        ["nanograd.run", "EXPERIMENT", "--print-config"],
        ["nanograd.run", "EXPERIMENT", "lr=0.1,0.2", "--print-config"],
    ],
    ids=["plugins", "check", "print-config", "sweep-print-config"],
)
def test_a_listing_whose_reader_has_left_stops_quietly_with_its_status(
    tmp_path, experiment, gate, command
):
    """These commands print at the end, when the work is done: the rest of the output is
    dropped and the status is what the command would have returned (0 here)."""
    plugin = tmp_path / "hold_back.py"
    plugin.write_text(GATED_PLUGIN.replace("{gate}", str(gate)))
    module, *args = [str(experiment) if a == "EXPERIMENT" else a for a in command]
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", module, *args, "-p", str(plugin)], cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=err, env={**os.environ, "MPLBACKEND": "Agg"},
        )  # fmt: skip
        assert child.stdout is not None
        child.stdout.close()  # before the command prints its first line
        gate.touch()
        code = child.wait(timeout=60)
    assert_quiet(stderr)
    assert code == 0
