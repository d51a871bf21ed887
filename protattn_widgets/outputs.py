"""Checking and writing output locations: files, folders, and report folders swapped in whole.

Everything that writes for the user (figures, standalone pages, the demo and
``analyze`` reports) checks its destination first, so that a mistake (a folder
where a file is wanted, a path under a file, a read-only place) is an
:class:`~protattn_widgets.errors.OutputPathError` before any work is done.

:func:`replace_folder` gives report folders their guarantee: a folder always
holds one run's files.  The report is written into a hidden temporary sibling
and moved into place only when complete; an interrupted run leaves the old
folder (or none) untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import OutputPathError
from .path_limits import check_path_limits

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import

__all__ = ["check_output_file", "check_output_folder", "replace_folder", "files_into_folder", "write_file_atomic"]


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")  # not reached: a filesystem root exists


def _check_creatable(path: Path, what: str) -> None:
    """``path`` does not exist: its nearest existing ancestor must be a writable folder."""
    ancestor = _nearest_existing(path.parent)
    if not ancestor.is_dir():
        raise OutputPathError(f"cannot write {what} {str(path)!r}: {str(ancestor)!r} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write {what} {str(path)!r}: the folder {str(ancestor)!r} is not writable")


def check_output_file(path: str | os.PathLike, what: str = "file") -> Path:
    """Return ``path`` if a file can be written there, else raise :class:`OutputPathError`.

    Nothing is created.  An existing file is fine (it will be replaced) if writable.
    """
    path = check_path_limits(path, what)
    if path.is_dir():
        raise OutputPathError(f"cannot write {what} {str(path)!r}: it is a folder; give a file name")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise OutputPathError(f"cannot write {what} {str(path)!r}: the file is not writable")
        return path
    _check_creatable(path, what)
    return path


def check_output_folder(path: str | os.PathLike, what: str = "folder") -> Path:
    """Return ``path`` if a folder can be created or replaced there, else raise :class:`OutputPathError`.

    For a folder that exists, its parent must be writable too (:func:`replace_folder`
    swaps the folder itself).  Nothing is created.
    """
    path = check_path_limits(path, what)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"cannot write {what} {str(path)!r}: it is a file, not a folder")
    if path.is_dir():
        parent = path.resolve().parent
        if not os.access(parent, os.W_OK | os.X_OK) or not os.access(path, os.W_OK | os.X_OK):
            raise OutputPathError(f"cannot write {what} {str(path)!r}: it or its parent folder is not writable")
        return path
    _check_creatable(path, what)
    return path


@contextlib.contextmanager
def replace_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Write a folder's new contents into a temporary sibling, then swap it in.

    ``with replace_folder("report") as tmp: ...`` yields the temporary folder.
    When the block finishes, an existing ``report`` is moved aside, ``tmp``
    renamed to ``report`` and the old one removed; when the block raises
    (``KeyboardInterrupt`` included) ``tmp`` is deleted and ``report`` is as it
    was.  Both renames stay on one filesystem, so the switch is immediate.
    """
    target = Path(path)
    tmp = _partial_sibling(target)
    parent = tmp.parent
    try:
        yield tmp
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".old"))
            os.replace(target, old / "previous")
        try:
            os.replace(tmp, target)
        except BaseException:
            if old is not None:  # put the previous folder back
                os.replace(old / "previous", target)
                old.rmdir()
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def files_into_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Write files into a temporary sibling, then move each into ``path`` (created if missing).

    Unlike :func:`replace_folder` the folder's other files are kept; files of
    the same name are replaced.  When the block raises, nothing is moved and
    the temporary folder is deleted, so no half-written set of files appears.
    """
    target = Path(path)
    tmp = _partial_sibling(target)
    try:
        yield tmp
        target.mkdir(exist_ok=True)
        for item in sorted(tmp.iterdir()):
            os.replace(item, target / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_file_atomic(path: str | os.PathLike, write, what: str = "file") -> Path:
    """Create ``path``'s folders, call ``write(handle)`` on a temporary binary file beside it, and
    rename that onto ``path``: an interrupted write leaves the old file (or none), never half a file.
    ``OSError`` s (disk full, permissions) become :class:`OutputPathError`."""
    path = check_path_limits(path, what)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        raise OutputPathError(f"cannot write {what} {str(path)!r}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputPathError(f"cannot write {what} {str(path)!r}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _partial_sibling(target: Path) -> Path:
    """Check ``target`` as an output folder and make an empty hidden ``.partial`` folder beside it."""
    check_output_folder(target)
    parent = target.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".partial"))
