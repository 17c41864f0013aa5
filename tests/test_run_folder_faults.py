"""A run folder that can no longer be written (a full disk, a folder made read-only or deleted
mid-run) ends the run ``failed`` with the reason: one paragraph, exit code 2, the last good
checkpoint loadable and named, nothing already written truncated, and the run resumable once
the disk has room again.

The in-process tests inject the faults (see ``run_faults.failing_writes``); the last tests do
it for real, on small tmpfs file systems of several sizes and a folder remounted read-only, in
a private mount namespace (``unshare -m``, as root: CI runs as root).
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from run_faults import failing_writes
from test_run_support import (
    PNG_SIGNATURE,
    read_metrics,
    run,
    run_folder,
    summary,
    write_experiment,
)

import nanograd as ng


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The metrics of the small experiment run whole on a disk with room (seed 1, 6 epochs)."""
    tmp = tmp_path_factory.mktemp("reference")
    assert run(write_experiment(tmp), "--seed", 1, "--out", tmp / "runs", "--quiet") == 0
    return read_metrics(run_folder(tmp / "runs"))


def error_line(err: str) -> str:
    """The run's last message on standard error: one line, no traceback."""
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("failed after")]
    return line


def check_whole(folder: Path) -> None:
    """Every file in ``folder`` is whole: JSON parses, archives load, PNGs have their header,
    metrics.csv parses; no temporary file is left behind."""
    for path in folder.rglob("*"):
        assert not path.name.endswith(".tmp"), f"left behind: {path}"
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".npz":
            ng.load(path)
        elif path.suffix == ".png":
            assert path.read_bytes()[:8] == PNG_SIGNATURE
    if (folder / "metrics.csv").exists():
        read_metrics(folder)


def test_a_disk_that_fills_up_mid_run_fails_the_run_keeping_the_last_checkpoint(
    tmp_path, capsys, reference
):
    experiment = write_experiment(tmp_path)
    with failing_writes(tmp_path / "runs", errno.ENOSPC, at=4):
        code = run(experiment, "--seed", 1, "--out", tmp_path / "runs", "--quiet")
    folder = run_folder(tmp_path / "runs")
    line = error_line(capsys.readouterr().err)
    assert code == 2
    assert (
        f"cannot write metrics.csv in {folder}: No space left on device (the disk is full)" in line
    )
    assert "checkpoint.npz holds epoch 3" in line
    assert f"Free some space, then continue with: python -m nanograd.run --resume {folder}" in line
    s = summary(folder)  # written in the room the run's reserve gave back
    assert s["status"] == "failed" and s["message"] in line
    assert not (folder / ".reserve").exists()
    check_whole(folder)
    assert ng.load(folder / "checkpoint.npz")["epoch"] == 3
    assert read_metrics(folder) == reference[:3]
    assert run("--resume", folder, "--quiet") == 0  # room again: it goes on as if never stopped
    assert read_metrics(folder) == reference
    assert summary(folder)["status"] == "completed"


def test_a_folder_made_read_only_mid_run_fails_the_run_and_resumes_once_writable(
    tmp_path, capsys, reference
):
    experiment = write_experiment(tmp_path)
    with failing_writes(tmp_path / "runs", errno.EROFS, at=3):
        code = run(experiment, "--seed", 1, "--out", tmp_path / "runs", "--quiet")
    folder = run_folder(tmp_path / "runs")
    line = error_line(capsys.readouterr().err)
    assert code == 2
    assert (
        f"cannot write metrics.csv in {folder}: Read-only file system (the folder is read" in line
    )
    assert "checkpoint.npz holds epoch 2. Make the folder writable, then continue with" in line
    assert (
        "summary.json could not be written (Read-only file system): it still says 'running'" in line
    )
    assert summary(folder)["status"] == "running"  # as the folder said when it became read-only
    check_whole(folder)
    assert run("--resume", folder, "--quiet") == 0
    assert read_metrics(folder) == reference


DELETE_AT_EPOCH_2 = """
import shutil

import nanograd as ng


@ng.hookimpl
def nanograd_epoch_end(run, epoch, metrics):
    if epoch == 2:
        shutil.rmtree(run.folder.path)
"""


def test_a_run_folder_deleted_mid_run_fails_the_run_in_one_paragraph(tmp_path, capsys):
    from test_run_support import unload_plugins, write_module

    experiment = write_experiment(tmp_path)
    name = write_module(tmp_path, "delete_at_epoch_2", DELETE_AT_EPOCH_2)
    try:
        code = run(experiment, "-p", name, "--out", tmp_path / "runs", "--quiet")
    finally:
        unload_plugins()
    line = error_line(capsys.readouterr().err)
    assert code == 2
    assert (
        "No such file or directory (the folder was deleted or moved while the run was going)"
        in line
    )
    assert line.endswith("nothing more could be saved there")
    assert list((tmp_path / "runs" / "line").iterdir()) == []


def test_a_disk_full_before_the_folder_is_whole_leaves_nothing_behind(tmp_path, capsys):
    experiment = write_experiment(tmp_path)
    with failing_writes(tmp_path / "runs", errno.ENOSPC):
        assert run(experiment, "--out", tmp_path / "runs") == 2
    err = capsys.readouterr().err
    assert f"cannot write a run folder under --out {tmp_path / 'runs'}: No space left" in err
    assert "(the disk is full); nothing was kept" in err
    assert list((tmp_path / "runs" / "line").iterdir()) == []


# -- the real thing: small file systems that fill up ---------------------------------------------

SIZES = ("16k", "40k", "64k", "80k", "96k", "160k")

DRIVER = """
import contextlib, io, json, shutil, subprocess, sys
from pathlib import Path

import nanograd as ng
from nanograd import plugins
from nanograd.run import main, training

work, experiment, sizes = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
training.CHECKPOINT_SECONDS = 0.0  # a checkpoint every epoch: there is one to keep


class ReadOnlyAt:
    @ng.hookimpl
    def nanograd_epoch_end(self, run, epoch, metrics):
        if epoch == 3:  # the folder becomes read-only, for root too
            path = str(run.folder.path)
            subprocess.run(["mount", "--bind", path, path], check=True)
            subprocess.run(["mount", "-o", "remount,ro,bind", path], check=True)


def attempt(name, mount, args):
    place = work / name
    place.mkdir()
    subprocess.run(["mount", *mount, str(place)], check=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([experiment, "--seed", "1", "--out", str(place), *args])
    shutil.copytree(place, work / f"kept-{name}")  # before the mount goes with this process
    return {"name": name, "code": code, "err": err.getvalue()}


results = [attempt(s, ["-t", "tmpfs", "-o", f"size={s}", "tmpfs"], []) for s in sizes]
plugins.manager().register(ReadOnlyAt(), name="read-only-at-3")
results.append(attempt("read-only", ["-t", "tmpfs", "-o", "size=10m", "tmpfs"], ["--no-plots"]))
print(json.dumps(results))
"""


def can_unshare() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def small_disks(tmp_path_factory, needs):
    """The small experiment run on tmpfs file systems of each size in SIZES, and on one made
    read-only at the end of epoch 3, in one process in a private mount namespace."""
    needs("a private mount namespace (unshare -m, as root)", can_unshare(), "run as root")
    work = tmp_path_factory.mktemp("disks")
    experiment = write_experiment(work)
    (work / "driver.py").write_text(textwrap.dedent(DRIVER))
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "driver.py", str(work),
         str(experiment), ",".join(SIZES)],
        cwd=work, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {r["name"]: r for r in json.loads(done.stdout.splitlines()[-1])}
    for r in results.values():
        folders = list((work / f"kept-{r['name']}").glob("line/*"))
        r["folder"] = folders[0] if folders else None
    return results


def test_on_every_size_of_disk_the_run_ends_in_one_paragraph_with_whole_files(small_disks):
    for r in small_disks.values():
        assert r["code"] in (0, 2), r
        assert "Traceback" not in r["err"], r["err"]
        if r["code"] == 2:
            assert r["err"].count("\n") == 1, r["err"]  # one paragraph
        if r["folder"] is not None:
            check_whole(r["folder"])


def test_a_disk_too_small_for_the_folder_leaves_none(small_disks):
    r = small_disks["16k"]
    assert r["code"] == 2 and r["folder"] is None
    assert "No space left on device" in r["err"] and "nothing was kept" in r["err"]


def test_a_disk_that_fills_mid_run_says_failed_and_which_checkpoint_it_keeps(small_disks):
    failed = [r for r in small_disks.values() if r["folder"] is not None and r["code"] == 2]
    assert len(failed) >= 3  # the sizes reach the folder, the training and the plots
    for r in failed:
        s = summary(r["folder"])
        assert s["status"] == "failed" or "it still says 'running'" in r["err"]
        assert "(the disk is full)" in r["err"] or "read-only" in r["err"]
        if (r["folder"] / "checkpoint.npz").exists():
            epoch = ng.load(r["folder"] / "checkpoint.npz")["epoch"]
            assert f"checkpoint.npz holds epoch {epoch}" in r["err"]


def test_what_a_full_disk_kept_resumes_to_the_whole_run(small_disks, reference, tmp_path):
    resumed = 0
    for r in small_disks.values():
        if r["code"] != 2 or r["folder"] is None or not (r["folder"] / "checkpoint.npz").exists():
            continue
        folder = tmp_path / r["name"]
        shutil.copytree(r["folder"], folder)  # the same folder, on a disk with room
        with contextlib.redirect_stdout(io.StringIO()):
            assert run("--resume", folder, "--quiet", "--no-plots") == 0
        assert read_metrics(folder) == reference
        resumed += 1
    assert resumed >= 2


def test_a_folder_remounted_read_only_mid_run_keeps_its_checkpoint(small_disks):
    r = small_disks["read-only"]
    assert r["code"] == 2
    assert "Read-only file system (the folder is read-only)" in r["err"]
    assert "it still says 'running'" in r["err"]
    epoch = ng.load(r["folder"] / "checkpoint.npz")["epoch"]
    assert epoch == 2 and "checkpoint.npz holds epoch 2" in r["err"]
    model = ng.load(r["folder"] / "model.npz")
    assert all(np.array_equal(model[k], ng.load(r["folder"] / "checkpoint.npz")["model"][k])
               for k in model)  # fmt: skip
