"""How a run tells what went wrong: NumPy's warnings become the run's own lines, a fault in
nanograd itself shows its traceback and exits 1, and ``--traceback`` shows the trace of a
user's mistake."""

from __future__ import annotations

import json

from test_run_support import (
    EXPERIMENT,
    run,
    run_folder,
    run_subprocess,
    summary,
    unload_plugins,
    write_experiment,
    write_module,
)

# Gradient descent with lr=1e150 on a straight line: the weights overflow within a step or two.
DIVERGE = ("optimizer=sgd", "lr=1e150", "schedule=None", "--seed", 0)


def test_numpy_warnings_of_a_diverging_run_are_folded_into_its_messages(tmp_path, capsys):
    experiment = write_experiment(tmp_path)
    assert run(experiment, *DIVERGE, "--out", tmp_path / "runs", "--quiet") == 1
    err = capsys.readouterr().err
    assert "RuntimeWarning" not in err and ".py:" not in err  # no raw lines with a source path
    folder = run_folder(tmp_path / "runs")
    s = summary(folder)
    first = s["warnings"][0]
    assert first["message"].endswith(("encountered in multiply", "encountered in matmul"))
    assert first["first"].startswith("epoch 1, batch ")
    line = f"warning: {first['first']}: NumPy warned: {first['message']}"
    assert err.count(line) == 1  # shown once, however often it came
    assert f"NumPy first warned at {first['first']}: {first['message']}" in s["message"]
    assert s["message"].startswith("training stopped at epoch")
    assert line in (folder / "log.txt").read_text()


def test_warnings_that_come_again_are_counted_not_repeated(tmp_path, capsys):
    # The loss never becomes infinite (it is clipped), so the overflow repeats every batch.
    source = EXPERIMENT.replace(
        "    def forward(self, x):\n",
        "    def forward(self, x):\n        np.exp(np.full(1, 1000.0))\n",
    )
    experiment = write_experiment(tmp_path, "warns", source)
    assert run(experiment, "epochs=2", "--out", tmp_path / "runs", "--quiet") == 0
    err = capsys.readouterr().err
    assert err.count("NumPy warned: overflow encountered in exp") == 1
    (entry,) = summary(run_folder(tmp_path / "runs", "warns"))["warnings"]
    assert entry["count"] > 2
    assert (
        f"warning: NumPy kept warning: overflow encountered in exp ({entry['count']} times)" in err
    )


# A plugin that breaks nanograd itself: the training loop then raises from its own code.
BREAK_NANOGRAD = """
import nanograd.run.training

nanograd.run.training.CHECKPOINT_SECONDS = "twenty"  # compared with a number after epoch 1
"""


def test_a_fault_inside_nanograd_shows_its_traceback_and_exits_1(tmp_path):
    experiment = write_experiment(tmp_path)
    write_module(tmp_path, "break_nanograd", BREAK_NANOGRAD)
    child = run_subprocess(experiment, "-p", "break_nanograd", "--out", tmp_path / "runs",
                           cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})  # fmt: skip
    _, err = child.communicate(timeout=300)
    unload_plugins()
    assert child.returncode == 1
    assert "TypeError" in err and "a fault in nanograd rather than in" in err
    assert "Traceback (most recent call last)" in err
    assert 'nanograd/run/training.py", line' in err
    folder = run_folder(tmp_path / "runs")
    assert summary(folder)["status"] == "failed"
    assert "Traceback (most recent call last)" in (folder / "log.txt").read_text()


def test_a_mistake_found_while_training_has_no_traceback_unless_asked(tmp_path, capsys):
    experiment = write_experiment(tmp_path)
    args = ("fail_at_call=6", "--out", tmp_path / "runs", "--quiet", "--no-plots")
    assert run(experiment, *args) == 2  # the model raises in epoch 2
    err = capsys.readouterr().err
    assert "line.py: RuntimeError: the model broke on purpose (at line" in err
    assert "Traceback" not in err
    assert run(experiment, *args, "--traceback") == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert 'raise RuntimeError("the model broke on purpose")' in err


def test_a_fault_in_a_plugin_names_the_plugin_and_line_without_a_traceback(tmp_path, capsys):
    source = """
    import nanograd as ng


    @ng.hookimpl
    def nanograd_epoch_end(run, epoch, metrics):
        raise KeyError("weights")
    """
    experiment = write_experiment(tmp_path)
    name = write_module(tmp_path, "faulty_logger", source)
    try:
        assert run(experiment, "-p", name, "--out", tmp_path / "runs", "--quiet") == 1
    finally:
        unload_plugins()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    s = summary(run_folder(tmp_path / "runs"))
    assert s["message"] == (
        f"KeyError: 'weights' (in plugin 'faulty_logger' at {tmp_path / 'faulty_logger.py'}, "
        "line 7, in nanograd_epoch_end)"
    )
    assert json.loads((run_folder(tmp_path / "runs") / "summary.json").read_text())
