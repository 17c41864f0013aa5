"""How the suite measures: interleaved repeats after warm-up, medians, whole processes, RSS.

Cases compared with each other run in turns (a, b, a, b, ...; the order rotates each round), so
a burst of load from another process on a shared machine falls on all of them alike, and each
figure is the median of its repeats.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One BLAS thread for every process the suite starts, as the runner's default: on a shared
# 2-core machine a second BLAS thread mostly waits for a core. Bytecode is cached, as it is for
# an installed wheel (and for NumPy here): a process that compiled nanograd's sources at every
# start would time the compiler, not the import.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
}


def interleaved(
    cases: Mapping[str, Callable[[], object]], repeats: int, warmup: int = 3
) -> dict[str, float]:
    """Median seconds of each case, run in turns: ``warmup`` untimed rounds, then ``repeats``."""
    names = list(cases)
    for _ in range(warmup):
        for name in names:
            cases[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            fn = cases[name]
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def process_seconds(
    commands: Mapping[str, list[str]], repeats: int, warmup: int = 1
) -> dict[str, float]:
    """Median wall seconds of each command as a whole process, the commands run in turns."""
    runs = {name: (lambda argv=argv: _run(argv)) for name, argv in commands.items()}
    return interleaved(runs, repeats, warmup=warmup)


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")


def python(code: str) -> list[str]:
    """The command that runs ``code`` in a fresh interpreter, this one's."""
    return [sys.executable, "-c", code]


def peak_rss_mib(code: str) -> float:
    """Peak resident memory of a fresh interpreter running ``code``, in MiB.

    Read from /proc/self/status (VmHWM), which starts anew with the process's image, rather
    than getrusage's ru_maxrss, which Linux carries over from the parent that started it.
    """
    probe = (
        code + "\nimport sys\n"
        "sys.stdout.write([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n"
    )
    done = subprocess.run(
        python(probe), cwd=ROOT, env=ENV, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the memory probe failed ({done.returncode}):\n{done.stderr}")
    return int(done.stdout.split()[-2]) / 1024  # "VmHWM:  123456 kB"


def installed(module: str) -> bool:
    """Whether ``module`` can be imported here (PyTorch, HIPS autograd: never required)."""
    try:
        __import__(module)
    except ImportError:
        return False
    return True
