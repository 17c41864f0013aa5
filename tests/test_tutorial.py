"""docs/tutorial.md runs as printed: every snippet in order, printing what the page shows, and
every picture on the page drawn from the code as it is now (docs/snippets.py redraws them)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from test_run_support import unload_plugins

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "tutorial.md"
REDRAW = "python docs/snippets.py docs/tutorial.md"


def _load_snippets():
    spec = importlib.util.spec_from_file_location("docs_snippets", ROOT / "docs" / "snippets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


snippets = _load_snippets()


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The page, run once for the tests of this module; the plugins it loads are let go after."""
    page = snippets.read(PAGE)
    try:
        yield snippets.run(page, tmp_path_factory.mktemp("tutorial"))
    finally:
        unload_plugins()


def test_every_snippet_prints_what_the_page_shows(ran):
    shown = [r for r in ran if r.block.output is not None]
    assert len(shown) >= 10  # the page shows its output after most snippets
    for result in shown:
        assert result.printed == result.block.output, f"tutorial.md line {result.block.line}"


def test_every_picture_is_drawn_from_the_code_as_it_is_now(ran):
    pictures = [r for r in ran if r.block.picture is not None]
    assert [Path(r.block.picture).name for r in pictures] == [
        "scalar.svg", "fanout.svg", "broadcast.svg", "mlp.svg"
    ]  # fmt: skip
    for result in pictures:
        svg = PAGE.parent / result.block.picture
        assert svg.exists(), f"{svg} is missing: {REDRAW} draws it"
        text = svg.read_text(encoding="utf-8")
        assert snippets.stamp(result.graph.dot) in text, (
            f"{svg.name} shows an older graph than the code at tutorial.md line "
            f"{result.block.line} draws: {REDRAW} redraws it"
        )
        assert text.rstrip().endswith("</svg>")


def test_the_pictures_show_what_the_text_says(ran):
    dots = {Path(r.block.picture).stem: r.graph.dot for r in ran if r.block.picture}
    assert "grad 7" in next(line for line in dots["scalar"].splitlines() if "<B>x</B>" in line)
    # h is used three times: twice by one mul, once by the add
    h = re.search(r"^\s*(t\d+) \[label=<<B>h</B>", dots["fanout"], re.M).group(1)
    assert len(re.findall(rf"^\s*{h} -> ", dots["fanout"], re.M)) == 3
    assert "linear → relu  × 6" in dots["mlp"]


def test_a_page_whose_output_differs_is_reported_with_its_line(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("Text.\n\n```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n", encoding="utf-8")
    read = snippets.read(page)
    (result,) = snippets.run(read, tmp_path)
    assert (result.block.line, result.printed, result.block.output) == (4, "2\n", "3\n")
    assert snippets.main([str(page)]) == 1


def test_the_readme_links_the_tutorial():
    assert "(docs/tutorial.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
