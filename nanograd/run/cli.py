"""``python -m nanograd.run``: the command line.

Parses the arguments, runs the experiment, and turns every user mistake into one paragraph on
standard error and exit code 2; ``--traceback`` shows the Python traceback as well.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from nanograd._streams import flush_standard_streams, until_reader_leaves
from nanograd.registry import PluginError
from nanograd.run.config import RUNNER_OPTIONS, format_config, parse_overrides
from nanograd.run.console import Console
from nanograd.run.errors import ExperimentError
from nanograd.run.runner import EXIT_INTERRUPTED, EXIT_USAGE, Options, execute
from nanograd.run.signals import outliving_the_terminal
from nanograd.sweep import command as sweeps

DESCRIPTION = """\
Train the experiment in FILE and write a run folder <out>/<experiment>/<timestamp>-<id>/ with
config.json, metrics.csv, summary.json, log.txt, model.npz, best.npz, checkpoint.npz and PNG
plots.

Override config keys with key=value; values are Python literals (lr=0.01, schedule=None, and
quoted for the shell when they hold spaces: hidden='[32, 32]') and a bare word is a string
(optimizer=sgd). A dict key's entries can be set one by one: optimizer_options.momentum=0.9.
--print-config lists every key of an experiment.

A sweep runs many configurations in parallel: a value with commas lists alternatives to try
(lr=0.3,0.1 optimizer=sgd,adam is four runs; a comma inside brackets or quotes does not count:
hidden=[16,16],[32,32] is two values), and uniform(a,b), loguniform(a,b), randint(a,b) or
choice(x,y,...) draws a value per --trials. The sweep folder
<out>/<experiment>/sweep-<timestamp>-<id>/ holds a run folder per run, sweep.json and sweep.csv.
See docs/sweeps.md."""


def _epilog() -> str:
    width = max(len(k) for k in RUNNER_OPTIONS)
    lines = [
        "config keys every experiment has (an experiment may change the defaults and add keys",
        "of its own):",
    ]
    for key, opt in RUNNER_OPTIONS.items():
        lines.append(f"  {key:<{width}}  {opt.default!r:<10} {opt.help}")
    lines += [
        "",
        "examples:",
        "  python -m nanograd.run experiments/linreg.py",
        "  python -m nanograd.run experiments/moons.py optimizer=sgd lr=0.1 epochs=50",
        "  python -m nanograd.run experiments/digits.py --print-config",
        "  python -m nanograd.run --resume runs/digits/20250101-120000-1a2b3c",
        "  python -m nanograd.run experiments/moons.py lr=0.3,0.1 optimizer=sgd,adam --seeds 3",
        "  python -m nanograd.run experiments/moons.py 'lr=loguniform(1e-3,1)' --trials 20",
        "",
        "exit status: 0 completed, 1 failed while training (a sweep: some run failed), 2 a",
        "mistake in the command, experiment file or config, or a run folder that cannot be",
        "written, 130 interrupted. The experiment file contract is in docs/experiments.md,",
        "sweeps in docs/sweeps.md.",
    ]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m nanograd.run",
        description=DESCRIPTION,
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="the experiment file, e.g. experiments/linreg.py",
    )
    p.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("runs"),
        metavar="DIR",
        help="where run folders go (default: runs/)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="random seed (default: a random one, recorded in config.json)",
    )
    p.add_argument(
        "-p",
        "--plugin",
        dest="plugins",
        action="append",
        default=[],
        metavar="MODULE",
        help="also load this plugin module (repeatable)",
    )
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print nothing but errors (log.txt still gets everything)",
    )
    p.add_argument("--no-plots", dest="plots", action="store_false", help="skip the PNG plots")
    p.add_argument(
        "--resume",
        type=Path,
        default=None,
        metavar="DIR",
        help="continue an interrupted run (or sweep) in its folder, to the same result",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --resume: resume even if the process recorded as training it seems alive "
        "(when that process is not the run's)",
    )
    p.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        metavar="N",
        help="train at most N epochs (a smoke run); recorded in config.json",
    )
    p.add_argument(
        "--graph",
        action="store_true",
        help="save the graph of one training step in the run folder: graph.dot, and graph.svg "
        "when Graphviz is installed",
    )
    p.add_argument(
        "--detect-anomaly",
        action="store_true",
        help="check every op's output and every gradient for NaN and inf while training, and "
        "stop at the first, naming the op, its plugin and the line that called it (slower)",
    )
    p.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    p.add_argument("--traceback", action="store_true", help="show the Python traceback of an error")
    sweeps = p.add_argument_group("sweeps (docs/sweeps.md)")
    sweeps.add_argument(
        "--seeds",
        type=int,
        default=None,
        metavar="K",
        help="run every configuration with K seeds derived from --seed",
    )
    sweeps.add_argument(
        "--trials",
        type=int,
        default=None,
        metavar="N",
        help="draw N random trials for the keys given as uniform(...), loguniform(...), ...",
    )
    sweeps.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="runs at once in local processes (default: the number of cores; 1: in this one)",
    )
    sweeps.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or scheduler file",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    os.environ.setdefault("MPLBACKEND", "Agg")  # plots never need a display
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_intermixed_args(args_list)
    console = Console(quiet=args.quiet)
    try:
        if args.max_epochs is not None and args.max_epochs < 1:
            raise ExperimentError(f"--max-epochs must be at least 1, got {args.max_epochs}")
        if args.seed is not None and args.seed < 0:
            raise ExperimentError(f"--seed must be zero or positive, got {args.seed}")
        if args.file is None and args.resume is None:
            raise ExperimentError(
                "give an experiment file (e.g. python -m nanograd.run experiments/linreg.py) "
                "or --resume RUN_DIR"
            )
        if sweeps.wants_sweep(args):
            _single_run_only(args)
            with outliving_the_terminal():
                return sweeps.main(args, args_list, console)
        options = Options(
            experiment=args.file,
            overrides=parse_overrides(args.overrides),
            out=args.out,
            seed=args.seed,
            plugins=args.plugins,
            quiet=args.quiet,
            plots=args.plots,
            max_epochs=args.max_epochs,
            resume=args.resume,
            force=args.force,
            traceback=args.traceback,
            detect_anomaly=args.detect_anomaly,
            graph=args.graph,
            argv=args_list,
        )
        if args.print_config:
            return _print_config(options)
        with outliving_the_terminal():
            return execute(options, console)
    except (ExperimentError, PluginError) as exc:
        console.error(f"error: {'plugin error: ' if isinstance(exc, PluginError) else ''}{exc}")
        if args.traceback:
            traceback.print_exception(exc, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        console.error("interrupted before training started; nothing was written")
        return EXIT_INTERRUPTED
    finally:  # here, where a reader that has left is let go quietly, rather than at exit
        flush_standard_streams()


def _single_run_only(args: argparse.Namespace) -> None:
    """Options for looking into one run, refused for a sweep of many."""
    asked = [
        flag
        for flag, on in (("--graph", args.graph), ("--detect-anomaly", args.detect_anomaly))
        if on
    ]
    if asked:
        raise ExperimentError(
            f"{' and '.join(asked)} looks into one run and cannot be given to a sweep; run the "
            "configuration to look into on its own (one value per key, no --seeds or --trials), "
            "or --resume one run folder of the sweep"
        )


def _print_config(options: Options) -> int:
    from nanograd import plugins
    from nanograd.run import experiment
    from nanograd.run.config import apply_overrides

    if options.experiment is None:
        raise ExperimentError("--print-config needs an experiment file")
    plugins.load(options.plugins)
    exp = experiment.load(options.experiment)
    config = apply_overrides(exp.config, options.overrides)
    if options.max_epochs is not None:
        config["epochs"] = min(config["epochs"], options.max_epochs)
    with until_reader_leaves():
        print(
            f"# {exp.path}"
            + (f" with {len(options.overrides)} override(s)" if options.overrides else "")
        )
        print(format_config(config))
    return 0
