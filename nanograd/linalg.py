"""``ng.linalg``: NumPy's ``np.linalg`` for tensors, filled from the registry.

A registered op named ``linalg_<name>`` is reachable here as ``ng.linalg.<name>``, the way
PyTorch's ``torch.linalg.inv`` is the op ``linalg_inv``: ``ng.linalg.norm(x, ord=1)`` calls
``ng.ops.linalg_norm``, and a plugin that registers ``linalg_qr`` adds ``ng.linalg.qr``. The
engine holds no linear algebra itself; the ops come from plugins like every other op.
"""

from __future__ import annotations

from typing import Any

from nanograd import ops as ng_ops
from nanograd.lookup import UnknownName, find

PREFIX = "linalg_"
_LISTED = (
    f" (an op named {PREFIX}<name> is ng.linalg.<name>; `python -m nanograd.plugins` lists "
    "what is loaded)"
)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from nanograd import plugins

    ops = plugins.registry().ops
    op = ops.get(PREFIX + name)
    if op is None:
        functions = {n[len(PREFIX) :]: op for n, op in ops.items() if n.startswith(PREFIX)}
        try:
            op = find(functions, name, "function in ng.linalg", registered=False, suffix=_LISTED)
        except UnknownName as exc:
            raise AttributeError(str(exc)) from None
    return vars(ng_ops).get(op.name, op.function)  # as bound (detect_anomaly binds checks)


def __dir__() -> list[str]:
    from nanograd import plugins

    return sorted(n[len(PREFIX) :] for n in plugins.registry().ops if n.startswith(PREFIX))
