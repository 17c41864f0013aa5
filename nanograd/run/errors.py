"""Errors the runner reports to the user as one paragraph instead of a traceback.

A mistake in an experiment file, a config override or a plugin name is the user's to fix, so the
message names the file, the key or the function at fault and says what would be valid. The CLI
exits with code 2 for these and shows the traceback only under ``--traceback``.
"""

from __future__ import annotations


class ExperimentError(Exception):
    """A problem with an experiment file or with how a run was asked for."""


class ConfigError(ExperimentError):
    """A config key or value that cannot be used: unknown key, wrong type, bad literal."""
