"""Which process a run (or sweep) session is, and whether that process is still alive.

A session records its host and process id, so that ``--resume`` does not start a second process
on a run that is still training. A process id alone is not enough: after a reboot, or once ids
wrap around, an unrelated process may have the recorded id, and ``--resume`` would refuse
forever. So a session also records when its process started (on Linux, the boot and the clock
tick; elsewhere what ``ps`` says); a live process with that id that started at another time is
not the session's. Records written before start times were kept fall back to the process's
command: one that is not a Python process is not a run. ``--force`` is the way out when even
that cannot tell.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PROC = Path("/proc")


def identity() -> dict[str, Any]:
    """This process, as a session records it: host, process id and start time."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "process": start_time(os.getpid())}


def start_time(pid: int) -> str | None:
    """When process ``pid`` started, as an opaque string that differs between two processes
    that had the same id; None if it cannot be told."""
    stat = _read(_PROC / str(pid) / "stat")
    if stat is not None:
        boot = _read(_PROC / "sys" / "kernel" / "random" / "boot_id") or ""
        # Field 22 is the start time in clock ticks since boot; the command name (field 2) may
        # hold spaces and parentheses, so count fields after its closing parenthesis.
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 19:
            return f"{boot.strip()}:{fields[19]}"
        return None
    return _ps(pid, "lstart")


def command(pid: int) -> str | None:
    """The command line of process ``pid``, if it can be read."""
    raw = _read(_PROC / str(pid) / "cmdline")
    if raw is not None:
        return " ".join(raw.split("\0")).strip() or None
    return _ps(pid, "command")


def _ps(pid: int, column: str) -> str | None:
    """One column of ``ps`` for process ``pid``: where there is no /proc (macOS, the BSDs)."""
    if os.name != "posix":
        return None
    try:
        found = subprocess.run(
            ["ps", "-o", f"{column}=", "-p", str(pid)],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


@dataclass(frozen=True)
class Live:
    """A live process that is (as far as can be told) the session's: its id and command."""

    pid: int
    command: str | None

    def describe(self) -> str:
        shown = f" ({self.command[:80]})" if self.command else ""
        return f"process {self.pid}{shown}"


def still_running(summary: Mapping[str, Any]) -> Live | None:
    """The live process of the last session a ``running`` record names (a run's summary.json,
    or a sweep's sweep.json, which records its sessions the same way), if it is on this host
    and is that session's process rather than another one that now has its id."""
    sessions = summary.get("sessions") or [{}]
    last = sessions[-1] if isinstance(sessions[-1], Mapping) else {}
    pid, host = last.get("pid"), last.get("host")
    if summary.get("status") != "running" or not isinstance(pid, int) or pid <= 0:
        return None
    if host != socket.gethostname() or os.name != "posix":  # on Windows os.kill would end it
        return None
    if pid == os.getpid():  # a session of this very process, which has ended: runs take turns
        return None
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return None
    except PermissionError:  # it exists, under another user
        pass
    except OSError:  # an id out of range
        return None
    recorded, now, cmd = last.get("process"), start_time(pid), command(pid)
    if recorded is not None and now is not None and recorded != now:
        return None  # another process that was given the same id
    if recorded is None and cmd is not None and "python" not in cmd.lower():
        return None  # an old record: a run is a Python process
    return Live(pid, cmd)
