"""Optimizers (filled in with the training library)."""

from typing import Any


def register_optimizers(register: Any) -> None:
    """Register every standard optimizer."""
