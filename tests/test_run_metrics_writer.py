"""The metrics writer renders only each epoch's new row and flushes metrics.csv to disk only as
often as the checkpoint; the file must still equal the whole history after every write."""

from __future__ import annotations

import os
from types import SimpleNamespace

from nanograd.run import training
from nanograd.run.folder import RunFolder
from nanograd.run.lifecycle.metrics_writer import FILE, MetricsWriter, to_csv


def _run(tmp_path):
    return SimpleNamespace(folder=RunFolder.new(tmp_path / "run"), history=[],
                           add_file=lambda name: None)  # fmt: skip


def _epoch(run, writer, row):
    run.history.append(row)
    writer.nanograd_epoch_end(run=run, epoch=row["epoch"], metrics=row)
    return (run.folder.file(FILE)).read_text()


def test_the_file_equals_the_history_through_a_new_column_and_a_rewind(tmp_path):
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
