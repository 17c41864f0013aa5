"""``Optimizer``: the base class every optimizer derives from, plugins' included.

It owns parameter groups, per-parameter state and their checkpoints; a subclass writes only its
update rule in :meth:`Optimizer.update`, on NumPy arrays, in place. Steps build no graph and make
no plugin calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from nanograd import versions
from nanograd._mode import enable_grad
from nanograd.tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors, or of dicts ``{"params": [...], "lr": ...}`` whose
    keys override ``defaults`` for that group (PyTorch's parameter groups). Subclasses define
    :meth:`update` and, to check hyper-parameters, :meth:`check_group`.
    """

    def __init__(self, params: ParamsT, defaults: Mapping[str, Any]) -> None:
        self.defaults: dict[str, Any] = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{self._name}: params must be an iterable of tensors (e.g. model.parameters()), "
                "not a single tensor; wrap it in a list"
            )
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(
                f"{self._name} got an empty parameter list: does the model have parameters?"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self) -> str:
        return type(self).__name__

    # -- groups ---------------------------------------------------------------------------------

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (the rest from defaults)."""
        if not isinstance(param_group, Mapping) or "params" not in param_group:
            raise TypeError(
                f"{self._name}: a parameter group is a dict with a 'params' entry, got "
                f"{type(param_group).__name__}"
            )
        group = dict(param_group)
        raw = group["params"]
        params = [raw] if isinstance(raw, Tensor) else list(raw)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{self._name}: parameter {i} of group {len(self.param_groups)} is "
                    f"{type(p).__name__}, not a Tensor"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{self._name}: parameter {i} (shape {p.shape}) is the result of an op, not "
                    "a leaf tensor; optimize the tensors the computation starts from"
                )
            if not np.issubdtype(p.dtype, np.floating):
                raise TypeError(
                    f"{self._name}: parameter {i} has dtype {p.dtype}; only floating-point "
                    "tensors can be optimized"
                )
            if id(p) in seen:
                raise ValueError(
                    f"{self._name}: parameter {i} (shape {p.shape}) appears twice, in this "
                    "group or an earlier one; each parameter belongs to exactly one group"
                )
            seen.add(id(p))
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.check_group(group)
        group["params"] = params
        self.param_groups.append(group)

    def check_group(self, group: dict[str, Any]) -> None:
        """Validate (and may normalise) a group's hyper-parameters; raise ValueError if bad.

        Called for every group, at construction and when a state dict is loaded. See
        :mod:`nanograd.optim.checks` for helpers.
        """

    # -- stepping -------------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``None``, or zeros with ``set_to_none=False``)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = Tensor(np.zeros_like(p.data))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given.

        ``closure`` recomputes the loss (and calls backward) for optimizers that need it.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        changed_by = f"{self._name}.step()"
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                self.update(p._data, grad._data, state, group)
                # A graph recorded before this step and walked after it would use the new
                # values; the stamp lets its backward() say so (see nanograd.versions).
                versions.bump(p, changed_by)
        return loss

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Apply the update rule to one parameter: change ``param`` in place.

        ``state`` is this parameter's own dict (empty on the first step): keep step counts and
        moment buffers there and they are checkpointed by ``state_dict()``.
        """
        raise NotImplementedError(f"{self._name} does not define update()")

    # -- checkpoints ----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """A snapshot to resume from: per-parameter state by index, and the groups'
        hyper-parameters with their parameters' indices (PyTorch's layout). Arrays are copied.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` taken from an optimizer over the same parameters.

        The groups must match in number and size; hyper-parameters and buffers are copied (and
        buffers cast to their parameter's dtype), so the run continues exactly. A
        hyper-parameter missing from the saved groups keeps its current value.
        """
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                f"{self._name}.load_state_dict: expected a dict with 'state' and 'param_groups' "
                "(from optimizer.state_dict())"
            )
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{self._name}.load_state_dict: the state dict has {len(saved_groups)} parameter "
                f"group(s), this optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, tuple[int, Tensor]] = {}  # saved index -> (group, parameter)
        new_groups = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            if not isinstance(saved, Mapping) or "params" not in saved:
                raise ValueError(
                    f"{self._name}.load_state_dict: parameter group {i} of the state dict is "
                    f"{type(saved).__name__}, not a dict with a 'params' list"
                )
            saved_params = list(saved["params"])
            if len(saved_params) != len(group["params"]):
                raise ValueError(
                    f"{self._name}.load_state_dict: group {i} has {len(saved_params)} "
                    f"parameters in the state dict and {len(group['params'])} here; was it "
                    "saved from another model?"
                )
            for idx, p in zip(saved_params, group["params"], strict=True):
                by_index[int(idx)] = (i, p)
            # A hyper-parameter the saved group lacks (a checkpoint from before it existed)
            # keeps this optimizer's value rather than failing the load.
            merged = {**group, **{k: v for k, v in saved.items() if k != "params"}}
            merged["params"] = group["params"]
            self.check_group(merged)
            new_groups.append(merged)
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, buffers in dict(state_dict["state"]).items():
            found = by_index.get(int(key))
            if found is None:
                raise ValueError(
                    f"{self._name}.load_state_dict: state for parameter {key} but no group "
                    "holds a parameter of that index"
                )
            group_index, p = found
            where = f"parameter {key} (group {group_index}, shape {p.shape}, {p.dtype})"
            if not isinstance(buffers, Mapping):
                raise ValueError(
                    f"{self._name}.load_state_dict: the state of {where} is "
                    f"{type(buffers).__name__}, not a dict of buffers"
                )
            restored = {name: _restore(value, p) for name, value in buffers.items()}
            for name, value in restored.items():
                self.check_buffer(name, value, p, where)
            new_state[p] = restored
        self.param_groups = new_groups
        self.state = new_state

    def check_buffer(self, name: str, value: Any, param: Tensor, where: str) -> None:
        """Refuse a loaded buffer that cannot belong to ``param`` (``where`` names it).

        By default an array buffer of one or more dimensions (a moment, a momentum) must have
        its parameter's shape; a 0-d one (a step count) may be anything. An optimizer whose
        buffers have other shapes (factored moments) overrides this.
        """
        if isinstance(value, np.ndarray) and value.ndim and value.shape != param.shape:
            raise ValueError(
                f"{self._name}.load_state_dict: buffer {name!r} of {where} has shape "
                f"{value.shape} in the state dict, but a buffer has its parameter's shape "
                f"{param.shape}; was the state dict saved from another model?"
            )

    def __repr__(self) -> str:
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _restore(value: Any, param: Tensor) -> Any:
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            return value.astype(param.dtype, copy=True)
        return value.copy()
    return value
