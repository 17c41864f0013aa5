"""The training example (examples/moons.py, and the loop docs/training.md shows): micrograd's
moons classifier reaches 100% training accuracy within 100 steps."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "moons.py"


def load_example() -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLE), run_name="moons_example")


def test_the_two_moons_are_two_labelled_half_circles() -> None:
    X, y = load_example()["make_moons"](n_samples=100, noise=0.0)
    assert X.shape == (100, 2) and sorted(set(y.tolist())) == [-1.0, 1.0]
    outer, inner = X[y == -1], X[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0)


def test_moons_reaches_full_training_accuracy_within_100_steps() -> None:
    accuracy = load_example()["train"](steps=100, verbose=False)
    assert accuracy == 1.0


def test_the_script_prints_its_accuracy() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=300, check=True
    )
    assert "step   0" in result.stdout
    assert result.stdout.strip().endswith("training accuracy after 100 steps: 100%")


def test_the_loop_shown_in_the_training_guide_reaches_full_accuracy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guide = (ROOT / "docs" / "training.md").read_text()
    loop = re.search(r"## A complete training loop.*?```python\n(.*?)```", guide, re.S)
    assert loop is not None
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    scope: dict[str, Any] = {}
    exec(loop.group(1), scope)
    with scope["ng"].no_grad():
        scores = scope["model"](scope["inputs"]).data
    assert np.mean((scores > 0) == (scope["labels"] > 0)) == 1.0
