"""BLAS threads: the runner limits them as blas_threads says, says so, and lifts the limit."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from test_run_support import run, run_folder, write_experiment
from threadpoolctl import threadpool_info, threadpool_limits

from nanograd.run.threads import blas_threads


def blas_thread_counts() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


@pytest.fixture
def two_blas_threads():
    """BLAS at two threads whatever OPENBLAS_NUM_THREADS says, restored afterwards."""
    np.ones((2, 2)) @ np.ones((2, 2))  # NumPy's BLAS is loaded
    with threadpool_limits(limits=2, user_api="blas"):
        assert set(blas_thread_counts()) == {2}
        yield


@pytest.mark.usefixtures("two_blas_threads")
def test_the_limit_holds_inside_the_block_and_is_lifted_after() -> None:
    with blas_threads(1) as line:
        assert set(blas_thread_counts()) == {1}
        assert line.startswith("BLAS 1 thread (blas_threads=1; ")
        assert line.endswith(" would use 2, blas_threads=None lets it)")
    assert set(blas_thread_counts()) == {2}


@pytest.mark.usefixtures("two_blas_threads")
def test_none_leaves_the_library_default_and_says_what_it_is() -> None:
    with blas_threads(None) as line:
        assert set(blas_thread_counts()) == {2}
        assert line.startswith("BLAS 2 threads (") and "default" in line


def test_without_threadpoolctl_the_line_says_nothing_was_limited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import raises ImportError
    with blas_threads(1) as line:
        assert "blas_threads=1 is not applied" in line
        assert "pip install threadpoolctl" in line


def test_a_run_says_how_many_blas_threads_it_uses_in_its_first_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    experiment = write_experiment(tmp_path)
    assert run(experiment, "epochs=1", "--no-plots", "--out", tmp_path / "runs") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("BLAS 1 thread (blas_threads=1; ")
    log = (run_folder(tmp_path / "runs") / "log.txt").read_text().splitlines()
    assert log[2] == lines[2]


def test_blas_threads_none_is_accepted_and_zero_is_an_error_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    experiment = write_experiment(tmp_path)
    out = tmp_path / "runs"
    assert run(experiment, "epochs=1", "--no-plots", "--out", out, "blas_threads=None") == 0
    assert "blas_threads=N limits them" in capsys.readouterr().out.splitlines()[2]
    assert run(experiment, "epochs=1", "--out", tmp_path / "other", "blas_threads=0") == 2
    assert "blas_threads must be positive, got 0" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()
