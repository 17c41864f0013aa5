"""Sweeps on a real Dask cluster: a scheduler and two workers started here on loopback, as
`dask scheduler` and `dask worker` processes, each worker in a folder of its own.

The sweep itself runs as a child process too, so this test process never holds a Dask client
(whose threads would make the fork-based local pools of other tests unsafe).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_run_support import read_metrics, run, summary
from test_sweep_support import (
    start_sweep,
    sweep_folder,
    sweep_record,
    sweep_rows,
    write_sweep_experiment,
)

from nanograd.sweep.plan import run_seeds


def dask(*args, log: Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``python -m dask *args`` with its output in ``log``, in its own process group."""
    handle = log.open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args], cwd=cwd, stdout=handle, stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})}, start_new_session=True,
    )  # fmt: skip


def wait_for(predicate, what, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, needs):
    needs.module("distributed", "pip install 'nanograd-numpy[cluster]'")
    tmp = tmp_path_factory.mktemp("cluster")
    scheduler_file = tmp / "scheduler.json"
    processes = []
    # A job whose worker dies is retried once, then reported (KilledWorker); the default is 3.
    env = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    processes.append(dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                          "--scheduler-file", scheduler_file, log=tmp / "scheduler.log", cwd=tmp,
                          env=env))  # fmt: skip
    wait_for(scheduler_file.exists, "the scheduler")
    workers = []
    for name in ("w1", "w2"):
        home = tmp / name
        (home / "tmp").mkdir(parents=True)
        workers.append(home)
        processes.append(dask("worker", "--scheduler-file", scheduler_file, "--nthreads", "1",
                              "--name", name, "--no-dashboard", "--host", "127.0.0.1",
                              "--local-directory", home / "dask", log=tmp / f"{name}.log",
                              cwd=home, env={"TMPDIR": str(home / "tmp")}))  # fmt: skip
    for name in ("w1", "w2"):
        log = tmp / f"{name}.log"
        wait_for(lambda log=log: "Registered to" in log.read_text(), f"worker {name}")
    address = json.loads(scheduler_file.read_text())["address"]
    try:
        yield {"address": address, "file": scheduler_file, "workers": workers, "tmp": tmp}
    finally:
        for process in reversed(processes):
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # a nanny still restarting a killed worker
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


@pytest.fixture(scope="module")
def grid(cluster):
    """A 2x2 grid on the cluster, submitted from a folder the workers never see."""
    here = cluster["tmp"] / "submitter"
    experiment = write_sweep_experiment(here / "experiment")
    child = start_sweep(experiment, "lr=0.05,0.1", "optimizer=sgd,adam", "--seed", 11,
                        "--cluster", cluster["address"], "--out", here / "runs", "--no-plots",
                        cwd=here)  # fmt: skip
    out, err = child.communicate(timeout=300)
    return {"code": child.returncode, "out": out, "err": err, "pid": child.pid,
            "folder": sweep_folder(here / "runs"), "experiment": experiment}  # fmt: skip


def test_a_grid_on_the_cluster_gives_the_metrics_of_each_config_run_alone(grid, tmp_path):
    assert grid["code"] == 0, grid["err"]
    rows = sweep_rows(grid["folder"])
    assert [(r["lr"], r["optimizer"], r["status"]) for r in rows] == [
        ("0.05", "sgd", "completed"), ("0.05", "adam", "completed"),
        ("0.1", "sgd", "completed"), ("0.1", "adam", "completed"),
    ]  # fmt: skip
    assert [int(r["seed"]) for r in rows] == run_seeds(11, 4)  # as a local sweep's
    for row in rows:
        folder = grid["folder"] / row["folder"]
        command = json.loads((folder / "config.json").read_text())["command"]
        alone = tmp_path / row["folder"]
        assert run(*command[3:], "--out", alone, "--quiet") == 0
        assert read_metrics(folder) == read_metrics(next((alone / "line").iterdir()))


def test_the_runs_ran_on_the_workers_and_their_folders_landed_here(grid, cluster):
    for entry in sweep_record(grid["folder"])["runs"]:
        run_dir = grid["folder"] / entry["folder"]
        session = summary(run_dir)["sessions"][0]
        assert session["pid"] == entry["worker"]["pid"] != grid["pid"]
        assert entry["worker"]["blas_threads"] == 1
        assert summary(run_dir)["run_dir"] == str(run_dir)
        for name in ("config.json", "metrics.csv", "model.npz", "checkpoint.npz", "log.txt"):
            assert (run_dir / name).is_file()
    for home in cluster["workers"]:
        assert not list(home.rglob("summary.json"))  # nothing was left on the workers' side
        assert not list((home / "tmp").iterdir())


def test_the_scheduler_file_names_the_cluster_too(cluster, tmp_path):
    experiment = write_sweep_experiment(tmp_path / "experiment")
    child = start_sweep(experiment, "lr=0.05,0.1", "epochs=1", "--cluster", cluster["file"],
                        "--out", tmp_path / "runs", "--no-plots", cwd=tmp_path)  # fmt: skip
    _, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    assert {r["status"] for r in sweep_rows(sweep_folder(tmp_path / "runs"))} == {"completed"}


def test_a_worker_without_a_plugin_the_sweep_loaded_stops_it_with_one_message(cluster, tmp_path):
    experiment = write_sweep_experiment(tmp_path / "experiment")
    plugins = tmp_path / "plugins"  # importable here, not on the workers
    plugins.mkdir()
    (plugins / "only_here.py").write_text("import nanograd as ng\n")
    child = start_sweep(experiment, "lr=0.05,0.1", "-p", "only_here", "--cluster",
                        cluster["address"], "--out", tmp_path / "runs", cwd=tmp_path,
                        env={"PYTHONPATH": str(plugins)})  # fmt: skip
    _, err = child.communicate(timeout=300)
    assert child.returncode == 2, err
    assert "Traceback" not in err
    assert "lacks what the jobs need" in err and "only_here" in err
    assert "Every worker needs nanograd and the plugins loaded here" in err
    record = sweep_record(sweep_folder(tmp_path / "runs"))
    assert {r["status"] for r in record["runs"]} == {"cancelled"}


def test_a_run_that_kills_its_workers_fails_and_the_others_complete(cluster, tmp_path):
    experiment = write_sweep_experiment(tmp_path / "experiment")
    child = start_sweep(experiment, "trouble=none,die", "--seed", 3, "--cluster",
                        cluster["address"], "--out", tmp_path / "runs", "--no-plots",
                        cwd=tmp_path)  # fmt: skip
    _, err = child.communicate(timeout=300)
    assert child.returncode == 1, err
    rows = {r["trouble"]: r for r in sweep_rows(sweep_folder(tmp_path / "runs"))}
    assert rows["none"]["status"] == "completed"
    assert rows["die"]["status"] == "failed"
    assert "KilledWorker" in rows["die"]["message"]
