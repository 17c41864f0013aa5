"""Sweeps on this machine: a grid in worker processes gives what each run alone gives; failures,
dead workers, Ctrl-C and --resume leave a consistent sweep folder."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time

import pytest
from test_run_support import open_terminal, read_metrics, read_terminal, run, summary
from test_sweep_support import (
    start_sweep,
    sweep_folder,
    sweep_record,
    sweep_rows,
    write_sweep_experiment,
)

from nanograd.sweep.plan import run_seeds

GRID = ("lr=0.05,0.1", "optimizer=sgd,adam", "--seed", 11)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """A 2x2 grid run by two local worker processes."""
    tmp = tmp_path_factory.mktemp("grid")
    experiment = write_sweep_experiment(tmp / "experiment")
    out = tmp / "runs"
    code = run(experiment, *GRID, "--workers", 2, "--out", out, "--quiet", "--no-plots")
    return {"code": code, "folder": sweep_folder(out), "experiment": experiment, "tmp": tmp}


def test_a_grid_runs_every_combination_in_order(grid):
    assert grid["code"] == 0
    rows = sweep_rows(grid["folder"])
    assert [(r["lr"], r["optimizer"]) for r in rows] == [
        ("0.05", "sgd"), ("0.05", "adam"), ("0.1", "sgd"), ("0.1", "adam"),
    ]  # fmt: skip
    assert {r["status"] for r in rows} == {"completed"}
    assert [r["folder"] for r in rows] == ["run-000", "run-001", "run-002", "run-003"]


def test_each_run_gives_the_metrics_of_the_same_config_run_alone(grid, tmp_path):
    for row in sweep_rows(grid["folder"]):
        folder = grid["folder"] / row["folder"]
        command = json.loads((folder / "config.json").read_text())["command"]
        assert command[:3] == ["python", "-m", "nanograd.run"]
        alone = tmp_path / row["folder"]
        assert run(*command[3:], "--out", alone, "--quiet") == 0
        alone_folder = next((alone / "line").iterdir())
        assert read_metrics(folder) == read_metrics(alone_folder)
        assert float(row["train_loss"]) == summary(alone_folder)["final"]["train_loss"]


def test_run_seeds_come_from_the_sweep_seed_and_the_run_index(grid):
    seeds = [r["seed"] for r in sweep_record(grid["folder"])["runs"]]
    assert seeds == run_seeds(11, 4)
    assert len(set(seeds)) == 4
    assert run_seeds(11, 2) == seeds[:2]  # the count of runs does not change a run's seed
    for entry in sweep_record(grid["folder"])["runs"]:
        config = json.loads((grid["folder"] / entry["folder"] / "config.json").read_text())
        assert config["seed"] == entry["seed"]


def test_local_workers_are_other_processes_with_one_blas_thread(grid):
    for entry in sweep_record(grid["folder"])["runs"]:
        assert entry["worker"]["pid"] != os.getpid()
        assert entry["worker"]["blas_threads"] == 1


def test_the_sweep_folder_keeps_the_sources_and_a_folder_per_run(grid):
    folder = grid["folder"]
    assert (folder / "source" / "line.py").read_text() == grid["experiment"].read_text()
    assert (folder / "source" / "line_data.py").is_file()
    for entry in sweep_record(folder)["runs"]:
        run_dir = folder / entry["folder"]
        assert summary(run_dir)["run_dir"] == str(run_dir)
        assert f"run folder {run_dir}" in (run_dir / "log.txt").read_text()
        for name in ("config.json", "metrics.csv", "model.npz", "checkpoint.npz", "log.txt"):
            assert (run_dir / name).is_file()


def test_one_worker_runs_in_this_process_to_the_same_sweep_csv(grid, tmp_path):
    out = tmp_path / "runs"
    assert run(grid["experiment"], *GRID, "--workers", 1, "--out", out, "--quiet",
               "--no-plots") == 0  # fmt: skip
    folder = sweep_folder(out)
    assert sweep_rows(folder) == sweep_rows(grid["folder"])
    assert {e["worker"]["pid"] for e in sweep_record(folder)["runs"]} == {os.getpid()}


# -- failures -------------------------------------------------------------------------------------


def test_failing_runs_are_recorded_with_their_reason_and_the_others_go_on(grid, tmp_path, capsys):
    out = tmp_path / "runs"
    code = run(grid["experiment"], "trouble=none,raise,nan", "--seed", 2, "--workers", 2,
               "--out", out, "--no-plots")  # fmt: skip
    assert code == 1
    folder = sweep_folder(out)
    rows = {r["trouble"]: r for r in sweep_rows(folder)}
    assert rows["none"]["status"] == "completed"
    assert rows["raise"]["status"] == "failed"
    assert "RuntimeError: the model broke on purpose" in rows["raise"]["message"]
    assert rows["nan"]["status"] == "failed"
    assert "the loss became nan" in rows["nan"]["message"]
    for row in (rows["raise"], rows["nan"]):
        assert summary(folder / row["folder"])["status"] == "failed"
    err = capsys.readouterr().err
    assert f"failed: {rows['raise']['folder']} (trouble=raise seed" in err
    assert "2 of 3 runs failed" in err
    assert sweep_record(folder)["status"] == "failed"


def test_a_run_that_kills_its_worker_fails_alone(grid, tmp_path):
    out = tmp_path / "runs"
    code = run(grid["experiment"], "trouble=none,die", "--seed", 3, "--workers", 2, "--out", out,
               "--quiet", "--no-plots")  # fmt: skip
    assert code == 1
    folder = sweep_folder(out)
    rows = {r["trouble"]: r for r in sweep_rows(folder)}
    assert rows["none"]["status"] == "completed"
    assert rows["die"]["status"] == "failed"
    assert "its worker process died while running it" in rows["die"]["message"]
    died = summary(folder / rows["die"]["folder"])
    assert died["status"] == "failed" and "worker process died" in died["message"]
    config = json.loads((folder / rows["die"]["folder"] / "config.json").read_text())
    assert config["config"]["trouble"] == "die"


# -- Ctrl-C and --resume --------------------------------------------------------------------------

SLOW = ("lr=0.05,0.1,0.2", "optimizer=sgd,adam", "epochs=30", "--seed", 4, "--workers", 2)


def wait_until(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture(scope="module")
def interrupted(grid):
    """The same 3x2 sweep uninterrupted, and interrupted by SIGINT with two runs running."""
    tmp = grid["tmp"] / "interrupt"
    whole = tmp / "whole"
    assert run(grid["experiment"], *SLOW, "--out", whole, "--quiet", "--no-plots") == 0
    child = start_sweep(grid["experiment"], *SLOW, "sleep=0.02", "--out", tmp / "cut",
                        "--no-plots", cwd=tmp.parent)  # fmt: skip

    def two_completed():
        found = list((tmp / "cut" / "line").glob("sweep-*/sweep.json"))
        if not found:
            return None
        runs = json.loads(found[0].read_text())["runs"]
        return found[0].parent if sum(r["status"] == "completed" for r in runs) >= 2 else None

    folder = wait_until(two_completed)
    time.sleep(1.5)  # the next two runs are a few epochs in (an epoch sleeps 0.1 s, a run 3 s)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    return {"whole": sweep_folder(whole), "cut": folder, "code": child.returncode, "err": err}


def test_ctrl_c_cancels_pending_runs_and_leaves_a_consistent_sweep_folder(interrupted):
    assert interrupted["code"] == 130, interrupted["err"]
    assert "Traceback" not in interrupted["err"]
    folder = interrupted["cut"]
    record = sweep_record(folder)
    assert record["status"] == "interrupted"
    statuses = [r["status"] for r in record["runs"]]
    assert set(statuses) <= {"completed", "interrupted", "cancelled"}
    assert statuses.count("cancelled") >= 1
    assert "interrupted" in statuses
    assert [r["status"] for r in sweep_rows(folder)] == statuses
    for entry in record["runs"]:
        run_dir = folder / entry["folder"]
        if entry["status"] == "cancelled":
            assert not run_dir.exists()
        else:
            assert summary(run_dir)["status"] == entry["status"]
    assert f"continue with: python -m nanograd.run --resume {folder}" in interrupted["err"]


def test_resume_runs_what_did_not_complete_to_the_same_sweep_csv(interrupted):
    folder = interrupted["cut"]
    before = sweep_record(folder)["runs"]
    assert run("--resume", folder, "--quiet") == 0
    assert sweep_rows(folder) == sweep_rows(interrupted["whole"])
    after = sweep_record(folder)
    assert after["status"] == "completed"
    assert len(after["sessions"]) == 2
    # A run stopped a few epochs in went on from its checkpoint rather than from the start.
    for old, new in zip(before, after["runs"], strict=True):
        run_dir = folder / new["folder"]
        sessions = summary(run_dir)["sessions"]
        assert len(sessions) == (2 if old["status"] == "interrupted" else 1)
        if old["status"] == "completed":
            assert new["seconds"] == old["seconds"]  # not run again


def test_resuming_a_finished_sweep_is_refused(grid, capsys):
    assert run("--resume", grid["folder"]) == 2
    assert "every run of this sweep has ended" in capsys.readouterr().err


def test_resume_refuses_new_values(grid, capsys):
    assert run("--resume", grid["folder"], "lr=0.3") == 2
    assert "give no experiment file, overrides or --seed" in capsys.readouterr().err


# -- the command line -----------------------------------------------------------------------------


def test_on_a_terminal_one_bar_counts_the_runs_and_workers_print_nothing(grid, tmp_path):
    terminal, child_end = open_terminal(columns=160)
    child = start_sweep(grid["experiment"], *GRID, "--workers", 2, "--out", tmp_path / "runs",
                        "--no-plots", cwd=tmp_path, stderr=child_end)  # fmt: skip
    os.close(child_end)
    bar = read_terminal(terminal)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0, bar
    assert "sweep line: 100%" in bar and "4/4" in bar and "best val_loss" in bar
    assert "epoch" not in bar  # no run's own bar: workers print nothing
    lines = [line.split() for line in out.splitlines() if line.startswith("[")]  # one per run
    assert [words[0] for words in lines] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert sorted(words[1] for words in lines) == ["run-000", "run-001", "run-002", "run-003"]
    assert all(words[2] == "completed" and "val_loss" in words for words in lines)


def test_print_config_lists_every_runs_resolved_config_and_writes_nothing(grid, tmp_path, capsys):
    out = tmp_path / "runs"
    assert run(grid["experiment"], "lr=0.05,0.1", "--seeds", 2, "--seed", 5, "--print-config",
               "--out", out) == 0  # fmt: skip
    text = capsys.readouterr().out
    seeds = run_seeds(5, 4)
    for index, lr in enumerate([0.05, 0.05, 0.1, 0.1]):
        assert f"# run-00{index}: lr={lr} seed {seeds[index]}" in text
    assert text.count("optimizer  ") == 4
    assert not out.exists()


def test_random_search_draws_the_same_trials_from_the_same_seed(grid, tmp_path, capsys):
    args = ("lr=loguniform(1e-3,1e-1)", "optimizer=sgd,adam", "--trials", 3, "--print-config")
    assert run(grid["experiment"], *args, "--seed", 9) == 0
    first = capsys.readouterr().out
    assert run(grid["experiment"], *args, "--seed", 9) == 0
    assert capsys.readouterr().out == first
    assert run(grid["experiment"], *args, "--seed", 10) == 0
    assert capsys.readouterr().out != first
    out = tmp_path / "runs"
    assert run(grid["experiment"], *args[:4], "--seed", 9, "epochs=1", "--workers", 1,
               "--out", out, "--quiet", "--no-plots") == 0  # fmt: skip
    runs = sweep_record(sweep_folder(out))["runs"]
    assert len(runs) == 6
    lrs = [r["values"]["lr"] for r in runs]
    assert lrs[0] == lrs[1] and lrs[2] == lrs[3] and lrs[4] == lrs[5]  # a trial at each optimizer
    assert len(set(lrs)) == 3 and all(1e-3 <= lr <= 1e-1 for lr in lrs)
    assert re.search(rf"^lr +=  ?{re.escape(repr(lrs[0]))}$", first, re.M)
    folder = sweep_folder(out) / runs[2]["folder"]
    assert json.loads((folder / "config.json").read_text())["overrides"]["lr"] == lrs[2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lr=0.1,",), "an empty value between commas"),
        (("lr=uniform(0,1)",), "say how many trials with --trials N"),
        (("lr=0.1,0.2", "--trials", 2), "--trials N draws values for keys given as"),
        (("lr=0.1,-1",), "lr must be positive"),
        (("lr=0.1,0.2", "--workers", 0), "--workers must be at least 1"),
        (("lr=0.1,0.2", "--workers", 2, "--cluster", "tcp://127.0.0.1:1"), "give one or the other"),
    ],
)
def test_a_mistake_in_a_sweep_is_one_paragraph_with_exit_code_2(grid, tmp_path, capsys, args,
                                                                message):  # fmt: skip
    out = tmp_path / "runs"
    assert run(grid["experiment"], *args, "--out", out) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error: ") and "Traceback" not in err
    assert not out.exists()


def test_cluster_without_distributed_says_how_to_install_it(grid, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what an environment without it sees
    out = tmp_path / "runs"
    assert run(grid["experiment"], "lr=0.1,0.2", "--cluster", "tcp://127.0.0.1:8786",
               "--out", out) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "--cluster needs 'distributed', which is not installed" in err
    assert "[cluster]'" in err
    assert not out.exists()
