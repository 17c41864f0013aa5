"""Loading an experiment file and calling its functions with errors that name the file.

An experiment is a plain Python module: a ``config`` dict of defaults, ``data(config, rng)`` and
``model(config, rng)``, and optionally ``metrics(output, target)``, ``evaluate(run)`` and
``plots(run)``. Nothing is subclassed or registered. Every way such a file can be wrong (a syntax
error, a missing function, a function with the wrong parameters, an exception inside it) becomes
an :class:`~nanograd.run.errors.ExperimentError` that says which file, which function and what
would be valid.
"""

from __future__ import annotations

import importlib.util
import inspect
import linecache
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from nanograd.run.config import check_config
from nanograd.run.errors import ExperimentError

# Each function an experiment may define, the parameters it is called with, and whether needed.
FUNCTIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "data": (("config", "rng"), True),
    "model": (("config", "rng"), True),
    "metrics": (("output", "target"), False),
    "evaluate": (("run",), False),
    "plots": (("run",), False),
}

EXPERIMENT_MODULE = "nanograd_experiment_"  # the prefix of an imported experiment's module name

CONTRACT = (
    "an experiment file defines config = {...}, data(config, rng) and model(config, rng), "
    "and may define metrics(output, target), evaluate(run) and plots(run); "
    "see docs/experiments.md"
)


@dataclass
class Experiment:
    """A loaded experiment file: its name (the file's stem), path, module and checked config."""

    name: str
    path: Path
    module: ModuleType
    config: dict[str, Any]
    source: bytes = b""  # the file's text as imported, copied into the run folder

    def has(self, function: str) -> bool:
        return callable(getattr(self.module, function, None))

    def call(self, function: str, *args: Any) -> Any:
        """Call one of the file's functions; an exception inside it names the file and line."""
        func: Callable[..., Any] = getattr(self.module, function)
        try:
            return func(*args)
        except ExperimentError:
            raise
        except SystemExit as exc:
            raise ExperimentError(
                f"{self.path}: {function}() called exit({exc.code!r}){where_in(exc, self.path)}; "
                "to stop a run, raise an exception that says why"
            ) from exc
        except Exception as exc:
            raise ExperimentError(
                f"{self.path}: {function}() raised {type(exc).__name__}: {exc}"
                f"{where_in(exc, self.path)}"
            ) from exc


def where_in(exc: BaseException, path: Path) -> str:
    """``" (at line 12, in model)"``: the deepest frame of ``exc`` inside ``path``, if any."""
    target = str(path.resolve())
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if str(Path(frame.filename).resolve()) == target:
            found = f" (at line {frame.lineno}, in {frame.name})"
    return found


def load(
    path: str | Path,
    name: str | None = None,
    helpers: Path | Sequence[Path] = (),
    source: bytes | None = None,
) -> Experiment:
    """Import the experiment file at ``path`` and check it keeps the contract.

    The experiment's ``name`` is the file's stem unless given (a resumed run keeps its name).
    Modules can be imported from the folders ``helpers``, in that order, then from beside the
    file (a resumed run's copy of an experiment imports the copies of its modules first, then
    those where the original lives). With ``source`` the file's text is given rather than
    read: a sweep's job carries it to a machine where ``path`` need not exist, and errors still
    name ``path``; only ``helpers`` are importable then.
    """
    file = Path(path)
    places = [helpers] if isinstance(helpers, Path) else list(helpers)
    if source is None:
        if not file.exists():
            raise ExperimentError(
                f"{file}: no such experiment file (give the path of a .py file, e.g. "
                "experiments/linreg.py)"
            )
        if file.is_dir() or file.suffix != ".py":
            raise ExperimentError(f"{file}: an experiment is a Python file ending in .py")
        try:
            source = file.read_bytes()
        except OSError as exc:
            raise ExperimentError(f"{file}: cannot be read: {exc.strerror or exc}") from exc
        places.append(file.parent)
    module = _import(file, source, places)
    config = getattr(module, "config", None)
    if config is None:
        raise ExperimentError(f"{file}: no `config` dict; {CONTRACT}")
    if not isinstance(config, dict):
        raise ExperimentError(
            f"{file}: `config` must be a dict of default settings, got {type(config).__name__}"
        )
    for function, (params, required) in FUNCTIONS.items():
        func = getattr(module, function, None)
        if func is None:
            if required:
                raise ExperimentError(f"{file}: no {function}() function; {CONTRACT}")
            continue
        _check_signature(file, function, func, params)
    return Experiment(name or file.stem, file, module, check_config(config, str(file)), source)


def _import(file: Path, source: bytes, places: list[Path]) -> ModuleType:
    """Run ``source`` as the module of ``file``. The folders in ``places`` (the file's own, as
    for a script) go on ``sys.path`` first, in their order, so an experiment can import a
    helper module beside it (``from digits import load_digits``)."""
    for place in reversed(places):
        folder = str(place.resolve())
        if folder not in sys.path:
            sys.path.insert(0, folder)
    name = f"{EXPERIMENT_MODULE}{file.stem}"
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(file))
    if spec is None:
        raise ExperimentError(f"{file}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(file)
    sys.modules[name] = module  # dataclasses and pickle-free introspection look modules up here
    # Tracebacks show the lines of the text that ran, even where the file is not on disk.
    lines = source.decode("utf-8", errors="replace").splitlines(keepends=True)
    linecache.cache[str(file)] = (len(source), None, lines, str(file))
    if b"\0" in source:  # each Python version words this differently, or not at all
        lineno = source[: source.index(b"\0")].count(b"\n") + 1
        sys.modules.pop(name, None)
        raise ExperimentError(
            f"{file}, line {lineno}: contains null bytes, so it is not Python source; an "
            "experiment file is a text file (was a binary file given, or one saved as UTF-16?)"
        )
    try:
        code = compile(source, str(file), "exec", dont_inherit=True)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        text = (exc.text or "").strip()
        shown = f": {text}" if text else ""
        line = f", line {exc.lineno}" if exc.lineno else ""
        raise ExperimentError(f"{file}{line}: syntax error: {exc.msg}{shown}") from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes; absurd nesting
        sys.modules.pop(name, None)
        raise ExperimentError(
            f"{file}: cannot be compiled as Python source ({type(exc).__name__}: {exc})"
        ) from exc
    try:
        exec(code, module.__dict__)
    except SystemExit as exc:
        sys.modules.pop(name, None)
        raise ExperimentError(
            f"{file}: importing it called exit({exc.code!r}){where_in(exc, file)}; an "
            "experiment file only defines config and functions, which the runner calls"
        ) from exc
    except ImportError as exc:
        sys.modules.pop(name, None)
        missing = exc.name if isinstance(exc, ModuleNotFoundError) and exc.name else None
        hint = (
            f"; install {missing.split('.')[0]!r}, or put {missing.split('.')[0]}.py beside "
            "the experiment file"
            if missing
            else ""
        )
        raise ExperimentError(
            f"{file}: importing it failed: {type(exc).__name__}: {exc}{where_in(exc, file)}{hint}"
        ) from exc
    except Exception as exc:
        sys.modules.pop(name, None)
        raise ExperimentError(
            f"{file}: importing it raised {type(exc).__name__}: {exc}{where_in(exc, file)}"
        ) from exc
    return module


def require(module: str, install: str, needed_by: str = "this experiment") -> ModuleType:
    """Import an optional dependency, or fail with an error that says how to install it.

    ``datasets = require("sklearn.datasets", "pip install 'nanograd-numpy[digits]'")``
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ExperimentError(
            f"{needed_by} needs {module.split('.')[0]!r}, which is not installed "
            f"({type(exc).__name__}: {exc}); install it with: {install}"
        ) from exc


def _check_signature(file: Path, name: str, func: Any, params: tuple[str, ...]) -> None:
    if not callable(func):
        raise ExperimentError(f"{file}: `{name}` must be a function, got {type(func).__name__}")
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*params)
    except TypeError:
        raise ExperimentError(
            f"{file}: {name}{signature} cannot be called as {name}({', '.join(params)}); {CONTRACT}"
        ) from None
