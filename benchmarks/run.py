"""``python -m benchmarks``: every workload against hand-written NumPy, a table and JSON.

    python -m benchmarks [--quick] [--only W1,W4] [--repeats N] [--json PATH]
    python -m benchmarks --count

Each figure is the median of interleaved repeats after warm-up, with its ratio to the NumPy
baseline measured in the same run; PyTorch is timed too when it is installed. The table is
Markdown (README.md shows the latest); the JSON (benchmarks/latest.json by default) has every
figure and the conditions it was measured under.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # ``python benchmarks/run.py``: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import chain, compile, mlp, moons, property_suite, runner, startup
from benchmarks.report import Row, conditions, document, table
from benchmarks.timing import installed

WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8")
# Engines timed beside nanograd when installed, and the distribution that brings each.
PEERS = {"pytorch": ("torch", "torch"), "hips autograd (W1)": ("autograd", "autograd")}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="nanograd's workloads against the same computations written in NumPy.",
    )
    parser.add_argument("--quick", action="store_true", help="a short pass: fewer repeats")
    parser.add_argument(
        "--only", default="", metavar="W1,W2", help="run only these workloads (W2 includes W3)"
    )
    parser.add_argument("--repeats", type=int, default=None, help="repeats per figure")
    parser.add_argument(
        "--count", action="store_true",
        help="time nothing: count the Python calls and bytecodes per op of W1's chain",
    )  # fmt: skip
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).resolve().parent / "latest.json",
        metavar="PATH", help="where to write the results (default benchmarks/latest.json)",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    only = {w.strip().upper() for w in args.only.split(",") if w.strip()}
    unknown = only - set(WORKLOADS)
    if unknown:
        print(
            f"python -m benchmarks: unknown workload(s) {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(WORKLOADS)}",
            file=sys.stderr,
        )
        return 2
    if args.count:
        per_op = chain.counts()
        print(
            f"nanograd, chain of {chain.LENGTH} ops, forward + backward: "
            f"{per_op['calls']:.2f} Python calls and {per_op['bytecodes']:.1f} bytecodes per op "
            f"(Python {sys.version.split()[0]})"
        )
        return 0
    chosen = only or set(WORKLOADS)
    repeats = args.repeats or (10 if args.quick else 50)
    skipped = {name: dist for name, (module, dist) in PEERS.items() if not installed(module)}
    _one_blas_thread()

    rows: list[Row] = []
    steps = [
        ("W1", lambda: chain.measure(repeats * 4)),
        ("W2", lambda: mlp.measure(repeats, args.quick)),
        ("W4", lambda: moons.measure(repeats)),
        ("W5", lambda: startup.measure(max(5, repeats // 2), args.quick)),
        ("W6", lambda: runner.measure(max(3, repeats // 4), args.quick)),
        ("W7", lambda: property_suite.measure(args.quick)),
        ("W8", lambda: compile.measure(repeats)),
    ]
    for key, step in steps:
        if key in chosen or (key == "W2" and "W3" in chosen):
            print(f"measuring {key} ...", end=" ", file=sys.stderr, flush=True)
            start = time.perf_counter()
            rows += step()
            print(f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    setting = conditions(repeats, args.quick)
    print(table(rows, setting))
    if skipped:
        print(
            f"\nskipped, not installed: {', '.join(skipped)} "
            f"(pip install {' '.join(skipped.values())} to time them too)"
        )
    args.json.write_text(document(rows, setting, skipped) + "\n")
    print(f"\nwrote {args.json}")
    return 0


def _one_blas_thread() -> None:
    """One BLAS thread in this process too, as in the processes the suite starts."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("threadpoolctl is not installed: BLAS may use several threads", file=sys.stderr)
    else:
        threadpool_limits(1)
    if installed("torch"):
        import torch

        torch.set_num_threads(1)


if __name__ == "__main__":
    raise SystemExit(main())
