"""``python -m nanograd.plugins new NAME [--dir PATH]``: a plugin distribution, ready to install.

Writes a project folder from the templates beside this module: ``pyproject.toml`` (build
backend, metadata, a bounded dependency on nanograd's distribution, the entry point in group
``nanograd``), a module registering one example op with its gradient and domain, a test running
the property suite on it through :mod:`nanograd.testing`, and a README saying how to install,
check and publish it. It installs with ``pip install -e`` as written and passes its own test.

The folder is written under a temporary name and renamed into place, so a failure part-way
leaves nothing half-made behind, and an existing folder with files in it is never touched.
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from nanograd._distribution import DISTRIBUTION
from nanograd._streams import until_reader_leaves

WIDTH = 100
EXAMPLE_OP = "logcosh"
# PEP 508: letters, digits, and . _ - inside; starting and ending with a letter or digit.
_PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
# Names a plugin module must not take: they would shadow nanograd or its first-party plugins.
_RESERVED = {"nanograd", "nanograd_numpy", "nanograd_std", "nanograd_conv"}


class ScaffoldError(Exception):
    """A NAME or --dir that cannot make a plugin project; the message says what would."""


@dataclass(frozen=True)
class Project:
    """What the templates are filled with."""

    distribution: str
    module: str
    op: str
    nanograd_requirement: str

    def files(self) -> dict[str, str]:
        """Path in the project -> template file."""
        return {
            "pyproject.toml": "pyproject.toml.tmpl",
            "README.md": "README.md.tmpl",
            ".gitignore": "gitignore.tmpl",
            f"src/{self.module}/__init__.py": "module.py.tmpl",
            "tests/test_ops.py": "test_ops.py.tmpl",
        }

    def render(self, template: str) -> str:
        folder = resources.files("nanograd.plugins").joinpath("template")
        text = folder.joinpath(template).read_text(encoding="utf-8")
        for key in ("distribution", "module", "op", "nanograd_requirement"):
            text = text.replace("{{" + key + "}}", getattr(self, key))
        assert "{{" not in text, f"unfilled placeholder in {template}"
        return text


def module_name(distribution: str) -> str:
    """The import name for a distribution name: lower case, runs of ``-_.`` as one ``_``."""
    return re.sub(r"[-_.]+", "_", distribution).lower()


def nanograd_requirement(version: str) -> str:
    """``nanograd-numpy>=X.Y,<X+1`` for the installed nanograd ``X.Y.Z``: the plugin API it was
    written against, up to the next major version."""
    match = re.match(r"(\d+)\.(\d+)", version)
    major, minor = (int(match.group(1)), int(match.group(2))) if match else (0, 1)
    return f"{DISTRIBUTION}>={major}.{minor},<{major + 1}"


def plan(name: str) -> Project:
    """Check ``name`` and work out the project's names; :class:`ScaffoldError` if unusable."""
    if not _PROJECT_NAME.fullmatch(name):
        raise ScaffoldError(
            f"{name!r} is not a valid distribution name: use letters, digits and - _ . "
            "inside, starting and ending with a letter or digit (e.g. nanograd-mish)"
        )
    module = module_name(name)
    if not module.isidentifier() or keyword.iskeyword(module):
        raise ScaffoldError(
            f"{name!r} gives the module name {module!r}, which is not a Python identifier; "
            "start the name with a letter (e.g. nanograd-mish)"
        )
    if module in _RESERVED:
        raise ScaffoldError(f"{name!r} is nanograd's own name; choose another (e.g. nanograd-mish)")
    spec = find_spec(module)
    if spec is not None:
        where = f" ({spec.origin})" if spec.origin else ""
        raise ScaffoldError(
            f"a module named {module!r} can be imported already{where}; the plugin's module "
            "would clash with it, so choose another NAME"
        )
    import nanograd

    return Project(name, module, _free_op_name(module), nanograd_requirement(nanograd.__version__))


def _free_op_name(module: str) -> str:
    """The example op's name: ``logcosh``, or ``<module>_logcosh`` when an installed plugin has
    that name already (op names are unique across every loaded plugin)."""
    from nanograd import plugins
    from nanograd.registry import PluginError

    try:
        taken = plugins.registry().ops
    except PluginError:  # a broken plugin elsewhere is no reason to refuse
        return EXAMPLE_OP
    return EXAMPLE_OP if EXAMPLE_OP not in taken else f"{module}_{EXAMPLE_OP}"


def create(project: Project, directory: Path) -> list[str]:
    """Write the project into ``directory`` (absent or empty); returns the files written."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldError(
            f"{directory} exists and is not an empty folder; nothing was written. Choose "
            "another place with --dir PATH"
        )
    parent = directory.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=parent))
    except OSError as exc:
        raise ScaffoldError(f"cannot create {directory}: {exc.strerror or exc}") from exc
    try:
        for path, template in project.files().items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(project.render(template), encoding="utf-8")
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it owner-only
        if directory.exists():
            directory.rmdir()  # empty, checked above
        os.replace(staging, directory)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ScaffoldError(f"cannot create {directory}: {exc.strerror or exc}") from exc
    return list(project.files())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nanograd.plugins new",
        description=(
            "Create a nanograd plugin distribution NAME: pyproject.toml, a module with an example "
            "op, its property test and a README. Install it with pip install -e."
        ),
    )
    parser.add_argument(
        "name",
        metavar="NAME",
        help="the distribution name, e.g. nanograd-mish (its module: nanograd_mish)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="PATH",
        help="the project folder to create (default: ./NAME); must not hold files yet",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    directory = args.dir if args.dir is not None else Path(args.name)
    try:
        project = plan(args.name)
        files = create(project, directory)
    except ScaffoldError as exc:
        message = textwrap.fill(
            f"error: {exc}", width=WIDTH, break_long_words=False, break_on_hyphens=False
        )
        print(message, file=sys.stderr)
        return 2
    with until_reader_leaves():  # the project is made: a reader that left changes nothing
        _report(directory, project, files)
    return 0


def _report(directory: Path, project: Project, files: Sequence[str]) -> None:
    print(
        f"created {directory}/: distribution {project.distribution}, module {project.module}, "
        f"example op {project.op}"
    )
    for path in files:
        print(f"  {path}")
    print("next, in an environment with nanograd installed:")
    for step in (
        f"cd {directory}",
        'python -m pip install -e ".[test]"',
        "python -m nanograd.plugins",
        "python -m pytest",
        f"python -m nanograd.check --op {project.op}",
    ):
        print(f"  {step}")
