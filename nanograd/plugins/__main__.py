"""``python -m nanograd.plugins``: what is installed, and what each plugin registered.

    python -m nanograd.plugins [-p MODULE]... [--json]
    python -m nanograd.plugins [-p MODULE]... --ops [--markdown]
    python -m nanograd.plugins new NAME [--dir PATH]

Prints one block per loaded plugin: its name, distribution and version, where it came from
(entry point, NANOGRAD_PLUGINS or -p) and the ops, losses and optimizers it registered. With
``--json``, the same as a list of objects. ``--ops`` lists every op instead, one line each;
``--ops --markdown`` prints the op reference, rendered from each op's declaration (docs/ops.md
is its output with ``NANOGRAD_LOAD_PLUGINS=nanograd_std``). A plugin that fails to load is
reported in one paragraph, without a traceback, and the exit status is 2. ``new`` creates a
plugin project (:mod:`nanograd.plugins.scaffold`).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import asdict

from nanograd import plugins
from nanograd._streams import until_reader_leaves
from nanograd.plugins import reference
from nanograd.registry import PluginError

WIDTH = 100
_KINDS = ("ops", "losses", "optimizers")


def _table(infos: Sequence[plugins.PluginInfo]) -> str:
    """The human-readable listing: a header row per plugin, its registrations wrapped below."""
    if not infos:
        return (
            "no plugins loaded (NANOGRAD_LOAD_PLUGINS may be empty; "
            "add modules with -p or NANOGRAD_PLUGINS)"
        )
    columns = ("plugin", "distribution", "version", "source")
    rows = [
        (info.name, info.distribution or "-", info.version or "-", info.source) for info in infos
    ]
    widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    label_width = max(len(f"{kind} (000)") for kind in _KINDS) + 2
    out = [line(columns), line(["-" * w for w in widths])]
    for info, row in zip(infos, rows, strict=True):
        out.append(line(row))
        for kind in _KINDS:
            names: list[str] = getattr(info, kind)
            label = f"  {kind} ({len(names)})".ljust(label_width + 2)
            body = ", ".join(names) if names else "-"
            out.append(
                textwrap.fill(
                    body,
                    width=WIDTH,
                    initial_indent=label,
                    subsequent_indent=" " * len(label),
                    break_on_hyphens=False,
                )
            )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["new"]:
        from nanograd.plugins.scaffold import main as new

        return new(args_list[1:])
    parser = argparse.ArgumentParser(
        prog="python -m nanograd.plugins",
        description="List the loaded nanograd plugins and what each registered.",
        epilog="python -m nanograd.plugins new NAME [--dir PATH] creates a plugin project.",
    )
    parser.add_argument(
        "-p",
        dest="modules",
        action="append",
        default=[],
        metavar="MODULE",
        help="also load this plugin module (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    parser.add_argument("--ops", action="store_true", help="list every op instead of plugins")
    parser.add_argument(
        "--markdown", action="store_true", help="with --ops: the op reference, as docs/ops.md"
    )
    args = parser.parse_args(args_list)
    if args.markdown and not args.ops:
        parser.error("--markdown goes with --ops (python -m nanograd.plugins --ops --markdown)")
    if args.json and args.ops:
        parser.error("--json lists plugins; --ops lists ops (as text, or with --markdown)")
    try:
        plugins.load(modules=args.modules)
    except PluginError as exc:
        message = " ".join(str(exc).split())
        print(textwrap.fill(f"error: {message}", width=WIDTH), file=sys.stderr)
        return 2
    infos = plugins.plugins()
    if args.ops:
        registry = plugins.registry()
        if args.markdown:
            text = reference.markdown(registry, [info.name for info in infos])
        else:
            text = reference.text(registry) + "\n"
    elif args.json:
        text = json.dumps([asdict(info) for info in infos], indent=2) + "\n"
    else:
        text = _table(infos) + "\n"
    with until_reader_leaves():  # a reader that has seen enough (| head) ends the listing
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
