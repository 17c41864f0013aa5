"""``ng.save`` and ``ng.load``: checkpoints as ``.npz`` files that never need pickle.

A checkpoint is any nest of dicts, lists and tuples whose leaves are arrays, tensors, numbers,
strings, booleans or None: a model's ``state_dict()``, an optimizer's (with its parameter groups
and per-parameter buffers), a schedule's, an epoch number. Arrays are stored under readable
flattened keys (``model/0.weight``, ``optimizer/state/0/exp_avg``); the shape of the nest is a
small JSON document stored as a string array under ``__nanograd__``. Loading runs no code from
the file (``allow_pickle=False``), and writing is atomic: a crash mid-save leaves the previous
file intact.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from nanograd._atomic import atomic_open
from nanograd.tensor import Tensor

FORMAT = "nanograd-checkpoint"
VERSION = 1
META_KEY = "__nanograd__"


# What a damaged file means, since ng.save never leaves half a file behind.
_WHOLE = (
    "ng.save writes a checkpoint whole (atomically), so this file was cut short or changed "
    "after it was written; load an earlier copy, or save it again"
)


class CheckpointError(ValueError):
    """A file is not a readable nanograd checkpoint, or an object cannot be saved as one."""


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` to ``path`` as an ``.npz`` checkpoint, atomically.

    The file is written beside ``path`` under a temporary name and moved into place with
    ``os.replace``, so readers see the old file or the new one, never half of one.
    """
    target = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, "", arrays)
    meta = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    payload: dict[str, Any] = {META_KEY: np.array(meta), **arrays}
    with atomic_open(target) as handle:
        np.savez(handle, **payload)


def load(path: str | os.PathLike[str]) -> Any:
    """Read a checkpoint written by :func:`save`; arrays come back as NumPy arrays and tensors
    as tensors. A file that is not one raises :class:`CheckpointError` naming it."""
    source = os.fspath(path)
    with open(source, "rb") as f:
        head = f.read(6)
    if head == b"\x93NUMPY":
        raise CheckpointError(
            f"{source} is a single .npy array, not a nanograd checkpoint (.npz written by ng.save)"
        )
    if not head.startswith(b"PK"):
        what = "an empty file" if not head else f"a file starting with {head!r}"
        raise CheckpointError(
            f"{source} is not a nanograd checkpoint: it is {what}, not an .npz (zip) archive"
        )
    try:
        archive = np.load(source, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(
            f"{source} is damaged or truncated: it starts like an .npz archive but NumPy "
            f"cannot read it ({exc}). {_WHOLE}"
        ) from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"{source} is not a nanograd checkpoint (.npz written by ng.save)")
    with archive:
        try:
            names = set(archive.files)
            if META_KEY not in names:
                shown = ", ".join(sorted(names)[:5]) or "nothing"
                raise CheckpointError(
                    f"{source} is an .npz file but not a nanograd checkpoint: it has no "
                    f"{META_KEY!r} entry (it holds {shown}); write checkpoints with ng.save, or "
                    "read plain archives with numpy.load"
                )
            meta = json.loads(str(archive[META_KEY]))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise CheckpointError(f"{source}: unrecognised checkpoint metadata")
            if meta.get("version") != VERSION:
                raise CheckpointError(
                    f"{source} was written in checkpoint format version {meta.get('version')}; "
                    f"this nanograd reads version {VERSION}"
                )
            return _decode(meta["tree"], archive, source)
        except CheckpointError:
            raise
        except (
            OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
            json.JSONDecodeError, RecursionError,
        ) as exc:  # fmt: skip
            raise CheckpointError(
                f"{source} is a damaged nanograd checkpoint: {type(exc).__name__}: {exc}. {_WHOLE}"
            ) from exc


# -- the nest as JSON ---------------------------------------------------------------------------
# Every node is a one-key dict naming its kind, so a string never passes for a container:
# {"array": key}, {"tensor": key}, {"scalar": key} (a NumPy scalar), {"dict": [[k, v], ...]},
# {"list": [...]}, {"tuple": [...]}, {"value": JSON scalar}. Dict keys are nodes too, so the
# integer parameter indices of an optimizer state come back as integers.


_PLAIN = frozenset({bool, int, float, str, type(None)})
"""Types stored as JSON values, exactly (a NumPy float64, a float subclass, is stored as a
NumPy scalar, so it takes the general path)."""


def _encode(obj: Any, path: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    if isinstance(obj, Tensor):
        return {"tensor": _store(obj.data, path, arrays)}
    if isinstance(obj, np.ndarray):
        return {"array": _store(obj, path, arrays)}
    if isinstance(obj, np.generic):
        return {"scalar": _store(np.asarray(obj), path, arrays)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    if isinstance(obj, dict):
        if all(type(k) in _PLAIN and type(v) in _PLAIN for k, v in obj.items()):
            # a run's history row, every epoch's: its values are written as they are, in one
            # pass instead of a call per entry (the final checkpoint holds every row)
            return {"dict": [[{"value": k}, {"value": v}] for k, v in obj.items()]}
        items = []
        for key, value in obj.items():
            if not (key is None or isinstance(key, (bool, int, float, str))):
                raise CheckpointError(
                    f"ng.save: key {key!r} at {path or 'the top level'} is a "
                    f"{type(key).__name__}; dict keys must be strings or numbers"
                )
            items.append([{"value": key}, _encode(value, _join(path, str(key)), arrays)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, _join(path, str(i)), arrays) for i, v in enumerate(obj)]}
    raise CheckpointError(
        f"ng.save cannot store {type(obj).__name__} at {path or 'the top level'}: a checkpoint "
        "holds dicts, lists, tuples, arrays, tensors, numbers, strings, booleans and None "
        "(save a module's state_dict(), not the module)"
    )


def _join(path: str, key: str) -> str:
    return f"{path}/{key}" if path else key


def _store(array: np.ndarray, path: str, arrays: dict[str, np.ndarray]) -> str:
    if array.dtype.hasobject:
        raise CheckpointError(
            f"ng.save: the array at {path or 'the top level'} has dtype object, which cannot be "
            "stored without pickle; convert it to a numeric or string dtype"
        )
    key = path or "array"
    if key == META_KEY or key in arrays:
        n = 1
        while f"{key}~{n}" in arrays:
            n += 1
        key = f"{key}~{n}"
    arrays[key] = array
    return key


def _decode(node: Any, archive: Any, source: str) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        raise CheckpointError(f"{source}: malformed checkpoint metadata node {node!r}")
    ((kind, body),) = node.items()
    if kind == "value":
        return body
    if kind == "array":
        return archive[body]
    if kind == "tensor":
        return Tensor(archive[body])
    if kind == "scalar":
        return archive[body][()]
    if kind == "dict":
        return {_decode(k, archive, source): _decode(v, archive, source) for k, v in body}
    if kind == "list":
        return [_decode(v, archive, source) for v in body]
    if kind == "tuple":
        return tuple(_decode(v, archive, source) for v in body)
    raise CheckpointError(f"{source}: unknown checkpoint metadata node kind {kind!r}")
