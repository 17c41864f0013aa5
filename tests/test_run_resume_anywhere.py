"""``--resume`` works from any working directory, with the experiment's local modules as they
were, and is not blocked forever by a process id that now belongs to another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from run_faults import interrupted_run
from test_run_support import EXPERIMENT, read_metrics, run, run_folder, summary, write_experiment

from nanograd.run.sessions import start_time

REPO = Path(__file__).resolve().parent.parent

# The small experiment, with its data coming from a module beside it.
HELPER = """
def targets(x, rng):
    return 2 * x + 3 + 0.1 * rng.standard_normal(x.shape)
"""
WITH_HELPER = EXPERIMENT.replace(
    "import nanograd as ng\n", "import nanograd as ng\nimport linehelper\n"
).replace(
    "return x, 2 * x + 3 + 0.1 * rng.standard_normal(x.shape)",
    "return x, linehelper.targets(x, rng)",
)


@pytest.fixture(autouse=True)
def fresh_helper():
    """Each test imports its own ``linehelper``, as a new process would."""
    sys.modules.pop("linehelper", None)
    yield
    sys.modules.pop("linehelper", None)


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working directory unrelated to the experiment's."""
    place = tmp_path / "elsewhere"
    place.mkdir()
    monkeypatch.chdir(place)
    return place


def test_a_run_started_with_a_relative_path_resumes_from_another_directory(
    tmp_path, monkeypatch, elsewhere
):
    project = tmp_path / "project"
    (project / "exp").mkdir(parents=True)
    write_experiment(project / "exp", "line", WITH_HELPER)
    (project / "exp" / "linehelper.py").write_text(textwrap.dedent(HELPER))
    monkeypatch.chdir(project)
    assert run("exp/line.py", "--seed", 4, "--out", "whole", "--quiet", "--no-plots") == 0
    folder = interrupted_run_at(project, "exp/line.py")
    config = json.loads((folder / "config.json").read_text())
    assert config["file"] == "exp/line.py" and config["path"] == str(project / "exp" / "line.py")
    assert (folder / "modules" / "linehelper.py").read_text() == textwrap.dedent(HELPER)
    monkeypatch.chdir(elsewhere)
    sys.modules.pop("linehelper", None)  # a new process would import it afresh
    assert run("--resume", folder, "--quiet", "--no-plots") == 0
    assert read_metrics(folder) == read_metrics(run_folder(project / "whole"))


def test_an_edited_local_module_is_taken_from_the_run_folders_copy(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    project.mkdir()
    write_experiment(project, "line", WITH_HELPER)
    helper = project / "linehelper.py"
    helper.write_text(textwrap.dedent(HELPER))
    monkeypatch.chdir(project)
    assert run("line.py", "--seed", 4, "--out", "whole", "--quiet", "--no-plots") == 0
    folder = interrupted_run_at(project, "line.py")
    helper.write_text("def targets(x, rng):\n    raise RuntimeError('edited since')\n")
    sys.modules.pop("linehelper", None)
    assert run("--resume", folder, "--no-plots") == 0
    assert f"{helper} changed since the run started" in capsys.readouterr().out
    assert read_metrics(folder) == read_metrics(run_folder(project / "whole"))


def interrupted_run_at(project: Path, experiment: str) -> Path:
    """The run of ``experiment`` (relative to the working directory ``project``), interrupted
    at the end of epoch 2."""
    from run_faults import CTRL_C_AT
    from test_run_support import unload_plugins, write_module

    name = write_module(project, "ctrl_c_at_2", CTRL_C_AT.format(at=2))
    try:
        code = run(experiment, "--seed", 4, "-p", name, "--out", "cut", "--quiet", "--no-plots")
    finally:
        unload_plugins()
    assert code == 130
    return run_folder(project / "cut")


def test_the_shipped_digits_cnn_resumes_from_another_directory(tmp_path, monkeypatch):
    """It imports digits.py from beside it: the case that could only resume where it began."""
    pytest.importorskip("sklearn")
    pytest.importorskip("nanograd_conv")
    monkeypatch.chdir(REPO)
    small = ("augment=False", "channels=[1, 1]", "epochs=2", "test_fraction=0.9", "batch_size=None")
    from run_faults import CTRL_C_AT
    from test_run_support import unload_plugins, write_module

    name = write_module(tmp_path, "ctrl_c_at_1", CTRL_C_AT.format(at=1))
    try:
        code = run("experiments/digits_cnn.py", *small, "--seed", 2, "-p", name,
                   "--out", tmp_path / "runs", "--quiet", "--no-plots")  # fmt: skip
    finally:
        unload_plugins()
    assert code == 130
    folder = run_folder(tmp_path / "runs", "digits_cnn")
    assert (folder / "modules" / "digits.py").exists()
    child = subprocess.run(
        [sys.executable, "-m", "nanograd.run", "--resume", str(folder), "--quiet", "--no-plots"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    assert summary(folder)["status"] == "completed"


# -- a process id that now belongs to someone else --------------------------------------------


@pytest.fixture
def stranded(tmp_path):
    """An interrupted run whose summary.json says ``running`` (as after a crash)."""
    folder = interrupted_run(tmp_path)
    s = summary(folder)
    s["status"] = "running"
    (folder / "summary.json").write_text(json.dumps(s))
    return folder


def claim(folder: Path, pid: int, process: str | None) -> None:
    """Record ``pid`` (started at ``process``) as the process of the run's last session."""
    s = summary(folder)
    session = {k: v for k, v in s["sessions"][-1].items() if k != "process"}
    session["pid"] = pid
    if process is not None:
        session["process"] = process
    s["sessions"][-1] = session
    (folder / "summary.json").write_text(json.dumps(s))


@pytest.fixture
def python_process():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield child
    child.kill()
    child.wait()


def test_a_live_process_recorded_for_the_run_blocks_resume_and_force_overrides(
    stranded, python_process, capsys
):
    claim(stranded, python_process.pid, start_time(python_process.pid))
    before = (stranded / "summary.json").read_bytes()
    assert run("--resume", stranded) == 2
    err = capsys.readouterr().err
    assert f"this run is still training in process {python_process.pid} (" in err
    assert sys.executable in err  # the command of that process, to judge by
    assert "If that process is not this run, resume with --force" in err
    assert (stranded / "summary.json").read_bytes() == before
    assert run("--resume", stranded, "--force", "--quiet", "--no-plots") == 0
    assert summary(stranded)["status"] == "completed"


def test_a_process_id_reused_by_another_process_does_not_block_resume(stranded, python_process):
    claim(stranded, python_process.pid, "another-boot:12345")  # the run's process started then
    assert run("--resume", stranded, "--quiet", "--no-plots") == 0


def test_an_old_record_naming_a_process_that_is_not_python_does_not_block_resume(stranded):
    other = subprocess.Popen(["sleep", "120"])
    try:
        claim(stranded, other.pid, None)  # recorded before start times were
        assert run("--resume", stranded, "--quiet", "--no-plots") == 0
    finally:
        other.kill()
        other.wait()


def test_a_session_records_when_its_process_started(tmp_path):
    folder = interrupted_run(tmp_path)
    session = summary(folder)["sessions"][-1]
    assert session["pid"] == os.getpid()
    assert session["process"] == start_time(os.getpid()) is not None
