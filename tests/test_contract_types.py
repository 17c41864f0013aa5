"""The register callbacks are typed: mypy refuses a wrong ``register(...)`` call in a plugin.

One mypy run over two fixture plugins: ``only_mul`` registers correctly and must raise no error,
so the run cannot pass by finding nothing; ``wrong_register_calls`` marks each wrong call with
``# wrong`` and every one of those lines must be reported, and no other.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
GOOD = TESTS / "plugin_fixtures" / "only_mul.py"
WRONG = TESTS / "plugin_fixtures" / "wrong_register_calls.py"


def _mypy(tmp_path: Path, *files: Path) -> str:
    result = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--hide-error-context",
            "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"),
            *map(str, files),
        ],
        capture_output=True, text=True, cwd=TESTS,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 2 would be a crash
    return result.stdout


def test_mypy_reports_each_wrong_register_call_and_nothing_in_a_correct_plugin(
    tmp_path: Path,
) -> None:
    out = _mypy(tmp_path, GOOD, WRONG)
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert not [e for e in errors if GOOD.name in e], out
    wrong_lines = {
        number
        for number, line in enumerate(WRONG.read_text().splitlines(), start=1)
        if "# wrong" in line
    }
    reported = {int(m.group(1)) for e in errors if (m := re.search(rf"{WRONG.name}:(\d+):", e))}
    assert reported == wrong_lines, out
    assert 'Unexpected keyword argument "domian"' in out
    assert 'Missing positional argument "vjp"' in out
