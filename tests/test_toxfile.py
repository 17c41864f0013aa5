"""toxfile.py: the interpreters it hands tox from a pyenv installation."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

TOXFILE = Path(__file__).resolve().parent.parent / "toxfile.py"


@pytest.fixture(scope="module")
def toxfile() -> ModuleType:
    spec = importlib.util.spec_from_file_location("toxfile_under_test", TOXFILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_pyenv(root: Path, *versions: str) -> Path:
    """A pyenv root whose ``versions`` hold an executable pythonX.Y for each name given."""
    for version in versions:
        short = ".".join(version.split(".")[:2]).rstrip("t")
        exe = root / "versions" / version / "bin" / f"python{short}"
        exe.parent.mkdir(parents=True)
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    return root


def test_the_newest_patch_of_each_cpython_3_minor_is_offered_newest_first(
    toxfile: ModuleType, tmp_path: Path
) -> None:
    root = fake_pyenv(
        tmp_path, "3.10.2", "3.10.13", "3.12.1", "3.13.0", "2.7.18", "3.13.0t", "3.11-dev"
    )
    (root / "versions" / "miniconda3-latest").mkdir()
    assert toxfile.pyenv_interpreters(root) == [
        str(root / "versions" / "3.13.0" / "bin" / "python3.13"),
        str(root / "versions" / "3.12.1" / "bin" / "python3.12"),
        str(root / "versions" / "3.10.13" / "bin" / "python3.10"),
    ]


def test_a_version_folder_without_its_interpreter_is_left_out(
    toxfile: ModuleType, tmp_path: Path
) -> None:
    root = fake_pyenv(tmp_path, "3.12.1")
    (root / "versions" / "3.11.7" / "bin").mkdir(parents=True)
    assert toxfile.pyenv_interpreters(root) == [str(root / "versions/3.12.1/bin/python3.12")]


def test_interpreters_given_with_discover_stay_first(
    toxfile: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fake_pyenv(tmp_path, "3.10.13", "3.12.1")
    monkeypatch.setenv("PYENV_ROOT", str(root))
    mine = str(root / "versions/3.10.13/bin/python3.10")
    options = SimpleNamespace(discover=["/opt/python3.14", mine])
    toxfile.tox_add_core_config(None, SimpleNamespace(conf=SimpleNamespace(options=options)))
    assert options.discover == [
        "/opt/python3.14",
        mine,
        str(root / "versions/3.12.1/bin/python3.12"),
    ]


def test_without_pyenv_the_search_is_left_alone(
    toxfile: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `pyenv` command
    options = SimpleNamespace(discover=[])
    toxfile.tox_add_core_config(None, SimpleNamespace(conf=SimpleNamespace(options=options)))
    assert options.discover == []
