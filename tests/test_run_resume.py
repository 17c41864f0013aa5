"""Ctrl-C leaves a valid interrupted run; --resume finishes it exactly as if never stopped."""

from __future__ import annotations

import signal
import time

import numpy as np
import pytest
from test_run_support import (
    read_metrics,
    run,
    run_folder,
    run_subprocess,
    summary,
    weights,
    write_experiment,
    write_module,
)

import nanograd as ng

# An MLP with dropout, Adam and a cosine schedule: weights, optimizer moments, the schedule's
# step, the shuffling generator and the dropout generator must all come back exactly.
ARGS = ("--seed", 21, "width=8", "epochs=12")


def wait_for_epochs(child, folder_parent, epochs, timeout=120.0):
    """The run folder of ``child``, once its metrics.csv has ``epochs`` rows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()
        folders = list(folder_parent.glob("line/*/metrics.csv"))
        if folders and len(folders[0].read_text().splitlines()) > epochs:
            return folders[0].parent
        time.sleep(0.02)
    raise AssertionError("the run never reached the epoch to interrupt")


def interrupt_after(child, folder_parent, epochs, sig=signal.SIGINT):
    """Send ``sig`` to ``child`` once its metrics.csv has ``epochs`` rows; return the folder."""
    folder = wait_for_epochs(child, folder_parent, epochs)
    child.send_signal(sig)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """An uninterrupted run, and the same run interrupted by SIGINT after two epochs."""
    tmp = tmp_path_factory.mktemp("resume")
    experiment = write_experiment(tmp)
    assert run(experiment, *ARGS, "--out", tmp / "whole", "--quiet") == 0
    whole = run_folder(tmp / "whole")
    # sleep=0.05 per forward pass: about a quarter of a second per epoch, time to catch it.
    child = run_subprocess(experiment, *ARGS, "sleep=0.05", "--out", tmp / "cut", cwd=tmp)
    cut = interrupt_after(child, tmp / "cut", epochs=2)
    out, err = child.communicate(timeout=120)
    return {"whole": whole, "cut": cut, "code": child.returncode, "out": out, "err": err}


def test_sigint_exits_130_and_marks_the_run_interrupted(runs):
    assert runs["code"] == 130, runs["err"]
    s = summary(runs["cut"])
    assert s["status"] == "interrupted"
    assert "Traceback" not in runs["err"]
    assert f"continue with: python -m nanograd.run --resume {runs['cut']}" in runs["err"]


def test_the_interrupted_folder_holds_the_last_finished_epoch(runs):
    folder = runs["cut"]
    s = summary(folder)
    finished = s["epochs"]["completed"]
    assert 2 <= finished < 12
    assert len(read_metrics(folder)) == finished
    checkpoint = ng.load(folder / "checkpoint.npz")
    assert checkpoint["epoch"] == finished
    final = weights(folder / "model.npz")
    assert all(np.array_equal(final[k], checkpoint["model"][k]) for k in final)
    for name in ("config.json", "log.txt", "best.npz", "loss.png", "fit.png"):
        assert (folder / name).exists()


def test_the_interrupted_run_matches_the_whole_run_so_far(runs):
    cut = read_metrics(runs["cut"])
    assert cut == read_metrics(runs["whole"])[: len(cut)]


def test_resume_continues_to_the_same_final_metrics_bit_for_bit(runs):
    assert run("--resume", runs["cut"], "--quiet") == 0
    assert summary(runs["cut"])["status"] == "completed"
    assert read_metrics(runs["cut"]) == read_metrics(runs["whole"])
    resumed, whole = weights(runs["cut"] / "model.npz"), weights(runs["whole"] / "model.npz")
    assert all(np.array_equal(resumed[k], whole[k]) for k in whole)
    assert summary(runs["cut"])["final"] == pytest.approx(
        {**summary(runs["whole"])["final"], "seconds": summary(runs["cut"])["final"]["seconds"]},
        abs=0,
    )


def test_resuming_a_completed_run_is_refused(runs, capsys):
    whole = runs["whole"]
    assert run("--resume", whole) == 2
    assert "this run already completed" in capsys.readouterr().err


def test_resuming_a_folder_that_is_not_a_run_is_an_error(tmp_path, capsys):
    assert run("--resume", tmp_path) == 2
    assert "not a run folder" in capsys.readouterr().err


# Everything after training (checkpoint, evaluation, plots, summary) survives Ctrl-C as well.


def interrupted_in_plots(tmp_path, *args):
    """A run of the small experiment whose plots() presses Ctrl-C twice; its folder."""
    experiment = write_experiment(tmp_path)
    marker = tmp_path / "interrupt-once"
    marker.touch()
    code = run(experiment, f"interrupt_plots={str(marker)!r}", "--seed", 5, "--out",
               tmp_path / "runs", "--quiet", *args)  # fmt: skip
    assert code == 130
    assert not marker.exists()  # the interruption really happened
    return run_folder(tmp_path / "runs")


def test_a_second_ctrl_c_while_plotting_still_writes_the_summary(tmp_path):
    folder = interrupted_in_plots(tmp_path, "epochs=3")
    s = summary(folder)
    assert s["status"] == "interrupted"
    assert s["message"].startswith("training had finished, but evaluation and plots were cut")
    assert s["epochs"]["completed"] == 3
    assert ng.load(folder / "checkpoint.npz")["epoch"] == 3
    assert "fit.png" not in s["files"]


def test_resume_after_an_interruption_while_plotting_finishes_evaluation_and_plots(tmp_path):
    folder = interrupted_in_plots(tmp_path, "epochs=3")
    rows = read_metrics(folder)
    assert run("--resume", folder, "--quiet") == 0
    s = summary(folder)
    assert s["status"] == "completed"
    assert read_metrics(folder) == rows  # no epoch trained twice
    assert set(s["evaluation"]) == {"train_rmse"}
    assert (folder / "fit.png").exists()


def test_a_run_that_stopped_early_stays_stopped_when_resumed(tmp_path):
    # min_delta larger than any change: epoch 1 is the best, and patience=1 stops at epoch 2.
    folder = interrupted_in_plots(tmp_path, "epochs=10", "patience=1", "min_delta=1e9")
    assert summary(folder)["epochs"]["completed"] == 2
    assert run("--resume", folder, "--quiet") == 0
    s = summary(folder)
    assert s["epochs"]["completed"] == 2
    assert s["message"].startswith("stopped early at epoch 2")


def test_resume_uses_the_copy_of_an_experiment_file_edited_since(tmp_path, capsys):
    folder = interrupted_in_plots(tmp_path, "epochs=2")
    original = tmp_path / "line.py"
    original.write_text(original.read_text().replace('"train_rmse"', '"edited"'))
    assert run("--resume", folder) == 0
    assert set(summary(folder)["evaluation"]) == {"train_rmse"}
    assert f"{original} changed since the run started" in capsys.readouterr().out


# A checkpoint written during training: a run killed outright can be resumed.

EVERY_EPOCH = """
import nanograd.run.training

nanograd.run.training.CHECKPOINT_SECONDS = 0.0  # checkpoint after every epoch
"""


def test_a_run_killed_outright_resumes_from_its_last_checkpoint(runs, tmp_path):
    experiment = write_experiment(tmp_path)
    write_module(tmp_path, "checkpoint_every_epoch", EVERY_EPOCH)
    child = run_subprocess(experiment, *ARGS, "sleep=0.05", "-p", "checkpoint_every_epoch",
                           "--out", tmp_path / "cut", cwd=tmp_path,
                           env={"PYTHONPATH": str(tmp_path)})  # fmt: skip
    folder = interrupt_after(child, tmp_path / "cut", epochs=3, sig=signal.SIGKILL)
    child.communicate(timeout=120)
    assert summary(folder)["status"] == "running"  # it never had the chance to say otherwise
    assert ng.load(folder / "checkpoint.npz")["epoch"] >= 2
    assert run("--resume", folder, "--quiet") == 0
    assert read_metrics(folder) == read_metrics(runs["whole"])
    assert set(summary(folder)["files"]) == set(summary(runs["whole"])["files"])


def test_resuming_a_run_killed_before_its_first_checkpoint_says_so(tmp_path, capsys):
    experiment = write_experiment(tmp_path)
    child = run_subprocess(experiment, "sleep=0.05", "--out", tmp_path / "cut", cwd=tmp_path)
    folder = interrupt_after(child, tmp_path / "cut", epochs=1, sig=signal.SIGKILL)
    child.communicate(timeout=120)
    assert run("--resume", folder) == 2
    assert "the process ended before its first checkpoint was written" in capsys.readouterr().err


def test_resuming_a_run_that_is_still_training_is_refused(tmp_path, capsys):
    experiment = write_experiment(tmp_path)
    child = run_subprocess(experiment, "sleep=0.05", "epochs=50", "--out", tmp_path / "live",
                           cwd=tmp_path)  # fmt: skip
    folder = wait_for_epochs(child, tmp_path / "live", epochs=1)
    assert run("--resume", folder) == 2
    err = capsys.readouterr().err
    assert f"this run is still training in process {child.pid}" in err
    child.send_signal(signal.SIGINT)
    child.communicate(timeout=120)
    assert summary(folder)["status"] == "interrupted"
