"""nanograd: reverse-mode automatic differentiation on NumPy, with ops supplied by plugins.

``import nanograd as ng``. The engine (tensors, the graph walk, the registry) lives here; every
op, loss and optimizer comes from a plugin, ``nanograd_std`` first among them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nanograd import domain, inplace, ops, plugins
from nanograd._distribution import DISTRIBUTION
from nanograd._mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from nanograd.autograd import grad
from nanograd.creation import arange, full, ones, ones_like, rand, randn, zeros, zeros_like
from nanograd.gradcheck import gradcheck, gradgradcheck
from nanograd.hookspecs import hookimpl
from nanograd.registry import PluginError
from nanograd.tensor import Tensor, as_tensor, tensor

if TYPE_CHECKING:  # imported on first use (below); named here for type checkers
    __version__: str
    from nanograd.tracing.callback import callback as callback
    from nanograd.tracing.compiled import compile as compile
    from nanograd.tracing.recorder import TraceError as TraceError

# Imported on first use, so ``import nanograd`` stays quick and light.
_LAZY: dict[str, tuple[str, str | None]] = {
    "nn": ("nanograd.nn", None),
    "linalg": ("nanograd.linalg", None),
    "optim": ("nanograd.optim", None),
    "losses": ("nanograd.losses", None),
    "testing": ("nanograd.testing", None),
    "viz": ("nanograd.viz", None),
    "detect_anomaly": ("nanograd.anomaly", "detect_anomaly"),
    "is_anomaly_enabled": ("nanograd.anomaly", "is_anomaly_enabled"),
    "AnomalyError": ("nanograd.anomaly", "AnomalyError"),
    "manual_seed": ("nanograd.nn.init", "manual_seed"),
    "save": ("nanograd.serialization", "save"),
    "load": ("nanograd.serialization", "load"),
    "compile": ("nanograd.tracing.compiled", "compile"),
    "callback": ("nanograd.tracing.callback", "callback"),
    "TraceError": ("nanograd.tracing.recorder", "TraceError"),
}


def _version() -> str:
    from importlib import metadata  # slow to import, so only when the version is asked for

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = version = _version()
        return version
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'nanograd' has no attribute {name!r}")
    module = importlib.import_module(target[0])
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


__all__ = [
    "PluginError",
    "Tensor",
    "__version__",
    "arange",
    "as_tensor",
    "domain",
    "enable_grad",
    "full",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hookimpl",
    "inplace",
    "is_grad_enabled",
    "no_grad",
    "ones",
    "ones_like",
    "ops",
    "plugins",
    "rand",
    "randn",
    "set_grad_enabled",
    "tensor",
    "zeros",
    "zeros_like",
    *_LAZY,
]
