"""How sharp the property suite is: its false alarms on correct gradients, and how often it
catches gradients that are wrong on purpose, each under many seeds.

    python benchmarks/sharpness.py false-alarms [--seeds 1-20] [--examples 25] [--op NAME]...
    python benchmarks/sharpness.py catch [--seeds 0-9] [--examples 25] [--atol A --rtol R]

``false-alarms`` runs what ``python -m nanograd.check --seed N`` runs (every registered op and
loss, both orders, the same example count and settings) once per seed, and counts the checks
that fail. Every op nanograd ships is meant to be right, so a failure is a false alarm unless
it shows a real bug. It also records, for each op, the largest disagreement between an
analytical and a numerical derivative as a fraction of what the tolerance allows
(``|analytical - numerical| / (atol + rtol * |numerical|)``; 1 is the edge of failing): how
much room the tolerance leaves.

``catch`` runs the same checks on the wrong gradients of ``tests/plugin_fixtures`` (wrong for a
non-leading axis, right only with keepdims=True, 1e-4 off relatively, ignoring the upstream
gradient, wrong at second order only) and counts the seeds under which one default run finds
each. ``--atol``/``--rtol`` compare with other tolerances than gradcheck's (PyTorch's are
``--atol 1e-5 --rtol 1e-3``), to show what a looser tolerance lets through.

``--json PATH`` writes every figure and failure at the end; ``--log PATH`` appends each check's
record as it finishes (JSON lines), so a long run stopped early keeps what it measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nanograd.check import _hypothesis_storage

Kind = Literal["op", "loss"]
TESTS = Path(__file__).resolve().parent.parent / "tests"

# (fixture module, op, the order its gradient is wrong at, what is wrong)
WRONG_ON_PURPOSE = [
    ("wrong_axis", "lead_sum", 1, "wrong for a non-leading axis"),
    ("wrong_keepdims", "kept_mean", 1, "right only with keepdims=True"),
    ("slightly_off", "tanh_off", 1, "1e-4 relative error"),
    ("ignores_upstream", "total", 1, "ignores the upstream gradient"),
    ("detached_factor", "cube_detached", 2, "wrong at second order only"),
]


def _seeds(text: str) -> list[int]:
    """``3``, ``1-20`` or ``0,4,9``."""
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise argparse.ArgumentTypeError(f"seeds are N, N-M or N,M,...; got {text!r}") from None
        seeds += range(first, last + 1)
    return seeds


@dataclass
class Meter:
    """What the checks of the op being run came to: examples checked, and the largest
    disagreement relative to the tolerance."""

    atol: float | None = None
    rtol: float | None = None
    current: str = ""
    examples: dict[str, int] = field(default_factory=dict)
    worst: dict[str, float] = field(default_factory=dict)

    def install(self) -> None:
        """Wrap the suite's comparison and its per-example check (module attributes, replaced
        for the length of this process)."""
        from nanograd import jacobian
        from nanograd.testing import runner

        # The module: the package's attribute of that name is the function.
        gradcheck = sys.modules["nanograd.gradcheck"]

        compare, check_case = jacobian.violations, vars(runner)["check_case"]

        def violations(analytical: Any, numerical: Any, atol: float, rtol: float) -> Any:
            atol = atol if self.atol is None else self.atol
            rtol = rtol if self.rtol is None else self.rtol
            a, n = np.asarray(analytical, float), np.asarray(numerical, float)
            if a.size:
                ratio = np.abs(a - n) / (atol + rtol * np.abs(n))
                worst = float(np.nanmax(np.where(np.isfinite(ratio), ratio, np.inf)))
                self.worst[self.current] = max(self.worst.get(self.current, 0.0), worst)
            return compare(analytical, numerical, atol, rtol)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.examples[self.current] = self.examples.get(self.current, 0) + 1
            return check_case(*args, **kwargs)

        for module, attribute, wrapper in [
            (jacobian, "violations", violations),
            (gradcheck, "violations", violations),
            (runner, "check_case", counted),
        ]:
            setattr(module, attribute, wrapper)


def _settings() -> Any:
    from hypothesis import Verbosity
    from hypothesis import settings as Settings

    # What python -m nanograd.check runs with.
    return Settings(derandomize=True, database=None, verbosity=Verbosity.quiet)


def _run(
    targets: Sequence[tuple[Kind, str]],
    seeds: Sequence[int],
    examples: int,
    meter: Meter,
    log: Path | None = None,
) -> list[dict[str, Any]]:
    """One run_check per target and seed, as the command runs it; one record each, also
    appended to ``log`` (JSON lines) as it comes, so a long run stopped early keeps its
    figures."""
    from tqdm import tqdm

    from nanograd.testing import resolve, run_check

    records = []
    chosen = _settings()
    with tqdm(total=len(targets) * len(seeds), unit="check", file=sys.stderr) as progress:
        for seed in seeds:
            for kind, name in targets:
                progress.set_postfix_str(f"seed {seed} {name}")
                meter.current = f"{seed}:{name}"
                started = time.perf_counter()
                outcome = run_check(
                    resolve(name, kind), max_examples=examples, settings=chosen, seed=seed
                )
                record = {
                    "seed": seed,
                    "kind": kind,
                    "name": name,
                    "first_order": outcome.first_order,
                    "second_order": outcome.second_order,
                    "examples": meter.examples.get(meter.current, 0),
                    "worst": meter.worst.get(meter.current, 0.0),
                    "seconds": time.perf_counter() - started,
                    "errors": outcome.errors,
                    "failures": outcome.failures,
                }
                records.append(record)
                if log is not None:
                    with log.open("a") as out:
                        out.write(json.dumps(record, default=str) + "\n")
                progress.update()
    return records


def false_alarms(args: argparse.Namespace, meter: Meter) -> dict[str, Any]:
    from nanograd import plugins

    registry = plugins.load()
    targets: list[tuple[Kind, str]] = [("op", n) for n in sorted(registry.ops)]
    targets += [("loss", n) for n in sorted(registry.losses)]
    if args.names:
        unknown = sorted(set(args.names) - {name for _, name in targets})
        if unknown:
            known = "`python -m nanograd.plugins` lists them"
            print(f"sharpness.py: error: no op or loss named {unknown} ({known})", file=sys.stderr)
            raise SystemExit(2)
        targets = [t for t in targets if t[1] in args.names]
    records = _run(targets, args.seeds, args.examples, meter, args.log)
    failed = [r for r in records if r["errors"]]
    seeds = f"{len(args.seeds)} seeds ({args.seeds[0]}..{args.seeds[-1]})"
    print(
        f"{len(targets)} ops and losses x {seeds}, {args.examples} examples per order: "
        f"{len(records)} checks, {sum(r['examples'] for r in records)} examples checked"
    )
    print(f"failed: {len(failed)} of {len(records)} checks")
    for r in failed:
        first = r["errors"][0].splitlines()[0]
        print(f"  seed {r['seed']} {r['kind']} {r['name']}: {first}")
    worst: dict[str, float] = {}
    for r in records:
        worst[r["name"]] = max(worst.get(r["name"], 0.0), r["worst"])
    print("largest disagreement, as a fraction of the tolerance (1 fails):")
    for name, ratio in sorted(worst.items(), key=lambda item: -item[1])[:10]:
        print(f"  {name:<24} {ratio:.3g}")
    return {"records": records, "targets": len(targets)}


def catch(args: argparse.Namespace, meter: Meter) -> dict[str, Any]:
    from nanograd import plugins

    sys.path.insert(0, str(TESTS))
    plugins.load([f"plugin_fixtures.{module}" for module, *_ in WRONG_ON_PURPOSE])
    rows = []
    for module, name, order, what in WRONG_ON_PURPOSE:
        records = _run([("op", name)], args.seeds, args.examples, meter, args.log)
        status = "first_order" if order == 1 else "second_order"
        caught = [r["seed"] for r in records if r[status] == "FAIL"]
        rows.append(
            {
                "fixture": module,
                "op": name,
                "wrong": what,
                "order": order,
                "seeds": len(records),
                "caught": len(caught),
                "missed_seeds": [r["seed"] for r in records if r["seed"] not in caught],
                "records": records,
            }
        )
    tolerance = (
        "gradcheck's"
        if meter.atol is None and meter.rtol is None
        else (f"atol={meter.atol}, rtol={meter.rtol}")
    )
    print(f"caught in one run of {args.examples} examples per order ({tolerance} tolerance):")
    for row in rows:
        missed = f" (missed under seeds {row['missed_seeds']})" if row["missed_seeds"] else ""
        print(
            f"  {row['wrong']:<32} {row['op']:<14} order {row['order']}: "
            f"{row['caught']}/{row['seeds']}{missed}"
        )
    return {"rows": rows}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["false-alarms", "catch"])
    parser.add_argument("--seeds", type=_seeds, default=None, metavar="N-M")
    parser.add_argument("--examples", type=int, default=25, metavar="N")
    parser.add_argument("--op", dest="names", action="append", default=[], metavar="NAME")
    parser.add_argument("--atol", type=float, default=None)
    parser.add_argument("--rtol", type=float, default=None)
    parser.add_argument("--json", type=Path, default=None, metavar="PATH")
    parser.add_argument(
        "--log", type=Path, default=None, metavar="PATH",
        help="append each check's record to this file (JSON lines) as it finishes",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.seeds is None:
        args.seeds = list(range(1, 21)) if args.what == "false-alarms" else list(range(10))
    meter = Meter(args.atol, args.rtol)
    meter.install()
    started = time.perf_counter()
    with _hypothesis_storage():  # as the command: nothing written where this runs
        report = false_alarms(args, meter) if args.what == "false-alarms" else catch(args, meter)
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        report.update(seeds=args.seeds, examples=args.examples, atol=args.atol, rtol=args.rtol)
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
