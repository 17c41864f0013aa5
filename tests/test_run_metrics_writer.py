"""The metrics writer renders only each epoch's new row, rewrites metrics.csv at most every
WRITE_SECONDS (the first epoch at once, everything when the run ends, however it ends) and flushes
it to disk only as often as the checkpoint; the file must still equal the whole history after
every write."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from test_run_support import (
    read_metrics,
    run_folder,
    summary,
    unload_plugins,
    write_experiment,
    write_module,
)
from test_run_support import run as run_command

from nanograd.run import training
from nanograd.run.folder import RunFolder
from nanograd.run.lifecycle import metrics_writer
from nanograd.run.lifecycle.metrics_writer import FILE, MetricsWriter, to_csv


def _run(tmp_path):
    return SimpleNamespace(folder=RunFolder.new(tmp_path / "run"), history=[],
                           add_file=lambda name: None)  # fmt: skip


def _epoch(run, writer, row):
    run.history.append(row)
    writer.nanograd_epoch_end(run=run, epoch=row["epoch"], metrics=row)
    return (run.folder.file(FILE)).read_text()


def test_the_file_equals_the_history_through_a_new_column_and_a_rewind(tmp_path, monkeypatch):
    monkeypatch.setattr(metrics_writer, "WRITE_SECONDS", 0.0)  # every epoch
    run, writer = _run(tmp_path), MetricsWriter()
    writer.nanograd_run_start(run=run)
    for epoch in (1, 2):
        text = _epoch(run, writer, {"epoch": epoch, "train_loss": 1.0 / epoch, "lr": 0.1})
        assert text == to_csv(run.history)
    # A plugin's column from epoch 3 on: the header grows, the earlier rows get empty cells.
    text = _epoch(run, writer, {"epoch": 3, "train_loss": 0.25, "lr": 0.1, "norm": 2.0})
    assert text.splitlines() == ["epoch,train_loss,norm,lr", "1,1.0,,0.1", "2,0.5,,0.1",
                                 "3,0.25,2.0,0.1"]  # fmt: skip
    # Rewound to a snapshot's copy of the history (new row objects), then trained on.
    run.history = [dict(row) for row in run.history[:1]]
    text = _epoch(run, writer, {"epoch": 2, "train_loss": 0.75, "lr": 0.1})
    assert text == to_csv(run.history)
    assert text.splitlines()[0] == "epoch,train_loss,lr"
    writer.nanograd_run_end(run=run, status="completed", metrics={})
    assert run.folder.file(FILE).read_text() == to_csv(run.history)


def test_epochs_between_checkpoints_are_not_flushed_to_disk_but_the_end_is(tmp_path, monkeypatch):
    run, writer = _run(tmp_path), MetricsWriter()
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    monkeypatch.setattr(training, "CHECKPOINT_SECONDS", 3600.0)
    writer.nanograd_run_start(run=run)  # nothing to write yet
    for epoch in (1, 2, 3):
        _epoch(run, writer, {"epoch": epoch, "train_loss": 1.0})
    assert synced == []
    writer.nanograd_run_end(run=run, status="completed", metrics={})
    assert len(synced) == 1
    monkeypatch.setattr(training, "CHECKPOINT_SECONDS", 0.0)  # as often as every epoch
    _epoch(run, writer, {"epoch": 4, "train_loss": 1.0})
    assert len(synced) == 2


def test_the_first_row_is_written_at_once_then_rows_at_most_every_write_seconds(
    tmp_path, monkeypatch
):
    clock = [0.0]
    monkeypatch.setattr(metrics_writer, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(metrics_writer, "WRITE_SECONDS", 1.0)
    monkeypatch.setattr(training, "CHECKPOINT_SECONDS", 3600.0)
    run, writer = _run(tmp_path), MetricsWriter()
    writer.nanograd_run_start(run=run)
    assert not run.folder.file(FILE).exists()  # no epoch yet
    seen = []
    for epoch in range(1, 10):
        clock[0] = 0.25 * epoch  # a quarter of a second per epoch
        text = _epoch(run, writer, {"epoch": epoch, "train_loss": 1.0 / epoch})
        seen.append(len(text.splitlines()) - 1)
        assert text == to_csv(run.history[: seen[-1]])
    # Epoch 1 at 0.25 s, then the first epoch a second later (5, at 1.25 s), and so on.
    assert seen == [1, 1, 1, 1, 5, 5, 5, 5, 9]
    clock[0] = 2.5
    run.history.append({"epoch": 10, "train_loss": 0.1})
    writer.nanograd_epoch_end(run=run, epoch=10, metrics=run.history[-1])
    writer.nanograd_run_end(run=run, status="completed", metrics={})
    assert run.folder.file(FILE).read_text() == to_csv(run.history)


# A plugin that records how many rows metrics.csv holds as each epoch starts, and ends the run at
# the start of epoch 4 the way the test asks: Ctrl-C (SIGINT) or an error.
WATCHER = """
import signal

import nanograd as ng

seen = []


@ng.hookimpl
def nanograd_epoch_start(run, epoch, batches):
    path = run.folder.file("metrics.csv")
    seen.append(len(path.read_text().splitlines()) - 1 if path.exists() else 0)
    if epoch == 4 and ENDING == "interrupted":
        signal.raise_signal(signal.SIGINT)  # the run stops before this epoch's first batch
    if epoch == 4 and ENDING == "failed":
        raise RuntimeError("the watcher failed at epoch 4")
"""


@pytest.mark.parametrize(
    ("ending", "code", "epochs"), [("completed", 0, 6), ("interrupted", 130, 3), ("failed", 1, 3)]
)
def test_rows_not_yet_written_reach_the_file_however_the_run_ends(
    tmp_path, monkeypatch, ending, code, epochs
):
    monkeypatch.setattr(metrics_writer, "WRITE_SECONDS", 3600.0)  # only the first row in-run
    name = write_module(tmp_path, f"metrics_watcher_{ending}", f"ENDING = {ending!r}\n{WATCHER}")
    try:
        out = tmp_path / "runs"
        args = ("-p", name, "epochs=6", "--seed", 3, "--out", out, "--quiet")
        assert run_command(write_experiment(tmp_path), *args) == code
        seen = __import__(name).seen
    finally:
        unload_plugins()
    folder = run_folder(out)
    assert seen[1:] == [1] * (len(seen) - 1)  # during the run, the file held epoch 1 alone
    s = summary(folder)
    assert s["status"] == ending
    assert s["epochs"]["completed"] == epochs
    assert [int(row["epoch"]) for row in read_metrics(folder)] == list(range(1, epochs + 1))
