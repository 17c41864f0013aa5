"""The benchmark suite runs, checks its hand-written baselines and reports what it skipped.

Timings are never asserted: only that the suite measures, compares and reports.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs the suite with torch and autograd made unimportable (a None entry in sys.modules makes
# `import` raise ImportError), whether or not they are installed here.
WITHOUT_PEERS = """
import runpy, sys
sys.modules["torch"] = None
sys.modules["autograd"] = None
sys.argv = ["benchmarks", *sys.argv[1:]]
runpy.run_module("benchmarks", run_name="__main__", alter_sys=True)
"""


def run_suite(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PEERS, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_chain_workload_reports_a_ratio_to_numpy_and_the_skipped_peers(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = run_suite("--only", "W1", "--repeats", "2", "--json", str(out))
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| W1 ")]
    assert len(rows) == 1
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[1] == "µs/op"
    assert cells[4].endswith("x")  # the ratio to NumPy by hand
    assert cells[5].startswith("<= 3.00x")  # the target, "(missed)" after it if so
    assert cells[6] == "-"  # no PyTorch column without PyTorch
    assert "skipped, not installed: pytorch, hips autograd (W1) (pip install torch autograd" in (
        result.stdout
    )
    document = json.loads(out.read_text())
    assert document["skipped"] == {"pytorch": "torch", "hips autograd (W1)": "autograd"}
    (row,) = document["rows"]
    assert row["key"] == "W1" and row["torch"] is None
    assert row["ratio"] == row["nanograd"] / row["numpy"]
    assert row["extra"]["python_calls_per_op"] > 1
    assert row["extra"]["bytecodes_per_op"] > 10 * row["extra"]["python_calls_per_op"]
    assert document["conditions"]["blas_threads"] == 1


def test_the_moons_baseline_agrees_with_nanograd_and_is_reported(tmp_path: Path) -> None:
    # The suite checks each derivation by hand against nanograd before timing and fails if one
    # disagrees; one repeat is enough to see it check and report.
    out = tmp_path / "results.json"
    result = run_suite("--only", "W4", "--repeats", "1", "--json", str(out))
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(out.read_text())["rows"]
    assert row["key"] == "W4" and row["numpy"] > 0 and row["nanograd"] > 0
    assert row["met"] == (row["ratio"] <= row["target"])


def test_the_mlp_and_matmul_gradients_by_hand_agree_with_nanograd() -> None:
    code = (
        "import sys\n"
        "sys.modules['torch'] = None\n"  # unimportable: only the engine and NumPy, quickly
        "from benchmarks import mlp\n"
        "mlp.check_mlp_gradients()\n"
        "print(sorted(mlp.matmul_cases()))\n"  # builds the matmul and checks its gradients
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['nanograd', 'numpy']"


def test_the_count_of_calls_and_bytecodes_per_op_is_the_same_on_every_run() -> None:
    counts = []
    for _ in range(2):
        result = run_suite("--count")
        assert result.returncode == 0, result.stderr
        found = re.search(r"([\d.]+) Python calls and ([\d.]+) bytecodes per op", result.stdout)
        assert found is not None, result.stdout
        counts.append((float(found[1]), float(found[2])))
    assert counts[0] == counts[1]
    calls, bytecodes = counts[0]
    # each op is at least the op's own function and its vjp, and some bytecodes each
    assert calls >= 2 and bytecodes > 10 * calls


def test_an_unknown_workload_is_a_usage_error() -> None:
    result = run_suite("--only", "W9")
    assert result.returncode == 2
    assert "unknown workload(s) W9; choose from W1, W2, W3, W4, W5, W6, W7, W8" in result.stderr


def test_the_compile_benchmark_times_each_workload_three_ways() -> None:
    script = ROOT / "benchmarks" / "compile.py"
    result = subprocess.run(
        [sys.executable, str(script), "--repeats", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for workload in ("chain", "moons", "mlp"):
        assert set(figures[workload]) == {"eager", "compiled", "numpy"}
        assert all(seconds > 0 for seconds in figures[workload].values())
    assert set(figures["trace"]) == {"chain_eager", "chain_first_call", "mlp_eager",
                                     "mlp_first_call"}  # fmt: skip


def test_the_compile_workload_reports_rows_with_targets_in_the_suite(tmp_path: Path) -> None:
    result = run_suite("--only", "W8", "--repeats", "1", "--json", str(tmp_path / "w8.json"))
    assert result.returncode == 0, result.stderr
    rows = {row["key"]: row for row in json.loads((tmp_path / "w8.json").read_text())["rows"]}
    assert {"W8 chain", "W8 moons", "W8 mlp", "W8 trace chain", "W8 trace mlp"} <= set(rows)
    assert rows["W8 chain"]["target"] == 1.5 and rows["W8 chain"]["numpy"] > 0
