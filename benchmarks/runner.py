"""W6: the experiment runner. The wall time of ``python -m nanograd.run experiments/linreg.py``
as a user types it, and what the runner's loop adds per epoch (progress, metrics.csv, hooks,
snapshots and checkpoints) to the bare training steps it drives.

The loop's cost per epoch is the difference between whole runs of two lengths, divided by the
epochs between them, so the start (building, the run folder) and the end (evaluation, summary)
cancel. The bare steps are the runner's own step function on the same batches, plus the
validation pass and the schedule's step, with nothing around them.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.report import Row
from benchmarks.timing import ROOT, interleaved, process_seconds

LINREG = ROOT / "experiments" / "linreg.py"
SHORT, LONG = 10, 60  # epochs


def _runner(epochs: int, out: Path) -> None:
    from nanograd.run.console import Console
    from nanograd.run.runner import Options, execute

    options = Options(
        experiment=LINREG, overrides={"epochs": epochs}, out=out, seed=1, quiet=True, plots=False
    )
    code = execute(options, Console(quiet=True))
    if code != 0:
        raise RuntimeError(f"linreg with {epochs} epochs exited with {code}")


def _bare(epochs: int) -> Callable[[], None]:
    """The same training with no runner around it: the steps, the validation pass and the
    learning-rate schedule's step, as a loop written by hand does them."""
    from nanograd.run import experiment as experiments
    from nanograd.run.build import build
    from nanograd.run.config import apply_overrides
    from nanograd.run.console import Console
    from nanograd.run.data import batches
    from nanograd.run.training import evaluate, stepper

    exp = experiments.load(LINREG)
    config = apply_overrides(exp.config, {"epochs": epochs})
    run = build(exp, config, 1, Console(quiet=True))
    step = stepper(run)
    train, val, schedule = run.data.train, run.data.val, run.schedule
    assert val is not None and schedule is not None  # linreg anneals its rate (cosine)

    def epochs_of_steps() -> None:
        for _ in range(epochs):
            for rows in batches(len(train), config["batch_size"], run.rngs["train"], True):
                step(train.take(rows))
            evaluate(run, val, "val")
            schedule.step()

    return epochs_of_steps


def measure(repeats: int, quick: bool = False) -> list[Row]:
    """``quick`` runs the command once: with its plots it takes seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        bare = _bare(LONG - SHORT)
        seconds = interleaved(
            {
                "short": lambda: _runner(SHORT, out),
                "long": lambda: _runner(LONG, out),
                "bare": bare,
            },
            repeats,
            warmup=1,
        )
        command = [
            sys.executable, "-m", "nanograd.run", str(LINREG), "--out", str(out / "cli"),
            "--seed", "1",
        ]  # fmt: skip
        cli_repeats = 1 if quick else max(3, repeats // 4)
        wall = process_seconds({"cli": command}, cli_repeats, warmup=0 if quick else 1)["cli"]
    epochs = LONG - SHORT
    loop_ms = (seconds["long"] - seconds["short"]) / epochs * 1e3
    bare_ms = seconds["bare"] / epochs * 1e3
    return [
        Row("W6", "linreg.py as a command (60 epochs, plots)", "s", nanograd=wall),
        Row("W6 loop", "runner's epoch vs its bare steps, linreg", "ms/epoch",
            nanograd=loop_ms, numpy=bare_ms, target=1.05,
            note=f"overhead {loop_ms / bare_ms - 1:+.0%}"),
    ]  # fmt: skip
