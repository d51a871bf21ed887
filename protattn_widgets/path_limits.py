"""The file system's limits on names, checked before anything is written.

A name longer than the file system takes (255 bytes on most) otherwise
surfaces as a raw ``OSError: [Errno 36] File name too long`` from whichever
call touches it first, sometimes after minutes of work.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import OutputPathError

__all__ = ["check_path_limits", "TEMPORARY_NAME_ROOM"]

#: Characters a temporary sibling adds to a name (``.<name>.<8 random>.partial``).
TEMPORARY_NAME_ROOM = 18
_DEFAULT_NAME_MAX = 255
_DEFAULT_PATH_MAX = 4096


def _limit(path: Path, name: str, default: int) -> int:
    for candidate in (path, *path.parents):
        try:
            return int(os.pathconf(candidate, name))
        except (OSError, ValueError, AttributeError):
            continue
    return default


def check_path_limits(path: str | os.PathLike, what: str = "file", room: int = TEMPORARY_NAME_ROOM) -> Path:
    """Return ``path`` if each of its names fits the file system with ``room`` bytes to spare
    (for the temporary file written beside it) and the whole path fits; else raise
    :class:`~protattn_widgets.errors.OutputPathError` saying how long is allowed."""
    path = Path(path)
    absolute = Path(os.path.abspath(path))
    name_max = _limit(absolute.parent, "PC_NAME_MAX", _DEFAULT_NAME_MAX)
    parts = absolute.parts[1:]
    for index, part in enumerate(parts):
        size = len(os.fsencode(part))
        spare = room if index == len(parts) - 1 else 0  # only the last name gets a temporary sibling
        if size + spare > name_max:
            shown = part if len(part) <= 40 else f"{part[:30]}...{part[-6:]}"
            raise OutputPathError(
                f"cannot write {what} {shown!r}: its name is {size} bytes long, but this file system takes "
                f"names of at most {name_max} bytes" + (f" and {spare} are needed for the temporary file written "
                                                         f"beside it" if spare else "")
                + f"; use a name of at most {name_max - spare} bytes")
    path_max = _limit(absolute.parent, "PC_PATH_MAX", _DEFAULT_PATH_MAX)
    if len(os.fsencode(str(absolute))) + room >= path_max:
        raise OutputPathError(f"cannot write {what}: its path is {len(os.fsencode(str(absolute)))} bytes long, "
                              f"more than this file system takes ({path_max}); use a shorter path")
    return path
