"""The training loop: reproducible, stops early or on NaN, uses whatever plugins register."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_run_support import (
    EXPERIMENT,
    TINY_PLUGIN,
    read_metrics,
    run,
    run_folder,
    summary,
    unload_plugins,
    weights,
    write_experiment,
    write_module,
)

from nanograd.run import training
from nanograd.run.checkpoint import Checkpoints


@pytest.fixture
def experiment(tmp_path):
    return write_experiment(tmp_path)


def train(experiment, out, *args):
    code = run(experiment, "--out", out, "--quiet", *args)
    return code, run_folder(out)


def test_same_seed_and_config_give_bit_identical_metrics_and_weights(experiment, tmp_path):
    args = ("--seed", 7, "width=8", "epochs=4")  # an MLP with dropout: every generator matters
    _, first = train(experiment, tmp_path / "a", *args)
    _, second = train(experiment, tmp_path / "b", *args)
    assert read_metrics(first) == read_metrics(second)
    a, b = weights(first / "model.npz"), weights(second / "model.npz")
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_a_different_seed_gives_different_metrics(experiment, tmp_path):
    _, first = train(experiment, tmp_path / "a", "--seed", 1)
    _, second = train(experiment, tmp_path / "b", "--seed", 2)
    assert read_metrics(first) != read_metrics(second)


def test_without_a_seed_a_random_one_is_recorded_and_reproduces_the_run(experiment, tmp_path):
    _, first = train(experiment, tmp_path / "a")
    seed = summary(first)["seed"]
    _, second = train(experiment, tmp_path / "b", "--seed", seed)
    assert read_metrics(first) == read_metrics(second)


def test_training_lowers_the_loss(experiment, tmp_path):
    _, folder = train(experiment, tmp_path / "runs", "--seed", 3, "epochs=20", "lr=0.2")
    rows = read_metrics(folder)
    assert float(rows[-1]["val_loss"]) < 0.1 * float(rows[0]["val_loss"])


def test_max_epochs_caps_a_smoke_run_and_is_recorded(experiment, tmp_path):
    code, folder = train(experiment, tmp_path / "runs", "--max-epochs", 2)
    assert code == 0
    assert len(read_metrics(folder)) == 2
    assert summary(folder)["epochs"] == {"planned": 2, "completed": 2}


def test_early_stopping_stops_after_patience_epochs_without_improvement(experiment, tmp_path):
    # min_delta larger than any change: only the first epoch counts as an improvement.
    code, folder = train(experiment, tmp_path / "runs", "patience=2", "min_delta=1e9",
                         "epochs=10")  # fmt: skip
    assert code == 0
    assert len(read_metrics(folder)) == 3
    s = summary(folder)
    assert s["status"] == "completed"
    assert s["message"].startswith("stopped early at epoch 3: val_loss has not improved for 2")
    assert s["best"]["epoch"] == 1


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_a_diverging_loss_stops_the_run_naming_epoch_and_last_finite_loss(experiment, tmp_path,
                                                                          capsys):  # fmt: skip
    code = run(experiment, "--out", tmp_path / "runs", "optimizer=sgd", "lr=1e6", "schedule=None",
               "epochs=50")  # fmt: skip
    assert code == 1
    folder = run_folder(tmp_path / "runs")
    s = summary(folder)
    assert s["status"] == "failed"
    assert "training stopped at epoch" in s["message"]
    assert "the loss became" in s["message"] and "the last finite loss was" in s["message"]
    assert s["message"] in capsys.readouterr().err
    completed = s["epochs"]["completed"]
    assert len(read_metrics(folder)) == completed < 50
    if completed:
        assert (folder / "checkpoint.npz").exists()


def test_an_exception_in_the_experiment_fails_the_run_naming_file_and_line(tmp_path, capsys):
    experiment = write_experiment(tmp_path)
    # forward calls: 1 dry run, then 4 batches and 1 validation pass per epoch
    code = run(experiment, "--out", tmp_path / "runs", "fail_at_call=9", "epochs=5")
    assert code == 2
    folder = run_folder(tmp_path / "runs")
    s = summary(folder)
    assert s["status"] == "failed"
    assert s["message"].startswith(f"{experiment}: RuntimeError: the model broke on purpose")
    assert "(at line" in s["message"] and "in forward)" in s["message"]
    assert s["epochs"]["completed"] == 1
    assert "Traceback" not in capsys.readouterr().err


@pytest.fixture
def unload_afterwards():
    yield
    unload_plugins()


@pytest.mark.usefixtures("unload_afterwards")
def test_a_loss_and_optimizer_from_a_plugin_are_used_by_name(experiment, tmp_path):
    plugin = write_module(tmp_path, "tiny_losses_and_optimizers", TINY_PLUGIN)
    args = ("-p", plugin, "loss=squared_error_sum", "optimizer=heavy_ball", "lr=0.001")
    code, folder = train(experiment, tmp_path / "runs", *args, "schedule=None", "--seed", 2)
    assert code == 0
    rows = read_metrics(folder)
    assert float(rows[-1]["train_loss"]) < float(rows[0]["train_loss"])
    s = summary(folder)
    tiny = next(p for p in s["plugins"] if p["name"] == plugin)
    assert tiny["losses"] == 1 and tiny["optimizers"] == 1


def test_an_l2_penalty_shrinks_the_weights(experiment, tmp_path):
    common = ("--seed", 4, "width=16", "epochs=8", "optimizer=sgd", "lr=0.05", "schedule=None")
    _, plain = train(experiment, tmp_path / "a", *common)
    _, penalised = train(experiment, tmp_path / "b", *common, "l2=0.5")

    def norm(folder):
        return sum(float(np.sum(w**2)) for w in weights(folder / "model.npz").values())

    assert norm(penalised) < norm(plain)


def test_gradient_clipping_bounds_the_step(experiment, tmp_path):
    # One full-batch SGD step from the same initial weights (same seed), three ways.
    common = ("--seed", 4, "epochs=1", "optimizer=sgd", "schedule=None", "batch_size=None",
              "val_fraction=0.0")  # fmt: skip
    _, start = train(experiment, tmp_path / "start", *common, "lr=1e-300")
    _, free = train(experiment, tmp_path / "free", *common, "lr=0.1")
    _, clipped = train(experiment, tmp_path / "clipped", *common, "lr=0.1", "clip_grad_norm=1e-3")

    def distance(a, b):
        wa, wb = weights(a / "model.npz"), weights(b / "model.npz")
        return sum(float(np.sum((wa[k] - wb[k]) ** 2)) for k in wa) ** 0.5

    assert distance(start, free) > 0.1
    assert distance(start, clipped) == pytest.approx(0.1 * 1e-3, rel=1e-6)


def test_a_plateau_schedule_steps_on_the_monitored_metric(experiment, tmp_path):
    code, folder = train(experiment, tmp_path / "runs", "schedule=plateau", "min_delta=0.0",
                         "schedule_options={'patience': 0, 'factor': 0.5, 'threshold': 10.0}",
                         "epochs=3")  # fmt: skip
    assert code == 0
    # threshold=10 (relative): no epoch counts as better, so every step halves the rate.
    assert [float(r["lr"]) for r in read_metrics(folder)] == [0.05, 0.025, 0.0125]


def test_a_broken_evaluate_fails_the_run_as_a_user_error(tmp_path):
    source = EXPERIMENT.replace("def evaluate(run):\n", "def evaluate(run):\n    return 'oops'\n")
    experiment = write_experiment(tmp_path, "badeval", source)
    code = run(experiment, "--out", tmp_path / "runs", "epochs=2", "--quiet")
    assert code == 2
    s = summary(run_folder(tmp_path / "runs", "badeval"))
    assert s["status"] == "failed"
    assert "evaluate() must return a dict of name -> number (or None), got str" in s["message"]
    assert s["epochs"]["completed"] == 2


def test_metrics_a_plugin_added_become_floats_and_numbers_stay_as_they_are():
    from nanograd.run.errors import ExperimentError
    from nanograd.run.training import _check_added

    row = {"epoch": 3, "train_loss": 0.5, "norm": np.float32(2.5), "clipped": True}
    _check_added(row)
    assert row == {"epoch": 3, "train_loss": 0.5, "norm": 2.5, "clipped": 1.0}
    assert [type(v) for v in row.values()] == [int, float, float, float]
    with pytest.raises(ExperimentError, match=r"put note='fine' into the epoch's metrics"):
        _check_added({"epoch": 3, "note": "fine"})


class _Clock:
    """The time as the training loop reads it, moved on by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    perf_counter = monotonic


def test_checkpoints_are_spaced_so_that_writing_them_stays_a_small_share_of_the_run(
    experiment, tmp_path, monkeypatch
):
    """A checkpoint holds the whole history, so each takes longer than the last: here an epoch
    takes a second and the n-th write n/2 seconds. One every 20 seconds would spend a fifth of
    the run writing; spaced by what the last write took, it stays near 5%."""
    clock = _Clock()
    monkeypatch.setattr(training, "time", clock)
    check_added = training._check_added

    def epoch_ends(row):
        clock.now += 1.0
        check_added(row)

    monkeypatch.setattr(training, "_check_added", epoch_ends)
    writes: list[tuple[float, float]] = []  # (when, how long) of each write during training
    write = Checkpoints.write

    def slow_write(self, folder, written):
        took = 0.5 * (len(writes) + 1)
        writes.append((clock.now, took))
        clock.now += took
        write(self, folder, written)

    monkeypatch.setattr(Checkpoints, "write", slow_write)
    code, _ = train(experiment, tmp_path / "runs", "epochs=400", "--no-plots")
    assert code == 0
    during = writes[:-1]  # the last is the run's final checkpoint, after training
    writing = sum(took for _, took in during)
    assert len(during) >= 3  # still checkpointed as it went
    assert writing / (400 + writing) <= 0.06
    gaps = [b - (a + took) for (a, took), (b, _) in itertools.pairwise(during)]
    assert all(gap >= training.CHECKPOINT_SECONDS for gap in gaps)
