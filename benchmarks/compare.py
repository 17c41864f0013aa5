"""``python -m benchmarks.compare REV``: this suite on the working tree and on git revision REV,
in turns, so that a change can be weighed against the engine it replaces in one run.

    python -m benchmarks.compare main --rounds 3 -- --quick --only W1,W2,W4,W5

REV is exported with ``git archive`` into a temporary folder and this suite copied into it, so
both engines are timed by the same code. Each round runs the suite once on each tree (the order
alternates), every process importing nanograd and its plugins from its own tree. The report
gives, per figure, the median over rounds of each tree's ratio to hand-written NumPy and of
nanograd's time on the working tree over its time on REV in the same round: below 1 is faster.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.timing import ENV, ROOT


def _export(revision: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", revision], cwd=ROOT, capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"git archive {revision} failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    shutil.rmtree(into / "benchmarks", ignore_errors=True)
    shutil.copytree(ROOT / "benchmarks", into / "benchmarks", ignore=_ignored)


def _ignored(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or n.endswith(".json")]


def _suite(tree: Path, suite_args: list[str], out: Path) -> list[dict[str, Any]]:
    """One run of the suite on ``tree``, with nanograd and its plugins imported from it."""
    path = [tree, tree / "plugins", tree / "plugins" / "nanograd_conv" / "src"]
    env = {**ENV, "PYTHONPATH": os.pathsep.join(map(str, path))}
    argv = [sys.executable, "-m", "benchmarks", *suite_args, "--json", str(out)]
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the suite failed on {tree}:\n{done.stderr}")
    rows: list[dict[str, Any]] = json.loads(out.read_text())["rows"]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__)
    parser.add_argument("revision", help="the git revision to compare with, e.g. main")
    parser.add_argument("--rounds", type=int, default=3, help="suite runs per tree")
    argv = sys.argv[1:] if argv is None else argv
    suite_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    parser.epilog = "Options after -- go to the suite (python -m benchmarks --help)."
    args = parser.parse_args(argv[: len(argv) - len(suite_args) - ("--" in argv)])
    with tempfile.TemporaryDirectory(prefix="nanograd-compare-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        _export(args.revision, base)
        trees = {args.revision: base, "working tree": ROOT}
        runs: dict[str, list[list[dict[str, Any]]]] = {name: [] for name in trees}
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
            for name in order:
                print(f"round {round_ + 1}: {name} ...", file=sys.stderr, flush=True)
                out = Path(tmp) / f"{list(trees).index(name)}-{round_}.json"
                runs[name].append(_suite(trees[name], suite_args, out))
    print(_report(args.revision, runs[args.revision], runs["working tree"]))
    return 0


def _report(
    revision: str, before: list[list[dict[str, Any]]], after: list[list[dict[str, Any]]]
) -> str:
    lines = [
        f"| figure | unit | {revision}: nanograd | ratio to NumPy | working tree: nanograd | "
        "ratio to NumPy | working tree / " + revision + " |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, row in enumerate(after[0]):
        key = row["key"]
        old = [run[i] for run in before]
        new = [run[i] for run in after]
        paired = zip(old, new, strict=True)
        change = statistics.median(n["nanograd"] / o["nanograd"] for o, n in paired)
        lines.append(
            f"| {key} | {row['unit']} | {_median(old, 'nanograd')} | {_median(old, 'ratio', 'x')} "
            f"| {_median(new, 'nanograd')} | {_median(new, 'ratio', 'x')} | {change:.3f} |"
        )
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    lines.append("")
    lines.append(
        f"medians over {len(after)} rounds, the trees in turns; load average {load} at the end"
    )
    return "\n".join(lines)


def _median(rows: list[dict[str, Any]], field: str, suffix: str = "") -> str:
    values = [r[field] for r in rows if r[field] is not None]
    if not values:
        return "-"
    value = statistics.median(values)
    return f"{value:.2f}{suffix}" if suffix else f"{value:.3g}"


if __name__ == "__main__":
    raise SystemExit(main())
