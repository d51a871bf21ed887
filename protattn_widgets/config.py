"""Where protattn-widgets keeps files between sessions.

One root directory holds every on-disk cache (downloaded PDB entries,
attention arrays).  It is ``$PROTATTN_CACHE_DIR`` when set, else
``$XDG_CACHE_HOME/protattn_widgets``, else ``~/.cache/protattn_widgets``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """Return the cache root directory (not created here)."""
    explicit = os.environ.get("PROTATTN_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "protattn_widgets"
