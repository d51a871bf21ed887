"""Example structures bundled with the package (see ``data/PROVENANCE.md``).

This module only knows the bundled files; reading them is
:func:`~protattn_widgets.structures.example` (or :func:`load_structure` with the
name), so it imports nothing from :mod:`.structures`.

>>> from protattn_widgets.examples import example_path
>>> example_path("1vfb_complex").name
'1vfb_complex.pdb'
"""

from __future__ import annotations

import difflib
from pathlib import Path

from .errors import ExampleNotFoundError

__all__ = ["EXAMPLES", "example_path", "is_example", "close_examples"]

_DIR = Path(__file__).resolve().parent / "data" / "structures"

#: Names accepted by :func:`example_path`.  Four of them (1a0q, 7hvp, 1crn, 1ubq) are also PDB
#: ids; a bare name always means the bundled file (see :func:`~protattn_widgets.load_structure`).
EXAMPLES: tuple[str, ...] = ("1vfb_complex", "1a0q", "7hvp", "1crn", "1ubq")


def _key(name: object) -> str:
    return str(name).strip().lower().removesuffix(".pdb")


def is_example(name: object) -> bool:
    """Whether ``name`` (any case, with or without ``.pdb``) is a bundled example."""
    return isinstance(name, str) and _key(name) in EXAMPLES


def close_examples(name: object) -> list[str]:
    """Bundled examples ``name`` may have meant: ``"1vfb"`` -> ``["1vfb_complex"]``; ``[]`` if none."""
    key = _key(name)
    if not key:
        return []
    close = [e for e in EXAMPLES if e.startswith(key) or key.startswith(e)]
    return close or difflib.get_close_matches(key, EXAMPLES, n=1)


def example_path(name: str) -> Path:
    """Return the path of the bundled structure ``name`` (e.g. ``"7hvp"``, any case).

    Raises :class:`~protattn_widgets.errors.ExampleNotFoundError` (a ``KeyError``)
    listing the examples for any other name.
    """
    if not is_example(name):
        close = close_examples(name)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ExampleNotFoundError(
            f"no bundled example structure {name!r} (names are case-insensitive); "
            f"available: {', '.join(EXAMPLES)}{hint}")
    return _DIR / f"{_key(name)}.pdb"
