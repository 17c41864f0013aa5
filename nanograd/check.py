"""``python -m nanograd.check``: property-test the gradients of every loaded op and loss.

    python -m nanograd.check [-p MODULE]... [--op NAME]... [--examples N] [--seed N] [--json]

Loads the installed plugins (and each ``-p`` module), runs nanograd's property suite on every op
and loss, or on the ``--op`` names, and prints one row per op: its kind, its plugin and whether
first- and second-order gradients pass. The failures follow the table, each naming the op, the
plugin, what is wrong and the shrunk inputs. Runs are derandomized: a rerun with the same
``--seed`` draws the same examples, another seed draws others. Hypothesis keeps what it writes
in a temporary directory, so the command leaves nothing in the working directory. Exit status:
0 when everything passes, 1 when a check fails, 2 for a usage error (an unknown name, a plugin
that does not load, nothing to check).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any, Literal, TextIO

from nanograd._streams import until_reader_leaves
from nanograd.lookup import UnknownName, find
from nanograd.registry import PluginError

Kind = Literal["op", "loss"]

DEFAULT_EXAMPLES = 25
DEFAULT_SEED = 0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"needs at least 1 example, got {value}")
    return value


def _seed(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed is 0 or more, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nanograd.check",
        description="Property-test the gradients of every loaded op and loss against central "
        "differences, first and second order.",
        epilog="Exit status: 0 all pass, 1 a check failed, 2 usage error.",
    )
    parser.add_argument(
        "-p", dest="modules", action="append", default=[], metavar="MODULE",
        help="also load this plugin module (repeatable), as NANOGRAD_PLUGINS does",
    )  # fmt: skip
    parser.add_argument(
        "--op", dest="names", action="append", default=[], metavar="NAME",
        help="check only this op or loss (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--examples", type=_positive, default=DEFAULT_EXAMPLES, metavar="N",
        help=f"examples drawn per op and order (default {DEFAULT_EXAMPLES}); an op that takes "
        "axis or keepdims also gets one for each combination chance left out",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=_seed, default=DEFAULT_SEED, metavar="N",
        help=f"which examples to draw (default {DEFAULT_SEED}): the same seed draws the same "
        "ones, another seed others",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def _usage_error(message: str) -> int:
    print(f"nanograd.check: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _select(names: Sequence[str], registry: Any) -> list[tuple[Kind, str]] | str:
    """(kind, name) pairs to check, or the message for a name nothing registered."""
    everything: list[tuple[Kind, str]] = [("op", n) for n in sorted(registry.ops)]
    everything += [("loss", n) for n in sorted(registry.losses)]
    if not names:
        return everything
    by_name: dict[str, list[tuple[Kind, str]]] = {}
    for kind, name in everything:
        by_name.setdefault(name, []).append((kind, name))
    listed = " `python -m nanograd.plugins` lists what each loaded plugin registered."
    chosen = []
    for name in names:
        try:
            found = find(by_name, name, "op or loss", suffix=listed)
        except UnknownName as exc:
            return str(exc)
        chosen += [pair for pair in found if pair not in chosen]
    return chosen


def _nothing_loaded(loaded: Sequence[Any]) -> str:
    """Why there is nothing to check: no plugin loaded, or none registering an op or loss."""
    from nanograd.plugins import LOAD_ENV

    if loaded:
        names = ", ".join(info.name for info in loaded)
        why = f"the loaded plugins ({names}) register no op and no loss"
    else:
        why = "no plugin is loaded"
    if os.environ.get(LOAD_ENV) is not None:
        why += f" ({LOAD_ENV}={os.environ[LOAD_ENV]!r} chooses which installed plugins load)"
    return (
        f"nothing to check: {why}. Install a plugin, name one with -p MODULE or -p "
        "path/to/my_ops.py, or check what `python -m nanograd.plugins` lists"
    )


def _table(outcomes: Sequence[Any], out: TextIO) -> None:
    header = ("name", "kind", "plugin", "first order", "second order")
    rows = [(o.name, o.kind, o.plugin, o.first_order, o.second_order) for o in outcomes]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(),
            file=out,
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from hypothesis import Verbosity
        from hypothesis import settings as Settings
        from tqdm import tqdm

        from nanograd import plugins
        from nanograd.testing import resolve, run_check
    except ImportError as exc:
        return _usage_error(
            f"{exc}. The property suite needs Hypothesis: pip install 'nanograd-numpy[test]'"
        )
    try:
        registry = plugins.load(args.modules)
    except PluginError as exc:
        return _usage_error(str(exc))
    selected = _select(args.names, registry)
    if isinstance(selected, str):
        return _usage_error(selected)
    if not selected:  # a CI job must not pass on a check of nothing
        return _usage_error(_nothing_loaded(plugins.plugins()))

    settings = Settings(derandomize=True, database=None, verbosity=Verbosity.quiet)
    outcomes = []
    progress = tqdm(
        selected, desc="checking", unit="op", file=sys.stderr, leave=False,
        disable=not sys.stderr.isatty(),
    )  # fmt: skip
    with _hypothesis_storage():
        for kind, name in progress:
            progress.set_postfix_str(name)
            target = resolve(name, kind)
            outcomes.append(
                run_check(target, max_examples=args.examples, settings=settings, seed=args.seed)
            )
    progress.close()

    failed = [o for o in outcomes if not o.passed]
    # A reader that leaves early (| head) ends the report quietly; the status is the checks'.
    with until_reader_leaves():
        _report(outcomes, failed, args)
    return EXIT_FAILED if failed else EXIT_OK


def _report(outcomes: Sequence[Any], failed: Sequence[Any], args: argparse.Namespace) -> None:
    """The results on standard output: a table and each failure, or JSON with ``--json``."""
    if args.json:
        report = {
            "examples": args.examples,
            "seed": args.seed,
            "passed": not failed,
            "results": [
                {
                    "name": o.name,
                    "kind": o.kind,
                    "plugin": o.plugin,
                    "first_order": o.first_order,
                    "second_order": o.second_order,
                    "checked": o.checked,
                    "errors": o.errors,
                    "failures": o.failures,
                }
                for o in outcomes
            ],
        }
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        _table(outcomes, sys.stdout)
        for outcome in failed:
            for error in outcome.errors:
                print(f"\nFAILED {outcome.kind} {outcome.name}:\n{error}")
        print(
            f"\n{len(outcomes) - len(failed)} passed, {len(failed)} failed "
            f"({args.examples} examples per op and order, seed {args.seed})"
        )


@contextlib.contextmanager
def _hypothesis_storage() -> Iterator[None]:
    """Hypothesis's files (it caches what it reads of local modules) in a temporary directory
    for the run, unless HYPOTHESIS_STORAGE_DIRECTORY says where: a check writes nothing into
    the directory it is run from."""
    from hypothesis.configuration import set_hypothesis_home_dir

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="nanograd-check-") as home:
        set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


if __name__ == "__main__":
    sys.exit(main())
