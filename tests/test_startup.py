"""Start-up: a script's first gradient imports only what it needs beyond NumPy.

Benchmark W5 times the whole start-up; these tests keep out of it, by name, the modules that were
taken out of it, each measured. They run in a fresh interpreter, since this one has imported
everything already, and compare with what importing NumPy alone imports, which differs between
Python and NumPy versions (NumPy 2.2 imports threading itself).
"""

from __future__ import annotations

import subprocess
import sys

# Each with what needs it: nothing on the way to a first gradient does.
LEFT_OUT = (
    "threading",  # ng.tensor([...])'s per-thread flag is threading.local's own class, from _thread
    "string",  # einsum's labels are written out; importing string compiles a regular expression
    "importlib.util",  # only a plugin given as the path of a file
    "nanograd.optim.lr_scheduler",  # ng.optim.lr_scheduler imports it
)


def test_a_first_gradient_imports_none_of_the_modules_taken_out_of_start_up() -> None:
    code = (
        "import sys, numpy\n"
        "before = set(sys.modules)\n"
        "import nanograd as ng\n"
        "x = ng.tensor([1.0, 2.0], requires_grad=True)\n"
        "(x * x).sum().backward()\n"
        "assert x.grad is not None\n"
        f"print(sorted(m for m in {LEFT_OUT!r} if m in sys.modules and m not in before))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_schedules_left_out_of_start_up_are_there_on_first_use() -> None:
    code = (
        "import nanograd as ng\n"
        "print(ng.optim.lr_scheduler.StepLR.__name__, 'lr_scheduler' in dir(ng.optim))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "StepLR True"
