"""The run folder: what a run leaves behind, written atomically and never overwritten."""

from __future__ import annotations

import itertools
import json
import os
import stat

import numpy as np
import pytest
from test_run_support import (
    png_size,
    read_metrics,
    run,
    run_folder,
    summary,
    weights,
    write_experiment,
)

import nanograd as ng
from nanograd.run.folder import RunFolder


@pytest.fixture
def finished(tmp_path):
    """A completed run of the small experiment: its folder."""
    experiment = write_experiment(tmp_path)
    assert run(experiment, "--seed", 11, "epochs=5", "--out", tmp_path / "runs", "--quiet") == 0
    return run_folder(tmp_path / "runs")


def test_the_folder_is_named_by_experiment_timestamp_and_id(finished, tmp_path):
    assert finished.parent == tmp_path / "runs" / "line"
    date, time, short_id = finished.name.split("-")
    assert len(date) == 8 and len(time) == 6 and len(short_id) == 6


def test_every_file_is_there_and_listed_in_the_summary(finished):
    expected = {"config.json", "experiment.py", "log.txt", "metrics.csv", "summary.json",
                "model.npz", "best.npz", "checkpoint.npz", "loss.png", "fit.png"}  # fmt: skip
    assert {p.name for p in finished.iterdir()} == expected
    assert set(summary(finished)["files"]) == expected


def test_config_json_holds_the_resolved_config_seed_and_overrides(finished):
    config = json.loads((finished / "config.json").read_text())
    assert config["seed"] == 11
    assert config["overrides"] == {"epochs": 5}
    assert config["config"]["epochs"] == 5
    assert config["config"]["optimizer"] == "adam"  # from the experiment's defaults
    assert config["config"]["val_fraction"] == 0.2  # from the runner's defaults


def test_metrics_csv_has_one_row_per_epoch_and_every_column(finished):
    rows = read_metrics(finished, without=())
    assert [row["epoch"] for row in rows] == ["1", "2", "3", "4", "5"]
    assert list(rows[0]) == ["epoch", "train_loss", "train_mae", "val_loss", "val_mae", "lr",
                             "seconds"]  # fmt: skip
    lrs = [float(row["lr"]) for row in rows]
    assert lrs[0] == 0.05 and all(a > b for a, b in itertools.pairwise(lrs))  # cosine


def test_summary_records_status_results_and_provenance(finished):
    s = summary(finished)
    assert s["status"] == "completed"
    assert s["epochs"] == {"planned": 5, "completed": 5}
    assert s["final"]["epoch"] == 5
    assert s["final"]["val_loss"] == float(read_metrics(finished)[-1]["val_loss"])
    assert s["best"]["metric"] == "val_loss" and 1 <= s["best"]["epoch"] <= 5
    assert set(s["evaluation"]) == {"train_rmse"}
    assert s["versions"]["numpy"] == np.__version__
    assert s["versions"]["nanograd"] == ng.__version__
    std = next(p for p in s["plugins"] if p["name"] == "nanograd_std")
    assert std["distribution"] == "nanograd-numpy" and std["version"] == ng.__version__
    assert s["git"] is None  # the experiment lives in a temporary folder, outside any repository


def test_the_log_holds_what_was_printed(finished):
    log = (finished / "log.txt").read_text()
    assert log.startswith("line · ")
    assert f"run folder {finished}" in log
    assert "completed after 5 epochs" in log


def test_model_and_best_weights_load_into_the_model(finished):
    final, best = weights(finished / "model.npz"), weights(finished / "best.npz")
    assert set(final) == {"net.weight", "net.bias"} == set(best)
    checkpoint = ng.load(finished / "checkpoint.npz")
    assert checkpoint["epoch"] == 5
    np.testing.assert_array_equal(checkpoint["model"]["net.weight"], final["net.weight"])


def test_plots_are_png_images_of_a_useful_size(finished):
    for name in ("loss.png", "fit.png"):
        width, height = png_size(finished / name)
        assert width >= 400 and height >= 300
        assert (finished / name).stat().st_size > 10_000


def test_no_plots_means_no_png(tmp_path):
    experiment = write_experiment(tmp_path)
    assert run(experiment, "epochs=2", "--no-plots", "--out", tmp_path / "runs", "--quiet") == 0
    assert not list(run_folder(tmp_path / "runs").glob("*.png"))


def test_no_temporary_files_are_left(finished):
    assert not [p for p in finished.iterdir() if p.name.startswith(".")]


def test_two_runs_never_share_a_folder(tmp_path):
    folders = {RunFolder.create(tmp_path, "same").path for _ in range(20)}
    assert len(folders) == 20


def test_a_write_replaces_the_file_whole(tmp_path):
    folder = RunFolder.create(tmp_path, "x")
    folder.write_text("a.txt", "first")
    folder.write_text("a.txt", "second")
    assert folder.file("a.txt").read_text() == "second"
    assert [p.name for p in folder.path.iterdir()] == ["a.txt"]


def test_non_finite_numbers_are_written_as_standard_json(tmp_path):
    folder = RunFolder.create(tmp_path, "x")
    folder.write_json("s.json", {"loss": float("nan"), "best": float("inf")})
    assert json.loads(folder.file("s.json").read_text()) == {"loss": "nan", "best": "inf"}


def test_files_are_readable_as_any_new_file_would_be(finished):
    umask = os.umask(0)
    os.umask(umask)
    for name in ("config.json", "metrics.csv", "summary.json", "loss.png"):
        assert stat.S_IMODE((finished / name).stat().st_mode) == 0o666 & ~umask, name
