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
)

import nanograd as ng

# An MLP with dropout, Adam and a cosine schedule: weights, optimizer moments, the schedule's
# step, the shuffling generator and the dropout generator must all come back exactly.
ARGS = ("--seed", 21, "width=8", "epochs=12")


def interrupt_after(child, folder_parent, epochs, timeout=120.0):
    """Send SIGINT to ``child`` once its metrics.csv has ``epochs`` rows; return the folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()
        folders = list(folder_parent.glob("line/*/metrics.csv"))
        if folders and len(folders[0].read_text().splitlines()) > epochs:
            child.send_signal(signal.SIGINT)
            return folders[0].parent
        time.sleep(0.02)
    raise AssertionError("the run never reached the epoch to interrupt")


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
