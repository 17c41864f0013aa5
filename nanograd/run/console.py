"""What a run prints, and its copy in the run folder's ``log.txt``.

Lines go to standard output through ``tqdm.write``, so they appear above a live progress bar
instead of breaking it. Lines printed before the run folder exists are kept and written to
``log.txt`` once it does. ``--quiet`` silences the terminal, not the log. A log that cannot be
written (a full disk) never stops a line from reaching the terminal: logging stops, and the
error is kept in :attr:`Console.log_error` for the runner to report.

A terminal stream whose reader leaves (``| head``, ``less`` quit early, a closed terminal) is
let go at its first failed write (see :mod:`nanograd._streams`): the run goes on to the end,
writing its folder and ``log.txt`` as it would have, and prints no traceback. Each line is
flushed as it is shown, so a reader sees it at once (``| tee``) and a reader that has left is
noticed here, at a line of the run, rather than in some other print or at exit.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import IO

from tqdm import tqdm

from nanograd._streams import let_go, reader_gone


class Console:
    """Print to the terminal (unless quiet) and to ``log.txt`` (once attached)."""

    def __init__(self, quiet: bool = False, stream: IO[str] | None = None) -> None:
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stdout
        self._pending: list[str] = []
        self._log: IO[str] | None = None
        self.log_error: OSError | None = None  # why log.txt stopped being written, if it did

    @property
    def interactive(self) -> bool:
        """True when output goes to a terminal with room for a bar and is not silenced.

        A terminal that reports zero columns (some CI consoles and serial lines do) would get a
        bar tqdm draws zero characters wide, so it gets the plain epoch lines instead.
        """
        if self.quiet:
            return False
        isatty = getattr(sys.stderr, "isatty", None)
        if not (isatty and isatty()):
            return False
        try:
            return os.get_terminal_size(sys.stderr.fileno()).columns > 0
        except (AttributeError, OSError, ValueError):  # no size to ask for: tqdm's default width
            return True

    def attach(self, log_path: Path) -> None:
        """Start mirroring into ``log_path`` (appending), beginning with what was held back."""
        self._log = log_path.open("a", encoding="utf-8")
        for line in self._pending:
            self._log.write(line + "\n")
        self._pending.clear()
        self._log.flush()

    def close(self) -> None:
        if self._log is not None:
            try:
                self._log.close()
            except OSError as exc:  # the last lines could not be flushed
                self.log_error = self.log_error or exc
            self._log = None

    def print(self, message: str = "") -> None:
        """Show ``message`` and log it."""
        if not self.quiet:
            self._show(message, self.stream)
        self.log(message)

    def log(self, message: str) -> None:
        """Log ``message`` without showing it (e.g. epoch lines while a bar shows them live)."""
        if self.log_error is not None:
            return
        lines = message.splitlines() or [""]
        if self._log is None:
            self._pending.extend(lines)
            return
        try:
            self._log.write("".join(line + "\n" for line in lines))
            self._log.flush()
        except OSError as exc:
            self.log_error = exc
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None

    def error(self, message: str) -> None:
        """Show ``message`` on standard error, even when quiet, and log it. Through
        ``tqdm.write`` too: a bar on the terminal is cleared first, not written over."""
        self._show(message, sys.stderr)
        self.log(message)

    @staticmethod
    def _show(message: str, stream: IO[str] | None) -> None:
        """Write a line to the terminal; a reader that has left is let go of, quietly."""
        if stream is None:  # started with the stream closed (>&-): Python made it None
            return
        try:
            tqdm.write(message, file=stream)
            stream.flush()
        except OSError as exc:
            if not reader_gone(exc):
                raise
            let_go(stream)

    @staticmethod
    def stamp() -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S")
