"""Numbers for JSON files: JSON has no NaN or infinity, so those become ``null``."""

from __future__ import annotations

import math

__all__ = ["finite_or_none"]


def finite_or_none(value: float) -> float | None:
    """``float(value)``, or ``None`` where it is NaN or infinite."""
    value = float(value)
    return value if math.isfinite(value) else None
