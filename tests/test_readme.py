"""The README's examples run as printed, and print what the README shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def run_python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_ten_line_example_is_ten_lines_and_prints_what_the_readme_shows(
    tmp_path: Path,
) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Ten lines") :]
    code, shown = re.search(r"```python\n(.*?)```.*?```console\n(.*?)```", section, re.S).groups()
    assert len(code.splitlines()) == 10
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    result = run_python(str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown


def normalized(output: str) -> list[str]:
    """Output lines with what differs from run to run replaced: the run folder's timestamped
    name, times, and the BLAS library's own thread count."""
    output = re.sub(r"runs/linreg/\d{8}-\d{6}-[0-9a-f]{6}", "runs/linreg/RUN", output)
    output = re.sub(r"\(\d+\.\d\ds\)", "(TIME)", output)
    output = re.sub(r" in \d+\.\ds", " in TIME", output)
    output = re.sub(r"; \w+ would use \d+,", "; BLAS would use N,", output)
    return output.splitlines()


def test_the_linreg_sample_is_what_the_command_prints_with_the_seed_it_shows(
    tmp_path: Path,
) -> None:
    (sample,) = [b for b in blocks("console") if b.startswith("linreg · ")]
    seed = re.match(r"linreg · experiments/linreg.py · seed (\d+)\n", sample)
    assert seed is not None
    experiment = tmp_path / "experiments" / "linreg.py"
    experiment.parent.mkdir()
    experiment.write_bytes((ROOT / "experiments" / "linreg.py").read_bytes())
    result = run_python(
        "-m", "nanograd.run", "experiments/linreg.py", "--seed", seed.group(1), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    printed = normalized(result.stdout)
    expected = normalized(sample)
    cut = expected.index("...")
    assert printed[:cut] == expected[:cut]
    assert printed[-(len(expected) - cut - 1) :] == expected[cut + 1 :]
