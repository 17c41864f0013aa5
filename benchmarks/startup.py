"""W5: start-up, the wait before a script's first gradient: a fresh interpreter that imports
nanograd, runs one op and its backward, against one that only imports NumPy (the least any
NumPy program pays). Whole processes, timed from outside.
"""

from __future__ import annotations

from benchmarks.report import Row
from benchmarks.timing import installed, process_seconds, python

NUMPY = "import numpy"
NANOGRAD = (
    "import nanograd as ng\n"
    "x = ng.tensor([1.0, 2.0], requires_grad=True)\n"
    "(x * x).sum().backward()\n"
)
TORCH = "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n(x * x).sum().backward()\n"


def measure(repeats: int, quick: bool = False) -> list[Row]:
    """``quick`` leaves PyTorch out: importing it takes seconds a time."""
    commands = {"numpy": python(NUMPY), "nanograd": python(NANOGRAD)}
    if installed("torch") and not quick:
        commands["torch"] = python(TORCH)
    ms = {k: v * 1e3 for k, v in process_seconds(commands, repeats).items()}
    note = "PyTorch not in --quick" if quick and installed("torch") else ""
    return [
        Row("W5", "start-up: import, one op, backward (NumPy: import numpy)", "ms",
            nanograd=ms["nanograd"], numpy=ms["numpy"], torch=ms.get("torch"), target=1.5,
            note=note)
    ]  # fmt: skip
