"""`python -m nanograd.plugins new`: a plugin project that installs, loads and passes its tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from nanograd._distribution import DISTRIBUTION


def plugins_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanograd.plugins", *map(str, args)],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def clean_env() -> dict[str, str]:
    """This environment without the variables that choose plugins or import paths."""
    env = dict(os.environ)
    for name in ("NANOGRAD_LOAD_PLUGINS", "NANOGRAD_PLUGINS", "PYTHONPATH"):
        env.pop(name, None)
    return env


def test_new_writes_a_complete_project_in_the_folder_named_by_dir(tmp_path: Path) -> None:
    result = plugins_cli("new", "nanograd-mish", "--dir", "plugins/mish", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "plugins" / "mish"
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert files == [
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "src/nanograd_mish/__init__.py",
        "tests/test_ops.py",
    ]
    pyproject = (project / "pyproject.toml").read_text()
    assert 'name = "nanograd-mish"' in pyproject
    assert re.search(rf'"{DISTRIBUTION}>=\d+\.\d+,<\d+"', pyproject)
    assert '[project.entry-points.nanograd]\nnanograd_mish = "nanograd_mish"' in pyproject
    assert "{{" not in "".join(p.read_text() for p in project.rglob("*") if p.is_file())
    assert result.stdout.splitlines()[0] == (
        "created plugins/mish/: distribution nanograd-mish, module nanograd_mish, "
        "example op logcosh"
    )


def test_new_whose_reader_has_left_makes_the_project_and_exits_quietly(tmp_path: Path) -> None:
    """Standard output is a pipe nobody reads: its first write fails (EPIPE)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "nanograd.plugins", "new", "nanograd-mish", "--dir", "mish"],
            cwd=tmp_path, env=clean_env(), stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (tmp_path / "mish" / "src" / "nanograd_mish" / "__init__.py").is_file()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad name", "'bad name' is not a valid distribution name"),
        ("3d-ops", "the module name '3d_ops', which is not a Python identifier"),
        ("numpy", "a module named 'numpy' can be imported already"),
        ("nanograd-std", "'nanograd-std' is nanograd's own name"),
    ],
)
def test_a_name_that_cannot_make_a_plugin_is_refused(
    tmp_path: Path, name: str, message: str
) -> None:
    result = plugins_cli("new", name, cwd=tmp_path)
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_folder_with_files_in_it_is_left_untouched(tmp_path: Path) -> None:
    (tmp_path / "nanograd-mish").mkdir()
    (tmp_path / "nanograd-mish" / "notes.txt").write_text("mine")
    result = plugins_cli("new", "nanograd-mish", cwd=tmp_path)
    assert result.returncode == 2
    assert "exists and is not an empty folder; nothing was written" in result.stderr
    assert [p.name for p in (tmp_path / "nanograd-mish").iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nanograd-mish"]


def test_the_project_installs_shows_in_the_listing_and_passes_its_tests_and_the_check(
    tmp_path: Path,
) -> None:
    """End to end, as a plugin author: scaffold, pip install -e, list, pytest, check.

    The project goes into a fresh virtual environment that sees this environment's packages
    (nanograd among them) through a .pth file, so pip finds nanograd-numpy installed and the
    plugin never lands in the environment running these tests.
    """
    assert plugins_cli("new", "nanograd-mish", cwd=tmp_path).returncode == 0
    project = tmp_path / "nanograd-mish"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    lines = [f"import site; site.addsitedir({path!r})\n" for path in sorted(ours)]
    Path(site_packages, "outer-environment.pth").write_text("".join(lines))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, *args], cwd=project, env=clean_env(), capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip

    installed = run("-m", "pip", "install", "--quiet", "-e", ".")
    assert installed.returncode == 0, installed.stderr

    listed = run("-m", "nanograd.plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    (info,) = [p for p in json.loads(listed.stdout) if p["name"] == "nanograd_mish"]
    assert (info["distribution"], info["source"], info["ops"]) == (
        "nanograd-mish", "entry point", ["logcosh"],
    )  # fmt: skip

    tested = run("-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "2 passed" in tested.stdout

    checked = run("-m", "nanograd.check", "--op", "logcosh")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"^logcosh\s+op\s+nanograd_mish\s+pass\s+pass$", checked.stdout, re.M)


def test_writing_an_op_shows_the_files_new_writes(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "writing-an-op.md").read_text()
    result = plugins_cli("new", "nanograd-silu", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = re.search(r"```console\n\$ python -m nanograd.plugins new nanograd-silu\n(.*?)```",
                      doc, re.S)  # fmt: skip
    assert shown is not None and shown.group(1) == result.stdout
    project = tmp_path / "nanograd-silu"
    toml_block = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert toml_block is not None
    assert toml_block.group(1) == (project / "pyproject.toml").read_text()
    module = (project / "src" / "nanograd_silu" / "__init__.py").read_text()
    assert f"```python\n{module}```" in doc
