"""Run the code of a Markdown page, check what it prints, and draw its graph pictures.

    python docs/snippets.py docs/tutorial.md      # run it, then redraw its pictures

A page's code runs the way a reader would run it: its ```python blocks in order, in one namespace,
in an empty working directory (a ```py block is code shown, not run). Three conventions tie the
text to the code:

- A ```text block right after a python block is what that block prints, exactly.
- A python block whose first line is ``# file: NAME`` is written to ``NAME`` instead of being run
  (a plugin module, say), for the blocks after it to use.
- An image ``![...](images/<page>/NAME.svg)`` right after a python block (or after its output) is
  the picture of the graph that block's last line evaluates to, an ``ng.viz.Graph``, as a notebook
  would show it. The SVG file holds the SHA-256 of the DOT text it was drawn from, so the tests can
  tell, without Graphviz, whether a picture still shows what the code draws now.

The tests (tests/test_tutorial.py) run the page and compare; this command redraws the pictures,
which needs Graphviz (``pip install 'nanograd-numpy[viz]'`` and its ``dot`` program).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
IMAGE = re.compile(r"^!\[[^\]]*\]\(([^)\s]+\.svg)\)", re.M)
FILE = re.compile(r"# file: (\S+)\n")
STAMP = "<!-- nanograd.viz DOT sha256 {} -->"


@dataclass
class Block:
    """One python block of a page, with what follows it."""

    line: int  # where its code starts in the page (1-based), for error messages
    code: str
    output: str | None = None  # the text block after it: what it prints
    picture: str | None = None  # the image after it: where its graph's picture goes
    file: str | None = None  # set for a block to write to a file instead of running


@dataclass
class Ran:
    """What running a block gave: its printed text and, for a picture, the graph's DOT text."""

    block: Block
    printed: str
    graph: Any = None


@dataclass
class Page:
    path: Path
    blocks: list[Block] = field(default_factory=list)


def read(path: Path) -> Page:
    """The python blocks of the page at ``path``, each with its output and picture, if any."""
    text = path.read_text(encoding="utf-8")
    page = Page(path)
    matches = list(FENCE.finditer(text))
    for i, match in enumerate(matches):
        language, code = match.group(1), match.group(2)
        if language != "python":
            continue
        block = Block(text.count("\n", 0, match.start(2)) + 1, code)
        named = FILE.match(code)
        if named:
            block.file = named.group(1)
        end = match.end()
        following = matches[i + 1] if i + 1 < len(matches) else None
        if following and following.group(1) == "text" and _blank(text[end : following.start()]):
            block.output = following.group(2)
            end = following.end()
        image = IMAGE.match(text[end:].lstrip())
        if image:
            block.picture = image.group(1)
        page.blocks.append(block)
    return page


def _blank(text: str) -> bool:
    return not text.strip()


def run(page: Page, workdir: Path) -> list[Ran]:
    """Run the page's blocks in order in ``workdir``; raise naming the block that fails."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results = []
    previous = Path.cwd()
    os.chdir(workdir)
    sys.path.insert(0, str(workdir))
    try:
        for block in page.blocks:
            if block.file is not None:
                (workdir / block.file).write_text(block.code, encoding="utf-8")
                results.append(Ran(block, ""))
                continue
            results.append(_run_block(page, block, namespace))
    finally:
        sys.path.remove(str(workdir))
        os.chdir(previous)
    return results


def _run_block(page: Page, block: Block, namespace: dict[str, Any]) -> Ran:
    where = f"{page.path.name}:{block.line}"
    tree = ast.parse(block.code, filename=where)
    ast.increment_lineno(tree, block.line - 1)
    last = None
    if block.picture is not None:
        if not tree.body or not isinstance(tree.body[-1], ast.Expr):
            raise ValueError(
                f"{where}: the block before picture {block.picture} must end with the graph to "
                "draw (an ng.viz.graph(...) expression)"
            )
        last = ast.Expression(tree.body.pop().value)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(tree, page.path.name, "exec"), namespace)
        graph = eval(compile(last, page.path.name, "eval"), namespace) if last else None
    return Ran(block, printed.getvalue(), graph)


def stamp(dot: str) -> str:
    """The comment an SVG carries to say which DOT text it was drawn from."""
    return STAMP.format(hashlib.sha256(dot.encode("utf-8")).hexdigest())


def draw(page: Page, results: list[Ran]) -> list[Path]:
    """Draw each picture of the page (with Graphviz) into its SVG file, stamped."""
    written = []
    for ran in results:
        if ran.block.picture is None:
            continue
        svg = ran.graph.render("svg").decode("utf-8")
        declaration, _, rest = svg.partition("\n")
        target = page.path.parent / ran.block.picture
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"{declaration}\n{stamp(ran.graph.dot)}\n{rest}", encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python docs/snippets.py PAGE.md", file=sys.stderr)
        return 2
    page = read(Path(argv[0]).resolve())
    with tempfile.TemporaryDirectory() as workdir:
        results = run(page, Path(workdir))
    for ran in results:
        expected = ran.block.output
        if expected is not None and ran.printed != expected:
            print(f"{page.path.name}:{ran.block.line} printed:\n{ran.printed}", file=sys.stderr)
            return 1
    for path in draw(page, results):
        print(f"drew {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
