"""The titles of a run's plots: a run that did not complete says so on every plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_run_support import run, run_folder, summary, write_experiment

from nanograd.run import plotting


@pytest.fixture
def titles(monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    """The title over each figure the runner saves, in the order saved."""
    seen: dict[int, str] = {}
    real = plotting.png_bytes

    def recording(fig: Any, dpi: int = 110) -> bytes:
        title = fig._suptitle.get_text() if fig._suptitle is not None else ""
        seen[len(seen)] = title
        return real(fig, dpi)

    monkeypatch.setattr(plotting, "png_bytes", recording)
    return seen


def test_every_plot_of_a_failed_run_is_titled_with_the_failure(
    tmp_path: Path, titles: dict[int, str]
) -> None:
    experiment = write_experiment(tmp_path)
    # forward calls: 1 dry run, then 4 batches and 1 validation pass per epoch
    code = run(experiment, "--out", tmp_path / "runs", "fail_at_call=9", "epochs=5", "--quiet")
    assert code == 2
    folder = run_folder(tmp_path / "runs")
    assert summary(folder)["status"] == "failed"
    assert sorted(p.name for p in folder.glob("*.png")) == ["fit.png", "loss.png"]
    assert len(titles) == 2
    for title in titles.values():
        assert title.startswith("failed after epoch 1 of 5: not the final model")
    loss_title = titles[0].split("\n")
    assert len(loss_title) == 2 and loss_title[1].startswith("line: loss and metrics per epoch")


def test_the_plots_of_a_completed_run_carry_no_such_warning(
    tmp_path: Path, titles: dict[int, str]
) -> None:
    experiment = write_experiment(tmp_path)
    assert run(experiment, "--out", tmp_path / "runs", "epochs=2", "--quiet") == 0
    assert len(titles) == 2
    assert not [t for t in titles.values() if "not the final model" in t]
