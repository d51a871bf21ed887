"""Where protattn-widgets keeps files between sessions.

One root directory holds every on-disk cache (downloaded PDB entries,
attention arrays, spill files).  It is ``$PROTATTN_CACHE_DIR`` when set, else
``$XDG_CACHE_HOME/protattn_widgets``, else ``~/.cache/protattn_widgets``,
always made absolute when read (a relative ``PROTATTN_CACHE_DIR`` is taken
from the working directory at that moment and stays put when it changes).

When a folder under the root cannot be used (a read-only file system, a file
where the folder should be), :func:`writable_cache_dir` warns once
(:class:`~protattn_widgets.errors.CacheLocationWarning`, naming
``PROTATTN_CACHE_DIR``) and hands out a per-user folder in the system's temp
directory instead; only when that fails too is it an error
(:class:`~protattn_widgets.errors.CacheLocationError`).  Spilling, the disk
cache and PDB downloads all go through it, so they behave alike.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from .errors import CacheLocationError, CacheLocationWarning
from .errors import warn as warn_user

__all__ = ["cache_root", "writable_cache_dir", "usable_directory"]

_warned: set[tuple[str, str]] = set()
_resolved: dict[str, Path] = {}  # relative setting -> its absolute meaning, fixed when first read
_lock = threading.Lock()


def cache_root() -> Path:
    """Return the cache root directory, absolute (not created here).

    A relative setting is resolved against the working directory the first time
    it is read, and keeps that meaning when the working directory changes.
    """
    explicit = os.environ.get("PROTATTN_CACHE_DIR")
    if explicit:
        return _absolute(Path(explicit).expanduser())
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return _absolute(base / "protattn_widgets")


def _absolute(path: Path) -> Path:
    if path.is_absolute():
        return Path(os.path.normpath(path))
    with _lock:
        return _resolved.setdefault(str(path), Path(os.path.abspath(path)))


def usable_directory(path: str | os.PathLike) -> OSError | None:
    """Create ``path`` (and parents) if missing; ``None`` when a file can be written in it,
    else the error that says why not."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            raise NotADirectoryError(f"{path} is not a folder")
        fd, probe = tempfile.mkstemp(dir=path, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        return error
    return None


def fallback_root() -> Path:
    """The per-user folder in the system's temp directory used when the cache root cannot be written."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"protattn_widgets-{user}"


def writable_cache_dir(name: str) -> Path:
    """``cache_root()/name``, created; a temp-folder fallback (with a warning) when it cannot be written.

    Raises
    ------
    CacheLocationError
        Neither the cache folder nor the fallback can be written.
    """
    wanted = cache_root() / name
    problem = usable_directory(wanted)
    if problem is None:
        return wanted
    fallback = fallback_root() / name
    second = usable_directory(fallback)
    if second is not None:
        raise CacheLocationError(
            f"cannot write the cache folder {wanted} ({_reason(problem)}) nor the fallback {fallback} "
            f"({_reason(second)}); set PROTATTN_CACHE_DIR to a writable folder") from problem
    with _lock:
        first = (str(wanted), str(fallback)) not in _warned
        _warned.add((str(wanted), str(fallback)))
    if first:
        warn_user(f"cannot write the cache folder {wanted} ({_reason(problem)}); using {fallback} for now "
                  f"(set PROTATTN_CACHE_DIR to a writable folder to keep files between sessions)",
                  CacheLocationWarning)
    return fallback


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__
