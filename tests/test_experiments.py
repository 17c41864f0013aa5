"""The shipped experiments: each runs and leaves a complete run folder; the stated results hold.

Every experiment runs with a reduced epoch budget (--max-epochs 2) and its folder is checked.
The three with a stated result (linreg, moons, digits) also run with their full defaults.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_run_support import png_size, read_metrics, run, run_folder, summary

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "experiments"

# Each experiment and the plots it draws besides loss.png.
PLOTS = {
    "linreg": ["fit"],
    "quadratic": ["fit"],
    "logreg": ["boundary"],
    "xor": ["boundary"],
    "moons": ["boundary"],
    "spirals": ["boundary"],
    "sine": ["fit"],
    "digits": ["confusion", "mistakes"],
    "digits_cnn": ["confusion", "mistakes", "filters"],
}
FILES = {"config.json", "experiment.py", "log.txt", "metrics.csv", "summary.json", "model.npz",
         "best.npz", "checkpoint.npz"}  # fmt: skip


def test_every_experiment_file_is_covered():
    assert {p.stem for p in EXPERIMENTS.glob("*.py")} == set(PLOTS)


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_experiment_runs_and_fills_its_run_folder(name, tmp_path):
    out = tmp_path / "runs"
    assert run(EXPERIMENTS / f"{name}.py", "--max-epochs", 2, "--seed", 0, "--out", out,
               "--quiet") == 0  # fmt: skip
    folder = run_folder(out, name)
    pngs = {f"{plot}.png" for plot in ["loss", *PLOTS[name]]}
    # digits_cnn imports digits.py from beside it: the folder keeps a copy, for --resume.
    modules = {"modules"} if name == "digits_cnn" else set()
    assert {p.name for p in folder.iterdir()} == FILES | pngs | modules
    if modules:
        assert (folder / "modules" / "digits.py").read_bytes() == (
            EXPERIMENTS / "digits.py"
        ).read_bytes()
    assert len(read_metrics(folder)) == 2
    s = summary(folder)
    assert s["status"] == "completed"
    assert s["epochs"]["completed"] == 2
    for png in pngs:
        width, height = png_size(folder / png)
        assert width >= 300 and height >= 100
        assert (folder / png).stat().st_size > 5_000


def full_run(name, tmp_path, seed=0):
    out = tmp_path / "runs"
    assert run(EXPERIMENTS / f"{name}.py", "--seed", seed, "--out", out, "--quiet") == 0
    return summary(run_folder(out, name))


def test_linreg_recovers_the_least_squares_line(tmp_path):
    e = full_run("linreg", tmp_path)["evaluation"]
    assert abs(e["slope"] - e["lstsq_slope"]) <= 0.05
    assert abs(e["intercept"] - e["lstsq_intercept"]) <= 0.05
    assert e["lstsq_slope"] == pytest.approx(2.0, abs=0.2)
    assert e["lstsq_intercept"] == pytest.approx(3.0, abs=0.2)


def test_moons_reaches_full_training_accuracy(tmp_path):
    s = full_run("moons", tmp_path)
    assert s["evaluation"]["final_train_accuracy"] == 1.0


def test_digits_reaches_97_percent_test_accuracy(tmp_path):
    s = full_run("digits", tmp_path)
    assert s["evaluation"]["test_accuracy"] >= 0.97


def test_digits_without_scikit_learn_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    for module in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` fail
    assert run(EXPERIMENTS / "digits.py", "--out", tmp_path / "runs") == 2
    err = capsys.readouterr().err
    assert "needs 'sklearn', which is not installed" in err
    assert "pip install 'nanograd-numpy[digits]'" in err
    assert not (tmp_path / "runs").exists()


def load_digits():
    """scikit-learn's own loader, imported only by the tests that compare with it."""
    from sklearn.datasets import load_digits

    return load_digits()


def digits_module():
    """experiments/digits.py as a module of its own name, outside sys.modules."""
    spec = importlib.util.spec_from_file_location("digits_under_test", EXPERIMENTS / "digits.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_reads_scikit_learn_s_images_without_importing_it(tmp_path):
    """Importing sklearn.datasets takes over a second; digits reads the file it ships instead,
    to the same images and labels as load_digits() gives."""
    images = tmp_path / "digits.npz"
    code = (
        f"import sys; sys.path.insert(0, {str(EXPERIMENTS)!r}); import numpy as np, digits\n"
        f"X, y = digits.load_digits(); np.savez({str(images)!r}, X=X, y=y)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
    expected = load_digits()
    with np.load(images, allow_pickle=False) as loaded:
        assert loaded["X"].dtype == expected.data.dtype
        assert loaded["y"].dtype == expected.target.dtype
        np.testing.assert_array_equal(loaded["X"], expected.data / 16.0)
        np.testing.assert_array_equal(loaded["y"], expected.target)


def test_digits_asks_scikit_learn_when_its_file_is_not_where_expected(monkeypatch):
    digits = digits_module()
    monkeypatch.setattr(digits, "bundled_digits", lambda: None)
    X, y = digits.load_digits()
    expected = load_digits()
    np.testing.assert_array_equal(X, expected.data / 16.0)
    np.testing.assert_array_equal(y, expected.target)


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_compile_true_gives_the_metrics_of_the_eager_run(name, tmp_path):
    """compile=True traces each batch shape once and replays it: every metric, bit for bit."""
    epochs = 1 if name.startswith("digits") else 3
    rows = {}
    for compiled in (False, True):
        out = tmp_path / str(compiled)
        assert run(EXPERIMENTS / f"{name}.py", "--max-epochs", epochs, "--seed", 0, "--out", out,
                   "--quiet", "--no-plots", f"compile={compiled}") == 0  # fmt: skip
        rows[compiled] = read_metrics(run_folder(out, name))
        config = json.loads((run_folder(out, name) / "config.json").read_text())
        assert config["config"]["compile"] is compiled
    assert len(rows[True]) == epochs
    assert rows[True] == rows[False]
