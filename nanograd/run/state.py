"""Saving nested training state (optimizer, schedule, RNG, counters) without pickle.

A state is a tree of dicts, lists and tuples whose leaves are arrays, tensors, NumPy scalars,
Python numbers, strings, booleans or None: what ``state_dict()`` methods return. Arrays go to an
``.npz`` file (read back with ``allow_pickle=False``); the tree, with each array replaced by a
reference, goes to a ``.json`` file. Both are written atomically, the JSON last, and carry the
same token, so a reader never pairs halves of two different saves. Dict keys keep their type
(optimizer state is keyed by integer), and NumPy scalars keep their dtype, so a resumed run
continues bit for bit.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from nanograd.tensor import Tensor

FORMAT = "nanograd-run-state/1"


class StateError(Exception):
    """A state file that is missing, corrupt, or not written by this module."""


def _encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, Tensor):
        key = f"a{len(arrays)}"
        arrays[key] = np.array(value.data, copy=True)
        return {"__tensor__": key}
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError("object arrays cannot be saved without pickle")
        key = f"a{len(arrays)}"
        arrays[key] = np.array(value, copy=True)
        return {"__array__": key}
    if isinstance(value, np.generic):
        key = f"a{len(arrays)}"
        arrays[key] = np.array(value)
        return {"__scalar__": key}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v, arrays) for k, v in value.items()}
        items = []
        for k, v in value.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"dict key {k!r} of type {type(k).__name__} cannot be saved")
            items.append([k, _encode(v, arrays)])
        return {"__items__": items}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    raise TypeError(f"a value of type {type(value).__name__} cannot be saved without pickle")


def _decode(value: Any, arrays: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, body),) = value.items()
        if tag == "__array__":
            return np.array(arrays[body])
        if tag == "__tensor__":
            return Tensor(np.array(arrays[body]))
        if tag == "__scalar__":
            return np.array(arrays[body])[()]
        if tag == "__tuple__":
            return tuple(_decode(v, arrays) for v in body)
        if tag == "__items__":
            return {k: _decode(v, arrays) for k, v in body}
    return {k: _decode(v, arrays) for k, v in value.items()}


def atomic_write_bytes(path: Path, data: bytes, sync: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``: all or nothing.

    ``sync`` also flushes the data to disk before the rename, so it survives a power cut.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_state(state: Any, stem: Path) -> None:
    """Write ``state`` as ``stem.npz`` plus ``stem.json``."""
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(state, arrays)
    token = secrets.token_hex(8)
    arrays["__token__"] = np.array(token)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    atomic_write_bytes(stem.with_suffix(".npz"), buffer.getvalue(), sync=True)
    text = json.dumps({"format": FORMAT, "token": token, "state": tree}, indent=1)
    atomic_write_bytes(stem.with_suffix(".json"), text.encode(), sync=True)


def load_state(stem: Path) -> Any:
    """Read a state written by :func:`save_state`."""
    json_path, npz_path = stem.with_suffix(".json"), stem.with_suffix(".npz")
    try:
        meta = json.loads(json_path.read_text())
    except FileNotFoundError:
        raise StateError(f"{json_path} is missing") from None
    except (OSError, ValueError) as exc:
        raise StateError(f"{json_path} is not readable JSON: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise StateError(f"{json_path} was not written by nanograd's runner")
    try:
        with np.load(npz_path, allow_pickle=False) as arrays:
            if str(arrays["__token__"]) != meta.get("token"):
                raise StateError(
                    f"{npz_path} and {json_path} come from different saves (interrupted write)"
                )
            return _decode(meta["state"], arrays)
    except StateError:
        raise
    except FileNotFoundError:
        raise StateError(f"{npz_path} is missing") from None
    except Exception as exc:
        raise StateError(f"{npz_path} is not a readable state file: {exc}") from exc
