"""What parallel sweeps gain, and what a Dask cluster costs per job.

- **speed-up**: an 8-run moons sweep (lr=1.0,0.3 x optimizer=sgd,adam x 2 seeds, with plots)
  as a whole command, ``--workers 2`` against ``--workers 1``, alternating, timed from outside.
  The same ratio for the runs alone (the sweep's session seconds in sweep.json) is shown too:
  start-up, figures and report.html are done once by the sweep's own process either way.
- **per-job overhead**: many near-empty jobs (linreg.py, one epoch, no plots) through a Dask
  cluster started here on loopback (`dask scheduler`, `dask worker --nworkers 2 --nthreads 1`)
  against two local worker processes. Overhead per job = (Dask session seconds - local session
  seconds) x 2 workers / jobs: the extra worker-time each job costs on the Dask path. The
  cluster is warmed by one sweep first, as a long-lived cluster would be.

Every figure is a median over repeats measured in this one run, so the ratios hold on a shared,
noisy machine where the absolute numbers do not.

    python benchmarks/sweep.py [--repeats 5] [--jobs 40] [--only speedup|overhead] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOONS = ["lr=1.0,0.3", "optimizer=sgd,adam", "--seeds", "2", "--seed", "1"]


def sweep(args: list[str], out: Path) -> tuple[float, float]:
    """Run ``python -m nanograd.run *args`` into ``out``: wall seconds, and the session's own."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "nanograd.run", *args, "--out", str(out), "--quiet"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the sweep failed ({done.returncode}): {done.stderr}")
    record = json.loads(next(out.glob("*/sweep-*/sweep.json")).read_text())
    return wall, float(record["sessions"][-1]["seconds"])


def speedup(repeats: int, tmp: Path) -> dict[str, float]:
    experiment = str(ROOT / "experiments" / "moons.py")
    walls: dict[int, list[float]] = {1: [], 2: []}
    sessions: dict[int, list[float]] = {1: [], 2: []}
    for repeat in range(repeats):
        for workers in (1, 2):
            wall, session = sweep([experiment, *MOONS, "--workers", str(workers)],
                                  tmp / f"speedup-{repeat}-{workers}")  # fmt: skip
            walls[workers].append(wall)
            sessions[workers].append(session)
    pairs = [a / b for a, b in zip(walls[1], walls[2], strict=True)]
    return {
        "command_seconds_workers_1": statistics.median(walls[1]),
        "command_seconds_workers_2": statistics.median(walls[2]),
        "speedup_command": statistics.median(pairs),
        "runs_seconds_workers_1": statistics.median(sessions[1]),
        "runs_seconds_workers_2": statistics.median(sessions[2]),
        "speedup_runs": statistics.median(
            [a / b for a, b in zip(sessions[1], sessions[2], strict=True)]
        ),
    }


class Cluster:
    """A Dask scheduler and one worker process with two single-threaded workers, on loopback."""

    def __init__(self, tmp: Path) -> None:
        self.file = tmp / "scheduler.json"
        self.processes = [
            self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(self.file)], tmp / "scheduler.log"),
        ]  # fmt: skip
        self._wait(self.file.exists)
        log = tmp / "worker.log"
        self.processes.append(
            self._start(["worker", "--scheduler-file", str(self.file), "--nworkers", "2",
                         "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], log)
        )  # fmt: skip
        self._wait(lambda: log.read_text().count("Registered to") >= 2)

    @staticmethod
    def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args], stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    @staticmethod
    def _wait(ready: object, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise SystemExit("the Dask cluster did not start")
            time.sleep(0.1)

    def close(self) -> None:
        for process in reversed(self.processes):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


def overhead(repeats: int, jobs: int, tmp: Path) -> dict[str, float]:
    experiment = str(ROOT / "experiments" / "linreg.py")
    grid = ["lr=0.05", "epochs=1", "--seeds", str(jobs), "--no-plots"]
    cluster = Cluster(tmp)
    try:
        sweep([experiment, *grid, "--cluster", str(cluster.file)], tmp / "warm-up")
        local, dask = [], []
        for repeat in range(repeats):
            on_dask = [experiment, *grid, "--cluster", str(cluster.file)]
            local.append(sweep([experiment, *grid, "--workers", "2"], tmp / f"local-{repeat}")[1])
            dask.append(sweep(on_dask, tmp / f"dask-{repeat}")[1])
    finally:
        cluster.close()
    per_job = [(d - lo) * 2 / jobs for d, lo in zip(dask, local, strict=True)]
    return {
        "jobs": jobs,
        "local_seconds": statistics.median(local),
        "dask_seconds": statistics.median(dask),
        "local_seconds_per_job": statistics.median(local) * 2 / jobs,
        "dask_seconds_per_job": statistics.median(dask) * 2 / jobs,
        "dask_overhead_seconds_per_job": statistics.median(per_job),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=40, help="jobs per overhead sweep")
    parser.add_argument("--only", choices=["speedup", "overhead"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="nanograd-bench-") as tmp:
        if args.only in (None, "speedup"):
            results["speedup"] = speedup(args.repeats, Path(tmp))
        if args.only in (None, "overhead"):
            results["overhead"] = overhead(args.repeats, args.jobs, Path(tmp))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"medians of {args.repeats} repeats on {os.cpu_count()} cores (load {load:.1f} at end)")
    if "speedup" in results:
        s = results["speedup"]
        print("8-run moons sweep         --workers 1   --workers 2   speed-up")
        print(f"  whole command           {s['command_seconds_workers_1']:9.2f} s "
              f"{s['command_seconds_workers_2']:11.2f} s {s['speedup_command']:9.2f}x")  # fmt: skip
        print(f"  the runs (session)      {s['runs_seconds_workers_1']:9.2f} s "
              f"{s['runs_seconds_workers_2']:11.2f} s {s['speedup_runs']:9.2f}x")  # fmt: skip
    if "overhead" in results:
        o = results["overhead"]
        print(f"{o['jobs']} near-empty jobs on 2 workers   local processes   Dask on loopback")
        print(f"  session seconds                {o['local_seconds']:10.2f} s "
              f"{o['dask_seconds']:15.2f} s")  # fmt: skip
        print(f"  worker-seconds per job         {o['local_seconds_per_job']:10.3f} s "
              f"{o['dask_seconds_per_job']:15.3f} s")  # fmt: skip
        print(f"  Dask overhead per job: {o['dask_overhead_seconds_per_job']:.3f} s")


if __name__ == "__main__":
    main()
