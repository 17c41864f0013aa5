"""Lifecycle hooks: a plugin sees each coarse event once, never one call per batch."""

from __future__ import annotations

import os
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest
from test_run_support import (
    read_metrics,
    run,
    run_folder,
    summary,
    unload_plugins,
    weights,
    write_experiment,
    write_module,
)

RECORDER = """
import nanograd as ng

events = []


@ng.hookimpl
def nanograd_run_start(run):
    events.append(("run_start", run.epoch, run.folder.path.exists()))


@ng.hookimpl
def nanograd_epoch_start(run, epoch, batches):
    events.append(("epoch_start", epoch))


@ng.hookimpl
def nanograd_epoch_end(run, epoch, metrics):
    events.append(("epoch_end", epoch, sorted(metrics)))
    metrics["weight_norm"] = float(sum((p.data ** 2).sum() for p in run.model.parameters()))


@ng.hookimpl
def nanograd_run_exception(run, exception):
    events.append(("run_exception", type(exception).__name__))


@ng.hookimpl
def nanograd_run_end(run, status, metrics):
    events.append(("run_end", status, metrics.get("epoch")))
"""


@pytest.fixture
def recorder(tmp_path):
    name = write_module(tmp_path, "run_event_recorder", RECORDER)
    module = __import__(name)
    module.events.clear()
    yield name, module.events
    unload_plugins()


def test_each_event_is_called_once_per_run_or_epoch(tmp_path, recorder):
    name, events = recorder
    experiment = write_experiment(tmp_path)
    assert run(experiment, "-p", name, "epochs=3", "--out", tmp_path / "runs", "--quiet") == 0
    kinds = [event[0] for event in events]
    assert kinds == ["run_start"] + ["epoch_start", "epoch_end"] * 3 + ["run_end"]
    assert events[0] == ("run_start", 0, True)
    assert events[-1] == ("run_end", "completed", 3)
    assert events[2][2] == ["epoch", "lr", "seconds", "train_loss", "train_mae", "val_loss",
                            "val_mae"]  # fmt: skip


def test_a_metric_added_by_a_plugin_is_written_to_metrics_csv(tmp_path, recorder):
    name, _ = recorder
    experiment = write_experiment(tmp_path)
    assert run(experiment, "-p", name, "epochs=2", "--out", tmp_path / "runs", "--quiet") == 0
    rows = read_metrics(run_folder(tmp_path / "runs"))
    assert all(float(row["weight_norm"]) > 0 for row in rows)


def test_a_failure_calls_the_exception_hook_then_run_end(tmp_path, recorder):
    name, events = recorder
    experiment = write_experiment(tmp_path)
    code = run(experiment, "-p", name, "fail_at_call=4", "--out", tmp_path / "runs", "--quiet")
    assert code == 2
    assert events[-2:] == [("run_exception", "RuntimeError"), ("run_end", "failed", None)]


def test_the_builtin_plugins_are_gone_after_a_run(tmp_path):
    from nanograd import plugins

    experiment = write_experiment(tmp_path)
    assert run(experiment, "epochs=1", "--out", tmp_path / "runs", "--quiet") == 0
    names = {name for name, _ in plugins.manager().list_name_plugin()}
    assert not {n for n in names if n.startswith("nanograd.run.")}


BROKEN_RUN_END = """
import nanograd as ng


@ng.hookimpl
def nanograd_run_end(run, status, metrics):
    raise RuntimeError("the logger lost its connection")
"""

TEXT_METRIC = """
import nanograd as ng


@ng.hookimpl
def nanograd_epoch_end(run, epoch, metrics):
    metrics["note"] = "fine"
"""


@pytest.fixture
def plugin(tmp_path):
    def write(name, source):
        return write_module(tmp_path, name, source)

    yield write
    unload_plugins()


def test_a_failing_run_end_hook_marks_the_run_failed_with_its_error(tmp_path, plugin, capsys):
    name = plugin("broken_run_end", BROKEN_RUN_END)
    experiment = write_experiment(tmp_path)
    assert run(experiment, "-p", name, "epochs=2", "--out", tmp_path / "runs") == 1
    s = summary(run_folder(tmp_path / "runs"))
    assert s["status"] == "failed"
    assert s["message"].startswith("RuntimeError: the logger lost its connection")
    assert s["epochs"]["completed"] == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_metric_that_is_not_a_number_is_an_error_naming_it(tmp_path, plugin, capsys):
    name = plugin("text_metric", TEXT_METRIC)
    experiment = write_experiment(tmp_path)
    assert run(experiment, "-p", name, "epochs=2", "--out", tmp_path / "runs") == 2
    folder = run_folder(tmp_path / "runs")
    s = summary(folder)
    assert s["status"] == "failed"
    assert "put note='fine' into the epoch's metrics; metrics are numbers" in s["message"]
    assert read_metrics(folder) == []  # the epoch that failed is not recorded as finished
    assert "Traceback" not in capsys.readouterr().err


FAILS_AT_EPOCH_3 = """
import nanograd as ng


@ng.hookimpl
def nanograd_epoch_end(run, epoch, metrics):
    if epoch == 3:
        raise RuntimeError("the logger failed at epoch 3")
"""


def test_a_hook_failing_at_epoch_3_leaves_a_folder_whose_files_agree_on_epochs_1_and_2(
    tmp_path, plugin
):
    """The best epoch in summary.json is one metrics.csv holds and best.npz was saved at: the
    whole progress (history, best epoch, patience) rewinds to the last finished epoch."""
    name = plugin("fails_at_epoch_3", FAILS_AT_EPOCH_3)
    linreg = Path(__file__).resolve().parents[1] / "experiments" / "linreg.py"
    out = tmp_path / "runs"
    assert run(linreg, "-p", name, "epochs=5", "--seed", "0", "--out", out, "--quiet") == 1
    folder = run_folder(out, "linreg")
    s = summary(folder)
    assert s["status"] == "failed" and "at epoch 3" in s["message"]
    assert s["epochs"]["completed"] == 2
    rows = read_metrics(folder)
    assert [int(row["epoch"]) for row in rows] == [1, 2]
    best = s["best"]
    assert best["epoch"] in (1, 2)
    assert best["value"] == pytest.approx(float(rows[best["epoch"] - 1][best["metric"]]))
    last = weights(folder / "model.npz")
    if best["epoch"] == 2:  # the loss falls every epoch here, so the best is the last one kept
        assert all(np.array_equal(weights(folder / "best.npz")[k], v) for k, v in last.items())


def test_the_lifecycle_hooks_are_the_runners_own_specs_typed_with_run():
    from nanograd import hookspecs as engine_specs
    from nanograd.run import hookspecs as runner_specs
    from nanograd.run.context import Run

    lifecycle = [name for name in dir(runner_specs) if name.startswith("nanograd_")]
    assert sorted(lifecycle) == sorted(
        ["nanograd_run_start", "nanograd_epoch_start", "nanograd_epoch_end",
         "nanograd_run_end", "nanograd_run_exception"]
    )  # fmt: skip
    assert not [name for name in dir(engine_specs) if name in lifecycle]
    for name in lifecycle:
        hints = typing.get_type_hints(getattr(runner_specs, name), localns={"Run": Run})
        assert hints["run"] is Run, name


def test_a_plugin_with_lifecycle_hooks_loads_without_importing_the_runner(tmp_path):
    module = write_module(tmp_path, "only_epoch_end", FAILS_AT_EPOCH_3)
    code = (
        "import sys, nanograd as ng\n"
        f"ng.plugins.load([{module!r}])\n"
        "print(sorted(m for m in sys.modules if m.startswith('nanograd.run.')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['nanograd.run.hookspecs']"
