"""Loss functions (filled in with the training library)."""

from typing import Any


def register_losses(register: Any) -> None:
    """Register every standard loss."""
