"""Checking and writing output locations: files, and folders swapped in whole.

Everything that writes for the user (figures, standalone pages, the demo and
``analyze`` reports, saved results) checks its destination first, so that a
mistake (a folder where a file is wanted, a path under a file, a read-only
place, a FIFO or device node) is an
:class:`~protattn_widgets.errors.OutputPathError` before any work is done.

**One folder policy** for every command and API call that writes a folder
(``protattn demo -o``, ``protattn analyze -o``, :func:`~protattn_widgets.run_demo`,
:func:`~protattn_widgets.analysis.report.write_report`, ``AnalysisResult.save``):

* a missing or empty folder is written;
* a folder that protattn wrote before (it holds :data:`MARKER`) is replaced whole,
  so it always holds one run's files, never a mix of two runs;
* any other non-empty folder is refused unless ``--overwrite``
  (``overwrite=True``), which replaces everything in it: no file of yours is
  silently overwritten or mixed with ours;
* the current folder, or one above it, is never replaced.

:func:`replace_folder` writes the new contents into a hidden temporary sibling
and moves them into place only when complete; an interrupted run leaves the
old folder (or none) untouched.

Files are written by :func:`write_file_atomic`: a temporary file renamed onto
the target, which must be a regular file (its permissions are kept) or missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import OutputPathError
from .path_limits import check_path_limits

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import

__all__ = ["check_output_file", "check_output_folder", "replace_folder", "write_file_atomic", "written_by_protattn",
           "MARKER"]

#: The file that marks a folder as written by protattn (what wrote it, and the package version).
MARKER = ".protattn-output.json"


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
        _check_regular_file(path, what)
        if not os.access(path, os.W_OK):
            raise OutputPathError(f"cannot write {what} {str(path)!r}: the file is not writable")
        return path
    _check_creatable(path, what)
    return path


def check_output_folder(path: str | os.PathLike, what: str = "folder", *, overwrite: bool = False) -> Path:
    """Return ``path`` if the folder policy (module docstring) lets a folder be written there,
    else raise :class:`OutputPathError`.  Nothing is created.

    For a folder that exists, its parent must be writable too (:func:`replace_folder`
    swaps the folder itself).
    """
    path = check_path_limits(path, what)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"cannot write {what} {str(path)!r}: it is a file, not a folder")
    if not path.is_dir():
        _check_creatable(path, what)
        return path
    resolved, here = path.resolve(), Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise OutputPathError(f"cannot write {what} {str(path)!r}: it is the current folder or one above it, "
                              "which would be replaced whole; name a new folder, e.g. -o out/")
    parent = resolved.parent
    if not os.access(parent, os.W_OK | os.X_OK) or not os.access(path, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write {what} {str(path)!r}: it or its parent folder is not writable")
    if not overwrite and any(path.iterdir()) and not written_by_protattn(path):
        raise OutputPathError(
            f"cannot write {what} {str(path)!r}: it is not empty and was not written by protattn; choose "
            "another folder, or pass --overwrite (overwrite=True), which replaces everything in it")
    return path


def written_by_protattn(path: str | os.PathLike) -> bool:
    """Whether the folder ``path`` was written by protattn: it holds :data:`MARKER`, or (written
    before the marker existed) a ``summary.json`` whose ``files`` name everything in it."""
    path = Path(path)
    if (path / MARKER).is_file():
        return True
    try:
        files = json.loads((path / "summary.json").read_text(encoding="utf-8"))["files"]
        ours = {Path(name).parts[0] for name in files.values()} | {"summary.json"}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return False
    return all(entry.name in ours for entry in path.iterdir())


@contextlib.contextmanager
def replace_folder(path: str | os.PathLike, *, overwrite: bool = False, what: str = "folder",
                   written_by: str = "protattn") -> Iterator[Path]:
    """Write a folder's new contents into a temporary sibling, then swap it in.

    ``with replace_folder("report") as tmp: ...`` yields the temporary folder.
    ``report`` is checked first by :func:`check_output_folder` (the folder policy).
    When the block finishes, :data:`MARKER` (saying ``written_by``) is added, an
    existing ``report`` is moved aside, ``tmp`` renamed to ``report`` and the old
    one removed; when the block raises (``KeyboardInterrupt`` included) ``tmp`` is
    deleted and ``report`` is as it was.  Both renames stay on one filesystem, so
    the switch is immediate.
    """
    from . import __version__

    target = check_output_folder(path, what, overwrite=overwrite)
    parent = target.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".partial"))
    try:
        yield tmp
        (tmp / MARKER).write_text(json.dumps({"written_by": written_by, "version": __version__}) + "\n",
                                  encoding="utf-8")
        os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700; give the usual permissions
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


def write_file_atomic(path: str | os.PathLike, write, what: str = "file") -> Path:
    """Create ``path``'s folders, call ``write(handle)`` on a temporary binary file beside it, and
    rename that onto ``path``: an interrupted write leaves the old file (or none), never half a file.

    ``path`` must be a regular file or missing (a symbolic link is followed); a FIFO, device
    node or socket is refused, never replaced.  A file's permissions are kept (0600 stays 0600);
    a new file gets the usual ones (0666 less the umask).  ``OSError`` s (disk full,
    permissions) become :class:`OutputPathError`.
    """
    path = Path(os.path.realpath(check_path_limits(path, what)))
    _check_regular_file(path, what)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        raise OutputPathError(f"cannot write {what} {str(path)!r}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        mode = _check_regular_file(path, what)  # again: it may have changed while we wrote
        os.chmod(tmp, 0o666 & ~_UMASK if mode is None else mode)  # mkstemp makes 0600
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputPathError(f"cannot write {what} {str(path)!r}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


_SPECIAL_FILES = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _check_regular_file(path: Path, what: str) -> int | None:
    """The permission bits of the regular file ``path`` (None if missing); anything else is refused."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputPathError(f"cannot write {what} {str(path)!r}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _SPECIAL_FILES if test(info.st_mode)), "a special file")
        raise OutputPathError(f"cannot write {what} {str(path)!r}: it is {kind}, not a regular file; "
                              "it is never replaced: give a file name")
    return stat.S_IMODE(info.st_mode)
