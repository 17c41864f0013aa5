"""python -m nanograd.runs: the runs and sweeps under a folder, compared in a table or as JSON."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from test_run_support import run, summary
from test_sweep_support import sweep_folder, write_sweep_experiment

from nanograd.runs.cli import main as runs_main


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """A sweep of four runs, two of which fail, and one run alone, under one folder."""
    tmp = tmp_path_factory.mktemp("runs")
    experiment = write_sweep_experiment(tmp / "experiment")
    out = tmp / "runs"
    code = run(experiment, "lr=0.05,0.1", "trouble=none,raise", "--seed", 6, "--workers", 1,
               "--out", out, "--no-plots", "--quiet")  # fmt: skip
    assert code == 1
    assert run(experiment, "optimizer=sgd", "--seed", 1, "--out", out, "--no-plots", "--quiet") == 0
    return out


def listed(capsys, *args):
    assert runs_main([str(a) for a in args]) == 0
    return capsys.readouterr().out


def test_a_table_of_runs_shows_the_config_keys_that_differ(out, capsys):
    text = listed(capsys, out)
    assert "1 sweep under" in text and "5 runs under" in text
    runs_header = text.splitlines()[text.splitlines().index(f"5 runs under {out}") + 1].split()
    assert runs_header[:2] == ["run", "status"]
    assert {"lr", "optimizer", "trouble", "seed", "val_loss", "best_val_loss", "seconds"} <= set(
        runs_header
    )
    assert "n" not in runs_header and "epochs" not in runs_header  # the same in every run
    sweep = sweep_folder(out)
    sweep_line = next(line for line in text.splitlines() if line.startswith(f"line/{sweep.name} "))
    assert sweep_line.split()[1:6] == ["failed", "4", "2", "2", "0"]


def test_json_holds_every_run_with_its_status_config_and_metrics(out, capsys):
    data = json.loads(listed(capsys, out, "--json"))
    assert len(data["runs"]) == 5 and len(data["sweeps"]) == 1
    by_status = {}
    for entry in data["runs"]:
        by_status.setdefault(entry["status"], []).append(entry)
        assert entry["config"]["lr"] == entry["differs"]["lr"]
        folder = out / entry["run"]
        assert entry["final"] == {
            k: v for k, v in summary(folder)["final"].items() if k not in ("epoch", "lr", "seconds")
        }
    assert len(by_status["failed"]) == 2
    assert all("the model broke on purpose" in e["message"] for e in by_status["failed"])
    in_sweep = [e for e in data["runs"] if e["sweep"]]
    assert len(in_sweep) == 4 and data["sweeps"][0]["counts"] == {"failed": 2, "completed": 2}


def test_sort_orders_runs_by_a_metric_with_missing_values_last(out, capsys):
    rows = json.loads(listed(capsys, out, "--sort", "val_loss", "--json"))["runs"]
    losses = [r["final"].get("val_loss") for r in rows]
    known = [v for v in losses if isinstance(v, float) and math.isfinite(v)]
    assert known == sorted(known) and len(known) >= 3
    assert losses[: len(known)] == known  # runs without a finite val_loss come last
    reversed_rows = json.loads(listed(capsys, out, "--sort", "val_loss", "--reverse", "--json"))
    assert [r["final"].get("val_loss") for r in reversed_rows["runs"]][: len(known)] == sorted(
        known, reverse=True
    )
    text = listed(capsys, out, "--sort", "val_loss")
    assert f"5 runs under {out}, by val_loss" in text


def test_status_keeps_only_the_runs_and_sweeps_with_that_status(out, capsys):
    data = json.loads(listed(capsys, out, "--status", "failed", "--json"))
    assert {r["status"] for r in data["runs"]} == {"failed"} and len(data["runs"]) == 2
    assert len(data["sweeps"]) == 1
    data = json.loads(listed(capsys, out, "--status", "interrupted", "--json"))
    assert data == {"runs": [], "sweeps": []}
    assert "no runs with status interrupted under" in listed(capsys, out, "--status", "interrupted")


def test_an_unknown_sort_key_suggests_a_column(out, capsys):
    assert runs_main([str(out), "--sort", "val_los"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --sort val_los: no such column; did you mean 'val_loss'")


def test_a_folder_that_does_not_exist_is_one_paragraph_with_exit_code_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "nanograd.runs", str(tmp_path / "nowhere")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {tmp_path / 'nowhere'}: no such folder")
    assert "Traceback" not in done.stderr


def test_a_run_whose_summary_cannot_be_read_is_skipped_with_a_warning(out, tmp_path, capsys):
    broken = tmp_path / "line" / "20250101-000000-aaaaaa"
    broken.mkdir(parents=True)
    (broken / "summary.json").write_text("{not json")
    assert runs_main([str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert f"warning: {broken / 'summary.json'} cannot be read" in captured.err
    assert "no runs under" in captured.out
