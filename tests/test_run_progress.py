"""A run's progress is one record: it snapshots, rewinds and resumes whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import nanograd as ng
from nanograd.run.checkpoint import Snapshot, copy_tree
from nanograd.run.progress import Progress


def test_record_keeps_the_best_epoch_and_counts_the_epochs_without_improvement() -> None:
    p = Progress()
    assert p.record({"epoch": 1, "val_loss": 1.0}, "val_loss", "min", 0.0)
    assert not p.record({"epoch": 2, "val_loss": 1.5}, "val_loss", "min", 0.0)
    assert not p.record({"epoch": 3, "val_loss": 0.95}, "val_loss", "min", 0.1)
    assert (p.epoch, p.best_value, p.best_epoch, p.bad_epochs) == (3, 1.0, 1, 2)
    assert [row["epoch"] for row in p.history] == [1, 2, 3]


def test_record_in_max_mode_and_a_nan_never_counts_as_best() -> None:
    p = Progress()
    assert not p.record({"epoch": 1, "acc": float("nan")}, "acc", "max", 0.0)
    assert p.record({"epoch": 2, "acc": 0.5}, "acc", "max", 0.0)
    assert p.record({"epoch": 3, "acc": 0.7}, "acc", "max", 0.0)
    assert (p.best_value, p.best_epoch, p.bad_epochs) == (0.7, 3, 0)


def test_a_copy_shares_nothing_a_later_epoch_changes() -> None:
    p = Progress()
    p.record({"epoch": 1, "loss": 1.0}, "loss", "min", 0.0)
    kept = p.copy()
    p.record({"epoch": 2, "loss": 0.5}, "loss", "min", 0.0)
    p.history[0]["loss"] = 99.0
    assert (kept.epoch, kept.best_epoch, kept.history) == (1, 1, [{"epoch": 1, "loss": 1.0}])


def test_a_copy_lends_its_rows_to_the_next_copy_but_never_shares_the_records_own() -> None:
    p = Progress()
    for epoch, loss in ((1, 1.0), (2, 0.5)):
        p.record({"epoch": epoch, "loss": loss}, "loss", "min", 0.0)
    first = p.copy()
    p.record({"epoch": 3, "loss": 0.25}, "loss", "min", 0.0)
    second = p.copy(first)
    assert second == p
    assert second.history[1] is first.history[1]  # epochs 1 and 2 were copied once
    p.history[2]["loss"] = 99.0
    p.history[0]["loss"] = 99.0
    assert [row["loss"] for row in second.history] == [1.0, 0.5, 0.25]


def test_a_copy_borrows_nothing_from_an_earlier_copy_of_other_epochs() -> None:
    earlier = Progress()
    earlier.record({"epoch": 1, "loss": 1.0}, "loss", "min", 0.0)
    earlier.record({"epoch": 2, "loss": 0.5}, "loss", "min", 0.0)
    rewound = Progress()  # cut back to epoch 1, then epoch 2 again with another result
    rewound.record({"epoch": 1, "loss": 1.0}, "loss", "min", 0.0)
    rewound.record({"epoch": 2, "loss": 0.75}, "loss", "min", 0.0)
    kept = rewound.copy(earlier.copy())
    assert kept.history == [{"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": 0.75}]
    shorter = Progress()
    shorter.record({"epoch": 1, "loss": 1.0}, "loss", "min", 0.0)
    assert shorter.copy(earlier).history == [{"epoch": 1, "loss": 1.0}]


class _Run:
    """The parts of a Run a snapshot reads and writes."""

    def __init__(self) -> None:
        self.model = ng.nn.Linear(2, 1, generator=np.random.default_rng(0))
        self.optimizer = ng.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)
        self.schedule = None
        self.rngs = {"train": np.random.default_rng(1)}
        self.progress = Progress()


def test_a_snapshot_rewinds_the_whole_progress_and_the_model() -> None:
    run = _Run()
    run.progress.record({"epoch": 1, "loss": 1.0}, "loss", "min", 0.0)
    snap = Snapshot.take(run)  # type: ignore[arg-type]
    before = {k: v.copy() for k, v in run.model.state_dict().items()}
    run.progress.record({"epoch": 2, "loss": 0.5}, "loss", "min", 0.0)
    for p in run.model.parameters():
        p.data[...] += 1.0
    snap.rewind(run)  # type: ignore[arg-type]
    assert run.progress == Progress(1, [{"epoch": 1, "loss": 1.0}], 1.0, 1, 0)
    for k, v in run.model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_a_saved_snapshot_resumes_the_whole_progress(tmp_path: Path) -> None:
    run = _Run()
    run.progress.record({"epoch": 1, "loss": 1.0}, "loss", "min", 0.0)
    run.progress.record({"epoch": 2, "loss": 2.0}, "loss", "min", 0.0)
    Snapshot.take(run).save(tmp_path)  # type: ignore[arg-type]
    fresh = _Run()
    Snapshot.load(tmp_path).restore(fresh)  # type: ignore[arg-type]
    assert fresh.progress == run.progress
    assert fresh.progress.bad_epochs == 1


def test_a_checkpoint_file_holds_the_progress_fields_at_its_top_level(
    tmp_path: Path,
) -> None:
    run = _Run()
    old = {
        "epoch": 2, "history": [{"epoch": 1.0, "loss": 1.0}, {"epoch": 2.0, "loss": 0.5}],
        "best_value": 0.5, "best_epoch": 2, "bad_epochs": 0,
        "model": run.model.state_dict(), "optimizer": None, "schedule": None,
        "rngs": {"train": run.rngs["train"].bit_generator.state},
    }  # fmt: skip
    ng.save(old, tmp_path / "checkpoint.npz")
    snap = Snapshot.load(tmp_path)
    assert (snap.epoch, snap.progress.best_epoch, len(snap.progress.history)) == (2, 2, 2)
    snap.save(tmp_path)
    assert set(ng.load(tmp_path / "checkpoint.npz")) == set(old)


def test_a_snapshot_keeps_every_state_as_taken_while_training_goes_on() -> None:
    """Weights, momentum buffers, the schedule and the generators: none is shared with the run,
    so the steps after a snapshot change none of what it holds."""
    run = _Run()
    run.schedule = ng.optim.lr_scheduler.CosineAnnealingLR(run.optimizer, T_max=10)
    train = lambda: (run.model(ng.Tensor(np.ones((4, 2)))) ** 2).sum()
    train().backward()
    run.optimizer.step()  # a momentum buffer to copy
    run.schedule.step()
    snap = Snapshot.take(run)  # type: ignore[arg-type]
    kept = {
        "model": {k: v.copy() for k, v in run.model.state_dict().items()},
        "optimizer": run.optimizer.state_dict(),
        "schedule": run.schedule.state_dict(),
        "rngs": {"train": run.rngs["train"].bit_generator.state},
    }
    for _ in range(3):
        run.optimizer.zero_grad()
        train().backward()
        run.optimizer.step()
        run.schedule.step()
        run.rngs["train"].permutation(10)
    assert snap.rngs == kept["rngs"]
    assert snap.schedule == kept["schedule"]
    for name, value in kept["model"].items():
        np.testing.assert_array_equal(snap.model[name], value)
    assert kept["optimizer"]["state"]  # momentum buffers, one per parameter
    assert snap.optimizer["param_groups"] == kept["optimizer"]["param_groups"]
    for index, state in kept["optimizer"]["state"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(snap.optimizer["state"][index][key], value)


def test_a_snapshot_of_an_optimizer_shares_no_group_value_and_no_buffer_with_it() -> None:
    run = _Run()
    run.optimizer.param_groups[0]["milestones"] = [3, 6]  # a mutable hyper-parameter
    (run.model(ng.Tensor(np.ones((4, 2)))) ** 2).sum().backward()
    run.optimizer.step()
    snap = Snapshot.take(run)  # type: ignore[arg-type]
    run.optimizer.param_groups[0]["milestones"].append(9)
    assert snap.optimizer["param_groups"][0]["milestones"] == [3, 6]
    for index, p in enumerate(run.model.parameters()):
        live = run.optimizer.state[p]["momentum_buffer"]
        assert not np.shares_memory(snap.optimizer["state"][index]["momentum_buffer"], live)


def test_copy_tree_keeps_arrays_known_to_be_copies_and_copies_everything_else() -> None:
    array, tensor, inner = np.ones(3), ng.Tensor(np.zeros(2)), [1.0, {"k": [2]}]
    tree = {"a": array, "t": tensor, "l": inner, "tup": (array, 1), "n": 5}
    deep = copy_tree(tree)
    kept = copy_tree(tree, arrays=False)
    assert deep["a"] is not array and not np.shares_memory(deep["a"], array)
    assert kept["a"] is array and kept["tup"][0] is array
    for copy in (deep, kept):
        assert copy["t"] is not tensor and not np.shares_memory(copy["t"].data, tensor.data)
        assert copy["l"] == inner and copy["l"] is not inner and copy["l"][1] is not inner[1]
        assert copy["l"][1]["k"] is not inner[1]["k"] and copy["n"] == 5
