"""Standard output and error after their reader has gone.

A command piped into ``head``, or into ``less`` that is quit early, loses its reader: its next
write fails with EPIPE (``BrokenPipeError``), or with EIO once the terminal it wrote to is
closed. Neither is a reason to stop a training run or to print a traceback. :func:`let_go`
points the stream's file descriptor at ``os.devnull``, so every later write (the runner's, an
experiment's ``print``, and Python's own flush at exit, which would otherwise report "Exception
ignored ... BrokenPipeError" and turn the exit status into 120) succeeds and goes nowhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import IO


def reader_gone(error: OSError) -> bool:
    """Whether a failed write means nobody reads the stream any more: a pipe whose reader has
    closed it (EPIPE) or a terminal that is gone (EIO)."""
    return isinstance(error, BrokenPipeError) or error.errno == errno.EIO


def let_go(stream: IO[str]) -> None:
    """Send all further output of ``stream``, and what it still holds unwritten, to os.devnull.

    A stream without a file descriptor (an ``io.StringIO``) is left as it is.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
    with contextlib.suppress(OSError, ValueError):
        stream.flush()  # what the failed write left in the buffer goes now, not at exit


def flush_standard_streams() -> None:
    """Flush standard output and error, letting go of one whose reader has gone.

    A command calls this before it exits: a failure in Python's own flush at exit can no
    longer be caught, and is reported as "Exception ignored" with exit status 120.
    """
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # pythonw, or closed by the embedding program
            continue
        try:
            stream.flush()
        except OSError as exc:
            if not reader_gone(exc):
                raise
            let_go(stream)


@contextlib.contextmanager
def until_reader_leaves() -> Iterator[None]:
    """Run a block that prints; if the reader of standard output or error leaves, the block
    ends there, quietly, and the command goes on after it (to return its exit status)."""
    try:
        yield
        flush_standard_streams()
    except OSError as exc:
        if not reader_gone(exc):
            raise
        flush_standard_streams()  # finds the stream that failed: it still holds unwritten text
