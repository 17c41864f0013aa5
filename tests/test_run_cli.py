"""The command line: user mistakes are one paragraph and exit code 2, never a bare traceback."""

from __future__ import annotations

import os

import numpy as np
import pytest
from test_run_support import (
    EXPERIMENT,
    open_terminal,
    read_terminal,
    run,
    run_subprocess,
    write_experiment,
)

from nanograd.run.cli import parser


@pytest.fixture
def experiment(tmp_path):
    return write_experiment(tmp_path)


def error_of(capsys, *args):
    """Run the CLI expecting a user mistake; return what it wrote to standard error."""
    assert run(*args) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.err


def test_a_syntax_error_names_the_file_and_line(tmp_path, capsys):
    bad = write_experiment(tmp_path, "broken", "config = {}\n\ndef data(config, rng)\n    pass\n")
    err = error_of(capsys, bad, "--out", tmp_path / "runs")
    assert f"{bad}, line 3: syntax error" in err
    assert not (tmp_path / "runs").exists()


def test_a_missing_function_is_named_with_the_contract(tmp_path, capsys):
    bad = write_experiment(tmp_path, "nomodel", "config = {}\ndef data(config, rng):\n  pass\n")
    err = error_of(capsys, bad)
    assert f"{bad}: no model() function" in err
    assert "data(config, rng) and model(config, rng)" in err


def test_a_function_with_the_wrong_parameters_is_named(tmp_path, capsys):
    source = EXPERIMENT.replace("def model(config, rng):", "def model(config):")
    bad = write_experiment(tmp_path, "wrongsig", source)
    err = error_of(capsys, bad)
    assert "model(config) cannot be called as model(config, rng)" in err


def test_data_of_the_wrong_shape_names_both_shapes(tmp_path, capsys):
    source = EXPERIMENT.replace(
        "return x, 2 * x + 3 + 0.1 * rng.standard_normal(x.shape)", "return x, x[:-1]"
    )
    bad = write_experiment(tmp_path, "shapes", source)
    err = error_of(capsys, bad, "--out", tmp_path / "runs")
    assert "X of shape (64, 1) and y of shape (63, 1)" in err
    assert str(bad) in err
    assert not (tmp_path / "runs").exists()


def test_a_model_that_does_not_fit_the_data_is_caught_before_training(tmp_path, capsys):
    source = EXPERIMENT.replace("ng.nn.Linear(1, 1, generator=rng)", "ng.nn.Linear(3, 1)")
    bad = write_experiment(tmp_path, "misfit", source)
    err = error_of(capsys, bad, "--out", tmp_path / "runs")
    assert "the model failed on a batch of inputs of shape (2, 1)" in err
    assert not (tmp_path / "runs").exists()


def test_an_exception_inside_the_file_names_the_function_and_line(tmp_path, capsys):
    source = EXPERIMENT.replace("    x = rng.uniform", "    1 / 0\n    x = rng.uniform")
    bad = write_experiment(tmp_path, "raises", source)
    err = error_of(capsys, bad)
    assert "data() raised ZeroDivisionError: division by zero (at line" in err


def test_an_unknown_override_suggests_a_key(experiment, capsys):
    err = error_of(capsys, experiment, "epocs=3")
    assert "unknown config key 'epocs'; did you mean 'epochs'?" in err


def test_an_override_of_the_wrong_type_names_key_and_type(experiment, capsys):
    err = error_of(capsys, experiment, "batch_size=big")
    assert "'batch_size' expects int or None, got str 'big'" in err


def test_an_unknown_optimizer_suggests_a_registered_one(experiment, capsys):
    err = error_of(capsys, experiment, "optimizer=adan", "--out", "unused")
    assert "no optimizer named 'adan' is registered; did you mean 'adam'" in err


def test_an_unknown_schedule_lists_the_valid_ones(experiment, capsys):
    err = error_of(capsys, experiment, "schedule=cosin")
    assert "unknown schedule 'cosin'; did you mean 'cosine'?" in err


def test_a_missing_file_is_named(tmp_path, capsys):
    err = error_of(capsys, tmp_path / "nope.py")
    assert f"{tmp_path / 'nope.py'}: no such experiment file" in err


def test_a_missing_plugin_module_is_a_user_error(experiment, capsys):
    err = error_of(capsys, experiment, "-p", "no_such_plugin_module")
    assert "plugin module 'no_such_plugin_module' could not be imported" in err


def test_traceback_flag_shows_the_traceback(tmp_path, capsys):
    bad = write_experiment(tmp_path, "nomodel", "config = {}\ndef data(config, rng):\n  pass\n")
    assert run(bad, "--traceback") == 2
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "no model() function" in err


def test_print_config_shows_the_resolved_config_and_exits(experiment, tmp_path, capsys):
    assert run(experiment, "lr=0.5", "--print-config", "--out", tmp_path / "runs") == 0
    out = capsys.readouterr().out
    assert "lr                = 0.5" in out
    assert "width             = 0" in out
    assert "optimizer         = 'adam'" in out
    assert not (tmp_path / "runs").exists()


def test_help_documents_options_and_config_keys():
    text = parser().format_help()
    for option in ("--out", "--seed", "-p", "--quiet", "--no-plots", "--resume", "--max-epochs",
                   "--print-config", "--traceback"):  # fmt: skip
        assert option in text
    for key in ("epochs", "batch_size", "optimizer", "schedule", "patience", "monitor"):
        assert f"\n  {key} " in text


def test_resume_refuses_overrides(experiment, tmp_path, capsys):
    err = error_of(capsys, "--resume", tmp_path, "lr=0.1")
    assert "give no experiment file, overrides" in err


def test_as_a_child_process_errors_are_one_paragraph_with_exit_code_2(tmp_path):
    source = EXPERIMENT.replace('"epochs": 6,', '"epochs": "ten",')
    bad = write_experiment(tmp_path, "broken", source)
    child = run_subprocess(bad, cwd=tmp_path)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 2
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0
    assert err.startswith(f"error: {bad}: config key 'epochs' expects int")


def test_output_that_is_not_a_terminal_has_plain_lines_and_no_bars(experiment, tmp_path):
    child = run_subprocess(experiment, "--seed", 1, "--out", tmp_path / "runs", cwd=tmp_path)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert "\r" not in out + err
    assert "it/s" not in err and "epoch/s" not in err
    lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in lines] == [f"{i}/6" for i in range(1, 7)]
    assert "completed after 6 epochs" in out


def test_quiet_prints_nothing_but_keeps_the_log(experiment, tmp_path):
    child = run_subprocess(experiment, "--quiet", "--out", tmp_path / "runs", cwd=tmp_path)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out == "" and err == ""
    (folder,) = (tmp_path / "runs" / "line").iterdir()
    assert "completed after 6 epochs" in (folder / "log.txt").read_text()


def test_data_with_nan_targets_is_an_error_naming_them(tmp_path, capsys):
    source = EXPERIMENT.replace("return x, 2 * x + 3", "return x, np.log(x) + 2 * x + 3")
    bad = write_experiment(tmp_path, "nantargets", source)
    with np.errstate(invalid="ignore"):
        err = error_of(capsys, bad, "--out", tmp_path / "runs")
    assert f"{bad}: data() gave data y containing NaN or infinity" in err
    assert not (tmp_path / "runs").exists()


def test_data_that_returns_nothing_says_so(tmp_path, capsys):
    source = EXPERIMENT.replace("    return x, 2 * x + 3", "    x, 2 * x + 3")
    bad = write_experiment(tmp_path, "noreturn", source)
    err = error_of(capsys, bad)
    assert "data() must return (X, y) or a dict of (X, y) pairs; it returned None" in err


def test_an_out_folder_that_cannot_be_written_is_a_user_error(experiment, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    err = error_of(capsys, experiment, "--out", blocker)
    assert f"cannot write a run folder under --out {blocker}: Not a directory" in err


def test_a_negative_seed_is_a_user_error(experiment, capsys):
    err = error_of(capsys, experiment, "--seed", -1)
    assert "--seed must be zero or positive, got -1" in err


def run_on_a_terminal(experiment, tmp_path, columns):
    """Run with standard error on a pseudo-terminal ``columns`` wide; returns (code, out, shown)."""
    terminal, child_end = open_terminal(columns)
    child = run_subprocess(experiment, "--seed", 1, "--out", tmp_path / "runs", cwd=tmp_path,
                           stderr=child_end)  # fmt: skip
    os.close(child_end)
    bar = read_terminal(terminal)
    out, _ = child.communicate(timeout=120)
    return child.returncode, out, bar


def test_on_a_terminal_a_bar_shows_the_epochs_and_live_losses(experiment, tmp_path):
    code, out, bar = run_on_a_terminal(experiment, tmp_path, columns=120)
    assert code == 0, bar
    assert "line: 100%" in bar and "6/6" in bar
    assert "train_loss=" in bar and "val_loss=" in bar
    assert not [line for line in out.splitlines() if line.startswith("epoch ")]  # the bar has them
    (folder,) = (tmp_path / "runs" / "line").iterdir()
    assert "epoch 6/6" in (folder / "log.txt").read_text()  # and the log keeps them


def test_a_terminal_reporting_zero_columns_gets_epoch_lines_instead_of_a_bar(experiment, tmp_path):
    code, out, shown = run_on_a_terminal(experiment, tmp_path, columns=0)
    assert code == 0, shown
    assert [line.split()[1] for line in out.splitlines() if line.startswith("epoch ")] == [
        f"{epoch}/6" for epoch in range(1, 7)
    ]
    assert "100%" not in shown
