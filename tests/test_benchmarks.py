"""benchmarks/chain.py says which peer engines it could not time, and counts deterministically."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CHAIN = Path(__file__).resolve().parent.parent / "benchmarks" / "chain.py"

# Runs chain.py with torch and autograd made unimportable (a None entry in sys.modules makes
# `import` raise ImportError), whether or not they are installed here.
WITHOUT_PEERS = """
import runpy, sys
sys.modules["torch"] = None
sys.modules["autograd"] = None
sys.argv = ["chain.py", *sys.argv[1:]]
runpy.run_path({chain!r}, run_name="__main__")
"""


def run_without_peers(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PEERS.format(chain=str(CHAIN)), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_report_names_the_peers_it_skipped_and_how_to_install_them() -> None:
    result = run_without_peers("--repeats", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["numpy", "nanograd"]
    assert lines[-1] == (
        "skipped, not installed: pytorch, hips autograd "
        "(pip install torch autograd to time them too)"
    )


def test_the_json_report_lists_the_skipped_peers() -> None:
    result = run_without_peers("--repeats", "3", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["skipped"] == {"pytorch": "torch", "hips autograd": "autograd"}
    assert set(document["us_per_op"]) == {"numpy by hand", "nanograd"}


def test_the_count_of_calls_and_bytecodes_per_op_is_the_same_on_every_run() -> None:
    counts = []
    for _ in range(2):
        result = run_without_peers("--count", "--json")
        assert result.returncode == 0, result.stderr
        counts.append(json.loads(result.stdout)["per_op"])
    assert counts[0] == counts[1]
    # each op is at least the op's own function and its vjp, and some bytecodes each
    assert counts[0]["calls"] >= 2 and counts[0]["bytecodes"] > 10 * counts[0]["calls"]


def test_the_compile_benchmark_times_each_workload_three_ways() -> None:
    script = CHAIN.parent / "compile.py"
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
