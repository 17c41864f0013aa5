"""ng.save / ng.load: nested checkpoints round-trip without pickle, writes are atomic, and a file
that is not a checkpoint gives an error naming it."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nanograd as ng
from nanograd.serialization import CheckpointError


def test_nested_state_round_trips_with_types_intact(tmp_path: Path) -> None:
    state = {
        "weights": {"0.weight": np.arange(6.0).reshape(2, 3), "0.bias": np.zeros(2, np.float32)},
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": np.ones(2)}, 1: {"step": 3}},
            "param_groups": [
                {"lr": 0.1, "betas": (0.9, 0.999), "amsgrad": False, "params": [0, 1]}
            ],
        },
        "epoch": 7,
        "best": float("inf"),
        "name": "run-1",
        "nothing": None,
        "tensor": ng.tensor([1.0, 2.0]),
        "scalar": np.float32(2.5),
        "labels": np.array([1, 2, 3], dtype=np.int16),
    }
    path = tmp_path / "state.npz"
    ng.save(state, path)
    loaded = ng.load(path)

    np.testing.assert_array_equal(loaded["weights"]["0.weight"], state["weights"]["0.weight"])
    assert loaded["weights"]["0.bias"].dtype == np.float32
    assert list(loaded["optimizer"]["state"]) == [0, 1]  # integer keys stay integers
    assert loaded["optimizer"]["state"][1] == {"step": 3}
    group = loaded["optimizer"]["param_groups"][0]
    assert group == {"lr": 0.1, "betas": (0.9, 0.999), "amsgrad": False, "params": [0, 1]}
    assert isinstance(group["betas"], tuple)
    assert (loaded["epoch"], loaded["best"], loaded["name"], loaded["nothing"]) == (
        7, float("inf"), "run-1", None,
    )  # fmt: skip
    assert isinstance(loaded["tensor"], ng.Tensor) and loaded["tensor"].tolist() == [1.0, 2.0]
    assert loaded["scalar"] == np.float32(2.5) and loaded["scalar"].dtype == np.float32
    assert loaded["labels"].dtype == np.int16


def test_rows_of_plain_values_keep_each_type_and_a_numpy_number_stays_one(tmp_path: Path) -> None:
    """A run's history (a list of rows of numbers) is written value by value: each key and
    value comes back as the type it was, and a NumPy number in a row stays a NumPy number."""
    plain = {"epoch": 1, "train_loss": 0.5, "done": True, "note": None, "name": "a",
             3: 4.0, None: "x", 2.5: False}  # fmt: skip
    mixed = {"epoch": 2, "train_loss": np.float64(0.25)}
    path = tmp_path / "history.npz"
    ng.save({"history": [plain, mixed]}, path)
    first, second = ng.load(path)["history"]
    assert first == plain
    assert [type(k) for k in first] == [type(k) for k in plain]
    assert [type(v) for v in first.values()] == [type(v) for v in plain.values()]
    assert type(second["train_loss"]) is np.float64 and second["train_loss"] == 0.25


def test_the_file_is_a_plain_npz_readable_without_pickle(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    ng.save({"model": {"0.weight": np.ones((2, 2))}}, path)
    with np.load(path, allow_pickle=False) as archive:
        assert "model/0.weight" in archive.files
        np.testing.assert_array_equal(archive["model/0.weight"], np.ones((2, 2)))


def test_a_models_state_dict_restores_the_model(tmp_path: Path) -> None:
    model, other = ng.nn.MLP(2, [4], 1), ng.nn.MLP(2, [4], 1)
    ng.save(model.state_dict(), tmp_path / "m.npz")
    other.load_state_dict(ng.load(tmp_path / "m.npz"))
    x = ng.tensor(np.ones((3, 2)))
    np.testing.assert_array_equal(model(x).data, other(x).data)


def test_save_replaces_an_existing_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.npz"
    ng.save({"v": 1}, path)
    ng.save({"v": 2}, path)
    assert ng.load(path) == {"v": 2}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_a_failed_save_keeps_the_previous_file(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "ckpt.npz"
    ng.save({"v": np.arange(3)}, path)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        ng.save({"v": np.arange(5)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(ng.load(path)["v"], np.arange(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_unsupported_objects_are_refused_naming_where(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="cannot store Linear at model"):
        ng.save({"model": ng.nn.Linear(2, 2)}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match="at a/b has dtype object"):
        ng.save({"a": {"b": np.array([None, 1])}}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match="dict keys must be strings or numbers"):
        ng.save({(1, 2): 3}, tmp_path / "x.npz")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "it is an empty file"),
        (b"hello world", "it is a file starting with b'hello "),
        (b"PK\x03\x04 truncated", "damaged or truncated"),
    ],
    ids=["empty", "text", "truncated-zip"],
)
def test_a_file_that_is_not_a_checkpoint_names_itself(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as info:
        ng.load(path)
    assert str(path) in str(info.value)


def test_a_plain_numpy_archive_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(CheckpointError, match=r"not a nanograd checkpoint.*holds weights"):
        ng.load(path)
    npy = tmp_path / "single.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(CheckpointError, match=r"single \.npy array"):
        ng.load(npy)


def test_a_pickled_array_inside_is_refused_not_executed(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    ng.save({"v": np.ones(2)}, path)
    # Swap the array for a pickled object array, as a hostile file could.
    with zipfile.ZipFile(path) as archive:
        meta = archive.read("__nanograd__.npy")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__nanograd__.npy", meta)
        with archive.open("v.npy", "w") as f:
            np.lib.format.write_array(f, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(CheckpointError, match="damaged nanograd checkpoint"):
        ng.load(path)


def test_a_corrupted_member_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.npz"
    ng.save({"v": np.arange(1000.0)}, path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=re.escape(str(path))):
        ng.load(path)


def test_metadata_nested_too_deeply_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "deep.npz"
    depth = 5000
    tree = '{"list": [' * depth + "]}" * depth
    meta = '{"format": "nanograd-checkpoint", "version": 1, "tree": ' + tree + "}"
    np.savez(path, __nanograd__=np.array(meta))
    with pytest.raises(CheckpointError, match="damaged nanograd checkpoint: RecursionError"):
        ng.load(path)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ng.load(tmp_path / "absent.npz")


def test_a_checkpoint_gets_the_permissions_open_would_give(tmp_path: Path) -> None:
    """Not mkstemp's owner-only 0o600, which would hide it from others sharing the folder."""
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"")
    ng.save({"w": np.zeros(2)}, tmp_path / "model.npz")
    assert (tmp_path / "model.npz").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
