"""Finding installed plugins without importlib.metadata: the same entry points it finds, each
with its distribution's name and version, the first copy of a distribution on the path winning."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from nanograd.plugins.entry_points import EntryPoint, entry_points


def make_distribution(
    directory: Path, folder: str, entry_points_txt: str, header: str | None = None
) -> None:
    where = directory / folder
    where.mkdir(parents=True)
    (where / "entry_points.txt").write_text(entry_points_txt)
    if header is not None:
        metadata_file = "PKG-INFO" if folder.endswith(".egg-info") else "METADATA"
        (where / metadata_file).write_text(header + "\n\nThe description: Name: not this\n")


def test_it_finds_what_importlib_metadata_finds_in_this_environment() -> None:
    for group in ("nanograd", "console_scripts", "pytest11"):
        expected = {
            (ep.name, ep.value, ep.dist.metadata["Name"] if ep.dist else None)
            for ep in metadata.entry_points(group=group)
        }
        found = {(ep.name, ep.value, ep.distribution) for ep in entry_points(group)}
        assert found == expected, group


def test_name_and_version_come_from_the_metadata_header(tmp_path: Path) -> None:
    make_distribution(
        tmp_path, "my_ops-1.2.dist-info", "[nanograd]\nmy_ops = my_ops.plugin:hooks [fast]\n",
        "Metadata-Version: 2.1\nName: My.Ops\nVersion: 1.2.post1",
    )  # fmt: skip
    assert entry_points("nanograd", [str(tmp_path)]) == [
        EntryPoint("my_ops", "my_ops.plugin:hooks", "My.Ops", "1.2.post1")
    ]


def test_only_the_named_group_is_read(tmp_path: Path) -> None:
    text = "# comment\n[console_scripts]\ntool = tool:main\n\n[nanograd]\n; another\nops = ops\n"
    make_distribution(tmp_path, "ops-0.1.dist-info", text, "Name: ops\nVersion: 0.1")
    assert [ep.name for ep in entry_points("nanograd", [str(tmp_path)])] == ["ops"]
    assert [ep.name for ep in entry_points("console_scripts", [str(tmp_path)])] == ["tool"]


def test_a_distribution_found_twice_counts_once_from_the_first_directory(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_distribution(
        first, "ops-2.0.dist-info", "[nanograd]\nops = new\n", "Name: ops\nVersion: 2.0"
    )
    make_distribution(
        second, "Ops-1.0.dist-info", "[nanograd]\nops = old\n", "Name: Ops\nVersion: 1.0"
    )
    found = entry_points("nanograd", [str(first), str(second)])
    assert [(ep.value, ep.version) for ep in found] == [("new", "2.0")]


def test_egg_info_and_a_missing_header_fall_back_to_the_folder_name(tmp_path: Path) -> None:
    make_distribution(tmp_path, "legacy.egg-info", "[nanograd]\nlegacy = legacy\n")
    make_distribution(tmp_path, "bare-3.1.dist-info", "[nanograd]\nbare = bare\n")
    found = entry_points("nanograd", [str(tmp_path), str(tmp_path / "missing"), "/dev/null"])
    assert {(ep.name, ep.distribution, ep.version) for ep in found} == {
        ("legacy", "legacy", None),
        ("bare", "bare", "3.1"),
    }


def test_load_imports_the_module_and_the_attribute_it_names() -> None:
    assert EntryPoint("p", "os.path", None, None).load() is __import__("os").path
    assert EntryPoint("p", "os.path:join", None, None).load() is __import__("os").path.join


def test_a_first_gradient_imports_neither_importlib_metadata_nor_what_only_mistakes_need() -> None:
    code = (
        "import sys, nanograd as ng\n"
        "(ng.tensor([1.0], requires_grad=True) * 2).sum().backward()\n"
        "print(sorted(m for m in ('importlib.metadata', 'email', 'zipfile', 'difflib', 'socket') "
        "if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
